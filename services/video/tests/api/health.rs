//! `/healthz`, `/readyz`, and the service while MySQL is unreachable, comes back, or kills its
//! sessions — all without restarting the service.

use std::net::TcpListener;

use mysql_async::prelude::Queryable;
use serde_json::json;

use crate::helpers::{
    COMMENT_FAILED, COMMENT_OK, TestApp, TestDb, failed, spawn_on, spawn_relayed, spawn_seeded,
};

fn ok() -> serde_json::Value {
    json!({"code":0,"msg":"ok","data":{}})
}

fn unavailable() -> serde_json::Value {
    json!({"code":-1,"msg":"mysql unavailable","data":{}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_when_mysql_answers() {
    let app = spawn_seeded(|_| {}).await;
    assert_eq!(app.get_json("/healthz").await, (200, ok()));
    assert_eq!(app.get_json("/readyz").await, (200, ok()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_mysql_fails_readiness_and_requests_but_not_liveness() {
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let db = TestDb::create().await;
    let app = spawn_on(db, |settings| {
        settings.mysql.host = "127.0.0.1".into();
        settings.mysql.port = closed_port;
    })
    .await;
    assert_eq!(app.get_json("/readyz").await, (503, unavailable()));
    assert_eq!(app.get_json("/healthz").await, (200, ok()));
    assert_eq!(
        app.get_json("/applet/video/list?pageNo=1").await,
        (200, failed())
    );
    assert_eq!(
        app.get_json("/applet/video/commentList?vid=1").await,
        (200, failed())
    );
    let posted = app
        .post_comment(&json!({"vid": 1, "content": "hello?"}))
        .await;
    assert_eq!(posted, (200, COMMENT_FAILED.into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_recovers_when_mysql_comes_back() {
    let (app, relay) = spawn_relayed(|_| {}).await;
    assert_eq!(app.list("1").await["code"], 0);
    assert_eq!(app.get_json("/readyz").await.0, 200);

    relay.down().await;
    assert_eq!(app.get_json("/readyz").await, (503, unavailable()));
    assert_eq!(app.list("1").await, failed());
    let posted = app
        .post_comment(&json!({"vid": 1, "content": "while down"}))
        .await;
    assert_eq!(posted.1, COMMENT_FAILED);

    relay.up();
    // The very first requests succeed: broken pooled connections are replaced on the way.
    assert_eq!(app.list("2").await["data"]["list"][0]["id"], 7);
    let posted = app
        .post_comment(&json!({"vid": 1, "content": "back again"}))
        .await;
    assert_eq!(posted.1, COMMENT_OK);
    assert_eq!(app.get_json("/readyz").await, (200, ok()));
    assert_eq!(app.comments(1).await[0]["content"], "back again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_sessions_are_replaced_without_a_failed_request() {
    let app = spawn_seeded(|settings| settings.mysql.pool_min = 4).await;
    // Open several pooled connections at once.
    let warm: Vec<_> = (1..=4).map(|page| app.list_owned(page)).collect();
    for body in futures_util::future::join_all(warm).await {
        assert_eq!(body["code"], 0);
    }
    let mut admin = app.db.conn().await;
    let sessions: Vec<u64> = admin
        .exec(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            (app.db.mysql.database.as_str(),),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!sessions.is_empty(), "the pool holds connections");
    for id in &sessions {
        admin
            .query_drop(format!("KILL CONNECTION {id}"))
            .await
            .unwrap_or_else(|e| panic!("KILL {id}: {e}"));
    }
    let _ = admin.disconnect().await;

    assert_eq!(app.list("1").await["code"], 0);
    assert_eq!(app.comments(1).await.len(), 3);
    let posted = app
        .post_comment(&json!({"vid": 1, "content": "after KILL"}))
        .await;
    assert_eq!(posted.1, COMMENT_OK);
    assert_eq!(app.get_json("/readyz").await.0, 200);
}

/// The ids of the sessions the service holds on its test database.
async fn pooled_sessions(app: &TestApp) -> Vec<u64> {
    let mut admin = app.db.conn().await;
    let mut ids: Vec<u64> = admin
        .exec(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            (app.db.mysql.database.as_str(),),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = admin.disconnect().await;
    ids.sort_unstable();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_connections_are_reused_under_load_not_reopened() {
    let app = spawn_seeded(|settings| {
        settings.mysql.pool_min = 1;
        settings.mysql.pool_max = 4;
    })
    .await;
    let burst = || async {
        let requests: Vec<_> = (1..=12).map(|page| app.list_owned(page % 4 + 1)).collect();
        for body in futures_util::future::join_all(requests).await {
            assert_eq!(body["code"], 0);
        }
    };
    burst().await;
    let after_first = pooled_sessions(&app).await;
    assert!(
        after_first.len() > 1,
        "the burst opened several connections: {after_first:?}"
    );
    for _ in 0..5 {
        burst().await;
    }
    // mysql_async's default would have closed every connection beyond pool_min on its return
    // and opened new ones for the next burst.
    assert_eq!(pooled_sessions(&app).await, after_first);
}
