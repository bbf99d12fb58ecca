//! The table of the cluster bench: one row per figure, the goal next to it (reported, never
//! asserted).

use std::fmt::Write as _;
use std::time::Duration;

use weapp_bench::report::fmt_duration;

use super::{Calls, ClusterPlan, ClusterReport, Window};

/// The nearest-rank quantile of sorted delays.
fn quantile(sorted_us: &[u32], q: f64) -> Option<Duration> {
    let n = sorted_us.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
    sorted_us
        .get(rank - 1)
        .map(|&us| Duration::from_micros(u64::from(us)))
}

fn per_sec(amount: f64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { amount / secs } else { 0.0 }
}

fn opt(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "-".into(), fmt_duration)
}

/// `45 %` of one core.
fn core_share(cpu: Option<Duration>, elapsed: Duration) -> String {
    cpu.map_or_else(
        || "?".into(),
        |cpu| format!("{:.0} %", 100.0 * per_sec(cpu.as_secs_f64(), elapsed)),
    )
}

/// Commands over a span, less the background rate over the same length.
fn net_of(calls: &Calls, elapsed: Duration, background: &(Calls, Duration)) -> f64 {
    let rate = per_sec(background.0.total() as f64, background.1);
    (calls.total() as f64 - rate * elapsed.as_secs_f64()).max(0.0)
}

struct Rows(Vec<[String; 6]>);

impl Rows {
    fn push(&mut self, what: &str, value: String, p50: String, p99: String, goal: String) {
        self.0
            .push([what.into(), value, p50, p99, goal, String::new()]);
    }

    fn note(&mut self, note: String) {
        if let Some(row) = self.0.last_mut() {
            row[5] = note;
        }
    }
}

fn delay_rows(
    rows: &mut Rows,
    label: &str,
    window: &Window,
    classes: &[usize],
) -> [Option<Duration>; 2] {
    let mut p99s = [None, None];
    for &class in classes {
        let name = ["same-node", "cross-node"][class];
        let delays = &window.delays_us[class];
        p99s[class] = quantile(delays, 0.99);
        let what = format!("choice→movement, {name} pairs ({label})");
        let count = format!("{} delays", delays.len());
        rows.push(
            &what,
            count,
            opt(quantile(delays, 0.5)),
            opt(p99s[class]),
            String::new(),
        );
    }
    p99s
}

fn cpu_row(rows: &mut Rows, what: &str, window: &Window) -> Option<f64> {
    let per = window.cpu_us_per_relayed();
    let relayed = window.relayed[0] + window.relayed[1];
    let cpu = window
        .nodes_cpu()
        .map_or_else(|| "?".into(), |cpu| format!("{:.2} s", cpu.as_secs_f64()));
    let value = per.map_or_else(|| "-".into(), |us| format!("{us:.2} µs"));
    rows.push(what, value, "-".into(), "-".into(), String::new());
    rows.note(format!(
        "nodes' CPU {cpu} / {relayed} relayed in {:.1} s ({:.0}/s)",
        window.elapsed.as_secs_f64(),
        per_sec(relayed as f64, window.elapsed)
    ));
    per
}

