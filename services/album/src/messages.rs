//! The original album's reply strings (`spec/originals.md` §1.2), shared by every route that
//! refuses an upload, plus the few the new routes add.

/// `msg` when the request has no image file, or names no usable key or ticket.
pub const MSG_BAD_PARAMS: &str = "参数错误";
/// `msg` when the file is not JPEG or PNG (or not the kind it was signed for).
pub const MSG_NOT_IMAGE: &str = "仅jpg/png格式";
/// `msg` when anything else fails.
pub const MSG_FAILED: &str = "图片上传失败，请稍候再试";
/// `msg` when a direct-upload ticket was already used (new routes only).
pub const MSG_TICKET_USED: &str = "ticket already used";
/// `msg` of `confirm` when a Cloud Run upload was posted without the ticket's
/// `x-cos-meta-fileid`: the storage keeps such a file but never lets it be downloaded (the
/// Cloud Run storage document), so the album deleted it.
pub const MSG_NO_FILEID: &str =
    "uploaded without x-cos-meta-fileid: the file cannot be downloaded and was deleted";
/// `msg` of `upload-url` on WeChat Cloud Run storage, which takes form uploads only.
pub const MSG_NO_PUT: &str =
    "upload-url is not available on WeChat Cloud Run storage: use upload-form";
/// `msg` of `upload-url` and `upload-form` (HTTP 503) while the index holds
/// `index.max_open_tickets` open tickets, and of `qc_cos/config` and `cos-auth` for a
/// logged-in caller while the memory index remembers `index.max_remembered` v4 owners: a new
/// feature's message, not the original's.
pub const MSG_TOO_MANY_TICKETS: &str = "too many uploads in progress, try again later";

/// The original's over-size message for a limit in bytes: `单个不超过5MB` for 5 MiB.
pub fn too_large_message(limit: u64) -> String {
    let mib = limit as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("单个不超过{mib:.0}MB")
    } else {
        format!("单个不超过{mib:.1}MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_message_follows_the_limit() {
        assert_eq!(too_large_message(5 * 1024 * 1024), "单个不超过5MB");
        assert_eq!(too_large_message(10 * 1024 * 1024), "单个不超过10MB");
        assert_eq!(too_large_message(1536 * 1024), "单个不超过1.5MB");
    }
}
