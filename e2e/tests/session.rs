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

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use weapp_testkit::{env_or, read};

const MAGIC: &str = "F2C224D4-2BCE-4C64-AF9F-A6D872000D1A";

fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

fn sim() -> String {
    env_or("WEAPP_WX_SIM_URL", "http://127.0.0.1:9797")
}

/// A code no earlier run used: `{user}-{nanos}`; the simulator derives the openid from `user`.
fn fresh_code(user: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{user}-{nanos}")
}

/// A user name no earlier run used (so the openid is new).
fn fresh_user(name: &str) -> String {
    fresh_code(&format!("e2e{name}")).replace('-', "")
}

/// `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn send(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    read(response).await
}

/// WeChat's side, from the simulator: the session_key a code will get.
async fn session_key_of(http: &reqwest::Client, code: &str) -> String {
    let (status, _, body) = send(
        http.get(format!("{}/sim/session", sim()))
            .query(&[("code", code)]),
    )
    .await;
    assert_eq!(status, 200, "is wx-sim running at {}? {body}", sim());
    body["session_key"].as_str().unwrap_or_default().to_owned()
}

/// The original mini-program client (`weapp-session-client:lib/session-request.js`).
struct OriginalClient {
    http: reqwest::Client,
    user: String,
    current_code: Option<String>,
    logins: usize,
}

impl OriginalClient {
    fn new(user: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            user: user.to_owned(),
            current_code: None,
            logins: 0,
        }
    }

    /// One `request()`: log in when there is no code, retry after a session failure the client
    /// recovers from (at most 3 retries), give up on any other magic-key body.
    async fn request(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        for _ in 0..4 {
            let url = format!("{}{path}", base());
            let mut request = match method {
                "POST" => self.http.post(url).json(&body.clone().unwrap_or(json!({}))),
                _ => self.http.get(url),
            };
            request = match self.current_code.clone() {
                Some(code) => request.header("X-WX-Code", code),
                None => {
                    // wx.login() + wx.getUserInfo()
                    let code = fresh_code(&self.user);
                    let session_key = session_key_of(&self.http, &code).await;
                    let raw_data = json!({"nickName": self.user, "gender": 1, "language": "zh_CN", "city": "广州", "province": "广东", "country": "中国", "avatarUrl": "https://wx.qlogo.cn/x/132"}).to_string();
                    let signature =
                        hex::encode(Sha1::digest(format!("{raw_data}{session_key}").as_bytes()));
                    self.current_code = Some(code.clone());
                    self.logins += 1;
                    request
                        .header("X-WX-Code", code)
                        .header("X-WX-RawData", encode_uri_component(&raw_data))
                        .header("X-WX-Signature", signature)
                }
            };
            let (status, content_type, reply) = send(request).await;
            assert_eq!(
                content_type, "application/json; charset=utf-8",
                "{status} {reply}"
            );
            match reply.get("reason").filter(|_| reply.get(MAGIC).is_some()) {
                Some(reason)
                    if reason == "ERR_SESSION_EXPIRED"
                        || reason == "ERR_SESSION_KEY_EXCHANGE_FAILED" =>
                {
                    self.current_code = None;
                }
                _ => {
                    assert!(reply.get(MAGIC).is_none(), "session failure: {reply}");
                    return reply;
                }
            }
        }
        panic!("请求失败次数过多");
    }
}

/// `DEL keys…` on the stack's Redis (RESP over TCP); the number of keys removed.
fn redis_del(keys: &[String]) -> i64 {
    let url = env_or("WEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    let address = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut redis =
        TcpStream::connect(&address).unwrap_or_else(|e| panic!("Redis at {address}: {e}"));
    let mut command = format!("*{}\r\n$3\r\nDEL\r\n", keys.len() + 1);
    for key in keys {
        command.push_str(&format!("${}\r\n{key}\r\n", key.len()));
    }
    redis
        .write_all(command.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut reply = [0_u8; 32];
    let read = redis.read(&mut reply).unwrap_or_default();
    String::from_utf8_lossy(&reply[..read])
        .trim()
        .trim_start_matches(':')
        .parse()
        .unwrap_or(-1)
}

fn session_key(suffix: &str) -> String {
    format!(
        "{}{suffix}",
        env_or("WEAPP_E2E_SESSION_PREFIX", "weapp-session:")
    )
}

fn skey_key(suffix: &str) -> String {
    format!("{}{suffix}", env_or("WEAPP_E2E_SKEY_PREFIX", "weapp-skey:"))
}

/// What Redis does when the TTL runs out: the session key is gone.
fn expire(code: &str) {
    assert_eq!(
        redis_del(&[session_key(code)]),
        1,
        "the session key should have existed"
    );
}

/// Removes the login keys a test leaves in the stack's Redis, even when it fails.
struct Forget(Vec<String>);

impl Drop for Forget {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            redis_del(&self.0);
        }
    }
}

/// The openid the simulator gives `user` (any code of theirs).
async fn openid_of(user: &str) -> String {
    let code = format!("{user}-openid-probe");
    let (_, _, body) = send(
        reqwest::Client::new()
            .get(format!("{}/sim/session", sim()))
            .query(&[("code", &code)]),
    )
    .await;
    body["openid"].as_str().unwrap_or_default().to_owned()
}

impl OriginalClient {
    /// The keys of this user's session: `{prefix}{code}` and `{prefix}{openId}`.
    async fn forget(&self) -> Forget {
        let mut keys = vec![session_key(&openid_of(&self.user).await)];
        keys.extend(self.current_code.as_deref().map(session_key));
        Forget(keys)
    }
}

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
