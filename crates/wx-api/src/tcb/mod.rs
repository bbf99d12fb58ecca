//! [`CloudStorage`]: the object storage of a WeChat Cloud Run (云托管) environment, called from
//! the server so the AppSecret and the access token never leave it.
//!
//! | call | request | answer |
//! |---|---|---|
//! | [`CloudStorage::upload_ticket`] | `POST /tcb/uploadfile` `{"env","path"}` | [`UploadTicket`] (`url`, `token`, `authorization`, `file_id`, `cos_file_id`) |
//! | [`CloudStorage::post_form`] | `POST {url}` multipart: `key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, `file` (last) | COS: 204, or an XML `<Error>` |
//! | [`CloudStorage::download_urls`] | `POST /tcb/batchdownloadfile` `{"env","file_list":[{"fileid","max_age"}]}` | `file_list:[{fileid,download_url,status,errmsg}]` |
//! | [`CloudStorage::delete_files`] | `POST /tcb/batchdeletefile` `{"env","fileid_list":[…]}` | `delete_list:[{fileid,status,errmsg}]` |
//!
//! Every WeChat call carries the [`TokenKeeper`]'s credential and is retried once on a refused
//! token. Sources: the Cloud Run storage document
//! (<https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/development/storage/service/upload.html>)
//! and the HTTP API reference
//! (<https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/uploadFile.html>,
//! `…/batchDownloadFile.html`, `…/batchDeleteFile.html`).

mod cos;
mod types;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use weapp_common::config::Secret;

use crate::{TokenKeeper, WxError, transport::http_client};

pub use types::{
    FILE_FIELD, FILE_NOT_FOUND, FileDeletion, FileDownload, FilePart, FileStatus, UploadTicket,
};

/// Files per `batchdownloadfile`/`batchdeletefile` call: WeChat takes at most 50
/// (<https://developers.weixin.qq.com/community/develop/doc/0002ac37704948fc571ffd2bc56000>);
/// longer lists are sent in several calls.
pub const MAX_BATCH: usize = 50;

/// The Cloud Run environment and the upload timeout, meant for a service's settings (e.g.
/// `storage.tcb`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CloudRunConfig {
    /// The Cloud Run environment ID (`env`), e.g. `prod-2g0f3b1c8e4a9d7f`.
    pub env: String,
    /// Seconds a form upload may take, connection to last byte; default 120.
    pub upload_timeout_secs: u64,
}

impl Default for CloudRunConfig {
    fn default() -> Self {
        Self {
            env: String::new(),
            upload_timeout_secs: 120,
        }
    }
}

/// The storage client of one Cloud Run environment: cheap to clone.
#[derive(Debug, Clone)]
pub struct CloudStorage {
    keeper: TokenKeeper,
    env: String,
    /// For the form uploads to COS: the upload timeout, no redirects.
    cos: reqwest::Client,
    upload_timeout: Duration,
}

impl CloudStorage {
    /// A client of `config.env` whose calls `keeper` authenticates.
    ///
    /// # Errors
    /// [`WxError::Config`] when `env` is empty or the HTTP client cannot be built.
    pub fn new(keeper: TokenKeeper, config: &CloudRunConfig) -> Result<Self, WxError> {
        if config.env.trim().is_empty() {
            return Err(WxError::Config("the Cloud Run env id is empty".to_owned()));
        }
        let upload_timeout = Duration::from_secs(config.upload_timeout_secs.max(1));
        Ok(Self {
            cos: http_client(upload_timeout)?,
            keeper,
            env: config.env.clone(),
            upload_timeout,
        })
    }

    /// The environment ID.
    pub fn env(&self) -> &str {
        &self.env
    }

    /// The keeper of this client's credential (readiness: [`TokenKeeper::ready`]).
    pub fn keeper(&self) -> &TokenKeeper {
        &self.keeper
    }

