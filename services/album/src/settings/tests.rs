use super::*;

#[test]
fn defaults_reproduce_the_original_config() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[])?;
    assert_eq!(settings.port, 9993);
    assert_eq!(settings.host, std::net::IpAddr::from([127, 0, 0, 1]));
    assert_eq!(settings.route_base_path, "/applet");
    assert_eq!(settings.json_body_limit, 100 * 1024);
    assert_eq!(settings.workers, 0);
    assert!(settings.access_log);
    assert_eq!(settings.shutdown_timeout_secs, 30);
    assert_eq!(settings.cos.folder, "/");
    assert_eq!(settings.cos.region, "cn-north");
    assert_eq!(settings.upload.max_file_size, 5 * 1024 * 1024);
    assert_eq!(settings.list.max_keys, 100);
    assert_eq!(settings.storage.backend, Backend::Local);
    assert!(settings.storage.public_read);
    assert_eq!(settings.auth.mode, AuthMode::Off);
    assert_eq!(settings.index.store, IndexStore::Memory);
    assert_eq!(settings.delete.max_batch, 20);
    assert!(settings.v4.enabled);
    Ok(())
}

#[test]
fn s3_backend_needs_a_bucket_and_names_the_key() {
    let error = Settings::load_from(&[
        ("ALBUM_STORAGE__BACKEND", "s3"),
        ("ALBUM_STORAGE__ENDPOINT", "http://127.0.0.1:8333"),
    ])
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(error.contains("cos.bucket"), "{error}");
}

#[test]
fn unknown_backend_fails_naming_the_key() {
    let error = Settings::load_from(&[("ALBUM_STORAGE__BACKEND", "ftp")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("backend"), "{error}");
}

#[test]
fn unknown_auth_mode_fails_naming_the_key() {
    let error = Settings::load_from(&[("ALBUM_AUTH__MODE", "sometimes")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("mode"), "{error}");
}

#[test]
fn auth_modes_and_the_redis_index_are_read() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[
        ("ALBUM_AUTH__MODE", "required"),
        ("ALBUM_INDEX__STORE", "redis"),
        ("ALBUM_REDIS__URL", "redis://127.0.0.1:6379/0"),
        ("ALBUM_STORAGE__PUBLIC_READ", "false"),
    ])?;
    assert_eq!(settings.auth.mode, AuthMode::Required);
    assert_eq!(settings.index.store, IndexStore::Redis);
    assert!(!settings.storage.public_read);
    Ok(())
}

#[test]
fn the_index_bounds_are_read_and_must_be_positive() -> Result<(), ConfigError> {
    let defaults = Settings::load_from(&[])?;
    assert_eq!(defaults.index.max_open_tickets, 100_000);
    assert_eq!(defaults.index.max_remembered, 100_000);
    let settings = Settings::load_from(&[
        ("ALBUM_INDEX__MAX_OPEN_TICKETS", "500"),
        ("ALBUM_INDEX__MAX_REMEMBERED", "700"),
    ])?;
    assert_eq!(settings.index.max_open_tickets, 500);
    assert_eq!(settings.index.max_remembered, 700);
    for (variable, setting) in [
        ("ALBUM_INDEX__MAX_OPEN_TICKETS", "index.max_open_tickets"),
        ("ALBUM_INDEX__MAX_REMEMBERED", "index.max_remembered"),
    ] {
        let error = error_of(Settings::load_from(&[(variable, "0")]));
        assert!(error.contains(setting), "{error}");
    }
    Ok(())
}

#[test]
fn folder_with_dot_dot_is_refused() {
    assert!(Settings::load_from(&[("ALBUM_COS__FOLDER", "/a/../b/")]).is_err());
}

#[test]
fn v4_app_id_must_be_a_number() {
    let error = Settings::load_from(&[("ALBUM_V4__APP_ID", "abc")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("v4.app_id"), "{error}");
}

#[test]
fn secret_key_is_not_in_debug_output() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[("ALBUM_COS__SECRET_KEY", "do-not-print-me-123")])?;
    assert!(!format!("{settings:?}").contains("do-not-print-me-123"));
    Ok(())
}

#[test]
fn bucket_gets_the_appid_suffix_once() {
    let mut cos = CosSettings {
        bucket: "album".into(),
        app_id: "1250000000".into(),
        ..CosSettings::default()
    };
    assert_eq!(bucket_name(&cos), "album-1250000000");
    cos.bucket = "album-1250000000".into();
    assert_eq!(bucket_name(&cos), "album-1250000000");
    cos.app_id = String::new();
    assert_eq!(bucket_name(&cos), "album-1250000000");
}

