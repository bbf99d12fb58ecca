//! [`TcbStore`]: the album's photos in the object storage of a WeChat Cloud Run (云托管)
//! environment, through [`wx_api::CloudStorage`] — an [`object_store::ObjectStore`] like the
//! other backends ([`store`]), plus what only this backend has: temporary download URLs in
//! batches, upload tickets for direct uploads, and the names WeChat gives files.
//!
//! | album | Cloud Run |
//! |---|---|
//! | put (through-server upload) | `POST /tcb/uploadfile` `{env, path: key}` → ticket; the form POSTed to the ticket's `url` (`key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, the file last); then `batchdownloadfile` must list the file before the put succeeds |
//! | head, ranged get | `POST /tcb/batchdownloadfile` → a temporary URL; `HEAD` / `GET Range:` on it |
//! | delete | `POST /tcb/batchdeletefile` |
//! | list | the album's Redis index (the API cannot list), each file confirmed by `batchdownloadfile` |
//! | image URLs | `batchdownloadfile`, one call per 50 keys, `max_age` = `storage.tcb.url_max_age_secs` |
//! | `upload-form` | the ticket as `url` + ordered fields, the file last under `file` |
//!
//! The object key is the file's path in the environment; its file ID is
//! `cloud://{env}.{bucket}/{key}`. The `cloud://{env}.{bucket}/` part is learned from a ticket
//! (the first upload, or one asked for `{folder}.album-probe`, which uploads nothing) and kept
//! in the index so every instance knows it. The path of the download URLs before the key (`/`
//! on WeChat's `https://{bucket}.tcb.qcloud.la/{key}`, `/tcb-dl/{bucket}/` on wx-sim) is learned
//! from the URLs handed out and kept there too: the original client deletes by URL path.
//!
//! Sources: <https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/development/storage/service/upload.html>,
//! <https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/batchDownloadFile.html>.

mod store;

use std::{
    fmt,
    sync::{Arc, PoisonError, RwLock},
    time::Duration,
};

use wx_api::{CloudStorage, FileStatus, UploadTicket, WxError};

use crate::index::Index;

/// What the index keeps for this backend, and for how long (renewed whenever learned again).
const FILE_ID_PREFIX: &str = "tcb:file-id-prefix";
const URL_PATH_PREFIX: &str = "tcb:url-path-prefix";
const REMEMBER_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// The `max_age` of the URLs the album itself reads through (HEAD, the first bytes).
const READ_URL_AGE: Duration = Duration::from_secs(60);

/// A Cloud Run environment as an object store. Cheap to clone.
#[derive(Clone)]
pub struct TcbStore {
    inner: Arc<Inner>,
}

struct Inner {
    cloud: CloudStorage,
    index: Index,
    /// For HEAD and ranged GET on the temporary URLs (no redirects, the storage timeout).
    http: reqwest::Client,
    /// The key of the probe ticket: `{folder}.album-probe`.
    probe_key: String,
    url_max_age: Duration,
    file_id_prefix: RwLock<Option<String>>,
    url_path_prefix: RwLock<Option<String>>,
}

impl fmt::Debug for TcbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcbStore")
            .field("env", &self.inner.cloud.env())
            .field("keeper", self.inner.cloud.keeper())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for TcbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeChat Cloud Run storage ({})", self.inner.cloud.env())
    }
}

/// A direct upload's form: where to POST it and its text fields, in order; the file goes last.
#[derive(Debug, Clone)]
pub struct TcbForm {
    /// The ticket's `url`.
    pub url: String,
    /// `key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, in this order.
    pub fields: Vec<(String, String)>,
    /// The file's ID once uploaded (`cloud://…`).
    pub file_id: String,
}

