//! `ws-bench`: a load generator for ws-game (`proto/ws-game.md`). It prints, in one table:
//!
//! - the server's RSS per idle connection: `VmRSS` of the server process before and after
//!   opening N sockets that only completed the handshake (`idle.rs`);
//! - with N concurrent players in rooms of two — a paced phase, then a flat-out phase — rounds/s
//!   (the server's `/stats`), messages/s (frames written + read by all players) and the delay
//!   from one player's `choice` to its opponent's `movement` (client-side timestamps)
//!   (`rounds.rs`, `player.rs`);
//! - with N players in stable pairs each sending a `choice` every P ms (socket.io framing by
//!   default): relayed choice→movement messages/s, the server's CPU time per relayed message
//!   and the choice→movement delay (`relay.rs`).
//!
//! With `--cluster-addrs` (`scripts/bench/ws-game --nodes 2`) only the relay phase runs, over
//! ws-game nodes in cluster mode, pairs on one node and pairs across two (`cluster/`).
//!
//! Run it through `scripts/bench/ws-game`, which builds ws-game and this bench in release mode,
//! starts its own ws-game with short rounds on a free port, and stops it at the end. A
//! benchmark: it reports figures and the goals they are read against, and asserts nothing.

mod cluster;
mod crowd;
mod floor;
mod frames;
mod idle;
mod in_flight;
mod player;
mod probe;
mod relay;
mod rounds;
mod table;

use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::frames::Framing;
use crate::relay::RelayPlan;
use crate::rounds::Plan;

/// Load generator for ws-game: memory per idle socket, rounds/s, messages/s and choice→movement
/// delay (prints a table).
#[derive(Debug, Parser)]
#[command(name = "ws-bench", version)]
struct Args {
    /// ws-game's address.
    #[arg(long, env = "WS_BENCH_ADDR", default_value = "127.0.0.1:9595")]
    addr: String,
    /// Speak the socket.io framing (Engine.IO 3, `/applet/websocket/socket.io/`) instead of
    /// plain JSON (`/applet/websocket/ws`).
    #[arg(long)]
    socketio: bool,
    /// Concurrent players of the round phases; pairs form among those joining together (0 skips
    /// the round phases).
    #[arg(long, short = 'p', default_value_t = 2000)]
    players: usize,
    /// Players of the relay phase, in stable pairs (0 skips it).
    #[arg(long, default_value_t = 1000)]
    relay_players: usize,
    /// Relay phase: pause between two choices of one player, in ms.
    #[arg(long, default_value_t = 50)]
    relay_every_ms: u64,
    /// Relay phase in the JSON framing instead of socket.io (the original client's).
    #[arg(long)]
    relay_json: bool,
    /// Skip the relay phase against the bare relay (the floor ws-game is read against).
    #[arg(long)]
    no_floor: bool,
    /// Serve the bare relay (`floor.rs`) instead of benchmarking: what the bench starts itself
    /// as, in a child process.
    #[arg(long, hide = true)]
    serve_floor: bool,
    /// Idle sockets for the memory figure (0 skips it).
    #[arg(long, default_value_t = 10_000)]
    idle: usize,
    /// ws-game's process id, for its VmRSS (without it the memory figure is skipped).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Round length the server runs with, in ms (its `WS_GAME_GAME__GAME_TIME_MS`).
    #[arg(long, default_value_t = 500)]
    round_ms: u64,
    /// Paced phase: pause between a player's choice being seen and its next one, in ms.
    #[arg(long, default_value_t = 100)]
    think_ms: u64,
    /// Seconds of unmeasured play before the measured phases.
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Seconds of each measured phase (paced, then flat out).
    #[arg(long, short = 's', default_value_t = 10)]
    seconds: u64,
    /// WebSocket handshakes in flight while players connect.
    #[arg(long, default_value_t = 128)]
    connects: usize,
    /// Cluster mode (issue 14): the nodes' addresses, comma-separated; only the relay phase
    /// runs, with `--relay-players` spread over them in stable pairs (`cluster/`).
    #[arg(long, value_delimiter = ',', requires_all = ["cluster_pids", "redis_url"])]
    cluster_addrs: Vec<String>,
    /// Cluster mode: the nodes' process ids, in the order of `--cluster-addrs`.
    #[arg(long, value_delimiter = ',')]
    cluster_pids: Vec<u32>,
    /// Cluster mode: the Redis the nodes share (`redis://…`), for INFO commandstats.
    #[arg(long, env = "WS_BENCH_REDIS_URL")]
    redis_url: Option<String>,
}

/// How long the server may take to notice that the idle sockets are gone.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.serve_floor {
        // One thread, as ws-game runs by default.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(floor::serve());
    }
    if !args.cluster_addrs.is_empty() {
        return tokio::runtime::Runtime::new()?.block_on(bench_cluster(args));
    }
    tokio::runtime::Runtime::new()?.block_on(bench(args))
}

