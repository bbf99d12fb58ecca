//! MySQL's link breaking in the ways a relay can break it (issue 13): frozen while a comment is
//! in flight, its answers lost, its idle connections closed. A comment reported failed is never
//! in the table afterwards, one reported stored is there once, and the service recovers.

use std::time::Duration;

use serde_json::{Value, json};
use weapp_testkit::Relay;

use crate::helpers::{COMMENT_FAILED, COMMENT_OK, TestApp, spawn_relayed};

/// Long enough for whatever the relay held to reach MySQL and be answered.
const SETTLE: Duration = Duration::from_secs(30);

/// Short deadlines (the request gives up after 2 s, the server after 1 s, clocks agree), and one
/// pooled connection: the comment that a warm-up posted has its insert prepared on it, so the
/// frozen comment's insert is one packet the relay holds.
async fn spawn_one_connection() -> (TestApp, Relay) {
    let (app, relay) = spawn_relayed(|settings| {
        settings.mysql.pool_min = 1;
        settings.mysql.pool_max = 1;
        settings.mysql.timeout_secs = 2;
        settings.mysql.statement_timeout_secs = 1;
        settings.mysql.clock_skew_ms = 0;
    })
    .await;
    let warm = json!({"vid": 1, "content": "warm-up"});
    assert_eq!(app.post_comment(&warm).await.1, COMMENT_OK);
    (app, relay)
}

fn unavailable() -> Value {
    json!({"code":-1,"msg":"mysql unavailable","data":{}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_caught_by_a_frozen_link_is_reported_failed_and_never_stored() {
    let (app, relay) = spawn_one_connection().await;
    let body = json!({"vid": 1, "nick": "F", "content": "frozen"});
    relay.freeze();
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_FAILED.into()));
    assert_eq!(app.get_json("/readyz").await, (503, unavailable()));

    // The link comes back: the insert it held reaches MySQL now, after its deadline.
    relay.up();
    relay.settled(SETTLE).await;
    assert_eq!(
        app.rows_with_content("frozen").await,
        0,
        "reported failed, so not stored"
    );
    assert_eq!(app.get_json("/readyz").await.0, 200);
    // The user's retry stores it, once.
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
    assert_eq!(app.rows_with_content("frozen").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_whose_answer_was_lost_is_confirmed_and_reported_stored() {
    let (app, relay) = spawn_one_connection().await;
    let body = json!({"vid": 1, "nick": "L", "content": "answer lost"});
    // MySQL commits the insert; its answer never comes back on the pooled connection.
    relay.freeze_replies();
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
    assert_eq!(app.rows_with_content("answer lost").await, 1);

    relay.up();
    relay.settled(SETTLE).await;
    assert_eq!(app.get_json("/readyz").await.0, 200);
    // The client never saw a failure, but a retry is still the same attempt.
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
    assert_eq!(app.rows_with_content("answer lost").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_on_a_frozen_link_fail_in_time_and_recover() {
    let (app, relay) = spawn_one_connection().await;
    relay.freeze();
    assert_eq!(
        app.get_json("/applet/video/list?pageNo=1").await,
        (200, crate::helpers::failed())
    );
    assert_eq!(app.get_json("/readyz").await, (503, unavailable()));
    relay.up();
    relay.settled(SETTLE).await;
    assert_eq!(app.list("1").await["code"], 0);
    assert_eq!(app.get_json("/readyz").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_while_idle_fail_no_check_or_request() {
    let (app, relay) = spawn_relayed(|settings| settings.mysql.pool_min = 2).await;
    let warm: Vec<_> = (1..=2).map(|page| app.list_owned(page)).collect();
    futures_util::future::join_all(warm).await;
    relay.cut().await;
    assert_eq!(
        app.get_json("/readyz").await,
        (200, json!({"code":0,"msg":"ok","data":{}}))
    );
    relay.cut().await;
    assert_eq!(app.list("1").await["code"], 0);
    relay.cut().await;
    let body = json!({"vid": 1, "content": "after idle"});
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
}
