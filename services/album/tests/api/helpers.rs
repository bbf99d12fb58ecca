//! Spawning the album against the real S3 server, an independent S3 client to look behind it,
//! and the photo fixtures.

use std::{path::PathBuf, sync::Arc};

use album::{
    Application,
    settings::{AuthMode, Backend, IndexStore, Settings},
    verify::Checker,
};
use futures_util::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, aws::AmazonS3, path::Path};
use secrecy::SecretString;
pub use weapp_testkit::{S3Target, random_name};

/// A running album and what the test needs around it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub s3: Arc<AmazonS3>,
    pub target: S3Target,
    /// The test's own folder, e.g. `t-Ab12Cd34Ef/` (key prefix).
    pub prefix: String,
    /// The settings the album runs with.
    pub settings: Settings,
    /// Its checker of direct uploads (passes run with the test's clock).
    pub checker: Checker,
}

/// Settings for an album on the test S3 server with a fresh folder.
pub fn s3_settings(target: &S3Target, prefix: &str) -> Settings {
    let mut settings = Settings {
        port: 0,
        workers: 1,
        ..Settings::default()
    };
    settings.storage.backend = Backend::S3;
    settings.storage.endpoint = target.endpoint.clone();
    settings.storage.path_style = true;
    settings.cos.bucket = target.bucket.clone();
    settings.cos.region = target.region.clone();
    settings.cos.secret_id = target.access_key.clone();
    settings.cos.secret_key = SecretString::from(target.secret_key.clone());
    settings.cos.folder = format!("/{prefix}");
    settings
}

/// Settings of an album whose index and sessions live in the test Redis under prefixes of
/// its own (removed when the [`TestApp`] drops), in `mode`.
pub fn with_redis(settings: &mut Settings, mode: AuthMode) {
    let run = random_name(8);
    settings.auth.mode = mode;
    settings.index.store = IndexStore::Redis;
    settings.index.prefix = format!("weapp-album-test-{run}:");
    settings.redis.url = SecretString::from(redis_url());
    settings.redis.prefix = format!("weapp-session-test-{run}:");
    settings.skey.prefix = format!("weapp-skey-test-{run}:");
    // No WeChat here: skey sessions are written straight into Redis by [`TestApp::login`].
    settings.wx.base_url = "http://127.0.0.1:9".into();
}

