//! The token keeper against a scripted WeChat (`wiremock`): each mode's query parameter, the
//! `stable_token` request byte for byte, the renew-once-and-retry rule (and `force_refresh` when
//! a stable token is refused while current), and configurations that cannot work.

use std::time::Duration;

use wiremock::{
    Mock, MockServer,
    matchers::{body_string, method, path, query_param},
};
use wx_api::{Secret, TokenConfig, TokenKeeper, TokenMode, WxError};

use crate::{
    helpers::client,
    tcb_shapes::{
        APP_ID, PATH, SECRET, give_token, path_and_query, requests_to, serve_tickets, storage,
        wechat,
    },
};

#[tokio::test]
async fn each_mode_carries_its_own_parameter() {
    for (mode, exchanged, call) in [
        (
            TokenMode::AppSecret,
            "/cgi-bin/token",
            "/tcb/uploadfile?access_token=ACCESS_TOKEN",
        ),
        (
            TokenMode::Cloudbase,
            "",
            "/tcb/uploadfile?cloudbase_access_token=CLOUDBASE_TOKEN",
        ),
        (TokenMode::OpenApi, "", "/tcb/uploadfile"),
    ] {
        let server = MockServer::start().await;
        give_token(&server, "ACCESS_TOKEN", 1).await;
        serve_tickets(&server, None, 1).await;
        storage(&server, mode)
            .upload_ticket(PATH)
            .await
            .expect("a ticket");
        let requests = server.received_requests().await.expect("recording is on");
        let seen: Vec<String> = requests.iter().map(path_and_query).collect();
        let mut expected: Vec<String> = vec![call.to_owned()];
        if !exchanged.is_empty() {
            expected.insert(
                0,
                format!("{exchanged}?grant_type=client_credential&appid={APP_ID}&secret={SECRET}"),
            );
        }
        assert_eq!(seen, expected, "{mode:?}");
    }
}

#[tokio::test]
async fn stable_token_is_the_documents_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_string(format!(
            r#"{{"grant_type":"client_credential","appid":"{APP_ID}","secret":"{SECRET}","force_refresh":false}}"#
        )))
        .respond_with(wechat(r#"{"access_token":"STABLE","expires_in":7200}"#))
        .expect(1)
        .mount(&server)
        .await;
    serve_tickets(&server, Some("STABLE"), 1).await;
    storage(&server, TokenMode::StableToken)
        .upload_ticket(PATH)
        .await
        .expect("a ticket");
    let [request] = &requests_to(&server, "/cgi-bin/stable_token").await[..] else {
        panic!("one exchange");
    };
    assert_eq!(
        request.url.query(),
        None,
        "the secret travels in the body only"
    );
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_retried_once() {
    let server = MockServer::start().await;
    give_token(&server, "T1", 1).await;
    give_token(&server, "T2", 1).await;
    Mock::given(path("/tcb/uploadfile"))
        .and(query_param("access_token", "T1"))
        .respond_with(wechat(
            r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest rid: 1-2-3"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    serve_tickets(&server, Some("T2"), 1).await;
    storage(&server, TokenMode::AppSecret)
        .upload_ticket(PATH)
        .await
        .expect("the retry succeeds");
    assert_eq!(requests_to(&server, "/cgi-bin/token").await.len(), 2);
}

#[tokio::test]
async fn a_token_refused_again_after_renewal_is_the_callers_error() {
    let server = MockServer::start().await;
    give_token(&server, "T1", 1).await;
    give_token(&server, "T2", 1).await;
    Mock::given(path("/tcb/uploadfile"))
        .respond_with(wechat(
            r#"{"errcode":42001,"errmsg":"access_token expired rid: 1-2-3"}"#,
        ))
        .expect(2)
        .mount(&server)
        .await;
    let error = storage(&server, TokenMode::AppSecret)
        .upload_ticket(PATH)
        .await
        .expect_err("refused twice");
    assert!(error.is_token_error(), "{error:?}");
    assert_eq!(requests_to(&server, "/cgi-bin/token").await.len(), 2);
}

#[tokio::test]
async fn other_wechat_errors_are_typed_and_not_retried() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    Mock::given(path("/tcb/uploadfile"))
        .respond_with(wechat(
            r#"{"errcode":-501000,"errmsg":"Environment not found TcbCode: [INVALID_ENV] rid: 1-2-3"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    match storage(&server, TokenMode::AppSecret)
        .upload_ticket(PATH)
        .await
    {
        Err(WxError::Api { errcode, errmsg }) => {
            assert_eq!(errcode, -501000);
            assert!(errmsg.starts_with("Environment not found"), "{errmsg}");
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stable_token_refused_while_current_is_force_refreshed() {
    let server = MockServer::start().await;
    let stable = |force: bool, token: &str| {
        Mock::given(path("/cgi-bin/stable_token"))
            .and(body_string(format!(
                r#"{{"grant_type":"client_credential","appid":"{APP_ID}","secret":"{SECRET}","force_refresh":{force}}}"#
            )))
            .respond_with(wechat(&format!(r#"{{"access_token":"{token}","expires_in":7200}}"#)))
    };
    stable(false, "S1").expect(2).mount(&server).await;
    stable(true, "S2").expect(1).mount(&server).await;
    Mock::given(path("/tcb/uploadfile"))
        .and(query_param("access_token", "S1"))
        .respond_with(wechat(
            r#"{"errcode":40001,"errmsg":"invalid credential rid: 1-2-3"}"#,
        ))
        .mount(&server)
        .await;
    serve_tickets(&server, Some("S2"), 1).await;
    storage(&server, TokenMode::StableToken)
        .upload_ticket(PATH)
        .await
        .expect("the retry with the forced token succeeds");
}

#[test]
fn a_mode_without_what_it_needs_is_a_config_error() {
    let wx = client("http://127.0.0.1:9", APP_ID, "", Duration::from_secs(1));
    for mode in [
        TokenMode::AppSecret,
        TokenMode::StableToken,
        TokenMode::Cloudbase,
    ] {
        let config = TokenConfig {
            mode,
            ..TokenConfig::default()
        };
        assert!(
            matches!(
                TokenKeeper::new(wx.clone(), &config),
                Err(WxError::Config(_))
            ),
            "{mode:?}"
        );
    }
    let short_lock = TokenConfig {
        redis_url: Secret::from("redis://127.0.0.1:6379"),
        lock_ttl_ms: 1000,
        ..TokenConfig::default()
    };
    let wx = client("http://127.0.0.1:9", APP_ID, SECRET, Duration::from_secs(1));
    assert!(matches!(
        TokenKeeper::new(wx, &short_lock),
        Err(WxError::Config(_))
    ));
}
