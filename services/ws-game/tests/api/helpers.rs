//! Spawning ws-game on port 0 and talking to it with raw frames.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::{net::TcpStream, sync::oneshot};
use tokio_tungstenite::{
    WebSocketStream, client_async,
    tungstenite::{Message, protocol::frame::coding::CloseCode},
};
use ws_game::{Application, settings::Settings};

/// How long a test waits for a frame before failing (not a sleep: the wait ends at the frame).
pub const FRAME_WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

/// Start ws-game with 1-second rounds (whole seconds: `gameTime` is an integer) unless `adjust`
/// says otherwise.
pub async fn spawn(adjust: impl FnOnce(&mut Settings)) -> TestServer {
    weapp_common::logging::init();
    let mut settings = Settings {
        port: 0,
        ..Settings::default()
    };
    settings.game.game_time_secs = 1;
    settings.game.bot_delay_ms = 300;
    adjust(&mut settings);
    let settings = settings.validate().unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(settings)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let _ = app
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    TestServer {
        port,
        stop: Some(stop),
        done: Some(done),
    }
}

impl TestServer {
    /// A server started elsewhere (a cluster node on its own thread), reached on `port`.
    pub fn external(port: u16) -> Self {
        Self {
            port,
            stop: None,
            done: None,
        }
    }

    /// Trigger a graceful shutdown and wait until `run` returns.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(FRAME_WAIT, done).await;
        }
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until the server counts `players` players (`GET …/stats`, asked again as soon as
    /// it answers): the game has seen connections come or go. Fails after [`FRAME_WAIT`].
    pub async fn wait_for_players(&self, players: u64) {
        let url = self.http_url("/applet/websocket/stats");
        let counted = async {
            loop {
                let stats: serde_json::Value = reqwest::get(&url)
                    .await
                    .unwrap_or_else(|e| panic!("{url}: {e}"))
                    .json()
                    .await
                    .unwrap_or_else(|e| panic!("{url}: {e}"));
                if stats["players"] == players {
                    return;
                }
            }
        };
        tokio::time::timeout(FRAME_WAIT, counted)
            .await
            .unwrap_or_else(|_| panic!("the server did not count {players} players"));
    }

    /// Open a WebSocket at `path` (with query) and return the client side.
    pub async fn connect(&self, path: &str) -> Client {
        self.try_connect(path)
            .await
            .unwrap_or_else(|e| panic!("connect {path}: {e}"))
    }

    pub async fn try_connect(
        &self,
        path: &str,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let stream = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .map_err(tokio_tungstenite::tungstenite::Error::Io)?;
        let url = format!("ws://127.0.0.1:{}{path}", self.port);
        let (socket, _) = client_async(url, stream).await?;
        Ok(Client { socket })
    }

    /// A socket.io client as the original mini-program opens it (double slash, EIO=3), with the
    /// open packet and `40` already read.
    pub async fn socketio(&self) -> Client {
        let mut client = self
            .connect("/applet/websocket/socket.io//?EIO=3&transport=websocket")
            .await;
        let open = client.text().await;
        assert!(open.starts_with("0{"), "{open}");
        assert_eq!(client.text().await, "40");
        client
    }

    /// A JSON client with its `open` frame already read.
    pub async fn json(&self) -> Client {
        let mut client = self.connect("/applet/websocket/ws").await;
        let open = client.text().await;
        assert!(open.starts_with(r#"{"type":"open""#), "{open}");
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Client {
    pub socket: WebSocketStream<TcpStream>,
}

/// What the next thing on a socket is.
#[derive(Debug, PartialEq)]
pub enum Next {
    Text(String),
    Close(Option<CloseCode>),
    Nothing,
}

impl Client {
    pub async fn send(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .unwrap_or_else(|e| panic!("send {text}: {e}"));
    }

    pub async fn send_message(&mut self, message: Message) {
        self.socket
            .send(message)
            .await
            .unwrap_or_else(|e| panic!("send: {e}"));
    }

    /// The next frame, skipping pings/pongs, within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Next {
        let next = tokio::time::timeout(wait, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Text(text))) => return Next::Text(text.to_string()),
                    Some(Ok(Message::Close(frame))) => {
                        return Next::Close(frame.map(|frame| frame.code));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return Next::Close(None),
                }
            }
        })
        .await;
        next.unwrap_or(Next::Nothing)
    }

    /// The next text frame (fails the test on close or after [`FRAME_WAIT`]).
    pub async fn text(&mut self) -> String {
        match self.next_within(FRAME_WAIT).await {
            Next::Text(text) => text,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next text frame that is not a `movement` (bots keep moving during a round).
    pub async fn text_skipping_movements(&mut self) -> String {
        loop {
            let text = self.text().await;
            if !text.contains(r#""movement""#) {
                return text;
            }
        }
    }

    /// The next frame as JSON (socket.io `42[…]` is parsed after its prefix).
    pub async fn event(&mut self) -> serde_json::Value {
        let text = self.text_skipping_movements().await;
        let json = text.strip_prefix("42").unwrap_or(&text);
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}
