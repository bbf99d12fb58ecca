//! A store outage in the middle of a multipart upload: the album answers `图片上传失败`, its
//! abort fails too (the store is unreachable), the parts stay — and once the store is back,
//! the sweep aborts them: no object, no parts. The album reaches SeaweedFS through a
//! `weapp_testkit::Relay` that the test takes down; the test looks at the store directly.

use std::time::{Duration, SystemTime};

use album::storage::uploads::{Sweeper, Unfinished};
use bytes::Bytes;
use secrecy::SecretString;
use weapp_testkit::Relay;

use crate::helpers::{TestApp, spawn_app};

const MIB: usize = 1024 * 1024;

/// The test folder's unfinished uploads, read from the store itself (not through the relay).
async fn unfinished(app: &TestApp) -> Vec<Unfinished> {
    let target = &app.target;
    let sweeper = Sweeper::new(
        &format!("{}/{}", target.endpoint, target.bucket),
        &target.region,
        &target.access_key,
        SecretString::from(target.secret_key.clone()),
        &app.prefix,
        Duration::from_secs(5),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let now = album::storage::signer::unix(SystemTime::now());
    sweeper.list(now).await.unwrap_or_else(|e| panic!("{e:#}"))
}

/// A JPEG-sniffing chunk of `len` bytes.
fn chunk(len: usize, first: bool) -> Bytes {
    let mut bytes = vec![0x5A_u8; len];
    if first {
        bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    }
    Bytes::from(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_left_by_an_outage_are_aborted_by_the_sweep_once_the_store_is_back() {
    let s3 = weapp_testkit::S3Target::from_env();
    let host = s3.endpoint.trim_start_matches("http://").to_owned();
    let relay = Relay::start(&host).await;
    let app = spawn_app(|settings| {
        settings.storage.endpoint = format!("http://127.0.0.1:{}", relay.port());
        settings.storage.request_timeout_secs = 3;
        settings.storage.max_retries = 1;
        settings.upload.max_file_size = 40 * MIB as u64;
        settings.upload.multipart_threshold = 8 * MIB as u64;
        settings.upload.abandoned_after_secs = 600;
    })
    .await;
    assert!(unfinished(&app).await.is_empty());

    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_of(receiver));
    let part = reqwest::multipart::Part::stream(body).file_name("big.jpg");
    let request = app
        .http
        .post(app.url("/applet/album/upload"))
        .multipart(reqwest::multipart::Form::new().part("image", part))
        .send();
    let reply = tokio::spawn(async move {
        let response = request.await.unwrap_or_else(|e| panic!("{e}"));
        response
            .json::<serde_json::Value>()
            .await
            .unwrap_or_default()
    });
    // 12 MiB: past the threshold, so the album begins a multipart upload.
    for i in 0..12 {
        sender
            .send(Ok(chunk(MIB, i == 0)))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let began = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if !unfinished(&app).await.is_empty() {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(began.is_ok(), "the multipart upload never began");

    relay.down().await;
    for _ in 12..30 {
        if sender.send(Ok(chunk(MIB, false))).await.is_err() {
            break;
        }
    }
    drop(sender);
    let reply = reply.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reply,
        serde_json::json!({"code":-1,"msg":"图片上传失败，请稍候再试","data":{}})
    );
    assert!(
        !unfinished(&app).await.is_empty(),
        "the failed abort left the parts"
    );

    relay.up();
    let young = app.checker.sweep_unfinished(SystemTime::now()).await;
    assert_eq!(young.map_err(|e| e.to_string()), Ok(0), "not abandoned yet");
    let later = SystemTime::now() + Duration::from_secs(601);
    let swept = app.checker.sweep_unfinished(later).await;
    assert!(matches!(swept, Ok(n) if n >= 1), "{swept:?}");
    assert!(unfinished(&app).await.is_empty(), "no parts left");
    assert!(app.stored_keys().await.is_empty(), "no object");
}

/// The receiver as a stream.
fn tokio_stream_of<T: Send + 'static>(
    mut receiver: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}
