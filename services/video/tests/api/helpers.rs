//! A fresh MariaDB/MySQL database per test (created, migrated, dropped at the end), the service
//! spawned on port 0 against it, and an HTTP client plus direct SQL to look behind it.

use mysql_async::{Conn, Opts, OptsBuilder, prelude::Queryable};
use secrecy::SecretString;
use serde_json::Value;
use video::{
    Application,
    db::migrate,
    settings::{MysqlSettings, Settings},
};
use weapp_testkit::{Relay, env_or, random_name, read};

/// Where the test server is: `WEAPP_TEST_MYSQL_URL`, a user allowed to create and drop
/// databases named `video_test_%` (`scripts/up` / `scripts/test` create it).
const DEFAULT_URL: &str = "mysql://weapp:weapp@127.0.0.1:3306";

fn server_opts() -> Opts {
    let url = env_or("WEAPP_TEST_MYSQL_URL", DEFAULT_URL);
    Opts::from_url(&url).unwrap_or_else(|e| panic!("WEAPP_TEST_MYSQL_URL {url:?}: {e}"))
}

async fn admin_conn() -> Conn {
    let opts = OptsBuilder::from_opts(server_opts())
        .db_name(None::<String>)
        .prefer_socket(false);
    Conn::new(opts).await.unwrap_or_else(|e| {
        panic!("cannot reach the test MySQL (start it with scripts/up, or set WEAPP_TEST_MYSQL_URL): {e}")
    })
}

/// A database of its own, dropped when this value is dropped (also when the test failed).
pub struct TestDb {
    /// Settings that reach it directly.
    pub mysql: MysqlSettings,
}

impl TestDb {
    /// Create `video_test_<random>` (empty, no schema).
    pub async fn create_empty() -> Self {
        let opts = server_opts();
        let name = format!("video_test_{}", random_name(12).to_ascii_lowercase());
        let mut conn = admin_conn().await;
        conn.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        let _ = conn.disconnect().await;
        Self {
            mysql: MysqlSettings {
                host: opts.ip_or_hostname().to_owned(),
                port: opts.tcp_port(),
                user: opts.user().unwrap_or_default().to_owned(),
                password: SecretString::from(opts.pass().unwrap_or_default().to_owned()),
                database: name,
                pool_min: 1,
                pool_max: 4,
                timeout_secs: 5,
                ..MysqlSettings::default()
            },
        }
    }

    /// Create and migrate.
    pub async fn create() -> Self {
        let db = Self::create_empty().await;
        migrate::migrate(&db.mysql)
            .await
            .unwrap_or_else(|e| panic!("migrating {}: {e:#}", db.mysql.database));
        db
    }

    /// Create, migrate and load the seed catalogue (24 videos).
    pub async fn create_seeded() -> Self {
        let db = Self::create_empty().await;
        migrate::seed(&db.mysql)
            .await
            .unwrap_or_else(|e| panic!("seeding {}: {e:#}", db.mysql.database));
        db
    }

    /// A direct connection to this database (not the service's pool).
    pub async fn conn(&self) -> Conn {
        let opts = OptsBuilder::from_opts(server_opts())
            .db_name(Some(self.mysql.database.clone()))
            .prefer_socket(false)
            .init(vec!["SET NAMES utf8mb4", "SET time_zone = '+00:00'"]);
        Conn::new(opts)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.mysql.database))
    }

    /// Run statements directly.
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.conn().await;
        conn.query_drop(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.disconnect().await;
    }

    /// One value of a direct query.
    pub async fn scalar<T: mysql_async::prelude::FromValue + Send + 'static>(
        &self,
        sql: &str,
    ) -> T {
        let mut conn = self.conn().await;
        let value: Option<T> = conn
            .query_first(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.disconnect().await;
        value.unwrap_or_else(|| panic!("{sql}: no row"))
    }

    /// Insert `count` videos with ids 1..=count directly.
    pub async fn insert_videos(&self, count: u32) {
        let rows: Vec<String> = (1..=count)
            .map(|i| {
                format!(
                    "({i}, 'https://v.test/{i}.mp4', 'Video {i}', 'https://v.test/{i}.jpg', \
                     'about {i}', '2017-01-01 00:00:{:02}.250')",
                    i % 60
                )
            })
            .collect();
        self.execute(&format!(
            "INSERT INTO video (id, video_url, video_title, video_image, video_desc, created_at) \
             VALUES {}",
            rows.join(",")
        ))
        .await;
    }
}