impl TcbStore {
    /// A store of `cloud`'s environment listing from `index`; `folder` is the album's folder
    /// prefix (`""` or `photos/`), `timeout` the storage request timeout.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        cloud: CloudStorage,
        index: Index,
        folder: &str,
        timeout: Duration,
        url_max_age: Duration,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                cloud,
                index,
                http,
                probe_key: format!("{folder}.album-probe"),
                url_max_age,
                file_id_prefix: RwLock::new(None),
                url_path_prefix: RwLock::new(None),
            }),
        })
    }

    /// The storage client.
    pub fn cloud(&self) -> &CloudStorage {
        &self.inner.cloud
    }

    /// Learn what can be learned before serving: the file-ID prefix (from the index, or a probe
    /// ticket) and the download URLs' path prefix (from the index).
    ///
    /// # Errors
    /// WeChat or the index did not answer.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.file_id_prefix().await?;
        if let Some(prefix) = self.inner.index.recall(URL_PATH_PREFIX).await? {
            set(&self.inner.url_path_prefix, prefix);
        }
        Ok(())
    }

    /// The path of the download URLs before the key (`/tcb-dl/{bucket}/` on wx-sim), once
    /// known; `""` before.
    pub fn url_path_prefix(&self) -> String {
        get(&self.inner.url_path_prefix).unwrap_or_default()
    }

    /// `cloud://{env}.{bucket}/`: from memory, the index, or a probe ticket.
    async fn file_id_prefix(&self) -> anyhow::Result<String> {
        if let Some(prefix) = get(&self.inner.file_id_prefix) {
            return Ok(prefix);
        }
        if let Some(prefix) = self.inner.index.recall(FILE_ID_PREFIX).await? {
            set(&self.inner.file_id_prefix, prefix.clone());
            return Ok(prefix);
        }
        let ticket = self
            .inner
            .cloud
            .upload_ticket(&self.inner.probe_key)
            .await?;
        self.learn(&ticket).await
    }

    /// Keep the file-ID prefix a ticket shows.
    async fn learn(&self, ticket: &UploadTicket) -> anyhow::Result<String> {
        let prefix = ticket
            .file_id()
            .strip_suffix(ticket.path())
            .filter(|prefix| prefix.starts_with("cloud://"))
            .ok_or_else(|| anyhow::anyhow!("the file id of a ticket does not end with its path"))?
            .to_owned();
        if get(&self.inner.file_id_prefix).as_ref() != Some(&prefix) {
            // Not kept when a full memory index refuses it: that index serves only this
            // process, which keeps the prefix below anyway.
            self.inner
                .index
                .remember(FILE_ID_PREFIX, &prefix, REMEMBER_FOR)
                .await?;
            set(&self.inner.file_id_prefix, prefix.clone());
        }
        Ok(prefix)
    }

    /// The file ID of `key`.
    async fn file_id(&self, key: &str) -> anyhow::Result<String> {
        Ok(format!("{}{key}", self.file_id_prefix().await?))
    }

    /// Temporary download URLs of `keys`, valid `storage.tcb.url_max_age_secs`, in order:
    /// `None` for a file that does not exist or cannot be read (uploaded without
    /// `x-cos-meta-fileid`). One WeChat call per 50 keys.
    ///
    /// # Errors
    /// WeChat's error, or the index's.
    pub async fn image_urls(&self, keys: &[&str]) -> anyhow::Result<Vec<Option<String>>> {
        self.download_urls(keys, self.inner.url_max_age).await
    }

    async fn download_urls(
        &self,
        keys: &[&str],
        max_age: Duration,
    ) -> anyhow::Result<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = self.file_id_prefix().await?;
        let ids: Vec<String> = keys.iter().map(|key| format!("{prefix}{key}")).collect();
        let asked: Vec<(&str, Duration)> = ids.iter().map(|id| (id.as_str(), max_age)).collect();
        let answers = self.inner.cloud.download_urls(&asked).await?;
        let mut urls = Vec::with_capacity(keys.len());
        for (key, answer) in keys.iter().zip(answers) {
            match (answer.status, answer.download_url) {
                (FileStatus::Ok, Some(url)) => {
                    self.learn_url(key, &url).await;
                    urls.push(Some(url));
                }
                (FileStatus::Failed { status, errmsg }, _) => {
                    log::warn!("no download URL for {key}: status {status} {errmsg}");
                    urls.push(None);
                }
                _ => urls.push(None),
            }
        }
        Ok(urls)
    }

    /// Keep the path prefix of download URLs (the part before the key), if new.
    async fn learn_url(&self, key: &str, url: &str) {
        let Some(prefix) = url_path_prefix_of(url, key) else {
            return;
        };
        if get(&self.inner.url_path_prefix).as_ref() == Some(&prefix) {
            return;
        }
        set(&self.inner.url_path_prefix, prefix.clone());
        if let Err(error) = self
            .inner
            .index
            .remember(URL_PATH_PREFIX, &prefix, REMEMBER_FOR)
            .await
        {
            log::warn!("keeping the download URL path prefix failed: {error}");
        }
    }

    /// A direct upload's form for `key`: a fresh ticket as URL and ordered fields.
    ///
    /// # Errors
    /// WeChat's error.
    pub async fn form(&self, key: &str) -> anyhow::Result<TcbForm> {
        let ticket = self.inner.cloud.upload_ticket(key).await?;
        self.learn(&ticket).await?;
        Ok(TcbForm {
            url: ticket.url().to_owned(),
            fields: ticket
                .form_fields()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            file_id: ticket.file_id().to_owned(),
        })
    }

    /// Delete `key` whatever its state, and say whether there was a file: a file the
    /// download API does not know (posted without `x-cos-meta-fileid`) is still deleted.
    ///
    /// # Errors
    /// WeChat's error.
    pub async fn discard(&self, key: &str) -> anyhow::Result<bool> {
        let file_id = self.file_id(key).await?;
        let deleted = self.inner.cloud.delete_files(&[&file_id]).await?;
        match deleted.into_iter().next().map(|deletion| deletion.status) {
            Some(FileStatus::Ok) => Ok(true),
            Some(FileStatus::NotFound) | None => Ok(false),
            Some(FileStatus::Failed { status, errmsg }) => Err(WxError::Api {
                errcode: status,
                errmsg,
            }
            .into()),
        }
    }
}

