//! The session service's routes under `{route_base_path}/session`:
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/paints/list` | the caller's paints (§3.2) |
//! | POST | `/paints/save` | create or replace one of the caller's paints |
//! | POST | `/paints/delete` | delete one of the caller's paints |
//! | GET | `/login` | modern login → skey (§7.2) |
//! | GET | `/user` | the caller's profile |
//! | POST | `/logout` | revoke the skey |
//!
//! Routing is strict and case-sensitive like the original Express app; GET routes answer HEAD
//! too, except `/login` (a HEAD would spend the code). A wrong method gets the 405 envelope, an unknown path the 404 envelope.

mod body;
mod login;
mod paints;

use std::sync::Arc;

use actix_web::web;
use weapp_auth::WeappAuth;
use weapp_common::envelope::resource;

use crate::paints::Paints;

/// State shared by the handlers (built once, outside the per-worker factory).
#[derive(Clone)]
pub struct AppState {
    /// The session check and the modern login.
    pub auth: WeappAuth,
    /// The paints repository.
    pub paints: Arc<Paints>,
    /// Largest request body in bytes.
    pub json_body_limit: usize,
    /// Largest `actions` in bytes.
    pub max_actions_bytes: usize,
}

/// Mount the routes at `{base}/session`.
pub fn configure(cfg: &mut web::ServiceConfig, base: &str) {
    cfg.service(
        web::scope(&format!("{base}/session"))
            .service(
                resource("/paints/list")
                    .route(web::get().to(paints::list))
                    .route(web::head().to(paints::list)),
            )
            .service(resource("/paints/save").route(web::post().to(paints::save)))
            .service(resource("/paints/delete").route(web::post().to(paints::delete)))
            .service(resource("/login").route(web::get().to(login::login)))
            .service(
                resource("/user")
                    .route(web::get().to(login::user))
                    .route(web::head().to(login::user)),
            )
            .service(resource("/logout").route(web::post().to(login::logout))),
    );
}
