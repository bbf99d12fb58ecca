//! Unit tests of [`super`].

use std::path::Path;

use object_store::memory::InMemory;

use super::*;

fn write(root: &Path, relative: &str, contents: &[u8]) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn hosts_are_swapped_and_uploads_point_at_the_target_host() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    write(root, "app/images/x.png", b"\x89PNG x");
    write(
        root,
        "app/pages/a.wxml",
        b"<image src=\"http://old.example.com/a.png\"/>\n<image src=\"/images/x.png\"/>\n\
          <view style=\"background-image: url(http://old.example.com/bg.png)\"/>\n",
    );
    let config = crate::config::parse(
        r#"{ appDir: "./app", watch: false, replaceHost: "http://old.example.com",
             targetHost: "cdn.example.com",
             cos: { secret_id: "id", secret_key: "key", region: "us-east-1", bucket: "b",
                    endpoint: "http://127.0.0.1:9" } }"#,
        root,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let store = Store::new(Arc::new(InMemory::new()), "", "https://b.example.com");
    let report = run_once(&config, &store, Options::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.pages, [("pages/a.wxml".to_owned(), 3)]);
    let page = std::fs::read_to_string(root.join("app/pages/a.wxml"));
    assert_eq!(
        page.ok().as_deref(),
        Some(
            "<image src=\"http://cdn.example.com/a.png\"/>\n\
             <image src=\"https://cdn.example.com/images/x.png\"/>\n\
             <view style=\"background-image: url(http://cdn.example.com/bg.png)\"/>\n"
        )
    );
    assert!(root.join("wecos_backup/images/x.png").exists());
    assert!(!root.join("app/images/x.png").exists());
}
