//! Unit tests of [`super`].

use super::*;

mod cos;
mod file;
use secrecy::ExposeSecret;

const SECRET: &str = "TOPSECRETKEY";

/// A project directory holding an empty `app/`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join("app")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// `{ <top> "cos": { <v2 keys> <cos> } }`; `top` and `cos` end with a comma when given.
fn v2(top: &str, cos: &str) -> String {
    format!(
        r#"{{ {top} "cos": {{ "secret_id": "AKIDxxxx", "secret_key": "{SECRET}",
            "region": "ap-guangzhou", "bucket": "wxapp-1251902136", {cos} }} }}"#
    )
}

fn ok(text: &str, base: &Path) -> Config {
    parse(text, base).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str, base: &Path) -> String {
    match parse(text, base) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn defaults_apply_when_only_cos_is_given() {
    let dir = project();
    let c = ok(&v2("", ""), dir.path());
    assert_eq!(c.app_dir, dir.path().join("app"));
    assert_eq!(c.backup_dir, Some(dir.path().join("wecos_backup")));
    assert_eq!(c.upload_file_suffix, [".jpg", ".png", ".gif"]);
    assert!(c.upload_file_black_list.is_empty());
    assert_eq!((c.replace_host.as_str(), c.target_host.as_str()), ("", ""));
    assert!(!c.compress);
    assert!(c.watch);
    assert_eq!(c.concurrency, 6);
    assert_eq!(c.map_file, dir.path().join("wecos.map.json"));
    assert_eq!(c.cos.secret_id, "AKIDxxxx");
    assert_eq!(c.cos.secret_key.expose_secret(), SECRET);
    assert_eq!(c.cos.region, "ap-guangzhou");
    assert_eq!(c.cos.bucket, "wxapp-1251902136");
    assert_eq!(c.cos.folder, "");
    assert_eq!(c.cos.endpoint, None);
    assert!(!c.cos.path_style);
    assert_eq!((c.cos.timeout_secs, c.cos.max_retries), (30, 3));
    let store = crate::store::Store::from_config(&c.cos).unwrap_or_else(|e| panic!("{e:#}"));
    let path = store.path_for("a.png").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.url_for(&path),
        "https://wxapp-1251902136.cos.ap-guangzhou.myqcloud.com/a.png"
    );
}

#[test]
fn null_means_the_default() {
    let dir = project();
    let c = ok(
        &v2(r#""appDir": null, "watch": null, "concurrency": null,"#, ""),
        dir.path(),
    );
    assert_eq!(c.app_dir, dir.path().join("app"));
    assert!(c.watch);
    assert_eq!(c.concurrency, 6);
}

#[test]
fn javascript_expression_syntax_is_accepted() {
    let dir = project();
    let text = "\u{feff}{
        // the README's own example has comments and a trailing comma
        appDir: './app', /* unquoted key, single quotes */
        'compress': true,
        cos: {
            secret_id: 'AKIDxxxx', secret_key: 'k', region: 'ap-guangzhou',
            bucket: 'wxapp-1251902136', folder: '/',
        },
    }";
    let c = ok(text, dir.path());
    assert!(c.compress);
    assert_eq!(c.cos.secret_id, "AKIDxxxx");
}

