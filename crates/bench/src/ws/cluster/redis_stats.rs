//! Redis commands counted by the server: `INFO commandstats` (`cmdstat_<name>:calls=N,…`).
//!
//! The counters are the whole server's, every database: a delta also holds whatever else uses
//! this Redis meanwhile (the stack, other benches), so the bench measures that background over
//! an idle window of its own and prints it next to the figures.

use std::collections::BTreeMap;

use anyhow::Context;
use deadpool_redis::redis::{self, aio::MultiplexedConnection};

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
}
