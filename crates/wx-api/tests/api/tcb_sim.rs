//! The Cloud Run storage client against a real in-process simulator over HTTP: the whole
//! upload → download → delete cycle, the form's field order and the missing `x-cos-meta-fileid`
//! (as raw forms, independent of the client), tickets used twice or after expiry, expiring
//! download URLs, and each token mode.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use wx_api::{
    CloudStorage, FilePart, FileStatus, Secret, TokenConfig, TokenMode, UploadTicket, WxError,
    sim::DEFAULT_CLOUDBASE_ACCESS_TOKEN,
};

use crate::{
    cloud_helpers::{fetch, in_process},
    helpers::{TestSim, http, spawn_sim, spawn_sim_with},
};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 a tiny jpeg";

fn app_secret() -> TokenConfig {
    in_process(TokenMode::AppSecret)
}

/// POST `form` to the ticket's URL as a client other than ours would: status and body.
async fn post_raw(ticket: &UploadTicket, form: Form) -> (u16, String) {
    let response = http()
        .post(ticket.url())
        .multipart(form)
        .send()
        .await
        .expect("POST the form");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The ticket's form as another client could build it: each field through `edit` (`None`
/// drops it, `Some` is its value), the file inserted at `file_at` among the kept fields.
fn raw_form(
    ticket: &UploadTicket,
    file_at: usize,
    edit: impl Fn(&str, &str) -> Option<String>,
) -> Form {
    let mut fields: Vec<(String, Option<String>)> = ticket
        .form_fields()
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), Some(edit(name, value)?))))
        .collect();
    fields.insert(file_at.min(fields.len()), ("file".to_owned(), None));
    fields
        .into_iter()
        .fold(Form::new(), |form, (name, value)| match value {
            Some(value) => form.text(name, value),
            None => form.part(name, Part::bytes(JPEG).file_name("a.jpg")),
        })
}

fn unchanged(_: &str, value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// A simulator, a storage client of it, and a ticket for `path`.
async fn ticketed(path: &str) -> (TestSim, CloudStorage, UploadTicket) {
    let sim = spawn_sim();
    let storage = sim.storage(&app_secret());
    let ticket = storage.upload_ticket(path).await.expect("a ticket");
    (sim, storage, ticket)
}

fn cos_refusal(result: Result<(), WxError>) -> (u16, String, String) {
    match result {
        Err(WxError::Cos {
            status,
            code,
            message,
        }) => (status, code, message),
        other => panic!("expected a COS refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn upload_download_delete_cycle() {
    let sim = spawn_sim();
    let storage = sim.storage(&app_secret());
    let file_id = storage
        .upload("album/cycle 1.jpg", FilePart::bytes(JPEG))
        .await
        .expect("uploaded");
    assert!(
        file_id.starts_with("cloud://wxsim-env-0000000."),
        "{file_id}"
    );
    assert!(file_id.ends_with("/album/cycle 1.jpg"), "{file_id}");
    assert!(storage.exists(&file_id).await.expect("an answer"));

    let downloads = storage
        .download_urls(&[(&file_id, Duration::from_secs(600))])
        .await
        .expect("an answer");
    assert_eq!(downloads[0].status, FileStatus::Ok);
    let url = downloads[0].download_url.clone().expect("a URL");
    let response = http().get(&url).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"image/jpeg"[..])
    );
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), JPEG);

    let deleted = storage.delete_files(&[&file_id]).await.expect("deleted");
    assert_eq!(deleted[0].status, FileStatus::Ok);
    assert!(!storage.exists(&file_id).await.expect("an answer"));
    assert_eq!(fetch(&url).await.0, 404, "a deleted file is gone");
    let again = storage.delete_files(&[&file_id]).await.expect("an answer");
    assert_eq!(again[0].status, FileStatus::NotFound);
}

