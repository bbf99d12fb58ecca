//! Spawning the session service against the real Redis and MongoDB with an in-process WeChat
//! simulator, clients that look behind its back, and the mini-program's side of a login.
//!
//! Each test gets a fresh key prefix (`t-{random}:`) and database (`t-session-{random}`),
//! removed when its [`TestApp`] drops — even when the test failed.

use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands, aio::MultiplexedConnection};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::RequestBuilder;
use secrecy::SecretString;
use serde_json::{Value, json};
use session::{Application, settings::Settings};
use sha1::{Digest, Sha1};
pub use weapp_testkit::random_name;
use weapp_testkit::{Relay, env_or};
use wx_api::sim::{self, SimConfig, Simulator};

pub fn redis_url() -> String {
    env_or("WEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

pub fn mongo_url() -> String {
    env_or("WEAPP_TEST_MONGO_URL", "mongodb://127.0.0.1:27017")
}

/// A running session service and what a test needs around it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    /// The simulator's base URL.
    pub sim: String,
    /// This test's key prefix, `t-{random}:`; the service's prefixes start with it.
    pub key_prefix: String,
    pub settings: Settings,
    pub redis: MultiplexedConnection,
    pub mongo: mongodb::Client,
    /// Relays between the service and Redis / MongoDB, when the test breaks the links.
    pub redis_proxy: Option<Relay>,
    pub mongo_proxy: Option<Relay>,
}

/// A relay to the host and port of `backend_url` (`redis://…`, `mongodb://…`).
async fn relay_to(backend_url: &str) -> Relay {
    let url = url::Url::parse(backend_url).unwrap_or_else(|e| panic!("{backend_url}: {e}"));
    let host = url.host_str().unwrap_or("127.0.0.1");
    Relay::start(&format!("{host}:{}", url.port().unwrap_or(0))).await
}

/// `backend_url` with its host and port replaced by the relay's.
fn through(relay: &Relay, backend_url: &str) -> String {
    let mut url = url::Url::parse(backend_url).unwrap_or_else(|e| panic!("{e}"));
    let _ = url.set_host(Some("127.0.0.1"));
    let _ = url.set_port(Some(relay.port()));
    url.to_string()
}

/// How to spawn: adjust settings, route the backends through relays a test can break.
#[derive(Default)]
pub struct Spawn {
    pub proxies: bool,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Spawn::default(), |_| {}).await
}

pub async fn spawn_with(how: Spawn, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    weapp_common::logging::init();
    let simulator = Simulator::build(SimConfig {
        port: 0,
        ..SimConfig::default()
    })
    .unwrap_or_else(|e| panic!("simulator: {e:#}"));
    let sim = format!("http://127.0.0.1:{}", simulator.port());
    tokio::spawn(simulator.run_until_stopped());

    let key_prefix = format!("t-{}:", random_name(10));
    let (redis_proxy, mongo_proxy) = if how.proxies {
        (
            Some(relay_to(&redis_url()).await),
            Some(relay_to(&mongo_url()).await),
        )
    } else {
        (None, None)
    };
    let mut settings = Settings {
        port: 0,
        workers: 2,
        ..Settings::default()
    };
    settings.wx.base_url = sim.clone();
    settings.wx.app_id = sim::DEFAULT_APP_ID.into();
    settings.wx.app_secret = SecretString::from(sim::DEFAULT_APP_SECRET);
    settings.redis.url = SecretString::from(
        redis_proxy
            .as_ref()
            .map_or_else(redis_url, |relay| through(relay, &redis_url())),
    );
    settings.redis.prefix = format!("{key_prefix}weapp-session:");
    settings.skey.prefix = format!("{key_prefix}weapp-skey:");
    // SecantusDB (like a replica-set member) names its own address in `hello`; without
    // `directConnection` the driver would go there and around the proxy.
    settings.mongo.url = SecretString::from(mongo_proxy.as_ref().map_or_else(mongo_url, |relay| {
        let mut url =
            url::Url::parse(&through(relay, &mongo_url())).unwrap_or_else(|e| panic!("{e}"));
        url.query_pairs_mut()
            .append_pair("directConnection", "true");
        url.to_string()
    }));
    settings.mongo.database = format!("t-session-{}", random_name(10));
    if how.proxies {
        settings.mongo.timeout_ms = 1500;
        settings.redis.timeout_ms = 1000;
    }
    adjust(&mut settings);
    let settings = settings.validate().unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(&settings)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let redis = redis::Client::open(redis_url())
        .unwrap_or_else(|e| panic!("{e}"))
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("is Redis running at {}? {e}", redis_url()));
    let mongo = mongodb::Client::with_uri_str(mongo_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    TestApp {
        base,
        http: reqwest::Client::new(),
        sim,
        key_prefix,
        settings,
        redis,
        mongo,
        redis_proxy,
        mongo_proxy,
    }
}

