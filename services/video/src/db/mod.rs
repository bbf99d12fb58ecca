//! MySQL access: the connection pool ([`connect`]), schema migrations and seed data
//! ([`migrate`]), the queries behind the routes ([`repository`]) and storing a comment at most
//! once ([`posting`]).
//!
//! Every connection is set up the same way, by the pool and by the one-off connections of
//! `video migrate` / `video seed`: TCP as configured (never mysql_async's switch to the Unix
//! socket, so the address in the settings is the one used), `utf8mb4` with the tables'
//! collation, and UTC as the session time zone so `DATETIME` values are UTC. The service's own
//! connections also bound every statement on the server ([`service_opts`]); the migrations'
//! are not bound (an `ALTER TABLE` may take long).

pub mod migrate;
pub mod posting;
pub mod repository;
mod timestamp;

use std::time::Duration;

use mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use secrecy::ExposeSecret;

use crate::settings::MysqlSettings;

pub use timestamp::Timestamp;

/// Statements run once on every new connection (see the module docs).
const SESSION_SETUP: [&str; 2] = [
    "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    "SET time_zone = '+00:00'",
];

/// The session setup of the service's connections: [`SESSION_SETUP`], then the server-side
/// limit of every statement, `mysql.statement_timeout_secs` — as `innodb_lock_wait_timeout`
/// (MariaDB and MySQL) and MariaDB's `max_statement_time`, written in a `/*M! … */` comment that
/// only MariaDB executes (MySQL has no such limit on writes). The server then aborts, and rolls
/// back, a statement before the request's own `mysql.timeout_secs` runs out.
fn service_setup(settings: &MysqlSettings) -> Vec<String> {
    let seconds = settings.statement_timeout_secs;
    let mut setup: Vec<String> = SESSION_SETUP.iter().map(|&s| s.to_owned()).collect();
    setup.push(format!(
        "SET SESSION innodb_lock_wait_timeout = {seconds} /*M! , max_statement_time = {seconds} */"
    ));
    setup
}

/// The options of the service's pool: [`opts`] with every statement bounded on the server.
pub fn service_opts(settings: &MysqlSettings) -> Opts {
    OptsBuilder::from_opts(opts(settings, settings.pool_min, settings.pool_max))
        .init(service_setup(settings))
        .into()
}

/// Connection options for `settings` with at most `max` pooled connections.
pub fn opts(settings: &MysqlSettings, min: usize, max: usize) -> Opts {
    let constraints = PoolConstraints::new(min.min(max), max.max(1)).unwrap_or_default();
    let pool_opts = PoolOpts::default()
        .with_constraints(constraints)
        // Keep up to `max` idle connections and close the ones beyond `min` only after they
        // idled this long (checked every `ttl_check_interval`). mysql_async's default (0)
        // closes every connection beyond `min` as soon as it is returned: under load the pool
        // reconnected and re-prepared its statements on most requests (list route +15–20 %
        // with the fix, measured with wrk on two cores).
        .with_inactive_connection_ttl(settings.idle_timeout())
        .with_ttl_check_interval(settings.idle_timeout().min(Duration::from_secs(30)))
        // A reset (COM_RESET_CONNECTION) on every return to the pool would drop the prepared
        // statement cache and cost a round trip per request; the service leaves no session
        // state behind (no transactions left open, no variables changed after setup).
        .with_reset_connection(false);
    let password = settings.password.expose_secret();
    OptsBuilder::default()
        .ip_or_hostname(settings.host.as_str())
        .tcp_port(settings.port)
        .user(Some(settings.user.as_str()))
        .pass((!password.is_empty()).then_some(password))
        .db_name(Some(settings.database.as_str()))
        .prefer_socket(false)
        .tcp_nodelay(true)
        .init(SESSION_SETUP.to_vec())
        .pool_opts(pool_opts)
        .into()
}