#[test]
fn unknown_keys_are_ignored() {
    let dir = project();
    let c = ok(
        &v2(r#""appdir": 1, "foo": {},"#, r#""extra": [true],"#),
        dir.path(),
    );
    assert_eq!(c.app_dir, dir.path().join("app"));
}

#[test]
fn missing_app_dir_names_the_resolved_path() {
    let dir = project();
    let e = err(&v2(r#""appDir": "./nope","#, ""), dir.path());
    assert_eq!(
        e,
        format!("appDir is not exist: {}", dir.path().join("nope").display())
    );
    // Checked before `cos`, as the original did.
    assert!(err(r#"{"appDir": "nope"}"#, dir.path()).starts_with("appDir is not exist: "));
}

#[test]
fn app_dir_that_is_a_file_does_not_exist_as_a_directory() {
    let dir = project();
    std::fs::write(dir.path().join("file"), "").unwrap_or_else(|e| panic!("{e}"));
    let e = err(&v2(r#""appDir": "file","#, ""), dir.path());
    assert!(e.starts_with("appDir is not exist: "), "{e}");
}

#[test]
fn missing_or_null_cos_is_reported() {
    let dir = project();
    for text in ["{}", r#"{"cos": null}"#] {
        assert_eq!(err(text, dir.path()), r#"option "cos" need in config!"#);
    }
}

#[test]
fn replace_host_needs_target_host() {
    let dir = project();
    for top in [
        r#""replaceHost": "http://wx-12345678.myqcloud.com","#,
        r#""replaceHost": "http://wx-12345678.myqcloud.com", "targetHost": "","#,
    ] {
        let e = err(&v2(top, ""), dir.path());
        assert_eq!(e, r#"option "targetHost" need in config!"#);
    }
    let top = r#""replaceHost": "http://a.com", "targetHost": "https://example.com","#;
    let c = ok(&v2(top, ""), dir.path());
    assert_eq!(c.target_host, "https://example.com");
}

#[test]
fn suffixes_get_a_leading_dot_and_lose_duplicates() {
    let dir = project();
    let top = r#""uploadFileSuffix": ["jpg", ".png", "webp", ".jpg"],"#;
    let c = ok(&v2(top, ""), dir.path());
    assert_eq!(c.upload_file_suffix, [".jpg", ".png", ".webp"]);
    let c = ok(&v2(r#""uploadFileSuffix": "jpg","#, ""), dir.path());
    assert_eq!(c.upload_file_suffix, [".jpg"]);
}

#[test]
fn empty_suffix_list_or_bare_dot_is_rejected() {
    let dir = project();
    for list in ["[]", r#"[".jpg", "."]"#] {
        let e = err(
            &v2(&format!(r#""uploadFileSuffix": {list},"#), ""),
            dir.path(),
        );
        assert!(
            e.starts_with(r#"option "uploadFileSuffix" must list"#),
            "{e}"
        );
    }
}

#[test]
fn null_or_empty_backup_dir_disables_backup() {
    let dir = project();
    for value in ["null", "\"\""] {
        let c = ok(&v2(&format!(r#""backupDir": {value},"#), ""), dir.path());
        assert_eq!(c.backup_dir, None);
    }
}

#[test]
fn backup_dir_that_is_or_contains_app_dir_is_rejected() {
    let dir = project();
    for backup in ["./app", "app/", "."] {
        let e = err(&v2(&format!(r#""backupDir": "{backup}","#), ""), dir.path());
        assert_eq!(
            e,
            r#"option "backupDir" must not be appDir or a folder containing it"#
        );
    }
    let c = ok(&v2(r#""backupDir": "app/bak","#, ""), dir.path());
    assert_eq!(c.backup_dir, Some(dir.path().join("app").join("bak")));
}

#[test]
fn relative_paths_resolve_against_base_dir() {
    let dir = project();
    std::fs::create_dir_all(dir.path().join("src/app")).unwrap_or_else(|e| panic!("{e}"));
    let top = r#""appDir": "src/app/", "backupDir": "../bak", "mapFile": "./out/map.json","#;
    let c = ok(&v2(top, ""), dir.path());
    assert_eq!(c.app_dir, dir.path().join("src").join("app"));
    assert_eq!(c.backup_dir, Some(dir.path().join("..").join("bak")));
    assert_eq!(c.map_file, dir.path().join("out").join("map.json"));
}

#[test]
fn absolute_paths_are_kept() {
    let dir = project();
    let other = project();
    let app = other.path().join("app");
    let top = format!(r#""appDir": {},"#, Value::from(app.to_string_lossy()));
    assert_eq!(ok(&v2(&top, ""), dir.path()).app_dir, app);
}

#[test]
fn blacklist_entries_are_resolved() {
    let dir = project();
    let top = r#""uploadFileBlackList": ["./app/images/logo.png", "./app/logo/"],"#;
    let c = ok(&v2(top, ""), dir.path());
    let app = dir.path().join("app");
    assert_eq!(
        c.upload_file_black_list,
        [app.join("images").join("logo.png"), app.join("logo")]
    );
    let c = ok(
        &v2(r#""uploadFileBlackList": "app/x.png","#, ""),
        dir.path(),
    );
    assert_eq!(c.upload_file_black_list, [app.join("x.png")]);
}

#[test]
fn debug_output_hides_the_secret_key() {
    let dir = project();
    let debug = format!("{:?}", ok(&v2("", ""), dir.path()));
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}

#[test]
fn errors_never_show_the_secret_key() {
    let dir = project();
    let texts = [
        r#"{"cos": {"secret_id": "id", "secret_key": 987654321}}"#.to_owned(),
        format!(r#"{{"cos": {{"secret_id": "id", "secret_key": "{SECRET}"}}}}"#),
        format!(r#"{{"cos": {{"secret_key": "{SECRET}" "x": 1}}}}"#),
        v2("", r#""bucket": "bad","#),
    ];
    for text in texts {
        let e = err(&text, dir.path());
        assert!(!e.contains(SECRET) && !e.contains("987654321"), "{e}");
    }
}

#[test]
fn wrong_types_name_the_key_and_the_expected_type() {
    let dir = project();
    let cases = [
        (
            r#""compress": "yes","#,
            r#""compress" must be a boolean (true or false), found a string"#,
        ),
        (
            r#""watch": 1,"#,
            r#""watch" must be a boolean (true or false), found 1"#,
        ),
        (
            r#""concurrency": -1,"#,
            r#""concurrency" must be an integer from 1 to 256, found -1"#,
        ),
        (
            r#""concurrency": 0,"#,
            r#""concurrency" must be an integer from 1 to 256, found 0"#,
        ),
        (
            r#""concurrency": 2.5,"#,
            r#""concurrency" must be an integer from 1 to 256, found 2.5"#,
        ),
        (r#""appDir": 5,"#, r#""appDir" must be a string, found 5"#),
        (
            r#""backupDir": false,"#,
            r#""backupDir" must be a string, found false"#,
        ),
        (
            r#""mapFile": [],"#,
            r#""mapFile" must be a string, found an array"#,
        ),
        (
            r#""uploadFileSuffix": [".jpg", 1],"#,
            r#""uploadFileSuffix[1]" must be a non-empty string, found 1"#,
        ),
        (
            r#""uploadFileBlackList": [""],"#,
            r#""uploadFileBlackList[0]" must be a non-empty string, found an empty string"#,
        ),
        (
            r#""uploadFileBlackList": {},"#,
            r#""uploadFileBlackList" must be a non-empty string or an array of them, found an object"#,
        ),
    ];
    for (top, want) in cases {
        assert_eq!(err(&v2(top, ""), dir.path()), format!("option {want}"));
    }
    let cos_cases = [
        (
            r#""timeout_secs": 0,"#,
            r#""cos.timeout_secs" must be an integer from 1 to 86400, found 0"#,
        ),
        (
            r#""max_retries": -1,"#,
            r#""cos.max_retries" must be an integer from 0 to 100, found -1"#,
        ),
        (
            r#""path_style": "yes","#,
            r#""cos.path_style" must be a boolean (true or false), found a string"#,
        ),
        (
            r#""appid": true,"#,
            r#""cos.appid" must be a string or a non-negative integer, found true"#,
        ),
        (
            r#""folder": 1,"#,
            r#""cos.folder" must be a string, found 1"#,
        ),
        (
            r#""region": 1,"#,
            r#""cos.region" must be a string, found 1"#,
        ),
        (
            r#""secret_key": 1,"#,
            r#""cos.secret_key" must be a string, found a number"#,
        ),
    ];
    for (cos, want) in cos_cases {
        assert_eq!(err(&v2("", cos), dir.path()), format!("option {want}"));
    }
    let e = err(r#"{"cos": "x"}"#, dir.path());
    assert_eq!(e, r#"option "cos" must be an object, found a string"#);
}