/// `--cluster-addrs`: the relay phase over several nodes (`cluster/`).
async fn bench_cluster(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.cluster_pids.len() == args.cluster_addrs.len(),
        "--cluster-pids: one per --cluster-addrs"
    );
    let plan = cluster::ClusterPlan {
        addrs: args.cluster_addrs,
        pids: args.cluster_pids,
        redis_url: args.redis_url.unwrap_or_default(),
        players: args.relay_players,
        framing: if args.relay_json {
            Framing::Json
        } else {
            Framing::SocketIo
        },
        connects: args.connects,
        every: Duration::from_millis(args.relay_every_ms.max(2)),
        warmup: Duration::from_secs(args.warmup_secs),
        measured: Duration::from_secs(args.seconds),
    };
    let http = reqwest::Client::new();
    for addr in &plan.addrs {
        probe::stats(&http, addr)
            .await
            .with_context(|| format!("ws-game does not answer on {addr}"))?;
    }
    eprintln!(
        "[ws-bench] cluster: {} players over {} nodes, a choice every {} ms, 3 windows of {} s",
        plan.players / 4 * 4,
        plan.addrs.len(),
        args.relay_every_ms,
        args.seconds
    );
    let report = cluster::run(&http, &plan).await?;
    cluster::print::print(&plan, &report, args.relay_every_ms);
    Ok(())
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let framing = if args.socketio {
        Framing::SocketIo
    } else {
        Framing::Json
    };
    let http = reqwest::Client::new();
    let baseline = probe::stats(&http, &args.addr)
        .await
        .with_context(|| format!("ws-game does not answer on {}", args.addr))?;

    let (idle, skipped) = match args.server_pid {
        Some(pid) if args.idle > 0 => {
            eprintln!("[ws-bench] opening {} idle sockets", args.idle);
            let idle = idle::measure(&args.addr, framing, args.idle, pid).await?;
            probe::wait_for_connections(&http, &args.addr, baseline.connections, DRAIN_LIMIT)
                .await?;
            (Some(idle), "")
        }
        Some(_) => (None, "--idle 0"),
        None => (None, "no --server-pid: the server's VmRSS cannot be read"),
    };

    let played = if args.players > 0 {
        let plan = Plan {
            players: args.players,
            connects: args.connects,
            think: Duration::from_millis(args.think_ms),
            round: Duration::from_millis(args.round_ms),
            warmup: Duration::from_secs(args.warmup_secs),
            measured: Duration::from_secs(args.seconds),
            server_pid: args.server_pid,
        };
        eprintln!(
            "[ws-bench] {} players: connect, {} s warm-up, {} s paced, {} s flat out",
            plan.players, args.warmup_secs, args.seconds, args.seconds
        );
        let played = rounds::run(&http, &args.addr, framing, plan).await?;
        probe::wait_for_connections(&http, &args.addr, baseline.connections, DRAIN_LIMIT).await?;
        Some(played)
    } else {
        None
    };

    let relay_framing = if args.relay_json {
        Framing::Json
    } else {
        Framing::SocketIo
    };
    let relayed = if args.relay_players > 0 {
        let plan = RelayPlan {
            players: args.relay_players,
            framing: relay_framing,
            connects: args.connects,
            every: Duration::from_millis(args.relay_every_ms.max(1)),
            // The pairs' first round must be over before the window opens.
            warmup: Duration::from_secs(args.warmup_secs) + Duration::from_millis(args.round_ms),
            measured: Duration::from_secs(args.seconds),
            server_pid: args.server_pid,
        };
        eprintln!(
            "[ws-bench] relay: {} players in pairs, a choice every {} ms, {} s measured",
            plan.players & !1,
            args.relay_every_ms,
            args.seconds
        );
        let ws_game = relay::run(&http, &args.addr, plan).await?;
        let bare = if args.no_floor {
            None
        } else {
            eprintln!("[ws-bench] relay again, against the bare relay (the floor)");
            Some(floor::measure(&http, plan).await?)
        };
        Some((ws_game, bare))
    } else {
        None
    };

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let framing_name = if args.socketio { "socket.io" } else { "JSON" };
    let pid = args
        .server_pid
        .map_or_else(|| "?".into(), |pid| pid.to_string());
    println!(
        "\nws-bench: {} players, {framing_name} framing, ws-game at {} (pid {pid}), {} ms rounds, {cores} cores",
        args.players, args.addr, args.round_ms
    );
    println!(
        "measured by: ws-bench (tokio-tungstenite clients, client-side timestamps on one clock) \
         for messages/s and choice→movement; ws-game's GET /applet/websocket/stats for rounds/s; \
         /proc/<pid>/status VmRSS of the server only (the client's RSS is not counted) for \
         memory; /proc/<pid>/stat for CPU. Client and server share the cores; goals are \
         reported, not asserted. Paced: think time ± 50 %, joins spread over one round.\n"
    );
    let mut rows = vec![table::idle_row(idle.as_ref(), skipped)];
    if let Some(played) = &played {
        rows.extend(table::rounds_rows(played, args.players, args.think_ms));
    }
    if let Some((ws_game, bare)) = &relayed {
        let framing = if args.relay_json { "JSON" } else { "socket.io" };
        let setup = (args.relay_players & !1, args.relay_every_ms, framing);
        rows.extend(table::relay_rows(ws_game, bare.as_ref(), setup));
    }
    print!("{}", table::render(&rows));
    Ok(())
}
