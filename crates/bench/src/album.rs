//! A small client of the album HTTP contract (`proto/album.openapi.yaml`), just enough for
//! the bench: upload, list, delete and upload-url, each checked for `code: 0`.

use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::photos::Photo;

/// Client of one album instance.
#[derive(Clone)]
pub struct Album {
    http: reqwest::Client,
    base: String,
}

impl Album {
    /// A client of `base` (e.g. `http://127.0.0.1:9993`, no trailing slash needed) keeping up
    /// to `concurrency` idle connections.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(base: &str, concurrency: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency.max(1))
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// Full URL of an album route, e.g. `url("/applet/album/list")`.
    pub fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }

    /// `GET /healthz` answered `code: 0` within 2 s.
    pub async fn is_up(&self) -> bool {
        let reply = self
            .http
            .get(self.url("/healthz"))
            .timeout(Duration::from_secs(2))
            .send();
        match reply.await {
            Ok(r) => r.json::<Value>().await.is_ok_and(|v| v["code"] == 0),
            Err(_) => false,
        }
    }

    /// `POST /applet/album/upload` with the photo as multipart field `image`.
    /// Returns the stored image's absolute URL (`data.imgUrl`).
    ///
    /// # Errors
    /// Transport error, non-200 status, or `code` other than 0.
    pub async fn upload(&self, photo: &Photo) -> anyhow::Result<String> {
        let len = photo.bytes.len() as u64;
        let part = Part::stream_with_length(photo.bytes.clone(), len)
            .file_name(photo.name.clone())
            .mime_str(photo.kind.mime())
            .context("part content type")?;
        let form = Form::new().part("image", part);
        let req = self
            .http
            .post(self.url("/applet/album/upload"))
            .multipart(form);
        let body = envelope(req, "upload").await?;
        body["data"]["imgUrl"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("upload reply without data.imgUrl: {body}"))
    }

    /// `GET /applet/album/list`; returns how many URLs came back and the body size.
    ///
    /// # Errors
    /// Transport error, non-200 status, `code` other than 0, or `data` not an array.
    pub async fn list(&self) -> anyhow::Result<(usize, u64)> {
        let (urls, bytes) = self.list_page(None).await?;
        Ok((urls.len(), bytes))
    }

    /// One `GET /applet/album/list` page, after `after` (an image URL of the previous page,
    /// the `after=` cursor) when given; returns its URLs and the body size.
    ///
    /// # Errors
    /// Transport error, non-200 status, `code` other than 0, or `data` not an array of
    /// strings.
    pub async fn list_page(&self, after: Option<&str>) -> anyhow::Result<(Vec<String>, u64)> {
        let mut url = self.url("/applet/album/list");
        if let Some(after) = after {
            url = format!("{url}?after={}", encode(after));
        }
        let resp = self.http.get(url).send().await.context("list")?;
        let status = resp.status();
        let bytes = resp.bytes().await.context("reading list reply")?;
        let body: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("list reply is not JSON (HTTP {status})"))?;
        if status != reqwest::StatusCode::OK || body["code"] != 0 {
            bail!("list answered HTTP {status} {body}");
        }
        let urls = body["data"]
            .as_array()
            .context("list data is not an array")?
            .iter()
            .map(|url| url.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .context("list data holds a non-string")?;
        Ok((urls, bytes.len() as u64))
    }

    /// How many images the album lists: every page, each after the last URL of the one
    /// before (`after=`), until an empty page. Reads the whole album; for set-up and checks,
    /// never measured.
    ///
    /// # Errors
    /// As [`Self::list_page`].
    pub async fn count(&self) -> anyhow::Result<usize> {
        let (mut total, mut after) = (0, None::<String>);
        loop {
            let (urls, _) = self.list_page(after.as_deref()).await?;
            let Some(last) = urls.last() else {
                return Ok(total);
            };
            total += urls.len();
            after = Some(last.clone());
        }
    }

    /// `POST /applet/album/delete` `{"filepath": <path of img_url>}`.
    ///
    /// # Errors
    /// `img_url` has no path, transport error, non-200 status, or `code` other than 0.
    pub async fn delete(&self, img_url: &str) -> anyhow::Result<()> {
        let filepath = filepath_of(img_url).with_context(|| format!("no path in {img_url}"))?;
        let req = self
            .http
            .post(self.url("/applet/album/delete"))
            .json(&serde_json::json!({ "filepath": filepath }));
        envelope(req, "delete").await.map(drop)
    }

    /// `GET` of `route` (path and query) with `headers`, answered HTTP 200: the JSON body.
    /// The signing routes' probe before wrk measures them (wrk only sees statuses).
    ///
    /// # Errors
    /// Transport error, or a status other than 200 (the status is in the message: 401 is
    /// "log in first").
    pub async fn get_json(
        &self,
        route: &str,
        headers: &[(String, String)],
    ) -> anyhow::Result<Result<Value, reqwest::StatusCode>> {
        let mut req = self.http.get(self.url(route));
        for (name, value) in headers {
            req = req.header(name, value);
        }
        let resp = req.send().await.with_context(|| format!("GET {route}"))?;
        let status = resp.status();
        if status != reqwest::StatusCode::OK {
            return Ok(Err(status));
        }
        let body = resp
            .json()
            .await
            .with_context(|| format!("{route} reply is not JSON"))?;
        Ok(Ok(body))
    }
}

