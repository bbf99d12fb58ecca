//! The signing routes at full speed against a trivial route of the same process (issue 11,
//! Performance: `upload-form`, `upload-url` and `qc_cos/config` each ≥ 0.7× of it).
//!
//! wrk measures `GET /healthz` before the three routes (the baseline, before any ticket is
//! opened) and after them (a drift check, printed as after/before). Each route is first
//! called once with reqwest (wrk only sees statuses): it is measured anonymously when the
//! album answers that call, and with a session of the session service (`X-WX-Skey`, one login
//! through the stack's WeChat simulator) when it answers 401, as `qc_cos/config` does unless
//! `auth.mode` is `off`. The row says which.
//!
//! Every `upload-form` and `upload-url` call opens a direct-upload ticket in the album's index;
//! nothing is uploaded with them, so the album's checker finds nothing and drops each ticket
//! after its expiry (`upload.direct_expires_secs` + `upload.verify_grace_secs`). Until then it
//! looks at each (a store HEAD 1 s after issue, then every `upload.verify_interval_secs`),
//! in the same process: that work is part of what those routes cost, and it goes on during
//! the phases after them. So `qc_cos/config`, which opens no ticket, runs first.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::album::{Album, encode};
use crate::report::Row;
use crate::wrk::{self, WrkLoad};

/// Each signing route's req/s over the trivial route's (issue 11).
pub const SIGNING_RATIO_GOAL: f64 = 0.7;
/// upload-url throughput goal on two cores, req/s (the bench's first brief).
pub const UPLOAD_URL_GOAL: f64 = 50_000.0;
/// The size `upload-url` is asked to sign (the original's 5 MB limit is above it).
const SIGNED_SIZE: u64 = 262_144;

/// What the phase needs.
pub struct Signing<'a> {
    /// The album under test.
    pub album: &'a Album,
    /// wrk binary.
    pub wrk: &'a Path,
    /// Shape of each wrk run.
    pub load: WrkLoad,
    /// Base URL of the session service that issues the album's logins.
    pub session_url: &'a str,
    /// `cos_path` asked of `qc_cos/config` (inside the album's folder).
    pub cos_path: &'a str,
}

/// A route to measure, and how to tell a real answer from a refusal.
struct Route {
    what: &'static str,
    path: String,
    signed: fn(&Value) -> bool,
}

fn routes(cos_path: &str) -> [Route; 3] {
    [
        Route {
            what: "GET qc_cos/config",
            path: format!("/applet/album/qc_cos/config?cos_path={}", encode(cos_path)),
            signed: |v| v["sign"].as_str().is_some_and(|sign| !sign.is_empty()),
        },
        Route {
            what: "GET upload-form",
            path: "/applet/album/upload-form?contentType=image/jpeg".to_owned(),
            signed: |v| v["code"] == 0 && v["data"]["fields"].is_object(),
        },
        Route {
            what: "GET upload-url",
            path: format!("/applet/album/upload-url?contentType=image/jpeg&size={SIGNED_SIZE}"),
            signed: |v| v["code"] == 0 && v["data"]["method"] == "PUT",
        },
    ]
}

