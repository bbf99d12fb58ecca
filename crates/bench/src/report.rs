//! The compact table printed at the end of a run.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::Outcome;
use crate::wrk::WrkReport;

/// One measured (or skipped) line of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// What was measured, e.g. `upload via album`.
    pub what: String,
    /// Who measured it, e.g. `album-bench (reqwest)` or `wrk`.
    pub tool: String,
    /// Successful requests.
    pub ok: Option<u64>,
    /// Failed requests (transport errors, bad status, `code != 0`).
    pub errors: Option<u64>,
    /// Successful requests per second.
    pub per_sec: Option<f64>,
    /// Payload MB/s (10^6 bytes).
    pub mb_per_sec: Option<f64>,
    /// Median latency.
    pub p50: Option<Duration>,
    /// 99th percentile latency.
    pub p99: Option<Duration>,
    /// Goal, skip reason or first error.
    pub note: String,
}

impl Row {
    /// A row from the bench's own load driver.
    pub fn from_outcome(what: &str, tool: &str, out: &Outcome, with_mb: bool) -> Self {
        Self {
            what: what.to_owned(),
            tool: tool.to_owned(),
            ok: Some(out.ok),
            errors: Some(out.errors),
            per_sec: Some(out.per_sec()),
            mb_per_sec: with_mb.then(|| out.mb_per_sec()),
            p50: out.latency(0.50),
            p99: out.latency(0.99),
            note: out
                .first_error
                .as_deref()
                .map(first_line)
                .unwrap_or_default(),
        }
    }

    /// A row from a wrk report (wrk counts HTTP statuses only, not the envelope's `code`).
    pub fn from_wrk(what: &str, r: &WrkReport) -> Self {
        let errors = r.non_2xx + r.socket_errors;
        Self {
            what: what.to_owned(),
            tool: "wrk".to_owned(),
            ok: Some(r.requests.saturating_sub(r.non_2xx)),
            errors: Some(errors),
            per_sec: Some(r.per_sec),
            mb_per_sec: None,
            p50: r.p50,
            p99: r.p99,
            note: String::new(),
        }
    }

    /// A row that was not measured, with the reason.
    pub fn skipped(what: &str, tool: &str, reason: &str) -> Self {
        Self {
            what: what.to_owned(),
            tool: tool.to_owned(),
            note: reason.to_owned(),
            ..Self::default()
        }
    }

    /// Appends `text` to the note.
    #[must_use]
    pub fn with_note(mut self, text: &str) -> Self {
        if !self.note.is_empty() {
            self.note.push_str("; ");
        }
        self.note.push_str(text);
        self
    }
}

fn first_line(s: &str) -> String {
    const MAX: usize = 120;
    let line = s.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| "-".to_owned(), f)
}

/// `812µs`, `1.23ms`, `2.50s`.
pub fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.2}ms", us / 1e3)
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

/// Renders the rows as an aligned text table.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "measurement",
        "tool",
        "ok",
        "err",
        "req/s",
        "MB/s",
        "p50",
        "p99",
        "note",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.what.clone(),
                r.tool.clone(),
                opt(r.ok, |v| v.to_string()),
                opt(r.errors, |v| v.to_string()),
                opt(r.per_sec, |v| format!("{v:.0}")),
                opt(r.mb_per_sec, |v| format!("{v:.1}")),
                opt(r.p50, fmt_duration),
                opt(r.p99, fmt_duration),
                r.note.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            // Text columns align left, figures right.
            if (2..8).contains(&i) {
                let _ = write!(s, "{}{c}  ", " ".repeat(pad));
            } else {
                let _ = write!(s, "{c}{}  ", " ".repeat(pad));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&header.map(str::to_owned));
    for row in &cells {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(fmt_duration(Duration::from_micros(812)), "812µs");
        assert_eq!(fmt_duration(Duration::from_micros(1_234)), "1.23ms");
        assert_eq!(fmt_duration(Duration::from_millis(2_500)), "2.50s");
    }

    #[test]
    fn table_aligns_columns_and_dashes_missing_figures() {
        let rows = [
            Row {
                what: "a".into(),
                tool: "wrk".into(),
                ok: Some(5),
                per_sec: Some(12.4),
                ..Row::default()
            },
            Row::skipped("longer name", "x", "album not reachable"),
        ];
        let t = table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("measurement  tool"));
        assert!(lines[1].starts_with("a            wrk"));
        assert!(lines[2].ends_with("album not reachable"));
        assert!(lines[2].contains(" - "));
    }

    #[test]
    fn long_errors_are_cut_to_one_short_line() {
        let long = format!("{}\nsecond line", "x".repeat(300));
        let cut = first_line(&long);
        assert_eq!(cut.chars().count(), 121);
        assert!(cut.ends_with('…'));
    }
}
