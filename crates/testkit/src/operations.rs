//! What the operations tests of every service share: a service binary run with a clean
//! environment (strict configuration, `--check-config`), and `/metrics` read as sample lines.

use std::process::Command;

/// What a finished binary left: success, stdout, stderr.
#[derive(Debug)]
pub struct Run {
    /// Exit status 0.
    pub ok: bool,
    /// Everything it printed to stdout.
    pub stdout: String,
    /// Everything it printed to stderr.
    pub stderr: String,
}

/// Run the binary at `path` (`env!("CARGO_BIN_EXE_…")`) with `args` and only `vars` in its
/// environment (no stray `RUST_BACKTRACE`, no settings of the shell running the tests), until
/// it exits.
pub fn run_binary(path: &str, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let output = Command::new(path)
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("running {path}: {error}"));
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `GET {base}/metrics` (asserting 200) and its sample lines that start with `prefix` (no
/// `# HELP` / `# TYPE` lines), in the exposition's order.
pub async fn metric_samples(http: &reqwest::Client, base: &str, prefix: &str) -> Vec<String> {
    let response = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {base}/metrics: {error}"));
    assert_eq!(response.status().as_u16(), 200, "GET {base}/metrics");
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .filter(|line| line.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// `GET url`, with `X-Request-Id: sent` when given; the `X-Request-Id` of the response.
pub async fn request_id_of(
    http: &reqwest::Client,
    url: &str,
    sent: Option<&str>,
) -> Option<String> {
    let mut request = http.get(url);
    if let Some(id) = sent {
        request = request.header("X-Request-Id", id);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let id = response.headers().get("x-request-id")?.to_str().ok()?;
    Some(id.to_owned())
}

/// Whether `id` has the shape of a request id the services make (32 hex digits, as nginx's).
pub fn is_made_request_id(id: Option<&str>) -> bool {
    id.is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}
