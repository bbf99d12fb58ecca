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
