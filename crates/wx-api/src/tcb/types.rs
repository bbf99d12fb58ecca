//! What the Cloud Run storage calls take and give: the upload ticket and its form fields, the
//! file part of the form, and each file's status in a batch answer.

use std::fmt;

use bytes::Bytes;
use futures_util::TryStream;
use secrecy::ExposeSecret;
use weapp_common::config::Secret;

/// The name of the file field of the upload form; it must be the form's last field.
pub const FILE_FIELD: &str = "file";

/// `errmsg` of a file that does not exist (or cannot be read: uploaded without
/// `x-cos-meta-fileid`), as `batchdownloadfile` and `batchdeletefile` report it per file.
pub const FILE_NOT_FOUND: &str = "STORAGE_FILE_NONEXIST";

/// A ticket to upload one file: `POST /tcb/uploadfile`'s answer
/// (<https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/uploadFile.html>).
///
/// Its signature and COS security token are short-lived credentials for this one path;
/// `Debug` redacts them. They may go to the client that uploads (a direct upload), never to a
/// log.
#[derive(Clone)]
pub struct UploadTicket {
    pub(crate) path: String,
    pub(crate) url: String,
    pub(crate) token: Secret,
    pub(crate) authorization: Secret,
    pub(crate) file_id: String,
    pub(crate) cos_file_id: String,
}

impl UploadTicket {
    /// The path the ticket is for (the form's `key`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the form goes (`url`), e.g.
    /// `https://cos.ap-shanghai.myqcloud.com/7465-test2-4a89da-1258717764/this/is/a/example/file.path`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file's ID once uploaded (`file_id`, `cloud://{env}.{bucket}/{path}`): what
    /// `batchdownloadfile` and `batchdeletefile` take.
    pub fn file_id(&self) -> &str {
        &self.file_id
    }

    /// The form's text fields, in the order the document gives them; the file
    /// ([`FILE_FIELD`]) follows, last:
    ///
    /// | field | value |
    /// |---|---|
    /// | `key` | the path |
    /// | `Signature` | `authorization` |
    /// | `x-cos-security-token` | `token` |
    /// | `x-cos-meta-fileid` | `cos_file_id` (without it the file uploads but cannot be downloaded) |
    ///
    /// (<https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/development/storage/service/upload.html>.)
    pub fn form_fields(&self) -> [(&'static str, &str); 4] {
        [
            ("key", &self.path),
            ("Signature", self.authorization.expose_secret()),
            ("x-cos-security-token", self.token.expose_secret()),
            ("x-cos-meta-fileid", &self.cos_file_id),
        ]
    }
}

impl fmt::Debug for UploadTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadTicket")
            .field("path", &self.path)
            .field("url", &self.url)
            .field("file_id", &self.file_id)
            .field("token", &"[REDACTED]")
            .field("authorization", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// The file of an upload form: its bytes (in memory, a stream or an open file), a file name
/// and a content type.
pub struct FilePart {
    pub(crate) body: reqwest::Body,
    pub(crate) length: Option<u64>,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: String,
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("length", &self.length)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl FilePart {
    /// Bytes in memory.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes: Bytes = bytes.into();
        let length = u64::try_from(bytes.len()).ok();
        Self::new(reqwest::Body::from(bytes), length)
    }

    /// `length` bytes read from `stream` as the form is sent (nothing is buffered).
    pub fn stream<S>(stream: S, length: u64) -> Self
    where
        S: TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        Self::new(reqwest::Body::wrap_stream(stream), Some(length))
    }

    /// An open file of `length` bytes, read as the form is sent.
    pub fn file(file: tokio::fs::File, length: u64) -> Self {
        Self::new(reqwest::Body::from(file), Some(length))
    }

    /// The part's `filename` (default: the last segment of the upload path).
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type` (default `application/octet-stream`).
    #[must_use]
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = mime.into();
        self
    }

    fn new(body: reqwest::Body, length: Option<u64>) -> Self {
        Self {
            body,
            length,
            file_name: None,
            content_type: "application/octet-stream".to_owned(),
        }
    }
}

/// One file's outcome in a batch answer: `status` 0 is success, anything else comes with the
/// file's own `errmsg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// `status` 0.
    Ok,
    /// The file does not exist ([`FILE_NOT_FOUND`]), or was uploaded without
    /// `x-cos-meta-fileid` and cannot be read.
    NotFound,
    /// Any other failure of this file.
    Failed {
        /// WeChat's per-file `status`.
        status: i64,
        /// WeChat's per-file `errmsg`.
        errmsg: String,
    },
}

impl FileStatus {
    pub(crate) fn of(status: i64, errmsg: &str) -> Self {
        match status {
            0 => Self::Ok,
            _ if errmsg.contains(FILE_NOT_FOUND) => Self::NotFound,
            _ => Self::Failed {
                status,
                errmsg: errmsg.to_owned(),
            },
        }
    }
}

/// One file of a `batchdownloadfile` answer
/// (<https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/batchDownloadFile.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDownload {
    /// The file asked for.
    pub file_id: String,
    /// Its outcome.
    pub status: FileStatus,
    /// A temporary download URL, valid for the `max_age` asked; `Some` iff the status is
    /// [`FileStatus::Ok`].
    pub download_url: Option<String>,
}

/// One file of a `batchdeletefile` answer
/// (<https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/batchDeleteFile.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDeletion {
    /// The file asked for.
    pub file_id: String,
    /// Its outcome.
    pub status: FileStatus,
}
