//! The phases of one album-bench run and their order: the first list page at growing album
//! sizes ([`crate::scale`]), uploads through album and direct S3 PUTs (interleaved), list
//! latency, wrk on list, the signing routes against `/healthz` ([`crate::signing`]), then
//! clean-up of everything the run wrote — also after a failed phase or Ctrl-C.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;

use object_store::aws::AmazonS3;
use object_store::path::Path;

use crate::album::{self, Album};
use crate::direct::{self, S3Target};
use crate::load::{self, Budget, Outcome};
use crate::photos::{self, Photo};
use crate::report::Row;
use crate::scale::{self, Scale};
use crate::signing::{self, Signing};
use crate::wrk::{self, WrkLoad};

/// Upload ratio album/direct the service is expected to reach (brief of the bench).
pub const UPLOAD_RATIO_GOAL: f64 = 0.8;

/// After Ctrl-C, how long the requests in flight may take to be answered (and recorded for
/// the clean-up).
const DRAIN: Duration = Duration::from_secs(5);

/// Everything a run needs, parsed from the command line.
pub struct Settings {
    /// Album base URL, e.g. `http://127.0.0.1:9993`.
    pub album: String,
    /// The S3 server album stores into.
    pub s3: S3Target,
    /// Folder of the fixture photos.
    pub fixtures: PathBuf,
    /// Requests in flight during the upload and list phases.
    pub concurrency: usize,
    /// Uploads per upload phase (the same count through album and direct).
    pub uploads: usize,
    /// Unmeasured uploads before each upload phase (connections, caches).
    pub warmup: usize,
    /// How long the bench's own list phase runs.
    pub list_time: Duration,
    /// wrk binary, or `None` to skip the wrk phases.
    pub wrk: Option<PathBuf>,
    /// Shape of each wrk run.
    pub wrk_load: WrkLoad,
    /// Measure direct S3 PUTs only (album not running yet).
    pub direct_only: bool,
    /// Album sizes at which the first list page is measured, ascending; empty = skip.
    pub list_sizes: Vec<usize>,
    /// Base URL of the session service (logins for the routes that need one).
    pub session_url: String,
    /// `cos_path` asked of `qc_cos/config`.
    pub cos_path: String,
}

/// Runs every phase and returns the table rows and the ratio lines. Whatever was uploaded is
/// deleted before returning, also when a phase failed or on Ctrl-C.
///
/// # Errors
/// Fixtures unreadable, S3 misconfigured, a phase could not run at all (single request
/// failures are counted in the rows instead), or interrupted.
pub async fn run(s: &Settings) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let mut run = Run {
        s,
        photos: Arc::new(photos::load(&s.fixtures)?),
        store: Arc::new(direct::store(&s.s3, s.concurrency)?),
        album: Album::new(&s.album, s.concurrency)?,
        run_id: format!("{}-{}", unix_ms(), std::process::id()),
        direct_keys: Vec::new(),
        uploaded: Arc::new(Mutex::new(Vec::new())),
    };
    let album_up = !s.direct_only && run.album.is_up().await;
    let (mut rows, mut summary) = (Vec::new(), Vec::new());
    let measured = {
        let measuring = measure(&mut run, album_up, &mut rows, &mut summary);
        tokio::pin!(measuring);
        tokio::select! {
            measured = &mut measuring => measured,
            interrupted = tokio::signal::ctrl_c() => {
                eprintln!("! interrupted: waiting up to {DRAIN:?} for requests in flight, then cleaning up");
                load::stop();
                let _ = tokio::time::timeout(DRAIN, &mut measuring).await;
                interrupted.context("waiting for Ctrl-C").and(Err(anyhow::anyhow!("interrupted")))
            }
        }
    };

    let cleaned = run.delete_direct().await.and(run.delete_uploaded().await);
    measured?;
    cleaned?;
    Ok((rows, summary))
}

