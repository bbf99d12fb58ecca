//! Every acknowledged comment is stored: N concurrent posts → N rows, listed in id order.

use std::collections::BTreeSet;

use serde_json::json;

use crate::helpers::{COMMENT_OK, spawn_seeded};

/// More posts than pooled connections (4) and HTTP workers (2), so they queue and interleave.
const POSTS: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_posts_are_all_stored_and_listed_in_id_order() {
    let app = spawn_seeded(|settings| {
        settings.workers = 2;
        settings.comment.list_max = 1000;
    })
    .await;
    let before: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE vid = 24")
        .await;
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..POSTS {
        let (http, url) = (app.http.clone(), app.url("/applet/video/comment"));
        posts.spawn(async move {
            let body =
                json!({"vid": 24, "nick": format!("user{i}"), "content": format!("并发 #{i} 🚀")});
            let response = http.post(url).json(&body).send().await?;
            Ok::<_, reqwest::Error>((i, response.status().as_u16(), response.text().await?))
        });
    }
    let mut acknowledged = BTreeSet::new();
    while let Some(joined) = posts.join_next().await {
        let (i, status, text) = joined
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((status, text.as_str()), (200, COMMENT_OK), "post {i}");
        acknowledged.insert(format!("并发 #{i} 🚀"));
    }
    assert_eq!(acknowledged.len(), POSTS);

    let rows: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE vid = 24")
        .await;
    assert_eq!(
        rows - before,
        POSTS as u64,
        "every acknowledged comment is a row"
    );
    let listed = app.comments(24).await;
    let ids: Vec<u64> = listed.iter().filter_map(|c| c["id"].as_u64()).collect();
    assert_eq!(ids.len(), listed.len());
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, by id: {ids:?}"
    );
    let contents: BTreeSet<String> = listed
        .iter()
        .filter_map(|c| c["content"].as_str())
        .filter(|content| content.starts_with("并发"))
        .map(str::to_owned)
        .collect();
    assert_eq!(contents, acknowledged);
}
