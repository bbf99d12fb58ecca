//! `POST /applet/video/comment` and `GET /applet/video/commentList?vid=`: storing, listing,
//! text kept intact, limits, and refusals — each checked behind the service with direct SQL.

use serde_json::{Value, json};

use crate::helpers::{COMMENT_FAILED, COMMENT_OK, failed, spawn_app, spawn_seeded};

fn comment(vid: Value, content: &str) -> Value {
    json!({
        "vid": vid,
        "nick": "小明",
        "avatar": "https://wx.qlogo.cn/mmopen/vi_32/abc/132",
        "content": content,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_is_stored_and_listed_newest_first() {
    let app = spawn_seeded(|_| {}).await;
    let before = app.comments(3).await.len();
    assert_eq!(
        app.post_comment(&comment(json!(3), "first")).await,
        (200, COMMENT_OK.into())
    );
    // The original client sends `vid` as it holds it; a string works like a number.
    assert_eq!(
        app.post_comment(&comment(json!("3"), "second")).await,
        (200, COMMENT_OK.into())
    );
    let listed = app.comments(3).await;
    assert_eq!(listed.len(), before + 2);
    assert_eq!(
        (&listed[0]["content"], &listed[1]["content"]),
        (&json!("second"), &json!("first"))
    );
    assert!(listed[0]["id"].as_u64() > listed[1]["id"].as_u64());
    assert_eq!(listed[0]["vid"], 3);
    assert_eq!(listed[0]["nick"], "小明");
    assert_eq!(
        listed[0]["avatar"],
        "https://wx.qlogo.cn/mmopen/vi_32/abc/132"
    );
    let stored: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE vid = 3 AND content IN ('first','second')")
        .await;
    assert_eq!(stored, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_urlencoded_comment_works_like_json() {
    let app = spawn_seeded(|_| {}).await;
    let request = app
        .http
        .post(app.url("/applet/video/comment"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("vid=5&nick=Ana&content=%E5%A5%BD%E7%9C%8B+%F0%9F%91%8D");
    assert_eq!(app.post_raw(request).await, (200, COMMENT_OK.into()));
    let listed = app.comments(5).await;
    assert_eq!(
        (&listed[0]["content"], &listed[0]["avatar"]),
        (&json!("好看 👍"), &json!(""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emoji_and_chinese_are_stored_intact() {
    let app = spawn_seeded(|_| {}).await;
    // 4-byte emoji, a ZWJ family, a skin tone, a flag, CJK, a combining accent, Cyrillic.
    let text = "太好看了！😂👨‍👩‍👧‍👦👍🏽🇨🇳 e\u{301} Привет";
    let nick = "🐼熊猫";
    let body = json!({"vid": 2, "nick": nick, "avatar": "", "content": text});
    assert_eq!(app.post_comment(&body).await, (200, COMMENT_OK.into()));
    let listed = app.comments(2).await;
    assert_eq!(
        (&listed[0]["content"], &listed[0]["nick"]),
        (&json!(text), &json!(nick))
    );
    // Behind the service: the exact UTF-8 bytes and MySQL's own character count.
    let hex: String = app
        .db
        .scalar("SELECT HEX(content) FROM comment ORDER BY id DESC LIMIT 1")
        .await;
    let expected: String = text.bytes().map(|b| format!("{b:02X}")).collect();
    assert_eq!(hex, expected);
    let chars: u64 = app
        .db
        .scalar("SELECT CHAR_LENGTH(content) FROM comment ORDER BY id DESC LIMIT 1")
        .await;
    assert_eq!(chars, text.chars().count() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_are_stored_only_for_existing_videos() {
    let app = spawn_seeded(|_| {}).await;
    let before: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    for vid in [json!(25), json!(4_294_967_295_u64)] {
        assert_eq!(
            app.post_comment(&comment(vid, "into the void")).await,
            (200, COMMENT_FAILED.into())
        );
    }
    let after: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    assert_eq!(after, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn length_limits_come_from_the_configuration() {
    let app = spawn_seeded(|settings| {
        settings.comment.content_max_chars = 50;
        settings.comment.nick_max_chars = 8;
        settings.comment.avatar_max_chars = 40;
    })
    .await;
    let exactly = |n: usize| "字".repeat(n);
    let accepted =
        json!({"vid": 1, "nick": exactly(8), "avatar": "https://a.test/", "content": exactly(50)});
    assert_eq!(app.post_comment(&accepted).await.1, COMMENT_OK);
    let long_avatar = format!("https://a.test/{}", "x".repeat(26));
    for refused in [
        json!({"vid": 1, "nick": "n", "content": exactly(51)}),
        json!({"vid": 1, "nick": exactly(9), "content": "hi"}),
        json!({"vid": 1, "nick": "n", "avatar": long_avatar, "content": "hi"}),
    ] {
        assert_eq!(
            app.post_comment(&refused).await,
            (200, COMMENT_FAILED.into()),
            "{refused}"
        );
    }
    let stored: u64 = app
        .db
        .scalar("SELECT COUNT(*) FROM comment WHERE vid = 1 AND CHAR_LENGTH(content) >= 50")
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_comments_get_the_bare_failure_and_store_nothing() {
    let app = spawn_seeded(|settings| settings.json_body_limit = 2048).await;
    let before: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    let post = || app.http.post(app.url("/applet/video/comment"));
    let json_body = |body: &str| {
        post()
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    for request in [
        json_body("{oops"),
        json_body("[1,2,3]"),
        json_body(r#"{"nick":"a","content":"no vid"}"#),
        json_body(r#"{"vid":"abc","content":"x"}"#),
        json_body(r#"{"vid":0,"content":"x"}"#),
        json_body(r#"{"vid":-1,"content":"x"}"#),
        json_body(r#"{"vid":1.5,"content":"x"}"#),
        json_body(r#"{"vid":1}"#),
        json_body(r#"{"vid":1,"content":"   "}"#),
        json_body(r#"{"vid":1,"content":"x","avatar":"ftp://a.test/x.png"}"#),
        json_body(&format!(r#"{{"vid":1,"content":"{}"}}"#, "x".repeat(3000))),
        post()
            .header("content-type", "text/plain")
            .body("vid=1&content=x"),
        post(),
    ] {
        assert_eq!(app.post_raw(request).await, (200, COMMENT_FAILED.into()));
    }
    let after: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    assert_eq!(after, before);
    let (status, body) = app.get_json("/applet/video/comment").await;
    assert_eq!((status, &body["msg"]), (405, &json!("method not allowed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_list_refuses_bad_vids_and_is_empty_for_unknown_videos() {
    let app = spawn_seeded(|_| {}).await;
    for query in [
        "",
        "?vid=",
        "?vid=abc",
        "?vid=0",
        "?vid=-3",
        "?vid=4294967296",
        "?vid=1&vid=2",
    ] {
        let (status, body) = app
            .get_json(&format!("/applet/video/commentList{query}"))
            .await;
        assert_eq!((status, body), (200, failed()), "{query}");
    }
    let (status, body) = app.get_json("/applet/video/commentList?vid=99").await;
    assert_eq!(
        (status, body),
        (200, json!({"code":0,"msg":"ok","data":[]}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_list_returns_the_newest_list_max() {
    let app = spawn_app(|settings| settings.comment.list_max = 3).await;
    app.db.insert_videos(1).await;
    for i in 1..=5 {
        assert_eq!(
            app.post_comment(&comment(json!(1), &format!("c{i}")))
                .await
                .1,
            COMMENT_OK
        );
    }
    let contents: Vec<Value> = app
        .comments(1)
        .await
        .iter()
        .map(|c| c["content"].clone())
        .collect();
    assert_eq!(contents, [json!("c5"), json!("c4"), json!("c3")]);
    // On the wire: the original's content type, compact JSON, the row's column order.
    let response = app
        .http
        .get(app.url("/applet/video/commentList?vid=1"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8")
    );
    let text = response.text().await.unwrap_or_default();
    assert!(
        text.starts_with(r#"{"code":0,"msg":"ok","data":[{"id":"#),
        "{text}"
    );
    assert!(
        text.contains(r#","vid":1,"nick":"小明","avatar":"https://wx.qlogo.cn/mmopen/vi_32/abc/132","content":"c5","created_at":""#),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_and_never_stored() {
    let app = spawn_seeded(|_| {}).await;
    let before: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    for body in [
        json!({"vid": 1, "nick": "n", "content": "NUL \u{0} inside"}),
        json!({"vid": 1, "nick": "n", "content": "clear \u{1b}[2J screen"}),
        json!({"vid": 1, "nick": "n", "content": "bare \r return"}),
        json!({"vid": 1, "nick": "nick\u{0}", "content": "fine"}),
    ] {
        assert_eq!(
            app.post_comment(&body).await,
            (200, COMMENT_FAILED.into()),
            "{body}"
        );
    }
    let after: u64 = app.db.scalar("SELECT COUNT(*) FROM comment").await;
    assert_eq!(after, before);
    // A browser form turns each line break into CRLF: kept as sent, with tabs.
    let request = app
        .http
        .post(app.url("/applet/video/comment"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("vid=1&content=line+1%0D%0A%09line+2");
    assert_eq!(app.post_raw(request).await, (200, COMMENT_OK.into()));
    assert_eq!(app.comments(1).await[0]["content"], "line 1\r\n\tline 2");
}
