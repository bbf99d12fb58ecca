//! Plain HTTP on the game port: the WebSocket upgrade, operators' routes, and the original's
//! `it works` for anything else (`spec/originals.md` §2.1, `server/app.ts`).
//!
//! | request | answer |
//! |---|---|
//! | `GET {base}/websocket/socket.io/…?EIO=3&transport=websocket` + upgrade | 101 → socket.io framing |
//! | `GET {base}/websocket/ws` + upgrade | 101 → JSON framing |
//! | socket.io path with `EIO` ≠ 3 / `transport` ≠ `websocket` / no upgrade | 400, engine.io's JSON error |
//! | `GET {base}/websocket/ws?resume[=TOKEN]` + upgrade | 101 → JSON framing, resumable |
//! | `GET {base}/websocket/stats` | `{"connections","players","rooms","rounds","void_rounds"}`, plus `"cluster"` in cluster mode |
//! | `GET /healthz`, `GET /readyz` | the envelope; readyz is 503 while shutting down, and in cluster mode while Redis is unreachable (`degraded`) or not reached yet (`starting`) |
//! | `GET /metrics` | Prometheus text ([`super::metrics`]) |
//! | too many sockets | 503 |
//! | anything else | 200 `it works` (text/plain) |

use std::{net::SocketAddr, sync::Arc, sync::atomic::Ordering};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{
    Request, Response, StatusCode,
    body::Incoming,
    header::{self, HeaderMap, HeaderValue},
};
use serde::Serialize;
use sha1::{Digest, Sha1};

use super::{ServerContext, connection};
use crate::{codec::Codec, game::ClusterState};

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json(status: StatusCode, body: &impl Serialize) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    reply(status, weapp_common::envelope::JSON_UTF8, bytes)
}

/// engine.io's error body: `{"code":n,"message":"…"}` (engine.io `Server.errorMessages`).
fn engine_io_error(code: u8, message: &'static str) -> Reply {
    #[derive(Serialize)]
    struct EngineIoError {
        code: u8,
        message: &'static str,
    }
    json(StatusCode::BAD_REQUEST, &EngineIoError { code, message })
}

/// Counters for operators.
#[derive(Debug, Serialize)]
pub struct StatsBody {
    /// WebSocket connections open.
    pub connections: usize,
    /// Players connected to the game.
    pub players: usize,
    /// Rooms open.
    pub rooms: usize,
    /// Rounds played since start.
    pub rounds: u64,
    /// Rounds that ended void since start (fewer than two members left at the end).
    pub void_rounds: u64,
    /// Cluster mode only: this node's id and state, the live nodes and their totals, and the
    /// messages this node exchanged with the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<crate::game::ClusterStats>,
}

