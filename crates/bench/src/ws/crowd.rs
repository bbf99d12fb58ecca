//! A crowd of player tasks driven through the same phases: spawned together, counted as they
//! connect, switched from phase to phase, and joined (bounded) at the end — what the round
//! phases (`rounds.rs`) and the relay phase (`relay.rs`) share.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::player::{Phase, Report};

/// How long all players together may take to connect, and to stop.
const CONNECT_LIMIT: Duration = Duration::from_secs(60);
const STOP_LIMIT: Duration = Duration::from_secs(15);

/// The players of one run.
pub struct Crowd {
    /// The phase every player follows.
    pub phase: watch::Sender<Phase>,
    readiness: mpsc::Receiver<bool>,
    tasks: JoinSet<Report>,
    players: usize,
}

/// How connecting went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Connected {
    /// Players that connected and said hello.
    pub connected: usize,
    /// Time until every player had connected (or given up).
    pub elapsed: Duration,
}

/// How stopping went: the reports of the players that stopped, and how many did not.
#[derive(Debug, Default)]
pub struct Stopped {
    /// One per player that stopped in time.
    pub reports: Vec<Report>,
    /// Players still running at the deadline (aborted).
    pub stuck: usize,
}

impl Stopped {
    /// The failure to report for the players that did not stop, if any.
    pub fn stuck_error(&self) -> Option<String> {
        (self.stuck > 0).then(|| format!("{} players did not stop", self.stuck))
    }
}

impl Crowd {
    /// Spawns `players` tasks made by `play(index, phase, ready)`; each must send on `ready`
    /// once whether it connected, then follow `phase` until [`Phase::Stop`].
    pub fn spawn<F, P>(players: usize, play: P) -> Self
    where
        P: Fn(usize, watch::Receiver<Phase>, mpsc::Sender<bool>) -> F,
        F: Future<Output = Report> + Send + 'static,
    {
        let (phase, phase_seen) = watch::channel(Phase::Connect);
        let (ready, readiness) = mpsc::channel(players.max(1));
        let mut tasks = JoinSet::new();
        for index in 0..players {
            tasks.spawn(play(index, phase_seen.clone(), ready.clone()));
        }
        Self {
            phase,
            readiness,
            tasks,
            players,
        }
    }

    /// Waits (bounded) until every player has said whether it connected.
    pub async fn connected(&mut self) -> Connected {
        let started = Instant::now();
        let deadline = started + CONNECT_LIMIT;
        let (mut connected, mut answered) = (0, 0);
        while answered < self.players {
            match tokio::time::timeout_at(deadline, self.readiness.recv()).await {
                Ok(Some(ok)) => {
                    answered += 1;
                    connected += usize::from(ok);
                }
                Ok(None) | Err(_) => break,
            }
        }
        Connected {
            connected,
            elapsed: started.elapsed(),
        }
    }

    /// Tells every player to stop and collects their reports (bounded).
    ///
    /// # Errors
    /// A player task panicked.
    pub async fn stop(mut self) -> anyhow::Result<Stopped> {
        let _ = self.phase.send(Phase::Stop);
        let deadline = Instant::now() + STOP_LIMIT;
        let mut stopped = Stopped::default();
        loop {
            match tokio::time::timeout_at(deadline, self.tasks.join_next()).await {
                Ok(Some(joined)) => stopped.reports.push(joined?),
                Ok(None) => break,
                Err(_) => {
                    stopped.stuck = self.tasks.len();
                    self.tasks.abort_all();
                    break;
                }
            }
        }
        Ok(stopped)
    }
}
