//! Token keepers of two "instances" sharing the app's one token through the stack's Redis,
//! against the simulator: one exchange for all, one refresh when WeChat refuses the token or it
//! nears expiry, the lock of a dead instance lapsing, and a clear error when Redis is away.
//! Each test has a key prefix of its own and removes its keys.

use std::{sync::Arc, time::Duration};

use deadpool_redis::redis;
use futures_util::future::join_all;
use serde_json::json;
use wx_api::{CloudStorage, TokenConfig, TokenMode, WxError, clock::OffsetClock};

use crate::{
    cloud_helpers::{TestRedis, storage},
    helpers::{APP_ID, TestSim, spawn_sim},
    tcb_shapes::{
        APP_ID as SHAPE_APP_ID, PATH, serve_tickets, storage_with as shape_storage_with, wechat,
    },
};

/// `n` concurrent ticket requests on each instance; all must succeed.
async fn tickets_on_both(a: &CloudStorage, b: &CloudStorage, n: usize, tag: &str) {
    let calls = (0..n).flat_map(|i| {
        [
            (a.clone(), format!("shared/{tag}-a{i}.jpg")),
            (b.clone(), format!("shared/{tag}-b{i}.jpg")),
        ]
    });
    let calls = calls.map(|(storage, path)| async move { storage.upload_ticket(&path).await });
    for result in join_all(calls).await {
        result.expect("a ticket");
    }
}

/// Two instances of the app: their own clients and keepers, one Redis.
fn two_instances(sim: &TestSim, config: &TokenConfig) -> (CloudStorage, CloudStorage) {
    (sim.storage(config), sim.storage(config))
}

#[tokio::test]
async fn two_instances_share_one_token_and_exchange_it_once() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let (a, b) = two_instances(&sim, &redis.config(TokenMode::AppSecret));
    tickets_on_both(&a, &b, 16, "burst").await;
    tickets_on_both(&a, &b, 4, "again").await;
    assert_eq!(sim.token_calls().await, (1, 0, 0));
    let stored = redis
        .stored("access_token")
        .await
        .expect("the token is shared");
    assert!(stored["expires_at_ms"].as_u64() > stored["obtained_at_ms"].as_u64());
    redis.cleanup().await;
}

#[tokio::test]
async fn a_token_revoked_mid_flight_is_refreshed_once_for_both_instances() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let (a, b) = two_instances(&sim, &redis.config(TokenMode::AppSecret));
    tickets_on_both(&a, &b, 1, "warm").await;
    sim.helper("/sim/tokens/revoke", json!({})).await;
    tickets_on_both(&a, &b, 12, "after-revoke").await;
    assert_eq!(
        sim.token_calls().await.0,
        2,
        "40001 everywhere, one refresh"
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_for_both_instances() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let (a, b) = two_instances(&sim, &redis.config(TokenMode::AppSecret));
    tickets_on_both(&a, &b, 1, "warm").await;
    sim.helper("/sim/tokens/expire", json!({})).await;
    tickets_on_both(&a, &b, 12, "after-expiry").await;
    assert_eq!(
        sim.token_calls().await.0,
        2,
        "42001 everywhere, one refresh"
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn an_instance_adopts_the_token_another_one_refreshed() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let (a, b) = two_instances(&sim, &redis.config(TokenMode::AppSecret));
    tickets_on_both(&a, &b, 1, "warm").await;
    sim.helper("/sim/tokens/revoke", json!({})).await;
    a.upload_ticket("shared/a-refreshes.jpg")
        .await
        .expect("a ticket");
    // b still holds the revoked token: refused once, it reads the new one from Redis.
    b.upload_ticket("shared/b-adopts.jpg")
        .await
        .expect("a ticket");
    assert_eq!(sim.token_calls().await.0, 2);
    redis.cleanup().await;
}

#[tokio::test]
async fn the_token_is_refreshed_ahead_of_expiry_by_one_instance() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let config = redis.config(TokenMode::AppSecret);
    let clocks = [Arc::new(OffsetClock::new()), Arc::new(OffsetClock::new())];
    let a = storage(sim.keeper_on(&config, clocks[0].clone()));
    let b = storage(sim.keeper_on(&config, clocks[1].clone()));
    tickets_on_both(&a, &b, 2, "first").await;
    for clock in &clocks {
        clock.advance(Duration::from_secs(7200 - 299));
    }
    tickets_on_both(&a, &b, 8, "in-the-margin").await;
    assert_eq!(sim.token_calls().await.0, 2);
    redis.cleanup().await;
}

#[tokio::test]
async fn stable_tokens_are_shared_too() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let (a, b) = two_instances(&sim, &redis.config(TokenMode::StableToken));
    tickets_on_both(&a, &b, 8, "stable").await;
    assert_eq!(sim.token_calls().await, (0, 1, 0));
    assert!(redis.stored("stable_token").await.is_some());
    assert!(redis.stored("access_token").await.is_none(), "kept apart");
    redis.cleanup().await;
}

