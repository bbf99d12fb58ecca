//! `weapp_auth::RedisStore` on its own, against the real Redis: its per-thread connection pools
//! across runtimes.

use weapp_auth::{RedisStore, SessionStore, config::RedisConfig, config::SkeyConfig};
use weapp_common::config::Secret;

use crate::helpers::{random_name, redis_url};

/// The thread's pool is opened on the runtime that first used it; a connection's driver task
/// dies with that runtime. A later runtime on the same thread (a restarted worker, a test's
/// next runtime) must get connections of its own, not the dead ones.
#[test]
fn one_thread_can_use_the_store_from_one_runtime_after_another() {
    let config = RedisConfig {
        url: Secret::from(redis_url()),
        prefix: format!("weapp-test-store-{}:", random_name(12)),
        ..RedisConfig::default()
    };
    let store = RedisStore::new(&config, &SkeyConfig::default())
        .unwrap_or_else(|error| panic!("store: {error}"));
    for round in 0..3 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("runtime: {error}"));
        runtime.block_on(async {
            store
                .ping()
                .await
                .unwrap_or_else(|error| panic!("round {round}: ping: {error}"));
            let code = weapp_auth::Code::parse("nobody-1").unwrap_or_else(|e| panic!("{e:?}"));
            let user = store
                .user_by_code(&code)
                .await
                .unwrap_or_else(|error| panic!("round {round}: GET: {error}"));
            assert!(
                user.is_none(),
                "round {round}: no session under a fresh prefix"
            );
        });
    }
}
