//! The `weapp-session` algorithm (`spec/originals.md` §3.1) step by step.

use actix_web::{ResponseError, http::StatusCode};
use serde_json::json;

use super::*;
use crate::Reason;

#[tokio::test]
async fn no_code_passes_through_anonymously_without_asking_anyone() {
    let f = fixture().await;
    assert_eq!(f.auth.check(SessionHeaders::Anonymous).await, Ok(None));
    assert!(
        f.wechat
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn first_request_stores_the_session_under_code_and_openid() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    let user = f
        .auth
        .check(first_request("c1", BAND_RAW, BAND_SIGNATURE))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("a user"));
    assert_eq!(user.open_id().as_str(), BAND_OPENID);
    assert_eq!(user.profile()["nickName"], "Band");

    let stored: Value = serde_json::from_str(&f.store.raw("weapp-session:c1").unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(stored["openId"], BAND_OPENID);
    assert_eq!(stored["city"], "Guangzhou");
    assert_eq!(
        f.store
            .raw(&format!("weapp-session:{BAND_OPENID}"))
            .as_deref(),
        Some("\"c1\""),
        "the openid key holds the code as a JSON string"
    );
    let cached = f.auth.check(SessionHeaders::Code(code("c1"))).await;
    assert_eq!(cached, Ok(Some(user)));
}

#[tokio::test]
async fn unknown_code_is_expired() {
    let f = fixture().await;
    let error = f.auth.check(SessionHeaders::Code(code("nope"))).await.err();
    assert_eq!(error, Some(crate::SessionError::expired()));
}

#[tokio::test]
async fn relogin_evicts_the_previous_code() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    f.wechat_knows("c2", BAND_OPENID, BAND_KEY).await;
    for code_text in ["c1", "c2"] {
        let result = f
            .auth
            .check(first_request(code_text, BAND_RAW, BAND_SIGNATURE))
            .await;
        assert!(matches!(result, Ok(Some(_))), "{result:?}");
    }
    assert_eq!(f.store.raw("weapp-session:c1"), None);
    assert!(f.store.raw("weapp-session:c2").is_some());
    let old = f.auth.check(SessionHeaders::Code(code("c1"))).await.err();
    assert_eq!(old.and_then(|e| e.reason()), Some(Reason::SessionExpired));
}

#[tokio::test]
async fn a_wrong_signature_is_untrusted_and_stores_nothing() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    let tampered = BAND_RAW.replace("\"gender\":1", "\"gender\":2");
    let error = f
        .auth
        .check(first_request("c1", &tampered, BAND_SIGNATURE))
        .await
        .err();
    assert_eq!(error, Some(crate::SessionError::untrusted()));
    assert_eq!(f.store.raw("weapp-session:c1"), None);
}

#[tokio::test]
async fn uppercase_or_missing_signatures_are_untrusted() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    f.wechat_knows("c2", BAND_OPENID, BAND_KEY).await;
    let upper = BAND_SIGNATURE.to_ascii_uppercase();
    for (code_text, signature) in [("c1", upper.as_str()), ("c2", "")] {
        let error = f
            .auth
            .check(first_request(code_text, BAND_RAW, signature))
            .await;
        assert_eq!(
            error.err().and_then(|e| e.reason()),
            Some(Reason::UntrustedRawData)
        );
    }
}

#[tokio::test]
async fn wechat_refusal_is_an_exchange_failure_with_its_answer_as_detail() {
    let f = fixture().await;
    let refusal = json!({"errcode": 40029, "errmsg": "invalid code"});
    f.wechat_answers("bad", refusal.clone(), 1).await;
    let error = f
        .auth
        .check(first_request("bad", BAND_RAW, BAND_SIGNATURE))
        .await
        .err()
        .unwrap_or_else(|| panic!("must fail"));
    assert_eq!(error, crate::SessionError::exchange_failed(Some(refusal)));
    assert!(error.body_json().contains(r#""detail":{"errcode":40029"#));
}

#[tokio::test]
async fn unreachable_wechat_is_an_exchange_failure_without_detail() {
    // Nothing listens on port 1 of loopback.
    let (auth, _) = build("http://127.0.0.1:1", DEMO_APP_ID);
    let error = auth
        .check(first_request("c1", BAND_RAW, BAND_SIGNATURE))
        .await
        .err();
    assert_eq!(error, Some(crate::SessionError::exchange_failed(None)));
}

#[tokio::test]
async fn non_json_raw_data_fails_before_the_code_is_spent() {
    let f = fixture().await;
    let error = f
        .auth
        .check(first_request("c1", "{nickName", "x"))
        .await
        .err();
    assert_eq!(error.as_ref().map(|e| e.name()), Some("SyntaxError"));
    assert_eq!(error.and_then(|e| e.reason()), None);
    let calls = f.wechat.received_requests().await.unwrap_or_default();
    assert!(calls.is_empty(), "WeChat must not be asked");
}

#[tokio::test]
async fn a_store_outage_is_503_and_recovers() {
    let f = fixture().await;
    f.store.set_down(true);
    let error = f.auth.check(SessionHeaders::Code(code("c1"))).await.err();
    assert_eq!(
        error.map(|e| e.status_code()),
        Some(StatusCode::SERVICE_UNAVAILABLE)
    );
    f.store.set_down(false);
    let error = f.auth.check(SessionHeaders::Code(code("c1"))).await.err();
    assert_eq!(error.and_then(|e| e.reason()), Some(Reason::SessionExpired));
}

#[tokio::test]
async fn sessions_expire_after_the_ttl_and_are_not_refreshed_by_use() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    let first = f
        .auth
        .check(first_request("c1", BAND_RAW, BAND_SIGNATURE))
        .await;
    assert!(matches!(first, Ok(Some(_))));
    // Only the store's clock from here on (the WeChat call above needed real time).
    tokio::time::pause();
    tokio::time::advance(TTL - Duration::from_secs(1)).await;
    assert!(matches!(
        f.auth.check(SessionHeaders::Code(code("c1"))).await,
        Ok(Some(_))
    ));
    tokio::time::advance(Duration::from_secs(2)).await;
    let error = f.auth.check(SessionHeaders::Code(code("c1"))).await.err();
    assert_eq!(error.and_then(|e| e.reason()), Some(Reason::SessionExpired));
}