/// A valid `tcb` configuration, plus `extra`.
fn tcb(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
    let mut pairs = vec![
        ("ALBUM_STORAGE__BACKEND", "tcb"),
        ("ALBUM_STORAGE__TCB__ENV", "prod-2g0f3b1c8e4a9d7f"),
        ("ALBUM_INDEX__STORE", "redis"),
        ("ALBUM_REDIS__URL", "redis://127.0.0.1:6379/0"),
        ("ALBUM_WX__APP_ID", "wx0000000000000000"),
        ("ALBUM_WX__APP_SECRET", "app-secret-TOPSECRET"),
    ];
    pairs.extend_from_slice(extra);
    Settings::load_from(&pairs)
}

fn error_of(result: Result<Settings, ConfigError>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn tcb_reads_its_environment_and_every_token_mode() -> Result<(), ConfigError> {
    let settings = tcb(&[("ALBUM_STORAGE__TCB__URL_MAX_AGE_SECS", "600")])?;
    assert_eq!(settings.storage.backend, Backend::Tcb);
    assert_eq!(settings.storage.tcb.env, "prod-2g0f3b1c8e4a9d7f");
    assert_eq!(settings.storage.tcb.url_max_age_secs, 600);
    assert_eq!(
        settings.storage.tcb.token.mode,
        wx_api::TokenMode::AppSecret
    );
    for mode in ["stable_token", "open_api"] {
        tcb(&[("ALBUM_STORAGE__TCB__TOKEN__MODE", mode)])?;
    }
    tcb(&[
        ("ALBUM_STORAGE__TCB__TOKEN__MODE", "cloudbase"),
        (
            "ALBUM_STORAGE__TCB__TOKEN__CLOUDBASE_ACCESS_TOKEN",
            "cloud-TOPSECRET",
        ),
    ])?;
    Ok(())
}

#[test]
fn tcb_shares_the_token_through_the_albums_redis_unless_told_otherwise() -> Result<(), ConfigError>
{
    use secrecy::ExposeSecret;
    let settings = tcb(&[])?;
    let token = settings
        .storage
        .tcb
        .token_config("redis://127.0.0.1:6379/0");
    assert_eq!(token.redis_url.expose_secret(), "redis://127.0.0.1:6379/0");
    let settings = tcb(&[("ALBUM_STORAGE__TCB__TOKEN__REDIS_URL", "redis://10.0.0.9/2")])?;
    let token = settings
        .storage
        .tcb
        .token_config("redis://127.0.0.1:6379/0");
    assert_eq!(token.redis_url.expose_secret(), "redis://10.0.0.9/2");
    Ok(())
}

#[test]
fn tcb_refuses_the_memory_index_naming_the_key() {
    let error = error_of(tcb(&[("ALBUM_INDEX__STORE", "memory")]));
    assert!(
        error.contains("index.store") && error.contains("redis"),
        "{error}"
    );
}

#[test]
fn tcb_needs_its_env_and_its_modes_credentials() {
    let error = error_of(tcb(&[("ALBUM_STORAGE__TCB__ENV", " ")]));
    assert!(error.contains("storage.tcb.env"), "{error}");
    let error = error_of(tcb(&[("ALBUM_WX__APP_SECRET", "")]));
    assert!(error.contains("wx.app_secret"), "{error}");
    let error = error_of(tcb(&[("ALBUM_STORAGE__TCB__TOKEN__MODE", "cloudbase")]));
    assert!(error.contains("cloudbase_access_token"), "{error}");
    let error = error_of(tcb(&[("ALBUM_STORAGE__TCB__URL_MAX_AGE_SECS", "0")]));
    assert!(error.contains("url_max_age_secs"), "{error}");
    let error = error_of(tcb(&[("ALBUM_UPLOAD__MAX_FILE_SIZE", "9000000")]));
    assert!(error.contains("upload.max_file_size"), "{error}");
}

#[test]
fn a_misspelt_tcb_key_fails_naming_it() {
    let error = error_of(tcb(&[("ALBUM_STORAGE__TCB__ENVID", "x")]));
    assert!(error.contains("envid"), "{error}");
    let error = error_of(tcb(&[("ALBUM_STORAGE__TCB__TOKEN__MOD", "open_api")]));
    assert!(error.contains("mod"), "{error}");
}

#[test]
fn tcb_secrets_are_not_in_debug_output() -> Result<(), ConfigError> {
    let settings = tcb(&[
        ("ALBUM_STORAGE__TCB__TOKEN__MODE", "cloudbase"),
        (
            "ALBUM_STORAGE__TCB__TOKEN__CLOUDBASE_ACCESS_TOKEN",
            "cloud-TOPSECRET",
        ),
    ])?;
    assert!(!format!("{settings:?}").contains("TOPSECRET"));
    Ok(())
}