async fn measure(
    run: &mut Run<'_>,
    album_up: bool,
    rows: &mut Vec<Row>,
    summary: &mut Vec<String>,
) -> anyhow::Result<()> {
    let s = run.s;
    if album_up && !s.list_sizes.is_empty() {
        let scale = Scale {
            album: &run.album,
            sizes: &s.list_sizes,
            concurrency: s.concurrency,
            list_time: s.list_time,
            uploaded: Arc::clone(&run.uploaded),
        };
        // On failure or Ctrl-C the clean-up after `measure` deletes the fill.
        scale::measure(&scale, rows, summary).await?;
        // The next phases measure an album of the usual size.
        run.delete_uploaded().await?;
    }
    // ABBA order (direct, album, album, direct), half the count each time, so that a drift of
    // the machine during the run (other processes, S3 volumes filling) hits both paths alike.
    let (first, second) = (s.uploads / 2, s.uploads - s.uploads / 2);
    let target = format!("{} bucket {}", s.s3.endpoint, s.s3.bucket);
    if album_up {
        eprintln!(
            "· uploads: {} direct to {target} and {} via album {}",
            s.uploads, s.uploads, s.album
        );
        run.put_direct("w", s.warmup).await?;
        run.upload(s.warmup).await?;
        let d1 = run.put_direct("a", first).await?;
        let a1 = run.upload(first).await?;
        let a2 = run.upload(second).await?;
        let d2 = run.put_direct("b", second).await?;
        let (direct, via_album) = (d1.merge(d2)?, a1.merge(a2)?);
        let ratio = via_album.per_sec() / direct.per_sec();
        let verdict = if ratio >= UPLOAD_RATIO_GOAL {
            "meets"
        } else {
            "below"
        };
        let note = format!("album/direct = {ratio:.2} ({verdict} goal ≥ {UPLOAD_RATIO_GOAL})");
        rows.push(Row::from_outcome(
            "direct PUT to S3",
            "album-bench (object_store)",
            &direct,
            true,
        ));
        rows.push(
            Row::from_outcome(
                "upload via album",
                "album-bench (reqwest)",
                &via_album,
                true,
            )
            .with_note(&note),
        );
    } else {
        let why = if s.direct_only {
            "--direct-only"
        } else {
            "album not reachable (GET /healthz)"
        };
        eprintln!("· album at {}: skipped, {why}", s.album);
        eprintln!("· uploads: {} direct to {target}", s.uploads);
        run.put_direct("w", s.warmup).await?;
        let direct = run.put_direct("a", s.uploads).await?;
        rows.push(Row::from_outcome(
            "direct PUT to S3",
            "album-bench (object_store)",
            &direct,
            true,
        ));
        for (what, tool) in [
            ("upload via album", "album-bench (reqwest)"),
            ("GET list", "album-bench (reqwest)"),
            ("GET list", "wrk"),
            (
                "GET list, first page, by album size",
                "album-bench (reqwest)",
            ),
            ("signing routes vs /healthz", "wrk"),
        ] {
            rows.push(Row::skipped(what, tool, why));
        }
        return Ok(());
    }
    // The direct keys go before the list phases, which then see album's images only.
    run.delete_direct().await?;
    list_phases(run, rows, summary).await
}

async fn list_phases(
    run: &Run<'_>,
    rows: &mut Vec<Row>,
    summary: &mut Vec<String>,
) -> anyhow::Result<()> {
    let (s, album) = (run.s, &run.album);
    eprintln!(
        "· GET list for {:?} at concurrency {}",
        s.list_time, s.concurrency
    );
    let (a, listed) = (album.clone(), Arc::new(AtomicUsize::new(0)));
    let seen = Arc::clone(&listed);
    let list = load::run(s.concurrency, Budget::Time(s.list_time), move |_| {
        let (a, seen) = (a.clone(), Arc::clone(&seen));
        async move {
            let (n, bytes) = a.list().await?;
            seen.store(n, Ordering::Relaxed);
            Ok(bytes)
        }
    })
    .await?;
    let stored = run
        .uploaded
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .len();
    let listed = format!(
        "{} URLs per reply, bucket holds ≥ {stored} album images",
        listed.load(Ordering::Relaxed)
    );
    let row = Row::from_outcome("GET list", "album-bench (reqwest)", &list, false);
    rows.push(row.with_note(&listed));

    let Some(wrk_bin) = &s.wrk else {
        rows.push(Row::skipped("GET list", "wrk", "--no-wrk"));
        rows.push(Row::skipped(
            "signing routes vs /healthz",
            "wrk",
            "--no-wrk",
        ));
        return Ok(());
    };
    eprintln!("· wrk GET list ({:?})", s.wrk_load.duration);
    let list_url = album.url("/applet/album/list");
    let row = run_wrk(wrk_bin, list_url, s.wrk_load, "GET list").await;
    rows.push(row.with_note(&listed));

    let signing = Signing {
        album,
        wrk: wrk_bin,
        load: s.wrk_load,
        session_url: &s.session_url,
        cos_path: &s.cos_path,
    };
    signing::measure(&signing, rows, summary).await
}

async fn run_wrk(bin: &std::path::Path, url: String, load: WrkLoad, what: &str) -> Row {
    let bin = bin.to_owned();
    let joined = tokio::task::spawn_blocking(move || wrk::run(&bin, &url, load)).await;
    match joined.context("wrk task panicked").and_then(|r| r) {
        Ok(report) => Row::from_wrk(what, &report),
        Err(e) => Row::skipped(what, "wrk", &format!("{e:#}")),
    }
}

