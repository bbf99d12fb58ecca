//! The album's HTTP routes under `{route_base_path}/album` (`spec/originals.md` §1.2, and the
//! direct-upload routes of `proto/album.openapi.yaml`).
//!
//! Routing is strict and case-sensitive like the original Express app: `/list/` and `/List`
//! are not `/list`. GET routes answer HEAD too, as Express did (except the signing routes: a
//! HEAD would sign something nobody receives). Each resource answers a wrong method with a 405
//! envelope; unknown paths get the 404 envelope.
//!
//! | route | file |
//! |---|---|
//! | `GET /list` | [`list`] |
//! | `POST /upload` | [`upload`] |
//! | `POST /delete` | [`delete`] |
//! | `GET /upload-url`, `GET /upload-form`, `POST /confirm` | [`direct`] |
//! | `GET`/`PUT /files/{key}`, `POST /files` (local and memory backends) | [`files`] |
//! | `GET /qc_cos/config`, `/cos-auth`, `POST /v4/files/v2/…` | [`v4`] |

// Helpers here return `Result<_, HttpResponse>`: the error is the finished reply, on the cold
// path, handed straight back by the handler.
#![allow(clippy::result_large_err)]

mod delete;
mod direct;
mod files;
mod list;
mod upload;
mod v4;

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_common::envelope::{Empty, Envelope, resource};

use crate::{
    auth::Gate,
    index::{Index, Ticket, TicketState},
    storage::{Origin, Storage},
    verify::{Checker, millis},
};

pub use v4::V4;

/// Limits the handlers enforce, from the settings.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most URLs one `/list` page returns.
    pub list_max_keys: usize,
    /// Lifetime of direct-upload tickets in seconds.
    pub direct_expires_secs: u64,
    /// Largest JSON/urlencoded body in bytes.
    pub json_body_limit: usize,
    /// Most paths one batch delete names.
    pub delete_max_batch: usize,
    /// How long `/list` waits for the first build of the index before it answers `failed`.
    pub index_wait: Duration,
}

/// State shared by the album's handlers.
#[derive(Debug)]
pub struct AppState {
    /// The object store, URLs and signer.
    pub storage: Storage,
    /// The photo index and tickets.
    pub index: Index,
    /// Who may call.
    pub gate: Gate,
    /// The checker of direct uploads.
    pub checker: Checker,
    /// The 2017 v4 clients, when enabled.
    pub v4: Option<V4>,
    /// Limits.
    pub limits: Limits,
}

impl AppState {
    /// Open a ticket for a direct upload of `key` by `owner`, `max_size` bytes at most.
    ///
    /// # Errors
    /// [`OpenTicketError::Full`] when the index holds `index.max_open_tickets` open tickets;
    /// the index's error.
    async fn open_ticket(
        &self,
        key: &str,
        kind: crate::image::ImageKind,
        owner: Option<String>,
        max_size: u64,
        now: std::time::SystemTime,
    ) -> Result<Ticket, OpenTicketError> {
        let now_ms = millis(now);
        let lifetime_ms =
            i64::try_from(self.limits.direct_expires_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let ticket = Ticket {
            key: key.to_owned(),
            kind,
            owner,
            max_size,
            issued_ms: now_ms,
            expires_ms: now_ms.saturating_add(lifetime_ms),
            next_check_ms: Checker::first_check(now_ms),
            state: TicketState::Pending,
        };
        match self.index.open_ticket(&ticket).await {
            Ok(true) => Ok(ticket),
            Ok(false) => Err(OpenTicketError::Full),
            Err(error) => Err(OpenTicketError::Index(error)),
        }
    }
}

/// Why a direct-upload ticket was not opened.
#[derive(Debug, thiserror::Error)]
enum OpenTicketError {
    /// The index holds `index.max_open_tickets` open tickets.
    #[error("the index holds its most open tickets (index.max_open_tickets)")]
    Full,
    /// The index did not answer.
    #[error(transparent)]
    Index(crate::index::IndexError),
}

/// Mount the album routes at `{base}/album`.
pub fn configure(cfg: &mut web::ServiceConfig, base: &str, serves_files: bool, v4: bool) {
    let mut scope = web::scope(&format!("{base}/album"))
        .service(
            resource("/list")
                .route(web::get().to(list::list))
                .route(web::head().to(list::list)),
        )
        .service(resource("/upload").route(web::post().to(upload::upload)))
        .service(resource("/delete").route(web::post().to(delete::delete)))
        .service(resource("/upload-url").route(web::get().to(direct::upload_url)))
        .service(resource("/upload-form").route(web::get().to(direct::upload_form)))
        .service(resource("/confirm").route(web::post().to(direct::confirm)));
    if serves_files {
        scope = scope
            .service(resource("/files").route(web::post().to(files::post_form)))
            .service(
                resource("/files/{key:.+}")
                    .route(web::get().to(files::get))
                    .route(web::head().to(files::get))
                    .route(web::put().to(files::put)),
            );
    }
    if v4 {
        scope = scope
            .service(resource("/qc_cos/config").route(web::get().to(v4::qc_cos_config)))
            .service(web::resource("/cos-auth").to(v4::cos_auth))
            .service(
                resource("/v4/files/v2/{appid}/{bucket}/{path:.+}")
                    .route(web::post().to(v4::upload)),
            );
    }
    cfg.service(scope);
}

/// Where the client reached us (scheme and host, honouring nginx's forwarded headers).
fn origin(req: &HttpRequest) -> Origin {
    let info = req.connection_info();
    Origin {
        scheme: info.scheme().to_owned(),
        host: info.host().to_owned(),
    }
}

/// `{"code":-1,"msg":msg,"data":{}}` with HTTP 200, the original's failure.
fn failed(msg: impl Into<std::borrow::Cow<'static, str>>) -> HttpResponse {
    Envelope::failed(msg, Empty {}).into_response(StatusCode::OK)
}

/// `{"code":-1,"msg":"too many uploads in progress, try again later","data":{}}` with HTTP
/// 503 ([`crate::messages::MSG_TOO_MANY_TICKETS`]): the index is full (`index.max_open_tickets`
/// tickets, or the memory index's `index.max_remembered` v4 owners); a new feature's refusal,
/// not the original's.
fn too_many_uploads() -> HttpResponse {
    Envelope::failed(crate::messages::MSG_TOO_MANY_TICKETS, Empty {})
        .into_response(StatusCode::SERVICE_UNAVAILABLE)
}

/// The URL clients read `key` at, or the failure envelope when signing it failed.
async fn image_url(state: &AppState, key: &str, origin: &Origin) -> Result<String, HttpResponse> {
    state.storage.image_url(key, origin).await.map_err(|error| {
        log::error!("signing the URL of {key} failed: {error:#}");
        failed("failed")
    })
}
