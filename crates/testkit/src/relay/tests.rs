//! The relay against an echo server: freeze and thaw, cuts, a backend that is down.
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

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
    relay.cut().await;
    let mut byte = [0u8; 1];
    assert_eq!(old.read(&mut byte).await.unwrap_or(0), 0, "closed");
    let mut new = connect(&relay).await;
    assert_eq!(round_trip(&mut new, b"y").await, b"y");
}

#[tokio::test]
async fn down_closes_new_connections_at_once() {
    let relay = Relay::start(&echo().await).await;
    relay.down().await;
    let mut stream = connect(&relay).await;
    let mut byte = [0u8; 1];
    assert_eq!(stream.read(&mut byte).await.unwrap_or(0), 0);
    relay.up();
    let mut stream = connect(&relay).await;
    assert_eq!(round_trip(&mut stream, b"z").await, b"z");
}

#[tokio::test]
async fn cut_idle_closes_the_quiet_connections_and_keeps_the_busy_one() {
    let relay = Relay::start(&echo().await).await;
    let (mut quiet, mut busy) = (connect(&relay).await, connect(&relay).await);
    assert_eq!(round_trip(&mut quiet, b"q").await, b"q");
    assert_eq!(round_trip(&mut busy, b"b").await, b"b");
    // join! polls in order: the cut takes its "since" before the busy connection talks.
    let ((), answer) = tokio::join!(
        relay.cut_idle(Duration::from_secs(5)),
        round_trip(&mut busy, b"still here")
    );
    assert_eq!(answer, b"still here");
    let mut byte = [0u8; 1];
    assert_eq!(quiet.read(&mut byte).await.unwrap_or(0), 0, "closed");
    assert_eq!(round_trip(&mut busy, b"and on").await, b"and on");
}

#[tokio::test]
async fn frozen_replies_hold_the_answers_of_open_connections_only() {
    let relay = Relay::start(&echo().await).await;
    let mut old = connect(&relay).await;
    assert_eq!(round_trip(&mut old, b"a").await, b"a");
    relay.freeze_replies();
    old.write_all(b"b").await.unwrap_or_else(|e| panic!("{e}"));
    relay.holding(Duration::from_secs(5)).await;
    let mut new = connect(&relay).await;
    assert_eq!(round_trip(&mut new, b"c").await, b"c");
    relay.up();
    relay.settled(Duration::from_secs(5)).await;
    let mut answer = [0u8; 1];
    old.read_exact(&mut answer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&answer, b"b");
}

/// A server that reads forever and never answers nor closes (SecantusDB with a connection
/// whose client half-closed after its last request).
async fn mute() -> String {
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
                let mut sink = Vec::new();
                let _ = socket.read_to_end(&mut sink).await;
                std::future::pending::<()>().await;
            });
        }
    });
    address
}

#[tokio::test]
async fn a_request_whose_client_left_is_not_waited_for() {
    let relay = Relay::start(&mute().await).await;
    let mut stream = connect(&relay).await;
    relay.freeze();
    stream
        .write_all(b"never answered")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    relay.holding(Duration::from_secs(5)).await;
    // Still waited for while its client is there.
    let waited = tokio::time::timeout(Duration::from_millis(300), async {
        relay.up();
        relay.settled(Duration::from_secs(60)).await;
    })
    .await;
    assert!(
        waited.is_err(),
        "an unanswered request keeps the relay unsettled"
    );
    stream.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    relay.settled(Duration::from_secs(5)).await;
}
