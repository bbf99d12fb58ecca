//! Unit tests of [`Storage`] on the in-memory store (the real S3 server is exercised by the
//! integration tests in `services/album/tests/api`).

use std::{convert::Infallible, sync::Arc};

use bytes::Bytes;
use futures_util::stream;
use object_store::{PutPayload, memory::InMemory};

use super::*;
use crate::storage::writer::WriteError;

const MIB: u64 = 1024 * 1024;

fn storage_with(max_file_size: u64, multipart_threshold: u64, public: PublicBase) -> Storage {
    Storage {
        store: Arc::new(InMemory::new()),
        folder: Folder::new("/photos/"),
        urls: urls::Urls {
            public,
            served_path: "/applet/album/files/".into(),
            signer: Signer::new(
                signer::StoreSigner::Album,
                MacKey::from_config(&weapp_common::config::Secret::from("k")),
            ),
            public_read: true,
            expires_in: 60,
        },
        attributes: true,
        max_file_size,
        multipart_threshold,
        stored: Stored::registered(&prometheus::Registry::new()).unwrap_or_else(|e| panic!("{e}")),
        sweeper: None,
        tcb: None,
        lister: None,
    }
}

fn storage(max_file_size: u64, multipart_threshold: u64) -> Storage {
    storage_with(
        max_file_size,
        multipart_threshold,
        PublicBase::Fixed("http://cdn.example.com/album/".into()),
    )
}

fn no_options() -> WriteOptions {
    WriteOptions::default()
}

/// A JPEG-sniffing body of `len` bytes (JPEG magic, then filler), in 64 KiB chunks.
fn jpeg_chunks(len: usize) -> Vec<Bytes> {
    let mut bytes = vec![0xAB_u8; len];
    bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    bytes
        .chunks(64 * 1024)
        .map(Bytes::copy_from_slice)
        .collect()
}