#[tokio::test]
async fn a_form_with_the_file_first_gets_coss_malformed_post_error() {
    let (sim, storage, ticket) = ticketed("album/first.jpg").await;
    let form = raw_form(&ticket, 0, unchanged);
    let (status, body) = post_raw(&ticket, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.starts_with("<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>MalformedPOSTRequest</Code>\n\t<Message>The body of your POST request is not well-formed multipart/form-data.</Message>\n\t<Resource>"), "{body}");
    assert!(body.ends_with("</RequestId>\n</Error>"), "{body}");
    assert_eq!(sim.object("album/first.jpg").await["exists"], false);

    // The refused form did not spend the ticket.
    storage
        .post_form(&ticket, FilePart::bytes(JPEG))
        .await
        .expect("the right form goes through");
    assert!(storage.exists(ticket.file_id()).await.expect("an answer"));
}

#[tokio::test]
async fn a_field_after_the_file_is_refused_too() {
    let (_sim, _, ticket) = ticketed("album/late.jpg").await;
    let form = raw_form(&ticket, 3, unchanged);
    let (status, body) = post_raw(&ticket, form).await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MalformedPOSTRequest</Code>"), "{body}");
}

#[tokio::test]
async fn a_file_posted_without_the_meta_fileid_uploads_but_cannot_be_downloaded() {
    let (sim, storage, ticket) = ticketed("album/nometa.jpg").await;
    let form = raw_form(&ticket, 3, |name, value| {
        (name != "x-cos-meta-fileid").then(|| value.to_owned())
    });
    let (status, body) = post_raw(&ticket, form).await;
    assert_eq!(status, 204, "the upload itself succeeds: {body}");
    let stored = sim.object("album/nometa.jpg").await;
    assert_eq!(
        (stored["exists"].clone(), stored["downloadable"].clone()),
        (true.into(), false.into())
    );

    assert!(!storage.exists(ticket.file_id()).await.expect("an answer"));
    let downloads = storage
        .download_urls(&[(ticket.file_id(), Duration::from_secs(60))])
        .await
        .expect("an answer");
    assert_eq!(downloads[0].status, FileStatus::NotFound);
    assert_eq!(downloads[0].download_url, None);
    // It can still be deleted.
    let deleted = storage
        .delete_files(&[ticket.file_id()])
        .await
        .expect("an answer");
    assert_eq!(deleted[0].status, FileStatus::Ok);
}

#[tokio::test]
async fn a_ticket_works_once() {
    let (_sim, storage, ticket) = ticketed("album/once.jpg").await;
    storage
        .post_form(&ticket, FilePart::bytes(JPEG))
        .await
        .expect("first use");
    let (status, code, _) = cos_refusal(storage.post_form(&ticket, FilePart::bytes(JPEG)).await);
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));
}

#[tokio::test]
async fn an_expired_ticket_is_refused() {
    let (sim, storage, ticket) = ticketed("album/late.jpg").await;
    sim.advance(Duration::from_secs(900)).await;
    let refusal = cos_refusal(storage.post_form(&ticket, FilePart::bytes(JPEG)).await);
    assert_eq!(
        refusal,
        (
            403,
            "AccessDenied".to_owned(),
            "Request has expired".to_owned()
        )
    );
    assert_eq!(sim.object("album/late.jpg").await["exists"], false);
}

#[tokio::test]
async fn a_forged_signature_is_refused() {
    let (_sim, _, ticket) = ticketed("album/forged.jpg").await;
    let form = raw_form(&ticket, 4, |name, value| {
        Some(
            if name == "Signature" {
                "q-sign-algorithm=sha1&forged"
            } else {
                value
            }
            .to_owned(),
        )
    });
    let (status, body) = post_raw(&ticket, form).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
}

#[tokio::test]
async fn download_urls_expire_after_max_age() {
    let sim = spawn_sim();
    let storage = sim.storage(&app_secret());
    let file_id = storage
        .upload("album/brief.jpg", FilePart::bytes(JPEG))
        .await
        .expect("uploaded");
    let downloads = storage
        .download_urls(&[(&file_id, Duration::from_secs(60))])
        .await
        .expect("an answer");
    let url = downloads[0].download_url.clone().expect("a URL");
    assert_eq!(fetch(&url).await.0, 200);
    sim.advance(Duration::from_secs(61)).await;
    let (status, body) = fetch(&url).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("Request has expired"));
    let tampered = url.replace("/album/brief.jpg", "/album/other.jpg");
    assert_eq!(fetch(&tampered).await.0, 403);
}

