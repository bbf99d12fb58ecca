//! `GET /applet/video/list?pageNo=`: paging, the page count, and refused page numbers.

use serde_json::Value;

use crate::helpers::{failed, spawn_app, spawn_seeded};

fn ids(body: &Value) -> Vec<u64> {
    body["data"]["list"]
        .as_array()
        .map(|list| list.iter().filter_map(|row| row["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_hold_six_videos_in_id_order_with_the_page_count() {
    let app = spawn_seeded(|_| {}).await;
    let mut seen = Vec::new();
    for page in 1..=4 {
        let body = app.list(&page.to_string()).await;
        assert_eq!(
            (&body["code"], &body["msg"]),
            (&Value::from(0), &Value::from("ok"))
        );
        assert_eq!(body["data"]["totalPage"], 4, "{body}");
        assert_eq!(ids(&body).len(), 6, "{body}");
        seen.extend(ids(&body));
    }
    assert_eq!(seen, (1..=24).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_carry_the_fields_the_original_client_reads() {
    let app = spawn_seeded(|_| {}).await;
    let body = app.list("1").await;
    let first = &body["data"]["list"][0];
    assert_eq!(first["id"], 1);
    assert_eq!(first["video_title"], "叶问3 终极预告");
    for field in ["video_url", "video_image"] {
        let url = first[field].as_str().unwrap_or_default();
        assert!(url.starts_with("http"), "{field}: {first}");
    }
    assert_eq!(first["created_at"], "2016-03-01T11:03:36.000Z");
    let keys: Vec<&str> = first
        .as_object()
        .map(|row| row.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id",
            "video_url",
            "video_title",
            "video_image",
            "video_desc",
            "created_at"
        ],
        "the table's column order, as the original's `SELECT *` rows had"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_past_the_last_is_empty_and_keeps_the_page_count() {
    let app = spawn_seeded(|_| {}).await;
    for page in ["5", "4294967295"] {
        let body = app.list(page).await;
        assert_eq!(
            body,
            serde_json::json!({"code":0,"msg":"ok","data":{"list":[],"totalPage":4}}),
            "pageNo={page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_page_numbers_get_the_failure_envelope() {
    let app = spawn_seeded(|_| {}).await;
    for query in [
        "",
        "?pageNo=",
        "?pageNo=abc",
        "?pageNo=0",
        "?pageNo=-1",
        "?pageNo=1.5",
        "?pageNo=%201",
        "?pageNo=4294967296",
        "?pageNo=99999999999999999999999",
        "?pageNo=1&pageNo=2",
        "?pageno=1",
    ] {
        let (status, body) = app.get_json(&format!("/applet/video/list{query}")).await;
        assert_eq!((status, body), (200, failed()), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_count_rounds_up_and_follows_the_configured_page_size() {
    let app = spawn_app(|settings| settings.page_size = 4).await;
    let empty = app.list("1").await;
    assert_eq!(
        empty,
        serde_json::json!({"code":0,"msg":"ok","data":{"list":[],"totalPage":0}})
    );
    app.db.insert_videos(9).await;
    let body = app.list("3").await;
    assert_eq!(body["data"]["totalPage"], 3);
    assert_eq!(ids(&body), [9]);
    assert_eq!(
        body["data"]["list"][0]["created_at"],
        "2017-01-01T00:00:09.250Z"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_is_strict_and_wrong_methods_get_405() {
    let app = spawn_seeded(|_| {}).await;
    let (status, body) = app
        .send(app.http.post(app.url("/applet/video/list?pageNo=1")))
        .await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["msg"], "method not allowed");
    for path in [
        "/applet/video/list/?pageNo=1",
        "/applet/video/List?pageNo=1",
        "/video/list",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let head = app
        .http
        .head(app.url("/applet/video/list?pageNo=1"))
        .send()
        .await
        .map(|response| response.status().as_u16());
    assert_eq!(head.ok(), Some(200));
}
