//! Unit tests of `service_settings!`: an HTTP service's and a WebSocket service's settings
//! declared with it, loaded, checked and mapped onto `ServerOptions`.

use std::net::IpAddr;

use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::{
    config::{ConfigError, Secret},
    logging::LogFormat,
};

crate::service_settings! {
    env: "SRVTEST",
    http_server: { port: 9993, json_body_limit: 4 * 1024, shutdown_timeout_secs: 30 },

    /// An HTTP service's settings.
    #[derive(Debug, Deserialize)]
    struct HttpSettings {
        /// A secret of the service's own.
        secret: Secret = Secret::from(""),
        /// A number of the service's own.
        limit: u32 = 7,
        /// A field that takes its type's default.
        tag: String,
    }
}

impl HttpSettings {
    fn validate(self) -> Result<Self, ConfigError> {
        self.check_server()?;
        Ok(self)
    }
}

crate::service_settings! {
    env: "SRVTEST",
    server: { port: 9595, shutdown_timeout_secs: 5 },

    /// A WebSocket service's settings: no HTTP keys.
    #[derive(Debug, Deserialize)]
    struct SocketSettings {
        /// The service's own.
        ping_ms: u64 = 25_000,
    }
}

impl SocketSettings {
    fn validate(self) -> Result<Self, ConfigError> {
        self.check_server()?;
        Ok(self)
    }
}

/// The key a [`ConfigError::Invalid`] names.
fn invalid_key<T>(result: &Result<T, ConfigError>) -> Option<&'static str> {
    match result {
        Err(ConfigError::Invalid { key, .. }) => Some(key),
        _ => None,
    }
}

#[test]
fn defaults_are_the_shared_ones_and_the_services() -> Result<(), ConfigError> {
    let http = HttpSettings::load_from(&[])?;
    assert_eq!(http.host, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(http.port, 9993);
    assert_eq!(http.route_base_path, "/applet");
    assert_eq!(http.shutdown_timeout_secs, 30);
    assert_eq!(http.json_body_limit, 4 * 1024);
    assert_eq!(http.workers, 0);
    assert!(http.access_log);
    assert_eq!(http.limit, 7);
    assert_eq!(http.tag, "");
    let socket = SocketSettings::load_from(&[])?;
    assert_eq!(socket.host, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(socket.port, 9595);
    assert_eq!(socket.route_base_path, "/applet");
    assert_eq!(socket.shutdown_timeout_secs, 5);
    assert_eq!(socket.ping_ms, 25_000);
    assert_eq!(
        (http.log_format, socket.log_format),
        (LogFormat::Text, LogFormat::Text)
    );
    Ok(())
}

#[test]
fn log_format_is_a_shared_key() -> Result<(), ConfigError> {
    let http = HttpSettings::load_from(&[("SRVTEST_LOG_FORMAT", "json")])?;
    let socket = SocketSettings::load_from(&[("SRVTEST_LOG_FORMAT", "json")])?;
    assert_eq!(
        (http.log_format, socket.log_format),
        (LogFormat::Json, LogFormat::Json)
    );
    Ok(())
}

#[test]
fn an_http_key_on_a_websocket_service_is_unknown() {
    let error = SocketSettings::load_from(&[("SRVTEST_WORKERS", "2"), ("SRVTEST_PORT", "1")])
        .err()
        .map(|error| error.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            "invalid configuration: unknown key: `workers` (set by environment variable \
             SRVTEST_WORKERS)"
        )
    );
}

#[test]
fn shared_keys_stay_at_the_top_level_beside_the_services_own() -> Result<(), ConfigError> {
    // `123456` is parsed into an integer on its way in; a flattened struct would refuse it
    // for the secret.
    let settings = HttpSettings::load_from(&[
        ("SRVTEST_HOST", "0.0.0.0"),
        ("SRVTEST_PORT", "5758"),
        ("SRVTEST_ROUTE_BASE_PATH", ""),
        ("SRVTEST_SHUTDOWN_TIMEOUT_SECS", "3"),
        ("SRVTEST_JSON_BODY_LIMIT", "2048"),
        ("SRVTEST_WORKERS", "4"),
        ("SRVTEST_ACCESS_LOG", "false"),
        ("SRVTEST_SECRET", "123456"),
        ("SRVTEST_LIMIT", "9"),
    ])?;
    assert_eq!(settings.host, IpAddr::from([0, 0, 0, 0]));
    assert_eq!(settings.port, 5758);
    assert_eq!(settings.route_base_path, "");
    assert_eq!(settings.shutdown_timeout_secs, 3);
    assert_eq!(settings.json_body_limit, 2048);
    assert_eq!(settings.workers, 4);
    assert!(!settings.access_log);
    assert_eq!(settings.secret.expose_secret(), "123456");
    assert_eq!(settings.limit, 9);
    Ok(())
}

#[test]
fn server_options_carry_every_shared_key() {
    let settings = HttpSettings {
        host: IpAddr::from([10, 0, 0, 1]),
        port: 4321,
        workers: 3,
        shutdown_timeout_secs: 11,
        json_body_limit: 999,
        access_log: true,
        ..HttpSettings::default()
    };
    let options = settings.server_options(crate::http::request_log);
    assert_eq!(options.host, IpAddr::from([10, 0, 0, 1]));
    assert_eq!(options.port, 4321);
    assert_eq!(options.workers, 3);
    assert_eq!(options.shutdown_timeout_secs, 11);
    assert_eq!(options.json_body_limit, 999);
    assert!(options.access_log.is_some());
}

#[test]
fn access_log_off_means_no_logger() {
    let settings = HttpSettings {
        access_log: false,
        ..HttpSettings::default()
    };
    assert!(
        settings
            .server_options(crate::http::request_log)
            .access_log
            .is_none()
    );
}

#[test]
fn check_server_refuses_a_bad_route_base_path_naming_the_key() {
    for bad in ["applet", "/applet/", "/"] {
        let http = HttpSettings {
            route_base_path: bad.into(),
            ..HttpSettings::default()
        };
        let socket = SocketSettings {
            route_base_path: bad.into(),
            ..SocketSettings::default()
        };
        for result in [http.check_server(), socket.check_server()] {
            assert_eq!(
                invalid_key(&result),
                Some("route_base_path"),
                "{bad:?}: {result:?}"
            );
        }
    }
    assert!(HttpSettings::default().check_server().is_ok());
}

#[test]
fn load_from_reads_the_prefixed_pairs_only_and_then_validates() -> Result<(), ConfigError> {
    let settings = SocketSettings::load_from(&[("SRVTEST_PORT", "1"), ("OTHER_PORT", "2")])?;
    assert_eq!(settings.port, 1);
    let refused = SocketSettings::load_from(&[("SRVTEST_ROUTE_BASE_PATH", "/applet/")]);
    assert_eq!(
        invalid_key(&refused),
        Some("route_base_path"),
        "{refused:?}"
    );
    Ok(())
}

#[test]
fn load_reads_the_file_and_then_validates() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("weapp-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let good = dir.join("good.toml");
    std::fs::write(&good, "port = 7000\nlimit = 3\n")?;
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "route_base_path = \"applet/\"\n")?;
    let loaded = HttpSettings::load(Some(good));
    let refused = SocketSettings::load(Some(bad));
    std::fs::remove_dir_all(&dir)?;
    let loaded = loaded?;
    assert_eq!((loaded.port, loaded.limit), (7000, 3));
    assert_eq!(
        invalid_key(&refused),
        Some("route_base_path"),
        "{refused:?}"
    );
    Ok(())
}
