//! The album on WeChat Cloud Run storage end to end through nginx: the stack started with
//! `WEAPP_ALBUM_STORAGE=tcb` runs every album instance on `storage.backend = "tcb"` against
//! wx-sim's Cloud Run side (token, `/tcb/uploadfile`, `batchdownloadfile`, `batchdeletefile`,
//! its storage endpoint). `scripts/test` restarts the stack so and runs `tcb::` alone
//! (`cargo test -p weapp-e2e --test album_direct tcb::`); on the default S3 stack these tests
//! say so and return.
//!
//! - the full cycle: upload through the service → list → download → delete by the URL's path;
//! - `wx.uploadFile` to the Cloud Run ticket (fields in order, the file last) → `confirm`;
//! - `upload-url` refused.

use serde_json::json;
use weapp_testkit::env_or;

use super::{base, client, confirm, delete, json as send, listed, photo, plain, post_form};

/// Whether the stack's album runs on Cloud Run storage (`WEAPP_ALBUM_STORAGE`, exported by
/// `scripts/env.sh tests`); otherwise the test is not for this stack.
fn on_cloud_run() -> bool {
    let storage = env_or("WEAPP_ALBUM_STORAGE", "s3");
    if storage != "tcb" {
        eprintln!("the stack's album runs on {storage}, not tcb: nothing to test here");
    }
    storage == "tcb"
}

async fn download(http: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let response = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap_or_default().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_list_download_and_delete_through_nginx() {
    if !on_cloud_run() {
        return;
    }
    let http = client();
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(photo("rocket.jpg")).file_name("r.jpg"),
    );
    let (status, reply) = send(
        http.post(format!("{}/applet/album/upload", base()))
            .multipart(form),
    )
    .await;
    assert_eq!((status, &reply["code"]), (200, &json!(0)), "{reply}");
    let uploaded = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(uploaded.contains("/tcb-dl/"), "a temporary URL: {uploaded}");
    assert_eq!(download(&http, &uploaded).await, (200, photo("rocket.jpg")));

    let url = listed(&http, None)
        .await
        .into_iter()
        .find(|url| plain(url) == plain(&uploaded))
        .unwrap_or_else(|| panic!("{uploaded} not listed"));
    assert_eq!(download(&http, &url).await, (200, photo("rocket.jpg")));

    // The original client deletes by the URL's path.
    assert_eq!(
        delete(&http, None, &url).await,
        json!({"code":0,"msg":"ok","data":{}})
    );
    assert!(
        !listed(&http, None)
            .await
            .iter()
            .any(|listed| plain(listed) == plain(&url))
    );
    assert_eq!(
        download(&http, &url).await.0,
        404,
        "the URL is dead with its file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wx_upload_file_form_goes_to_cloud_run_and_is_listed_once_confirmed() {
    if !on_cloud_run() {
        return;
    }
    let http = client();
    let (status, body) = send(http.get(format!(
        "{}/applet/album/upload-form?contentType=image/png",
        base()
    )))
    .await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    let data = body["data"].clone();
    let names: Vec<&String> = data["fields"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        names,
        [
            "key",
            "Signature",
            "x-cos-security-token",
            "x-cos-meta-fileid"
        ],
        "the Cloud Run document's fields, in its order: {body}"
    );
    assert_eq!(data["fileField"], "file");
    let text = body.to_string();
    assert!(
        !text.contains("wxsim-dev-app-secret"),
        "no AppSecret: {text}"
    );
    assert!(!text.contains("access_token"), "no access_token: {text}");

    assert_eq!(
        post_form(&http, &data, photo("coffee-alpha.png")).await,
        204
    );
    let key = data["key"].as_str().unwrap_or_default();
    let confirmed = confirm(&http, key).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    let url = listed(&http, None)
        .await
        .into_iter()
        .find(|url| plain(url).ends_with(key))
        .unwrap_or_else(|| panic!("{key} not listed after confirm: {confirmed}"));
    assert_eq!(
        download(&http, &url).await,
        (200, photo("coffee-alpha.png"))
    );
    assert_eq!(delete(&http, None, &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_url_is_refused_on_cloud_run() {
    if !on_cloud_run() {
        return;
    }
    let http = client();
    let (status, body) = send(http.get(format!(
        "{}/applet/album/upload-url?contentType=image/jpeg&size=1000",
        base()
    )))
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"code":-1,"msg":"upload-url is not available on WeChat Cloud Run storage: use upload-form","data":{}})
        )
    );
}
