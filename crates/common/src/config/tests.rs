//! The loader's layers, strictness and secrets, on small settings types of the tests' own.

use super::*;
use secrecy::ExposeSecret;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Inner {
    secret_key: Secret,
    folder: String,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            secret_key: Secret::from(""),
            folder: "/".into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Settings {
    port: u16,
    enabled: bool,
    cos: Inner,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            port: 9993,
            enabled: false,
            cos: Inner::default(),
        }
    }
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn defaults_apply_when_nothing_is_set() -> Result<(), ConfigError> {
    let settings: Settings = Source::env("TESTAPP").load_from(vars(&[]))?;
    assert_eq!(settings.port, 9993);
    assert_eq!(settings.cos.folder, "/");
    Ok(())
}

#[test]
fn environment_overrides_nested_keys_and_parses_strings() -> Result<(), ConfigError> {
    let settings: Settings = Source::env("TESTAPP").load_from(vars(&[
        ("TESTAPP_PORT", "8080"),
        ("TESTAPP_ENABLED", "true"),
        ("TESTAPP_COS__FOLDER", "/photos/"),
        ("TESTAPP_COS__SECRET_KEY", "s3cr3t-value"),
        ("OTHER_PORT", "1"),
    ]))?;
    assert_eq!(settings.port, 8080);
    assert!(settings.enabled);
    assert_eq!(settings.cos.folder, "/photos/");
    assert_eq!(settings.cos.secret_key.expose_secret(), "s3cr3t-value");
    Ok(())
}

#[test]
fn file_sits_between_defaults_and_environment() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("weapp-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("album.toml");
    std::fs::write(&file, "port = 7000\n[cos]\nfolder = \"/from-file/\"\n")?;
    let settings: Settings = Source::env("TESTAPP")
        .file(Some(&file))
        .load_from(vars(&[("TESTAPP_PORT", "7001")]))?;
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(settings.port, 7001, "environment wins over the file");
    assert_eq!(
        settings.cos.folder, "/from-file/",
        "file wins over defaults"
    );
    Ok(())
}

#[test]
fn a_bad_value_names_its_key() {
    let error = Source::env("TESTAPP")
        .load_from::<Settings>(vars(&[("TESTAPP_PORT", "not-a-port")]))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("port"), "error should name the key: {error}");
}

#[test]
fn missing_file_is_reported() {
    let result = Source::env("TESTAPP")
        .file(Some("/nonexistent/weapp.toml"))
        .load::<Settings>();
    assert!(matches!(result, Err(ConfigError::MissingFile(_))));
}

#[test]
fn route_base_path_is_empty_or_slash_led_without_a_trailing_slash() {
    for good in ["", "/applet", "/a/b", "/x"] {
        assert!(check_route_base_path(good).is_ok(), "{good:?}");
    }
    for bad in ["applet", "/", "/applet/", "a/", "//"] {
        let error = check_route_base_path(bad).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "invalid configuration: key `route_base_path`: must be empty or start with \
                 `/` and not end with `/`"
            ),
            "{bad:?}"
        );
    }
}

fn unknown_keys(result: Result<Settings, ConfigError>) -> Vec<UnknownKey> {
    match result {
        Err(ConfigError::Unknown(keys)) => keys,
        other => panic!("expected unknown keys, got {other:?}"),
    }
}

#[test]
fn a_misspelt_variable_stops_loading_and_is_named() {
    let result = Source::env("TESTAPP").load_from::<Settings>(vars(&[
        ("TESTAPP_PORT", "8080"),
        ("TESTAPP_COS__FODLER", "/x/"),
    ]));
    let error = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        error,
        "invalid configuration: unknown key: `cos.fodler` (set by environment variable \
         TESTAPP_COS__FODLER)"
    );
}

#[test]
fn unknown_tables_and_top_level_keys_are_all_named() {
    let keys = unknown_keys(Source::env("TESTAPP").load_from(vars(&[
        ("TESTAPP_STORAGE__BAKEND", "s3"),
        ("TESTAPP_STORAGE__BUCKET", "b"),
        ("testapp_prot", "1"),
    ])));
    let mut named: Vec<(String, Vec<String>)> = keys
        .into_iter()
        .map(|unknown| (unknown.key, unknown.variables))
        .collect();
    named.sort();
    for (_, variables) in &mut named {
        variables.sort();
    }
    assert_eq!(
        named,
        [
            ("prot".to_owned(), vec!["testapp_prot".to_owned()]),
            (
                "storage".to_owned(),
                vec![
                    "TESTAPP_STORAGE__BAKEND".to_owned(),
                    "TESTAPP_STORAGE__BUCKET".to_owned()
                ]
            ),
        ]
    );
}

#[test]
fn an_unknown_key_in_the_file_names_the_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("weapp-config-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("album.toml");
    std::fs::write(
        &file,
        "port = 7000\n[cos]\nfolder = \"/f/\"\nsecret_kye = \"x\"\n",
    )?;
    let result = Source::env("TESTAPP")
        .file(Some(&file))
        .load_from::<Settings>(vars(&[]));
    std::fs::remove_dir_all(&dir)?;
    let error = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "invalid configuration: unknown key: `cos.secret_kye` (set by file {})",
            file.display()
        )
    );
    Ok(())
}

#[test]
fn the_file_variable_and_foreign_variables_are_not_settings() -> Result<(), ConfigError> {
    let settings: Settings =
        Source::env("TESTAPP").load_from(vars(&[("TESTAPP_CONFIG", ""), ("TESTAPP_PORT", "1")]))?;
    assert_eq!(settings.port, 1);
    let settings: Settings = Source::env("SESSION").load_from(vars(&[(
        "SESSION_MANAGER",
        "local/host:@/tmp/.ICE-unix/1234,unix/host:/tmp/.ICE-unix/1234",
    )]))?;
    assert_eq!(settings.port, 9993);
    Ok(())
}

#[test]
fn the_effective_settings_show_every_key_but_no_secret() -> Result<(), ConfigError> {
    let settings: Settings = Source::env("TESTAPP")
        .load_from(vars(&[("TESTAPP_COS__SECRET_KEY", "hunter2-very-secret")]))?;
    let text = effective(&settings);
    assert!(!text.contains("hunter2"), "{text}");
    for shown in [
        "port: 9993",
        "enabled: false",
        "folder: \"/\"",
        "secret_key: ",
    ] {
        assert!(text.contains(shown), "{shown} missing from {text}");
    }
    Ok(())
}

#[test]
fn debug_never_shows_secrets() -> Result<(), ConfigError> {
    let settings: Settings = Source::env("TESTAPP")
        .load_from(vars(&[("TESTAPP_COS__SECRET_KEY", "hunter2-very-secret")]))?;
    let debug = format!("{settings:?}");
    assert!(!debug.contains("hunter2-very-secret"), "{debug}");
    Ok(())
}
