//! The per-client limit on posting comments (`rate_limit.*`): over it, the original failure
//! envelope with HTTP 200 and a `Retry-After` header; other clients are unaffected.

use serde_json::json;

use crate::helpers::{COMMENT_FAILED, COMMENT_OK, spawn_seeded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_burst_gets_the_failure_envelope() {
    let app = spawn_seeded(|settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.burst = 3;
        settings.rate_limit.per_minute = 1;
    })
    .await;
    let post = |client: &str, n: u32| {
        app.http
            .post(app.url("/applet/video/comment"))
            .header("X-Real-IP", client)
            .json(&json!({"vid": 1, "nick": client, "content": format!("try {n}")}))
            .send()
    };
    for n in 1..=3 {
        let reply = post("198.51.100.1", n)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reply.text().await.unwrap_or_default(), COMMENT_OK);
    }
    let limited = post("198.51.100.1", 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(limited.status(), 200);
    let retry_after = limited
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    assert!(
        retry_after.is_some_and(|secs| (1..=60).contains(&secs)),
        "{retry_after:?}"
    );
    assert_eq!(limited.text().await.unwrap_or_default(), COMMENT_FAILED);

    // Another client (another X-Real-IP from nginx) still has its whole burst.
    let other = post("198.51.100.2", 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(other.text().await.unwrap_or_default(), COMMENT_OK);

    let stored: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE content LIKE 'try %'")
        .await;
    assert_eq!(stored, 4, "the limited post was not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trust_the_peer_address_is_the_key() {
    let app = spawn_seeded(|settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.burst = 1;
        settings.rate_limit.per_minute = 1;
        settings.rate_limit.trust_x_real_ip = false;
    })
    .await;
    let mut replies = Vec::new();
    for client in ["203.0.113.1", "203.0.113.2"] {
        let reply = app
            .post_raw(
                app.http
                    .post(app.url("/applet/video/comment"))
                    .header("X-Real-IP", client)
                    .json(&json!({"vid": 1, "content": "spoofed?"})),
            )
            .await;
        replies.push(reply.1);
    }
    assert_eq!(replies, [COMMENT_OK, COMMENT_FAILED]);
}
