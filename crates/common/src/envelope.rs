//! The original servers' JSON envelope and the actix plumbing around it.
//!
//! Every Express demo answered `res.json({code, msg, data})`: HTTP 200, compact JSON,
//! `Content-Type: application/json; charset=utf-8`, non-ASCII as raw UTF-8, business failures as
//! `code: -1` (`spec/originals.md` §0, §1.2, §3.2, §4). [`Envelope`] is that body. The session
//! drawing app puts its failure reason under `error` instead of `data` (§3.2), so both keys are
//! optional and omitted when `None`.
//!
//! Requests that never reach a handler (unknown path, wrong method, a body or query string that
//! does not parse) are answered in the same envelope by [`not_found`], [`method_not_allowed`] and
//! [`extractor_error_handlers`], never with actix's plain-text defaults.

use std::borrow::Cow;

use actix_web::{
    HttpRequest, HttpResponse, Responder,
    body::BoxBody,
    error::InternalError,
    http::{StatusCode, header},
    web,
};
use serde::Serialize;

/// The content type of every envelope, exactly as Express's `res.json` sent it.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

/// `code` of a successful reply.
pub const CODE_OK: i32 = 0;
/// `code` of every failed reply (the originals had no other failure code).
pub const CODE_FAILED: i32 = -1;

/// An empty JSON object, `{}` — the originals' `data` when there is nothing to say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Empty {}

/// `{"code":…,"msg":…,"data":…,"error":…}` with `data` and `error` omitted when `None`.
///
/// Key order on the wire is `code`, `msg`, `data`, `error` (the originals' order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope<T = Empty, E = Empty> {
    /// [`CODE_OK`] or [`CODE_FAILED`].
    pub code: i32,
    /// Human-readable outcome; the originals' exact strings where a client may show them.
    pub msg: Cow<'static, str>,
    /// The payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// The failure detail of protocols that carry it under `error` (`spec/originals.md` §3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<E>,
}

impl<T> Envelope<T> {
    /// `{"code":0,"msg":msg,"data":data}`.
    pub fn ok(msg: impl Into<Cow<'static, str>>, data: T) -> Self {
        Self {
            code: CODE_OK,
            msg: msg.into(),
            data: Some(data),
            error: None,
        }
    }

    /// `{"code":-1,"msg":msg,"data":data}`.
    pub fn failed(msg: impl Into<Cow<'static, str>>, data: T) -> Self {
        Self {
            code: CODE_FAILED,
            msg: msg.into(),
            data: Some(data),
            error: None,
        }
    }
}

impl Envelope {
    /// `{"code":code,"msg":msg}` with neither `data` nor `error` (`spec/originals.md` §4 comment).
    pub fn bare(code: i32, msg: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            msg: msg.into(),
            data: None,
            error: None,
        }
    }
}

impl<E> Envelope<Empty, E> {
    /// `{"code":-1,"msg":msg,"error":error}` — the drawing app's failure shape (§3.2).
    pub fn failed_with_error(msg: impl Into<Cow<'static, str>>, error: E) -> Self {
        Self {
            code: CODE_FAILED,
            msg: msg.into(),
            data: None,
            error: Some(error),
        }
    }
}

impl<T: Serialize, E: Serialize> Envelope<T, E> {
    /// This envelope as a response with the given HTTP status (the originals always used 200;
    /// new routes use 4xx/5xx where a status says more).
    pub fn into_response(self, status: StatusCode) -> HttpResponse {
        json_response(status, &self)
    }
}

impl<T: Serialize, E: Serialize> Responder for Envelope<T, E> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.into_response(StatusCode::OK)
    }
}

/// Serialize `body` as compact JSON with [`JSON_UTF8`].
///
/// Serialization of the envelope types cannot fail; should a caller's payload fail anyway, the
/// reply is a generic failure envelope with status 500 and the cause is logged.
pub fn json_response<B: Serialize>(status: StatusCode, body: &B) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, JSON_UTF8))
            .body(bytes),
        Err(error) => {
            log::error!("could not serialize a response body: {error}");
            HttpResponse::InternalServerError()
                .insert_header((header::CONTENT_TYPE, JSON_UTF8))
                .body(r#"{"code":-1,"msg":"failed","data":{}}"#)
        }
    }
}

/// HTTP 404 `{"code":-1,"msg":"not found","data":{}}` — the default service of every app.
pub async fn not_found() -> HttpResponse {
    Envelope::failed("not found", Empty {}).into_response(StatusCode::NOT_FOUND)
}

/// HTTP 405 `{"code":-1,"msg":"method not allowed","data":{}}` — the default route of every
/// resource, so a wrong method never falls through to actix's empty 404/405.
pub async fn method_not_allowed() -> HttpResponse {
    Envelope::failed("method not allowed", Empty {}).into_response(StatusCode::METHOD_NOT_ALLOWED)
}

