//! The HTTP side of `video-bench`: the video service started in this process on a free port
//! (or one already running, `--video-url`), checked, and loaded with wrk or a Rust client.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use video::{
    Application,
    settings::{MysqlSettings, Settings},
};

use weapp_bench::load::{self, Budget, Outcome};

/// Start the service on 127.0.0.1:<free port> against `mysql` with `workers` HTTP workers
/// (0 = one per core, the service's default); returns its base URL. It runs until the process
/// exits. Its log stays off (no logger is installed), so it writes no access log.
///
/// # Errors
/// The service cannot be built (bad settings, port).
pub async fn start(mysql: &MysqlSettings, workers: usize) -> anyhow::Result<String> {
    let settings = Settings {
        port: 0,
        workers,
        migrate_on_start: false,
        mysql: mysql.clone(),
        ..Settings::default()
    }
    .validate()?;
    let app = Application::build(&settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(base)
}

/// One list request must succeed (`code` 0, a non-empty page) before it is measured: wrk
/// counts HTTP statuses only, and a failing service answers 200 too.
///
/// # Errors
/// Unreachable, another status, or a failure envelope.
pub async fn check(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let body = fetch(client, url).await?;
    let rows = body["data"]["list"].as_array().map_or(0, Vec::len);
    if rows == 0 {
        bail!("{url} answered an empty page: {body}");
    }
    Ok(())
}

async fn fetch(client: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    let response = client
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let body: Value = response.json().await.context("reading the reply")?;
    if !status.is_success() || body["code"] != 0 {
        bail!("GET {url}: {status} {body}");
    }
    Ok(body)
}

/// GET `url` from `concurrency` reqwest tasks for `budget`; a reply counts when its envelope
/// says `code: 0`.
///
/// # Errors
/// Only when the load driver cannot run.
pub async fn rust_client(url: &str, concurrency: usize, budget: Budget) -> anyhow::Result<Outcome> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let url = url.to_owned();
    load::run(concurrency, budget, move |_| {
        let (client, url) = (client.clone(), url.clone());
        async move { fetch(&client, &url).await.map(|_| 0) }
    })
    .await
}
