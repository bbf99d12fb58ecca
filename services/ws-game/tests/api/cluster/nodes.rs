//! Nodes of one cluster in this process, and Redis servers of the tests' own.

use std::time::Duration;

use tokio::sync::oneshot;
use ws_game::{Application, settings::Settings};

use crate::helpers::{FRAME_WAIT, TestServer};

/// The stack's Redis (`WS_GAME_TEST_REDIS_URL` overrides it).
pub fn stack_redis() -> String {
    std::env::var("WS_GAME_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// A key prefix of one test; its keys are deleted when it is dropped.
pub struct Prefix {
    pub name: String,
    redis: String,
}

impl Prefix {
    pub fn new(redis: &str) -> Self {
        Self {
            name: format!("ws-game-test-{:016x}", rand::random::<u64>()),
            redis: redis.to_owned(),
        }
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        if let Ok(client) = redis::Client::open(self.redis.as_str())
            && let Ok(mut connection) = client.get_connection()
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}:*", self.name))
                .query(&mut connection)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut connection);
            }
        }
    }
}

enum Stop {
    Graceful,
    Kill,
}

/// One ws-game node on its own thread and runtime.
pub struct Node {
    pub server: TestServer,
    control: Option<oneshot::Sender<Stop>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Node {
    /// A node of the cluster at `redis` under `prefix`: 1 s rounds, heartbeats every 100 ms
    /// living 600 ms; `adjust` changes the rest. Returns once it has bound its port (not once
    /// it has joined: see [`Node::wait_ready`]).
    pub async fn start(redis: &str, prefix: &Prefix, adjust: impl FnOnce(&mut Settings)) -> Node {
        weapp_common::logging::init();
        let mut settings = Settings {
            port: 0,
            ..Settings::default()
        };
        settings.game.game_time_secs = 1;
        settings.game.bot_delay_ms = 1500;
        settings.cluster.redis_url = Some(redis.into());
        settings.cluster.key_prefix = prefix.name.clone();
        settings.cluster.heartbeat_interval_ms = 100;
        settings.cluster.heartbeat_ttl_ms = 600;
        adjust(&mut settings);
        let settings = settings.validate().unwrap_or_else(|e| panic!("{e}"));
        let (bound, port) = oneshot::channel();
        let (control, stop) = oneshot::channel::<Stop>();
        let thread = std::thread::spawn(move || {
            let Ok(runtime) = ws_game::runtime(1) else {
                return;
            };
            let stop = runtime.block_on(async move {
                let app = Application::build(settings)
                    .await
                    .unwrap_or_else(|e| panic!("{e:#}"));
                let _ = bound.send(app.port());
                let (graceful, stopped) = oneshot::channel::<()>();
                let running = tokio::spawn(app.run(async {
                    let _ = stopped.await;
                }));
                let stop = stop.await.unwrap_or(Stop::Graceful);
                if matches!(stop, Stop::Graceful) {
                    let _ = graceful.send(());
                    let _ = running.await;
                } else {
                    std::mem::forget(graceful);
                }
                stop
            });
            if matches!(stop, Stop::Kill) {
                // Every task dropped where it stands; nothing told to Redis.
                runtime.shutdown_background();
            }
        });
        let port = port
            .await
            .unwrap_or_else(|_| panic!("the node did not start"));
        Node {
            server: TestServer::external(port),
            control: Some(control),
            thread: Some(thread),
        }
    }

    /// Waits until `/readyz` answers `status` (200: joined; 503: degraded or starting).
    pub async fn wait_ready(&self, status: u16) {
        let url = self.server.http_url("/readyz");
        let ready = async {
            loop {
                if let Ok(answer) = reqwest::get(&url).await
                    && answer.status().as_u16() == status
                {
                    return;
                }
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(15), ready)
            .await
            .unwrap_or_else(|_| panic!("/readyz never answered {status}"));
    }

    /// `/stats`.
    pub async fn stats(&self) -> serde_json::Value {
        let url = self.server.http_url("/applet/websocket/stats");
        reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// Waits until this node's `/stats` counts `nodes` live nodes.
    pub async fn wait_for_nodes(&self, nodes: u64) {
        let counted = async {
            loop {
                if self.stats().await["cluster"]["nodes"] == nodes {
                    return;
                }
            }
        };
        tokio::time::timeout(FRAME_WAIT, counted)
            .await
            .unwrap_or_else(|_| panic!("the node never counted {nodes} nodes"));
    }

    /// SIGKILL, as far as one process can play it: the node's runtime is dropped.
    pub fn kill(&mut self) {
        if let Some(control) = self.control.take() {
            let _ = control.send(Stop::Kill);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(control) = self.control.take() {
            let _ = control.send(Stop::Graceful);
        }
    }
}

/// A `redis-server` of the test's own on a free port, to stop and start again (the stack's
/// Redis is never touched).
pub struct RedisServer {
    pub port: u16,
    child: Option<std::process::Child>,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts it (again) on its port and waits until it answers.
    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server: {e}"));
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let answered = redis::Client::open(self.url())
                .and_then(|client| client.get_connection())
                .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
            if answered.is_ok() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::yield_now();
        }
    }

    /// Kills it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
