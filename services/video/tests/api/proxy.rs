//! A TCP relay in front of the test MySQL that can be switched off and on: "MySQL goes away
//! and comes back" without touching the shared server.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// The relay; dropping it stops it.
pub struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Relay 127.0.0.1:<free port> to `target`, up.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0u64);
        let (accept_up, accept_generation) = (Arc::clone(&up), generation.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    drop(client); // refused: the client sees the connection closed at once
                    continue;
                }
                let mut cut = accept_generation.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {} // switched off: drop both sides
                    }
                });
            }
        });
        Self {
            port,
            up,
            generation,
            task,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Off: open relays are cut and new connections are closed at once. On: relaying again.
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.generation.send_modify(|generation| *generation += 1);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.set_up(false);
        self.task.abort();
    }
}
