//! What the edge tests share: where the stack's nginx listens, the limits its configuration
//! sets (read from the configuration that nginx runs, so a changed value changes the test
//! with it), and clients that come from a loopback address of their own — every other test
//! reaches nginx from 127.0.0.1, so a per-client limit one of these tests exhausts is nobody
//! else's.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::{Duration, Instant},
};

use tokio::{
    io::AsyncReadExt,
    net::{TcpSocket, TcpStream},
};
use weapp_testkit::{env_or, workspace_root};

/// What the services send, and so what nginx's own JSON answers must say.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// nginx's HTTP listener.
pub(crate) fn base() -> String {
    env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080")
}

/// nginx's TLS listener.
pub(crate) fn tls_base() -> String {
    env_or("WEAPP_TLS_BASE_URL", "https://127.0.0.1:8443")
}

/// `host:port` of [`base`].
fn authority() -> String {
    let base = base();
    let rest = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest);
    rest.split('/').next().unwrap_or_default().to_owned()
}

// ---------------------------------------------------------------------------------------------
// The configuration under test

/// The directory of the nginx configuration under test: the rendered one the stack runs
/// (`WEAPP_NGINX_CONF`, which `scripts/env.sh tests` sets to `.run/nginx/conf/nginx.conf`),
/// else the repository's `nginx/` — both hold `nginx.conf` and `conf.d/partials/`.
fn config_dir() -> PathBuf {
    match std::env::var_os("WEAPP_NGINX_CONF").filter(|path| !path.is_empty()) {
        Some(path) => PathBuf::from(path)
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default(),
        None => workspace_root().join("nginx"),
    }
}

/// The words of the first line of `file` (relative to [`config_dir`]) that starts with
/// `directive` and contains `containing`, without the final `;`.
fn directive(file: &str, directive: &str, containing: &str) -> Vec<String> {
    let path = config_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("nginx configuration {}: {e}", path.display()));
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| line.split_whitespace().next() == Some(directive) && line.contains(containing))
        .unwrap_or_else(|| panic!("no `{directive} …{containing}…` in {}", path.display()));
    line.trim_end_matches(';')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// A time directive of `nginx.conf` in seconds (`4s` or `4`).
pub(crate) fn seconds(name: &str) -> Duration {
    let words = directive("nginx.conf", name, "");
    let value = words.get(1).map(String::as_str).unwrap_or_default();
    let secs = value.strip_suffix('s').unwrap_or(value);
    Duration::from_secs(
        secs.parse()
            .unwrap_or_else(|e| panic!("{name} {value}: only seconds are read here ({e})")),
    )
}

/// The `burst=` of the first `limit_req zone=<zone> …` in `file`.
pub(crate) fn burst(file: &str, zone: &str) -> u32 {
    let words = directive(file, "limit_req", &format!("zone={zone} "));
    words
        .iter()
        .find_map(|word| word.strip_prefix("burst="))
        .and_then(|burst| burst.parse().ok())
        .unwrap_or_else(|| panic!("no burst in `{}`", words.join(" ")))
}

/// `N` of the first `limit_conn <zone> N;` in `file`.
pub(crate) fn connection_limit(file: &str, zone: &str) -> usize {
    let words = directive(file, "limit_conn", &format!(" {zone} "));
    words
        .get(2)
        .and_then(|limit| limit.parse().ok())
        .unwrap_or_else(|| panic!("no number in `{}`", words.join(" ")))
}

// ---------------------------------------------------------------------------------------------
// Clients

/// A client address of its own ([`weapp_testkit::own_loopback_address`]) for nginx's host.
pub(crate) fn own_address() -> Option<IpAddr> {
    let host = authority()
        .rsplit_once(':')
        .map_or_else(authority, |(host, _)| host.to_owned());
    weapp_testkit::own_loopback_address(&host)
}

/// An HTTP client (trusting the stack's development CA) whose connections come from `address`.
pub(crate) fn http_from(address: Option<IpAddr>) -> reqwest::Client {
    let ca_path = env_or(
        "WEAPP_TLS_CA",
        &workspace_root().join(".run/certs/ca.pem").to_string_lossy(),
    );
    let pem = std::fs::read(&ca_path).unwrap_or_else(|e| panic!("{ca_path}: {e}"));
    let certificate =
        reqwest::Certificate::from_pem(&pem).unwrap_or_else(|e| panic!("{ca_path}: {e}"));
    reqwest::Client::builder()
        .add_root_certificate(certificate)
        .local_address(address)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A raw TCP connection to nginx's HTTP listener from `address`.
pub(crate) async fn connect_from(address: Option<IpAddr>) -> TcpStream {
    let target: SocketAddr = tokio::net::lookup_host(authority())
        .await
        .ok()
        .and_then(|mut addresses| addresses.find(SocketAddr::is_ipv4))
        .unwrap_or_else(|| panic!("{} does not resolve to IPv4", authority()));
    let socket = TcpSocket::new_v4().unwrap_or_else(|e| panic!("socket: {e}"));
    if let Some(address) = address {
        socket
            .bind(SocketAddr::new(address, 0))
            .unwrap_or_else(|e| panic!("bind {address}: {e}"));
    }
    socket
        .connect(target)
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {target}: {e}"))
}

/// Reads until a response head is complete (`\r\n\r\n`) and returns the head, or panics after
/// `bound` or when the connection ends first.
pub(crate) async fn response_head(stream: &mut TcpStream, bound: Duration) -> String {
    let mut bytes = Vec::new();
    let read = async {
        let mut buffer = [0_u8; 1024];
        while !bytes.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
        true
    };
    let complete = tokio::time::timeout(bound, read).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert_eq!(
        complete.ok(),
        Some(true),
        "no complete response head: {text:?}"
    );
    text
}

/// How a connection ended: after how long, and what nginx sent before.
pub(crate) struct Ended {
    pub(crate) after: Duration,
    pub(crate) received: Vec<u8>,
}

/// Waits for nginx to end the connection (EOF or reset), counting from `since`; panics when it
/// is still open after `bound`.
pub(crate) async fn ended(stream: &mut TcpStream, since: Instant, bound: Duration) -> Ended {
    let mut received = Vec::new();
    let read = async {
        let mut buffer = [0_u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    let waited = tokio::time::timeout(bound, read).await;
    assert!(
        waited.is_ok(),
        "nginx still holds the connection after {bound:?}"
    );
    Ended {
        after: since.elapsed(),
        received,
    }
}
