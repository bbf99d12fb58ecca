//! The listener keys every service has at the top level of its configuration, declared once:
//! [`service_settings!`](crate::service_settings) writes a service's `Settings` struct with them
//! (and its own fields), its `Default`, `load`, `check_server` and, for the actix-web services,
//! `server_options`.
//!
//! A macro rather than a shared struct because the keys must stay where the original servers
//! had them: `port`, not `server.port` (`spec/originals.md` §1.1, §3.2, §4), so `ALBUM_PORT`
//! and `VIDEO_ACCESS_LOG=false` keep working. Nesting would rename them, and
//! `#[serde(flatten)]` cannot be used: with the environment parsed (`try_parsing`), a value such
//! as `123456` arrives as an integer, which serde's buffered flatten path refuses for a `String`
//! or secret field while the plain path accepts it.

use std::net::{IpAddr, Ipv4Addr};

/// Default `host`: loopback, behind a local nginx as the original servers were deployed.
pub const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Default `route_base_path`: the original `ROUTE_BASE_PATH` of the HTTP servers
/// (`spec/originals.md` §0), which the WebSocket server's `rootPath` starts with too (§2.1).
pub const DEFAULT_ROUTE_BASE_PATH: &str = "/applet";

/// The access-log middleware of an HTTP service, made once per worker
/// ([`crate::http::request_log`] or the service's own format).
pub type AccessLog = fn() -> actix_web::middleware::Logger;

