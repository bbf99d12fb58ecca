//! The drawing app (`spec/originals.md` §3.2): envelopes, scoping by openid, limits.

use mongodb::bson::doc;
use serde_json::{Value, json};

use crate::helpers::{FirstRequest, Spawn, TestApp, call, spawn_app, spawn_with};

const LIST: &str = "/applet/session/paints/list";
const SAVE: &str = "/applet/session/paints/save";
const DELETE: &str = "/applet/session/paints/delete";

/// Log `user` in (first request) and return the code later requests carry.
async fn logged_in(app: &TestApp, user: &str) -> String {
    let login: FirstRequest = app.wx_login(user, user).await;
    let (_, body) = call(login.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!(body["code"], 0, "{body}");
    login.code
}

async fn post(app: &TestApp, path: &str, code: &str, body: Value) -> (u16, Value) {
    call(
        app.http
            .post(app.url(path))
            .header("X-WX-Code", code)
            .json(&body),
    )
    .await
}

async fn list(app: &TestApp, code: &str) -> Value {
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", code)).await;
    assert_eq!(status, 200);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_list_and_delete_answer_the_original_envelopes() {
    let app = spawn_app().await;
    let code = logged_in(&app, "ivy").await;
    let ok = json!({"code":0,"msg":"success","data":{}});
    let actions = r#"[{"method":"strokePath","data":[{"method":"moveTo","data":[1,2]}]}]"#;
    assert_eq!(
        post(&app, SAVE, &code, json!({"id":"k1","actions":actions})).await,
        (200, ok.clone())
    );
    assert_eq!(
        post(&app, SAVE, &code, json!({"id":"k2","actions":"[]"})).await,
        (200, ok.clone())
    );
    assert_eq!(
        list(&app, &code).await,
        json!({"code":0,"msg":"success","data":[{"id":"k1","actions":actions},{"id":"k2","actions":"[]"}]})
    );
    assert_eq!(
        post(&app, DELETE, &code, json!({"id":"k1"})).await,
        (200, ok.clone())
    );
    assert_eq!(
        post(&app, DELETE, &code, json!({"id":"never-saved"})).await,
        (200, ok)
    );
    assert_eq!(
        list(&app, &code).await["data"],
        json!([{"id":"k2","actions":"[]"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_read_overwrite_or_delete_another_users_paint() {
    let app = spawn_app().await;
    let (owner, intruder) = (
        logged_in(&app, "judy").await,
        logged_in(&app, "mallory").await,
    );
    post(
        &app,
        SAVE,
        &owner,
        json!({"id":"same-id","actions":"owner's"}),
    )
    .await;
    post(
        &app,
        SAVE,
        &intruder,
        json!({"id":"same-id","actions":"intruder's"}),
    )
    .await;
    post(&app, DELETE, &intruder, json!({"id":"same-id"})).await;
    assert_eq!(
        list(&app, &owner).await["data"],
        json!([{"id":"same-id","actions":"owner's"}])
    );
    assert_eq!(list(&app, &intruder).await["data"], json!([]));
    assert_eq!(
        app.paints()
            .count_documents(doc! {})
            .await
            .unwrap_or_default(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_again_replaces_the_paint_under_a_unique_index() {
    let app = spawn_app().await;
    let code = logged_in(&app, "ken").await;
    for actions in ["v1", "v2", "v3"] {
        post(&app, SAVE, &code, json!({"id":"p","actions":actions})).await;
    }
    assert_eq!(
        list(&app, &code).await["data"],
        json!([{"id":"p","actions":"v3"}])
    );
    let documents = app
        .paints()
        .count_documents(doc! {"id": "p"})
        .await
        .unwrap_or_default();
    assert_eq!(documents, 1);
    let stored = app
        .paints()
        .find_one(doc! {"id": "p"})
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(
        stored
            .get_str("openId")
            .is_ok_and(|openid| openid.len() > 10),
        "{stored}"
    );
    let names = app.paints().list_index_names().await.unwrap_or_default();
    assert!(
        names.iter().any(|name| name == "openId_1_id_1"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_up_to_the_limit_are_stored_and_larger_ones_refused_without_a_trace() {
    let app = spawn_app().await;
    let code = logged_in(&app, "leo").await;
    let limit = app.settings.paints.max_actions_bytes;
    let fits = "a".repeat(limit);
    assert_eq!(
        post(&app, SAVE, &code, json!({"id":"big","actions":fits}))
            .await
            .1["code"],
        0
    );
    let (status, body) = post(
        &app,
        SAVE,
        &code,
        json!({"id":"bigger","actions":"a".repeat(limit + 1)}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"code":-1,"msg":"fail","error":{"reason":format!("actions exceeds {limit} bytes")}})
        )
    );
    let stored = list(&app, &code).await;
    assert_eq!(stored["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        stored["data"][0]["actions"].as_str().map(str::len),
        Some(limit)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_fields_and_malformed_bodies_answer_in_the_envelope() {
    let app = spawn_with(Spawn::default(), |settings| {
        settings.paints.max_actions_bytes = 1024;
        settings.json_body_limit = 4096;
    })
    .await;
    let code = logged_in(&app, "mia").await;
    let fail = |reason: &str| json!({"code":-1,"msg":"fail","error":{"reason":reason}});
    for body in [
        json!({}),
        json!({"id":"x"}),
        json!({"actions":"[]"}),
        json!({"id":"","actions":"[]"}),
        json!({"id":{},"actions":"[]"}),
    ] {
        assert_eq!(
            post(&app, SAVE, &code, body).await,
            (200, fail("id or actions does not exists"))
        );
    }
    assert_eq!(
        post(&app, DELETE, &code, json!({})).await,
        (200, fail("id does not exists"))
    );
    let broken = app
        .http
        .post(app.url(SAVE))
        .header("X-WX-Code", &code)
        .header("content-type", "application/json")
        .body("{\"id\":");
    let (status, body) = call(broken).await;
    assert_eq!(status, 200);
    assert!(
        body["error"]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("request body is not valid JSON")),
        "{body}"
    );
    let huge = app
        .http
        .post(app.url(SAVE))
        .header("X-WX-Code", &code)
        .json(&json!({"id":"h","actions":"x".repeat(5000)}));
    assert_eq!(
        call(huge).await,
        (200, fail("request body exceeds 4096 bytes"))
    );
    let form = app
        .http
        .post(app.url(SAVE))
        .header("X-WX-Code", &code)
        .form(&[("id", "f1"), ("actions", "[1]")]);
    assert_eq!(call(form).await.1["code"], 0);
    let long_id = post(
        &app,
        SAVE,
        &code,
        json!({"id":"i".repeat(300),"actions":"[]"}),
    )
    .await;
    assert_eq!(long_id, (200, fail("id exceeds 256 bytes")));
    assert_eq!(
        list(&app, &code).await["data"],
        json!([{"id":"f1","actions":"[1]"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_writes_are_refused_and_routing_is_strict() {
    let app = spawn_app().await;
    let (status, body) = call(
        app.http
            .post(app.url(SAVE))
            .json(&json!({"id":"a","actions":"b"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"code":-1,"msg":"fail","error":{"reason":"openId does not exists"}})
        )
    );
    let (status, body) = call(app.http.get(app.url(SAVE))).await;
    assert_eq!(
        (status, body),
        (405, json!({"code":-1,"msg":"method not allowed","data":{}}))
    );
    for path in [
        "/applet/session/paints/list/",
        "/applet/session/Paints/list",
        "/applet/session/nope",
    ] {
        let (status, body) = call(app.http.get(app.url(path))).await;
        assert_eq!(
            (status, body),
            (404, json!({"code":-1,"msg":"not found","data":{}})),
            "{path}"
        );
    }
    assert_eq!(
        app.paints()
            .count_documents(doc! {})
            .await
            .unwrap_or_default(),
        0
    );
}
