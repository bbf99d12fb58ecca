//! The list-scale phase: latency of the first `/list` page with the album holding 1,000 and
//! then 20,000 images (issue 11, "Lists that stay fast": the larger within 1.5× of the
//! smaller).
//!
//! The album is filled honestly, through its own `POST /applet/album/upload` (so every image
//! is in the store *and* in the album's index, listed as a client sees it), with a 68-byte
//! PNG, at the bench's concurrency. Then it goes back down: the newest images are deleted
//! through album until it holds the smaller size again, which is measured a second time, so
//! that the sizes are measured in A-B-A order and a drift of the (shared) machine during the
//! phase hits both alike; the ratio compares the largest size with both runs of the smallest
//! merged. Before each measurement the bench pages through the whole album (`after=`
//! cursors) and counts what it lists. The images it uploaded and has not deleted are in
//! `uploaded`, which the caller deletes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use crate::album::Album;
use crate::load::{self, Budget, Outcome};
use crate::photos;
use crate::report::{Row, fmt_duration};

/// Most the first page's latency may grow from the smallest to the largest album (issue 11).
pub const SCALE_GOAL: f64 = 1.5;
/// Fill rounds per size: a round uploads what is missing, then counts again (uploads that
/// failed, or images another client deleted meanwhile, are made up in the next round).
const FILL_ROUNDS: usize = 3;
/// Unmeasured list requests per worker before each measurement.
const WARMUP_PER_WORKER: usize = 4;

/// What the phase needs.
pub struct Scale<'a> {
    /// The album under test.
    pub album: &'a Album,
    /// Album sizes to measure at, ascending (e.g. 1,000 and 20,000).
    pub sizes: &'a [usize],
    /// Requests in flight, for the uploads and for the list load.
    pub concurrency: usize,
    /// How long each list measurement runs.
    pub list_time: Duration,
    /// imgUrl of every image the bench uploaded and not yet deleted (the caller deletes them).
    pub uploaded: Arc<Mutex<Vec<String>>>,
}

const TOOL: &str = "album-bench (reqwest)";

/// Fills the album to each size in turn and measures the first page there; pushes one row per
/// fill and per size, and the ratio line to `summary`.
///
/// # Errors
/// The album cannot be listed at all (single failed uploads and list requests are counted).
pub async fn measure(
    s: &Scale<'_>,
    rows: &mut Vec<Row>,
    summary: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut listed = s.album.count().await.context("counting the album")?;
    eprintln!("· list scale: the album lists {listed} images before the bench");
    // (size, images the bench had uploaded then, first page at that size)
    let mut measured: Vec<(usize, usize, Outcome)> = Vec::new();
    for &size in s.sizes {
        let what = format!("GET list, first page, {size} images");
        if listed > size {
            rows.push(Row::skipped(
                &what,
                TOOL,
                &format!("album already lists {listed}"),
            ));
            continue;
        }
        listed = fill(s, size, listed, rows).await?;
        if listed < size {
            rows.push(Row::skipped(
                &what,
                TOOL,
                &format!("album lists only {listed} after {FILL_ROUNDS} fill rounds"),
            ));
            continue;
        }
        eprintln!(
            "· list scale: GET list at {listed} images for {:?} at concurrency {}",
            s.list_time, s.concurrency
        );
        let page = first_page(s).await?;
        let note = format!("{listed} listed (counted page by page)");
        rows.push(Row::from_outcome(&what, TOOL, &page, false).with_note(&note));
        measured.push((listed, uploaded_len(s)?, page));
    }
    let Some((large_n, _, large)) = measured.pop() else {
        return Ok(());
    };
    // Back down, newest first: each smaller size once more.
    let mut again = None;
    for (size, mark, _) in measured.iter().rev() {
        eprintln!("· list scale: deleting the newest images to return to {size}");
        delete_newest(s, *mark).await?;
        let listed = s.album.count().await.context("counting the album")?;
        let what = format!("GET list, first page, {size} images, again");
        if listed != *size {
            rows.push(Row::skipped(
                &what,
                TOOL,
                &format!("album lists {listed} after the deletes"),
            ));
            again = None;
            continue;
        }
        eprintln!("· list scale: GET list at {listed} images again");
        let page = first_page(s).await?;
        let note = format!("{listed} listed (counted page by page)");
        rows.push(Row::from_outcome(&what, TOOL, &page, false).with_note(&note));
        again = Some(page);
    }
    if let Some((small_n, _, small)) = measured.into_iter().next() {
        let (small, runs) = match again {
            Some(page) => (small.merge(page)?, "both runs"),
            None => (small, "one run"),
        };
        let line = ratio_line(small_n, &small, runs, large_n, &large);
        if let Some(row) = rows.last_mut() {
            *row = std::mem::take(row).with_note(&line);
        }
        summary.push(line);
    }
    Ok(())
}

fn uploaded_len(s: &Scale<'_>) -> anyhow::Result<usize> {
    Ok(s.uploaded
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .len())
}

