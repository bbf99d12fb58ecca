//! The stack's addresses, the original mini-program client (`weapp-session-client`) and the
//! Redis clean-up the session tests share.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use weapp_testkit::{env_or, read};

pub(crate) const MAGIC: &str = "F2C224D4-2BCE-4C64-AF9F-A6D872000D1A";

pub(crate) fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

pub(crate) fn sim() -> String {
    env_or("WEAPP_WX_SIM_URL", "http://127.0.0.1:9797")
}

/// A code no earlier run used: `{user}-{nanos}`; the simulator derives the openid from `user`.
pub(crate) fn fresh_code(user: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{user}-{nanos}")
}

/// A user name no earlier run used (so the openid is new).
pub(crate) fn fresh_user(name: &str) -> String {
    fresh_code(&format!("e2e{name}")).replace('-', "")
}

/// `encodeURIComponent`.
pub(crate) fn encode_uri_component(text: &str) -> String {
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

pub(crate) async fn send(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    read(response).await
}

/// WeChat's side, from the simulator: the session_key a code will get.
pub(crate) async fn session_key_of(http: &reqwest::Client, code: &str) -> String {
    let (status, _, body) = send(
        http.get(format!("{}/sim/session", sim()))
            .query(&[("code", code)]),
    )
    .await;
    assert_eq!(status, 200, "is wx-sim running at {}? {body}", sim());
    body["session_key"].as_str().unwrap_or_default().to_owned()
}

/// The original mini-program client (`weapp-session-client:lib/session-request.js`).
pub(crate) struct OriginalClient {
    http: reqwest::Client,
    pub(crate) user: String,
    pub(crate) current_code: Option<String>,
    pub(crate) logins: usize,
}

impl OriginalClient {
    pub(crate) fn new(user: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            user: user.to_owned(),
            current_code: None,
            logins: 0,
        }
    }

    /// One `request()`: log in when there is no code, retry after a session failure the client
    /// recovers from (at most 3 retries), give up on any other magic-key body.
    pub(crate) async fn request(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
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
pub(crate) fn redis_del(keys: &[String]) -> i64 {
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

pub(crate) fn session_key(suffix: &str) -> String {
    format!(
        "{}{suffix}",
        env_or("WEAPP_E2E_SESSION_PREFIX", "weapp-session:")
    )
}

pub(crate) fn skey_key(suffix: &str) -> String {
    format!("{}{suffix}", env_or("WEAPP_E2E_SKEY_PREFIX", "weapp-skey:"))
}

/// What Redis does when the TTL runs out: the session key is gone.
pub(crate) fn expire(code: &str) {
    assert_eq!(
        redis_del(&[session_key(code)]),
        1,
        "the session key should have existed"
    );
}

/// Removes the login keys a test leaves in the stack's Redis, even when it fails.
pub(crate) struct Forget(pub(crate) Vec<String>);

impl Drop for Forget {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            redis_del(&self.0);
        }
    }
}

/// The openid the simulator gives `user` (any code of theirs).
pub(crate) async fn openid_of(user: &str) -> String {
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
    pub(crate) async fn forget(&self) -> Forget {
        let mut keys = vec![session_key(&openid_of(&self.user).await)];
        keys.extend(self.current_code.as_deref().map(session_key));
        Forget(keys)
    }
}
