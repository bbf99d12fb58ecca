//! The checker and the reconciliation on the in-memory store and index, time passed in.

use super::*;
use crate::{
    image::ImageKind,
    index::MemoryIndex,
    settings::{Backend, Settings},
    storage::WriteOptions,
};

pub(super) const NOW: i64 = 1_700_000_000_000;
const JPEG: [u8; 12] = [
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];

fn setup() -> (Checker, Storage, Index) {
    setup_on(|storage| storage)
}

/// A checker on the in-memory store and index, its storage changed by `adjust` (tests that
/// count the store's calls).
pub(super) fn setup_on(adjust: impl FnOnce(Storage) -> Storage) -> (Checker, Storage, Index) {
    let mut settings = Settings::default();
    settings.storage.backend = Backend::Memory;
    settings.cos.folder = "/photos/".into();
    let stored = crate::storage::Stored::registered(&prometheus::Registry::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let index = Index::Memory(MemoryIndex::new());
    let storage =
        adjust(Storage::from_settings(&settings, &index, stored).unwrap_or_else(|e| panic!("{e}")));
    let checker = Checker::new(
        storage.clone(),
        index.clone(),
        Timing {
            interval: Duration::from_secs(10),
            grace: Duration::from_secs(60),
            reconcile_every: None,
            abandoned_after: Duration::from_secs(3600),
            sweep_every: Duration::from_secs(900),
        },
    );
    (checker, storage, index)
}

fn ticket(key: &str, max_size: u64, owner: Option<&str>) -> Ticket {
    Ticket {
        key: key.to_owned(),
        kind: ImageKind::Jpeg,
        owner: owner.map(str::to_owned),
        max_size,
        issued_ms: NOW,
        expires_ms: NOW + 300_000,
        next_check_ms: Checker::first_check(NOW),
        state: TicketState::Pending,
    }
}

pub(super) fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xAB; len];
    bytes[..JPEG.len()].copy_from_slice(&JPEG);
    bytes
}

