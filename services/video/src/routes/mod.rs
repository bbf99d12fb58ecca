//! The video routes under `{route_base_path}/video` (`spec/originals.md` §4): `list`,
//! `commentList` and `comment`.
//!
//! Routing is strict and case-sensitive like the original Express app (`/list/` and `/List`
//! are not `/list`); GET routes answer HEAD too. A wrong method gets the 405 envelope, an
//! unknown path the 404 envelope. Business failures are HTTP 200 with `code: -1`, because the
//! original client rejects any other status before reading the body.

mod comment;
mod comment_list;
mod list;

use actix_web::{HttpResponse, http::StatusCode, web};
use weapp_common::envelope::{CODE_FAILED, Empty, Envelope, resource};

use crate::{db::repository::Catalogue, rate_limit::CommentLimiter, settings::CommentSettings};

/// State shared by the video handlers.
#[derive(Debug)]
pub struct AppState {
    /// The queries.
    pub catalogue: Catalogue,
    /// Videos per list page.
    pub page_size: u32,
    /// Comment field limits.
    pub comment: CommentSettings,
    /// Comment rate limit.
    pub limiter: CommentLimiter,
    /// Largest comment body in bytes.
    pub json_body_limit: usize,
}

/// Mount the routes at `{base}/video`.
pub fn configure(cfg: &mut web::ServiceConfig, base: &str) {
    cfg.service(
        web::scope(&format!("{base}/video"))
            .service(
                resource("/list")
                    .route(web::get().to(list::list))
                    .route(web::head().to(list::list)),
            )
            .service(
                resource("/commentList")
                    .route(web::get().to(comment_list::comment_list))
                    .route(web::head().to(comment_list::comment_list)),
            )
            .service(resource("/comment").route(web::post().to(comment::comment))),
    );
}

/// `{"code":-1,"msg":"failed","data":{}}`, HTTP 200 — the list and commentList failure.
fn failed() -> HttpResponse {
    Envelope::failed("failed", Empty {}).into_response(StatusCode::OK)
}

/// `{"code":-1,"msg":"failed"}` (no `data`), HTTP 200 — the comment failure.
fn failed_bare() -> HttpResponse {
    Envelope::bare(CODE_FAILED, "failed").into_response(StatusCode::OK)
}

/// The value of query parameter `name`, decoded like Node's `querystring` (`+` is a space).
///
/// A repeated parameter is an array in Express, which the original's SQL could not use:
/// it yields `Some("")`, which no parser accepts.
fn query_value(query: &str, name: &str) -> Option<String> {
    let mut values = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned());
    let first = values.next()?;
    Some(if values.next().is_some() {
        String::new()
    } else {
        first
    })
}

#[cfg(test)]
mod tests {
    use super::query_value;

    #[test]
    fn query_values_are_decoded_and_repeats_refused() {
        assert_eq!(query_value("pageNo=2", "pageNo").as_deref(), Some("2"));
        assert_eq!(query_value("a=1&vid=%31%32", "vid").as_deref(), Some("12"));
        assert_eq!(query_value("pageno=2", "pageNo"), None);
        assert_eq!(
            query_value("pageNo=1&pageNo=2", "pageNo").as_deref(),
            Some("")
        );
        assert_eq!(query_value("", "pageNo"), None);
    }
}
