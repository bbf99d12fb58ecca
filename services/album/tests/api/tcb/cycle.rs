//! Through-server uploads on Cloud Run storage: upload → list → download → delete, the album's
//! requests on the wire as the Cloud Run document gives them, the cloud-call and open-API
//! token modes, and WeChat's errors in the album's envelope.

use serde_json::json;
use wx_api::{TokenMode, sim::DEFAULT_ENV};

use super::{Run, fetch, key_of, recorder::Recorder, spawn_album, spawn_sim};
use crate::helpers::{client_filepath, img_url, photo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_list_download_delete_through_cloud_run() {
    let sim = spawn_sim(|_| {});
    let run = Run::new();
    let album = spawn_album(&run.settings(&sim.base, TokenMode::AppSecret), true).await;
    assert_eq!(album.readyz().await, 200);

    let reply = album.upload("rocket.jpg").await;
    assert_eq!(reply["code"], 0, "{reply}");
    let uploaded = img_url(&reply);
    assert!(uploaded.contains("/tcb-dl/"), "a temporary URL: {uploaded}");
    let key = key_of(&uploaded, &run.folder);
    let object = sim.object(&key).await;
    assert_eq!(
        (&object["exists"], &object["downloadable"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(object["content_type"], "image/jpeg");
    assert_eq!(fetch(&uploaded).await, (200, photo("rocket.jpg")));

    let listed = album.list().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(key_of(&listed[0], &run.folder), key);
    assert_eq!(fetch(&listed[0]).await, (200, photo("rocket.jpg")));

    // The original client deletes by the URL's path.
    let (status, deleted) = album
        .post(
            "/delete",
            json!({ "filepath": client_filepath(&listed[0]) }),
        )
        .await;
    assert_eq!((status, &deleted["code"]), (200, &json!(0)), "{deleted}");
    assert_eq!(sim.object(&key).await["exists"], false);
    assert!(album.list().await.is_empty());
    assert_eq!(
        fetch(&listed[0]).await.0,
        404,
        "the URL is dead with its file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_album_sends_the_documents_request_shapes() {
    let (recorder, listener) = Recorder::bind().await;
    let public = recorder.base.clone();
    let sim = spawn_sim(|config| config.public_url = public);
    recorder.forward_to(listener, sim.base.trim_start_matches("http://").to_owned());
    let run = Run::new();
    let album = spawn_album(&run.settings(&recorder.base, TokenMode::AppSecret), true).await;

    let reply = album.upload("chelsea-small.jpg").await;
    let url = img_url(&reply);
    let key = key_of(&url, &run.folder);
    let (_, deleted) = album
        .post("/delete", json!({ "filepath": client_filepath(&url) }))
        .await;
    assert_eq!(deleted["code"], 0, "{deleted}");

    let sent = recorder.sent();
    let token = run.shared_token().expect("a shared token");
    let bucket = format!("7465-{DEFAULT_ENV}-1250000000");
    let file_id = format!("cloud://{DEFAULT_ENV}.{bucket}/{key}");
    for expected in [
        format!(
            "GET /cgi-bin/token?grant_type=client_credential&appid={}&secret=",
            wx_api::sim::DEFAULT_APP_ID
        ),
        format!("POST /tcb/uploadfile?access_token={token} HTTP/1.1\r\n"),
        format!(r#"{{"env":"{DEFAULT_ENV}","path":"{key}"}}"#),
        format!("POST /tcb/batchdownloadfile?access_token={token} HTTP/1.1\r\n"),
        format!(
            r#"{{"env":"{DEFAULT_ENV}","file_list":[{{"fileid":"{file_id}","max_age":3600}}]}}"#
        ),
        format!("POST /tcb/batchdeletefile?access_token={token} HTTP/1.1\r\n"),
        format!(r#"{{"env":"{DEFAULT_ENV}","fileid_list":["{file_id}"]}}"#),
        format!("POST /cos/{bucket}/{key} HTTP/1.1\r\n"),
    ] {
        assert!(sent.contains(&expected), "not sent: {expected}");
    }
    // The form: the document's fields in its order, the file last.
    let form = &sent[sent
        .find(&format!("POST /cos/{bucket}/"))
        .expect("the form")..];
    let at = |name: &str| {
        form.find(&format!("Content-Disposition: form-data; name=\"{name}\""))
            .unwrap_or_else(|| panic!("no {name} field"))
    };
    let order = [
        at("key"),
        at("Signature"),
        at("x-cos-security-token"),
        at("x-cos-meta-fileid"),
        at("file"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(form.contains(&format!("name=\"key\"\r\n\r\n{key}\r\n")));
}

/// An upload and a list in `mode`: no `/cgi-bin/token` exchange at all.
async fn cycle_without_exchange(mode: TokenMode, open_api: bool) {
    let sim = spawn_sim(|config| config.open_api_service = open_api);
    let run = Run::new();
    let album = spawn_album(&run.settings(&sim.base, mode), true).await;
    let reply = album.upload("rocket.jpg").await;
    assert_eq!(reply["code"], 0, "{reply}");
    let listed = album.list().await;
    assert_eq!(fetch(&listed[0]).await, (200, photo("rocket.jpg")));
    assert_eq!(sim.token_calls().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_call_token_mode_needs_no_exchange() {
    cycle_without_exchange(TokenMode::Cloudbase, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_api_service_mode_sends_no_token() {
    cycle_without_exchange(TokenMode::OpenApi, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_errors_are_envelope_errors_without_the_secret() {
    let sim = spawn_sim(|_| {});
    let run = Run::new();
    let mut settings = run.settings(&sim.base, TokenMode::AppSecret);
    let secret = "a-wrong-app-secret-TOPSECRET";
    settings.wx.app_secret = secret.into();
    // Not ready: its index cannot be prepared without a token.
    let album = spawn_album(&settings, false).await;
    assert_eq!(album.readyz().await, 503);

    let (status, form) = album.get("/upload-form").await;
    assert_eq!((status, &form["code"]), (200, &json!(-1)), "{form}");
    weapp_testkit::OpenApi::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/album.openapi.yaml"
    ))
    .assert_conforms("get", "/applet/album/upload-form", status, &form);
    let msg = form["msg"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("WeChat Cloud Run storage error 40125"),
        "{msg}"
    );
    assert!(!form.to_string().contains(secret), "{form}");

    let reply = album.upload("rocket.jpg").await;
    assert_eq!(
        reply,
        json!({"code": -1, "msg": "图片上传失败，请稍候再试", "data": {}})
    );
    assert!(!reply.to_string().contains(secret));
}

#[tokio::test]
async fn the_build_refuses_tcb_without_the_redis_index() {
    let run = Run::new();
    let mut settings = run.settings("http://127.0.0.1:9", TokenMode::AppSecret);
    settings.index.store = album::settings::IndexStore::Memory;
    let error = album::Application::build(&settings)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("needs index.store = redis"), "{error}");
}
