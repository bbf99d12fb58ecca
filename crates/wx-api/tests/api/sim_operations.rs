//! The simulator's operations side (issue 15): `/metrics` after a known sequence of requests,
//! request ids, and the `wx-sim` binary's strict configuration.

use weapp_testkit::{Run, run_binary};

use crate::helpers::{http, spawn_sim};

#[tokio::test]
async fn a_scrape_counts_the_requests_before_it_and_reports_no_backend() {
    let sim = spawn_sim();
    assert_eq!(sim.jscode2session("metrics-1").await.0, 200);
    assert_eq!(sim.jscode2session("metrics-1").await.0, 200); // 40163, WeChat-style HTTP 200
    assert_eq!(sim.get("/sim/session?code=metrics-2").await.0, 200);
    let response = http()
        .get(format!("{}/metrics", sim.base))
        .header("X-Request-Id", "scrape-1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("scrape-1")
    );
    let text = response.text().await.unwrap_or_default();
    let counts: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("weapp_http_requests_total"))
        .collect();
    assert_eq!(
        counts,
        [
            r#"weapp_http_requests_total{method="GET",route="/sim/session",status="200"} 1"#,
            r#"weapp_http_requests_total{method="GET",route="/sns/jscode2session",status="200"} 2"#,
        ]
    );
    assert!(!text.contains("weapp_backend_up"), "{text}");
}

/// The `wx-sim` binary with only `vars` in its environment.
fn wx_sim(args: &[&str], vars: &[(&str, &str)]) -> Run {
    run_binary(env!("CARGO_BIN_EXE_wx-sim"), args, vars)
}

#[test]
fn check_config_hides_the_app_secret_and_an_unknown_variable_stops_start_up() {
    let Run { ok, stdout, stderr } = wx_sim(
        &["--check-config"],
        &[
            ("WX_SIM_APP_SECRET", "sim-secret-never-shown"),
            ("WX_SIM_LOG_FORMAT", "json"),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("port: 9797") && stdout.contains("log_format: Json"),
        "{stdout}"
    );
    assert!(!stdout.contains("sim-secret-never-shown"), "{stdout}");
    let Run { ok, stderr, .. } = wx_sim(&[], &[("WX_SIM_TOKEN_LIFETIME", "60")]);
    assert!(!ok, "started with an unknown variable");
    assert!(
        stderr.contains(
            "unknown key: `token_lifetime` (set by environment variable WX_SIM_TOKEN_LIFETIME)"
        ),
        "{stderr}"
    );
}
