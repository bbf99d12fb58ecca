//! Test support shared by the weapp-cloud crates; a dev-dependency only, never shipped.
//!
//! - [`OpenApi`]: a service's published OpenAPI document, checking real replies against the
//!   schema it gives for a path, method and status.
//! - [`env_or`], [`random_name`]: where a test's backends are, and names no other run uses.
//! - [`own_loopback_address`]: a client address of a test's own, so that per-client limits at
//!   the edge (nginx's `limit_req`/`limit_conn`) count each test apart.
//! - [`S3Target`]: the test S3 server and an independent client on its bucket.
//! - [`read`], [`content_type`]: a reply's status, content type and body, as the tests compare
//!   them.
//! - [`Relay`]: a TCP relay in front of a backend that a test cuts, takes down or freezes.
//! - [`websocket`]: a raw RFC 6455 client that writes every frame byte by byte, for close-code
//!   and other protocol tests.
//! - [`run_binary`], [`metric_samples`]: a service binary with a clean environment, and its
//!   `/metrics` as sample lines.
//!
//! Everything here panics with a message saying what went wrong instead of returning errors:
//! it is meant to fail tests.

mod openapi;
mod operations;
mod relay;
mod s3;
pub mod websocket;

pub use openapi::OpenApi;
pub use operations::{Run, is_made_request_id, metric_samples, request_id_of, run_binary};
pub use relay::Relay;
pub use s3::{S3Target, workspace_root};

use std::net::{IpAddr, Ipv4Addr};

use rand::{Rng, distr::Alphanumeric};
use serde_json::Value;

/// The environment variable `name`, or `default` when it is unset, empty or not Unicode.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// A client address of its own for talking to `host` (a URL's host, without port): a random
/// `127.x.y.z` other than `127.0.0.1` when `host` is this machine's loopback (Linux routes all
/// of `127/8` to `lo`), else `None` — the default address. Used as reqwest's `local_address`.
pub fn own_loopback_address(host: &str) -> Option<IpAddr> {
    if host != "127.0.0.1" && host != "localhost" {
        return None;
    }
    let mut rng = rand::rng();
    Some(IpAddr::V4(Ipv4Addr::new(
        127,
        rng.random_range(1..=254),
        rng.random(),
        rng.random_range(1..=254),
    )))
}

/// `len` random ASCII letters and digits, for names no other run uses (folders, key prefixes,
/// databases).
pub fn random_name(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The `Content-Type` of a reply, empty when it has none (or one that is not visible ASCII).
pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Status, content type and body of a reply: the body as JSON, or, when it is not JSON, its
/// text as a JSON string (an unreadable body is an empty string).
pub async fn read(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_or_falls_back_when_unset_or_empty() {
        assert_eq!(
            env_or("WEAPP_TESTKIT_SURELY_UNSET_VARIABLE", "fallback"),
            "fallback"
        );
        // PATH is set (and not empty) wherever cargo runs.
        assert_ne!(env_or("PATH", ""), "");
    }

    #[test]
    fn random_names_are_alphanumeric_and_differ() {
        let (a, b) = (random_name(16), random_name(16));
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