/// `web::resource(path)` whose wrong methods answer [`method_not_allowed`]: every route of
/// every service is declared through it, so none falls back to actix's empty 405.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// HTTP 400 `{"code":-1,"msg":"bad request: <detail>","data":{}}`.
pub fn bad_request(detail: impl std::fmt::Display) -> HttpResponse {
    Envelope::failed(format!("bad request: {detail}"), Empty {})
        .into_response(StatusCode::BAD_REQUEST)
}

/// Register JSON, form, query-string and path extractor configs whose errors answer with
/// `respond(detail)` instead of actix's plain text; JSON and form bodies are limited to
/// `body_limit` bytes.
///
/// `respond` receives the extractor's own description of the problem (safe to show: it
/// describes the client's input, not server internals).
pub fn extractor_error_handlers(
    cfg: &mut web::ServiceConfig,
    body_limit: usize,
    respond: fn(String) -> HttpResponse,
) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(body_limit)
            .error_handler(move |err, _| {
                let response = respond(err.to_string());
                InternalError::from_response(err, response).into()
            }),
    )
    .app_data(
        web::FormConfig::default()
            .limit(body_limit)
            .error_handler(move |err, _| {
                let response = respond(err.to_string());
                InternalError::from_response(err, response).into()
            }),
    )
    .app_data(web::QueryConfig::default().error_handler(move |err, _| {
        let response = respond(err.to_string());
        InternalError::from_response(err, response).into()
    }))
    .app_data(web::PathConfig::default().error_handler(move |err, _| {
        let response = respond(err.to_string());
        InternalError::from_response(err, response).into()
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(response: HttpResponse) -> (StatusCode, String, String) {
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
        (
            status,
            content_type,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    #[actix_web::test]
    async fn ok_envelope_is_compact_utf8_json_with_status_200() {
        let response = Envelope::ok("ok", vec!["http://x/猫.jpg"]).into_response(StatusCode::OK);
        let (status, content_type, body) = body_of(response).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/json; charset=utf-8");
        assert_eq!(body, r#"{"code":0,"msg":"ok","data":["http://x/猫.jpg"]}"#);
    }

    #[actix_web::test]
    async fn failed_envelope_keeps_key_order_and_empty_data_object() {
        let (_, _, body) =
            body_of(Envelope::failed("参数错误", Empty {}).into_response(StatusCode::OK)).await;
        assert_eq!(body, r#"{"code":-1,"msg":"参数错误","data":{}}"#);
    }

    #[actix_web::test]
    async fn bare_envelope_has_no_data_key() {
        let (_, _, body) =
            body_of(Envelope::bare(CODE_OK, "ok").into_response(StatusCode::OK)).await;
        assert_eq!(body, r#"{"code":0,"msg":"ok"}"#);
    }

    #[actix_web::test]
    async fn error_envelope_carries_error_not_data() {
        #[derive(Serialize)]
        struct Reason {
            reason: &'static str,
        }
        let envelope = Envelope::failed_with_error(
            "fail",
            Reason {
                reason: "id does not exists",
            },
        );
        let (_, _, body) = body_of(envelope.into_response(StatusCode::OK)).await;
        assert_eq!(
            body,
            r#"{"code":-1,"msg":"fail","error":{"reason":"id does not exists"}}"#
        );
    }

    #[actix_web::test]
    async fn not_found_and_method_not_allowed_are_envelopes() {
        let (status, _, body) = body_of(not_found().await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, r#"{"code":-1,"msg":"not found","data":{}}"#);
        let (status, _, body) = body_of(method_not_allowed().await).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body, r#"{"code":-1,"msg":"method not allowed","data":{}}"#);
    }

    #[actix_web::test]
    async fn resources_answer_a_wrong_method_in_the_envelope() {
        use actix_web::{App, test};
        let app = test::init_service(
            App::new().service(resource("/only-get").route(web::get().to(|| async { "ok" }))),
        )
        .await;
        let request = test::TestRequest::post().uri("/only-get").to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["msg"], "method not allowed");
    }

    #[actix_web::test]
    async fn malformed_json_and_query_answer_in_the_envelope() {
        use actix_web::{App, test};

        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(rename = "pageNo")]
            _page_no: u32,
        }

        let app = test::init_service(
            App::new()
                .configure(|cfg| extractor_error_handlers(cfg, 1024, bad_request))
                .route(
                    "/json",
                    web::post().to(|_: web::Json<serde_json::Value>| async { "unreachable" }),
                )
                .route(
                    "/query",
                    web::get().to(|_: web::Query<Page>| async { "unreachable" }),
                ),
        )
        .await;

        let request = test::TestRequest::post()
            .uri("/json")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{not json")
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["code"], -1);
        assert!(
            body["msg"]
                .as_str()
                .unwrap_or_default()
                .starts_with("bad request")
        );

        let request = test::TestRequest::get()
            .uri("/query?pageNo=abc")
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["data"], serde_json::json!({}));
    }
}
