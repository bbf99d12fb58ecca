//! One login for all services: skey sessions in the real Redis (as the session service writes
//! them), owners as S3 object metadata, the owner rules of delete and `mine=1`, the modes.

use album::settings::{AuthMode, IndexStore};
use object_store::{GetOptions, ObjectStore, path::Path};
use serde_json::{Value, json};

use crate::{
    direct::confirm,
    form::post_form,
    helpers::{TestApp, client_filepath, img_url, photo, spawn_app, with_redis},
};

const FORBIDDEN: &str =
    r#"{"code":-1,"msg":"failed","data":{"name":"Error","message":"operation forbidden"}}"#;

async fn upload_as(app: &TestApp, skey: Option<&str>, name: &str) -> Value {
    let part = reqwest::multipart::Part::bytes(photo(name)).file_name(name.to_owned());
    let mut request = app
        .http
        .post(app.url("/applet/album/upload"))
        .multipart(reqwest::multipart::Form::new().part("image", part));
    if let Some(skey) = skey {
        request = request.header("x-wx-skey", skey);
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn delete_as(app: &TestApp, skey: Option<&str>, body: Value) -> Value {
    let mut request = app.http.post(app.url("/applet/album/delete")).json(&body);
    if let Some(skey) = skey {
        request = request.header("x-wx-skey", skey);
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn owner_metadata(app: &TestApp, url: &str) -> Option<String> {
    let key = url
        .rsplit('/')
        .next()
        .map(|name| format!("{}{name}", app.prefix))?;
    let head = GetOptions {
        head: true,
        ..GetOptions::default()
    };
    let result = app.s3.get_opts(&Path::from(key), head).await.ok()?;
    result
        .attributes
        .get(&object_store::Attribute::Metadata("openid".into()))
        .map(|value| value.as_ref().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_user_owns_the_photo_and_only_they_may_delete_it() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Optional)).await;
    let alice = app.login("o_alice").await;
    let bob = app.login("o_bob").await;
    let reply = upload_as(&app, Some(&alice), "rocket.jpg").await;
    assert_eq!(reply["code"], 0, "{reply}");
    let url = img_url(&reply);
    assert!(
        !url.contains("o_alice"),
        "the owner is never in a URL: {url}"
    );
    assert_eq!(owner_metadata(&app, &url).await.as_deref(), Some("o_alice"));

    let filepath = json!({ "filepath": client_filepath(&url) });
    assert_eq!(
        delete_as(&app, Some(&bob), filepath.clone())
            .await
            .to_string(),
        FORBIDDEN
    );
    assert_eq!(
        delete_as(&app, None, filepath.clone()).await.to_string(),
        FORBIDDEN
    );
    assert_eq!(app.list().await, vec![url.clone()], "still there");
    assert_eq!(
        delete_as(&app, Some(&alice), filepath).await,
        json!({"code":0,"msg":"ok","data":{}})
    );
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mine_lists_ones_own_photos_and_needs_a_session() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Optional)).await;
    let alice = app.login("o_alice").await;
    let bob = app.login("o_bob").await;
    let a = img_url(&upload_as(&app, Some(&alice), "rocket.jpg").await);
    let b = img_url(&upload_as(&app, Some(&bob), "chelsea.png").await);
    let anonymous = img_url(&upload_as(&app, None, "retina.jpg").await);
    assert_eq!(app.list().await, vec![anonymous, b.clone(), a.clone()]);
    assert_eq!(
        app.get_as(&alice, "/applet/album/list?mine=1").await.1["data"],
        json!([a])
    );
    assert_eq!(
        app.get_as(&bob, "/applet/album/list?mine=1").await.1["data"],
        json!([b])
    );
    let (status, body) = app.get_json("/applet/album/list?mine=1").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["reason"], "ERR_SKEY_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_photos_stay_deletable_and_bad_skeys_are_refused() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Optional)).await;
    let url = img_url(&upload_as(&app, None, "rocket.jpg").await);
    let (status, body) = app.get_as(&"f".repeat(64), "/applet/album/list").await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (401, Some("ERR_SKEY_INVALID"))
    );
    let bob = app.login("o_bob").await;
    assert_eq!(
        delete_as(
            &app,
            Some(&bob),
            json!({ "filepath": client_filepath(&url) })
        )
        .await,
        json!({"code":0,"msg":"ok","data":{}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_mode_refuses_calls_without_a_session() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Required)).await;
    for path in [
        "/applet/album/list",
        "/applet/album/upload-form",
        "/applet/album/upload-url?size=9",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["error"]["reason"], "ERR_SKEY_INVALID", "{path}");
    }
    let reply = upload_as(&app, None, "rocket.jpg").await;
    assert_eq!(reply["error"]["reason"], "ERR_SKEY_INVALID", "{reply}");
    assert!(app.stored_keys().await.is_empty());
    let alice = app.login("o_alice").await;
    assert_eq!(upload_as(&app, Some(&alice), "rocket.jpg").await["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_skey_in_the_query_or_a_form_field_stands_in_for_the_header() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Required)).await;
    let alice = app.login("o_alice").await;
    // `wx.uploadFile` of an old SDK: the skey as a form field before the file.
    let form = reqwest::multipart::Form::new()
        .text("skey", alice.clone())
        .part(
            "image",
            reqwest::multipart::Part::bytes(photo("rocket.jpg")).file_name("a.jpg"),
        );
    let reply: Value = app
        .http
        .post(app.url("/applet/album/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(reply["code"], 0, "{reply}");
    assert_eq!(
        owner_metadata(&app, &img_url(&reply)).await.as_deref(),
        Some("o_alice")
    );
    let (status, body) = app
        .get_json(&format!("/applet/album/list?mine=1&skey={alice}"))
        .await;
    assert_eq!(
        (status, body["data"].as_array().map(Vec::len)),
        (200, Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_upload_records_its_signers_owner() {
    let app = spawn_app(|s| with_redis(s, AuthMode::Optional)).await;
    let alice = app.login("o_alice").await;
    let (_, body) = app.get_as(&alice, "/applet/album/upload-form").await;
    let data = body["data"].clone();
    assert_eq!(data["fields"]["x-amz-meta-openid"], "o_alice");
    assert_eq!(post_form(&app, &data, photo("rocket.jpg")).await, 204);
    assert_eq!(
        confirm(&app, data["key"].as_str().unwrap_or_default()).await["code"],
        0
    );
    let bob = app.login("o_bob").await;
    let filepath = client_filepath(data["imgUrl"].as_str().unwrap_or_default());
    assert_eq!(
        delete_as(&app, Some(&bob), json!({ "filepath": filepath }))
            .await
            .to_string(),
        FORBIDDEN
    );
    assert_eq!(
        app.get_as(&alice, "/applet/album/list?mine=1").await.1["data"],
        json!([data["imgUrl"]])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_delete_is_checked_whole_before_anything_goes() {
    let app = spawn_app(|s| {
        with_redis(s, AuthMode::Optional);
        s.delete.max_batch = 3;
    })
    .await;
    let alice = app.login("o_alice").await;
    let bob = app.login("o_bob").await;
    let mine: Vec<String> = [
        upload_as(&app, Some(&alice), "rocket.jpg").await,
        upload_as(&app, Some(&alice), "chelsea.png").await,
    ]
    .iter()
    .map(|reply| client_filepath(&img_url(reply)))
    .collect();
    let theirs = client_filepath(&img_url(&upload_as(&app, Some(&bob), "retina.jpg").await));
    let mixed = json!({ "filepaths": [mine[0], theirs, mine[1]] });
    assert_eq!(
        delete_as(&app, Some(&alice), mixed).await.to_string(),
        FORBIDDEN
    );
    assert_eq!(app.list().await.len(), 3, "nothing deleted");
    let too_many = json!({ "filepaths": [mine[0], mine[0], mine[0], mine[0]] });
    assert_eq!(delete_as(&app, Some(&alice), too_many).await["code"], -1);
    assert_eq!(
        delete_as(&app, Some(&alice), json!({ "filepaths": mine })).await,
        json!({"code":0,"msg":"ok","data":{}})
    );
    assert_eq!(app.list().await.len(), 1);
}

/// Once the memory index remembers `index.max_remembered` owners of v4 signatures, a logged-in
/// caller's `qc_cos/config` and `cos-auth` are refused (503, the failure envelope) rather than
/// handed a signature whose uploads would lose their owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_v4_signature_is_handed_out_beyond_index_max_remembered() {
    let app = spawn_app(|s| {
        with_redis(s, AuthMode::Optional);
        s.index.store = IndexStore::Memory;
        s.index.max_remembered = 1;
    })
    .await;
    let alice = app.login("o_alice").await;
    let qc_cos = format!(
        "/applet/album/qc_cos/config?cos_path=/{}",
        app.prefix.trim_end_matches('/')
    );
    let (status, first) = app.get_as(&alice, &qc_cos).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["sign"].is_string(), "{first}");
    let full = json!({
        "code": -1,
        "msg": "too many uploads in progress, try again later",
        "data": {}
    });
    assert_eq!(app.get_as(&alice, &qc_cos).await, (503, full.clone()));
    let (status, body) = app.get_as(&alice, "/applet/album/cos-auth").await;
    assert_eq!((status, body), (503, full));
}
