//! [`Relay`]: a TCP relay in front of a real backend (Redis, MariaDB, MongoDB) that a test can
//! break the way networks and servers break, without touching the shared server:
//!
//! | call | what the service sees |
//! |---|---|
//! | [`Relay::cut`] | every open connection closed; new ones work |
//! | [`Relay::cut_idle`] | the connections that stay quiet closed (a server or middlebox dropping idle connections), the busy ones kept |
//! | [`Relay::down`] | open connections closed, new ones closed at once (the server is gone) |
//! | [`Relay::freeze`] | nothing forwarded either way, nothing closed (a frozen link or a hung server); new connections hang too |
//! | [`Relay::freeze_replies`] | requests reach the backend, its answers never come back (lost replies); new connections work |
//! | [`Relay::up`] | everything forwarded again; bytes held while frozen go on first, as TCP delivers them after a partition heals |
//!
//! [`Relay::settled`] is the signal that follows a thaw: every request the relay passed on has
//! been answered (or its connection closed, or its client gone), so whatever held bytes asked
//! of the backend has happened — or, for a request whose client gave up, will not be waited
//! for.

mod link;

use std::{collections::HashMap, sync::Arc, sync::atomic::Ordering, time::Duration};

use tokio::{net::TcpListener, task::AbortHandle};

use link::{Flow, Link, Shared};

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
        let shared = Arc::new(Shared::new());
        let target = target.to_owned();
        let accept = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if shared.refuse.load(Ordering::SeqCst) {
                        drop(client); // the client sees its connection closed at once
                    } else {
                        shared.spawn(client, target.clone());
                    }
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

    /// Close every open relayed connection (both peers see it closed by the time this
    /// returns); new ones are relayed.
    pub async fn cut(&self) {
        self.shared.cut(|_| true).await;
    }

    /// Close the connections that stay quiet from now until another one forwards something;
    /// panics when none does within `within`. This is a server closing idle connections: a
    /// client's idle pooled connections go, while a connection it keeps busy (a MongoDB
    /// driver's monitor, talking every `heartbeatFrequencyMS`) stays — so the client learns of
    /// the closes only by using a pooled connection.
    pub async fn cut_idle(&self, within: Duration) {
        let since = self.shared.traffic.load(Ordering::SeqCst);
        self.wait_until(within, "busy", |links| {
            links.values().any(|link| link.last_traffic > since)
        })
        .await;
        self.shared
            .cut(|link| link.is_none_or(|link| link.last_traffic <= since))
            .await;
    }

    /// The backend "goes down": open connections are cut, new ones closed at once.
    pub async fn down(&self) {
        self.shared.refuse.store(true, Ordering::SeqCst);
        self.cut().await;
    }

    /// Stop forwarding in both directions on every connection, open or new, closing nothing.
    pub fn freeze(&self) {
        self.shared.flow.send_modify(|flow| flow.frozen = true);
    }

    /// Stop forwarding the backend's answers on the connections open now: their requests still
    /// reach it, its answers never come back. New connections work.
    pub fn freeze_replies(&self) {
        let next = self.shared.next_id.load(Ordering::SeqCst);
        self.shared
            .flow
            .send_modify(|flow| flow.replies_held_below = next);
    }

    /// Relay everything again: accept new connections and forward held bytes, then the rest.
    pub fn up(&self) {
        self.shared.refuse.store(false, Ordering::SeqCst);
        self.shared.flow.send_replace(Flow::default());
    }

    /// Wait until nothing is held and every request passed to the backend has been answered
    /// (or its connection closed, or its client gone: no one reads that answer); panics after
    /// `within`.
    pub async fn settled(&self, within: Duration) {
        self.wait_until(within, "settled", |links| {
            links.values().all(|link| {
                link.held == [0, 0] && (link.answered >= link.sent || link.client_closed)
            })
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
                if done(&self.shared.links()) || changes.changed().await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(within, wait).await.is_err() {
            let links = self.shared.links();
            panic!("relay not {what} after {within:?}: {links:?}");
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.abort_all();
    }
}

#[cfg(test)]
mod tests;
