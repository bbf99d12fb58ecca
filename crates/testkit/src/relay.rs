//! [`Relay`]: a TCP relay in front of a real backend (Redis, MariaDB, MongoDB) that a test can
//! break the way networks and servers break, without touching the shared server:
//!
//! | call | what the service sees |
//! |---|---|
//! | [`Relay::cut`] | every open connection closed (a server or middlebox dropping idle connections); new ones work |
//! | [`Relay::down`] | open connections closed, new ones closed at once (the server is gone) |
//! | [`Relay::freeze`] | nothing forwarded either way, nothing closed (a frozen link or a hung server); new connections hang too |
//! | [`Relay::freeze_replies`] | requests reach the backend, its answers never come back (lost replies); new connections work |
//! | [`Relay::up`] | everything forwarded again; bytes held while frozen go on first, as TCP delivers them after a partition heals |
//!
//! [`Relay::settled`] is the signal that follows a thaw: every request the relay passed on has
//! been answered (or its connection closed), so whatever held bytes asked of the backend has
//! happened.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::watch,
    task::{AbortHandle, JoinSet},
};

/// Bytes read in one go; a held request or reply larger than this stays partly in the kernel.
const CHUNK: usize = 64 * 1024;

/// Which directions forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Flow {
    to_backend: bool,
    to_client: bool,
}

/// One direction of a relayed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToBackend,
    ToClient,
}

impl Flow {
    fn open(self, direction: Direction) -> bool {
        match direction {
            Direction::ToBackend => self.to_backend,
            Direction::ToClient => self.to_client,
        }
    }
}

/// What one relayed connection holds and has passed on.
#[derive(Debug, Default, Clone, Copy)]
struct Link {
    /// Bytes read but not yet written, per direction (`[to_backend, to_client]`).
    held: [usize; 2],
    /// Writes to the backend so far.
    sent: u64,
    /// The value of `sent` when the backend last answered.
    answered: u64,
}

#[derive(Debug)]
struct Shared {
    flow: watch::Sender<Flow>,
    refuse: AtomicBool,
    connections: Mutex<Vec<AbortHandle>>,
    links: Mutex<HashMap<u64, Link>>,
    /// Bumped whenever a link changes, for [`Relay::settled`].
    changes: watch::Sender<u64>,
    next_id: AtomicU64,
}

impl Shared {
    /// Change the link `id` if it is still tracked (a cut forgets every link at once).
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
        self.changes.send_modify(|version| *version += 1);
    }
}

/// The relay; dropping it closes every relayed connection.
#[derive(Debug)]
pub struct Relay {
    port: u16,
    shared: Arc<Shared>,
    accept: AbortHandle,
}

