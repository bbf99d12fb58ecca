//! The `cos` object: both generations' keys, buckets, regions, endpoints and folders.

use super::{err, ok, project, v2};
use weapp_common::cos::v5_region;

#[test]
fn user_cos_replaces_the_default_and_keys_are_checked_in_order() {
    let dir = project();
    let steps = [
        ("", "secret_id"),
        (r#""secret_id": "id","#, "secret_key"),
        (r#""secret_id": "id", "secret_key": "","#, "secret_key"),
        (r#""secret_id": "id", "secret_key": "k","#, "region"),
    ];
    for (cos, key) in steps {
        let e = err(&format!(r#"{{"cos": {{ {cos} }}}}"#), dir.path());
        assert_eq!(e, format!(r#"option "cos.{key}" need in config!"#));
    }
}

#[test]
fn missing_bucket_gives_the_format_hint() {
    let dir = project();
    let hint = r#"option "cos.bucket" need in config! format as "test-1251902136""#;
    let base = r#""secret_id": "id", "secret_key": "k", "region": "ap-guangzhou","#;
    for extra in ["", r#""bucketname": "wxapp","#, r#""appid": "1251902136","#] {
        let e = err(&format!(r#"{{"cos": {{ {base} {extra} }}}}"#), dir.path());
        assert_eq!(e, hint);
    }
}

#[test]
fn cos_bucket_must_be_name_dash_appid() {
    let dir = project();
    let hint = r#"option "cos.bucket" need in config! format as "test-1251902136""#;
    for bucket in [
        "wxapp",
        "wxapp-",
        "-1251902136",
        "WxApp-1",
        "wx app-1",
        "wxapp-12a",
    ] {
        let e = err(&v2("", &format!(r#""bucket": "{bucket}","#)), dir.path());
        assert_eq!(e, hint, "{bucket}");
    }
}

#[test]
fn v1_cos_form_builds_the_bucket_and_maps_the_region() {
    let dir = project();
    for appid in ["\"1251902136\"", "1251902136"] {
        let text = format!(
            r#"{{"cos": {{"appid": {appid}, "bucketname": "wxapp", "folder": "/photos/",
                "region": "gz", "secret_key": "k", "secret_id": "id"}}}}"#
        );
        let c = ok(&text, dir.path());
        assert_eq!(c.cos.bucket, "wxapp-1251902136");
        assert_eq!(c.cos.region, "ap-guangzhou");
        assert_eq!(c.cos.folder, "photos/");
    }
}

#[test]
fn v2_bucket_wins_over_bucketname_and_appid() {
    let dir = project();
    let c = ok(&v2("", r#""bucketname": "old", "appid": "1","#), dir.path());
    assert_eq!(c.cos.bucket, "wxapp-1251902136");
}

#[test]
fn short_regions_map_to_v5_names() {
    let table = [
        ("gz", "ap-guangzhou"),
        ("sh", "ap-shanghai"),
        ("tj", "ap-beijing-1"),
        ("bj", "ap-beijing"),
        ("cd", "ap-chengdu"),
        ("sgp", "ap-singapore"),
        ("hk", "ap-hongkong"),
        ("ca", "na-toronto"),
        ("ger", "eu-frankfurt"),
        ("cn-north", "ap-beijing-1"),
        ("cn-east", "ap-shanghai"),
        ("cn-south", "ap-guangzhou"),
        ("cn-southwest", "ap-chengdu"),
        ("wx", "wx"),
        ("ap-guangzhou", "ap-guangzhou"),
    ];
    for (v1, v5) in table {
        assert_eq!(v5_region(v1), v5);
    }
}

#[test]
fn cos_region_must_fit_a_host_name() {
    let dir = project();
    let e = err(&v2("", r#""region": "Ap Guangzhou","#), dir.path());
    assert!(
        e.starts_with(r#"option "cos.region" must be lowercase"#),
        "{e}"
    );
}

#[test]
fn endpoint_accepts_any_bucket_and_defaults_to_path_style() {
    let dir = project();
    let cos = r#""endpoint": "http://127.0.0.1:8333/", "bucket": "Photos", "region": "gz","#;
    let c = ok(&v2("", cos), dir.path());
    assert_eq!(c.cos.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
    assert_eq!(
        (c.cos.bucket.as_str(), c.cos.region.as_str()),
        ("Photos", "gz")
    );
    assert!(c.cos.path_style);
    let c = ok(
        &v2(
            "",
            r#""endpoint": "https://s3.example", "path_style": false,"#,
        ),
        dir.path(),
    );
    assert!(!c.cos.path_style);
    let c = ok(
        &v2("", r#""endpoint": "", "path_style": true,"#),
        dir.path(),
    );
    assert_eq!(c.cos.endpoint, None);
    assert!(c.cos.path_style);
}

#[test]
fn invalid_endpoint_is_rejected() {
    let dir = project();
    for url in [
        "ftp://host",
        "not a url",
        "http://host/path",
        "http://u:p@host",
        "http://h?q",
    ] {
        let e = err(&v2("", &format!(r#""endpoint": "{url}","#)), dir.path());
        assert!(
            e.starts_with(r#"option "cos.endpoint" must be an http(s) URL"#),
            "{e}"
        );
    }
}

#[test]
fn folder_is_normalized() {
    let dir = project();
    let cases = [
        ("\"/\"", ""),
        ("\"\"", ""),
        ("null", ""),
        ("\"photos\"", "photos/"),
        ("\"/photos/\"", "photos/"),
        ("\"a//b/\"", "a/b/"),
    ];
    for (folder, want) in cases {
        let c = ok(&v2("", &format!(r#""folder": {folder},"#)), dir.path());
        assert_eq!(c.cos.folder, want, "{folder}");
    }
}

#[test]
fn folder_dot_segments_are_rejected() {
    let dir = project();
    for folder in ["../up", "a/./b"] {
        let e = err(&v2("", &format!(r#""folder": "{folder}","#)), dir.path());
        assert_eq!(
            e,
            r#"option "cos.folder" must not contain "." or ".." segments"#
        );
    }
}
