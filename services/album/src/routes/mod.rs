//! The album's HTTP routes under `{route_base_path}/album` (`spec/originals.md` §1.2).
//!
//! Routing is strict and case-sensitive like the original Express app: `/list/` and `/List`
//! are not `/list`. GET routes answer HEAD too, as Express did (except `upload-url`: a HEAD would sign a URL
//! nobody receives). Each resource answers a wrong
//! method with a 405 envelope; unknown paths get the 404 envelope.

mod delete;
mod files;
mod list;
mod upload;
mod upload_url;

use actix_web::{HttpRequest, web};
use weapp_common::envelope::resource;

use crate::storage::{DirectSigner, Origin, Storage};

/// State shared by the album's handlers.
#[derive(Debug)]
pub struct AppState {
    /// The object store and URL rules.
    pub storage: Storage,
    /// Direct-upload signer for the backend.
    pub signer: DirectSigner,
    /// Most URLs `/list` returns.
    pub list_max_keys: usize,
    /// Lifetime of direct-upload URLs in seconds.
    pub direct_expires_secs: u64,
    /// Largest JSON/urlencoded body in bytes.
    pub json_body_limit: usize,
}

/// Mount the album routes at `{base}/album`.
pub fn configure(cfg: &mut web::ServiceConfig, base: &str, serves_files: bool) {
    let mut scope = web::scope(&format!("{base}/album"))
        .service(
            resource("/list")
                .route(web::get().to(list::list))
                .route(web::head().to(list::list)),
        )
        .service(resource("/upload").route(web::post().to(upload::upload)))
        .service(resource("/delete").route(web::post().to(delete::delete)))
        .service(resource("/upload-url").route(web::get().to(upload_url::upload_url)));
    if serves_files {
        scope = scope.service(
            resource("/files/{key:.+}")
                .route(web::get().to(files::get))
                .route(web::head().to(files::get))
                .route(web::put().to(files::put)),
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
