//! Reading the file: where it is looked for, and what is not JSON (the original's
//! `need file …` and `… is not JSON format!`).

use std::path::Path;

use super::{err, project, v2};
use crate::config::{CONFIG_FILE, load};

#[test]
fn missing_default_file_needs_wecos_config_json() {
    // The crate directory (the tests' CWD) has no wecos.config.json.
    for path in [CONFIG_FILE, "./wecos.config.json"] {
        let e = load(Path::new(path)).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("need file wecos.config.json"));
    }
}

#[test]
fn missing_explicit_file_names_the_path() {
    let dir = project();
    let path = dir.path().join(CONFIG_FILE);
    let e = load(&path).err().map(|e| e.to_string());
    let want = format!(
        "need file wecos.config.json: {} does not exist",
        path.display()
    );
    assert_eq!(e, Some(want));
}

#[test]
fn unreadable_file_is_a_read_error() {
    let dir = project();
    let e = load(&dir.path().join("app")).err().map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.starts_with("cannot read ")));
}

#[test]
fn load_resolves_paths_against_the_config_directory() {
    let dir = project();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, v2(r#""backupDir": "bak","#, "")).unwrap_or_else(|e| panic!("{e}"));
    let c = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.app_dir, dir.path().join("app"));
    assert_eq!(c.backup_dir, Some(dir.path().join("bak")));
}

#[test]
fn non_utf8_file_is_not_json_format() {
    let dir = project();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, b"{\"appDir\": \"\xff\"}").unwrap_or_else(|e| panic!("{e}"));
    let e = load(&path).err().map(|e| e.to_string());
    let want = "wecos.config.json is not JSON format!: the file is not UTF-8 text";
    assert_eq!(e.as_deref(), Some(want));
}

#[test]
fn syntax_error_is_not_json_format_with_line_and_column() {
    let dir = project();
    let e = err("{\n  \"appDir\": \"./app\"\n  \"cos\": {}\n}", dir.path());
    assert_eq!(
        e,
        "wecos.config.json is not JSON format!: expected comma at line 3 column 3"
    );
}

#[test]
fn top_level_that_is_not_an_object_is_not_json_format() {
    let dir = project();
    for (text, found) in [("[]", "an array"), ("null", "null"), ("1", "a number")] {
        let want = format!(
            "wecos.config.json is not JSON format!: the top level must be an object, found {found}"
        );
        assert_eq!(err(text, dir.path()), want);
    }
    assert!(err("", dir.path()).starts_with("wecos.config.json is not JSON format!: "));
}
