//! Real responses validated against the published contract, `proto/video.openapi.yaml`: the
//! schema a check uses is the one the document gives for that path, method and status.

use serde_json::{Value, json};
use weapp_testkit::OpenApi;

use crate::helpers::spawn_seeded;

fn document() -> OpenApi {
    OpenApi::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/video.openapi.yaml"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_video_reply_conforms_to_the_contract() {
    let document = document();
    let app = spawn_seeded(|settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.burst = 2;
        settings.rate_limit.per_minute = 1;
    })
    .await;

    let list = "/applet/video/list";
    for (query, schema) in [
        ("1", "ListOk"),
        ("4", "ListOk"),
        ("9", "ListOk"),
        ("x", "Failed"),
    ] {
        let (status, body) = app.get_json(&format!("{list}?pageNo={query}")).await;
        document.assert_conforms("get", list, status, &body);
        document.assert_is(schema, &body);
    }

    let post = "/applet/video/comment";
    let posts = [
        (
            json!({"vid": 1, "nick": "", "avatar": "", "content": "契约 ✅"}),
            "CommentOk",
        ),
        (
            json!({"vid": 999, "content": "no such video"}),
            "CommentFailed",
        ),
        (
            json!({"vid": 1, "content": "over the burst"}),
            "CommentFailed",
        ),
    ];
    for (body, schema) in posts {
        let response = app
            .http
            .post(app.url(post))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let reply: Value = response.json().await.unwrap_or_default();
        document.assert_conforms("post", post, status, &reply);
        document.assert_is(schema, &reply);
    }

    let comments = "/applet/video/commentList";
    for (query, schema) in [
        ("1", "CommentListOk"),
        ("99", "CommentListOk"),
        ("", "Failed"),
    ] {
        let (status, body) = app.get_json(&format!("{comments}?vid={query}")).await;
        document.assert_conforms("get", comments, status, &body);
        document.assert_is(schema, &body);
    }

    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.get_json(path).await;
        document.assert_conforms("get", path, status, &body);
    }
    let (status, body) = app.send(app.http.delete(app.url(list))).await;
    document.assert_conforms("get", list, status, &body);
    let (status, body) = app.get_json("/applet/video/nope").await;
    assert_eq!(status, 404);
    document.assert_is("NotFound", &body);
}

/// The answers only a client sending `Idempotency-Key` can get conform, and every key the route
/// refuses as malformed the contract's schema refuses too (and accepts the ones it takes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_comments_conform_and_the_key_schema_matches_the_route() {
    let document = document();
    let app = spawn_seeded(|_| {}).await;
    let post = "/applet/video/comment";
    let send = |key: &str, content: &str| {
        app.http
            .post(app.url(post))
            .header("Idempotency-Key", key)
            .json(&json!({"vid": 3, "content": content}))
            .send()
    };
    for (key, content, status, schema) in [
        ("k-7", "first", 200, "CommentOk"),
        (r#""k-7""#, "first", 200, "CommentOk"),
        ("k-7", "second", 422, "IdempotencyKeyReused"),
        ("two words", "x", 400, "InvalidIdempotencyKey"),
        (r#""open"#, "x", 400, "InvalidIdempotencyKey"),
    ] {
        let response = send(key, content).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), status, "{key:?}");
        let reply: Value = response.json().await.unwrap_or_default();
        document.assert_conforms("post", post, status, &reply);
        document.assert_is(schema, &reply);
        let accepted = document.parameter_accepts("post", post, "Idempotency-Key", &json!(key));
        assert_eq!(
            accepted,
            status != 400,
            "the contract and the route disagree on {key:?}"
        );
    }
}