fn ok_stream(
    chunks: Vec<Bytes>,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Unpin {
    stream::iter(chunks.into_iter().map(Ok))
}

async fn stored_keys(storage: &Storage) -> Vec<String> {
    storage.keys_under("").await.unwrap_or_default()
}

#[tokio::test]
async fn a_small_jpeg_is_stored_whole_under_a_new_key() -> anyhow::Result<()> {
    let storage = storage(5 * MIB, 8 * MIB);
    let chunks = jpeg_chunks(300_000);
    let expected: Vec<u8> = chunks.concat();
    let stored = storage
        .write_image(ok_stream(chunks), &no_options(), |kind| {
            storage.new_key(kind)
        })
        .await?;
    assert_eq!(stored.kind, ImageKind::Jpeg);
    assert_eq!(stored.size, 300_000);
    assert!(stored.key.starts_with("photos/") && stored.key.ends_with(".jpg"));
    let bytes = storage.get(&stored.key).await?.bytes().await?;
    assert_eq!(bytes.as_ref(), expected.as_slice());
    Ok(())
}

#[tokio::test]
async fn a_large_image_goes_through_a_multipart_upload() -> anyhow::Result<()> {
    let storage = storage(20 * MIB, 5 * MIB);
    let chunks = jpeg_chunks(12 * MIB as usize + 123);
    let expected: Vec<u8> = chunks.concat();
    let stored = storage
        .write_image(ok_stream(chunks), &no_options(), |kind| {
            storage.new_key(kind)
        })
        .await?;
    let bytes = storage.get(&stored.key).await?.bytes().await?;
    assert_eq!(bytes.len(), expected.len());
    assert!(bytes.as_ref() == expected.as_slice());
    Ok(())
}

#[tokio::test]
async fn text_is_refused_before_anything_is_written() {
    let storage = storage(5 * MIB, 8 * MIB);
    let body = ok_stream(vec![Bytes::from_static(
        b"definitely not an image, just text",
    )]);
    let result = storage
        .write_image(body, &no_options(), |kind| storage.new_key(kind))
        .await;
    assert!(matches!(result, Err(WriteError::NotImage)), "{result:?}");
    assert!(stored_keys(&storage).await.is_empty());
}

#[tokio::test]
async fn a_signed_type_must_match_the_bytes() {
    let storage = storage(5 * MIB, 8 * MIB);
    let result = storage
        .write_image(
            ok_stream(jpeg_chunks(1000)),
            &WriteOptions {
                expected: Some(ImageKind::Png),
                ..no_options()
            },
            |kind| storage.new_key(kind),
        )
        .await;
    assert!(matches!(result, Err(WriteError::NotImage)), "{result:?}");
}

#[tokio::test]
async fn one_byte_over_the_limit_stores_nothing() {
    let storage = storage(MIB, 8 * MIB);
    let result = storage
        .write_image(
            ok_stream(jpeg_chunks(MIB as usize + 1)),
            &no_options(),
            |kind| storage.new_key(kind),
        )
        .await;
    assert!(matches!(result, Err(WriteError::TooLarge { limit }) if limit == MIB));
    assert!(stored_keys(&storage).await.is_empty());
}

#[tokio::test]
async fn exactly_the_limit_is_accepted() -> anyhow::Result<()> {
    let storage = storage(MIB, 8 * MIB);
    storage
        .write_image(
            ok_stream(jpeg_chunks(MIB as usize)),
            &no_options(),
            |kind| storage.new_key(kind),
        )
        .await?;
    assert_eq!(stored_keys(&storage).await.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_oversized_multipart_upload_is_aborted() {
    let storage = storage(7 * MIB, 5 * MIB);
    let result = storage
        .write_image(
            ok_stream(jpeg_chunks(9 * MIB as usize)),
            &no_options(),
            |kind| storage.new_key(kind),
        )
        .await;
    assert!(
        matches!(result, Err(WriteError::TooLarge { .. })),
        "{result:?}"
    );
    assert!(stored_keys(&storage).await.is_empty());
}

#[tokio::test]
async fn a_broken_stream_mid_multipart_stores_nothing() {
    let storage = storage(20 * MIB, 5 * MIB);
    let mut items: Vec<Result<Bytes, String>> =
        jpeg_chunks(6 * MIB as usize).into_iter().map(Ok).collect();
    items.push(Err("connection reset by peer".to_owned()));
    let result = storage
        .write_image(stream::iter(items), &no_options(), |kind| {
            storage.new_key(kind)
        })
        .await;
    assert!(matches!(result, Err(WriteError::Stream(_))), "{result:?}");
    assert!(stored_keys(&storage).await.is_empty());
}

#[tokio::test]
async fn the_full_listing_has_only_images_directly_in_the_folder() -> anyhow::Result<()> {
    let storage = storage(5 * MIB, 8 * MIB);
    for key in [
        "photos/1700000000001-a.jpg",
        "photos/1700000000002-b.png",
        "photos/1700000000003-c.PNG",
        "photos/notes.txt",
        "photos/deeper/1700000000009-z.jpg",
        "elsewhere/1700000000010-y.jpg",
    ] {
        storage
            .store
            .put(&Path::from(key), PutPayload::from_static(b"x"))
            .await?;
    }
    let mut keys: Vec<String> = storage
        .list_images()
        .await?
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "photos/1700000000001-a.jpg",
            "photos/1700000000002-b.png",
            "photos/1700000000003-c.PNG"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn image_urls_encode_each_segment() -> anyhow::Result<()> {
    let storage = storage(MIB, 8 * MIB);
    let origin = Origin {
        scheme: "https".into(),
        host: "example.com".into(),
    };
    assert_eq!(
        storage.image_url("photos/猫 1.jpg", &origin).await?,
        "http://cdn.example.com/album/photos/%E7%8C%AB%201.jpg"
    );
    assert_eq!(storage.url_path_prefix(), "/album/");
    Ok(())
}

#[tokio::test]
async fn served_urls_use_the_request_origin() -> anyhow::Result<()> {
    let storage = storage_with(
        MIB,
        8 * MIB,
        PublicBase::Served {
            path: "/applet/album/files/".into(),
        },
    );
    let origin = Origin {
        scheme: "http".into(),
        host: "127.0.0.1:8080".into(),
    };
    assert_eq!(
        storage.image_url("1-a.png", &origin).await?,
        "http://127.0.0.1:8080/applet/album/files/1-a.png"
    );
    Ok(())
}

#[tokio::test]
async fn a_private_bucket_gives_signed_urls() -> anyhow::Result<()> {
    let mut storage = storage(MIB, 8 * MIB);
    storage.urls.public_read = false;
    let origin = Origin {
        scheme: "http".into(),
        host: "h".into(),
    };
    let url = storage.image_url("photos/1-a.png", &origin).await?;
    assert!(
        url.starts_with("http://h/applet/album/files/photos/1-a.png?expires="),
        "{url}"
    );
    assert!(url.contains("&signature="), "{url}");
    Ok(())
}

#[tokio::test]
async fn owners_are_object_metadata_and_create_only_refuses_overwrites() -> anyhow::Result<()> {
    let storage = storage(MIB, 8 * MIB);
    let options = WriteOptions {
        owner: Some("o_alice".into()),
        create_only: true,
        ..no_options()
    };
    let stored = storage
        .write_image(ok_stream(jpeg_chunks(1000)), &options, |_| {
            "photos/1-a.jpg".into()
        })
        .await?;
    assert_eq!(
        storage.owner_of(&stored.key).await?.as_deref(),
        Some("o_alice")
    );
    let again = storage
        .write_image(ok_stream(jpeg_chunks(500)), &options, |_| {
            "photos/1-a.jpg".into()
        })
        .await;
    assert!(matches!(again, Err(WriteError::Exists)), "{again:?}");
    assert_eq!(storage.head(&stored.key).await?.map(|h| h.size), Some(1000));
    assert_eq!(storage.sniff(&stored.key).await?, Some(ImageKind::Jpeg));
    Ok(())
}

#[tokio::test]
async fn deleting_a_missing_key_succeeds() -> anyhow::Result<()> {
    let storage = storage(MIB, 8 * MIB);
    storage.delete("photos/nothing-here.jpg").await?;
    Ok(())
}

/// A body that panics when polled after its end, as actix-multipart fields do.
struct StrictBody(Vec<Bytes>, bool);

impl futures_util::Stream for StrictBody {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        assert!(!self.1, "polled after completion");
        if self.0.is_empty() {
            self.1 = true;
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Ready(Some(Ok(self.0.remove(0))))
    }
}

#[tokio::test]
async fn a_body_shorter_than_the_sniff_window_is_never_polled_after_its_end() -> anyhow::Result<()>
{
    let storage = storage(MIB, 8 * MIB);
    let tiny = StrictBody(
        vec![Bytes::from_static(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])],
        false,
    );
    let stored = storage
        .write_image(tiny, &no_options(), |kind| storage.new_key(kind))
        .await?;
    assert_eq!(stored.size, 7);
    let text = StrictBody(vec![Bytes::from_static(b"hi")], false);
    let result = storage
        .write_image(text, &no_options(), |kind| storage.new_key(kind))
        .await;
    assert!(matches!(result, Err(WriteError::NotImage)), "{result:?}");
    Ok(())
}
