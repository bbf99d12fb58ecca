//! The registry's metrics as Prometheus reads them (the text format), without a server; the
//! middleware and `/metrics` are tested through `http::serve` (`http.rs`).

use std::{
    future::pending,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use super::*;
use crate::health::{BackendCheck, PoolStats, ProbeFuture};

/// The sample lines of `metric` in `text` (no `# HELP` / `# TYPE` lines).
fn samples<'a>(text: &'a str, metric: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| !line.starts_with('#') && line.starts_with(metric))
        .collect()
}

#[test]
fn requests_are_counted_by_route_method_and_status() {
    let metrics = Metrics::new();
    let ms = Duration::from_millis(1);
    metrics.observe_request("/applet/video/list", &Method::GET, StatusCode::OK, ms);
    metrics.observe_request("/applet/video/list", &Method::GET, StatusCode::OK, ms);
    metrics.observe_request(
        "/applet/video/list",
        &Method::POST,
        StatusCode::METHOD_NOT_ALLOWED,
        ms,
    );
    metrics.observe_request(UNMATCHED_ROUTE, &Method::GET, StatusCode::NOT_FOUND, ms);
    let text = metrics.render();
    assert_eq!(
        samples(&text, "weapp_http_requests_total"),
        [
            r#"weapp_http_requests_total{method="GET",route="/applet/video/list",status="200"} 2"#,
            r#"weapp_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"weapp_http_requests_total{method="POST",route="/applet/video/list",status="405"} 1"#,
        ]
    );
    assert!(
        text.contains(
            r#"weapp_http_request_duration_seconds_count{method="GET",route="/applet/video/list"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"weapp_http_request_duration_seconds_bucket{method="GET",route="/applet/video/list",le="0.001"} 2"#
        ),
        "{text}"
    );
}

#[test]
fn unusual_methods_share_one_label() {
    let metrics = Metrics::new();
    for method in ["PROPFIND", "BREW"] {
        let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        metrics.observe_request("/x", &method, StatusCode::NOT_FOUND, Duration::ZERO);
    }
    assert_eq!(
        samples(&metrics.render(), "weapp_http_requests_total"),
        [r#"weapp_http_requests_total{method="OTHER",route="/x",status="404"} 2"#]
    );
}

#[test]
fn pulled_counters_and_gauges_read_their_value_at_each_scrape() {
    let metrics = Metrics::new();
    let rounds = Arc::new(AtomicU64::new(0));
    let read = Arc::clone(&rounds);
    let counter = counter_fn("game_rounds_total", "Rounds.", move || {
        read.load(Ordering::Relaxed) as f64
    });
    let gauge = gauge_fn("game_rooms", "Rooms.", || 3.0);
    for collector in [counter, gauge] {
        let collector = collector.unwrap_or_else(|e| panic!("{e}"));
        metrics
            .registry()
            .register(collector)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    rounds.store(7, Ordering::Relaxed);
    let text = metrics.render();
    assert!(
        text.contains("# TYPE game_rounds_total counter\ngame_rounds_total 7\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE game_rooms gauge\ngame_rooms 3\n"),
        "{text}"
    );
    rounds.store(9, Ordering::Relaxed);
    assert!(metrics.render().contains("game_rounds_total 9\n"));
    assert!(counter_fn("not a name", "", || 0.0).is_err());
}

/// Backends with fixed answers: up, refusing, or never answering.
struct Backends;

impl Readiness for Backends {
    fn backend(&self) -> &'static str {
        "redis and mongodb"
    }
    fn probe(&self) -> ProbeFuture {
        Box::pin(async { Ok(()) })
    }
    fn checks(&self) -> Vec<BackendCheck> {
        vec![
            BackendCheck {
                backend: "redis",
                probe: Box::pin(async { Ok(()) }),
                pool: None,
            },
            BackendCheck {
                backend: "mysql",
                probe: Box::pin(async { Err("refused".to_owned()) }),
                pool: Some(PoolStats {
                    open: 4,
                    in_use: 1,
                    max: 10,
                }),
            },
            BackendCheck {
                backend: "mongodb",
                probe: Box::pin(pending()),
                pool: None,
            },
        ]
    }
}

#[tokio::test(start_paused = true)]
async fn backends_are_probed_at_scrape_and_a_frozen_one_is_down_after_the_timeout() {
    let metrics = Metrics::new();
    let started = tokio::time::Instant::now();
    metrics.check_backends(&Backends).await;
    assert_eq!(started.elapsed(), PROBE_TIMEOUT, "the probes ran at once");
    let text = metrics.render();
    assert_eq!(
        samples(&text, "weapp_backend_up"),
        [
            r#"weapp_backend_up{backend="mongodb"} 0"#,
            r#"weapp_backend_up{backend="mysql"} 0"#,
            r#"weapp_backend_up{backend="redis"} 1"#,
        ]
    );
    assert_eq!(
        samples(&text, "weapp_backend_pool"),
        [
            r#"weapp_backend_pool_connections{backend="mysql",state="idle"} 3"#,
            r#"weapp_backend_pool_connections{backend="mysql",state="in_use"} 1"#,
            r#"weapp_backend_pool_max_connections{backend="mysql"} 10"#,
        ]
    );
}

#[tokio::test]
async fn a_readiness_without_checks_reports_its_one_backend_and_no_backend_reports_none() {
    let metrics = Metrics::new();
    let storage = crate::health::readiness("storage", (), |()| async { Ok(()) });
    metrics.check_backends(storage.as_ref()).await;
    metrics
        .check_backends(crate::health::no_backend("wx-sim").as_ref())
        .await;
    assert_eq!(
        samples(&metrics.render(), "weapp_backend_up"),
        [r#"weapp_backend_up{backend="storage"} 1"#]
    );
}