async fn listed(index: &Index) -> Vec<String> {
    index
        .page(None, None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_confirmed_jpeg_is_listed_with_its_owner_and_issue_time() -> anyhow::Result<()> {
    let (checker, storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-a.jpg", 1000, Some("o_alice")))
        .await?;
    storage.put_raw("photos/1-a.jpg", jpeg(500)).await?;
    assert_eq!(
        checker.confirm("photos/1-a.jpg", NOW + 5).await?,
        Some(Verdict::Listed)
    );
    assert_eq!(
        index.get("photos/1-a.jpg").await?,
        Some(Entry {
            key: "photos/1-a.jpg".into(),
            ms: NOW,
            owner: Some("o_alice".into())
        })
    );
    // Confirming again is harmless.
    assert_eq!(
        checker.confirm("photos/1-a.jpg", NOW + 6).await?,
        Some(Verdict::Listed)
    );
    Ok(())
}

#[tokio::test]
async fn text_and_oversized_uploads_are_deleted_and_never_listed() -> anyhow::Result<()> {
    let (checker, storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-t.jpg", 1000, None))
        .await?;
    storage
        .put_raw("photos/1-t.jpg", b"hello, not an image".to_vec())
        .await?;
    assert_eq!(
        checker.confirm("photos/1-t.jpg", NOW).await?,
        Some(Verdict::Rejected("仅jpg/png格式".into()))
    );
    index
        .save_ticket(&ticket("photos/1-b.jpg", 5 * 1024 * 1024, None))
        .await?;
    storage
        .put_raw("photos/1-b.jpg", jpeg(5 * 1024 * 1024 + 1))
        .await?;
    assert_eq!(
        checker.confirm("photos/1-b.jpg", NOW).await?,
        Some(Verdict::Rejected("单个不超过5MB".into()))
    );
    assert!(storage.head("photos/1-t.jpg").await?.is_none());
    assert!(storage.head("photos/1-b.jpg").await?.is_none());
    assert!(listed(&index).await.is_empty());
    Ok(())
}

#[tokio::test]
async fn an_unconfirmed_upload_is_listed_by_the_next_pass() -> anyhow::Result<()> {
    let (checker, storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-a.jpg", 1000, None))
        .await?;
    assert_eq!(
        checker.pass(NOW).await?,
        0,
        "not due before its first check"
    );
    assert_eq!(checker.pass(Checker::first_check(NOW)).await?, 1);
    assert!(listed(&index).await.is_empty(), "nothing uploaded yet");
    storage.put_raw("photos/1-a.jpg", jpeg(100)).await?;
    assert_eq!(checker.pass(Checker::first_check(NOW) + 10_000).await?, 1);
    assert_eq!(listed(&index).await, ["photos/1-a.jpg"]);
    Ok(())
}

#[tokio::test]
async fn a_spent_ticket_used_again_loses_its_object_at_the_final_check() -> anyhow::Result<()> {
    let (checker, storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-a.jpg", 1000, None))
        .await?;
    storage.put_raw("photos/1-a.jpg", jpeg(100)).await?;
    assert_eq!(
        checker.confirm("photos/1-a.jpg", NOW).await?,
        Some(Verdict::Listed)
    );
    // The same signature again (a POST policy allows it), with other bytes.
    storage.put_raw("photos/1-a.jpg", jpeg(200)).await?;
    let final_check = NOW + 300_000 + 60_000;
    assert_eq!(
        checker.pass(final_check - 1).await?,
        0,
        "listed tickets wait for the final check"
    );
    assert_eq!(checker.pass(final_check).await?, 1);
    assert!(storage.head("photos/1-a.jpg").await?.is_none());
    assert!(listed(&index).await.is_empty());
    assert_eq!(
        index.ticket("photos/1-a.jpg").await?,
        None,
        "dropped after its final check"
    );
    Ok(())
}

#[tokio::test]
async fn an_unused_ticket_is_dropped_at_its_final_check() -> anyhow::Result<()> {
    let (checker, _storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-a.jpg", 1000, None))
        .await?;
    let final_check = NOW + 300_000 + 60_000;
    assert!(checker.pass(final_check - 1).await? >= 1);
    assert!(index.ticket("photos/1-a.jpg").await?.is_some());
    assert_eq!(checker.pass(final_check).await?, 1);
    assert_eq!(index.ticket("photos/1-a.jpg").await?, None);
    assert_eq!(checker.confirm("photos/1-a.jpg", final_check).await?, None);
    Ok(())
}

#[tokio::test]
async fn reconcile_lists_what_the_album_did_not_see_and_forgets_what_is_gone() -> anyhow::Result<()>
{
    let (_checker, storage, index) = setup();
    // Written behind the album's back: an original key, an owned photo, a stray text file.
    storage
        .put_raw(
            "photos/1500000000000-legacy.png",
            b"\x89PNG\r\n\x1a\n".to_vec(),
        )
        .await?;
    let options = WriteOptions {
        owner: Some("o_bob".into()),
        ..WriteOptions::default()
    };
    let owned = storage
        .write_image(
            futures_util::stream::iter([Ok::<_, std::convert::Infallible>(bytes::Bytes::from(
                jpeg(64),
            ))]),
            &options,
            |_| "photos/1600000000000-owned.jpg".to_owned(),
        )
        .await?;
    storage.put_raw("photos/notes.txt", b"x".to_vec()).await?;
    // An unchecked direct upload stays with the checker.
    index
        .save_ticket(&ticket("photos/1700000000000-direct.jpg", 10, None))
        .await?;
    storage
        .put_raw("photos/1700000000000-direct.jpg", b"junk".to_vec())
        .await?;
    // Indexed, but gone from the store.
    index
        .add(&Entry {
            key: "photos/1-gone.jpg".into(),
            ms: 1,
            owner: None,
        })
        .await?;

    let report = reconcile(&storage, &index).await?;
    assert_eq!(
        (report.listed, report.added, report.removed),
        (3, 2, 1),
        "{report}"
    );
    let mut keys = listed(&index).await;
    keys.sort();
    assert_eq!(
        keys,
        [
            "photos/1500000000000-legacy.png",
            "photos/1600000000000-owned.jpg"
        ]
    );
    assert_eq!(
        index
            .get(&owned.key)
            .await?
            .and_then(|e| e.owner)
            .as_deref(),
        Some("o_bob")
    );
    assert!(index.is_built().await?);
    Ok(())
}

#[tokio::test]
async fn checks_of_an_unused_ticket_back_off_until_its_final_check() -> anyhow::Result<()> {
    let (checker, _storage, index) = setup();
    index
        .save_ticket(&ticket("photos/1-u.jpg", 1000, None))
        .await?;
    // Run the checker whenever the ticket is due, as the background passes would.
    let mut checks = Vec::new();
    let mut now = Checker::first_check(NOW);
    while index.ticket("photos/1-u.jpg").await?.is_some() {
        assert_eq!(checker.pass(now).await?, 1, "due at {}", now - NOW);
        checks.push((now - NOW) / 1000);
        match index.ticket("photos/1-u.jpg").await? {
            Some(next) => now = next.next_check_ms,
            None => break,
        }
    }
    // 1 s, then the ticket's age (at least the 10 s interval, at most 75 s = 300 s / 4), the
    // final check 60 s (the grace) after the expiry.
    assert_eq!(checks, [1, 11, 22, 44, 88, 163, 238, 313, 360]);
    assert!(listed(&index).await.is_empty());
    Ok(())
}
