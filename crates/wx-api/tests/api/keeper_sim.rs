//! The token keeper in one process against the simulator: single-flight exchanges, the
//! renew-once rule on `40001`/`42001`, refresh before expiry, and why several instances without
//! a shared store need `stable_token`.

use std::{sync::Arc, time::Duration};

use futures_util::future::join_all;
use wx_api::{CloudStorage, TokenConfig, TokenMode, clock::OffsetClock};

use crate::{
    cloud_helpers::{in_process, storage},
    helpers::{spawn_sim, spawn_sim_with},
};

/// `n` concurrent ticket requests; all must succeed.
async fn tickets(storage: &CloudStorage, n: usize, tag: &str) {
    let calls = (0..n).map(|i| {
        let storage = storage.clone();
        let path = format!("keeper/{tag}-{i}.jpg");
        async move { storage.upload_ticket(&path).await }
    });
    for result in join_all(calls).await {
        result.expect("a ticket");
    }
}

#[tokio::test]
async fn concurrent_calls_of_one_instance_make_one_exchange() {
    let sim = spawn_sim();
    let storage = sim.storage(&in_process(TokenMode::AppSecret));
    tickets(&storage, 24, "burst").await;
    tickets(&storage, 8, "later").await;
    assert_eq!(sim.token_calls().await, (1, 0, 0));
}

#[tokio::test]
async fn a_revoked_token_mid_flight_is_renewed_once_and_the_calls_retried() {
    let sim = spawn_sim();
    let storage = sim.storage(&in_process(TokenMode::AppSecret));
    tickets(&storage, 1, "warm").await;
    sim.helper("/sim/tokens/revoke", serde_json::json!({}))
        .await;
    tickets(&storage, 16, "after-revoke").await;
    assert_eq!(
        sim.token_calls().await.0,
        2,
        "one refresh for 16 refused calls"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_retried() {
    let sim = spawn_sim();
    let storage = sim.storage(&in_process(TokenMode::AppSecret));
    tickets(&storage, 1, "warm").await;
    sim.helper("/sim/tokens/expire", serde_json::json!({}))
        .await;
    tickets(&storage, 4, "after-expiry").await;
    assert_eq!(sim.token_calls().await.0, 2);
}

#[tokio::test]
async fn a_token_is_replaced_before_it_expires_by_the_margin() {
    let sim = spawn_sim();
    let clock = Arc::new(OffsetClock::new());
    let config = TokenConfig {
        refresh_margin_secs: 300,
        ..in_process(TokenMode::AppSecret)
    };
    let storage = storage(sim.keeper_on(&config, clock.clone()));
    tickets(&storage, 1, "first").await;
    clock.advance(Duration::from_secs(7200 - 301));
    tickets(&storage, 1, "inside-the-margin-not-yet").await;
    assert_eq!(sim.token_calls().await.0, 1);
    clock.advance(Duration::from_secs(2));
    tickets(&storage, 4, "past-the-margin").await;
    assert_eq!(
        sim.token_calls().await.0,
        2,
        "refreshed ahead of WeChat's expiry"
    );
}

#[tokio::test]
async fn a_short_token_lifetime_is_honoured() {
    let sim = spawn_sim_with(|config| config.token_lifetime_secs = 60);
    let storage = sim.storage(&in_process(TokenMode::AppSecret));
    tickets(&storage, 1, "first").await;
    sim.advance(Duration::from_secs(60)).await;
    tickets(&storage, 1, "after").await;
    assert_eq!(sim.token_calls().await.0, 2);
}

#[tokio::test]
async fn instances_exchanging_the_app_secret_on_their_own_knock_each_other_out() {
    // What the shared store prevents: each exchange ends the other instance's token.
    let sim = spawn_sim();
    let a = sim.storage(&in_process(TokenMode::AppSecret));
    let b = sim.storage(&in_process(TokenMode::AppSecret));
    for round in 0..3 {
        tickets(&a, 1, &format!("a{round}")).await;
        tickets(&b, 1, &format!("b{round}")).await;
    }
    assert_eq!(
        sim.token_calls().await.0,
        6,
        "every call needed a new token"
    );
}

#[tokio::test]
async fn instances_without_a_shared_store_agree_on_the_stable_token() {
    let sim = spawn_sim();
    let a = sim.storage(&in_process(TokenMode::StableToken));
    let b = sim.storage(&in_process(TokenMode::StableToken));
    for round in 0..3 {
        tickets(&a, 2, &format!("a{round}")).await;
        tickets(&b, 2, &format!("b{round}")).await;
    }
    assert_eq!(
        sim.token_calls().await,
        (0, 2, 0),
        "one exchange each, no force"
    );
}

#[tokio::test]
async fn a_revoked_stable_token_is_replaced_without_forcing() {
    let sim = spawn_sim();
    let storage = sim.storage(&in_process(TokenMode::StableToken));
    tickets(&storage, 1, "warm").await;
    sim.helper("/sim/tokens/revoke", serde_json::json!({}))
        .await;
    tickets(&storage, 4, "after").await;
    assert_eq!(sim.token_calls().await, (0, 2, 0));
}
