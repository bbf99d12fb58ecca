//! The checker looks at tickets due together with one listing per run instead of a `HEAD`
//! each, on a store that counts its calls: an in-memory store that lists by key range the way
//! S3's `ListObjectsV2` does (`prefix`, `start-after`, `max-keys`, in key order). The real S3
//! listing is tested on SeaweedFS (`tests/api/direct.rs`).

use std::{
    ops::Range,
    sync::atomic::{AtomicUsize, Ordering},
};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{TryStreamExt, stream::BoxStream};
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult,
    list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore},
    memory::InMemory,
    path::Path,
};

use super::{
    tests::{NOW, jpeg},
    *,
};
use crate::image::ImageKind;

/// [`InMemory`] counting `HEAD`s and listings; lists by key range with pages of `page` keys.
#[derive(Debug)]
struct Counting {
    inner: InMemory,
    heads: AtomicUsize,
    listings: AtomicUsize,
    page: usize,
}

impl std::fmt::Display for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Counting")
    }
}

#[async_trait]
impl ObjectStore for Counting {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if options.head {
            self.heads.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[async_trait]
impl PaginatedListStore for Counting {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> object_store::Result<PaginatedListResult> {
        self.listings.fetch_add(1, Ordering::SeqCst);
        let mut objects: Vec<ObjectMeta> = self.inner.list(None).try_collect().await?;
        objects.retain(|meta| {
            let key = meta.location.as_ref();
            key.starts_with(prefix.unwrap_or_default())
                && opts.offset.as_deref().is_none_or(|offset| key > offset)
        });
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        let page = opts.max_keys.unwrap_or(1000).min(self.page);
        let page_token = (objects.len() > page).then(|| "more".to_owned());
        objects.truncate(page);
        Ok(PaginatedListResult {
            result: ListResult {
                common_prefixes: Vec::new(),
                objects,
                extensions: Default::default(),
            },
            page_token,
        })
    }
}

fn setup(page: usize) -> (Checker, Arc<Counting>, Index) {
    let store = Arc::new(Counting {
        inner: InMemory::new(),
        heads: AtomicUsize::new(0),
        listings: AtomicUsize::new(0),
        page,
    });
    let (checker, _, index) =
        super::tests::setup_on(|storage| storage.on_store(store.clone(), Some(store.clone())));
    (checker, store, index)
}

/// A pending ticket for `key` issued at `issued_ms`, first due a second later.
fn ticket(key: &str, issued_ms: i64) -> Ticket {
    Ticket {
        key: key.to_owned(),
        kind: ImageKind::Jpeg,
        owner: None,
        max_size: 1000,
        issued_ms,
        expires_ms: issued_ms + 300_000,
        next_check_ms: Checker::first_check(issued_ms),
        state: TicketState::Pending,
    }
}

fn key(ms: i64, n: usize) -> String {
    format!("photos/{ms}-k{n:02}.jpg")
}

async fn put_jpeg(store: &Counting, key: &str) -> anyhow::Result<()> {
    store
        .inner
        .put(&Path::parse(key)?, PutPayload::from(jpeg(200)))
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_burst_of_tickets_is_looked_at_with_one_listing() -> anyhow::Result<()> {
    let (checker, store, index) = setup(1000);
    // 40 tickets handed out within 40 ms; two of them were used; an older image sits before
    // them and a newer one after them in key order.
    let keys: Vec<String> = (0..40).map(|n| key(NOW + n as i64, n)).collect();
    for (n, key) in keys.iter().enumerate() {
        index.save_ticket(&ticket(key, NOW + n as i64)).await?;
    }
    put_jpeg(&store, &keys[7]).await?;
    put_jpeg(&store, &keys[30]).await?;
    put_jpeg(&store, &key(NOW - 5_000, 99)).await?;
    put_jpeg(&store, &key(NOW + 60_000, 98)).await?;

    assert_eq!(checker.pass(NOW + 1_100).await?, 40);
    assert_eq!(store.listings.load(Ordering::SeqCst), 1);
    assert_eq!(
        store.heads.load(Ordering::SeqCst),
        2,
        "only the two uploaded keys are looked at one by one"
    );
    let mut listed = index.page(None, None, 100).await?;
    listed.sort();
    assert_eq!(listed, vec![keys[7].clone(), keys[30].clone()]);
    // The 38 unused tickets wait for their next check, as after a HEAD that found nothing.
    assert!(index.claim_due(NOW + 1_100, 100).await?.is_empty());
    assert_eq!(index.claim_due(NOW + 11_100, 100).await?.len(), 38);
    Ok(())
}

#[tokio::test]
async fn keys_past_a_full_page_and_lone_or_final_tickets_get_a_head() -> anyhow::Result<()> {
    // Pages of 5 keys, and 6 other images right after the first ticket's key: the page ends
    // before the second ticket's key, so only the first is known absent.
    let (checker, store, index) = setup(5);
    for n in 0..8 {
        index
            .save_ticket(&ticket(&key(NOW + n as i64, n), NOW + n as i64))
            .await?;
    }
    for n in 0..6 {
        put_jpeg(&store, &format!("photos/{NOW}-x{n}.jpg")).await?;
    }
    // A lone ticket 20 s later, and one at its final check.
    index
        .save_ticket(&ticket(&key(NOW + 20_000, 50), NOW + 20_000))
        .await?;
    let mut last = ticket(&key(NOW - 400_000, 60), NOW - 400_000);
    last.next_check_ms = NOW;
    index.save_ticket(&last).await?;

    assert_eq!(checker.pass(NOW + 21_100).await?, 10);
    assert_eq!(store.listings.load(Ordering::SeqCst), 1);
    // The 7 tickets past the page, the lone ticket, the final check.
    assert_eq!(store.heads.load(Ordering::SeqCst), 9);
    Ok(())
}

#[tokio::test]
async fn a_store_that_cannot_list_by_range_gets_a_head_per_ticket() -> anyhow::Result<()> {
    let (checker, store, index) = setup(1000);
    let checker = Checker {
        storage: checker.storage.clone().on_store(store.clone(), None),
        ..checker
    };
    for n in 0..6 {
        index
            .save_ticket(&ticket(&key(NOW + n as i64, n), NOW + n as i64))
            .await?;
    }
    assert_eq!(checker.pass(NOW + 1_100).await?, 6);
    assert_eq!(store.listings.load(Ordering::SeqCst), 0);
    assert_eq!(store.heads.load(Ordering::SeqCst), 6);
    Ok(())
}
