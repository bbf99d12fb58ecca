//! Operations (issue 15): `/metrics` after a known sequence of requests, request ids, and the
//! binary's strict configuration (`--check-config`, an unknown key stops start-up).

use weapp_testkit::{Run, is_made_request_id, metric_samples, request_id_of, run_binary};

use crate::helpers::{TestApp, call, spawn_app};

async fn samples(app: &TestApp, prefix: &str) -> Vec<String> {
    metric_samples(&app.http, &app.base, prefix).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_counts_the_requests_before_it_and_shows_both_backends() {
    let app = spawn_app().await;
    let list = app.url("/applet/session/paints/list");
    for _ in 0..2 {
        let refused = call(app.http.get(&list).header("X-WX-Skey", "f".repeat(64))).await;
        assert_eq!(refused.0, 401);
    }
    assert_eq!(
        call(app.http.get(app.url("/applet/session/nope"))).await.0,
        404
    );
    assert_eq!(call(app.http.get(app.url("/healthz"))).await.0, 200);

    assert_eq!(
        samples(&app, "weapp_http_requests_total").await,
        [
            r#"weapp_http_requests_total{method="GET",route="/applet/session/paints/list",status="401"} 2"#,
            r#"weapp_http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
            r#"weapp_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        ]
    );
    assert_eq!(
        samples(&app, "weapp_backend_up").await,
        [
            r#"weapp_backend_up{backend="mongodb"} 1"#,
            r#"weapp_backend_up{backend="redis"} 1"#,
        ]
    );
    let pool = samples(&app, "weapp_backend_pool").await;
    assert!(
        pool.contains(&r#"weapp_backend_pool_max_connections{backend="mongodb"} 32"#.to_owned()),
        "{pool:?}"
    );
    // The first scrape's ping opened a connection, which the second scrape's figures show.
    let open: u64 = pool
        .iter()
        .filter(|line| line.starts_with("weapp_backend_pool_connections{backend=\"mongodb\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(open >= 1, "{pool:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_comes_back_from_nginx_or_is_made() {
    let app = spawn_app().await;
    let url = app.url("/applet/session/paints/list");
    let echoed = request_id_of(&app.http, &url, Some("0123456789abcdef0123456789abcdef")).await;
    assert_eq!(echoed.as_deref(), Some("0123456789abcdef0123456789abcdef"));
    let made = request_id_of(&app.http, &url, None).await;
    assert!(is_made_request_id(made.as_deref()), "{made:?}");
}

/// The `session` binary with only `vars` in its environment.
fn session(args: &[&str], vars: &[(&str, &str)]) -> Run {
    run_binary(env!("CARGO_BIN_EXE_session"), args, vars)
}

const APP: [(&str, &str); 2] = [
    ("SESSION_WX__APP_ID", "wx0000000000000000"),
    ("SESSION_WX__APP_SECRET", "app-secret-that-must-not-show"),
];

#[test]
fn check_config_prints_the_settings_without_secrets() {
    let mut vars = APP.to_vec();
    vars.push((
        "SESSION_REDIS__URL",
        "redis://:redis-password-hidden@127.0.0.1:6379/0",
    ));
    let Run { ok, stdout, stderr } = session(&["--check-config"], &vars);
    assert!(ok, "{stderr}");
    for shown in [
        "port: 5757",
        "app_id: \"wx0000000000000000\"",
        "prefix: \"weapp-session:\"",
    ] {
        assert!(stdout.contains(shown), "{shown} missing: {stdout}");
    }
    assert!(
        !stdout.contains("app-secret-that-must-not-show"),
        "{stdout}"
    );
    assert!(!stdout.contains("redis-password-hidden"), "{stdout}");
}

#[test]
fn an_unknown_key_stops_start_up_naming_it() {
    let dir = std::env::temp_dir().join(format!("session-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("session.toml");
    std::fs::write(&file, "[redis]\nurll = \"redis://127.0.0.1:1\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_string_lossy().into_owned();
    let Run { ok, stderr, .. } = session(&["--config", &path], &APP);
    let mut vars = APP.to_vec();
    vars.push(("SESSION_MONGO__DATABSE", "x"));
    let Run {
        ok: env_ok,
        stderr: env_stderr,
        ..
    } = session(&[], &vars);
    std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(!ok, "started with an unknown key");
    assert!(
        stderr.contains(&format!("unknown key: `redis.urll` (set by file {path})")),
        "{stderr}"
    );
    assert!(!env_ok, "started with an unknown variable");
    assert!(
        env_stderr.contains("`mongo.databse` (set by environment variable SESSION_MONGO__DATABSE)"),
        "{env_stderr}"
    );
}
