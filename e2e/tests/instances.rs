//! Every service N-up behind nginx (issue 14): `scripts/up` with `WEAPP_INSTANCES=N` runs N
//! instances of each service (instance K on the service's port + 100·(K−1)) and nginx's
//! upstreams list them all. Requests through nginx must reach every instance — round robin,
//! no sticky routing — and each answers them as the others would.
//!
//! Each test counts, on every instance's own `/metrics` (never served through nginx), the
//! requests of one route before and after sending `4·N` of them through nginx: every instance
//! must have answered some, and together all of them. With `WEAPP_INSTANCES=1` the one
//! instance answers all. The instances' ports come from `WEAPP_<SERVICE>_PORTS`
//! (`scripts/env.sh tests`).
//!
//! Requests come from a loopback address of their own, so that nginx's per-client limits
//! count them apart from the other suites.

use serde_json::Value;
use weapp_testkit::{env_or, metric_samples, own_loopback_address};

fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

/// The ports of every instance of the service whose environment prefix is `prefix`.
fn instance_ports(prefix: &str, default: &str) -> Vec<u16> {
    let instances: usize = env_or("WEAPP_INSTANCES", "1")
        .parse()
        .unwrap_or_else(|e| panic!("WEAPP_INSTANCES: {e}"));
    let ports: Vec<u16> = env_or(&format!("WEAPP_{prefix}_PORTS"), default)
        .split_whitespace()
        .map(|port| port.parse().unwrap_or_else(|e| panic!("{port}: {e}")))
        .collect();
    assert_eq!(
        ports.len(),
        instances,
        "WEAPP_{prefix}_PORTS names one port per instance (WEAPP_INSTANCES={instances})"
    );
    ports
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(own_loopback_address("127.0.0.1"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The sum of the series that start with `sample` (a series name and the first of its labels)
/// on the instance at `port`.
async fn count(http: &reqwest::Client, port: u16, sample: &str) -> u64 {
    metric_samples(http, &format!("http://127.0.0.1:{port}"), sample)
        .await
        .iter()
        .filter_map(|line| line.rsplit(' ').next())
        .filter_map(|value| value.parse::<f64>().ok())
        .map(|value| value as u64)
        .sum()
}

/// Sends `4·N` GETs of `path` through nginx, checks each reply with `check`, and asserts that
/// every instance's count of `sample` grew, by `4·N` in all.
async fn spread(prefix: &str, default_port: &str, path: &str, sample: &str, check: fn(&Value)) {
    let http = client();
    let ports = instance_ports(prefix, default_port);
    let mut before = Vec::new();
    for &port in &ports {
        before.push(count(&http, port, sample).await);
    }
    let requests = 4 * ports.len() as u64;
    for _ in 0..requests {
        let response = http
            .get(format!("{}{path}", base()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
        let body: Value = response.json().await.unwrap_or(Value::Null);
        check(&body);
    }
    let mut grew = Vec::new();
    for (&port, before) in ports.iter().zip(before) {
        grew.push(count(&http, port, sample).await - before);
    }
    assert!(
        grew.iter().all(|&n| n > 0),
        "every instance of {ports:?} answers {path} through nginx: {grew:?}"
    );
    assert!(
        grew.iter().sum::<u64>() >= requests,
        "{requests} requests of {path}, answered {grew:?}"
    );
}

#[tokio::test]
async fn album_lists_come_from_every_instance() {
    spread(
        "ALBUM",
        "9993",
        "/applet/album/list",
        r#"weapp_http_requests_total{method="GET",route="/applet/album/list",status="200"} "#,
        |body| assert_eq!(body["code"], 0, "{body}"),
    )
    .await;
}

#[tokio::test]
async fn video_pages_come_from_every_instance() {
    spread(
        "VIDEO",
        "9994",
        "/applet/video/list?pageNo=1",
        r#"weapp_http_requests_total{method="GET",route="/applet/video/list",status="200"} "#,
        |body| assert_eq!(body["code"], 0, "{body}"),
    )
    .await;
}

#[tokio::test]
async fn session_answers_from_every_instance() {
    // A login without its code: each instance refuses it alike, without asking WeChat.
    spread(
        "SESSION",
        "5757",
        "/applet/session/login",
        r#"weapp_http_requests_total{method="GET",route="/applet/session/login","#,
        |body| assert!(body.is_object(), "{body}"),
    )
    .await;
}