impl Relay {
    /// Relay `127.0.0.1:<free port>` to `target` (`host:port`), forwarding.
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("relay: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let shared = Arc::new(Shared {
            flow: watch::Sender::new(Flow {
                to_backend: true,
                to_client: true,
            }),
            refuse: AtomicBool::new(false),
            connections: Mutex::default(),
            links: Mutex::default(),
            changes: watch::Sender::new(0),
            next_id: AtomicU64::new(0),
        });
        let target = target.to_owned();
        let accept = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if shared.refuse.load(Ordering::SeqCst) {
                        drop(client); // the client sees its connection closed at once
                        continue;
                    }
                    let task = tokio::spawn(relay(client, target.clone(), Arc::clone(&shared)));
                    shared
                        .connections
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(task.abort_handle());
                }
            }
        })
        .abort_handle();
        Self {
            port,
            shared,
            accept,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Close every open relayed connection (both peers see it closed); new ones are relayed.
    pub fn cut(&self) {
        for connection in self
            .shared
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            connection.abort();
        }
        self.shared
            .links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The backend "goes down": open connections are cut, new ones closed at once.
    pub fn down(&self) {
        self.shared.refuse.store(true, Ordering::SeqCst);
        self.cut();
    }

    /// Stop forwarding in both directions on every connection, open or new, closing nothing.
    pub fn freeze(&self) {
        self.set_flow(false, false);
    }

    /// Stop forwarding the backend's answers only: requests still reach it.
    pub fn freeze_replies(&self) {
        self.set_flow(true, false);
    }

    /// Relay everything again: accept new connections and forward held bytes, then the rest.
    pub fn up(&self) {
        self.shared.refuse.store(false, Ordering::SeqCst);
        self.set_flow(true, true);
    }

    fn set_flow(&self, to_backend: bool, to_client: bool) {
        self.shared.flow.send_replace(Flow {
            to_backend,
            to_client,
        });
    }

    /// Wait until nothing is held and every request passed to the backend has been answered
    /// (or its connection closed); panics after `within`.
    pub async fn settled(&self, within: Duration) {
        self.wait_until(within, "settled", |links| {
            links
                .values()
                .all(|link| link.held == [0, 0] && link.answered >= link.sent)
        })
        .await;
    }

    /// Wait until some connection holds bytes it may not forward (a request or an answer
    /// caught by a freeze); panics after `within`.
    pub async fn holding(&self, within: Duration) {
        self.wait_until(within, "holding bytes", |links| {
            links.values().any(|link| link.held != [0, 0])
        })
        .await;
    }

    async fn wait_until(
        &self,
        within: Duration,
        what: &str,
        done: impl Fn(&HashMap<u64, Link>) -> bool,
    ) {
        let mut changes = self.shared.changes.subscribe();
        let wait = async {
            loop {
                changes.mark_unchanged();
                let links = self
                    .shared
                    .links
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                if done(&links) || changes.changed().await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(within, wait).await.is_err() {
            let links = self.shared.links.lock().map(|l| format!("{l:?}"));
            panic!("relay not {what} after {within:?}: {links:?}");
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.down();
    }
}

/// Relay one client connection to `target` until either side closes or the relay cuts it.
async fn relay(client: TcpStream, target: String, shared: Arc<Shared>) {
    let Ok(backend) = TcpStream::connect(&target).await else {
        return;
    };
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
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
        if gate.wait_for(|flow| flow.open(direction)).await.is_err()
            || to.write_all(&buffer[..read]).await.is_err()
        {
            break;
        }
        shared.update(id, |link| {
            link.held[slot] = 0;
            match direction {
                Direction::ToBackend => link.sent += 1,
                Direction::ToClient => link.answered = link.sent,
            }
        });
    }
    // A close travels behind the bytes before it: not while this direction is frozen.
    let _ = gate.wait_for(|flow| flow.open(direction)).await;
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a free port.
    async fn echo() -> String {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        address
    }

    async fn round_trip(stream: &mut TcpStream, text: &[u8]) -> Vec<u8> {
        stream
            .write_all(text)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut answer = vec![0; text.len()];
        stream
            .read_exact(&mut answer)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        answer
    }

    async fn connect(relay: &Relay) -> TcpStream {
        TcpStream::connect(("127.0.0.1", relay.port()))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn bytes_held_while_frozen_arrive_after_the_thaw() {
        let relay = Relay::start(&echo().await).await;
        let mut stream = connect(&relay).await;
        assert_eq!(round_trip(&mut stream, b"one").await, b"one");
        relay.freeze();
        stream
            .write_all(b"two")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        relay.holding(Duration::from_secs(5)).await;
        let mut answer = [0u8; 3];
        assert!(
            matches!(stream.try_read(&mut answer), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the relay holds the request: nothing can have come back"
        );
        relay.up();
        relay.settled(Duration::from_secs(5)).await;
        stream
            .read_exact(&mut answer)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&answer, b"two");
    }

    #[tokio::test]
    async fn a_cut_closes_open_connections_and_new_ones_work() {
        let relay = Relay::start(&echo().await).await;
        let mut old = connect(&relay).await;
        assert_eq!(round_trip(&mut old, b"x").await, b"x");
        relay.cut();
        let mut byte = [0u8; 1];
        assert_eq!(old.read(&mut byte).await.unwrap_or(0), 0, "closed");
        let mut new = connect(&relay).await;
        assert_eq!(round_trip(&mut new, b"y").await, b"y");
    }

    #[tokio::test]
    async fn down_closes_new_connections_at_once() {
        let relay = Relay::start(&echo().await).await;
        relay.down();
        let mut stream = connect(&relay).await;
        let mut byte = [0u8; 1];
        assert_eq!(stream.read(&mut byte).await.unwrap_or(0), 0);
        relay.up();
        let mut stream = connect(&relay).await;
        assert_eq!(round_trip(&mut stream, b"z").await, b"z");
    }
}
