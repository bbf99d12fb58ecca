//! wecos on the fixture package (`tests/fixtures/`) against the real S3 server of the local
//! stack (SeaweedFS; `WEAPP_TEST_S3_*` or `.run/s3-credentials.env`): rewritten pages byte for
//! byte, the backup tree, uploaded objects identical to the originals, idempotent re-runs,
//! watch mode, compression and an unreachable store.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::TryStreamExt;
use object_store::{Attribute, ObjectStore, ObjectStoreExt, aws::AmazonS3, path::Path as Key};
use weapp_testkit::{S3Target, random_name};
use wecos::{
    config::{self, Config},
    run::{self, Options, Outcome, Report},
    store::Store,
    watch,
};

/// The images of the fixture package wecos uploads (app-relative, sorted).
const UPLOADED: [&str; 4] = [
    "components/card/card bg.png",
    "images/logo.png",
    "images/猫 咪.jpg",
    "pages/index/icon.png",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every file under `root`, app-relative, with its bytes.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        if entry.file_type().is_file() {
            let relative = wecos::scan::relative(root, entry.path())
                .unwrap_or_else(|| panic!("{}", entry.path().display()));
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            out.insert(relative, bytes);
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (relative, bytes) in files(from) {
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(target, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A copy of the fixture package in a temporary folder, its config, and the test's own key
/// prefix on the S3 server (deleted on drop).
struct Package {
    dir: tempfile::TempDir,
    target: S3Target,
    s3: std::sync::Arc<AmazonS3>,
    folder: String,
}

impl Package {
    /// `extra` is spliced into the config object (JSON5: comments and trailing commas are fine).
    fn new(extra: &str) -> Self {
        let target = S3Target::from_env();
        assert!(
            target.has_credentials(),
            "no S3 credentials: start the stack (scripts/up) or set WEAPP_TEST_S3_*"
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        copy_tree(&fixtures().join("miniapp"), &dir.path().join("app"));
        let folder = format!("wecos-{}/", random_name(10));
        let package = Self {
            s3: target.client(),
            dir,
            target,
            folder,
        };
        package.write_config(extra);
        package
    }

    fn write_config(&self, extra: &str) {
        let t = &self.target;
        let text = format!(
            r#"{{
  // As the original README shows it, plus an S3 endpoint.
  appDir: './app',
  backupDir: './wecos_backup',
  uploadFileBlackList: ['./app/images/ignored', './app/images/keep.gif',],
  watch: false,
  cos: {{
    secret_id: "{}",
    secret_key: "{}",
    region: "{}",
    bucket: "{}",
    folder: "/{}",
    endpoint: "{}",
    max_retries: 0,
  }},
  {extra}
}}
"#,
            t.access_key, t.secret_key, t.region, t.bucket, self.folder, t.endpoint
        );
        std::fs::write(self.config_path(), text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("wecos.config.json")
    }

    fn app(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    fn config(&self) -> Config {
        config::load(&self.config_path()).unwrap_or_else(|e| panic!("{e}"))
    }

    async fn run(&self) -> Report {
        let config = self.config();
        let store = Store::from_config(&config.cos).unwrap_or_else(|e| panic!("{e:#}"));
        run::run_once(&config, &store, Options::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The URL prefix of the test's folder (what `@BASE@` stands for).
    fn base_url(&self) -> String {
        let folder = self.folder.trim_end_matches('/');
        format!("{}/{}/{folder}", self.target.endpoint, self.target.bucket)
    }

    /// The keys under the test's folder.
    async fn keys(&self) -> Vec<Key> {
        let prefix = Key::from(self.folder.trim_end_matches('/'));
        let listed: Vec<_> = self
            .s3
            .list(Some(&prefix))
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        listed.into_iter().map(|meta| meta.location).collect()
    }

    /// The objects under the test's folder: key (without the folder) → bytes and type.
    async fn objects(&self) -> BTreeMap<String, (Vec<u8>, String)> {
        let mut out = BTreeMap::new();
        for location in self.keys().await {
            let got = self
                .s3
                .get(&location)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let content_type = got
                .attributes
                .get(&Attribute::ContentType)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let bytes = got.bytes().await.unwrap_or_else(|e| panic!("{e}"));
            let key = location.as_ref().to_owned();
            let name = key.strip_prefix(&self.folder).unwrap_or(&key).to_owned();
            out.insert(name, (bytes.to_vec(), content_type));
        }
        out
    }

    async fn delete_objects(&self) {
        for location in self.keys().await {
            let _ = self.s3.delete(&location).await;
        }
    }
}

fn uploaded_paths(report: &Report) -> Vec<&str> {
    report
        .images
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Uploaded { .. }))
        .map(|i| i.path.as_str())
        .collect()
}

fn original(relative: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("miniapp").join(relative)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_package_is_uploaded_rewritten_and_backed_up_and_a_rerun_does_nothing() {
    let package = Package::new("");
    let report = package.run().await;
    assert_eq!(report.failed(), 0, "{report:?}");
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(uploaded_paths(&report), UPLOADED);

    // Pages: the expected ones byte for byte, every other file as it was, minus the originals.
    let before = files(&fixtures().join("miniapp"));
    let expected = files(&fixtures().join("expected"));
    let after = files(&package.app());
    let base = package.base_url();
    for (relative, bytes) in &before {
        let now = after.get(relative);
        if UPLOADED.contains(&relative.as_str()) {
            assert_eq!(now, None, "{relative} left the package");
        } else if let Some(page) = expected.get(relative) {
            let page = String::from_utf8_lossy(page).replace("@BASE@", &base);
            let now = now.map(|b| String::from_utf8_lossy(b).into_owned());
            assert_eq!(now.as_deref(), Some(page.as_str()), "{relative}");
        } else {
            assert_eq!(now, Some(bytes), "{relative} is unchanged");
        }
    }
    assert_eq!(after.len(), before.len() - UPLOADED.len());

    // The backup holds exactly the uploaded originals.
    let backup = files(&package.dir.path().join("wecos_backup"));
    let backed_up: Vec<&str> = backup.keys().map(String::as_str).collect();
    assert_eq!(backed_up, UPLOADED);
    for (relative, bytes) in &backup {
        assert_eq!(bytes, &original(relative), "backup of {relative}");
    }

    // The objects are the originals, typed by extension.
    let objects = package.objects().await;
    let keys: Vec<&str> = objects.keys().map(String::as_str).collect();
    assert_eq!(keys, UPLOADED);
    for (relative, (bytes, content_type)) in &objects {
        assert_eq!(bytes, &original(relative), "object {relative}");
        let expected_type = if relative.ends_with(".jpg") {
            "image/jpeg"
        } else {
            "image/png"
        };
        assert_eq!(content_type, expected_type, "{relative}");
    }

    // The rewrite map names every upload.
    let map = wecos::map::RewriteMap::load(&package.dir.path().join("wecos.map.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        map.url("images/猫 咪.jpg"),
        Some(format!("{base}/images/%E7%8C%AB%20%E5%92%AA.jpg").as_str())
    );
    assert_eq!(map.files.len(), UPLOADED.len());

    // A second run finds nothing to do and changes nothing.
    let again = package.run().await;
    assert_eq!(again.uploaded(), 0);
    assert!(again.pages.is_empty(), "{:?}", again.pages);
    assert!(!again.map_written);
    assert!(again.is_clean(), "{:?}", again.problems);
    assert_eq!(files(&package.app()), after);
    package.delete_objects().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_backup_dir_originals_stay_and_only_changed_images_are_uploaded_again() {
    let package = Package::new("backupDir: '',");
    let first = package.run().await;
    assert_eq!(uploaded_paths(&first), UPLOADED);
    for relative in UPLOADED {
        assert!(package.app().join(relative).exists(), "{relative} stays");
    }
    assert!(!package.dir.path().join("wecos_backup").exists());

    let second = package.run().await;
    assert_eq!(second.uploaded(), 0);
    assert_eq!(second.unchanged(), UPLOADED.len());
    assert!(second.pages.is_empty());

    // A changed image is uploaded again, under the same key.
    std::fs::write(package.app().join("images/logo.png"), b"\x89PNG changed")
        .unwrap_or_else(|e| panic!("{e}"));
    let third = package.run().await;
    assert_eq!(uploaded_paths(&third), ["images/logo.png"]);
    let objects = package.objects().await;
    assert_eq!(
        objects.get("images/logo.png").map(|(b, _)| b.as_slice()),
        Some(&b"\x89PNG changed"[..])
    );
    package.delete_objects().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compress_uploads_smaller_images_and_backs_up_the_originals() {
    let package = Package::new("compress: true,");
    let report = package.run().await;
    assert!(report.is_clean(), "{report:?}");
    let objects = package.objects().await;
    let cat = "images/猫 咪.jpg";
    let sent = objects.get(cat).map(|(b, _)| b.clone()).unwrap_or_default();
    assert!(
        !sent.is_empty() && sent.len() < original(cat).len(),
        "{}",
        sent.len()
    );
    assert_eq!(
        image::guess_format(&sent).ok(),
        Some(image::ImageFormat::Jpeg)
    );
    let backup = std::fs::read(package.dir.path().join("wecos_backup").join(cat));
    assert_eq!(backup.ok(), Some(original(cat)));
    package.delete_objects().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_store_leaves_the_package_as_it_was() {
    let package = Package::new("");
    let mut config = package.config();
    // A port nothing listens on.
    config.cos.endpoint = Some("http://127.0.0.1:9".into());
    config.cos.timeout_secs = 2;
    let store = Store::from_config(&config.cos).unwrap_or_else(|e| panic!("{e:#}"));
    let report = run::run_once(&config, &store, Options::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.failed(), UPLOADED.len());
    assert!(!report.is_clean());
    assert_eq!(files(&package.app()), files(&fixtures().join("miniapp")));
    assert!(!package.dir.path().join("wecos_backup").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_mode_uploads_a_new_image_and_points_a_new_page_at_it() {
    let package = Package::new("backupDir: '',");
    let config = package.config();
    let store = Store::from_config(&config.cos).unwrap_or_else(|e| panic!("{e:#}"));
    let (reports_tx, mut reports) = tokio::sync::mpsc::unbounded_channel::<Report>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(async move {
        watch::watch(
            &config,
            &store,
            Options::default(),
            async {
                let _ = stop_rx.await;
            },
            |report| {
                let _ = reports_tx.send(report.clone());
            },
        )
        .await
    });
    let deadline = Duration::from_secs(20);
    let first = tokio::time::timeout(deadline, reports.recv()).await;
    let first = first
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no first pass"));
    assert_eq!(uploaded_paths(&first), UPLOADED);

    // A new image and a page that uses it.
    let new_image = package.app().join("images/new 新.png");
    std::fs::write(&new_image, original("images/logo.png")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        package.app().join("pages/index/new.wxml"),
        "<image src=\"/images/new 新.png\"/>\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The two writes may land in one batch of events or two: wait for the pass that leaves the
    // page pointing at the uploaded image.
    let page_file = package.app().join("pages/index/new.wxml");
    let url = format!("{}/images/new%20%E6%96%B0.png", package.base_url());
    let expected_page = format!("<image src=\"{url}\"/>\n");
    let (mut uploaded, mut clean) = (false, true);
    let settled = tokio::time::timeout(deadline, async {
        while let Some(report) = reports.recv().await {
            uploaded |= uploaded_paths(&report).contains(&"images/new 新.png");
            clean &= report.is_clean();
            let page = std::fs::read_to_string(&page_file).unwrap_or_default();
            if uploaded && page == expected_page {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        settled.ok(),
        Some(true),
        "the new image was uploaded and the page rewritten"
    );
    assert!(clean, "every pass was clean");
    assert!(package.objects().await.contains_key("images/new 新.png"));

    let _ = stop_tx.send(());
    let stopped = tokio::time::timeout(deadline, watcher).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "the watch stops cleanly");
    package.delete_objects().await;
}
