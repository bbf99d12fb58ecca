//! Operations (issue 15): `/metrics` after a known sequence of requests, request ids, and the
//! binary's strict configuration (`--check-config`, an unknown key stops start-up).

use weapp_testkit::{Run, is_made_request_id, metric_samples, request_id_of, run_binary};

use crate::helpers::{TestApp, spawn_seeded};

async fn samples(app: &TestApp, prefix: &str) -> Vec<String> {
    metric_samples(&app.http, &app.base, prefix).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_counts_the_requests_before_it_and_shows_the_mysql_pool() {
    let app = spawn_seeded(|_| {}).await;
    for page in ["1", "2", "x"] {
        app.list(page).await;
    }
    assert!(!app.comments(1).await.is_empty());
    assert_eq!(app.get_json("/applet/video/nope").await.0, 404);

    assert_eq!(
        samples(&app, "weapp_http_requests_total").await,
        [
            r#"weapp_http_requests_total{method="GET",route="/applet/video/commentList",status="200"} 1"#,
            r#"weapp_http_requests_total{method="GET",route="/applet/video/list",status="200"} 3"#,
            r#"weapp_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        ]
    );
    let backend = samples(&app, "weapp_backend").await;
    assert!(
        backend.contains(&r#"weapp_backend_up{backend="mysql"} 1"#.to_owned()),
        "{backend:?}"
    );
    assert!(
        backend.contains(&r#"weapp_backend_pool_max_connections{backend="mysql"} 4"#.to_owned()),
        "{backend:?}"
    );
    // Nothing is lent out between requests; the pool holds what the requests opened.
    assert!(
        backend.contains(
            &r#"weapp_backend_pool_connections{backend="mysql",state="in_use"} 0"#.to_owned()
        ),
        "{backend:?}"
    );
    let idle = backend
        .iter()
        .find_map(|line| {
            line.strip_prefix(r#"weapp_backend_pool_connections{backend="mysql",state="idle"} "#)
        })
        .and_then(|value| value.parse::<u64>().ok());
    assert!(
        idle.is_some_and(|idle| (1..=4).contains(&idle)),
        "{backend:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_comes_back_from_nginx_or_is_made() {
    let app = spawn_seeded(|_| {}).await;
    let url = app.url("/applet/video/list?pageNo=1");
    let echoed = request_id_of(&app.http, &url, Some("nginx-id-1")).await;
    assert_eq!(echoed.as_deref(), Some("nginx-id-1"));
    let made = request_id_of(&app.http, &url, None).await;
    assert!(is_made_request_id(made.as_deref()), "{made:?}");
}

/// The `video` binary with only `vars` in its environment.
fn video(args: &[&str], vars: &[(&str, &str)]) -> Run {
    run_binary(env!("CARGO_BIN_EXE_video"), args, vars)
}

#[test]
fn check_config_prints_the_settings_without_the_password() {
    let vars = [("VIDEO_MYSQL__PASSWORD", "mysql-password-hidden")];
    let Run { ok, stdout, stderr } = video(&["--check-config"], &vars);
    assert!(ok, "{stderr}");
    for shown in ["port: 9994", "pool_max: 10", "page_size: 6", "password: "] {
        assert!(stdout.contains(shown), "{shown} missing: {stdout}");
    }
    assert!(!stdout.contains("mysql-password-hidden"), "{stdout}");
    // Also before a subcommand, which then does not run.
    let Run { ok, stdout, .. } = video(&["--check-config", "migrate"], &vars);
    assert!(ok && stdout.contains("port: 9994"), "{stdout}");
}

#[test]
fn an_unknown_variable_stops_start_up_naming_it() {
    let Run { ok, stderr, .. } = video(&["migrate"], &[("VIDEO_MYSQL__PASWORD", "x")]);
    assert!(!ok, "ran with an unknown variable");
    assert!(
        stderr.contains(
            "unknown key: `mysql.pasword` (set by environment variable VIDEO_MYSQL__PASWORD)"
        ),
        "{stderr}"
    );
}
