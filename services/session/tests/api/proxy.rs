//! A TCP proxy in front of a real backend that a test can cut and restore — an outage of the
//! shared Redis or MongoDB without stopping them for everyone else.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

use tokio::{
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

/// Forwards `127.0.0.1:{port}` to the backend while up; while down, drops every connection.
pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    /// A proxy to the host and port of `backend_url` (`redis://…`, `mongodb://…`).
    pub async fn start(backend_url: &str) -> Self {
        let url = url::Url::parse(backend_url).unwrap_or_else(|e| panic!("{backend_url}: {e}"));
        let target = format!(
            "{}:{}",
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(0)
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let accept = tokio::spawn({
            let (up, connections) = (up.clone(), connections.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let target = target.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(task.abort_handle());
                }
            }
        })
        .abort_handle();
        Self {
            port,
            up,
            connections,
            accept,
        }
    }

    /// `backend_url` with its host and port replaced by the proxy's.
    pub fn url(&self, backend_url: &str) -> String {
        let mut url = url::Url::parse(backend_url).unwrap_or_else(|e| panic!("{e}"));
        let _ = url.set_host(Some("127.0.0.1"));
        let _ = url.set_port(Some(self.port));
        url.to_string()
    }

    /// The backend "goes down": open connections are cut, new ones closed at once.
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for connection in self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            connection.abort();
        }
    }

    /// The backend "comes back".
    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.down();
        self.accept.abort();
    }
}
