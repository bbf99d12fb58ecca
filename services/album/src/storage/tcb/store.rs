//! [`TcbStore`] as an [`ObjectStore`]: what the album's [`crate::storage::Storage`] calls on any
//! backend (put, head, ranged get, delete, list), in Cloud Run's terms (module docs of
//! [`super`]). Multipart uploads and copies do not exist there: the settings keep every image
//! under the multipart threshold (`upload.max_file_size`), and the album copies nothing.

use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{
    Attribute, Attributes, CopyOptions, Extensions, GetOptions, GetRange, GetResult,
    GetResultPayload, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result, path::Path,
};
use reqwest::{StatusCode, header};
use wx_api::{FilePart, FileStatus};

use super::{READ_URL_AGE, TcbStore};
use crate::{image::ImageKind, index::key_time};

/// The `store` named in errors.
const STORE: &str = "tcb";

fn generic(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: error.into(),
    }
}

fn not_found(key: &str) -> object_store::Error {
    object_store::Error::NotFound {
        path: key.to_owned(),
        source: "batchdownloadfile: STORAGE_FILE_NONEXIST".into(),
    }
}

fn not_implemented(operation: &str) -> object_store::Error {
    object_store::Error::NotImplemented {
        operation: operation.to_owned(),
        implementer: STORE.to_owned(),
    }
}

/// `Range:` of `range`; `None` for an empty range.
fn range_header(range: &GetRange) -> Option<String> {
    match range {
        GetRange::Bounded(range) if range.end > range.start => {
            Some(format!("bytes={}-{}", range.start, range.end - 1))
        }
        GetRange::Bounded(_) => None,
        GetRange::Offset(first) => Some(format!("bytes={first}-")),
        GetRange::Suffix(n) => Some(format!("bytes=-{n}")),
    }
}

/// `bytes a-b/total` → `(a..b+1, total)`.
fn content_range(value: &str) -> Option<(Range<u64>, u64)> {
    let (span, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last): (u64, u64) = (first.parse().ok()?, last.parse().ok()?);
    Some((first..last.checked_add(1)?, total.parse().ok()?))
}

