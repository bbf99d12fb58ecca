//! `GET /metrics` after a known sequence (issue 15): sockets, players and frames counted.

use serde_json::Value;

use crate::helpers::spawn;

#[tokio::test]
async fn a_scrape_counts_the_sockets_players_and_frames_before_it() {
    let server = spawn(|_| {}).await;
    let mut first = server.json().await;
    let _second = server.json().await;
    for bad in ["{", r#"{"type":"nope"}"#] {
        first.send(bad).await;
        // The error frame answers it: the server has read and counted the frame.
        let reply: Value = serde_json::from_str(&first.text().await).unwrap_or_default();
        assert_eq!(reply["type"], "error");
    }
    let response = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap_or_default();
    let samples: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("weapp_ws_"))
        .collect();
    assert_eq!(
        samples,
        [
            "weapp_ws_connections 2",
            "weapp_ws_messages_received_total 2",
            "weapp_ws_messages_sent_total 0",
            "weapp_ws_players 2",
            "weapp_ws_rooms 0",
            "weapp_ws_rounds_total 0",
            "weapp_ws_slow_readers_closed_total 0",
            "weapp_ws_void_rounds_total 0",
        ],
        "{text}"
    );
}
