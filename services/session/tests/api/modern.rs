//! The modern login (`spec/originals.md` §7.2, improved): skey login, user, logout, and paints
//! through `X-WX-Skey`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, call, random_name, spawn_app};

const LOGIN: &str = "/applet/session/login";
const USER: &str = "/applet/session/user";
const LOGOUT: &str = "/applet/session/logout";

fn profile(nick_name: &str) -> Value {
    json!({"nickName": nick_name, "gender": 2, "language": "zh_CN", "city": "深圳", "province": "广东", "country": "中国", "avatarUrl": "https://x/132"})
}

/// `wx.login()` + `wx.getUserInfo()` + `GET /login` with the encrypted profile.
async fn login_with_profile(app: &TestApp, user: &str) -> (String, (u16, Value)) {
    let code = format!("{user}-{}", random_name(12));
    let (openid, _) = app.sim_session(&code).await;
    let mut data = profile(user);
    data["openId"] = json!(openid);
    let (encrypted, iv) = app.sim_encrypt(&code, data, None).await;
    let request = app
        .http
        .get(app.url(LOGIN))
        .header("x-wx-code", &code)
        .header("x-wx-encrypted-data", encrypted)
        .header("x-wx-iv", iv);
    (openid, call(request).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_answers_a_random_skey_the_profile_and_its_lifetime() {
    let app = spawn_app().await;
    let (openid, (status, body)) = login_with_profile(&app, "nina").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["code"].clone(), body["msg"].clone()),
        (json!(0), json!("success"))
    );
    let skey = body["data"]["skey"].as_str().unwrap_or_default();
    assert_eq!(skey.len(), 64);
    assert!(skey.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["data"]["expires_in"], 7200);
    let mut expected = profile("nina");
    expected["openId"] = json!(openid);
    assert_eq!(
        body["data"]["userinfo"], expected,
        "no watermark, the verified openId"
    );
    let ttl = app.redis_ttl(&format!("weapp-skey:skey:{skey}")).await;
    assert!((7190..=7200).contains(&ttl), "ttl {ttl}");

    let (status, user) = call(app.http.get(app.url(USER)).header("X-WX-Skey", skey)).await;
    assert_eq!(
        (status, user),
        (200, json!({"code":0,"msg":"success","data":expected}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_key_never_leaves_the_server() {
    let app = spawn_app().await;
    let code = format!("oscar-{}", random_name(12));
    let (_, session_key) = app.sim_session(&code).await;
    let (status, body) = call(app.http.get(app.url(LOGIN)).header("x-wx-code", &code)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(&session_key));
    for (key, value) in app.redis_dump().await {
        assert!(!value.contains(&session_key), "{key} holds the session_key");
    }
    let skey = body["data"]["skey"].as_str().unwrap_or_default();
    let wafer2 = hex::encode(<sha1::Sha1 as sha1::Digest>::digest(session_key.as_bytes()));
    assert_ne!(skey, wafer2, "not Wafer 2's sha1(session_key)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_only_relogin_keeps_the_profile_and_revokes_the_old_skey() {
    let app = spawn_app().await;
    let (_, (_, first)) = login_with_profile(&app, "paul").await;
    let code = format!("paul-{}", random_name(12));
    let (_, second) = call(app.http.get(app.url(LOGIN)).header("x-wx-code", &code)).await;
    assert_eq!(second["data"]["userinfo"], first["data"]["userinfo"]);
    let old = first["data"]["skey"].as_str().unwrap_or_default();
    let (status, body) = call(app.http.get(app.url(USER)).header("X-WX-Skey", old)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["reason"], "ERR_SKEY_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_skey() {
    let app = spawn_app().await;
    let (_, (_, body)) = login_with_profile(&app, "quinn").await;
    let skey = body["data"]["skey"].as_str().unwrap_or_default();
    let (status, out) = call(app.http.post(app.url(LOGOUT)).header("X-WX-Skey", skey)).await;
    assert_eq!(
        (status, out),
        (200, json!({"code":0,"msg":"success","data":{}}))
    );
    let (status, body) = call(app.http.get(app.url(USER)).header("X-WX-Skey", skey)).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = call(app.http.post(app.url(LOGOUT)).header("X-WX-Skey", skey)).await;
    assert_eq!(status, 200, "logout is idempotent");
    let (status, body) = call(app.http.post(app.url(LOGOUT))).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["reason"], "ERR_SKEY_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paints_accept_the_skey() {
    let app = spawn_app().await;
    let (_, (_, body)) = login_with_profile(&app, "rita").await;
    let skey = body["data"]["skey"].as_str().unwrap_or_default();
    let save = app
        .http
        .post(app.url("/applet/session/paints/save"))
        .header("X-WX-Skey", skey)
        .json(&json!({"id":"s1","actions":"[]"}));
    assert_eq!(call(save).await.1["code"], 0);
    let (_, listed) = call(
        app.http
            .get(app.url("/applet/session/paints/list"))
            .header("X-WX-Skey", skey),
    )
    .await;
    assert_eq!(listed["data"], json!([{"id":"s1","actions":"[]"}]));
    let bogus = "f".repeat(64);
    let (status, body) = call(
        app.http
            .get(app.url("/applet/session/paints/list"))
            .header("X-WX-Skey", bogus),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["reason"], "ERR_SKEY_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_clear_envelopes_never_500() {
    let app = spawn_app().await;
    let (status, body) = call(app.http.get(app.url(LOGIN))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "ERR_HEADER_MISSED");

    let code = format!("sam-{}", random_name(12));
    let (encrypted, iv) = app
        .sim_encrypt(&code, profile("sam"), Some("wx9999999999999999"))
        .await;
    let request = app
        .http
        .get(app.url(LOGIN))
        .header("x-wx-code", &code)
        .header("x-wx-encrypted-data", encrypted)
        .header("x-wx-iv", &iv);
    let (status, body) = call(request).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["reason"], "ERR_IN_DECRYPT_DATA");
    assert_eq!(
        body["error"]["message"],
        "user data could not be verified, log in again"
    );

    let code = format!("sam-{}", random_name(12));
    let request = app
        .http
        .get(app.url(LOGIN))
        .header("x-wx-code", &code)
        .header("x-wx-encrypted-data", "AAAA")
        .header("x-wx-iv", &iv);
    assert_eq!(call(request).await.0, 401);

    let (status, body) = call(app.http.get(app.url(LOGIN)).header("x-wx-code", &code)).await;
    assert_eq!(status, 401, "the code was spent by the failed login");
    assert_eq!(body["error"]["reason"], "ERR_GET_SESSION_KEY");
    assert_eq!(body["error"]["detail"]["errcode"], 40163);
    assert!(
        app.redis_dump().await.is_empty(),
        "nothing stored by failed logins"
    );
}
