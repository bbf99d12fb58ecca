//! The `wecos` binary: version, configuration errors (the original messages, exit status 1,
//! nothing changed), `--dry-run` (a plan, nothing changed, no store contacted) and an
//! unreachable store (exit status 2, package unchanged).

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Output},
};

fn wecos(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wecos"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("running wecos: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `root` with its bytes.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.path().display().to_string(), bytes)
        })
        .collect()
}

/// A package copied from the fixtures plus a config using an S3 endpoint at `endpoint`.
fn package(endpoint: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/miniapp");
    for entry in walkdir::WalkDir::new(&fixtures)
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(relative) = entry.path().strip_prefix(&fixtures) else {
            continue;
        };
        let target = dir.path().join("app").join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let config = format!(
        r#"{{
  "appDir": "./app",
  "uploadFileBlackList": ["./app/images/ignored", "./app/images/keep.gif"],
  "watch": false,
  "cos": {{ "secret_id": "AKIDtest", "secret_key": "wecos-cli-test-secret", "region": "us-east-1",
           "bucket": "album", "folder": "/cli/", "endpoint": "{endpoint}", "timeout_secs": 2,
           "max_retries": 0 }}
}}"#
    );
    std::fs::write(dir.path().join("wecos.config.json"), config).unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn version_prints_name_and_version() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for flag in ["-v", "--version"] {
        let out = wecos(dir.path(), &[flag]);
        assert!(out.status.success());
        assert_eq!(
            text(&out.stdout).trim(),
            format!("wecos {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn a_missing_or_malformed_config_fails_with_the_original_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = wecos(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("need file wecos.config.json"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(dir.path().join("wecos.config.json"), "{ appDir: ")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = wecos(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("wecos.config.json is not JSON format!"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(
        dir.path().join("wecos.config.json"),
        "{ appDir: './nowhere' }",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = wecos(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("appDir is not exist"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    // Nothing listens there: a dry run must not need the store.
    let dir = package("http://127.0.0.1:9");
    let before = snapshot(dir.path());
    let out = wecos(dir.path(), &["--dry-run"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "would upload images/猫 咪.jpg -> http://127.0.0.1:9/album/cli/images/%E7%8C%AB%20%E5%92%AA.jpg"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("would rewrite pages/index/index.wxml (4 references)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("would move images/logo.png to the backup folder"),
        "{stdout}"
    );
    assert!(
        stdout.contains("dry run: 4 uploaded, 0 unchanged, 0 failed; 3 pages rewritten"),
        "{stdout}"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "nothing changed, no map written"
    );
}

#[test]
fn an_unreachable_store_exits_2_and_changes_nothing() {
    let dir = package("http://127.0.0.1:9");
    let before = snapshot(dir.path());
    let out = wecos(dir.path(), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("images/logo.png: uploading"), "{stderr}");
    assert!(
        !stderr.contains("wecos-cli-test-secret"),
        "the secret never shows"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "nothing changed, no map written"
    );
}
