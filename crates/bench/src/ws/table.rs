//! The compact table `ws-bench` prints: one row per figure, saying which tool measured it and
//! the goal it is read against (reported, never asserted).

use std::fmt::Write as _;

use weapp_bench::report::fmt_duration;

use super::idle::IdleReport;
use super::relay::RelayReport;
use super::rounds::{PhaseFigures, RoundsReport};

/// One line of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    what: String,
    tool: String,
    value: String,
    p50: String,
    p99: String,
    goal: String,
    note: String,
}

impl Row {
    fn new(what: &str, tool: &str, value: String, goal: &str, note: String) -> Self {
        Self {
            what: what.to_owned(),
            tool: tool.to_owned(),
            value,
            p50: "-".into(),
            p99: "-".into(),
            goal: goal.to_owned(),
            note,
        }
    }
}

/// `12,345`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The memory row (or why it is missing).
pub fn idle_row(idle: Option<&IdleReport>, skipped: &str) -> Row {
    let what = "server RSS per idle connection";
    let tool = "/proc/<pid>/status VmRSS";
    let Some(idle) = idle else {
        return Row::new(what, tool, "-".into(), "≤ 20 KB", skipped.to_owned());
    };
    let mb = |kib: u64| kib as f64 / 1024.0;
    let mut note = format!(
        "{} sockets, VmRSS {:.1} → {:.1} MB, opened in {:.1} s",
        idle.opened,
        mb(idle.rss_before_kib),
        mb(idle.rss_after_kib),
        idle.elapsed.as_secs_f64()
    );
    if idle.failed > 0 {
        let error = idle.first_error.as_deref().unwrap_or_default();
        let _ = write!(note, "; {} failed: {error}", idle.failed);
    }
    let value = idle
        .kib_per_connection()
        .map_or_else(|| "-".into(), |kib| format!("{kib:.1} KB"));
    Row::new(what, tool, value, "≤ 20 KB", note)
}

/// `server 1.10 + ws-bench 0.85 of 1.98 busy cores`: CPU time over wall time; the machine's
/// busy time shows what other processes took.
fn cpu(figures: &PhaseFigures) -> String {
    let cores = |cpu: Option<std::time::Duration>| {
        let wall = figures.elapsed.as_secs_f64().max(1e-9);
        cpu.map_or_else(
            || "?".into(),
            |cpu| format!("{:.2}", cpu.as_secs_f64() / wall),
        )
    };
    format!(
        "server {} + ws-bench {} of {} busy cores",
        cores(figures.server_cpu),
        cores(figures.bench_cpu),
        cores(figures.machine_busy)
    )
}

/// The rows of one playing phase.
fn phase_rows(name: &str, figures: &PhaseFigures, goals: (&str, &str)) -> [Row; 3] {
    let rounds = Row::new(
        &format!("rounds/s, {name}"),
        "ws-game /stats",
        thousands(figures.per_sec(figures.rounds)),
        "",
        format!(
            "{} rounds in {:.1} s",
            figures.rounds,
            figures.elapsed.as_secs_f64()
        ),
    );
    let messages = Row::new(
        &format!("messages/s, {name}"),
        "ws-bench",
        thousands(figures.per_sec(figures.sent + figures.received)),
        goals.0,
        format!(
            "{} sent + {} received; CPU {}",
            figures.sent,
            figures.received,
            cpu(figures)
        ),
    );
    [rounds, messages, delay_row(name, figures, goals.1)]
}

/// The choice → movement delay of a phase, with p50 and p99.
fn delay_row(name: &str, figures: &PhaseFigures, goal: &str) -> Row {
    let mut delay = Row::new(
        &format!("choice→movement, {name}"),
        "ws-bench",
        format!("n={}", figures.delays_us.len()),
        goal,
        "client timestamps: choice written → opponent reads movement".into(),
    );
    let fmt = |quantile| {
        figures
            .delay(quantile)
            .map_or_else(|| "-".into(), fmt_duration)
    };
    delay.p50 = fmt(0.5);
    delay.p99 = fmt(0.99);
    delay
}

