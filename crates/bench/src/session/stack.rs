//! What session-bench measures against: the running session service and the WeChat simulator it
//! logs in against (the stack's, reached over the network), plus one logged-in user with a few
//! paints, and the clean-up afterwards.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use deadpool_redis::redis::{self, AsyncCommands, aio::MultiplexedConnection};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

/// Where the stack is and what the bench created in it.
pub struct Stack {
    /// Base URL of the session service.
    pub session_url: String,
    sim_url: String,
    redis: MultiplexedConnection,
    /// Prefix of the service's `weapp-session` keys.
    session_prefix: String,
    http: reqwest::Client,
}

/// How to reach Redis, the service and the simulator.
pub struct StackConfig {
    pub redis_url: String,
    pub session_url: String,
    pub sim_url: String,
    pub session_prefix: String,
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{}{nanos}", std::process::id())
}

impl Stack {
    /// Reach Redis (the service's own, for the comparison and the clean-up).
    ///
    /// # Errors
    /// Redis cannot be reached.
    pub async fn start(config: &StackConfig) -> anyhow::Result<Self> {
        let redis = redis::Client::open(config.redis_url.as_str())?
            .get_multiplexed_async_connection()
            .await
            .with_context(|| format!("connecting to Redis at {}", config.redis_url))?;
        Ok(Self {
            session_url: config.session_url.trim_end_matches('/').to_owned(),
            sim_url: config.sim_url.trim_end_matches('/').to_owned(),
            redis,
            session_prefix: config.session_prefix.clone(),
            http: reqwest::Client::new(),
        })
    }

    /// Log a new user in as the original client does (all three headers); returns the code
    /// that identifies the session from then on.
    ///
    /// # Errors
    /// The simulator or the service refuses.
    pub async fn log_in(&self) -> anyhow::Result<String> {
        let code = format!("bench{}-1", unique());
        let keys: Value = self
            .http
            .get(format!("{}/sim/session", self.sim_url))
            .query(&[("code", &code)])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let session_key = keys["session_key"].as_str().unwrap_or_default();
        let raw_data = json!({"nickName": "bench", "gender": 1, "language": "zh_CN", "city": "Guangzhou", "province": "Guangdong", "country": "CN", "avatarUrl": "http://wx.qlogo.cn/mmopen/vi_32/bench/0"}).to_string();
        let signature = hex::encode(Sha1::digest(format!("{raw_data}{session_key}").as_bytes()));
        let encoded: String = url_encode(&raw_data);
        let reply: Value = self
            .http
            .get(format!("{}/applet/session/user", self.session_url))
            .header("X-WX-Code", &code)
            .header("X-WX-RawData", encoded)
            .header("X-WX-Signature", signature)
            .send()
            .await?
            .json()
            .await?;
        if reply["code"] != 0 {
            bail!("login refused: {reply}");
        }
        Ok(code)
    }

    /// Save `count` paints of `size` bytes of actions for the user of `code`.
    ///
    /// # Errors
    /// The service refuses.
    pub async fn save_paints(&self, code: &str, count: usize, size: usize) -> anyhow::Result<()> {
        for n in 0..count {
            let actions = format!("[{}]", "1,".repeat(size / 2).trim_end_matches(','));
            let reply: Value = self
                .http
                .post(format!("{}/applet/session/paints/save", self.session_url))
                .header("X-WX-Code", code)
                .json(&json!({"id": format!("bench-{n}"), "actions": actions}))
                .send()
                .await?
                .json()
                .await?;
            if reply["code"] != 0 {
                bail!("save refused: {reply}");
            }
        }
        Ok(())
    }

    /// GET `path` with the code; `Ok(body)` when the envelope says `code: 0`.
    ///
    /// # Errors
    /// Any other answer.
    pub async fn check(&self, path: &str, code: &str) -> anyhow::Result<Value> {
        let reply: Value = self
            .http
            .get(format!("{}{path}", self.session_url))
            .header("X-WX-Code", code)
            .send()
            .await?
            .json()
            .await?;
        if reply["code"] != 0 {
            bail!("{path}: {reply}");
        }
        Ok(reply)
    }

    /// Length of the session value the cached-session GET reads.
    ///
    /// # Errors
    /// Redis refuses.
    pub async fn session_value_len(&self, code: &str) -> anyhow::Result<usize> {
        let value: Option<String> = self
            .redis
            .clone()
            .get(format!("{}{code}", self.session_prefix))
            .await?;
        Ok(value.map_or(0, |value| value.len()))
    }

    /// Give redis-benchmark's `key:__rand_int__` a value of `len` bytes (so both sides read the
    /// same size); `Ok(true)` when the bench created it (and must delete it).
    ///
    /// # Errors
    /// Redis refuses.
    pub async fn prepare_benchmark_key(&self, len: usize) -> anyhow::Result<bool> {
        let created: bool = redis::cmd("SET")
            .arg(BENCH_KEY)
            .arg("x".repeat(len))
            .arg("NX")
            .query_async::<Option<String>>(&mut self.redis.clone())
            .await?
            .is_some();
        Ok(created)
    }

    /// Remove what the bench created: its paints, its session key and the benchmark key.
    pub async fn clean_up(self, code: &str, benchmark_key: bool) {
        let mut redis = self.redis.clone();
        if benchmark_key {
            let _: Result<i64, _> = redis.del(BENCH_KEY).await;
        }
        for n in 0..64 {
            let _ = self
                .http
                .post(format!("{}/applet/session/paints/delete", self.session_url))
                .header("X-WX-Code", code)
                .json(&json!({"id": format!("bench-{n}")}))
                .send()
                .await;
        }
        let _: Result<i64, _> = redis.del(format!("{}{code}", self.session_prefix)).await;
    }
}

/// redis-benchmark's default key for `-t get`.
const BENCH_KEY: &str = "key:__rand_int__";

/// `encodeURIComponent`.
fn url_encode(text: &str) -> String {
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
