//! Real responses validated against the published contract, `proto/video.openapi.yaml`: the
//! schema a check uses is the one the document gives for that path, method and status.
//!
//! The ~40-line validator is a copy of album's (`services/album/tests/api/openapi.rs`); the
//! workspace has no shared test-support crate yet, and two copies do not justify one.

use serde_json::{Value, json};

use crate::helpers::spawn_seeded;

fn document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/video.openapi.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Follow a local `$ref` (`#/components/...`) within the document.
fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(document, target)
        }
        None => node,
    }
}

/// Assert that `body` is what the document promises for `method path` with `status`.
fn assert_conforms(document: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let operation = document["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"));
    let response = operation["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{method} {path} has no {status} response"));
    let response = resolve(document, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status} has no JSON schema"
    );
    let mut root = schema.clone();
    root["components"] = document["components"].clone();
    let validator = jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("schema of {method} {path} {status}: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {body} does not conform: {errors:?}"
    );
}

/// Assert that `body` matches the named schema — to tell which branch of a `oneOf` a reply is.
fn assert_is(document: &Value, name: &str, body: &Value) {
    let root = json!({"$ref": format!("#/components/schemas/{name}"), "components": document["components"]});
    let valid = jsonschema::validator_for(&root).map(|validator| validator.is_valid(body));
    assert_eq!(valid.ok(), Some(true), "{body} is not a {name}");
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
        assert_conforms(&document, "get", list, status, &body);
        assert_is(&document, schema, &body);
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
        assert_conforms(&document, "post", post, status, &reply);
        assert_is(&document, schema, &reply);
    }

    let comments = "/applet/video/commentList";
    for (query, schema) in [
        ("1", "CommentListOk"),
        ("99", "CommentListOk"),
        ("", "Failed"),
    ] {
        let (status, body) = app.get_json(&format!("{comments}?vid={query}")).await;
        assert_conforms(&document, "get", comments, status, &body);
        assert_is(&document, schema, &body);
    }

    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.get_json(path).await;
        assert_conforms(&document, "get", path, status, &body);
    }
    let (status, body) = app.send(app.http.delete(app.url(list))).await;
    assert_conforms(&document, "get", list, status, &body);
    let (status, body) = app.get_json("/applet/video/nope").await;
    assert_eq!(status, 404);
    assert_is(&document, "NotFound", &body);
}