/// Prints the header and the table.
pub fn print(plan: &ClusterPlan, report: &ClusterReport, every_ms: u64) {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let nodes: Vec<String> = plan
        .addrs
        .iter()
        .zip(&plan.pids)
        .map(|(addr, pid)| format!("{addr} (pid {pid})"))
        .collect();
    println!(
        "\nws-bench --nodes {}: {} players in stable pairs ({} same-node + {} cross-node met, {} \
         not), a choice every {every_ms} ms each; nodes {}; {cores} cores",
        plan.addrs.len(),
        report.connected,
        report.met[0],
        report.met[1],
        report.unmet,
        nodes.join(", ")
    );
    println!(
        "measured by: ws-bench (client-side timestamps on one clock) for delays and messages; \
         /proc/<pid>/stat for CPU (10 ms ticks), /proc/<pid>/status VmRSS; Redis MONITOR for the \
         commands run in the nodes' database (Lua's calls included), INFO commandstats for the \
         whole server's (background {} commands/s measured idle over {} s, subtracted where it \
         says net). Same-only and cross-only windows run at the \
         rate of the mixed one. Client, nodes and Redis share the cores.\n",
        thousands(per_sec(
            report.background.0.total() as f64,
            report.background.1
        )),
        report.background.1.as_secs()
    );
    let [mixed, same, cross] = &report.windows;
    let mut rows = Rows(vec![
        ["figure", "value", "p50", "p99", "goal", "note"].map(String::from),
    ]);
    rows.push(
        "messages/s (mixed)",
        thousands(per_sec(mixed.frames as f64, mixed.elapsed)),
        "-".into(),
        "-".into(),
        String::new(),
    );
    rows.note(format!(
        "frames written + read by all players; relayed choice→movement {}/s",
        thousands(per_sec(
            (mixed.relayed[0] + mixed.relayed[1]) as f64,
            mixed.elapsed
        ))
    ));
    let [same_p99, cross_p99] = delay_rows(&mut rows, "mixed", mixed, &[0, 1]);
    if let (Some(same_p99), Some(cross_p99)) = (same_p99, cross_p99) {
        let gap = cross_p99.as_secs_f64() * 1e3 - same_p99.as_secs_f64() * 1e3;
        let verdict = if gap <= 2.0 { "met" } else { "missed" };
        rows.0.last_mut().expect("a row")[4] =
            format!("p99 ≤ same + 2 ms: gap {gap:.2} ms, {verdict}");
    }
    delay_rows(&mut rows, "same-only", same, &[0]);
    delay_rows(&mut rows, "cross-only", cross, &[1]);
    let rounds = report.join_rounds.max(1) as f64;
    rows.push(
        "Redis commands per round",
        format!("{:.1}", report.join_db.total() as f64 / rounds),
        "-".into(),
        "-".into(),
        String::new(),
    );
    rows.note(format!(
        "MONITOR, nodes' db: {} commands / {} rounds over the joins + first rounds ({:.1} s): \
         {}; INFO commandstats (whole server) {} raw, {:.1}/round net of background",
        report.join_db.total(),
        report.join_rounds,
        report.join_elapsed.as_secs_f64(),
        report.join_db.breakdown(6),
        report.join_redis.total(),
        net_of(&report.join_redis, report.join_elapsed, &report.background) / rounds
    ));
    for (label, window) in [("mixed", mixed), ("same-only", same), ("cross-only", cross)] {
        let db = window.db.total() as f64;
        let relayed = (window.relayed[0] + window.relayed[1]).max(1) as f64;
        let what = format!("Redis commands/s ({label})");
        let value = thousands(per_sec(db, window.elapsed));
        rows.push(&what, value, "-".into(), "-".into(), String::new());
        rows.note(format!(
            "MONITOR, nodes' db; {:.3} per relayed message: {}; INFO commandstats {}/s net",
            db / relayed,
            window.db.breakdown(4),
            thousands(per_sec(
                net_of(&window.redis, window.elapsed, &report.background),
                window.elapsed
            ))
        ));
    }
    for (label, window) in [("mixed", mixed), ("same-only", same), ("cross-only", cross)] {
        let [out, into, dropped] = window.cluster;
        let publishes = window.db.0.get("publish").copied().unwrap_or(0).max(1);
        let what = format!("node→node messages ({label})");
        let value = format!("{out} out, {dropped} dropped");
        rows.push(&what, value, "-".into(), "-".into(), String::new());
        rows.note(format!(
            "/stats cluster counters; {into} in; {:.1} messages per PUBLISH",
            out as f64 / publishes as f64
        ));
    }
    for (node, ((cpu, rss), pid)) in mixed
        .node_cpu
        .iter()
        .zip(&report.rss_kib)
        .zip(&plan.pids)
        .enumerate()
    {
        let rss = rss.map_or_else(
            || "?".into(),
            |kib| format!("{:.1} MB", kib as f64 / 1024.0),
        );
        let what = format!("node {} CPU, RSS (mixed)", node + 1);
        let value = format!("{} core, {rss}", core_share(*cpu, mixed.elapsed));
        rows.push(&what, value, "-".into(), "-".into(), String::new());
        rows.note(format!(
            "pid {pid}; same-only {} core, cross-only {} core",
            core_share(same.node_cpu.get(node).copied().flatten(), same.elapsed),
            core_share(cross.node_cpu.get(node).copied().flatten(), cross.elapsed)
        ));
    }
    rows.push(
        "bench CPU, machine busy (mixed)",
        format!(
            "{} core, {} core",
            core_share(mixed.bench_cpu, mixed.elapsed),
            core_share(mixed.machine_busy, mixed.elapsed)
        ),
        "-".into(),
        "-".into(),
        String::new(),
    );
    cpu_row(&mut rows, "nodes' CPU per relayed msg, mixed", mixed);
    let same_us = cpu_row(&mut rows, "nodes' CPU per relayed msg, same-only", same);
    let cross_us = cpu_row(&mut rows, "nodes' CPU per relayed msg, cross-only", cross);
    if let (Some(same_us), Some(cross_us)) = (same_us, cross_us) {
        let ratio = cross_us / same_us.max(f64::MIN_POSITIVE);
        let verdict = if ratio <= 2.0 { "met" } else { "missed" };
        rows.0.last_mut().expect("a row")[4] = format!("≤ 2× same: {ratio:.2}×, {verdict}");
    }
    if report.failed > 0 {
        let error = report.first_error.as_deref().unwrap_or_default();
        rows.push(
            "players failed",
            report.failed.to_string(),
            "-".into(),
            "-".into(),
            String::new(),
        );
        rows.note(error.to_owned());
    }
    print!("{}", render(&rows.0));
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

fn render(rows: &[[String; 6]]) -> String {
    let mut widths = [0; 5];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        for (width, cell) in widths.iter().zip(row) {
            let pad = width - cell.chars().count();
            let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
        }
        let _ = writeln!(out, "{}", row[5]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_is_subtracted_at_its_rate() {
        let calls = |n| Calls([("get".to_owned(), n)].into_iter().collect());
        let background = (calls(300), Duration::from_secs(3));
        assert!((net_of(&calls(1_000), Duration::from_secs(2), &background) - 800.0).abs() < 1e-9);
        assert_eq!(net_of(&calls(10), Duration::from_secs(2), &background), 0.0);
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), Some(Duration::from_micros(2)));
        assert_eq!(thousands(12_345.4), "12,345");
    }
}