/// Measures `/healthz`, the three routes and `/healthz` again; pushes their rows and each
/// route's ratio to the first `/healthz` to `summary`.
///
/// # Errors
/// Only when the wrk task panics (a route that cannot be measured gets a skipped row).
pub async fn measure(
    s: &Signing<'_>,
    rows: &mut Vec<Row>,
    summary: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut skey: Option<String> = None;
    let before = run_wrk(s, "/healthz", Vec::new(), "GET /healthz (before)").await?;
    let mut measured = Vec::new();
    for route in routes(s.cos_path) {
        let headers = match credentials(s, &route, &mut skey).await {
            Ok(headers) => headers,
            Err(e) => {
                let row = Row::skipped(route.what, "wrk", &format!("{e:#}"));
                measured.push((route.what, row));
                continue;
            }
        };
        let how = if headers.is_empty() {
            "anonymous"
        } else {
            "X-WX-Skey (401 without a login)"
        };
        let row = run_wrk(s, &route.path, headers, route.what).await?;
        measured.push((route.what, row.with_note(how)));
    }
    let after = run_wrk(s, "/healthz", Vec::new(), "GET /healthz (after)").await?;
    let baseline = before.per_sec;
    rows.push(before);
    for (what, mut row) in measured {
        match (row.per_sec, baseline) {
            (Some(route), Some(base)) if base > 0.0 => {
                let ratio = route / base;
                let verdict = if ratio >= SIGNING_RATIO_GOAL {
                    "meets"
                } else {
                    "below"
                };
                row = row.with_note(&format!("{ratio:.2}× /healthz"));
                summary.push(format!(
                    "{what}: {route:.0} req/s vs /healthz {base:.0} req/s = {ratio:.2}× \
                     ({verdict} goal ≥ {SIGNING_RATIO_GOAL}×)"
                ));
            }
            _ => summary.push(format!("{what}: not measured, no ratio")),
        }
        if what == "GET upload-url" {
            row = row.with_note(&format!("goal ≥ {UPLOAD_URL_GOAL:.0} req/s"));
        }
        rows.push(row);
    }
    let drift = match (after.per_sec, baseline) {
        (Some(after), Some(base)) if base > 0.0 => format!("after/before = {:.2}", after / base),
        _ => "no drift check".to_owned(),
    };
    rows.push(after.with_note(&drift));
    Ok(())
}

/// The headers `route` is measured with: none when it answers anonymously, `X-WX-Skey` when
/// it answers 401 without (logging in once, on first need).
async fn credentials(
    s: &Signing<'_>,
    route: &Route,
    skey: &mut Option<String>,
) -> anyhow::Result<Vec<(String, String)>> {
    match s.album.get_json(&route.path, &[]).await? {
        Ok(body) if (route.signed)(&body) => return Ok(Vec::new()),
        Ok(body) => bail!("unexpected answer {body}"),
        Err(status) if status == reqwest::StatusCode::UNAUTHORIZED => {}
        Err(status) => bail!("answered HTTP {status}"),
    }
    let skey = match skey {
        Some(skey) => skey.clone(),
        None => skey.insert(login(s.session_url).await?).clone(),
    };
    let headers = vec![("X-WX-Skey".to_owned(), skey)];
    match s.album.get_json(&route.path, &headers).await? {
        Ok(body) if (route.signed)(&body) => Ok(headers),
        Ok(body) => bail!("unexpected answer with a login {body}"),
        Err(status) => bail!("answered HTTP {status} with a login"),
    }
}

/// A modern login (`GET /applet/session/login`, `X-WX-Code`) of a new bench user through the
/// session service; its skey. The session expires by itself.
async fn login(session_url: &str) -> anyhow::Result<String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let code = format!("album-bench-{}-{nanos}", std::process::id());
    let url = format!("{}/applet/session/login", session_url.trim_end_matches('/'));
    let body: Value = reqwest::Client::new()
        .get(&url)
        .header("X-WX-Code", code)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .with_context(|| format!("logging in at {url}"))?
        .json()
        .await
        .context("login reply is not JSON")?;
    body["data"]["skey"]
        .as_str()
        .filter(|skey| !skey.is_empty())
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "login at {url} answered without data.skey: code {}",
                body["code"]
            )
        })
}

async fn run_wrk(
    s: &Signing<'_>,
    path: &str,
    headers: Vec<(String, String)>,
    what: &str,
) -> anyhow::Result<Row> {
    eprintln!("· wrk {what} ({:?})", s.load.duration);
    let (bin, url, load) = (s.wrk.to_owned(), s.album.url(path), s.load);
    let report =
        tokio::task::spawn_blocking(move || wrk::run_with_headers(&bin, &url, load, &headers))
            .await
            .context("wrk task panicked")?;
    Ok(match report {
        Ok(report) => Row::from_wrk(what, &report),
        Err(e) => Row::skipped(what, "wrk", &format!("{e:#}")),
    })
}
