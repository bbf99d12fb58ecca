//! Step 3 of a pass: which images to upload (hashed, compared with the rewrite map) and the
//! upload of one image (compressed first when configured).

use std::path::Path;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::{ImageReport, Outcome, Report};
use crate::{
    compress,
    config::Config,
    map::{Entry, RewriteMap},
    rewrite,
    store::Store,
};

/// One upload's result: the map entry and the bytes sent, or why it failed.
pub(super) type Uploaded = Result<(Entry, u64), String>;

/// An image to upload, by its index in `report.images`.
pub(super) struct Job {
    pub(super) index: usize,
    pub(super) path: String,
}

/// Hash every image (streamed, so memory stays flat however big the package); unchanged ones
/// are reported as such, the rest become jobs. The uploads read the files again, one per
/// upload in flight.
pub(super) fn plan_uploads(
    config: &Config,
    map: &RewriteMap,
    images: &[String],
    report: &mut Report,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for path in images {
        let index = report.images.len();
        let mut image = ImageReport {
            path: path.clone(),
            url: String::new(),
            outcome: Outcome::Unchanged,
            moved: false,
        };
        match file_sha256(&config.app_dir.join(path)) {
            Err(error) => image.outcome = Outcome::Failed(format!("reading: {error}")),
            Ok(sha256) => match map.files.get(path) {
                Some(entry) if entry.sha256 == sha256 => image.url.clone_from(&entry.url),
                _ => jobs.push(Job {
                    index,
                    path: path.clone(),
                }),
            },
        }
        report.images.push(image);
    }
    jobs
}

/// Lowercase hex SHA-256 of the file at `path`, read in chunks.
fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(buffer.get(..n).unwrap_or_default()),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Upload one image (compressed first when configured): its map entry and the bytes sent. The
/// entry's hash is of the bytes read here, so a file changed since the plan is recorded as
/// what was uploaded.
pub(super) async fn upload(config: &Config, store: &Store, job: &Job, dry_run: bool) -> Uploaded {
    let original = tokio::fs::read(config.app_dir.join(&job.path))
        .await
        .map(Bytes::from)
        .map_err(|error| format!("reading: {error}"))?;
    let sha256 = hex::encode(Sha256::digest(&original));
    let size = u64::try_from(original.len()).unwrap_or(u64::MAX);
    let body = if config.compress {
        let bytes = original.clone();
        tokio::task::spawn_blocking(move || compress::compress(&bytes).map(Bytes::from))
            .await
            .ok()
            .flatten()
            .unwrap_or(original)
    } else {
        original
    };
    let sent = u64::try_from(body.len()).unwrap_or(u64::MAX);
    let stored = if dry_run {
        let path = store
            .path_for(&job.path)
            .map_err(|error| format!("not a valid object key: {error}"))?;
        crate::store::Stored {
            url: store.url_for(&path),
            key: path.to_string(),
        }
    } else {
        store
            .put(&job.path, body)
            .await
            .map_err(|error| format!("uploading: {error}"))?
    };
    let entry = Entry {
        url: rewrite::target_url(&stored.url, &config.target_host, &config.replace_host),
        key: stored.key,
        sha256,
        size,
    };
    Ok((entry, sent))
}
