//! A TCP relay in front of the simulator that keeps every byte the album sends through it, so
//! tests assert the album's requests as they went on the wire — independent of the code that
//! built them.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// The relay: listening at [`Recorder::base`], forwarding to `upstream`.
#[derive(Clone)]
pub struct Recorder {
    pub base: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Recorder {
    /// Listen on 127.0.0.1:0; [`Recorder::forward_to`] starts relaying.
    pub async fn bind() -> (Self, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let recorder = Self {
            base: format!("http://127.0.0.1:{port}"),
            sent: Arc::default(),
        };
        (recorder, listener)
    }

    /// Relay every connection to `listener` to `upstream` (`127.0.0.1:port`), recording what
    /// clients send.
    pub fn forward_to(&self, listener: TcpListener, upstream: String) {
        let sent = Arc::clone(&self.sent);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, Arc::clone(&sent)));
            }
        });
    }

    /// Everything sent so far, as text (bodies here are JSON, forms and JPEG bytes).
    pub fn sent(&self) -> String {
        let sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&sent).into_owned()
    }
}

async fn relay(client: TcpStream, server: TcpStream, sent: Arc<Mutex<Vec<u8>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut buffer = vec![0; 16 * 1024];
        while let Ok(read) = client_read.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            sent.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&buffer[..read]);
            if server_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}
