//! The video service end to end: mini-program-shaped requests through nginx
//! (`WEAPP_BASE_URL`, `/applet/video/...`), the video service on 9994 and the stack's MySQL
//! database holding the seed catalogue (`video seed`) — all started by `scripts/up`.
//!
//! The comment this test posts is deleted again at the end with the `mariadb` client, as the
//! user of `WEAPP_TEST_MYSQL_URL` on database `WEAPP_E2E_VIDEO_DB` (default `video`); without
//! the client the comment stays and a note says so.

use std::{
    process::Command,
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};
use weapp_testkit::{env_or, read};

fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

/// Status, content type and body (JSON, or the raw text as a JSON string).
async fn get(client: &reqwest::Client, path: &str) -> (u16, String, Value) {
    let response = client
        .get(format!("{}{path}", base()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    read(response).await
}

async fn page(client: &reqwest::Client, page_no: u64) -> Value {
    let (status, content_type, body) =
        get(client, &format!("/applet/video/list?pageNo={page_no}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json; charset=utf-8");
    assert_eq!(
        body["code"], 0,
        "is the video database seeded (video seed)? {body}"
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_catalogue_pages_through_nginx() {
    let client = reqwest::Client::new();
    let first = page(&client, 1).await;
    let total_page = first["data"]["totalPage"].as_u64().unwrap_or_default();
    assert!(total_page >= 4, "the seed holds 24 trailers: {first}");
    let mut ids = Vec::new();
    for page_no in 1..=total_page {
        let body = page(&client, page_no).await;
        let list = body["data"]["list"].as_array().cloned().unwrap_or_default();
        assert!(
            !list.is_empty() && list.len() <= 6,
            "page {page_no}: {body}"
        );
        for video in &list {
            // What the original client reads from each row (spec/originals.md §4).
            for field in ["video_url", "video_image"] {
                let url = video[field].as_str().unwrap_or_default();
                assert!(url.starts_with("http"), "{field}: {video}");
            }
            assert!(!video["video_title"].as_str().unwrap_or_default().is_empty());
            ids.push(video["id"].as_u64().unwrap_or_default());
        }
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "id order across pages: {ids:?}"
    );
    let past = page(&client, total_page + 1).await;
    assert_eq!(past["data"], json!({"list": [], "totalPage": total_page}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_fail_in_the_original_envelope_through_nginx() {
    let client = reqwest::Client::new();
    for path in [
        "/applet/video/list",
        "/applet/video/list?pageNo=abc",
        "/applet/video/list?pageNo=0",
        "/applet/video/list?pageNo=99999999999",
        "/applet/video/commentList",
        "/applet/video/commentList?vid=-1",
    ] {
        let (status, _, body) = get(&client, path).await;
        assert_eq!(
            (status, body),
            (200, json!({"code":-1,"msg":"failed","data":{}})),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_posted_through_nginx_is_listed_first_and_intact() {
    let client = reqwest::Client::new();
    let vid = page(&client, 1).await["data"]["list"][0]["id"].clone();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let content = format!("e2e-{nanos}-{} 预告好看！🎬👍🏽", std::process::id());
    let body = json!({
        "vid": vid,
        "nick": "e2e 测试",
        "avatar": "https://www.gravatar.com/avatar/00000000000000000000000000000000?d=identicon",
        "content": content,
    });
    let reply = client
        .post(format!("{}/applet/video/comment", base()))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    assert_eq!(reply.status(), 200);
    let text = reply.text().await.unwrap_or_default();

    let (status, _, listed) = get(&client, &format!("/applet/video/commentList?vid={vid}")).await;
    delete_comment(&content);
    assert_eq!(text, r#"{"code":0,"msg":"ok"}"#);
    assert_eq!(status, 200);
    let newest = &listed["data"][0];
    assert_eq!(
        (&newest["content"], &newest["nick"]),
        (&json!(content), &json!("e2e 测试"))
    );
    assert_eq!(newest["vid"], vid);
}

/// Remove the test's comment from the stack database (best effort; see the module docs).
fn delete_comment(content: &str) {
    let url = env_or("WEAPP_TEST_MYSQL_URL", "mysql://weapp:weapp@127.0.0.1:3306");
    let database = env_or("WEAPP_E2E_VIDEO_DB", "video");
    let rest = url.strip_prefix("mysql://").unwrap_or(&url);
    let (credentials, address) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let address = address.split('/').next().unwrap_or(address);
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "3306"));
    // `content` is made above from digits, ASCII, CJK and emoji only: no quote to escape.
    let sql = format!("DELETE FROM comment WHERE content = '{content}'");
    let outcome = Command::new("mariadb")
        .args([
            "--protocol=TCP",
            "--default-character-set=utf8mb4",
            "-h",
            host,
            "-P",
            port,
        ])
        .args(["-u", user, &database, "-e", &sql])
        .env("MYSQL_PWD", password)
        .output();
    match outcome {
        Ok(output) if output.status.success() => {}
        Ok(output) => eprintln!(
            "note: the e2e comment stays in {database}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(error) => eprintln!("note: the e2e comment stays in {database} (mariadb: {error})"),
    }
}
