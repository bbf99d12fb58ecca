//! `WxClient` against a scripted WeChat (`wiremock`): exact query parameters, WeChat's error
//! bodies passed through whole, and every way of getting no usable answer.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param},
};
use wx_api::{Jscode2SessionError, WxClient, WxConfig, WxError};

use crate::helpers::client;

const SECRET: &str = "wiremock-secret-TOPSECRET-0002";
const APP_ID: &str = "wxmock0000000001";

fn wechat_answer(body: &str) -> ResponseTemplate {
    // WeChat labels its JSON text/plain.
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/plain")
}

async fn mock_jscode2session(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

fn wx(server: &MockServer) -> WxClient {
    client(&server.uri(), APP_ID, SECRET, Duration::from_secs(5))
}

fn rejected_body(result: Result<wx_api::CodeSession, Jscode2SessionError>) -> Value {
    match result {
        Err(Jscode2SessionError::Rejected { body }) => body,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn unreachable_reason(result: Result<wx_api::CodeSession, Jscode2SessionError>) -> String {
    match result {
        Err(Jscode2SessionError::Unreachable(reason)) => reason,
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn success_yields_openid_session_key_and_unionid() {
    let server = MockServer::start().await;
    mock_jscode2session(
        &server,
        wechat_answer(
            r#"{"session_key":"HyVFkGl5F5OQWJZZaNzBBg==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#,
        ),
    )
    .await;
    let session = wx(&server)
        .jscode2session("081abcDEF")
        .await
        .expect("a session");
    assert_eq!(session.openid, "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    assert_eq!(
        session.session_key.expose_secret(),
        "HyVFkGl5F5OQWJZZaNzBBg=="
    );
    assert_eq!(
        session.unionid.as_deref(),
        Some("ocMvos6NjeKLIBqg5Mr9QjxrP1FA")
    );
}

#[tokio::test]
async fn the_query_carries_exactly_appid_secret_js_code_and_grant_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", APP_ID))
        .and(query_param("secret", SECRET))
        .and(query_param("js_code", "a b&c=d+é"))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(wechat_answer(r#"{"session_key":"k","openid":"o1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    wx(&server)
        .jscode2session("a b&c=d+é")
        .await
        .expect("the mock matched");
    let requests = server.received_requests().await.expect("recording is on");
    let mut pairs: Vec<(String, String)> = requests[0]
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let expected = [
        ("appid", APP_ID),
        ("grant_type", "authorization_code"),
        ("js_code", "a b&c=d+é"),
        ("secret", SECRET),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!(pairs, expected, "no more, no fewer parameters");
}

#[tokio::test]
async fn wechat_error_bodies_are_rejections_with_the_whole_body() {
    for body in [
        json!({"errcode": 40029, "errmsg": "invalid code"}),
        json!({"errcode": 40163, "errmsg": "code been used, rid: 64a1b2c3-1d2e3f4a-5b6c7d8e"}),
        json!({"errcode": 45011, "errmsg": "api minute-quota reach limit mustslower retry next minute"}),
        json!({"errcode": -1, "errmsg": "system error"}),
    ] {
        let server = MockServer::start().await;
        mock_jscode2session(&server, wechat_answer(&body.to_string())).await;
        let result = wx(&server).jscode2session("some-code").await;
        assert_eq!(rejected_body(result), body);
    }
}

#[tokio::test]
async fn an_error_body_labelled_json_is_a_rejection_too() {
    let server = MockServer::start().await;
    let body = json!({"errcode": 40029, "errmsg": "invalid code"});
    mock_jscode2session(&server, ResponseTemplate::new(200).set_body_json(&body)).await;
    let result = wx(&server).jscode2session("x").await;
    assert_eq!(rejected_body(result), body);
}

#[tokio::test]
async fn a_server_error_page_is_unreachable() {
    let server = MockServer::start().await;
    mock_jscode2session(
        &server,
        ResponseTemplate::new(500).set_body_raw(
            b"<html><body>502 Bad Gateway</body></html>".to_vec(),
            "text/html",
        ),
    )
    .await;
    let reason = unreachable_reason(wx(&server).jscode2session("x").await);
    assert!(reason.contains("500"), "{reason}");
}

#[tokio::test]
async fn a_non_json_200_is_unreachable() {
    let server = MockServer::start().await;
    mock_jscode2session(&server, wechat_answer("<html>maintenance</html>")).await;
    let reason = unreachable_reason(wx(&server).jscode2session("x").await);
    assert!(reason.contains("not JSON"), "{reason}");
}

#[tokio::test]
async fn json_that_is_not_an_object_is_unreachable() {
    let server = MockServer::start().await;
    mock_jscode2session(&server, wechat_answer(r#""session_key""#)).await;
    unreachable_reason(wx(&server).jscode2session("x").await);
}

#[tokio::test]
async fn a_session_key_without_openid_is_unreachable_and_not_echoed() {
    let server = MockServer::start().await;
    mock_jscode2session(
        &server,
        wechat_answer(r#"{"session_key":"SECRETKEY0000000000000=="}"#),
    )
    .await;
    let reason = unreachable_reason(wx(&server).jscode2session("x").await);
    assert!(!reason.contains("SECRETKEY"), "{reason}");
}

#[tokio::test]
async fn a_slow_answer_times_out_as_unreachable() {
    let server = MockServer::start().await;
    mock_jscode2session(
        &server,
        wechat_answer(r#"{"session_key":"k","openid":"o"}"#).set_delay(Duration::from_secs(30)),
    )
    .await;
    let slow = client(&server.uri(), APP_ID, SECRET, Duration::from_millis(200));
    let reason = unreachable_reason(slow.jscode2session("x").await);
    assert!(reason.contains("timed out"), "{reason}");
    assert!(!reason.contains(SECRET), "{reason}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable_without_the_secret_in_the_reason() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let closed = client(
        &format!("http://127.0.0.1:{port}"),
        APP_ID,
        SECRET,
        Duration::from_secs(2),
    );
    let reason = unreachable_reason(closed.jscode2session("x").await);
    assert!(!reason.contains(SECRET), "{reason}");
    assert!(!reason.contains("secret="), "{reason}");
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_and_trailing_slash_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wechat/sns/jscode2session"))
        .respond_with(wechat_answer(r#"{"session_key":"k","openid":"o1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let prefixed = client(
        &format!("{}/wechat/", server.uri()),
        APP_ID,
        SECRET,
        Duration::from_secs(5),
    );
    let session = prefixed.jscode2session("c").await.expect("a session");
    assert_eq!(session.openid, "o1");
}

#[test]
fn a_base_url_that_is_not_http_is_a_config_error() {
    for base_url in ["not a url", "ftp://api.weixin.qq.com", "https://x/?a=1"] {
        let result = WxClient::new(WxConfig {
            base_url: base_url.to_owned(),
            ..WxConfig::default()
        });
        assert!(matches!(result, Err(WxError::Config(_))), "{base_url}");
    }
}

#[tokio::test]
async fn access_token_sends_client_credential_and_reads_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", APP_ID))
        .and(query_param("secret", SECRET))
        .respond_with(wechat_answer(
            r#"{"access_token":"ACCESS-TOKEN-1","expires_in":7200}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let token = wx(&server).access_token().await.expect("a token");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&token.access_token),
        "ACCESS-TOKEN-1"
    );
    assert_eq!(token.expires_in, Duration::from_secs(7200));
    assert!(!format!("{token:?}").contains("ACCESS-TOKEN-1"));
}

#[tokio::test]
async fn access_token_errors_carry_errcode_and_errmsg() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(wechat_answer(
            r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#,
        ))
        .mount(&server)
        .await;
    match wx(&server).access_token().await {
        Err(WxError::Api { errcode, errmsg }) => {
            assert_eq!((errcode, errmsg.as_str()), (40125, "invalid appsecret"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
}
