//! ws-game's settings: defaults, environment overrides and validation.

use super::*;

#[test]
fn defaults_are_the_originals() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[])?;
    assert_eq!(settings.port, 9595);
    assert_eq!(settings.host, std::net::IpAddr::from([127, 0, 0, 1]));
    assert_eq!(settings.route_base_path, "/applet");
    assert_eq!(settings.shutdown_timeout_secs, 5);
    assert_eq!(settings.socket_io_prefix(), "/applet/websocket/socket.io/");
    assert_eq!(settings.idle_timeout(), Duration::from_secs(85));
    let game = settings.game_config();
    assert_eq!(game.game_time, Duration::from_secs(3));
    assert_eq!(game.bot_delay, Duration::from_secs(1));
    assert_eq!(game.nearby, 10);
    assert_eq!(game.room_capacity, 2);
    assert_eq!(game.bot_avatar, ORIGINAL_BOT_AVATAR);
    Ok(())
}

#[test]
fn times_come_from_the_environment() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[
        ("WS_GAME_GAME__GAME_TIME_MS", "200"),
        ("WS_GAME_GAME__BOT_DELAY_MS", "50"),
    ])?;
    let game = settings.game_config();
    assert_eq!(game.game_time, Duration::from_millis(200));
    assert_eq!(game.bot_delay, Duration::from_millis(50));
    Ok(())
}

#[test]
fn bad_values_name_their_key() {
    let error = Settings::load_from(&[("WS_GAME_GAME__ROOM_CAPACITY", "1")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("game.room_capacity"), "{error}");
    let error = Settings::load_from(&[("WS_GAME_LIMITS__MAX_CONNECTIONS", "lots")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("max_connections"), "{error}");
    for (key, named) in [
        (
            "WS_GAME_LIMITS__WRITE_TIMEOUT_MS",
            "limits.write_timeout_ms",
        ),
        (
            "WS_GAME_LIMITS__INBOUND_FRAMES_PER_SEC",
            "limits.inbound_frames_per_sec",
        ),
        (
            "WS_GAME_LIMITS__INBOUND_FRAMES_BURST",
            "limits.inbound_frames_per_sec",
        ),
    ] {
        let error = Settings::load_from(&[(key, "0")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(named), "{key}: {error}");
    }
}

#[test]
fn limits_default_to_the_documented_values() -> Result<(), ConfigError> {
    let settings = Settings::load_from(&[])?;
    let limits = &settings.limits;
    assert_eq!(limits.write_timeout_ms, 10_000);
    assert_eq!(
        (limits.inbound_frames_per_sec, limits.inbound_frames_burst),
        (50, 100)
    );
    assert_eq!(settings.workers, 1);
    Ok(())
}

#[test]
fn cluster_is_off_unless_a_redis_url_is_set() -> Result<(), ConfigError> {
    assert!(Settings::load_from(&[])?.cluster_config().is_none());
    let settings = Settings::load_from(&[
        ("WS_GAME_CLUSTER__REDIS_URL", "redis://127.0.0.1:6379/3"),
        ("WS_GAME_CLUSTER__HEARTBEAT_INTERVAL_MS", "500"),
        ("WS_GAME_CLUSTER__HEARTBEAT_TTL_MS", "2000"),
    ])?;
    let cluster = settings
        .cluster_config()
        .ok_or(ConfigError::invalid("x", "y"))?;
    assert_eq!(cluster.heartbeat_ttl, Duration::from_millis(2000));
    assert!(!format!("{settings:?}").contains("6379/3"));
    for (key, value, named) in [
        (
            "WS_GAME_CLUSTER__REDIS_URL",
            "http://x",
            "cluster.redis_url",
        ),
        (
            "WS_GAME_CLUSTER__HEARTBEAT_TTL_MS",
            "1000",
            "cluster.heartbeat_ttl_ms",
        ),
        (
            "WS_GAME_CLUSTER__HEARTBEAT_INTERVAL_MS",
            "0",
            "cluster.heartbeat_interval_ms",
        ),
    ] {
        let error = Settings::load_from(&[(key, value)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(named), "{key}: {error}");
    }
    Ok(())
}