/// Shared handles of one run and the record of what it wrote.
struct Run<'a> {
    s: &'a Settings,
    photos: Arc<Vec<Photo>>,
    store: Arc<AmazonS3>,
    album: Album,
    run_id: String,
    /// Keys of every direct PUT attempted and not yet deleted.
    direct_keys: Vec<Path>,
    /// imgUrl of every upload album accepted and not yet deleted.
    uploaded: Arc<Mutex<Vec<String>>>,
}

impl Run<'_> {
    /// `n` direct PUTs of the photos in turn, under keys tagged `tag`.
    async fn put_direct(&mut self, tag: &str, n: usize) -> anyhow::Result<Outcome> {
        let (store, photos) = (Arc::clone(&self.store), Arc::clone(&self.photos));
        let keys: Arc<Vec<Path>> = Arc::new(
            (0..n)
                .map(|i| {
                    direct::bench_key(
                        &format!("{}{tag}", self.run_id),
                        i,
                        &photos[i % photos.len()],
                    )
                })
                .collect(),
        );
        self.direct_keys.extend(keys.iter().cloned());
        load::run(self.s.concurrency, Budget::Requests(n), move |i| {
            let (store, photos, keys) =
                (Arc::clone(&store), Arc::clone(&photos), Arc::clone(&keys));
            async move { direct::put(&store, &keys[i], &photos[i % photos.len()]).await }
        })
        .await
    }

    /// `n` uploads through album, the photos in turn, in the same order as [`Self::put_direct`].
    async fn upload(&self, n: usize) -> anyhow::Result<Outcome> {
        let (album, photos, uploaded) = (
            self.album.clone(),
            Arc::clone(&self.photos),
            Arc::clone(&self.uploaded),
        );
        load::run(self.s.concurrency, Budget::Requests(n), move |i| {
            let (album, photos, uploaded) =
                (album.clone(), Arc::clone(&photos), Arc::clone(&uploaded));
            async move {
                let photo = &photos[i % photos.len()];
                let url = album.upload(photo).await?;
                uploaded
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push(url);
                Ok(photo.bytes.len() as u64)
            }
        })
        .await
    }

    /// Deletes the direct keys written so far. They stay recorded until the deletes are done,
    /// so that a clean-up cut short (Ctrl-C) is redone by the next one.
    async fn delete_direct(&mut self) -> anyhow::Result<()> {
        let keys = Arc::new(self.direct_keys.clone());
        let (n, store) = (keys.len(), Arc::clone(&self.store));
        let out = load::run_to_end(self.s.concurrency, Budget::Requests(n), move |i| {
            let (store, keys) = (Arc::clone(&store), Arc::clone(&keys));
            async move { direct::delete(&store, &keys[i]).await.map(|()| 0) }
        })
        .await?;
        self.direct_keys.drain(..n);
        if out.errors > 0 {
            eprintln!(
                "! clean-up: {} of {n} direct keys not deleted: {:?}",
                out.errors, out.first_error
            );
        }
        Ok(())
    }

    /// Deletes album's uploads through `POST /applet/album/delete`, and also straight in S3
    /// under the key the URL names (idempotent): a `code:0` from album is no proof that the
    /// object is gone if album maps paths differently. The URLs stay recorded until the
    /// deletes are done, so that a clean-up cut short (Ctrl-C) is redone by the next one.
    async fn delete_uploaded(&self) -> anyhow::Result<()> {
        let urls = self
            .uploaded
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .clone();
        let (n, urls) = (urls.len(), Arc::new(urls));
        if n > 0 {
            eprintln!("· clean-up: deleting {n} album uploads");
        }
        let (album, store, bucket) = (
            self.album.clone(),
            Arc::clone(&self.store),
            self.s.s3.bucket.clone(),
        );
        let out = load::run_to_end(self.s.concurrency, Budget::Requests(n), move |i| {
            let (album, store, urls) = (album.clone(), Arc::clone(&store), Arc::clone(&urls));
            let bucket = bucket.clone();
            async move {
                let url = &urls[i];
                let via_album = album.delete(url).await;
                let via_s3 = match album::key_guess(url, &bucket) {
                    Some(key) => direct::delete(&store, &Path::from(key)).await,
                    None => Err(anyhow::anyhow!("no key in {url}")),
                };
                via_album.or(via_s3).map(|()| 0)
            }
        })
        .await?;
        self.uploaded
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .drain(..n);
        if out.errors > 0 {
            eprintln!(
                "! clean-up: {} of {n} album uploads not deleted: {:?}",
                out.errors, out.first_error
            );
        }
        Ok(())
    }
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}
