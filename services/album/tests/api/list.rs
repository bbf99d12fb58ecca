//! `GET /applet/album/list` on the real S3 server.

use crate::helpers::{img_url, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_folder_lists_no_urls() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.get_json("/applet/album/list").await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"code":0,"msg":"ok","data":[]}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_listed_newest_first() {
    let app = spawn_app(|_| {}).await;
    let mut urls = Vec::new();
    for name in ["rocket.jpg", "chelsea.png", "chelsea-small.jpg"] {
        urls.push(img_url(&app.upload(name).await));
    }
    urls.reverse();
    assert_eq!(app.list().await, urls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_put_behind_the_albums_back_are_listed_after_a_reconciliation() {
    let app = spawn_app(|_| {}).await;
    let prefix = app.prefix.clone();
    app.put_raw(&format!("{prefix}notes.txt"), b"text").await;
    app.put_raw(&format!("{prefix}1500000000000-Legacy01.JPG"), b"x")
        .await;
    app.put_raw(&format!("{prefix}nested/1700000000001-a.jpg"), b"x")
        .await;
    assert!(
        app.list().await.is_empty(),
        "the index lists what the album saw"
    );
    let report = app
        .checker
        .reconcile_now()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.listed, report.added), (1, 1), "{report}");
    let listed = app.list().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].ends_with("/1500000000000-Legacy01.JPG"),
        "{listed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_buckets_original_keys_are_listed_at_start_up_newest_first() {
    let target = crate::helpers::S3Target::from_env();
    let folder = format!("t-{}/", crate::helpers::random_name(10));
    let s3 = target.client();
    for key in ["1500000000000-aaaaaaa.jpg", "1600000000000-bbbbbbb.png"] {
        object_store::ObjectStoreExt::put(
            s3.as_ref(),
            &object_store::path::Path::from(format!("{folder}{key}")),
            b"x".to_vec().into(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let app = crate::helpers::spawn_app_in(folder, |_| {}).await;
    let listed = app.list().await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed[0].ends_with("/1600000000000-bbbbbbb.png"),
        "{listed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_continue_after_the_last_url_of_the_previous_one() {
    let app = spawn_app(|settings| settings.list.max_keys = 2).await;
    let mut urls = Vec::new();
    for name in [
        "rocket.jpg",
        "chelsea.png",
        "chelsea-small.jpg",
        "retina.jpg",
        "coffee-alpha.png",
    ] {
        urls.push(img_url(&app.upload(name).await));
    }
    urls.reverse();
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let path = if after.is_empty() {
            "/applet/album/list".to_owned()
        } else {
            format!("/applet/album/list?after={}", urlencode(&after))
        };
        let (_, body) = app.get_json(&path).await;
        let page: Vec<String> = serde_json::from_value(body["data"].clone()).unwrap_or_default();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().cloned().unwrap_or_default();
        seen.extend(page);
    }
    assert_eq!(seen, urls);
    let (_, body) = app.get_json("/applet/album/list?after=..%2Fnope.jpg").await;
    assert_eq!(
        body,
        serde_json::json!({"code":-1,"msg":"参数错误","data":{}})
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_is_capped_by_config() {
    let app = spawn_app(|settings| settings.list.max_keys = 2).await;
    for name in ["rocket.jpg", "chelsea.png", "chelsea-small.jpg"] {
        app.upload(name).await;
    }
    assert_eq!(app.list().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_is_strict_and_case_sensitive() {
    let app = spawn_app(|_| {}).await;
    for path in [
        "/applet/album/list/",
        "/applet/album/List",
        "/applet/Album/list",
        "/album/list",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            body,
            serde_json::json!({"code":-1,"msg":"not found","data":{}}),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_gets_the_envelope() {
    let app = spawn_app(|_| {}).await;
    let response = app
        .http
        .post(app.url("/applet/album/list"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(
        body,
        serde_json::json!({"code":-1,"msg":"method not allowed","data":{}})
    );
    let (status, _) = app.get_json("/applet/album/upload").await;
    assert_eq!(status, 405);
    let (status, _) = app.get_json("/applet/album/delete").await;
    assert_eq!(status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_compact_utf8_json() {
    let app = spawn_app(|_| {}).await;
    let response = app
        .http
        .get(app.url("/applet/album/list"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        response.text().await.unwrap_or_default(),
        r#"{"code":0,"msg":"ok","data":[]}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_is_answered_like_get_as_express_did() {
    let app = spawn_app(|_| {}).await;
    let response = app
        .http
        .head(app.url("/applet/album/list"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    // No HEAD on upload-url: it would sign a URL nobody receives.
    let status = app
        .http
        .head(app.url("/applet/album/upload-url"))
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 405);
}
