//! Spawning the simulator on port 0, building clients, and capturing every log record of the
//! test binary (to prove secrets never reach the log).

use std::{
    net::TcpListener,
    sync::{Mutex, OnceLock, PoisonError},
    time::Duration,
};

use actix_web::dev::ServerHandle;
use serde_json::Value;
use weapp_testkit::read;
use wx_api::{
    Secret, WxClient, WxConfig,
    sim::{self, SimConfig},
};

/// The simulator's app id and secret in these tests.
pub const APP_ID: &str = "wxtest0000000001";
pub const APP_SECRET: &str = "test-app-secret-TOPSECRET-0001";

/// A simulator running in this process.
pub struct TestSim {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    handle: ServerHandle,
}

impl TestSim {
    /// A raw HTTP GET of `path_and_query`: status, content type and JSON body.
    pub async fn get(&self, path_and_query: &str) -> (u16, String, Value) {
        let response = http()
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path_and_query}: {error}"));
        read(response).await
    }

    /// A raw HTTP POST of a JSON (or any) body.
    pub async fn post(&self, path: &str, body: String) -> (u16, String, Value) {
        let response = http()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        read(response).await
    }

    /// `GET /sns/jscode2session` with the right credentials.
    pub async fn jscode2session(&self, code: &str) -> (u16, String, Value) {
        self.get(&format!(
            "/sns/jscode2session?appid={APP_ID}&secret={APP_SECRET}&js_code={code}&grant_type=authorization_code"
        ))
        .await
    }

    /// A client of this simulator with the right credentials.
    pub fn client(&self) -> WxClient {
        client(&self.base, APP_ID, APP_SECRET, Duration::from_secs(5))
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        // Ask the server to stop; the runtime ending with the test finishes it.
        drop(self.handle.stop(false));
    }
}

/// A plain HTTP client, independent of `WxClient`.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// Start the simulator on 127.0.0.1:0 with [`APP_ID`] / [`APP_SECRET`].
pub fn spawn_sim() -> TestSim {
    spawn_sim_with(|_| {})
}

/// [`spawn_sim`] with `adjust` applied to its settings.
pub fn spawn_sim_with(adjust: impl FnOnce(&mut SimConfig)) -> TestSim {
    capture_logs();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    let mut config = SimConfig {
        app_id: APP_ID.to_owned(),
        app_secret: Secret::from(APP_SECRET),
        seed: "tests".to_owned(),
        ..SimConfig::default()
    };
    adjust(&mut config);
    let server = sim::serve(listener, config).expect("serve the simulator");
    let handle = server.handle();
    tokio::spawn(server);
    TestSim {
        base: format!("http://127.0.0.1:{port}"),
        handle,
    }
}

/// A `WxClient` of `base`.
pub fn client(base: &str, app_id: &str, secret: &str, timeout: Duration) -> WxClient {
    capture_logs();
    WxClient::new(WxConfig {
        base_url: base.to_owned(),
        app_id: app_id.to_owned(),
        app_secret: Secret::from(secret),
        timeout,
    })
    .expect("build the client")
}

/// Every log record of this test binary, as `LEVEL target: message`.
static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn flush(&self) {}
}

/// Install the capturing logger (once per binary), at trace level for every crate.
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if log::set_boxed_logger(Box::new(Capture)).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
}

/// A copy of the records so far.
pub fn captured_logs() -> Vec<String> {
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}