/// Answer one request (an upgrade spawns its connection task).
pub fn handle(
    mut request: Request<Incoming>,
    peer: SocketAddr,
    context: &Arc<ServerContext>,
) -> Reply {
    let settings = &context.settings;
    let path = request.uri().path();
    if path.starts_with(&settings.socket_io_prefix()) {
        let query = request.uri().query().unwrap_or_default();
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        };
        if param("EIO").is_some_and(|version| version != "3") {
            return engine_io_error(5, "Unsupported protocol version");
        }
        if param("transport") != Some("websocket") {
            return engine_io_error(0, "Transport unknown");
        }
        return upgrade(&mut request, Codec::SocketIo, None, peer, context)
            .unwrap_or_else(|| engine_io_error(3, "Bad request"));
    }
    if path == settings.json_path() {
        let resume = resume_request(request.uri().query(), context);
        return upgrade(&mut request, Codec::Json, resume, peer, context).unwrap_or_else(|| {
            reply(
                StatusCode::UPGRADE_REQUIRED,
                "text/plain; charset=utf-8",
                "WebSocket upgrade required",
            )
        });
    }
    if path == settings.stats_path() {
        let stats = context.game.stats();
        return json(
            StatusCode::OK,
            &StatsBody {
                connections: context.connections.load(Ordering::Relaxed),
                players: stats.players,
                rooms: stats.rooms,
                rounds: stats.rounds,
                void_rounds: stats.void_rounds,
                cluster: context.game.cluster_stats(),
            },
        );
    }
    match path {
        "/healthz" => json(
            StatusCode::OK,
            &weapp_common::envelope::Envelope::ok("ok", weapp_common::envelope::Empty {}),
        ),
        "/readyz" if context.shutdown.is_cancelled() => json(
            StatusCode::SERVICE_UNAVAILABLE,
            &weapp_common::envelope::Envelope::failed(
                "shutting down",
                weapp_common::envelope::Empty {},
            ),
        ),
        "/readyz"
            if context
                .game
                .cluster_state()
                .is_some_and(|s| s != ClusterState::Joined) =>
        {
            let state = context.game.cluster_state();
            let message = if state == Some(ClusterState::Degraded) {
                "degraded: cluster redis unreachable, playing with local players only"
            } else {
                "starting: cluster redis not reached yet"
            };
            json(
                StatusCode::SERVICE_UNAVAILABLE,
                &weapp_common::envelope::Envelope::failed(
                    message,
                    weapp_common::envelope::Empty {},
                ),
            )
        }
        "/readyz" => json(
            StatusCode::OK,
            &weapp_common::envelope::Envelope::ok("ok", weapp_common::envelope::Empty {}),
        ),
        "/metrics" => reply(
            StatusCode::OK,
            weapp_common::metrics::CONTENT_TYPE,
            context.metrics.render(&context.connections),
        ),
        _ => reply(StatusCode::OK, "text/html; charset=utf-8", "it works"),
    }
}

/// `?resume` (a new token) or `?resume=TOKEN` on the JSON path, when resuming is on.
fn resume_request(query: Option<&str>, context: &ServerContext) -> Option<connection::Resume> {
    if !context.game.resumable() {
        return None;
    }
    let value = query?
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some(("resume", value)) => Some(value),
            None if pair == "resume" => Some(""),
            _ => None,
        })?;
    // A token is what the server gave: 40 URL-safe characters; anything else asks for a new one.
    let valid = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    Some(if valid {
        connection::Resume::Token(value.to_owned())
    } else {
        connection::Resume::New
    })
}

fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key` (RFC 6455 §4.2.2 item 5.4): the
/// base64 SHA-1 of the key followed by the protocol's GUID.
fn accept_key(key: &[u8]) -> String {
    const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let digest = Sha1::new().chain_update(key).chain_update(GUID).finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Switch to WebSocket if this is a valid upgrade request (RFC 6455 §4.2.1); `None` if not.
fn upgrade(
    request: &mut Request<Incoming>,
    codec: Codec,
    resume: Option<connection::Resume>,
    peer: SocketAddr,
    context: &Arc<ServerContext>,
) -> Option<Reply> {
    let headers = request.headers();
    let is_upgrade = request.method() == hyper::Method::GET
        && header_has_token(headers, header::CONNECTION, "upgrade")
        && header_has_token(headers, header::UPGRADE, "websocket")
        && headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|version| version == "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
    if !is_upgrade {
        return None;
    }
    let accept = accept_key(key.as_bytes());
    let Ok(permit) = Arc::clone(&context.permits).try_acquire_owned() else {
        log::warn!("refusing {peer}: connection limit reached");
        return Some(reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "too many connections",
        ));
    };
    let on_upgrade = hyper::upgrade::on(request);
    let task_context = Arc::clone(context);
    context.tracker.spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                connection::serve(upgraded, codec, resume, peer, &task_context).await;
            }
            Err(error) => log::debug!("upgrade from {peer} failed: {error}"),
        }
        drop(permit);
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let response_headers = response.headers_mut();
    response_headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    response_headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        response_headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn accept_key_is_the_rfc_example() {
        // RFC 6455 §1.3.
        assert_eq!(
            super::accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