/// Hold the refresh lock as a dead instance would, for `ttl_ms`.
async fn hold_lock(redis: &TestRedis, ttl_ms: u64) {
    let client = redis::Client::open(redis.url.as_str()).expect("URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis is up");
    let _: () = redis::cmd("SET")
        .arg(format!("{}{APP_ID}:access_token:lock", redis.prefix))
        .arg("dead-instance")
        .arg("PX")
        .arg(ttl_ms)
        .query_async(&mut connection)
        .await
        .expect("SET");
}

#[tokio::test]
async fn the_lock_of_a_dead_instance_lapses() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    hold_lock(&redis, 300).await;
    let storage = sim.storage(&redis.config(TokenMode::AppSecret));
    storage
        .upload_ticket("shared/after-lapse.jpg")
        .await
        .expect("a ticket once the lock lapsed");
    assert_eq!(sim.token_calls().await.0, 1);
    redis.cleanup().await;
}

#[tokio::test]
async fn waiting_past_the_limit_for_a_refresher_is_a_clear_error() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    hold_lock(&redis, 30_000).await;
    let config = TokenConfig {
        wait_ms: 100,
        ..redis.config(TokenMode::AppSecret)
    };
    let error = sim
        .storage(&config)
        .upload_ticket("shared/never.jpg")
        .await
        .expect_err("no token");
    assert!(matches!(error, WxError::TokenUnavailable(_)), "{error:?}");
    assert_eq!(
        sim.token_calls().await.0,
        0,
        "nobody exchanged on their own"
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn redis_away_is_a_clear_error_and_no_exchange() {
    let sim = spawn_sim();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let config = TokenConfig {
        redis_url: wx_api::Secret::from(format!("redis://:redis-TOPSECRET@127.0.0.1:{port}/0")),
        ..TokenConfig::default()
    };
    let keeper = sim.keeper(&config);
    let error = keeper.ready().await.expect_err("Redis is away");
    assert!(matches!(error, WxError::TokenUnavailable(_)), "{error:?}");
    assert!(!error.to_string().contains("TOPSECRET"), "{error}");
    let error = storage(keeper)
        .upload_ticket("x.jpg")
        .await
        .expect_err("no token");
    assert!(matches!(error, WxError::TokenUnavailable(_)), "{error:?}");
    assert_eq!(sim.token_calls().await.0, 0);
}

#[tokio::test]
async fn the_token_never_reaches_the_log_debug_or_errors() {
    let (sim, redis) = (spawn_sim(), TestRedis::new());
    let storage = sim.storage(&redis.config(TokenMode::AppSecret));
    let ticket = storage
        .upload_ticket("shared/secret.jpg")
        .await
        .expect("a ticket");
    sim.helper("/sim/tokens/revoke", json!({})).await;
    storage
        .upload_ticket("shared/secret-again.jpg")
        .await
        .expect("a ticket");
    sim.helper("/sim/tokens/revoke", json!({})).await;
    let error = sim
        .storage(&TokenConfig {
            mode: TokenMode::Cloudbase,
            cloudbase_access_token: wx_api::Secret::from("cloud-call-TOPSECRET"),
            ..TokenConfig::default()
        })
        .upload_ticket("shared/refused.jpg")
        .await
        .expect_err("a wrong cloud-call token");
    let stored = redis.stored("access_token").await.expect("a shared token");
    let token = stored["access_token"]
        .as_str()
        .expect("the token")
        .to_owned();
    assert_eq!(token.len(), 43);
    let texts = [
        format!("{storage:?}"),
        format!("{:?}", storage.keeper()),
        format!("{ticket:?}"),
        format!("{error:?} {error}"),
    ];
    for text in texts.iter().chain(crate::helpers::captured_logs().iter()) {
        assert!(!text.contains(&token), "token shown: {text}");
        assert!(
            !text.contains("cloud-call-TOPSECRET"),
            "token shown: {text}"
        );
        assert!(
            !text.contains(crate::helpers::APP_SECRET),
            "secret shown: {text}"
        );
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn a_caller_dropped_mid_refresh_neither_aborts_it_nor_leaves_the_lock() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/cgi-bin/token"))
        .respond_with(
            wechat(r#"{"access_token":"SLOW","expires_in":7200}"#)
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    serve_tickets(&server, Some("SLOW"), 1).await;
    let redis = TestRedis::new();
    let config = TokenConfig {
        wait_ms: 2000,
        ..redis.config(TokenMode::AppSecret)
    };
    let dropped = shape_storage_with(&server, &config);
    let abandoned =
        tokio::time::timeout(Duration::from_millis(50), dropped.upload_ticket(PATH)).await;
    assert!(abandoned.is_err(), "the first caller gave up mid-exchange");
    // Well under the lock's 12 s: the abandoned refresh finished and released it.
    shape_storage_with(&server, &config)
        .upload_ticket(PATH)
        .await
        .expect("a ticket from the refresh the first caller started");
    redis.cleanup_app(SHAPE_APP_ID).await;
}
