//! The embedded default: the local filesystem backend, with the album serving its own files and
//! signing its own direct-upload URLs.

use std::path::PathBuf;

use album::{Application, settings::Settings};

use crate::helpers::{photo, random_name};

struct LocalApp {
    base: String,
    http: reqwest::Client,
    dir: PathBuf,
}

impl Drop for LocalApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_local() -> LocalApp {
    let dir = std::env::temp_dir().join(format!("album-local-{}", random_name(10)));
    let mut settings = Settings {
        port: 0,
        workers: 1,
        ..Settings::default()
    };
    settings.storage.data_dir = dir.clone();
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
    async fn json(&self, request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    async fn bytes(&self, url: &str) -> (u16, String, Vec<u8>) {
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
    let (_, signed) = app
        .json(app.http.get(format!(
            "{}/applet/album/upload-url?contentType=image/jpeg",
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
