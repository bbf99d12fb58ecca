//! The extractors in an actix app: exact bodies, statuses and the choice of protocol.

use actix_web::{
    App, HttpResponse,
    dev::{Service, ServiceResponse},
    http::{StatusCode, header},
    test, web,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::*;
use crate::{AnySession, SkeyUser, WxSession, WxUser, login::EncryptedUserInfo};

fn who(user: Option<&crate::WxUserInfo>) -> HttpResponse {
    HttpResponse::Ok().body(user.map_or("anonymous".to_owned(), |u| u.open_id().to_string()))
}

async fn call(
    auth: Option<&WeappAuth>,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut app = App::new()
        .route(
            "/maybe",
            web::get().to(|WxSession(u): WxSession| async move { who(u.as_ref()) }),
        )
        .route(
            "/required",
            web::get().to(|WxUser(u): WxUser| async move { who(Some(&u)) }),
        )
        .route(
            "/skey",
            web::get().to(|s: SkeyUser| async move { who(Some(&s.user)) }),
        )
        .route(
            "/any",
            web::get().to(|AnySession(u): AnySession| async move { who(u.as_ref()) }),
        );
    if let Some(auth) = auth {
        app = app.app_data(auth.clone());
    }
    let app = test::init_service(app).await;
    let mut request = test::TestRequest::get().uri(uri);
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let response: ServiceResponse = app
        .call(request.to_request())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = test::read_body(response).await;
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[actix_web::test]
async fn anonymous_requests_pass_through_the_optional_check() {
    let f = fixture().await;
    let (status, _, body) = call(Some(&f.auth), "/maybe", &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "anonymous"));
}

#[actix_web::test]
async fn an_unknown_code_answers_the_exact_magic_body() {
    let f = fixture().await;
    let (status, content_type, body) =
        call(Some(&f.auth), "/maybe", &[("X-WX-Code", "gone")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json; charset=utf-8");
    assert_eq!(
        body,
        r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"reason":"ERR_SESSION_EXPIRED","error":{"name":"Error","message":"`wxUserInfo` not found by `code`"}}"#
    );
}

#[actix_web::test]
async fn the_required_check_sends_anonymous_callers_to_log_in() {
    let f = fixture().await;
    let (_, _, body) = call(Some(&f.auth), "/required", &[]).await;
    assert!(body.contains(r#""reason":"ERR_SESSION_EXPIRED""#), "{body}");
}

#[actix_web::test]
async fn the_first_request_headers_log_in_and_the_code_alone_finds_the_session() {
    let f = fixture().await;
    f.wechat_knows("c1", BAND_OPENID, BAND_KEY).await;
    let raw = utf8_percent_encode(BAND_RAW, NON_ALPHANUMERIC).to_string();
    let first = [
        ("X-WX-Code", "c1"),
        ("X-WX-RawData", raw.as_str()),
        ("X-WX-Signature", BAND_SIGNATURE),
    ];
    assert_eq!(
        call(Some(&f.auth), "/required", &first).await.2,
        BAND_OPENID
    );
    let (_, _, body) = call(Some(&f.auth), "/any", &[("x-wx-code", "c1")]).await;
    assert_eq!(body, BAND_OPENID);
}

#[actix_web::test]
async fn skey_failures_are_401_envelopes() {
    let f = fixture().await;
    for headers in [&[][..], &[("X-WX-Skey", "not-an-skey")][..]] {
        let (status, _, body) = call(Some(&f.auth), "/skey", headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            body.starts_with(r#"{"code":-1,"msg":"fail","error":{"reason":"ERR_SKEY_INVALID""#)
        );
    }
    let unknown = "0".repeat(64);
    let (status, _, _) = call(Some(&f.auth), "/any", &[("X-WX-Skey", unknown.as_str())]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn any_session_prefers_the_skey() {
    let f = fixture().await;
    f.wechat_knows("m1", DEMO_OPENID, DEMO_KEY).await;
    let request = crate::LoginRequest {
        code: code("m1"),
        encrypted: Some(EncryptedUserInfo {
            data: DEMO_ENCRYPTED.into(),
            iv: DEMO_IV.into(),
        }),
    };
    let login = f
        .auth
        .login(&request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let skey = login.skey.expose();
    let headers = [("X-WX-Skey", skey), ("X-WX-Code", "unknown-code")];
    assert_eq!(call(Some(&f.auth), "/any", &headers).await.2, DEMO_OPENID);
    assert_eq!(call(Some(&f.auth), "/skey", &headers).await.2, DEMO_OPENID);
    assert_eq!(call(Some(&f.auth), "/any", &[]).await.2, "anonymous");
}

#[actix_web::test]
async fn a_missing_weapp_auth_is_a_500_envelope_not_a_panic() {
    let (status, _, body) = call(None, "/maybe", &[("X-WX-Code", "c1")]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.starts_with(r#"{"code":-1"#), "{body}");
}