/// The path of `url` before `key` (each segment percent-encoded or not), e.g. `/tcb-dl/b/`.
fn url_path_prefix_of(url: &str, key: &str) -> Option<String> {
    let path = url::Url::parse(url).ok()?.path().to_owned();
    let decoded = percent_encoding::percent_decode_str(&path)
        .decode_utf8()
        .ok()?
        .into_owned();
    decoded
        .strip_suffix(key)
        .filter(|prefix| prefix.ends_with('/'))
        .map(str::to_owned)
}

fn get(slot: &RwLock<Option<String>>) -> Option<String> {
    slot.read().unwrap_or_else(PoisonError::into_inner).clone()
}

fn set(slot: &RwLock<Option<String>>, value: String) {
    *slot.write().unwrap_or_else(PoisonError::into_inner) = Some(value);
}

#[cfg(test)]
mod tests {
    use super::url_path_prefix_of;

    #[test]
    fn the_path_before_the_key_is_the_url_path_prefix() {
        assert_eq!(
            url_path_prefix_of(
                "http://127.0.0.1:9797/tcb-dl/7465-e-1250000000/photos/1-a.jpg?sign=x&t=1",
                "photos/1-a.jpg"
            )
            .as_deref(),
            Some("/tcb-dl/7465-e-1250000000/")
        );
        assert_eq!(
            url_path_prefix_of(
                "https://7465-e-1258717764.tcb.qcloud.la/%E5%9B%BE/1-a.jpg?sign=x&t=1",
                "图/1-a.jpg"
            )
            .as_deref(),
            Some("/")
        );
        assert_eq!(url_path_prefix_of("https://h/other.jpg", "1-a.jpg"), None);
    }
}
