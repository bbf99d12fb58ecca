//! Tickets due together are looked at with one S3 listing (`prefix`, `start-after`,
//! `max-keys`) rather than a `HEAD` each: on SeaweedFS, the listing tells present keys from
//! absent ones exactly, and a burst of tickets with two of them used lists exactly those two.

use std::time::SystemTime;

use album::{
    index::{Index, MemoryIndex},
    storage::{Storage, Stored},
    verify::millis,
};

use crate::{
    direct::{put, sign},
    helpers::{photo, spawn_app},
};

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_listing_tells_present_keys_from_absent_ones() {
    let app = spawn_app(|_| {}).await;
    let storage = Storage::from_settings(
        &app.settings,
        &Index::Memory(MemoryIndex::new()),
        Stored::registered(&prometheus::Registry::new()).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let p = &app.prefix;
    // Present: two ticket keys, plus images before, between and after them that no ticket
    // names (and one in a subfolder, which sorts among them).
    for key in [
        format!("{p}1700000000999-zz.jpg"),
        format!("{p}1700000001000-a.jpg"),
        format!("{p}1700000001000-b.jpg"),
        format!("{p}1700000001005-c.jpg"),
        format!("{p}1700000001004-sub/x.jpg"),
        format!("{p}1700000002000-z.jpg"),
    ] {
        app.put_raw(&key, JPEG).await;
    }
    let keys = [
        format!("{p}1700000001000-a.jpg"),
        format!("{p}1700000001000-aa.jpg"),
        format!("{p}1700000001003-m.jpg"),
        format!("{p}1700000001005-c.jpg"),
        format!("{p}1700000001009-y.jpg"),
    ];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut absent: Vec<String> = storage
        .absent_among(&keys)
        .await
        .unwrap_or_else(|| panic!("S3 lists by key range"))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .collect();
    absent.sort();
    assert_eq!(
        absent,
        vec![
            format!("{p}1700000001000-aa.jpg"),
            format!("{p}1700000001003-m.jpg"),
            format!("{p}1700000001009-y.jpg"),
        ]
    );
    // One key alone: its own listing.
    let alone = storage
        .absent_among(&[keys[0]])
        .await
        .unwrap_or_else(|| panic!("S3 lists by key range"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(alone.is_empty(), "{alone:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_tickets_with_two_used_lists_those_two() {
    let app = spawn_app(|_| {}).await;
    let bytes = photo("chelsea.png");
    let mut signed = Vec::new();
    for _ in 0..12 {
        signed.push(sign(&app, "image/png", bytes.len()).await);
    }
    for used in [&signed[3], &signed[10]] {
        assert_eq!(put(&app, &used.upload_url, used, bytes.clone()).await, 200);
    }
    // The first check of every ticket is due within the next 1.1 s of the test's clock.
    let checked = app
        .checker
        .pass(millis(SystemTime::now()) + 1_100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked, 12);
    let mut listed = app.list().await;
    listed.sort();
    let mut expected = vec![signed[3].img_url.clone(), signed[10].img_url.clone()];
    expected.sort();
    assert_eq!(listed, expected);
}
