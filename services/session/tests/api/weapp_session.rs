//! The original `weapp-session` protocol over HTTP (`spec/originals.md` §3.1), byte for byte.

use serde_json::{Value, json};

use crate::helpers::{Spawn, call, call_raw, spawn_app, spawn_with};

const MAGIC: &str = "F2C224D4-2BCE-4C64-AF9F-A6D872000D1A";
const LIST: &str = "/applet/session/paints/list";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_request_logs_in_and_stores_both_keys_with_the_ttl() {
    let app = spawn_app().await;
    let login = app.wx_login("alice", "Alice").await;
    let (openid, _) = app.sim_session(&login.code).await;
    let (status, body) = call(login.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!(
        (status, body),
        (200, json!({"code":0,"msg":"success","data":[]}))
    );

    let stored: Value = serde_json::from_str(
        &app.redis_get(&format!("weapp-session:{}", login.code))
            .await
            .unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(stored["openId"], openid.as_str());
    assert_eq!(stored["nickName"], "Alice");
    assert_eq!(stored["city"], "深圳");
    assert_eq!(
        app.redis_get(&format!("weapp-session:{openid}")).await,
        Some(format!("\"{}\"", login.code)),
        "the openid key holds the code as a JSON string"
    );
    for key in [
        format!("weapp-session:{}", login.code),
        format!("weapp-session:{openid}"),
    ] {
        let ttl = app.redis_ttl(&key).await;
        assert!((7190..=7200).contains(&ttl), "{key}: ttl {ttl}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_requests_carry_the_code_only_and_do_not_refresh_the_ttl() {
    let app = spawn_app().await;
    let login = app.wx_login("bob", "Bob").await;
    call(login.headers(app.http.get(app.url(LIST)))).await;
    let key = format!("weapp-session:{}", login.code);
    let _: () = deadpool_redis::redis::cmd("EXPIRE")
        .arg(format!("{}{key}", app.key_prefix))
        .arg(100)
        .query_async(&mut app.redis.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..3 {
        let (_, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
        assert_eq!(body["code"], 0, "{body}");
    }
    assert!(
        app.redis_ttl(&key).await <= 100,
        "GET never refreshes the TTL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_answers_the_exact_magic_body_and_a_relogin_works() {
    let app = spawn_app().await;
    let login = app.wx_login("carol", "Carol").await;
    call(login.headers(app.http.get(app.url(LIST)))).await;
    app.redis_del(&format!("weapp-session:{}", login.code))
        .await;

    let (status, content_type, body) =
        call_raw(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json; charset=utf-8");
    assert_eq!(
        body,
        format!(
            r#"{{"{MAGIC}":1,"reason":"ERR_SESSION_EXPIRED","error":{{"name":"Error","message":"`wxUserInfo` not found by `code`"}}}}"#
        )
    );

    let again = app.wx_login("carol", "Carol").await;
    let (_, body) = call(again.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!(body["code"], 0, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relogin_evicts_the_previous_code() {
    let app = spawn_app().await;
    let first = app.wx_login("dave", "Dave").await;
    let second = app.wx_login("dave", "Dave").await;
    for login in [&first, &second] {
        let (_, body) = call(login.headers(app.http.get(app.url(LIST)))).await;
        assert_eq!(body["code"], 0, "{body}");
    }
    assert_eq!(
        app.redis_get(&format!("weapp-session:{}", first.code))
            .await,
        None
    );
    let (_, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &first.code)).await;
    assert_eq!(body["reason"], "ERR_SESSION_EXPIRED");
    let (_, body) = call(
        app.http
            .get(app.url(LIST))
            .header("X-WX-Code", &second.code),
    )
    .await;
    assert_eq!(body["code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_signature_is_untrusted_and_stores_nothing() {
    let app = spawn_app().await;
    let mut login = app.wx_login("eve", "Eve").await;
    login.raw_data = login.raw_data.replace("Eve", "Mallory");
    let (_, content_type, body) = call_raw(login.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!(content_type, "application/json; charset=utf-8");
    assert_eq!(
        body,
        format!(
            r#"{{"{MAGIC}":1,"reason":"ERR_UNTRUSTED_RAW_DATA","error":{{"name":"Error","message":"untrusted raw data"}}}}"#
        )
    );
    assert!(app.redis_dump().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_wechat_refuses_are_exchange_failures_with_its_answer() {
    let app = spawn_app().await;
    let used = app.wx_login("frank", "Frank").await;
    call(used.headers(app.http.get(app.url(LIST)))).await;
    for (code, errcode) in [
        ("invalid-x1", 40029),
        ("ratelimit-x1", 45011),
        (used.code.as_str(), 40163),
    ] {
        let request = app
            .http
            .get(app.url(LIST))
            .header("X-WX-Code", code)
            .header("X-WX-RawData", "%7B%7D")
            .header("X-WX-Signature", "0");
        let (status, body) = call(request).await;
        assert_eq!(status, 200);
        assert_eq!(body[MAGIC], 1);
        assert_eq!(body["reason"], "ERR_SESSION_KEY_EXCHANGE_FAILED", "{code}");
        assert_eq!(
            body["error"]["message"],
            "jscode failed to exchange session_key"
        );
        assert_eq!(body["error"]["detail"]["errcode"], errcode, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_unreachable_is_an_exchange_failure() {
    let app = spawn_with(Spawn::default(), |settings| {
        settings.wx.base_url = "http://127.0.0.1:1".into();
    })
    .await;
    let request = app
        .http
        .get(app.url(LIST))
        .header("X-WX-Code", "gina-1")
        .header("X-WX-RawData", "%7B%7D")
        .header("X-WX-Signature", "0");
    let (status, content_type, body) = call_raw(request).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json; charset=utf-8")
    );
    assert_eq!(
        body,
        format!(
            r#"{{"{MAGIC}":1,"reason":"ERR_SESSION_KEY_EXCHANGE_FAILED","error":{{"name":"Error","message":"jscode failed to exchange session_key"}}}}"#
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_headers_answer_magic_bodies_without_reason() {
    let app = spawn_app().await;
    let with = |code: &str, raw: &str| {
        app.http
            .get(app.url(LIST))
            .header("X-WX-Code", code)
            .header("X-WX-RawData", raw)
            .header("X-WX-Signature", "0")
    };
    let (_, _, body) = call_raw(with("hank-1", "%E0%A4%A")).await;
    assert_eq!(
        body,
        format!(r#"{{"{MAGIC}":1,"error":{{"name":"URIError","message":"URI malformed"}}}}"#)
    );
    for raw in ["not%20json", "%5B1%5D"] {
        let (status, body) = call(with("hank-2", raw)).await;
        assert_eq!(status, 200);
        assert_eq!(body[MAGIC], 1);
        assert_eq!(body["error"]["name"], "SyntaxError", "{raw}");
        assert!(body.get("reason").is_none());
    }
    let too_long = "x".repeat(200);
    let (_, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", too_long)).await;
    assert_eq!(
        body,
        json!({MAGIC: 1, "error": {"name": "Error", "message": "invalid `X-WX-Code` header"}})
    );
    let (_, body) = call(app.http.get(app.url(LIST)).header(
        "X-WX-Code",
        reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap_or_else(|e| panic!("{e}")),
    ))
    .await;
    assert_eq!(body["error"]["message"], "invalid `X-WX-Code` header");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_pass_through_to_the_route() {
    let app = spawn_app().await;
    let (status, body) = call(app.http.get(app.url(LIST))).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"code":-1,"msg":"fail","error":{"reason":"openId does not exists"}})
        )
    );
}
