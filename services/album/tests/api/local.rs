//! The embedded default: the local filesystem backend, with the album serving its own files and
//! signing its own direct-upload URLs.

use std::path::PathBuf;

use album::{Application, settings::Settings};

use crate::helpers::{photo, random_name};

pub(crate) struct LocalApp {
    pub base: String,
    pub http: reqwest::Client,
    dir: PathBuf,
}

impl Drop for LocalApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_local() -> LocalApp {
    spawn_local_with(|_| {})
}

pub(crate) fn spawn_local_with(adjust: impl FnOnce(&mut Settings)) -> LocalApp {
    let dir = std::env::temp_dir().join(format!("album-local-{}", random_name(10)));
    let mut settings = Settings {
        port: 0,
        workers: 1,
        ..Settings::default()
    };
    settings.storage.data_dir = dir.clone();
    adjust(&mut settings);
    let app = Application::build(&settings).unwrap_or_else(|e| panic!("{e:#}"));
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    LocalApp {
        base,
        http: reqwest::Client::new(),
        dir,
    }
}

impl LocalApp {
    pub async fn json(&self, request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    pub async fn bytes(&self, url: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let content_type = weapp_testkit::content_type(&response);
        (
            status,
            content_type,
            response.bytes().await.unwrap_or_default().to_vec(),
        )
    }

    fn files_on_disk(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_config_uploads_are_stored_on_disk_and_served() {
    let app = spawn_local();
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(photo("coffee-alpha.png")).file_name("c.png"),
    );
    let (_, reply) = app
        .json(
            app.http
                .post(format!("{}/applet/album/upload", app.base))
                .multipart(form),
        )
        .await;
    assert_eq!(reply["code"], 0, "{reply}");
    let url = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/applet/album/files/", app.base)),
        "{url}"
    );
    let (status, content_type, bytes) = app.bytes(&url).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(bytes == photo("coffee-alpha.png"));
    assert_eq!(app.files_on_disk(), 1);
    let (_, list) = app
        .json(app.http.get(format!("{}/applet/album/list", app.base)))
        .await;
    assert_eq!(list["data"], serde_json::json!([url]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_put_to_the_album_is_stored_and_tampering_is_forbidden() {
    let app = spawn_local();
    let size = photo("rocket.jpg").len();
    let (_, signed) = app
        .json(app.http.get(format!(
            "{}/applet/album/upload-url?contentType=image/jpeg&size={size}",
            app.base
        )))
        .await;
    let upload_url = signed["data"]["uploadUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let img_url = signed["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let forbidden = serde_json::json!({"code":-1,"msg":"forbidden","data":{}});
    let tampered = format!("{}0", upload_url);
    let (status, reply) = app
        .json(
            app.http
                .put(&tampered)
                .header("content-type", "image/jpeg")
                .body(photo("rocket.jpg")),
        )
        .await;
    assert_eq!((status, &reply), (403, &forbidden));
    let (status, _) = app
        .json(
            app.http
                .put(&upload_url)
                .header("content-type", "image/png")
                .body(photo("rocket.jpg")),
        )
        .await;
    assert_eq!(status, 403, "content type bound to the signature");
    let unsigned = upload_url.split('?').next().unwrap_or_default().to_owned();
    let (status, _) = app
        .json(
            app.http
                .put(&unsigned)
                .header("content-type", "image/jpeg")
                .body(photo("rocket.jpg")),
        )
        .await;
    assert_eq!(status, 403);
    let (status, reply) = app
        .json(
            app.http
                .put(&upload_url)
                .header("content-type", "image/jpeg")
                .body(photo("chelsea.png")),
        )
        .await;
    assert_eq!(
        (status, reply["msg"].as_str()),
        (400, Some("仅jpg/png格式")),
        "bytes must match"
    );
    assert_eq!(app.files_on_disk(), 0);

    let (status, reply) = app
        .json(
            app.http
                .put(&upload_url)
                .header("content-type", "image/jpeg")
                .body(photo("rocket.jpg")),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["data"]["imgUrl"], img_url.as_str());
    let (status, _, bytes) = app.bytes(&img_url).await;
    assert_eq!(status, 200);
    assert!(bytes == photo("rocket.jpg"));
    let (_, list) = app
        .json(app.http.get(format!("{}/applet/album/list", app.base)))
        .await;
    assert_eq!(list["data"], serde_json::json!([img_url]), "listed at once");
    let (status, reply) = app
        .json(
            app.http
                .put(&upload_url)
                .header("content-type", "image/jpeg")
                .body(photo("rocket.jpg")),
        )
        .await;
    assert_eq!(
        (status, reply["msg"].as_str()),
        (403, Some("ticket already used"))
    );
}

/// A `wx.uploadFile`-like form: `fields` in order, the file after them (or before, to test).
fn form_of(
    fields: &serde_json::Map<String, serde_json::Value>,
    bytes: Vec<u8>,
    file_first: bool,
) -> reqwest::multipart::Form {
    let file = || reqwest::multipart::Part::bytes(bytes.clone()).file_name("tmp_1.png");
    let mut form = reqwest::multipart::Form::new();
    if file_first {
        form = form.part("file", file());
    }
    for (name, value) in fields {
        form = form.text(name.clone(), value.as_str().unwrap_or_default().to_owned());
    }
    if !file_first {
        form = form.part("file", file());
    }
    form
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_album_takes_the_form_upload_itself_file_last() {
    let app = spawn_local();
    let (_, body) = app
        .json(app.http.get(format!(
            "{}/applet/album/upload-form?contentType=image/png",
            app.base
        )))
        .await;
    let data = &body["data"];
    let url = data["url"].as_str().unwrap_or_default();
    assert_eq!(url, format!("{}/applet/album/files", app.base));
    let fields = data["fields"].as_object().cloned().unwrap_or_default();
    // The file first: the signed fields are not there yet when it arrives.
    let first = form_of(&fields, photo("chelsea.png"), true);
    let (status, _) = app.json(app.http.post(url).multipart(first)).await;
    assert_eq!(status, 400);
    let mut altered = fields.clone();
    altered.insert("Content-Type".into(), "image/jpeg".into());
    let (status, _) = app
        .json(
            app.http
                .post(url)
                .multipart(form_of(&altered, photo("chelsea.png"), false)),
        )
        .await;
    assert_eq!(status, 403, "the type is signed");
    let (status, reply) = app
        .json(
            app.http
                .post(url)
                .multipart(form_of(&fields, photo("chelsea.png"), false)),
        )
        .await;
    assert_eq!(
        (status, &reply["data"]["imgUrl"]),
        (200, &data["imgUrl"]),
        "{reply}"
    );
    let (_, list) = app
        .json(app.http.get(format!("{}/applet/album/list", app.base)))
        .await;
    assert_eq!(list["data"], serde_json::json!([data["imgUrl"]]));
    let (status, _) = app
        .json(
            app.http
                .post(url)
                .multipart(form_of(&fields, photo("chelsea.png"), false)),
        )
        .await;
    assert_eq!(status, 403, "used once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_local_album_serves_only_signed_urls() {
    let app = spawn_local_with(|settings| settings.storage.public_read = false);
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(photo("rocket.jpg")).file_name("r.jpg"),
    );
    let (_, reply) = app
        .json(
            app.http
                .post(format!("{}/applet/album/upload", app.base))
                .multipart(form),
        )
        .await;
    let url = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        url.contains("?expires=") && url.contains("&signature="),
        "{url}"
    );
    let (status, _, bytes) = app.bytes(&url).await;
    assert_eq!(status, 200);
    assert!(bytes == photo("rocket.jpg"));
    let plain = url.split('?').next().unwrap_or_default();
    assert_eq!(app.bytes(plain).await.0, 403);
    let (_, list) = app
        .json(app.http.get(format!("{}/applet/album/list", app.base)))
        .await;
    let listed = list["data"][0].as_str().unwrap_or_default();
    assert_eq!(listed.split('?').next(), Some(plain));
    assert_eq!(app.bytes(listed).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_files_and_foreign_paths_are_not_found() {
    let app = spawn_local();
    for path in ["1700000000000-none.jpg", "notes.txt", "a/../b.jpg"] {
        let (status, body) = app
            .json(
                app.http
                    .get(format!("{}/applet/album/files/{path}", app.base)),
            )
            .await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            body,
            serde_json::json!({"code":-1,"msg":"not found","data":{}})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ticket_is_opened_beyond_index_max_open_tickets() {
    let app = spawn_local_with(|settings| settings.index.max_open_tickets = 1);
    let url_route = format!(
        "{}/applet/album/upload-url?contentType=image/png&size=68",
        app.base
    );
    let (status, first) = app.json(app.http.get(&url_route)).await;
    assert_eq!(
        (status, &first["code"]),
        (200, &serde_json::json!(0)),
        "{first}"
    );
    let full = serde_json::json!({
        "code": -1,
        "msg": "too many uploads in progress, try again later",
        "data": {}
    });
    for route in [
        url_route.clone(),
        format!(
            "{}/applet/album/upload-form?contentType=image/png",
            app.base
        ),
    ] {
        let (status, reply) = app.json(app.http.get(&route)).await;
        assert_eq!((status, reply), (503, full.clone()), "{route}");
    }
}
