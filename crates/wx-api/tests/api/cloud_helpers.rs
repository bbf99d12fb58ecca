//! Shared set-up of the token keeper and Cloud Run storage tests: keepers and storage clients
//! of a test simulator, the test Redis under a key prefix of its own, and the simulator's
//! `/sim/*` helpers.

use std::{sync::Arc, time::Duration};

use deadpool_redis::redis;
use serde_json::{Value, json};
use weapp_testkit::{env_or, random_name};
use wx_api::{
    CloudRunConfig, CloudStorage, Secret, TokenConfig, TokenKeeper, TokenMode,
    clock::{Clock, OffsetClock},
    sim::DEFAULT_ENV,
};

use crate::helpers::{APP_ID, TestSim, http};

impl TestSim {
    /// The simulator's `/cgi-bin/token` and `/cgi-bin/stable_token` counts.
    pub async fn token_calls(&self) -> (u64, u64, u64) {
        let (status, _, body) = self.get("/sim/tokens").await;
        assert_eq!(status, 200, "{body}");
        let count = |name: &str| body[name].as_u64().unwrap_or(u64::MAX);
        (
            count("token_calls"),
            count("stable_token_calls"),
            count("force_refresh_calls"),
        )
    }

    /// POST a `/sim/*` helper with a JSON body; its JSON answer.
    pub async fn helper(&self, path: &str, body: Value) -> Value {
        let (status, _, answer) = self.post(path, body.to_string()).await;
        assert_eq!(status, 200, "{path}: {answer}");
        answer
    }

    /// Move the simulator's clock forward.
    pub async fn advance(&self, by: Duration) {
        self.helper("/sim/clock/advance", json!({ "secs": by.as_secs() }))
            .await;
    }

    /// `/sim/object?path=`.
    pub async fn object(&self, path: &str) -> Value {
        let (status, _, body) = self.get(&format!("/sim/object?path={path}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A keeper of this simulator's app with `config`, on `clock`.
    pub fn keeper_on(&self, config: &TokenConfig, clock: Arc<dyn Clock>) -> TokenKeeper {
        TokenKeeper::with_clock(self.client(), config, clock).expect("a keeper")
    }

    /// A keeper of this simulator's app with `config`, on the system clock.
    pub fn keeper(&self, config: &TokenConfig) -> TokenKeeper {
        self.keeper_on(config, Arc::new(OffsetClock::new()))
    }

    /// A storage client of the simulator's default environment.
    pub fn storage(&self, config: &TokenConfig) -> CloudStorage {
        storage(self.keeper(config))
    }
}

/// A storage client of the simulator's default environment through `keeper`.
pub fn storage(keeper: TokenKeeper) -> CloudStorage {
    let config = CloudRunConfig {
        env: DEFAULT_ENV.to_owned(),
        ..CloudRunConfig::default()
    };
    CloudStorage::new(keeper, &config).expect("a storage client")
}

/// Keeper settings of `mode`, in-process.
pub fn in_process(mode: TokenMode) -> TokenConfig {
    TokenConfig {
        mode,
        ..TokenConfig::default()
    }
}

/// The test Redis (`WEAPP_TEST_REDIS_URL`) under a key prefix no other run uses.
pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    pub fn new() -> Self {
        Self {
            url: env_or("WEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
            prefix: format!("wx-api-test:{}:", random_name(12)),
        }
    }

    /// Keeper settings of `mode` sharing the token through this Redis.
    pub fn config(&self, mode: TokenMode) -> TokenConfig {
        TokenConfig {
            mode,
            redis_url: Secret::from(self.url.as_str()),
            redis_prefix: self.prefix.clone(),
            ..TokenConfig::default()
        }
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .expect("the Redis URL parses")
            .get_multiplexed_async_connection()
            .await
            .expect("the test Redis is up")
    }

    /// The shared token as stored, if any.
    pub async fn stored(&self, kind: &str) -> Option<Value> {
        let mut connection = self.connection().await;
        let value: Option<String> = redis::cmd("GET")
            .arg(format!("{}{APP_ID}:{kind}", self.prefix))
            .query_async(&mut connection)
            .await
            .expect("GET");
        value.map(|text| serde_json::from_str(&text).expect("stored JSON"))
    }

    /// Remove every key of this prefix (they also expire by themselves: token and lock TTLs).
    pub async fn cleanup(&self) {
        self.cleanup_app(APP_ID).await;
    }

    /// [`TestRedis::cleanup`] for the keys of `app_id`.
    pub async fn cleanup_app(&self, app_id: &str) {
        let mut connection = self.connection().await;
        let keys: Vec<String> = ["access_token", "stable_token"]
            .into_iter()
            .flat_map(|kind| {
                let key = format!("{}{app_id}:{kind}", self.prefix);
                [format!("{key}:lock"), key]
            })
            .collect();
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .expect("DEL");
    }
}

/// A plain GET of a URL: status and body bytes.
pub async fn fetch(url: &str) -> (u16, Vec<u8>) {
    let response = http().get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}