/// What the mini-program sends on the first request after `wx.login()`.
pub struct FirstRequest {
    pub code: String,
    pub raw_data: String,
    pub signature: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /sim/session?code=`: the openid and session_key WeChat will give `code`.
    pub async fn sim_session(&self, code: &str) -> (String, String) {
        let body: Value = self
            .http
            .get(format!("{}/sim/session", self.sim))
            .query(&[("code", code)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let field = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
        (field("openid"), field("session_key"))
    }

    /// `wx.login()` + `wx.getUserInfo()` for `user`: a fresh code, rawData and its signature
    /// (lowercase hex SHA-1 of rawData + session_key, computed here independently).
    pub async fn wx_login(&self, user: &str, nick_name: &str) -> FirstRequest {
        let code = format!("{user}-{}", random_name(12));
        let (_, session_key) = self.sim_session(&code).await;
        let raw_data = json!({"nickName": nick_name, "gender": 1, "city": "深圳", "avatarUrl": "https://x/y/132"})
            .to_string();
        let signature = sign(&raw_data, &session_key);
        FirstRequest {
            code,
            raw_data,
            signature,
        }
    }

    /// `POST /sim/encrypt`: `encryptedData` + `iv` of `data` under `code`'s session_key.
    pub async fn sim_encrypt(
        &self,
        code: &str,
        data: Value,
        appid: Option<&str>,
    ) -> (String, String) {
        let mut request = json!({"code": code, "data": data});
        if let Some(appid) = appid {
            request["appid"] = json!(appid);
        }
        let body: Value = self
            .http
            .post(format!("{}/sim/encrypt", self.sim))
            .json(&request)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let field = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
        (field("encryptedData"), field("iv"))
    }

    /// The value of a Redis key relative to this test's prefix, e.g. `weapp-session:{code}`.
    pub async fn redis_get(&self, key: &str) -> Option<String> {
        let mut redis = self.redis.clone();
        redis
            .get(format!("{}{key}", self.key_prefix))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Seconds to live of a key relative to the prefix (-2 when absent).
    pub async fn redis_ttl(&self, key: &str) -> i64 {
        let mut redis = self.redis.clone();
        redis
            .ttl(format!("{}{key}", self.key_prefix))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Delete a key relative to the prefix (what expiry does).
    pub async fn redis_del(&self, key: &str) {
        let mut redis = self.redis.clone();
        let _: i64 = redis
            .del(format!("{}{key}", self.key_prefix))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Every key of this test with its value.
    pub async fn redis_dump(&self) -> Vec<(String, String)> {
        let mut redis = self.redis.clone();
        let keys: Vec<String> = redis
            .keys(format!("{}*", self.key_prefix))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut pairs = Vec::new();
        for key in keys {
            let value: Option<String> = redis.get(&key).await.unwrap_or_default();
            pairs.push((key, value.unwrap_or_default()));
        }
        pairs
    }

    /// This test's paints collection, read directly.
    pub fn paints(&self) -> mongodb::Collection<mongodb::bson::Document> {
        self.mongo
            .database(&self.settings.mongo.database)
            .collection(&self.settings.mongo.collection)
    }
}

impl Drop for TestApp {
    /// Remove the test's keys and database, even when the test failed.
    fn drop(&mut self) {
        let pattern = format!("{}*", self.key_prefix);
        let database = self.settings.mongo.database.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut redis = redis::Client::open(redis_url())?
                    .get_multiplexed_async_connection()
                    .await?;
                let keys: Vec<String> = redis.keys(&pattern).await?;
                if !keys.is_empty() {
                    let _: i64 = redis.del(keys).await?;
                }
                let mongo = mongodb::Client::with_uri_str(mongo_url()).await?;
                mongo.database(&database).drop().await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!("cleanup of {} failed: {error}", self.key_prefix);
        }
    }
}

/// Lowercase hex SHA-1 of rawData followed by the session_key text (`spec/originals.md` §3.1).
pub fn sign(raw_data: &str, session_key: &str) -> String {
    hex::encode(Sha1::digest(format!("{raw_data}{session_key}").as_bytes()))
}

/// `encodeURIComponent`: everything but `A–Z a–z 0–9 - _ . ! ~ * ' ( )` escaped.
pub fn encode_uri_component(text: &str) -> String {
    const COMPONENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    utf8_percent_encode(text, COMPONENT).to_string()
}

impl FirstRequest {
    /// The three headers of the first request.
    pub fn headers(&self, request: RequestBuilder) -> RequestBuilder {
        request
            .header("X-WX-Code", &self.code)
            .header("X-WX-RawData", encode_uri_component(&self.raw_data))
            .header("X-WX-Signature", &self.signature)
    }
}

/// Send and read the status and JSON body (a non-JSON body becomes a JSON string).
pub async fn call(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let (status, _, body) = weapp_testkit::read(response).await;
    (status, body)
}

/// Send and read the status, content type and exact body text.
pub async fn call_raw(request: RequestBuilder) -> (u16, String, String) {
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let content_type = weapp_testkit::content_type(&response);
    (
        status,
        content_type,
        response.text().await.unwrap_or_default(),
    )
}

/// Poll `/readyz` until it answers `status` (a signal, not a delay), at most `within`.
pub async fn wait_ready(app: &TestApp, status: u16, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (now, body) = call(app.http.get(app.url("/readyz"))).await;
        if now == status {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz still {now} {body} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