fn header_text(response: &reqwest::Response, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// When `key` was stored: its `Last-Modified`, else the time in its name, else now.
fn modified(key: &str, last_modified: Option<&str>) -> DateTime<Utc> {
    last_modified
        .and_then(|text| DateTime::parse_from_rfc2822(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .or_else(|| key_time(key).and_then(|ms| Utc.timestamp_millis_opt(ms).single()))
        .unwrap_or_else(Utc::now)
}

impl TcbStore {
    /// A short-lived URL to read `key` through; `None` when the file does not exist or cannot
    /// be read.
    async fn read_url(&self, key: &str) -> Result<Option<String>> {
        let mut urls = self
            .download_urls(&[key], READ_URL_AGE)
            .await
            .map_err(generic)?;
        Ok(urls.pop().flatten())
    }

    /// Every indexed key under `prefix` (directly under it when `direct`) that the download
    /// API still knows.
    async fn listed(&self, prefix: Option<&Path>, direct: bool) -> Result<Vec<ObjectMeta>> {
        let prefix = prefix.map(|p| format!("{}/", p.as_ref()));
        let prefix = prefix.as_deref().filter(|p| *p != "/").unwrap_or_default();
        let entries: Vec<_> = self
            .inner
            .index
            .all()
            .await
            .map_err(generic)?
            .into_iter()
            .filter(|entry| {
                entry
                    .key
                    .strip_prefix(prefix)
                    .is_some_and(|rest| !direct || !rest.contains('/'))
            })
            .collect();
        let mut metas = Vec::with_capacity(entries.len());
        for batch in entries.chunks(wx_api::MAX_BATCH) {
            let keys: Vec<&str> = batch.iter().map(|entry| entry.key.as_str()).collect();
            let urls = self
                .download_urls(&keys, READ_URL_AGE)
                .await
                .map_err(generic)?;
            for (entry, url) in batch.iter().zip(urls) {
                if url.is_none() {
                    continue;
                }
                metas.push(ObjectMeta {
                    location: Path::parse(&entry.key)?,
                    last_modified: Utc
                        .timestamp_millis_opt(entry.ms)
                        .single()
                        .unwrap_or_else(Utc::now),
                    size: 0,
                    e_tag: None,
                    version: None,
                });
            }
        }
        Ok(metas)
    }

    async fn delete_one(&self, path: &Path) -> Result<()> {
        let file_id = self.file_id(path.as_ref()).await.map_err(generic)?;
        let deleted = self
            .inner
            .cloud
            .delete_files(&[&file_id])
            .await
            .map_err(generic)?;
        match deleted.into_iter().next().map(|deletion| deletion.status) {
            // A missing file deletes fine, as on COS.
            Some(FileStatus::Ok | FileStatus::NotFound) => Ok(()),
            Some(FileStatus::Failed { status, errmsg }) => Err(generic(format!(
                "batchdeletefile {path}: status {status} {errmsg}"
            ))),
            None => Err(generic("batchdeletefile: empty delete_list")),
        }
    }
}

#[async_trait]
impl ObjectStore for TcbStore {
    /// A ticket, the form with the file last, then `batchdownloadfile` must know the file;
    /// a file it does not know (the storage dropped `x-cos-meta-fileid`) is deleted again and
    /// the put fails, so nothing unreadable is ever listed.
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let key = location.as_ref();
        match opts.mode {
            PutMode::Overwrite => {}
            // Not conditional at the storage: look first.
            PutMode::Create => {
                if self.read_url(key).await?.is_some() {
                    return Err(object_store::Error::AlreadyExists {
                        path: key.to_owned(),
                        source: "the file exists".into(),
                    });
                }
            }
            PutMode::Update(_) => return Err(not_implemented("conditional update")),
        }
        let content_type = opts
            .attributes
            .get(&Attribute::ContentType)
            .map(|value| value.as_ref().to_owned())
            .or_else(|| ImageKind::from_key(key).map(|kind| kind.mime().to_owned()))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let cloud = &self.inner.cloud;
        let ticket = cloud.upload_ticket(key).await.map_err(generic)?;
        self.learn(&ticket).await.map_err(generic)?;
        let file = FilePart::bytes(Bytes::from(payload)).content_type(content_type);
        cloud.post_form(&ticket, file).await.map_err(generic)?;
        if self.read_url(key).await?.is_none() {
            if let Err(error) = self.delete_one(location).await {
                log::warn!("removing the unreadable upload {key} failed: {error}");
            }
            return Err(generic(format!(
                "{key} was uploaded but batchdownloadfile does not know it"
            )));
        }
        Ok(PutResult {
            e_tag: None,
            version: None,
            extensions: Extensions::default(),
        })
    }

    async fn put_multipart_opts(
        &self,
        _location: &Path,
        _opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(not_implemented("multipart upload"))
    }

    /// A temporary URL from `batchdownloadfile`, then `HEAD` or `GET` (with `Range:`) on it.
    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let key = location.as_ref();
        let url = self.read_url(key).await?.ok_or_else(|| not_found(key))?;
        let http = &self.inner.http;
        let mut request = if options.head {
            http.head(&url)
        } else {
            http.get(&url)
        };
        if let Some(range) = options.range.as_ref().filter(|_| !options.head) {
            let Some(value) = range_header(range) else {
                return Err(generic(format!("empty range of {key}")));
            };
            request = request.header(header::RANGE, value);
        }
        let response = request
            .send()
            .await
            .map_err(|error| generic(error.without_url()))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Err(not_found(key));
        }
        let length = header_text(&response, header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let e_tag = header_text(&response, header::ETAG);
        let last_modified = header_text(&response, header::LAST_MODIFIED);
        let (range, size) = match status {
            StatusCode::PARTIAL_CONTENT => header_text(&response, header::CONTENT_RANGE)
                .as_deref()
                .and_then(content_range)
                .ok_or_else(|| generic(format!("206 without a Content-Range for {key}")))?,
            // The range starts past the end: an empty object.
            StatusCode::RANGE_NOT_SATISFIABLE => (0..0, 0),
            status if status.is_success() => {
                let size = length.unwrap_or_default();
                (0..size, size)
            }
            status => return Err(generic(format!("download of {key}: HTTP {status}"))),
        };
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: modified(key, last_modified.as_deref()),
            size,
            e_tag,
            version: None,
        };
        let stream = if options.head || status == StatusCode::RANGE_NOT_SATISFIABLE {
            futures_util::stream::empty().boxed()
        } else {
            response
                .bytes_stream()
                .map_err(|error| generic(error.without_url()))
                .boxed()
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(stream),
            meta,
            range,
            attributes: Attributes::new(),
            extensions: Extensions::default(),
        })
    }

    /// `batchdeletefile`, one file at a time (the album deletes one key per call).
    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let store = self.clone();
        locations
            .and_then(move |path| {
                let store = store.clone();
                async move { store.delete_one(&path).await.map(|()| path) }
            })
            .boxed()
    }

    /// The index's keys under `prefix` whose files exist (`size` is not known: 0).
    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let store = self.clone();
        let prefix = prefix.cloned();
        futures_util::stream::once(async move { store.listed(prefix.as_ref(), false).await })
            .map_ok(|metas| futures_util::stream::iter(metas.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        Ok(ListResult {
            common_prefixes: Vec::new(),
            objects: self.listed(prefix, true).await?,
            extensions: Extensions::default(),
        })
    }

    async fn copy_opts(&self, _from: &Path, _to: &Path, _options: CopyOptions) -> Result<()> {
        Err(not_implemented("copy"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_range_headers() {
        assert_eq!(
            range_header(&GetRange::Bounded(0..32)).as_deref(),
            Some("bytes=0-31")
        );
        assert_eq!(range_header(&GetRange::Bounded(5..5)), None);
        assert_eq!(
            range_header(&GetRange::Offset(7)).as_deref(),
            Some("bytes=7-")
        );
        assert_eq!(
            range_header(&GetRange::Suffix(3)).as_deref(),
            Some("bytes=-3")
        );
    }

    #[test]
    fn content_ranges_give_the_span_and_the_size() {
        assert_eq!(content_range("bytes 0-31/1000"), Some((0..32, 1000)));
        assert_eq!(content_range("bytes 0-31/*"), None);
        assert_eq!(content_range("items 0-1/2"), None);
    }
}
