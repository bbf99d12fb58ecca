//! A comment is stored at most once per client attempt (issue 13 item 2): a repeated
//! `Idempotency-Key`, and without one an identical comment from the same client within
//! `comment.dedup_window_secs`, answers the first outcome and stores nothing — checked behind
//! the service with direct SQL. Time passing is the stored expiry moved into the past.

use serde_json::{Value, json};

use crate::helpers::{COMMENT_OK, TestApp, spawn_seeded};

const COMMENT: &str = "/applet/video/comment";

/// Status, `Idempotent-Replayed`, body text.
async fn post(app: &TestApp, client: &str, key: Option<&str>, body: &Value) -> (u16, bool, String) {
    let mut request = app
        .http
        .post(app.url(COMMENT))
        .header("X-Real-IP", client)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let status = response.status().as_u16();
    (status, replayed, response.text().await.unwrap_or_default())
}

/// Every stored attempt's key expires now, as if its window had passed.
async fn let_the_windows_pass(app: &TestApp) {
    app.db
        .execute("UPDATE comment SET dedup_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND")
        .await;
}

const CLIENT: &str = "198.51.100.7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_idempotency_key_answers_the_first_outcome_and_stores_once() {
    let app = spawn_seeded(|_| {}).await;
    let body = json!({"vid": 2, "nick": "K", "content": "keyed once"});
    let ok = |replayed| (200, replayed, COMMENT_OK.to_owned());
    assert_eq!(post(&app, CLIENT, Some("k-1"), &body).await, ok(false));
    // The same key as a Structured Field string, from another address: the same attempt.
    assert_eq!(
        post(&app, "203.0.113.1", Some(r#""k-1""#), &body).await,
        ok(true)
    );
    assert_eq!(app.rows_with_content("keyed once").await, 1);

    let other = json!({"vid": 2, "nick": "K", "content": "keyed twice"});
    let refused = post(&app, CLIENT, Some("k-1"), &other).await;
    assert_eq!(
        refused,
        (
            422,
            false,
            r#"{"code":-1,"msg":"Idempotency-Key already used for another comment"}"#.into()
        )
    );
    assert_eq!(app.rows_with_content("keyed twice").await, 0);
    // Another key is another attempt, even with the same words.
    assert_eq!(post(&app, CLIENT, Some("k-2"), &body).await, ok(false));
    assert_eq!(app.rows_with_content("keyed once").await, 2);

    let_the_windows_pass(&app).await;
    assert_eq!(post(&app, CLIENT, Some("k-1"), &other).await, ok(false));
    assert_eq!(app.rows_with_content("keyed twice").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_idempotency_key_is_refused_and_nothing_stored() {
    let app = spawn_seeded(|_| {}).await;
    let body = json!({"vid": 2, "content": "bad key"});
    let too_long = "k".repeat(256);
    for key in ["", "two words", r#""open"#, too_long.as_str()] {
        assert_eq!(
            post(&app, CLIENT, Some(key), &body).await,
            (
                400,
                false,
                r#"{"code":-1,"msg":"invalid Idempotency-Key"}"#.into()
            ),
            "{key:?}"
        );
    }
    assert_eq!(app.rows_with_content("bad key").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_comment_from_the_same_client_within_the_window_is_stored_once() {
    let app = spawn_seeded(|_| {}).await;
    let body =
        json!({"vid": 4, "nick": "N", "avatar": "https://a.test/n.png", "content": "again?"});
    let ok = |replayed| (200, replayed, COMMENT_OK.to_owned());
    assert_eq!(post(&app, CLIENT, None, &body).await, ok(false));
    assert_eq!(post(&app, CLIENT, None, &body).await, ok(true));
    assert_eq!(app.rows_with_content("again?").await, 1);
    // Another client, or another nick, is another comment.
    assert_eq!(post(&app, "198.51.100.8", None, &body).await, ok(false));
    let mut renamed = body.clone();
    renamed["nick"] = json!("M");
    assert_eq!(post(&app, CLIENT, None, &renamed).await, ok(false));
    assert_eq!(app.rows_with_content("again?").await, 3);

    let_the_windows_pass(&app).await;
    assert_eq!(post(&app, CLIENT, None, &body).await, ok(false));
    assert_eq!(app.rows_with_content("again?").await, 4);
    let released: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE content = 'again?' AND dedup_key IS NULL")
        .await;
    assert_eq!(
        released, 1,
        "the expired attempt gave its key to the new one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_attempts_store_one_row() {
    let app = spawn_seeded(|settings| settings.workers = 2).await;
    let body = json!({"vid": 6, "nick": "T", "content": "double tap"});
    let attempts: Vec<_> = (0..12).map(|_| post(&app, CLIENT, None, &body)).collect();
    let answers = futures_util::future::join_all(attempts).await;
    assert!(
        answers
            .iter()
            .all(|(status, _, text)| *status == 200 && text == COMMENT_OK),
        "{answers:?}"
    );
    let replayed = answers.iter().filter(|(_, replayed, _)| *replayed).count();
    assert_eq!(replayed, answers.len() - 1, "{answers:?}");
    assert_eq!(app.rows_with_content("double tap").await, 1);
}