/// Sends `req` and returns the JSON envelope when it is HTTP 200 with `code: 0`.
async fn envelope(req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
    let resp = req
        .send()
        .await
        .with_context(|| format!("{what} request"))?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .with_context(|| format!("{what} reply is not JSON (HTTP {status})"))?;
    if status != reqwest::StatusCode::OK || body["code"] != 0 {
        bail!("{what} answered HTTP {status} {body}");
    }
    Ok(body)
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `filepath` the original client sends to delete an image: the URL's path with its
/// leading slash (`'/' + url.split('/').slice(3).join('/')`, `originals.md` §1.2), query
/// included as the original did. `None` for a string that is not an absolute URL.
pub fn filepath_of(img_url: &str) -> Option<String> {
    let mut parts = img_url.splitn(4, '/');
    let scheme = parts.next()?;
    let empty = parts.next()?;
    let host = parts.next()?;
    if !scheme.ends_with(':') || !empty.is_empty() || host.is_empty() {
        return None;
    }
    Some(format!("/{}", parts.next().unwrap_or_default()))
}

/// The object key an album image URL most likely names, for cleaning up through S3 when
/// album's own delete failed: the path without its leading slash, and without a leading
/// `{bucket}/` when the URL is path-style (`http://host:8333/album/KEY`).
pub fn key_guess(img_url: &str, bucket: &str) -> Option<String> {
    let path = filepath_of(img_url)?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let key = path.trim_start_matches('/');
    let key = key.strip_prefix(&format!("{bucket}/")).unwrap_or(key);
    (!key.is_empty()).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_is_the_url_path_with_its_slash() {
        let url = "http://album-1250000000.costj.myqcloud.com/1494900000000-Hk3x9a.jpg";
        assert_eq!(
            filepath_of(url).as_deref(),
            Some("/1494900000000-Hk3x9a.jpg")
        );
        assert_eq!(
            filepath_of("http://h:1/a/b.png").as_deref(),
            Some("/a/b.png")
        );
        assert_eq!(filepath_of("http://h:1").as_deref(), Some("/"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("image/jpeg"), "image%2Fjpeg");
        assert_eq!(encode("a b+c~"), "a%20b%2Bc~");
    }

    #[test]
    fn filepath_refuses_relative_urls() {
        assert_eq!(filepath_of("/a/b.png"), None);
        assert_eq!(filepath_of("a/b/c/d"), None);
    }

    #[test]
    fn key_guess_strips_slash_bucket_and_query() {
        assert_eq!(
            key_guess("http://h/1-a.jpg", "album").as_deref(),
            Some("1-a.jpg")
        );
        assert_eq!(
            key_guess("http://h:8333/album/1-a.jpg?x=1", "album").as_deref(),
            Some("1-a.jpg")
        );
        assert_eq!(
            key_guess("http://h/photos/1-a.jpg", "album").as_deref(),
            Some("photos/1-a.jpg")
        );
        assert_eq!(key_guess("http://h/", "album"), None);
    }
}
