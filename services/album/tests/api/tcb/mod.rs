//! The album on WeChat Cloud Run storage (`storage.backend = "tcb"`) against real peers: an
//! in-process wx-sim served over HTTP on port 0 (WeChat and the storage behind it) and the test
//! Redis under key prefixes of the test's own. Each test spawns its own simulator, so the
//! simulator's token counts are the test's.

mod cycle;
mod direct;
mod recorder;
mod tokens;

use std::{net::TcpListener, time::Duration};

use actix_web::dev::ServerHandle;
use album::{
    Application,
    settings::{Backend, IndexStore, Settings},
    verify::Checker,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use weapp_testkit::{random_name, read};
use wx_api::{
    Secret, TokenMode,
    sim::{self, DEFAULT_APP_ID, DEFAULT_APP_SECRET, DEFAULT_ENV, SimConfig},
};

use crate::helpers::{photo, purge_redis, redis_url};

/// A simulator running in this process.
pub struct Sim {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    handle: ServerHandle,
}

impl Drop for Sim {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Start wx-sim on 127.0.0.1:0 with `adjust` applied to its settings.
pub fn spawn_sim(adjust: impl FnOnce(&mut SimConfig)) -> Sim {
    weapp_common::logging::init();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    let mut config = SimConfig {
        seed: "album-tcb-tests".to_owned(),
        ..SimConfig::default()
    };
    adjust(&mut config);
    let server = sim::serve(listener, config).expect("serve the simulator");
    let handle = server.handle();
    tokio::spawn(server);
    Sim {
        base: format!("http://127.0.0.1:{port}"),
        handle,
    }
}

impl Sim {
    async fn helper(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, _, body) = read(request.send().await.expect("a sim helper")).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// How many `/cgi-bin/token` exchanges the simulator answered.
    pub async fn token_calls(&self) -> u64 {
        let counts = self.helper(reqwest::Method::GET, "/sim/tokens", None).await;
        counts["token_calls"].as_u64().expect("token_calls")
    }

    /// The current tokens now answer `42001 access_token expired`.
    pub async fn expire_tokens(&self) {
        self.helper(reqwest::Method::POST, "/sim/tokens/expire", None)
            .await;
    }

    /// Move the simulator's clock (tickets, URLs, tokens) forward.
    pub async fn advance(&self, secs: u64) {
        let body = json!({ "secs": secs });
        self.helper(reqwest::Method::POST, "/sim/clock/advance", Some(body))
            .await;
    }

    /// `{"exists","size","downloadable",…}` of the stored file at `path`.
    pub async fn object(&self, path: &str) -> Value {
        let path = format!("/sim/object?path={}", urlencode(path));
        self.helper(reqwest::Method::GET, &path, None).await
    }
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The Redis prefixes of one test run (index, token, sessions), removed when it drops.
pub struct Run {
    pub folder: String,
    pub index_prefix: String,
    pub token_prefix: String,
    pub session_prefix: String,
    pub skey_prefix: String,
}

impl Run {
    pub fn new() -> Self {
        let run = random_name(10);
        Self {
            folder: format!("t-{run}/"),
            index_prefix: format!("weapp-album-tcb-test-{run}:"),
            token_prefix: format!("wx-api-album-test-{run}:"),
            session_prefix: format!("weapp-session-tcb-test-{run}:"),
            skey_prefix: format!("weapp-skey-tcb-test-{run}:"),
        }
    }

    /// Album settings on the simulator at `wx_base` (WeChat API and storage), the index and
    /// the token in the test Redis, `mode` for the token.
    pub fn settings(&self, wx_base: &str, mode: TokenMode) -> Settings {
        let mut settings = Settings {
            port: 0,
            workers: 1,
            ..Settings::default()
        };
        settings.storage.backend = Backend::Tcb;
        settings.storage.tcb.env = DEFAULT_ENV.to_owned();
        settings.storage.tcb.token.mode = mode;
        settings.storage.tcb.token.redis_prefix = self.token_prefix.clone();
        settings.storage.tcb.token.cloudbase_access_token =
            Secret::from(sim::DEFAULT_CLOUDBASE_ACCESS_TOKEN);
        settings.wx.base_url = wx_base.to_owned();
        settings.wx.app_id = DEFAULT_APP_ID.to_owned();
        settings.wx.app_secret = SecretString::from(DEFAULT_APP_SECRET);
        settings.index.store = IndexStore::Redis;
        settings.index.prefix = self.index_prefix.clone();
        settings.redis.url = SecretString::from(redis_url());
        settings.redis.prefix = self.session_prefix.clone();
        settings.skey.prefix = self.skey_prefix.clone();
        settings.cos.folder = format!("/{}", self.folder);
        // Time is the test's: no background pass runs during a test.
        settings.upload.verify_interval_secs = 3600;
        settings
    }

    /// The token the album's keeper shares through Redis, if any.
    pub fn shared_token(&self) -> Option<String> {
        let mut connection = redis::Client::open(redis_url())
            .and_then(|client| client.get_connection())
            .expect("the test Redis");
        let stored: Option<String> = redis::cmd("GET")
            .arg(format!(
                "{}{DEFAULT_APP_ID}:access_token",
                self.token_prefix
            ))
            .query(&mut connection)
            .expect("GET the token");
        let stored: Value = serde_json::from_str(&stored?).expect("stored JSON");
        stored["access_token"].as_str().map(str::to_owned)
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        purge_redis(&[
            self.index_prefix.clone(),
            self.token_prefix.clone(),
            self.session_prefix.clone(),
            self.skey_prefix.clone(),
        ]);
    }
}

/// A running album.
pub struct Album {
    pub base: String,
    pub checker: Checker,
    http: reqwest::Client,
}

/// Build the album in process (port 0) and start it; `ready` waits for its index.
pub async fn spawn_album(settings: &Settings, ready: bool) -> Album {
    let settings = settings
        .clone()
        .validate()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(&settings).unwrap_or_else(|e| panic!("{e:#}"));
    let album = Album {
        base: format!("http://127.0.0.1:{}/applet/album", app.port()),
        checker: app.checker(),
        http: reqwest::Client::new(),
    };
    tokio::spawn(app.run_until_stopped());
    if ready {
        tokio::time::timeout(Duration::from_secs(20), album.checker.built())
            .await
            .expect("the album index is built");
    }
    album
}

impl Album {
    /// `GET {route}`: status and JSON body.
    pub async fn get(&self, route: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{route}", self.base)).send().await;
        let (status, _, body) = read(response.expect("GET the album")).await;
        (status, body)
    }

    /// The status of the album's `/readyz`.
    pub async fn readyz(&self) -> u16 {
        let root = self.base.trim_end_matches("/applet/album");
        let response = self.http.get(format!("{root}/readyz")).send().await;
        response.expect("GET /readyz").status().as_u16()
    }

    /// `POST {route}` with a JSON body.
    pub async fn post(&self, route: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{route}", self.base))
            .json(&body)
            .send()
            .await;
        let (status, _, body) = read(response.expect("POST the album")).await;
        (status, body)
    }

    /// `POST /upload` of a fixture photo as the original client sends it.
    pub async fn upload(&self, name: &str) -> Value {
        let part = reqwest::multipart::Part::bytes(photo(name)).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("image", part);
        let response = self
            .http
            .post(format!("{}/upload", self.base))
            .multipart(form)
            .send()
            .await;
        let (status, _, body) = read(response.expect("POST /upload")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The URLs of `/list`.
    pub async fn list(&self) -> Vec<String> {
        let (status, body) = self.get("/list").await;
        assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
        serde_json::from_value(body["data"].clone()).expect("a list of URLs")
    }
}

/// `GET url` (a temporary download URL): status and bytes.
pub async fn fetch(url: &str) -> (u16, Vec<u8>) {
    let response = reqwest::get(url).await.expect("GET a download URL");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("the body").to_vec())
}

/// The object key in a temporary download URL (`…/tcb-dl/{bucket}/{key}?sign…`).
pub fn key_of(url: &str, folder: &str) -> String {
    let path = url.split('?').next().unwrap_or_default();
    let at = path
        .find(folder)
        .unwrap_or_else(|| panic!("{url} names no key"));
    percent_encoding::percent_decode_str(&path[at..])
        .decode_utf8()
        .expect("UTF-8")
        .into_owned()
}
