//! The session service end to end: mini-program-shaped requests through nginx
//! (`WEAPP_BASE_URL`, `/applet/session/...`), the session service on 5757, Redis, the
//! MongoDB-wire server, and the WeChat API simulator (`WEAPP_WX_SIM_URL`, default
//! `http://127.0.0.1:9797`) standing in for `api.weixin.qq.com` — all started by `scripts/up`.
//!
//! The original client flow is replayed as `weapp-session-client` did it
//! (`spec/originals.md` §3.1): the first request after `wx.login()` carries `X-WX-Code`,
//! `X-WX-RawData` and `X-WX-Signature`, later ones the code only; on `ERR_SESSION_EXPIRED` it
//! logs in again and retries. Expiry is produced as Redis produces it — the session key
//! disappears — by a `DEL` on `WEAPP_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) under
//! the stack's prefix `WEAPP_E2E_SESSION_PREFIX` (default `weapp-session:`).
//!
//! Every user is new (random code user part), and each test deletes the paints it saved.

mod client;

use serde_json::json;

use client::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_original_client_logs_in_draws_and_logs_in_again_after_expiry() {
    let mut client = OriginalClient::new(&fresh_user("orig"));
    let list = "/applet/session/paints/list";
    assert_eq!(
        client.request("GET", list, None).await,
        json!({"code":0,"msg":"success","data":[]})
    );
    assert_eq!(client.logins, 1, "first request: all three headers");

    let actions = r#"[{"method":"save","data":[]},{"method":"strokePath","data":[{"method":"moveTo","data":[10,20]},{"method":"lineTo","data":[30,40]}]},{"method":"setStrokeStyle","data":["normal",[255,0,0,255]]},{"method":"restore","data":[]}]"#;
    let saved = client
        .request(
            "POST",
            "/applet/session/paints/save",
            Some(json!({"id": "p1", "actions": actions})),
        )
        .await;
    assert_eq!(saved, json!({"code":0,"msg":"success","data":{}}));
    let listed = client.request("GET", list, None).await;
    assert_eq!(listed["data"], json!([{"id": "p1", "actions": actions}]));
    assert_eq!(client.logins, 1, "later requests: the code only");

    expire(client.current_code.as_deref().unwrap_or_default());
    let listed = client.request("GET", list, None).await;
    assert_eq!(
        client.logins, 2,
        "ERR_SESSION_EXPIRED → wx.login() again → retried"
    );
    assert_eq!(listed["data"][0]["id"], "p1", "same openid, same paints");

    let deleted = client
        .request(
            "POST",
            "/applet/session/paints/delete",
            Some(json!({"id": "p1"})),
        )
        .await;
    assert_eq!(deleted["code"], 0);
    assert_eq!(client.request("GET", list, None).await["data"], json!([]));
    drop(client.forget().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_failures_reach_the_client_as_exact_magic_bodies() {
    let http = reqwest::Client::new();
    let list = format!("{}/applet/session/paints/list", base());
    let (status, content_type, body) =
        send(http.get(&list).header("X-WX-Code", fresh_code("e2egone"))).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json; charset=utf-8")
    );
    assert_eq!(
        body,
        json!({MAGIC: 1, "reason": "ERR_SESSION_EXPIRED", "error": {"name": "Error", "message": "`wxUserInfo` not found by `code`"}})
    );

    let code = fresh_code(&fresh_user("forged"));
    let forged = http
        .get(&list)
        .header("X-WX-Code", &code)
        .header("X-WX-RawData", "%7B%22nickName%22%3A%22x%22%7D")
        .header("X-WX-Signature", "0".repeat(40));
    let (_, _, body) = send(forged).await;
    assert_eq!(body["reason"], "ERR_UNTRUSTED_RAW_DATA");

    let refused = http
        .get(&list)
        .header("X-WX-Code", "invalid-e2e")
        .header("X-WX-RawData", "%7B%7D");
    let (_, _, body) = send(refused).await;
    assert_eq!(body["reason"], "ERR_SESSION_KEY_EXCHANGE_FAILED");
    assert_eq!(body["error"]["detail"]["errcode"], 40029);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paint_of_the_full_allowed_size_is_stored_and_a_larger_one_refused() {
    let mut client = OriginalClient::new(&fresh_user("big"));
    let actions = "a".repeat(1024 * 1024);
    let saved = client
        .request(
            "POST",
            "/applet/session/paints/save",
            Some(json!({"id": "big", "actions": actions})),
        )
        .await;
    assert_eq!(
        saved["code"], 0,
        "is nginx's client_max_body_size for /applet/session ≥ 4m? {saved}"
    );
    let refused = client
        .request(
            "POST",
            "/applet/session/paints/save",
            Some(json!({"id": "bigger", "actions": format!("{actions}a")})),
        )
        .await;
    assert_eq!(
        refused,
        json!({"code":-1,"msg":"fail","error":{"reason":"actions exceeds 1048576 bytes"}})
    );
    let listed = client
        .request("GET", "/applet/session/paints/list", None)
        .await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    client
        .request(
            "POST",
            "/applet/session/paints/delete",
            Some(json!({"id": "big"})),
        )
        .await;
    drop(client.forget().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_modern_client_logs_in_with_its_encrypted_profile_and_out_again() {
    let http = reqwest::Client::new();
    let user = fresh_user("modern");
    let _forget = Forget(vec![skey_key(&format!("user:{}", openid_of(&user).await))]);
    let code = fresh_code(&user);
    let (status, _, sealed) = send(
        http.post(format!("{}/sim/encrypt", sim()))
            .json(&json!({"code": code, "data": {"nickName": user, "gender": 2, "city": "深圳"}})),
    )
    .await;
    assert_eq!(status, 200, "{sealed}");
    let login = http
        .get(format!("{}/applet/session/login", base()))
        .header("x-wx-code", &code)
        .header(
            "x-wx-encrypted-data",
            sealed["encryptedData"].as_str().unwrap_or_default(),
        )
        .header("x-wx-iv", sealed["iv"].as_str().unwrap_or_default());
    let (status, content_type, body) = send(login).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json; charset=utf-8"),
        "{body}"
    );
    assert_eq!(body["code"], 0);
    assert_eq!(body["data"]["expires_in"], 7200);
    assert_eq!(body["data"]["userinfo"]["nickName"], user.as_str());
    assert!(body["data"]["userinfo"].get("watermark").is_none());
    let skey = body["data"]["skey"].as_str().unwrap_or_default().to_owned();
    assert_eq!(skey.len(), 64);

    let with_skey = |request: reqwest::RequestBuilder| request.header("X-WX-Skey", &skey);
    let (_, _, me) = send(with_skey(
        http.get(format!("{}/applet/session/user", base())),
    ))
    .await;
    assert_eq!(me["data"], body["data"]["userinfo"]);
    let save = with_skey(http.post(format!("{}/applet/session/paints/save", base())))
        .json(&json!({"id": "m1", "actions": "[]"}));
    assert_eq!(send(save).await.2["code"], 0);
    let (_, _, listed) = send(with_skey(
        http.get(format!("{}/applet/session/paints/list", base())),
    ))
    .await;
    assert_eq!(listed["data"], json!([{"id": "m1", "actions": "[]"}]));
    let delete = with_skey(http.post(format!("{}/applet/session/paints/delete", base())))
        .json(&json!({"id": "m1"}));
    assert_eq!(send(delete).await.2["code"], 0);

    let (status, _, out) = send(with_skey(
        http.post(format!("{}/applet/session/logout", base())),
    ))
    .await;
    assert_eq!(
        (status, out),
        (200, json!({"code":0,"msg":"success","data":{}}))
    );
    let (status, _, after) = send(with_skey(
        http.get(format!("{}/applet/session/user", base())),
    ))
    .await;
    assert_eq!(status, 401);
    assert_eq!(after["error"]["reason"], "ERR_SKEY_INVALID");
}