/// The service's pool (`mysql.pool_min`..`mysql.pool_max` connections, [`service_opts`]).
/// Connects lazily: a server that is down now only fails the requests made while it is down.
pub fn connect(settings: &MysqlSettings) -> Pool {
    Pool::new(service_opts(settings))
}

/// A failed database operation. The message is for the log only, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The operation (including the wait for a pooled connection) took longer than allowed.
    #[error("no answer from MySQL within {0:?}")]
    Timeout(Duration),
    /// The driver or the server reported an error.
    #[error("MySQL: {0}")]
    Mysql(#[from] mysql_async::Error),
    /// A row did not have the expected shape (schema and code disagree).
    #[error("unexpected row: {0}")]
    Decode(String),
    /// A comment's insert reached MySQL after the time it had to start by; nothing was stored.
    #[error("the insert reached MySQL after its deadline; nothing stored")]
    Late,
    /// Another request kept taking and releasing the comment attempt's key; nothing stored.
    #[error("the comment attempt's key kept changing hands; nothing stored")]
    Contended,
}

/// `ER_CONNECTION_KILLED`: the server ended the session (`KILL`, shutdown).
const ER_CONNECTION_KILLED: u16 = 1927;
/// `ER_SERVER_SHUTDOWN`.
const ER_SERVER_SHUTDOWN: u16 = 1053;

impl DbError {
    /// The connection broke (I/O error, killed session): a fresh connection may succeed.
    pub fn is_broken_connection(&self) -> bool {
        match self {
            Self::Mysql(mysql_async::Error::Server(server)) => {
                matches!(server.code, ER_CONNECTION_KILLED | ER_SERVER_SHUTDOWN)
            }
            Self::Mysql(error) => error.is_fatal(),
            Self::Timeout(_) | Self::Decode(_) | Self::Late | Self::Contended => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_follow_the_settings() {
        let settings = MysqlSettings {
            host: "db.internal".into(),
            port: 3307,
            database: "video_x".into(),
            ..MysqlSettings::default()
        };
        let opts = opts(&settings, 2, 7);
        assert_eq!(opts.ip_or_hostname(), "db.internal");
        assert_eq!(opts.tcp_port(), 3307);
        assert_eq!(opts.db_name(), Some("video_x"));
        assert_eq!(opts.pass(), None, "an empty password is no password");
        assert!(!opts.prefer_socket());
        assert_eq!(opts.pool_opts().constraints().max(), 7);
        assert!(!opts.pool_opts().reset_connection());
    }

    #[test]
    fn the_service_bounds_statements_on_the_server_and_migrations_do_not() {
        let settings = MysqlSettings {
            statement_timeout_secs: 3,
            ..MysqlSettings::default()
        };
        let bound = "SET SESSION innodb_lock_wait_timeout = 3 /*M! , max_statement_time = 3 */";
        let service = service_opts(&settings);
        assert_eq!(service.init().last().map(String::as_str), Some(bound));
        assert_eq!(service.init().len(), SESSION_SETUP.len() + 1);
        assert_eq!(service.pool_opts().constraints().max(), settings.pool_max);
        let migrations = opts(&settings, 1, 1);
        assert_eq!(migrations.init(), SESSION_SETUP);
    }

    #[test]
    fn only_connection_failures_count_as_broken() {
        let killed = mysql_async::ServerError {
            code: ER_CONNECTION_KILLED,
            message: "Connection was killed".into(),
            state: "70100".into(),
        };
        assert!(DbError::Mysql(killed.into()).is_broken_connection());
        let syntax = mysql_async::ServerError {
            code: 1064,
            message: "syntax".into(),
            state: "42000".into(),
        };
        assert!(!DbError::Mysql(syntax.into()).is_broken_connection());
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(DbError::Mysql(io.into()).is_broken_connection());
        assert!(!DbError::Timeout(Duration::from_secs(1)).is_broken_connection());
    }
}
