//! The upload form, POSTed to the ticket's URL on the object storage (COS): the four text
//! fields in the document's order, the file last, and COS's XML `<Error>` turned into
//! [`WxError::Cos`].
//!
//! COS's PostObject reads the form in order and refuses a file that is not the last field
//! ("The body of your POST request is not well-formed multipart/form-data.",
//! <https://cloud.tencent.com/document/product/436/14690>); the Cloud Run document lists the
//! fields `key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, then `file`
//! (<https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/development/storage/service/upload.html>).

use reqwest::{
    Url,
    multipart::{Form, Part},
};

use super::{FILE_FIELD, FilePart, UploadTicket};
use crate::{
    WxError,
    transport::{describe_timed, read_capped},
};

/// The most of a COS error answer read (they are a few hundred bytes).
const MAX_ERROR_BYTES: usize = 16 * 1024;

/// POST the form of `ticket` with `file` to the ticket's URL through `http`.
pub(crate) async fn post_form(
    http: &reqwest::Client,
    timeout: std::time::Duration,
    ticket: &UploadTicket,
    file: FilePart,
) -> Result<(), WxError> {
    let url = Url::parse(&ticket.url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| WxError::Malformed("upload ticket url is not an http(s) URL".to_owned()))?;
    let file_name = file.file_name.clone().unwrap_or_else(|| {
        ticket
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&ticket.path)
            .to_owned()
    });
    let part = match file.length {
        Some(length) => Part::stream_with_length(file.body, length),
        None => Part::stream(file.body),
    }
    .file_name(file_name)
    .mime_str(&file.content_type)
    .map_err(|_| WxError::Invalid(format!("content type {:?}", file.content_type)))?;
    let form = ticket
        .form_fields()
        .into_iter()
        .fold(Form::new(), |form, (name, value)| {
            form.text(name, value.to_owned())
        })
        .part(FILE_FIELD, part);
    let response = http
        .post(url)
        .multipart(form)
        .send()
        .await
        .map_err(|error| WxError::Unreachable(describe_timed(error, timeout)))?;
    let status = response.status();
    if status.is_success() {
        log::info!("uploaded {} (HTTP {status})", ticket.path);
        return Ok(());
    }
    let body = read_capped(response, MAX_ERROR_BYTES)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let error = WxError::Cos {
        status: status.as_u16(),
        code: xml_text(&text, "Code").unwrap_or_default(),
        message: xml_text(&text, "Message").unwrap_or_else(|| format!("HTTP {status}")),
    };
    log::warn!("upload of {} refused: {error}", ticket.path);
    Err(error)
}

/// The text of the first `<tag>…</tag>` in `xml`, entities decoded. COS error bodies are flat
/// (`<Error><Code>…</Code><Message>…</Message>…</Error>`), so no XML parser is needed.
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_message_are_read_from_a_cos_error() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>MalformedPOSTRequest</Code>\n\t<Message>The body of your POST request is not well-formed multipart/form-data.</Message>\n\t<Resource>cos.ap-shanghai.myqcloud.com/7374-x/temp/a.csv</Resource>\n</Error>";
        assert_eq!(
            xml_text(body, "Code").as_deref(),
            Some("MalformedPOSTRequest")
        );
        assert_eq!(
            xml_text(body, "Message").as_deref(),
            Some("The body of your POST request is not well-formed multipart/form-data.")
        );
        assert_eq!(xml_text(body, "TraceId"), None);
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            xml_text(
                "<Message>a &lt;b&gt; &amp;amp; it&apos;s</Message>",
                "Message"
            )
            .as_deref(),
            Some("a <b> &amp; it's")
        );
    }
}
