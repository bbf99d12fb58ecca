//! The album's direct uploads end to end through nginx, on the stack as `scripts/up` runs it:
//! a private SeaweedFS bucket (presigned image URLs), logins from the session service
//! (`auth.mode = optional`) through wx-sim, the index in Redis.
//!
//! - the `wx.uploadFile` form flow (`upload-form` → POST to the store → `confirm`);
//! - the size-bound `PUT` of `upload-url`;
//! - an oversized and a non-image direct upload, never listed;
//! - the 2017 v4 client flow (`qc_cos/config` → the v4 upload stand-in);
//! - a second user's delete refused;
//! - a private-bucket list whose URLs fetch the image (and whose plain URLs do not).
//!
//! Each test deletes what it uploaded. [`tcb`]: the same album on WeChat Cloud Run storage
//! (`WEAPP_ALBUM_STORAGE=tcb scripts/up`; `scripts/test` runs them so).

mod tcb;

use std::path::PathBuf;

use serde_json::{Value, json};
use weapp_testkit::{env_or, random_name};

fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

/// A client of its own: each test comes from its own loopback address, so nginx's per-client
/// upload and login limits count it apart from the other suites and tests (as real clients
/// are apart).
fn client() -> reqwest::Client {
    let base = base();
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    reqwest::Client::builder()
        .local_address(weapp_testkit::own_loopback_address(host))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn photo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("services/album/tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

async fn json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A modern login through the session service and wx-sim: the skey of a new test user named
/// after `who`. Each call is a user of its own: the session service keeps one skey per openid,
/// so two tests logging in one user at once would void each other's skey.
async fn login(http: &reqwest::Client, who: &str) -> String {
    let code = format!("{who}{}-{}", random_name(8), random_name(12));
    let (status, body) = json(
        http.get(format!("{}/applet/session/login", base()))
            .header("x-wx-code", code),
    )
    .await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    body["data"]["skey"].as_str().unwrap_or_default().to_owned()
}

/// The URL without its signature: a stable name of the image.
fn plain(url: &str) -> &str {
    url.split('?').next().unwrap_or_default()
}

async fn listed(http: &reqwest::Client, skey: Option<&str>) -> Vec<String> {
    let mut request = http.get(format!("{}/applet/album/list", base()));
    if let Some(skey) = skey {
        request = request.header("x-wx-skey", skey);
    }
    let (status, body) = json(request).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    body["data"]
        .as_array()
        .map(|urls| {
            urls.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

async fn delete(http: &reqwest::Client, skey: Option<&str>, url: &str) -> Value {
    let filepath = format!("/{}", url.split('/').skip(3).collect::<Vec<_>>().join("/"));
    let mut request = http
        .post(format!("{}/applet/album/delete", base()))
        .json(&json!({ "filepath": filepath }));
    if let Some(skey) = skey {
        request = request.header("x-wx-skey", skey);
    }
    json(request).await.1
}

async fn confirm(http: &reqwest::Client, key: &str) -> Value {
    json(
        http.post(format!("{}/applet/album/confirm", base()))
            .json(&json!({ "key": key })),
    )
    .await
    .1
}

/// `wx.uploadFile({url, name: fileField, formData: fields})`: the fields in order, the file last.
async fn post_form(http: &reqwest::Client, data: &Value, bytes: Vec<u8>) -> u16 {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in data["fields"].as_object().into_iter().flatten() {
        form = form.text(name.clone(), value.as_str().unwrap_or_default().to_owned());
    }
    let file = reqwest::multipart::Part::bytes(bytes).file_name("tmp_7c2e.jpg");
    form = form.part(
        data["fileField"].as_str().unwrap_or("file").to_owned(),
        file,
    );
    http.post(data["url"].as_str().unwrap_or_default())
        .multipart(form)
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wx_upload_file_form_goes_straight_to_the_store_and_is_listed_once_checked() {
    let http = client();
    let skey = login(&http, "alice").await;
    let (_, body) = json(
        http.get(format!(
            "{}/applet/album/upload-form?contentType=image/jpeg",
            base()
        ))
        .header("x-wx-skey", &skey),
    )
    .await;
    let data = body["data"].clone();
    assert_eq!(data["fileField"], "file", "{body}");
    assert_eq!(post_form(&http, &data, photo("rocket.jpg")).await, 204);
    let img_url = data["imgUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        !listed(&http, None)
            .await
            .iter()
            .any(|url| plain(url) == plain(&img_url))
    );
    let confirmed = confirm(&http, data["key"].as_str().unwrap_or_default()).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    let mine = listed(&http, Some(&skey)).await;
    assert!(
        mine.iter().any(|url| plain(url) == plain(&img_url)),
        "{mine:?}"
    );
    let bytes = http
        .get(&img_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await;
    assert!(bytes.unwrap_or_default().as_ref() == photo("rocket.jpg").as_slice());
    assert_eq!(delete(&http, Some(&skey), &img_url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_is_bound_to_its_declared_size() {
    let http = client();
    let bytes = photo("chelsea-small.jpg");
    let (_, body) = json(http.get(format!(
        "{}/applet/album/upload-url?contentType=image/jpeg&size={}",
        base(),
        bytes.len()
    )))
    .await;
    let data = body["data"].clone();
    let put = |body: Vec<u8>| {
        let mut request = http
            .put(data["uploadUrl"].as_str().unwrap_or_default())
            .body(body);
        for (name, value) in data["headers"].as_object().into_iter().flatten() {
            if name != "Content-Length" {
                request = request.header(name, value.as_str().unwrap_or_default());
            }
        }
        request.send()
    };
    let mut larger = bytes.clone();
    larger.extend_from_slice(&[0; 1024]);
    let refused = put(larger)
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(403);
    assert_eq!(refused, 403, "another Content-Length breaks the signature");
    assert_eq!(
        put(bytes.clone()).await.map(|r| r.status().as_u16()).ok(),
        Some(200)
    );
    let confirmed = confirm(&http, data["key"].as_str().unwrap_or_default()).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    let url = confirmed["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(delete(&http, None, &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_non_image_direct_uploads_never_appear_in_the_list() {
    let http = client();
    // A form upload of text: the store takes it, the album deletes it.
    let (_, body) = json(http.get(format!("{}/applet/album/upload-form", base()))).await;
    let data = body["data"].clone();
    assert_eq!(
        post_form(&http, &data, photo("not-an-image.txt")).await,
        204
    );
    assert_eq!(
        confirm(&http, data["key"].as_str().unwrap_or_default()).await,
        json!({"code":-1,"msg":"仅jpg/png格式","data":{}})
    );
    // A form upload over the limit: the store refuses it.
    let (_, body) = json(http.get(format!("{}/applet/album/upload-form", base()))).await;
    let big_form = body["data"].clone();
    let mut big = photo("rocket.jpg");
    big.resize(5 * 1024 * 1024 + 1, 0);
    assert_eq!(
        post_form(&http, &big_form, big).await,
        400,
        "EntityTooLarge"
    );
    // A PUT URL is never signed for more than the limit.
    let (_, body) = json(http.get(format!(
        "{}/applet/album/upload-url?size={}",
        base(),
        5 * 1024 * 1024 + 1
    )))
    .await;
    assert_eq!(body, json!({"code":-1,"msg":"单个不超过5MB","data":{}}));
    let all = listed(&http, None).await;
    for key in [&data["key"], &big_form["key"]] {
        let key = key.as_str().unwrap_or_default();
        assert!(
            !all.iter().any(|url| plain(url).ends_with(key)),
            "{key} listed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2017_v4_client_signs_and_uploads_through_the_stand_in() {
    let http = client();
    let (status, body) =
        json(http.get(format!("{}/applet/album/qc_cos/config?cos_path=/", base()))).await;
    assert_eq!(
        (status, &body["error"]["reason"]),
        (401, &json!("ERR_SKEY_INVALID")),
        "login required"
    );
    let skey = login(&http, "carol").await;
    let (_, body) = json(
        http.get(format!("{}/applet/album/qc_cos/config?cos_path=/", base()))
            .header("x-wx-skey", &skey),
    )
    .await;
    let sign = body["sign"].as_str().unwrap_or_default().to_owned();
    assert!(!sign.is_empty(), "{body}");
    // wx.uploadFile({url, header: {Authorization: sign}, name: 'filecontent', formData: {op: 'upload'}})
    let name = format!("{}-{}.jpg", 1_700_000_000_000_u64, random_name(8));
    let form = reqwest::multipart::Form::new().text("op", "upload").part(
        "filecontent",
        reqwest::multipart::Part::bytes(photo("rocket.jpg")).file_name("wxfile_tmp.jpg"),
    );
    let (status, reply) = json(
        http.post(format!(
            "{}/applet/album/v4/files/v2/1250000000/album-private/{name}",
            base()
        ))
        .header("authorization", &sign)
        .multipart(form),
    )
    .await;
    assert_eq!(
        (status, &reply["message"]),
        (200, &json!("SUCCESS")),
        "{reply}"
    );
    let url = reply["data"]["access_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mine = listed(&http, Some(&skey)).await;
    assert!(
        mine.iter().any(|listed| plain(listed) == plain(&url)),
        "{mine:?}"
    );
    assert_eq!(delete(&http, Some(&skey), &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_user_cannot_delete_the_first_users_photo() {
    let http = client();
    let alice = login(&http, "alice").await;
    let bob = login(&http, "bob").await;
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(photo("chelsea-small.jpg")).file_name("c.jpg"),
    );
    let (_, reply) = json(
        http.post(format!("{}/applet/album/upload", base()))
            .header("x-wx-skey", &alice)
            .multipart(form),
    )
    .await;
    assert_eq!(reply["code"], 0, "{reply}");
    let url = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        delete(&http, Some(&bob), &url).await,
        json!({"code":-1,"msg":"failed","data":{"name":"Error","message":"operation forbidden"}})
    );
    assert!(
        listed(&http, None)
            .await
            .iter()
            .any(|listed| plain(listed) == plain(&url))
    );
    assert_eq!(delete(&http, Some(&alice), &url).await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_bucket_lists_signed_urls_that_fetch_the_image() {
    let http = client();
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(photo("coffee-alpha.png")).file_name("c.png"),
    );
    let (_, reply) = json(
        http.post(format!("{}/applet/album/upload", base()))
            .multipart(form),
    )
    .await;
    let uploaded = reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = listed(&http, None)
        .await
        .into_iter()
        .find(|url| plain(url) == plain(&uploaded))
        .unwrap_or_else(|| panic!("{uploaded} not listed"));
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let response = http
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    assert!(
        response.bytes().await.unwrap_or_default().as_ref() == photo("coffee-alpha.png").as_slice()
    );
    let unsigned = http
        .get(plain(&url))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(unsigned.unwrap_or(0), 403, "the bucket is private");
    assert_eq!(delete(&http, None, &url).await["code"], 0);
}
