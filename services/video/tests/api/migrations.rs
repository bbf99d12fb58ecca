//! Migrations and seed data: idempotent, utf8mb4 everywhere, safe when instances start together.

use crate::helpers::{TestDb, spawn_on, test_settings};
use video::{
    Application,
    db::migrate::{SeedCounts, migrate, seed},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_and_record_their_version() {
    let db = TestDb::create_empty().await;
    let first = migrate(&db.mysql).await.unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(first, ["V1__video_and_comment", "V2__comment_attempts"]);
    let second = migrate(&db.mysql).await.unwrap_or_else(|e| panic!("{e:#}"));
    assert!(second.is_empty(), "{second:?}");
    let recorded: u64 = db
        .scalar("SELECT COUNT(*) FROM refinery_schema_history WHERE version IN (1, 2)")
        .await;
    assert_eq!(recorded, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_text_column_is_utf8mb4() {
    let db = TestDb::create().await;
    let sql = format!(
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{}' \
         AND TABLE_NAME IN ('video','comment') AND CHARACTER_SET_NAME IS NOT NULL \
         AND CHARACTER_SET_NAME <> 'utf8mb4'",
        db.mysql.database
    );
    let other: u64 = db.scalar(&sql).await;
    assert_eq!(other, 0);
    let text_columns: u64 = db.scalar(&sql.replace("<> 'utf8mb4'", "= 'utf8mb4'")).await;
    assert_eq!(
        text_columns, 7,
        "video_url/_title/_image/_desc and nick/avatar/content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() {
    let db = TestDb::create_empty().await;
    let (a, b) = tokio::join!(migrate(&db.mysql), migrate(&db.mysql));
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e:#}")),
        b.unwrap_or_else(|e| panic!("{e:#}")),
    );
    let mut applied = [a.len(), b.len()];
    applied.sort_unstable();
    assert_eq!(
        applied,
        [0, 2],
        "one instance migrated, the other found nothing to do"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_is_a_catalogue_of_24_and_idempotent() {
    let db = TestDb::create_empty().await;
    let expected = SeedCounts {
        videos: 24,
        comments: 10,
    };
    assert_eq!(seed(&db.mysql).await.ok(), Some(expected));
    assert_eq!(seed(&db.mysql).await.ok(), Some(expected));
    let urls: u64 = db
        .scalar(
            "SELECT COUNT(*) FROM video WHERE (video_url LIKE '%.mp4' OR video_url LIKE '%.m3u8') \
             AND video_image LIKE 'http%' AND video_title <> ''",
        )
        .await;
    assert_eq!(urls, 24);
    let emoji: u64 = db
        .scalar("SELECT COUNT(*) FROM comment WHERE LENGTH(content) > CHAR_LENGTH(content)")
        .await;
    assert!(emoji >= 5, "seed comments carry CJK and emoji");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_migrates_when_configured() {
    let db = TestDb::create_empty().await;
    let app = spawn_on(db, |settings| settings.migrate_on_start = true).await;
    let body = app.list("1").await;
    assert_eq!(
        body,
        serde_json::json!({"code":0,"msg":"ok","data":{"list":[],"totalPage":0}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_fails_fast_when_it_cannot_migrate() {
    let db = TestDb::create_empty().await;
    let mut settings = test_settings(&db);
    settings.migrate_on_start = true;
    settings.mysql.host = "127.0.0.1".into();
    settings.mysql.port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let error = Application::build(&settings)
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("applying migrations"), "{error}");
    assert!(error.contains("connecting to MySQL"), "{error}");
}