    /// Ask for a ticket to upload `path` (relative to the environment's root, no leading `/`).
    /// Each ticket is for one upload; the path is overwritten if it exists.
    ///
    /// # Errors
    /// [`WxError::Invalid`] for an empty or `/`-led path; otherwise as
    /// [`TokenKeeper::post_json`], and [`WxError::Malformed`] for an answer without the
    /// ticket's fields.
    pub async fn upload_ticket(&self, path: &str) -> Result<UploadTicket, WxError> {
        if path.is_empty() || path.starts_with('/') {
            return Err(WxError::Invalid(format!(
                "upload path {path:?} must be non-empty and not start with /"
            )));
        }
        let answer = self
            .keeper
            .post_json(
                "/tcb/uploadfile",
                &UploadRequest {
                    env: &self.env,
                    path,
                },
            )
            .await?;
        let field = |name: &str| {
            answer
                .get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| WxError::Malformed(format!("uploadfile answer without {name}")))
        };
        Ok(UploadTicket {
            path: path.to_owned(),
            url: field("url")?.to_owned(),
            token: Secret::from(field("token")?),
            authorization: Secret::from(field("authorization")?),
            file_id: field("file_id")?.to_owned(),
            cos_file_id: field("cos_file_id")?.to_owned(),
        })
    }

    /// Upload `file` with `ticket`: the form the document describes, POSTed from this server,
    /// the file streamed as the last field.
    ///
    /// # Errors
    /// [`WxError::Cos`] when the object storage refuses (a used or expired ticket, a bad
    /// signature), [`WxError::Unreachable`] when it cannot be reached or times out,
    /// [`WxError::Invalid`] for a malformed content type.
    pub async fn post_form(&self, ticket: &UploadTicket, file: FilePart) -> Result<(), WxError> {
        cos::post_form(&self.cos, self.upload_timeout, ticket, file).await
    }

    /// [`CloudStorage::upload_ticket`] then [`CloudStorage::post_form`]; the file's ID.
    ///
    /// # Errors
    /// As the two calls.
    pub async fn upload(&self, path: &str, file: FilePart) -> Result<String, WxError> {
        let ticket = self.upload_ticket(path).await?;
        self.post_form(&ticket, file).await?;
        Ok(ticket.file_id)
    }

    /// Temporary download URLs of `files` (`(file_id, max_age)`, `max_age` in whole seconds,
    /// at least 1), in the order asked, each with its own status.
    ///
    /// # Errors
    /// [`WxError::Invalid`] for a file ID that is not `cloud://…`; otherwise as
    /// [`TokenKeeper::post_json`], and [`WxError::Malformed`] when the answer does not list a
    /// file asked for.
    pub async fn download_urls(
        &self,
        files: &[(&str, Duration)],
    ) -> Result<Vec<FileDownload>, WxError> {
        let mut downloads = Vec::with_capacity(files.len());
        for batch in files.chunks(MAX_BATCH) {
            let file_list = batch
                .iter()
                .map(|(file_id, max_age)| {
                    check_file_id(file_id).map(|()| DownloadItem {
                        fileid: file_id,
                        max_age: max_age.as_secs().max(1),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let answer = self
                .keeper
                .post_json(
                    "/tcb/batchdownloadfile",
                    &DownloadRequest {
                        env: &self.env,
                        file_list,
                    },
                )
                .await?;
            let mut listed = per_file(&answer, "file_list")?;
            for (file_id, _) in batch {
                let item = take(&mut listed, file_id)?;
                let status = FileStatus::of(item.status, &item.errmsg);
                let download_url = item
                    .download_url
                    .filter(|url| status == FileStatus::Ok && !url.is_empty());
                downloads.push(FileDownload {
                    file_id: (*file_id).to_owned(),
                    status,
                    download_url,
                });
            }
        }
        Ok(downloads)
    }

    /// Whether `file_id` exists and can be read: `batchdownloadfile`'s status for it (a file
    /// uploaded without `x-cos-meta-fileid` does not count).
    ///
    /// # Errors
    /// As [`CloudStorage::download_urls`]; a per-file failure other than "not found" is
    /// [`WxError::Api`] with the file's status and errmsg.
    pub async fn exists(&self, file_id: &str) -> Result<bool, WxError> {
        let mut answer = self
            .download_urls(&[(file_id, Duration::from_secs(1))])
            .await?;
        match answer.pop().map(|download| download.status) {
            Some(FileStatus::Ok) => Ok(true),
            Some(FileStatus::NotFound) => Ok(false),
            Some(FileStatus::Failed { status, errmsg }) => Err(WxError::Api {
                errcode: status,
                errmsg,
            }),
            None => Err(WxError::Malformed("empty file_list".to_owned())),
        }
    }

    /// Delete `file_ids`, in the order asked, each with its own status (a missing file is
    /// [`FileStatus::NotFound`]).
    ///
    /// # Errors
    /// As [`CloudStorage::download_urls`].
    pub async fn delete_files(&self, file_ids: &[&str]) -> Result<Vec<FileDeletion>, WxError> {
        let mut deletions = Vec::with_capacity(file_ids.len());
        for batch in file_ids.chunks(MAX_BATCH) {
            for file_id in batch {
                check_file_id(file_id)?;
            }
            let answer = self
                .keeper
                .post_json(
                    "/tcb/batchdeletefile",
                    &DeleteRequest {
                        env: &self.env,
                        fileid_list: batch,
                    },
                )
                .await?;
            let mut listed = per_file(&answer, "delete_list")?;
            for file_id in batch {
                let item = take(&mut listed, file_id)?;
                deletions.push(FileDeletion {
                    file_id: (*file_id).to_owned(),
                    status: FileStatus::of(item.status, &item.errmsg),
                });
            }
        }
        Ok(deletions)
    }
}

/// `{"env","path"}`, the document's field order.
#[derive(Serialize)]
struct UploadRequest<'a> {
    env: &'a str,
    path: &'a str,
}

/// `{"env","file_list":[{"fileid","max_age"}]}`.
#[derive(Serialize)]
struct DownloadRequest<'a> {
    env: &'a str,
    file_list: Vec<DownloadItem<'a>>,
}

#[derive(Serialize)]
struct DownloadItem<'a> {
    fileid: &'a str,
    max_age: u64,
}

