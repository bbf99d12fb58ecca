//! Direct uploads to Cloud Run storage: `upload-form` answers WeChat's ticket (URL and the
//! document's fields in order, the file last), the test posts the form itself as a browser
//! would, and `confirm` lists the upload only once the storage serves it. A form with the
//! file first, one without `x-cos-meta-fileid`, a ticket used twice or after its expiry:
//! clear answers, nothing half-listed. `upload-url` is refused.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use wx_api::TokenMode;

use super::{Album, Run, Sim, fetch, key_of, spawn_album, spawn_sim};
use crate::helpers::photo;

/// The published contract, `proto/album.openapi.yaml`.
fn contract() -> weapp_testkit::OpenApi {
    weapp_testkit::OpenApi::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/album.openapi.yaml"
    ))
}

const FIELDS: [&str; 4] = [
    "key",
    "Signature",
    "x-cos-security-token",
    "x-cos-meta-fileid",
];

async fn setup() -> (Sim, Run, Album) {
    let sim = spawn_sim(|_| {});
    let run = Run::new();
    let album = spawn_album(&run.settings(&sim.base, TokenMode::AppSecret), true).await;
    (sim, run, album)
}

/// `upload-form`'s `data`, checked for the ticket's shape.
async fn ticket(album: &Album) -> Value {
    let (status, body) = album.get("/upload-form?contentType=image/jpeg").await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    contract().assert_conforms("get", "/applet/album/upload-form", status, &body);
    let data = body["data"].clone();
    let names: Vec<&str> = data["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, FIELDS, "the document's order");
    assert_eq!(data["fileField"], "file");
    assert_eq!(data["fields"]["key"], data["key"]);
    assert!(
        data["fileId"]
            .as_str()
            .is_some_and(|id| id.starts_with("cloud://"))
    );
    data
}

/// POST the ticket's form as a browser would: `fields` (name, value) then, at `file_at`, the
/// photo. Status and body.
async fn post_form(data: &Value, fields: &[(&str, String)], file_at: usize) -> (u16, String) {
    let mut parts: Vec<Option<(&str, String)>> = fields.iter().cloned().map(Some).collect();
    parts.insert(file_at.min(parts.len()), None);
    let form = parts
        .into_iter()
        .fold(Form::new(), |form, part| match part {
            Some((name, value)) => form.text(name.to_owned(), value),
            None => form.part(
                "file",
                Part::bytes(photo("rocket.jpg"))
                    .file_name("rocket.jpg")
                    .mime_str("image/jpeg")
                    .expect("a MIME type"),
            ),
        });
    let url = data["url"].as_str().expect("url");
    let response = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("POST the form");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The ticket's fields in its order, without those `drop` names.
fn fields<'a>(data: &Value, drop: &[&str]) -> Vec<(&'a str, String)> {
    FIELDS
        .into_iter()
        .filter(|name| !drop.contains(name))
        .map(|name| (name, data["fields"][name].as_str().expect(name).to_owned()))
        .collect()
}

async fn confirm(album: &Album, key: &Value) -> Value {
    let (status, body) = album.post("/confirm", json!({ "key": key })).await;
    assert_eq!(status, 200, "{body}");
    contract().assert_conforms("post", "/applet/album/confirm", status, &body);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_in_the_tickets_order_is_listed_once_confirmed() {
    let (sim, run, album) = setup().await;
    let data = ticket(&album).await;
    let key = data["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with(&run.folder), "{key}");
    assert!(
        !data
            .to_string()
            .contains(&run.shared_token().expect("a token")),
        "the access token stays on the server"
    );

    assert_eq!(post_form(&data, &fields(&data, &[]), 4).await.0, 204);
    let confirmed = confirm(&album, &data["key"]).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    let url = confirmed["data"]["imgUrl"].as_str().expect("imgUrl");
    assert_eq!(fetch(url).await, (200, photo("rocket.jpg")));
    let listed = album.list().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(key_of(&listed[0], &run.folder), key);
    let (status, body) = album.get("/list").await;
    contract().assert_conforms("get", "/applet/album/list", status, &body);

    // The same ticket again: the storage refuses it, the listed photo stays as it was.
    let (status, error) = post_form(&data, &fields(&data, &[]), 4).await;
    assert_eq!(status, 403, "{error}");
    assert!(error.contains("<Code>AccessDenied</Code>"), "{error}");
    assert_eq!(confirm(&album, &data["key"]).await["code"], 0);
    assert_eq!(album.list().await.len(), 1);
    assert_eq!(sim.object(&key).await["downloadable"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_the_file_first_is_refused_and_nothing_is_listed() {
    let (sim, _run, album) = setup().await;
    let data = ticket(&album).await;
    let (status, error) = post_form(&data, &fields(&data, &[]), 0).await;
    assert_eq!(status, 400, "{error}");
    assert!(
        error.contains("The body of your POST request is not well-formed multipart/form-data."),
        "{error}"
    );
    let confirmed = confirm(&album, &data["key"]).await;
    assert_eq!(
        confirmed,
        json!({"code": -1, "msg": "图片上传失败，请稍候再试", "data": {}})
    );
    assert!(album.list().await.is_empty());
    assert_eq!(
        sim.object(data["key"].as_str().expect("key")).await["exists"],
        false
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_the_fileid_is_deleted_at_confirm_and_never_listed() {
    let (sim, _run, album) = setup().await;
    let data = ticket(&album).await;
    let key = data["key"].as_str().expect("key").to_owned();
    let without = fields(&data, &["x-cos-meta-fileid"]);
    assert_eq!(post_form(&data, &without, 3).await.0, 204);
    assert_eq!(sim.object(&key).await["downloadable"], false);

    let confirmed = confirm(&album, &data["key"]).await;
    assert_eq!(confirmed["code"], -1, "{confirmed}");
    assert_eq!(
        confirmed["msg"],
        "uploaded without x-cos-meta-fileid: the file cannot be downloaded and was deleted"
    );
    assert_eq!(sim.object(&key).await["exists"], false);
    assert!(album.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_ticket_is_refused_and_nothing_is_listed() {
    let (sim, _run, album) = setup().await;
    let data = ticket(&album).await;
    sim.advance(901).await;
    let (status, error) = post_form(&data, &fields(&data, &[]), 4).await;
    assert_eq!(status, 403, "{error}");
    assert!(error.contains("Request has expired"), "{error}");
    assert_eq!(confirm(&album, &data["key"]).await["code"], -1);
    assert!(album.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_url_is_refused_on_cloud_run() {
    let (_sim, _run, album) = setup().await;
    let (status, body) = album
        .get("/upload-url?contentType=image/jpeg&size=100")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "code": -1,
            "msg": "upload-url is not available on WeChat Cloud Run storage: use upload-form",
            "data": {}
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_missing_a_signature_field_is_refused_and_nothing_is_listed() {
    let (sim, _run, album) = setup().await;
    for missing in ["key", "Signature", "x-cos-security-token"] {
        let data = ticket(&album).await;
        let without = fields(&data, &[missing]);
        let (status, error) = post_form(&data, &without, 3).await;
        assert_eq!(status, 403, "without {missing}: {error}");
        let confirmed = confirm(&album, &data["key"]).await;
        assert_eq!(confirmed["msg"], "图片上传失败，请稍候再试", "{confirmed}");
        let key = data["key"].as_str().expect("key");
        assert_eq!(sim.object(key).await["exists"], false);
    }
    assert!(album.list().await.is_empty());
}
