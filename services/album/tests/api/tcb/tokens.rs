//! The access token of two album instances on one app: shared through Redis and fetched once
//! under concurrent requests, renewed once when WeChat expires it mid-flight, and never in a
//! reply.

use futures_util::future::join_all;
use serde_json::json;
use wx_api::TokenMode;

use super::{Album, Run, spawn_album, spawn_sim};

/// `n` lists on each album at once; every answer must be a success naming `expected` images.
async fn list_concurrently(albums: &[&Album], n: usize, expected: usize) {
    let lists = albums
        .iter()
        .flat_map(|album| (0..n).map(move |_| album.get("/list")));
    for (status, body) in join_all(lists).await {
        assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
        assert_eq!(
            body["data"].as_array().map(Vec::len),
            Some(expected),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_token_and_renew_it_once() {
    let sim = spawn_sim(|_| {});
    let run = Run::new();
    let settings = run.settings(&sim.base, TokenMode::AppSecret);
    // Both start at once: both prepare through WeChat.
    let (first, second) = tokio::join!(spawn_album(&settings, true), spawn_album(&settings, true));
    assert_eq!(
        sim.token_calls().await,
        1,
        "one exchange for both instances"
    );

    let uploads = join_all([
        first.upload("rocket.jpg"),
        second.upload("chelsea-small.jpg"),
        first.upload("astronaut-256.png"),
    ])
    .await;
    for reply in &uploads {
        assert_eq!(reply["code"], 0, "{reply}");
    }
    list_concurrently(&[&first, &second], 8, 3).await;
    assert_eq!(sim.token_calls().await, 1, "still the one token");

    // WeChat expires the token the instances hold: the next calls of both get 42001.
    let before = run.shared_token().expect("a shared token");
    sim.expire_tokens().await;
    list_concurrently(&[&first, &second], 8, 3).await;
    assert_eq!(
        sim.token_calls().await,
        2,
        "renewed once for both instances"
    );
    let after = run.shared_token().expect("a shared token");
    assert_ne!(before, after);

    // Neither the token nor the AppSecret is in any reply.
    for album in [&first, &second] {
        for route in ["/list", "/upload-form?contentType=image/png"] {
            let (_, body) = album.get(route).await;
            let text = body.to_string();
            assert!(!text.contains(&after), "{route}: {text}");
            assert!(!text.contains(wx_api::sim::DEFAULT_APP_SECRET), "{route}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expired_mid_flight_is_renewed_and_the_upload_succeeds() {
    let sim = spawn_sim(|_| {});
    let run = Run::new();
    let album = spawn_album(&run.settings(&sim.base, TokenMode::AppSecret), true).await;
    assert_eq!(sim.token_calls().await, 1);

    // The album holds a token WeChat has since expired: the upload's first call is refused.
    sim.expire_tokens().await;
    let reply = album.upload("rocket.jpg").await;
    assert_eq!(reply["code"], 0, "{reply}");
    assert_eq!(sim.token_calls().await, 2);

    // And once more past the token's lifetime on WeChat's clock.
    sim.advance(7200).await;
    assert_eq!(album.list().await.len(), 1);
    assert_eq!(sim.token_calls().await, 3);
}
