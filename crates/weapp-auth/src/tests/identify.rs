//! [`WeappAuth::identify`]: skey or `weapp-session` credentials from headers or parameters.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use super::*;
use crate::{AuthError, Credentials, LoginRequest, SkeyError};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    map
}

#[tokio::test]
async fn an_skey_in_a_query_parameter_identifies_its_user() {
    let f = fixture().await;
    f.wechat_knows("q1", DEMO_OPENID, DEMO_KEY).await;
    let login = f
        .auth
        .login(&LoginRequest {
            code: code("q1"),
            encrypted: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let skey = login.skey.expose().to_owned();
    let credentials = Credentials::gather(&HeaderMap::new(), [("skey", skey.as_str())]);
    let user = f.auth.identify(&credentials).await;
    assert_eq!(
        user.map(|u| u.map(|u| u.open_id().to_string())),
        Ok(Some(DEMO_OPENID.to_owned()))
    );
}

#[tokio::test]
async fn a_weapp_session_code_in_form_fields_logs_in_and_then_looks_up() {
    let f = fixture().await;
    f.wechat_knows("f1", BAND_OPENID, BAND_KEY).await;
    let raw = percent_encoding::utf8_percent_encode(BAND_RAW, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let first = Credentials::gather(
        &HeaderMap::new(),
        [
            ("code", "f1"),
            ("rawData", raw.as_str()),
            ("signature", BAND_SIGNATURE),
        ],
    );
    let user = f
        .auth
        .identify(&first)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        user.map(|u| u.open_id().to_string()).as_deref(),
        Some(BAND_OPENID)
    );
    // Later requests carry the code alone (WeChat is asked only once: `expect(1)`).
    let later = Credentials::gather(&headers(&[("x-wx-code", "f1")]), []);
    let user = f
        .auth
        .identify(&later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        user.map(|u| u.open_id().to_string()).as_deref(),
        Some(BAND_OPENID)
    );
}

#[tokio::test]
async fn bad_credentials_fail_with_their_protocols_body_and_none_is_anonymous() {
    let f = fixture().await;
    let unknown_skey = "a".repeat(64);
    let credentials = Credentials::gather(&headers(&[("x-wx-skey", &unknown_skey)]), []);
    assert_eq!(
        f.auth.identify(&credentials).await,
        Err(AuthError::Skey(SkeyError::Invalid))
    );
    let credentials = Credentials::gather(&headers(&[("x-wx-skey", "not an skey")]), []);
    assert_eq!(
        f.auth.identify(&credentials).await,
        Err(AuthError::Skey(SkeyError::Invalid))
    );
    let credentials = Credentials::gather(&headers(&[("x-wx-code", "never-stored")]), []);
    match f.auth.identify(&credentials).await {
        Err(AuthError::Session(error)) => {
            assert_eq!(error.reason(), Some(crate::Reason::SessionExpired));
        }
        other => panic!("expected ERR_SESSION_EXPIRED, got {other:?}"),
    }
    let none = Credentials::gather(&HeaderMap::new(), [("other", "x")]);
    assert_eq!(f.auth.identify(&none).await, Ok(None));
}