impl Drop for TestDb {
    /// Drop the database on a thread of its own (the test's runtime may be shutting down).
    fn drop(&mut self) {
        let name = self.mysql.database.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let opts = OptsBuilder::from_opts(server_opts())
                    .db_name(None::<String>)
                    .prefer_socket(false);
                let mut conn = Conn::new(opts).await?;
                conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                    .await?;
                conn.disconnect().await?;
                Ok::<_, mysql_async::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!(
                "dropping test database {} failed: {error}",
                self.mysql.database
            );
        }
    }
}

/// A running service and its database.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db: TestDb,
}

/// Test settings: port 0, one worker, no rate limit (the rate-limit tests turn it on).
pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings {
        port: 0,
        workers: 1,
        migrate_on_start: false,
        mysql: db.mysql.clone(),
        ..Settings::default()
    };
    settings.rate_limit.enabled = false;
    settings
}

/// Start the service on a migrated, empty database; `adjust` changes settings first.
pub async fn spawn_app(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(TestDb::create().await, adjust).await
}

/// Start the service on a migrated database holding the seed catalogue (24 videos).
pub async fn spawn_seeded(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(TestDb::create_seeded().await, adjust).await
}

/// Start the service on a seeded database, reaching MySQL through a [`Relay`] the test can
/// cut, take down or freeze.
pub async fn spawn_relayed(adjust: impl FnOnce(&mut Settings)) -> (TestApp, Relay) {
    let db = TestDb::create_seeded().await;
    let relay = Relay::start(&format!("{}:{}", db.mysql.host, db.mysql.port)).await;
    let app = spawn_on(db, |settings| {
        settings.mysql.host = "127.0.0.1".into();
        settings.mysql.port = relay.port();
        adjust(settings);
    })
    .await;
    (app, relay)
}

/// Start the service on `db`.
pub async fn spawn_on(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    weapp_common::logging::init();
    let mut settings = test_settings(&db);
    adjust(&mut settings);
    let settings = settings.validate().unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(&settings)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        http: reqwest::Client::new(),
        db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Status and body (JSON, or the raw text as a JSON string).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        let (status, _, body) = read(response).await;
        (status, body)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.url(path))).await
    }

    /// `GET /applet/video/list?pageNo=…`, asserting HTTP 200.
    pub async fn list(&self, page_no: &str) -> Value {
        let (status, body) = self
            .get_json(&format!("/applet/video/list?pageNo={page_no}"))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// [`TestApp::list`] for a numeric page, owning its argument (to run several at once).
    pub async fn list_owned(&self, page_no: u32) -> Value {
        self.list(&page_no.to_string()).await
    }

    /// The comments of `vid`, asserting success.
    pub async fn comments(&self, vid: u32) -> Vec<Value> {
        let (status, body) = self
            .get_json(&format!("/applet/video/commentList?vid={vid}"))
            .await;
        assert_eq!((status, &body["code"]), (200, &Value::from(0)), "{body}");
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// `POST /applet/video/comment` with a JSON body; the exact reply text.
    pub async fn post_comment(&self, body: &Value) -> (u16, String) {
        self.post_raw(self.http.post(self.url("/applet/video/comment")).json(body))
            .await
    }

    /// How many stored comments have exactly `content` (no quotes in it).
    pub async fn rows_with_content(&self, content: &str) -> u64 {
        self.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM comment WHERE content = '{content}'"
            ))
            .await
    }

    /// Send a prepared comment request; status and exact reply text.
    pub async fn post_raw(&self, request: reqwest::RequestBuilder) -> (u16, String) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }
}

/// The comment route's two exact replies.
pub const COMMENT_OK: &str = r#"{"code":0,"msg":"ok"}"#;
pub const COMMENT_FAILED: &str = r#"{"code":-1,"msg":"failed"}"#;

/// The list and commentList failure reply.
pub fn failed() -> Value {
    serde_json::json!({"code": -1, "msg": "failed", "data": {}})
}