/// Deletes through album the images the bench uploaded after the first `keep`; those whose
/// delete failed stay recorded (for the caller's clean-up).
async fn delete_newest(s: &Scale<'_>, keep: usize) -> anyhow::Result<()> {
    let urls: Arc<Vec<String>> = Arc::new(
        s.uploaded
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .get(keep..)
            .unwrap_or_default()
            .to_vec(),
    );
    let failed = Arc::new(Mutex::new(Vec::new()));
    let (album, todo, undone) = (s.album.clone(), Arc::clone(&urls), Arc::clone(&failed));
    load::run(s.concurrency, Budget::Requests(urls.len()), move |i| {
        let (album, todo, undone) = (album.clone(), Arc::clone(&todo), Arc::clone(&undone));
        async move {
            let deleted = album.delete(&todo[i]).await;
            if deleted.is_err() {
                undone
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push(todo[i].clone());
            }
            deleted.map(|()| 0)
        }
    })
    .await?;
    let failed = std::mem::take(&mut *failed.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let mut uploaded = s.uploaded.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    uploaded.truncate(keep);
    uploaded.extend(failed);
    Ok(())
}

/// Uploads one-pixel PNGs until the album lists `size` images (or [`FILL_ROUNDS`] rounds
/// pass); returns the final count.
async fn fill(
    s: &Scale<'_>,
    size: usize,
    mut listed: usize,
    rows: &mut Vec<Row>,
) -> anyhow::Result<usize> {
    let mut total: Option<Outcome> = None;
    for _ in 0..FILL_ROUNDS {
        if listed >= size {
            break;
        }
        let missing = size - listed;
        eprintln!("· list scale: uploading {missing} one-pixel PNGs through album to reach {size}");
        let out = upload_many(s, missing).await?;
        total = Some(match total {
            Some(before) => before.merge(out)?,
            None => out,
        });
        listed = s.album.count().await.context("counting the album")?;
    }
    if let Some(out) = total {
        let row = Row::from_outcome(
            &format!("fill to {size}: upload 68-byte PNG"),
            TOOL,
            &out,
            false,
        );
        rows.push(row.with_note(&format!("then {listed} listed")));
    }
    Ok(listed)
}

/// `n` uploads of the one-pixel PNG through album, each recorded in `uploaded`.
async fn upload_many(s: &Scale<'_>, n: usize) -> anyhow::Result<Outcome> {
    let (album, uploaded, photo) = (
        s.album.clone(),
        Arc::clone(&s.uploaded),
        photos::one_pixel_png(),
    );
    load::run(s.concurrency, Budget::Requests(n), move |_| {
        let (album, uploaded, photo) = (album.clone(), Arc::clone(&uploaded), photo.clone());
        async move {
            let url = album.upload(&photo).await?;
            uploaded
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .push(url);
            Ok(photo.bytes.len() as u64)
        }
    })
    .await
}

/// The first page under load for `list_time`, after a short unmeasured warm-up.
async fn first_page(s: &Scale<'_>) -> anyhow::Result<Outcome> {
    let list = |album: Album| {
        move |_| {
            let album = album.clone();
            async move { album.list().await.map(|(_, bytes)| bytes) }
        }
    };
    let warmup = Budget::Requests(s.concurrency * WARMUP_PER_WORKER);
    load::run(s.concurrency, warmup, list(s.album.clone())).await?;
    load::run(
        s.concurrency,
        Budget::Time(s.list_time),
        list(s.album.clone()),
    )
    .await
}

/// `list first page at 20000 vs 1000 images (both runs): p50 1.10ms vs 1.05ms = ×1.05 (meets
/// goal ≤ ×1.5), p99 …`.
fn ratio_line(
    small_n: usize,
    small: &Outcome,
    runs: &str,
    large_n: usize,
    large: &Outcome,
) -> String {
    let quantile = |q: f64, name: &str| match (small.latency(q), large.latency(q)) {
        (Some(a), Some(b)) if !a.is_zero() => {
            let ratio = b.as_secs_f64() / a.as_secs_f64();
            let verdict = if ratio <= SCALE_GOAL {
                "meets"
            } else {
                "above"
            };
            format!(
                "{name} {} vs {} = ×{ratio:.2} ({verdict} goal ≤ ×{SCALE_GOAL})",
                fmt_duration(b),
                fmt_duration(a)
            )
        }
        _ => format!("{name} not measured"),
    };
    format!(
        "list first page at {large_n} vs {small_n} images ({runs}): {}, {}",
        quantile(0.50, "p50"),
        quantile(0.99, "p99")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(latency_us: u64) -> Outcome {
        let mut histogram = hdrhistogram::Histogram::new(3).expect("histogram");
        histogram.record(latency_us).expect("recorded");
        Outcome {
            ok: 1,
            errors: 0,
            first_error: None,
            bytes: 0,
            elapsed: Duration::from_secs(1),
            latency_us: histogram,
        }
    }

    #[test]
    fn the_ratio_line_compares_the_largest_with_the_smallest() {
        let (small, large) = (outcome(10_000), outcome(20_000));
        let line = ratio_line(1000, &small, "both runs", 20000, &large);
        assert!(
            line.starts_with("list first page at 20000 vs 1000 images (both runs): p50 "),
            "{line}"
        );
        assert!(line.contains("= ×2.00 (above goal ≤ ×1.5)"), "{line}");
        let line = ratio_line(1000, &large, "one run", 20000, &small);
        assert!(line.contains("= ×0.50 (meets goal ≤ ×1.5)"), "{line}");
    }
}
