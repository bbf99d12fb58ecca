//! Redis commands counted by the server: `INFO commandstats` (`cmdstat_<name>:calls=N,…`).
//!
//! The counters are the whole server's, every database: a delta also holds whatever else uses
//! this Redis meanwhile (the stack, other benches), so the bench measures that background over
//! an idle window of its own and prints it next to the figures. [`DbMonitor`] counts exactly
//! the commands run in the nodes' database instead (`MONITOR`, lines `… [db addr] "CMD" …`,
//! Lua's own calls as `[db lua]`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use deadpool_redis::redis::{self, aio::MultiplexedConnection};
use futures_util::StreamExt;

/// Calls per command since the server started.
#[derive(Debug, Clone, Default)]
pub struct Calls(pub BTreeMap<String, u64>);

impl Calls {
    /// All calls.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// Calls made since `before`, per command (commands that did not move are left out).
    pub fn since(&self, before: &Self) -> Self {
        let mut delta = BTreeMap::new();
        for (name, calls) in &self.0 {
            let moved = calls.saturating_sub(before.0.get(name).copied().unwrap_or(0));
            if moved > 0 {
                delta.insert(name.clone(), moved);
            }
        }
        Self(delta)
    }

    /// `publish 1200, evalsha 30, …`, the biggest first, at most `top` of them.
    pub fn breakdown(&self, top: usize) -> String {
        let mut calls: Vec<(&String, &u64)> = self.0.iter().collect();
        calls.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = calls
            .iter()
            .take(top)
            .map(|(name, calls)| format!("{name} {calls}"))
            .collect();
        shown.join(", ")
    }
}

/// Reads `INFO commandstats`.
///
/// # Errors
/// Redis unreachable or an answer without counters.
pub async fn read(connection: &mut MultiplexedConnection) -> anyhow::Result<Calls> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(connection)
        .await
        .context("INFO commandstats")?;
    Ok(parse(&info))
}

/// Counts, per command, what `MONITOR` shows run in one database (the bench's own `INFO`
/// left out), from [`DbMonitor::start`] until the process ends.
#[derive(Debug, Clone)]
pub struct DbMonitor(Arc<Mutex<BTreeMap<String, u64>>>);

impl DbMonitor {
    /// Opens a `MONITOR` connection to `client` and counts the commands of database `db`.
    ///
    /// # Errors
    /// Redis unreachable or `MONITOR` refused.
    pub async fn start(client: &redis::Client, db: u32) -> anyhow::Result<Self> {
        let monitor = client.get_async_monitor().await.context("MONITOR")?;
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let seen = Arc::clone(&counts);
        let tag = format!("[{db} ");
        tokio::spawn(async move {
            let mut lines = monitor.into_on_message::<String>();
            while let Some(line) = lines.next().await {
                if let Some(command) = command_in(&line, &tag) {
                    let mut counts = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    *counts.entry(command).or_insert(0) += 1;
                }
            }
        });
        Ok(Self(counts))
    }

    /// Calls counted so far.
    pub fn calls(&self) -> Calls {
        Calls(
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// The command of a `MONITOR` line run in the database tagged `[db `, lowercased.
fn command_in(line: &str, tag: &str) -> Option<String> {
    let (_, rest) = line.split_once(tag)?;
    let (_, rest) = rest.split_once("] \"")?;
    let command = rest.split('"').next()?.to_ascii_lowercase();
    (command != "info").then_some(command)
}

fn parse(info: &str) -> Calls {
    let mut calls = BTreeMap::new();
    for line in info.lines() {
        let Some((name, fields)) = line
            .strip_prefix("cmdstat_")
            .and_then(|line| line.split_once(':'))
        else {
            continue;
        };
        let count = fields
            .split(',')
            .find_map(|field| field.strip_prefix("calls="))
            .and_then(|count| count.parse().ok());
        if let Some(count) = count {
            calls.insert(name.to_owned(), count);
        }
    }
    Calls(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_read_per_command_and_subtracted() {
        let before = parse(
            "# Commandstats\r\ncmdstat_publish:calls=10,usec=5,usec_per_call=0.5\r\n\
             cmdstat_get:calls=3,usec=1\r\n",
        );
        let after = parse(
            "cmdstat_publish:calls=25,usec=9\r\ncmdstat_get:calls=3,usec=1\r\n\
             cmdstat_evalsha:calls=4,usec=2\r\n",
        );
        assert_eq!(before.total(), 13);
        let delta = after.since(&before);
        assert_eq!(delta.total(), 19);
        assert_eq!(delta.breakdown(5), "publish 15, evalsha 4");
    }

    #[test]
    fn monitor_lines_count_in_their_database_only() {
        let tag = "[5 ";
        let line = r#"1733385600.123456 [5 127.0.0.1:50000] "PUBLISH" "p:node:a" "x""#;
        assert_eq!(command_in(line, tag).as_deref(), Some("publish"));
        let lua = r#"1733385600.2 [5 lua] "LINDEX" "p:open" "0""#;
        assert_eq!(command_in(lua, tag).as_deref(), Some("lindex"));
        assert_eq!(command_in(r#"1.0 [0 127.0.0.1:1] "GET" "k""#, tag), None);
        assert_eq!(
            command_in(r#"1.0 [5 127.0.0.1:1] "INFO" "commandstats""#, tag),
            None
        );
    }
}