/// The test Redis (`WEAPP_TEST_REDIS_URL`).
pub fn redis_url() -> String {
    weapp_testkit::env_or("WEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

/// Start the album on the S3 server in a fresh folder; `adjust` changes settings first.
pub async fn spawn_app(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_in(format!("t-{}/", random_name(10)), adjust).await
}

/// Start the album on the S3 server in the folder `prefix` (`t-…/`, removed at the end),
/// once its index is built.
pub async fn spawn_app_in(prefix: String, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let app = spawn_unready_in(prefix, adjust).await;
    app.checker.built().await;
    app
}

/// Start the album without waiting for its index (a store that does not answer).
pub async fn spawn_unready(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_unready_in(format!("t-{}/", random_name(10)), adjust).await
}

async fn spawn_unready_in(prefix: String, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    weapp_common::logging::init();
    let target = S3Target::from_env();
    assert!(
        !target.access_key.is_empty(),
        "no S3 credentials: run scripts/up (or scripts/test), or set WEAPP_TEST_S3_*"
    );
    let mut settings = s3_settings(&target, &prefix);
    // Time is the test's: no background pass runs during a test.
    settings.upload.verify_interval_secs = 3600;
    adjust(&mut settings);
    let settings = settings.validate().unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(&settings).unwrap_or_else(|e| panic!("{e:#}"));
    let base = format!("http://127.0.0.1:{}", app.port());
    let checker = app.checker();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        http: reqwest::Client::new(),
        s3: target.client(),
        target,
        prefix,
        settings,
        checker,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An skey session of `openid`, written into the album's session store.
    pub async fn login(&self, openid: &str) -> String {
        use weapp_auth::{OpenId, RedisStore, SessionStore, Skey, WxUserInfo};
        let store = RedisStore::new(&self.settings.redis, &self.settings.skey)
            .unwrap_or_else(|e| panic!("{e}"));
        let skey = Skey::generate().unwrap_or_else(|e| panic!("{e}"));
        let user = WxUserInfo::new(
            OpenId::parse(openid).unwrap_or_else(|e| panic!("{e}")),
            serde_json::Map::new(),
        );
        store
            .save_skey_session(&skey, &user)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        skey.expose().to_owned()
    }

    /// `GET path` with `X-WX-Skey: skey`.
    pub async fn get_as(&self, skey: &str, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(self.url(path))
            .header("x-wx-skey", skey)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Keys really stored under this test's folder.
    pub async fn stored_keys(&self) -> Vec<String> {
        let prefix = Path::from(self.prefix.trim_end_matches('/'));
        self.s3
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("listing the bucket failed: {e}"))
    }

    /// Put an object directly (behind the album's back).
    pub async fn put_raw(&self, key: &str, bytes: &'static [u8]) {
        self.s3
            .put(&Path::from(key), bytes.into())
            .await
            .unwrap_or_else(|e| panic!("direct put failed: {e}"));
    }

    /// `POST /applet/album/upload` with `bytes` as multipart field `field`.
    pub async fn upload_as(
        &self,
        field: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> serde_json::Value {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part(field.to_owned(), part);
        let response = self
            .http
            .post(self.url("/applet/album/upload"))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload request failed: {e}"));
        assert_eq!(response.status(), 200);
        response.json().await.unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn upload(&self, file_name: &str) -> serde_json::Value {
        self.upload_as("image", file_name, photo(file_name)).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}"));
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or_else(|e| panic!("{e}")),
        )
    }

    pub async fn list(&self) -> Vec<String> {
        let (status, body) = self.get_json("/applet/album/list").await;
        assert_eq!(status, 200);
        assert_eq!(body["code"], 0, "{body}");
        serde_json::from_value(body["data"].clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    pub async fn delete_json(&self, body: serde_json::Value) -> serde_json::Value {
        self.http
            .post(self.url("/applet/album/delete"))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestApp {
    /// Remove the test's folder from the bucket and its Redis keys, even when the test failed.
    fn drop(&mut self) {
        if self.settings.index.store == IndexStore::Redis {
            purge_redis(&[
                self.settings.index.prefix.clone(),
                self.settings.redis.prefix.clone(),
                self.settings.skey.prefix.clone(),
            ]);
        }
        let s3 = Arc::clone(&self.s3);
        let prefix = Path::from(self.prefix.trim_end_matches('/'));
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let keys: Vec<_> = s3
                    .list(Some(&prefix))
                    .map_ok(|meta| meta.location)
                    .try_collect()
                    .await?;
                for key in keys {
                    s3.delete(&key).await?;
                }
                Ok::<_, object_store::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!("cleanup of {} failed: {error}", self.prefix);
        }
    }
}

/// Delete every Redis key under `prefixes` (a test's own).
pub fn purge_redis(prefixes: &[String]) {
    let prefixes = prefixes.to_vec();
    let cleanup = std::thread::spawn(move || -> redis::RedisResult<()> {
        let mut connection = redis::Client::open(redis_url())?.get_connection()?;
        for prefix in prefixes {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}*"))
                .query(&mut connection)?;
            if !keys.is_empty() {
                redis::cmd("DEL").arg(keys).query::<()>(&mut connection)?;
            }
        }
        Ok(())
    });
    if let Ok(Err(error)) = cleanup.join() {
        eprintln!("cleaning up Redis failed: {error}");
    }
}

/// A fixture photo's bytes (`tests/fixtures/photos`).
pub fn photo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The `filepath` the original client sends to delete an image: the URL path
/// (`'/' + url.split('/').slice(3).join('/')`, `spec/originals.md` §1.2).
pub fn client_filepath(url: &str) -> String {
    format!("/{}", url.split('/').skip(3).collect::<Vec<_>>().join("/"))
}

/// `data.imgUrl` of an upload reply.
pub fn img_url(reply: &serde_json::Value) -> String {
    reply["data"]["imgUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no imgUrl in {reply}"))
        .to_owned()
}