/// `{"env","fileid_list":[…]}`.
#[derive(Serialize)]
struct DeleteRequest<'a> {
    env: &'a str,
    fileid_list: &'a [&'a str],
}

/// One entry of `file_list` / `delete_list`.
#[derive(Deserialize)]
struct ListedFile {
    fileid: String,
    #[serde(default)]
    download_url: Option<String>,
    status: i64,
    #[serde(default)]
    errmsg: String,
}

fn check_file_id(file_id: &str) -> Result<(), WxError> {
    if file_id.starts_with("cloud://") && file_id.len() > "cloud://".len() {
        Ok(())
    } else {
        Err(WxError::Invalid(format!(
            "file id {file_id:?} is not cloud://…"
        )))
    }
}

fn per_file(answer: &Value, list: &str) -> Result<Vec<ListedFile>, WxError> {
    let items = answer
        .get(list)
        .cloned()
        .ok_or_else(|| WxError::Malformed(format!("answer without {list}")))?;
    serde_json::from_value(items).map_err(|error| WxError::Malformed(format!("{list}: {error}")))
}

/// The entry of `file_id` (WeChat's order is not promised to be the request's).
fn take(listed: &mut Vec<ListedFile>, file_id: &str) -> Result<ListedFile, WxError> {
    let index = listed
        .iter()
        .position(|item| item.fileid == file_id)
        .ok_or_else(|| WxError::Malformed(format!("answer does not list {file_id}")))?;
    Ok(listed.swap_remove(index))
}