#[tokio::test]
async fn download_urls_answer_head_and_byte_ranges() {
    let sim = spawn_sim();
    let storage = sim.storage(&app_secret());
    let file_id = storage
        .upload("album/ranged.jpg", FilePart::bytes(JPEG))
        .await
        .expect("uploaded");
    let downloads = storage
        .download_urls(&[(&file_id, Duration::from_secs(60))])
        .await
        .expect("an answer");
    let url = downloads[0].download_url.clone().expect("a URL");
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let head = http().head(&url).send().await.expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-length"), JPEG.len().to_string());
    let etag = header(&head, "etag");
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");

    let ranged = http()
        .get(&url)
        .header("range", "bytes=0-3")
        .send()
        .await
        .expect("GET");
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        header(&ranged, "content-range"),
        format!("bytes 0-3/{}", JPEG.len())
    );
    assert_eq!(header(&ranged, "etag"), etag);
    assert_eq!(ranged.bytes().await.expect("body").as_ref(), &JPEG[..4]);

    let past = http()
        .get(&url)
        .header("range", "bytes=1000-")
        .send()
        .await
        .expect("GET");
    assert_eq!(past.status(), 416);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused() {
    let sim = spawn_sim_with(|config| config.max_object_bytes = 8);
    let storage = sim.storage(&app_secret());
    let error = storage
        .upload("album/big.jpg", FilePart::bytes(JPEG))
        .await
        .expect_err("too large");
    let (status, code, _) = cos_refusal(Err(error));
    assert_eq!((status, code.as_str()), (400, "EntityTooLarge"));
}

#[tokio::test]
async fn the_open_api_service_needs_no_token_only_inside_cloud_run() {
    let inside = spawn_sim_with(|config| config.open_api_service = true);
    inside
        .storage(&in_process(TokenMode::OpenApi))
        .upload("album/open.jpg", FilePart::bytes(JPEG))
        .await
        .expect("uploaded without a token");
    assert_eq!(inside.token_calls().await, (0, 0, 0));

    let outside = spawn_sim();
    match outside
        .storage(&in_process(TokenMode::OpenApi))
        .upload_ticket("album/open.jpg")
        .await
    {
        Err(WxError::Api { errcode, errmsg }) => {
            assert_eq!(errcode, 41001);
            assert!(errmsg.starts_with("access_token missing rid: "), "{errmsg}");
        }
        other => panic!("expected 41001, got {other:?}"),
    }
}

#[tokio::test]
async fn a_cloud_call_token_is_accepted_and_a_wrong_one_is_not_retried() {
    let sim = spawn_sim();
    let config = |token: &str| TokenConfig {
        mode: TokenMode::Cloudbase,
        cloudbase_access_token: Secret::from(token),
        ..TokenConfig::default()
    };
    sim.storage(&config(DEFAULT_CLOUDBASE_ACCESS_TOKEN))
        .upload("album/cloud.jpg", FilePart::bytes(JPEG))
        .await
        .expect("uploaded");
    let error = sim
        .storage(&config("not-the-cloud-token"))
        .upload_ticket("album/cloud.jpg")
        .await
        .expect_err("refused");
    assert!(error.is_token_error(), "{error:?}");
    assert_eq!(sim.token_calls().await, (0, 0, 0));
}

#[tokio::test]
async fn another_environment_is_not_found() {
    let sim: TestSim = spawn_sim();
    let keeper = sim.keeper(&app_secret());
    let other = wx_api::CloudStorage::new(
        keeper,
        &wx_api::CloudRunConfig {
            env: "prod-elsewhere".to_owned(),
            ..wx_api::CloudRunConfig::default()
        },
    )
    .expect("a client");
    match other.upload_ticket("a.jpg").await {
        Err(WxError::Api { errcode, errmsg }) => {
            assert_eq!(errcode, -501000);
            assert!(errmsg.starts_with("Environment not found TcbCode: [INVALID_ENV] rid: "));
        }
        other => panic!("expected -501000, got {other:?}"),
    }
}
