//! The modern login (`spec/originals.md` §7.2, improved): random skey, decryption, logout.

use serde_json::json;

use super::*;
use crate::{LoginError, LoginRequest, OpenId, SessionStore, SkeyError, login::EncryptedUserInfo};

fn with_profile(code_text: &str) -> LoginRequest {
    LoginRequest {
        code: code(code_text),
        encrypted: Some(EncryptedUserInfo {
            data: DEMO_ENCRYPTED.to_owned(),
            iv: DEMO_IV.to_owned(),
        }),
    }
}

fn code_only(code_text: &str) -> LoginRequest {
    LoginRequest {
        code: code(code_text),
        encrypted: None,
    }
}

#[tokio::test]
async fn login_decrypts_the_profile_and_issues_a_random_skey() {
    let f = fixture().await;
    f.wechat_knows("m1", DEMO_OPENID, DEMO_KEY).await;
    let login = f
        .auth
        .login(&with_profile("m1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(login.skey.expose().len(), 64);
    assert_eq!(login.expires_in, 7200);
    assert_eq!(login.userinfo.open_id().as_str(), DEMO_OPENID);
    assert_eq!(login.userinfo.profile()["nickName"], "Band");
    assert!(login.userinfo.profile().get("watermark").is_none());

    let reply = serde_json::to_string(&login).unwrap_or_default();
    assert!(reply.starts_with(&format!(
        r#"{{"skey":"{}","userinfo":{{"#,
        login.skey.expose()
    )));
    assert!(reply.ends_with(r#","expires_in":7200}"#), "{reply}");
    assert!(
        !reply.contains(DEMO_KEY),
        "the session_key never leaves the server"
    );
    assert!(
        !format!("{:?}", f.store).contains(DEMO_KEY),
        "nor is it stored"
    );

    let user = f.auth.skey_user(&login.skey).await;
    assert_eq!(user, Ok(login.userinfo));
}

#[tokio::test]
async fn a_code_only_login_reuses_the_profile_and_revokes_the_previous_skey() {
    let f = fixture().await;
    f.wechat_knows("m1", DEMO_OPENID, DEMO_KEY).await;
    f.wechat_knows("m2", DEMO_OPENID, "another-session-key=")
        .await;
    let first = f
        .auth
        .login(&with_profile("m1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let second = f
        .auth
        .login(&code_only("m2"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(first.skey, second.skey);
    assert_eq!(second.userinfo, first.userinfo);
    assert_eq!(f.auth.skey_user(&first.skey).await, Err(SkeyError::Invalid));
    assert!(f.auth.skey_user(&second.skey).await.is_ok());
}

#[tokio::test]
async fn a_first_code_only_login_knows_just_the_openid() {
    let f = fixture().await;
    f.wechat_knows("m1", "oFresh", DEMO_KEY).await;
    let login = f
        .auth
        .login(&code_only("m1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(login.userinfo.to_json(), r#"{"openId":"oFresh"}"#);
}

#[tokio::test]
async fn a_foreign_watermark_is_refused_and_nothing_is_stored() {
    let f = fixture_for_app("wx9999999999999999").await;
    f.wechat_knows("m1", DEMO_OPENID, DEMO_KEY).await;
    let error = f.auth.login(&with_profile("m1")).await.err();
    assert!(matches!(error, Some(LoginError::Decrypt(_))), "{error:?}");
    let open_id = OpenId::parse(DEMO_OPENID).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(f.store.last_user(&open_id).await, Ok(None)));
}

#[tokio::test]
async fn the_wrong_session_key_or_openid_is_a_decrypt_error_never_a_panic() {
    let f = fixture().await;
    f.wechat_knows("m1", DEMO_OPENID, BAND_KEY).await;
    f.wechat_knows("m2", "oSomeoneElse", DEMO_KEY).await;
    f.wechat_knows("m3", DEMO_OPENID, DEMO_KEY).await;
    for request in [
        with_profile("m1"),
        with_profile("m2"),
        LoginRequest {
            code: code("m3"),
            encrypted: Some(EncryptedUserInfo {
                data: "not base64!".into(),
                iv: DEMO_IV.into(),
            }),
        },
    ] {
        let error = f.auth.login(&request).await.err();
        assert!(matches!(error, Some(LoginError::Decrypt(_))), "{error:?}");
    }
}

#[tokio::test]
async fn a_refused_code_carries_wechats_answer() {
    let f = fixture().await;
    let used = json!({"errcode": 40163, "errmsg": "code been used"});
    f.wechat_answers("m1", used.clone(), 1).await;
    let error = f.auth.login(&code_only("m1")).await.err();
    let failure = error.map(|e| e.failure());
    assert_eq!(
        failure.as_ref().map(|f| f.error.reason.as_ref()),
        Some("ERR_GET_SESSION_KEY")
    );
    assert_eq!(failure.and_then(|f| f.error.detail), Some(used));
}

#[tokio::test]
async fn logout_revokes_the_skey_and_is_idempotent() {
    let f = fixture().await;
    f.wechat_knows("m1", DEMO_OPENID, DEMO_KEY).await;
    let login = f
        .auth
        .login(&with_profile("m1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.auth.logout(&login.skey).await, Ok(()));
    assert_eq!(f.auth.skey_user(&login.skey).await, Err(SkeyError::Invalid));
    assert_eq!(f.auth.logout(&login.skey).await, Ok(()));
}
