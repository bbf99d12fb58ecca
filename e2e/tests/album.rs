//! The album end to end: mini-program-shaped requests through nginx (HTTP and TLS), the album
//! service, and SeaweedFS — all real, all started by `scripts/up` (`scripts/test` runs this).
//!
//! Each test cleans up the images it uploaded through the album's own delete route.

use std::{path::PathBuf, process::Command};

use serde_json::{Value, json};
use weapp_testkit::env_or;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

fn photo(name: &str) -> Vec<u8> {
    let path = root()
        .join("services/album/tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A client that trusts the stack's self-signed certificate.
fn tls_client() -> reqwest::Client {
    let ca_path = env_or(
        "WEAPP_TLS_CA",
        &root().join(".run/certs/ca.pem").to_string_lossy(),
    );
    let pem = std::fs::read(&ca_path).unwrap_or_else(|e| panic!("{ca_path}: {e}"));
    let certificate =
        reqwest::Certificate::from_pem(&pem).unwrap_or_else(|e| panic!("{ca_path}: {e}"));
    reqwest::Client::builder()
        .add_root_certificate(certificate)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn upload(client: &reqwest::Client, base: &str, name: &str, bytes: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let (status, body) = json(
        client
            .post(format!("{base}/applet/album/upload"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The listed image URLs without their signatures (the stack's bucket is private: every URL
/// is presigned), so an image compares by its name.
async fn list(client: &reqwest::Client, base: &str) -> Vec<String> {
    let (status, body) = json(client.get(format!("{base}/applet/album/list"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0, "{body}");
    let urls: Vec<String> =
        serde_json::from_value(body["data"].clone()).unwrap_or_else(|e| panic!("{e}: {body}"));
    urls.iter().map(|url| plain(url).to_owned()).collect()
}

/// An image URL without its query (signature).
fn plain(url: &str) -> &str {
    url.split('?').next().unwrap_or_default()
}

/// What the original client sends to delete: the image URL's path.
fn filepath(url: &str) -> String {
    format!("/{}", url.split('/').skip(3).collect::<Vec<_>>().join("/"))
}

async fn delete(client: &reqwest::Client, base: &str, url: &str) -> Value {
    json(
        client
            .post(format!("{base}/applet/album/delete"))
            .json(&json!({ "filepath": filepath(url) })),
    )
    .await
    .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_photos_round_trip_through_nginx() {
    let client = reqwest::Client::new();
    let base = base();
    for (name, mime) in [
        ("rocket.jpg", "image/jpeg"),
        ("retina.jpg", "image/jpeg"),
        ("chelsea.png", "image/png"),
        ("coffee-alpha.png", "image/png"),
    ] {
        let reply = upload(&client, &base, name, photo(name)).await;
        assert_eq!(reply["code"], 0, "{name}: {reply}");
        let url = reply["data"]["imgUrl"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            list(&client, &base).await.contains(&plain(&url).to_owned()),
            "{url} listed"
        );

        let response = client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], mime);
        let bytes = response.bytes().await.unwrap_or_default();
        assert!(
            bytes.as_ref() == photo(name).as_slice(),
            "{name}: bytes differ"
        );

        assert_eq!(
            delete(&client, &base, &url).await,
            json!({"code":0,"msg":"ok","data":{}})
        );
        assert!(
            !list(&client, &base).await.contains(&plain(&url).to_owned()),
            "{url} still listed"
        );
        let gone = client.get(&url).send().await.map(|r| r.status().as_u16());
        assert_eq!(gone.unwrap_or(0), 404, "{url} still stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_routes_answer_over_tls() {
    let client = tls_client();
    let base = env_or("WEAPP_TLS_BASE_URL", "https://127.0.0.1:8443");
    let reply = upload(
        &client,
        &base,
        "chelsea-small.jpg",
        photo("chelsea-small.jpg"),
    )
    .await;
    let url = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(list(&client, &base).await.contains(&plain(&url).to_owned()));
    assert_eq!(delete(&client, &base, &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_lets_a_5mb_body_reach_the_album_which_answers_in_its_envelope() {
    let client = reqwest::Client::new();
    let base = base();
    let mut big = photo("rocket.jpg");
    big.resize(5 * 1024 * 1024 + 1, 0);
    let reply = upload(&client, &base, "big.jpg", big).await;
    assert_eq!(reply, json!({"code":-1,"msg":"单个不超过5MB","data":{}}));
    let mut fits = photo("rocket.jpg");
    fits.resize(5 * 1024 * 1024, 0);
    let reply = upload(&client, &base, "fits.jpg", fits).await;
    assert_eq!(reply["code"], 0, "{reply}");
    let url = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(delete(&client, &base, &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_passes_paths_unchanged_and_errors_stay_in_the_envelope() {
    let client = reqwest::Client::new();
    let base = base();
    let (status, body) = json(client.get(format!("{base}/applet/album/list/"))).await;
    assert_eq!(
        (status, body),
        (404, json!({"code":-1,"msg":"not found","data":{}}))
    );
    let (status, body) = json(client.get(format!("{base}/applet/album/upload"))).await;
    assert_eq!(
        (status, body["msg"].as_str()),
        (405, Some("method not allowed"))
    );
}

/// `openssl s_client` with one protocol version forced; true when the handshake completes.
fn handshake(version_flag: &str) -> bool {
    let address = env_or("WEAPP_TLS_BASE_URL", "https://127.0.0.1:8443")
        .trim_start_matches("https://")
        .to_owned();
    let output = Command::new("openssl")
        .args(["s_client", "-connect", &address, version_flag, "-brief"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("openssl is needed for this test: {e}"));
    output.status.success()
}

#[test]
fn tls_1_2_and_1_3_only() {
    assert!(handshake("-tls1_3"), "TLS 1.3 must work");
    assert!(handshake("-tls1_2"), "TLS 1.2 must work");
    assert!(!handshake("-tls1_1"), "TLS 1.1 must be refused");
    assert!(!handshake("-tls1"), "TLS 1.0 must be refused");
}
