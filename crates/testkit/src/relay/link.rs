//! The relay's moving parts: one task per relayed connection pumping bytes each way through a
//! gate ([`Flow`]), and the bookkeeping ([`Shared`]) that the relay's signals read.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::watch,
    task::{JoinHandle, JoinSet},
};

/// Bytes read in one go; a held request or reply larger than this stays partly in the kernel.
const CHUNK: usize = 64 * 1024;

/// What forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Flow {
    /// Nothing forwards, either way, on any connection.
    pub(super) frozen: bool,
    /// The backend's answers on connections with an id below this one are held.
    pub(super) replies_held_below: u64,
}

/// One direction of a relayed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToBackend,
    ToClient,
}

impl Flow {
    fn open(self, direction: Direction, id: u64) -> bool {
        !self.frozen && (direction == Direction::ToBackend || id >= self.replies_held_below)
    }
}

/// What one relayed connection holds and has passed on.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Link {
    /// Bytes read but not yet written, per direction (`[to_backend, to_client]`).
    pub(super) held: [usize; 2],
    /// Writes to the backend so far.
    pub(super) sent: u64,
    /// The value of `sent` when the backend last answered.
    pub(super) answered: u64,
    /// [`Shared::traffic`] when this connection last forwarded anything, either way.
    pub(super) last_traffic: u64,
    /// The client closed its side and the close was passed on: nobody waits for an answer
    /// here any more (SecantusDB, for one, neither answers nor closes a connection whose
    /// client half-closed after its last request).
    pub(super) client_closed: bool,
}

/// What the relay and its connection tasks share.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) flow: watch::Sender<Flow>,
    pub(super) refuse: AtomicBool,
    connections: Mutex<HashMap<u64, JoinHandle<()>>>,
    pub(super) links: Mutex<HashMap<u64, Link>>,
    /// Bumped whenever a link changes, for the relay's signals.
    pub(super) changes: watch::Sender<u64>,
    /// Counts forwarded writes across all connections: a clock for "since".
    pub(super) traffic: AtomicU64,
    /// The id of the next connection (ids grow in accept order).
    pub(super) next_id: AtomicU64,
}

impl Shared {
    pub(super) fn new() -> Self {
        Self {
            flow: watch::Sender::new(Flow::default()),
            refuse: AtomicBool::new(false),
            connections: Mutex::default(),
            links: Mutex::default(),
            changes: watch::Sender::new(0),
            traffic: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
        }
    }

    /// Relay `client` to `target` on a task of its own.
    pub(super) fn spawn(self: &Arc<Self>, client: TcpStream, target: String) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut connections = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let task = tokio::spawn(relay(client, target, id, Arc::clone(self)));
        connections.insert(id, task);
    }

    /// Close the connections `which` picks; when this returns, their sockets are closed (both
    /// peers see them closed).
    pub(super) async fn cut(&self, which: impl Fn(Option<&Link>) -> bool) {
        let mut cut = Vec::new();
        {
            let mut links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
            let mut connections = self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let picked: Vec<u64> = connections
                .keys()
                .copied()
                .filter(|id| which(links.get(id)))
                .collect();
            for id in picked {
                links.remove(&id);
                if let Some(task) = connections.remove(&id) {
                    task.abort();
                    cut.push(task);
                }
            }
        }
        self.changes.send_modify(|version| *version += 1);
        for task in cut {
            // Cancelled: the task and its sockets are dropped.
            let _ = task.await;
        }
    }

    /// Stop every connection at once, without waiting (the relay is being dropped).
    pub(super) fn abort_all(&self) {
        for (_, task) in self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
        {
            task.abort();
        }
    }

    /// A copy of every link, to test a condition on.
    pub(super) fn links(&self) -> HashMap<u64, Link> {
        self.links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Change the link `id` if it is still tracked (a cut forgets links at once).
    fn update(&self, id: u64, change: impl FnOnce(&mut Link)) {
        let mut links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(link) = links.get_mut(&id) {
            change(link);
        }
        drop(links);
        self.changes.send_modify(|version| *version += 1);
    }

    fn track(&self, id: u64) {
        self.links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Link::default());
    }

    fn forget(&self, id: u64) {
        self.links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        self.changes.send_modify(|version| *version += 1);
    }
}

/// Relay one client connection to `target` until both sides have closed or the relay cuts it.
async fn relay(client: TcpStream, target: String, id: u64, shared: Arc<Shared>) {
    let Ok(backend) = TcpStream::connect(&target).await else {
        shared.forget(id);
        return;
    };
    shared.track(id);
    let (client_read, client_write) = client.into_split();
    let (backend_read, backend_write) = backend.into_split();
    let mut pumps = JoinSet::new();
    pumps.spawn(pump(
        client_read,
        backend_write,
        Direction::ToBackend,
        id,
        Arc::clone(&shared),
    ));
    pumps.spawn(pump(
        backend_read,
        client_write,
        Direction::ToClient,
        id,
        Arc::clone(&shared),
    ));
    // A close is passed on like the bytes (half-closes included); the connection ends when
    // both directions have.
    while pumps.join_next().await.is_some() {}
    shared.forget(id);
}

/// Copy `from` → `to` while `direction` flows; while it does not, hold what was read.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    direction: Direction,
    id: u64,
    shared: Arc<Shared>,
) {
    let slot = usize::from(direction == Direction::ToClient);
    let mut gate = shared.flow.subscribe();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        shared.update(id, |link| link.held[slot] = read);
        if gate
            .wait_for(|flow| flow.open(direction, id))
            .await
            .is_err()
            || to.write_all(&buffer[..read]).await.is_err()
        {
            break;
        }
        let now = shared.traffic.fetch_add(1, Ordering::SeqCst) + 1;
        shared.update(id, |link| {
            link.held[slot] = 0;
            link.last_traffic = now;
            match direction {
                Direction::ToBackend => link.sent += 1,
                Direction::ToClient => link.answered = link.sent,
            }
        });
    }
    // A close travels behind the bytes before it: not while this direction is frozen.
    let _ = gate.wait_for(|flow| flow.open(direction, id)).await;
    let _ = to.shutdown().await;
    if direction == Direction::ToBackend {
        shared.update(id, |link| link.client_closed = true);
    }
}