/// Every row of the playing phases.
pub fn rounds_rows(report: &RoundsReport, players: usize, think_ms: u64) -> Vec<Row> {
    let mut note = format!(
        "{}/{players} connected in {:.1} s; {} choices unseen",
        report.connected,
        report.connect_time.as_secs_f64(),
        report.unanswered
    );
    if report.failed > 0 {
        let error = report.first_error.as_deref().unwrap_or_default();
        let _ = write!(note, "; {} failed: {error}", report.failed);
    }
    let mut rows = vec![Row::new(
        "players",
        "ws-bench",
        players.to_string(),
        "",
        note,
    )];
    let paced = format!("paced (think {think_ms} ms)");
    rows.extend(phase_rows(&paced, &report.paced, ("", "p99 ≤ 5 ms")));
    let goals = ("≥ 100,000", "");
    rows.extend(phase_rows("flat out", &report.flat_out, goals));
    rows
}

/// The rows of the relay phase against ws-game and, if measured, against the bare relay:
/// `(players, period in ms, framing)` describe the set-up.
pub fn relay_rows(
    ws_game: &RelayReport,
    bare: Option<&RelayReport>,
    (players, every_ms, framing): (usize, u64, &str),
) -> Vec<Row> {
    let figures = &ws_game.figures;
    let mut note = format!(
        "{}/{players} {framing} players connected, a choice every {every_ms} ms each",
        ws_game.connected
    );
    if ws_game.failed > 0 {
        let error = ws_game.first_error.as_deref().unwrap_or_default();
        let _ = write!(note, "; {} failed: {error}", ws_game.failed);
    }
    let relayed = Row::new(
        "relayed choice→movement/s",
        "ws-bench",
        thousands(figures.per_sec(figures.relayed)),
        "",
        note,
    );
    let mut rows = vec![
        relayed,
        cpu_row("server CPU per relayed message", ws_game, "≤ 4 µs"),
        delay_row("relay", figures, "p99 ≤ 3 ms"),
    ];
    if let Some(bare) = bare {
        let mut floor = cpu_row("bare relay CPU per relayed message", bare, "");
        let ratio = ws_game.cpu_us_per_relayed().zip(bare.cpu_us_per_relayed());
        if let Some((ws_game, bare)) = ratio.filter(|(_, bare)| *bare > 0.0) {
            floor.goal = format!("ws-game {:.2}×", ws_game / bare);
        }
        rows.push(floor);
        rows.push(delay_row("relay, bare relay", &bare.figures, ""));
    }
    rows
}

/// A server's CPU time per relayed message over the window, with what it is made of.
fn cpu_row(what: &str, report: &RelayReport, goal: &str) -> Row {
    let figures = &report.figures;
    let server_cpu = figures
        .server_cpu
        .map_or_else(|| "?".into(), |cpu| format!("{:.2} s", cpu.as_secs_f64()));
    Row::new(
        what,
        "/proc/<pid>/stat",
        report
            .cpu_us_per_relayed()
            .map_or_else(|| "-".into(), |us| format!("{us:.2} µs")),
        goal,
        format!(
            "server CPU {server_cpu} / {} relayed in {:.1} s; CPU {}",
            figures.relayed,
            figures.elapsed.as_secs_f64(),
            cpu(figures)
        ),
    )
}

/// Renders the rows as an aligned text table.
pub fn render(rows: &[Row]) -> String {
    let header = ["measurement", "tool", "value", "p50", "p99", "goal", "note"];
    let cells: Vec<[&str; 7]> = rows
        .iter()
        .map(|r| [&r.what, &r.tool, &r.value, &r.p50, &r.p99, &r.goal, &r.note].map(String::as_str))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
            // Figures align right, text left.
            if (2..5).contains(&i) {
                let _ = write!(line, "{pad}{cell}  ");
            } else {
                let _ = write!(line, "{cell}{pad}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(123_456.7), "123,457");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
    }

    #[test]
    fn rows_align_and_a_missing_figure_says_why() {
        let rows = [idle_row(None, "no --server-pid"), {
            let mut row = Row::new("x", "ws-bench", "12".into(), "", String::new());
            row.p99 = "1.00ms".into();
            row
        }];
        let table = render(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("measurement"));
        assert!(lines[1].ends_with("no --server-pid"));
        assert_eq!(lines[0].find("tool"), lines[2].find("ws-bench"));
    }
}