/// Declares a service's `Settings` struct: the listener keys every service shares, at the top
/// level, followed by the service's own fields, each written `name: Type = default` (or
/// `name: Type` for `Type::default()`).
///
/// | key | type | default |
/// |---|---|---|
/// | `host` | IP address | `127.0.0.1` ([`DEFAULT_HOST`](crate::config::DEFAULT_HOST)) |
/// | `port` | `u16`; `0` picks a free port | the service's (the original server's port) |
/// | `route_base_path` | [`check_route_base_path`](crate::config::check_route_base_path) | `/applet` |
/// | `shutdown_timeout_secs` | seconds | the service's |
/// | `log_format` | `text` or `json` ([`LogFormat`](crate::logging::LogFormat)) | `text` |
/// | `json_body_limit` (HTTP services) | bytes | the service's |
/// | `workers` (HTTP services) | threads, `0` = one per core | `0` |
/// | `access_log` (HTTP services) | bool | `true` |
///
/// The first argument names the environment prefix; the second says which shared keys:
///
/// - `server: { port: P, shutdown_timeout_secs: S }` — `host`, `port`, `route_base_path`,
///   `shutdown_timeout_secs`, `log_format`;
/// - `http_server: { port: P, json_body_limit: B, shutdown_timeout_secs: S }` — those plus
///   `json_body_limit`, `workers` and `access_log`, and a `server_options(log)` method giving the
///   [`ServerOptions`](crate::http::ServerOptions) of [`http::serve`](crate::http::serve).
///
/// The struct's own attributes are kept (write `#[derive(Deserialize)]`, with `Debug` and
/// `Clone` as needed); the macro adds `#[serde(default)]` and a `Default` impl made of the
/// defaults given, so a key left out of every layer takes its default. It also adds
///
/// - `load(file: Option<PathBuf>) -> Result<Self, ConfigError>`: defaults → `file` (or
///   `{PREFIX}_CONFIG`) → `{PREFIX}_*` environment, then `check_server` and the service's own
///   `fn validate(self) -> Result<Self, ConfigError>`, which the service writes;
/// - `load_from(vars: &[(&str, &str)])`: the same with these pairs instead of the process
///   environment (tests);
/// - `check_server(&self) -> Result<(), ConfigError>`: the shared keys' rules; `load` runs
///   them, and `validate` should call it too, for settings built in code.
///
/// ```
/// use serde::Deserialize;
/// use weapp_common::config::ConfigError;
///
/// weapp_common::service_settings! {
///     env: "DEMO",
///     http_server: { port: 8080, json_body_limit: 100 * 1024, shutdown_timeout_secs: 30 },
///
///     /// Everything the demo reads from configuration.
///     #[derive(Debug, Clone, Deserialize)]
///     pub struct Settings {
///         /// Greeting sent by `/hello`.
///         pub greeting: String = "hi".into(),
///     }
/// }
///
/// impl Settings {
///     /// Check the values.
///     ///
///     /// # Errors
///     /// [`ConfigError::Invalid`] naming the key.
///     pub fn validate(self) -> Result<Self, ConfigError> {
///         self.check_server()?;
///         Ok(self)
///     }
/// }
///
/// let settings = Settings::default();
/// assert_eq!((settings.port, settings.route_base_path.as_str()), (8080, "/applet"));
/// assert_eq!(settings.greeting, "hi");
/// ```
#[macro_export]
macro_rules! service_settings {
    (
        env: $prefix:literal,
        server: { port: $port:expr, shutdown_timeout_secs: $grace:expr $(,)? },
        $($definition:tt)*
    ) => {
        $crate::service_settings! {
            @define env: $prefix, port: $port, shutdown_timeout_secs: $grace,
            fields: [], defaults: [], methods: [],
            $($definition)*
        }
    };
    (
        env: $prefix:literal,
        http_server: {
            port: $port:expr,
            json_body_limit: $body_limit:expr,
            shutdown_timeout_secs: $grace:expr $(,)?
        },
        $($definition:tt)*
    ) => {
        $crate::service_settings! {
            @define env: $prefix, port: $port, shutdown_timeout_secs: $grace,
            fields: [
                #[doc = concat!(
                    "Largest JSON or urlencoded request body in bytes (default ",
                    stringify!($body_limit), ")."
                )]
                pub json_body_limit: usize,
                /// HTTP worker threads; `0` = one per core.
                pub workers: usize,
                /// Log every request (the access log: client address, method, path, status,
                /// bytes, time). nginx in front logs each request too; `false` spares the cost
                /// of the line (about a fifth of the CPU of the cheapest routes).
                pub access_log: bool,
            ],
            defaults: [json_body_limit: $body_limit, workers: 0, access_log: true,],
            methods: [
                /// The HTTP listener's options for `weapp_common::http::serve`: every shared key,
                /// with `log` as the access log when `access_log` is on.
                pub fn server_options(
                    &self,
                    log: $crate::config::AccessLog,
                ) -> $crate::http::ServerOptions {
                    $crate::http::ServerOptions {
                        host: self.host,
                        port: self.port,
                        workers: self.workers,
                        shutdown_timeout_secs: self.shutdown_timeout_secs,
                        json_body_limit: self.json_body_limit,
                        access_log: self.access_log.then_some(log),
                        metrics: $crate::metrics::Metrics::new(),
                    }
                }
            ],
            $($definition)*
        }
    };
    (@default) => {
        ::std::default::Default::default()
    };
    (@default $default:expr) => {
        $default
    };
    (
        @define env: $prefix:literal, port: $port:expr, shutdown_timeout_secs: $grace:expr,
        fields: [$($shared_field:tt)*],
        defaults: [$($shared_default:tt)*],
        methods: [$($shared_method:tt)*],
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field_vis:vis $field:ident : $field_type:ty $(= $field_default:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[serde(default)]
        $vis struct $name {
            /// Address to bind; `127.0.0.1` (the default) behind a local nginx, `0.0.0.0` in a
            /// container.
            pub host: ::std::net::IpAddr,
            #[doc = concat!(
                "TCP port (default ", stringify!($port),
                ", the original server's). `0` picks a free port (tests)."
            )]
            pub port: u16,
            /// Prefix of every route (original `ROUTE_BASE_PATH`, default `/applet`): empty, or
            /// starting with `/` and not ending with one.
            pub route_base_path: ::std::string::String,
            #[doc = concat!(
                "Seconds in-flight requests (or open sockets) get to finish after SIGTERM/SIGINT \
                 (default ", stringify!($grace), ")."
            )]
            pub shutdown_timeout_secs: u64,
            /// How log lines are written: `text` (default) or `json`, one object a line.
            pub log_format: $crate::logging::LogFormat,
            $($shared_field)*
            $(
                $(#[$field_meta])*
                $field_vis $field: $field_type,
            )*
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self {
                    host: $crate::config::DEFAULT_HOST,
                    port: $port,
                    route_base_path: $crate::config::DEFAULT_ROUTE_BASE_PATH.into(),
                    shutdown_timeout_secs: $grace,
                    log_format: $crate::logging::LogFormat::Text,
                    $($shared_default)*
                    $($field: $crate::service_settings!(@default $($field_default)?),)*
                }
            }
        }

        impl $name {
            #[doc = concat!(
                "Load from defaults → `file` (or the one `", $prefix, "_CONFIG` names) → `",
                $prefix, "_*` environment, then check the values (`check_server`, then `validate`)."
            )]
            ///
            /// # Errors
            /// A `ConfigError` naming the offending key.
            pub fn load(
                file: ::std::option::Option<::std::path::PathBuf>,
            ) -> ::std::result::Result<Self, $crate::config::ConfigError> {
                let settings: Self = $crate::config::Source::env($prefix).file(file).load()?;
                settings.check_server()?;
                Self::validate(settings)
            }

            #[doc = concat!(
                "Like `load`, with these `(KEY, value)` pairs instead of the process environment \
                 (keys `", $prefix, "_*`; for tests: no global state)."
            )]
            ///
            /// # Errors
            /// As `load`.
            pub fn load_from(
                vars: &[(&str, &str)],
            ) -> ::std::result::Result<Self, $crate::config::ConfigError> {
                let vars = vars
                    .iter()
                    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()));
                let settings: Self = $crate::config::Source::env($prefix).load_from(vars)?;
                settings.check_server()?;
                Self::validate(settings)
            }

            /// Check the shared listener keys (`route_base_path`); `validate` calls it first.
            ///
            /// # Errors
            /// `ConfigError::Invalid` naming the key.
            pub fn check_server(&self) -> ::std::result::Result<(), $crate::config::ConfigError> {
                $crate::config::check_route_base_path(&self.route_base_path)
            }

            $($shared_method)*
        }
    };
}

#[cfg(test)]
mod tests;
