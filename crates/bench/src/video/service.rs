//! The HTTP side of `video-bench`: the running video service, checked, its pool size read from
//! its `/metrics`, and loaded with wrk or a Rust client.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use weapp_bench::load::{self, Budget, Outcome};

/// The service's most pooled MySQL connections (`mysql.pool_max`), from its `/metrics`
/// (`weapp_backend_pool_max_connections{backend="mysql"}`), so the bare loop gets as many.
///
/// # Errors
/// `/metrics` unreachable, or without that gauge.
pub async fn pool_max(client: &reqwest::Client, base: &str) -> anyhow::Result<usize> {
    let url = format!("{base}/metrics");
    let text = client
        .get(&url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("GET {url}"))?
        .text()
        .await?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix(r#"weapp_backend_pool_max_connections{backend="mysql"} "#)?
                .trim()
                .parse()
                .ok()
        })
        .with_context(|| format!("{url} has no weapp_backend_pool_max_connections for mysql"))
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
