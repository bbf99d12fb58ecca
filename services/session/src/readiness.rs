//! `/readyz` of the session service: Redis (the session store) AND MongoDB (the paints) both
//! answer. `/metrics` reports each of them (`weapp_backend_up{backend="redis"|"mongodb"}`) and
//! MongoDB's pool ([`MongoPool`]); Redis's pools are kept per worker thread inside `weapp-auth`
//! and have no figures to read.
//!
//! The common [`Readiness`] trait names one backend; this probe asks both at once and
//! remembers which failed, so the 503 body says `redis unavailable`, `mongodb unavailable` or
//! `redis and mongodb unavailable`. Both recover by themselves: the next probe asks again.

use std::sync::{
    Arc,
    atomic::{AtomicU8, Ordering},
};

use weapp_auth::WeappAuth;
use weapp_common::health::{BackendCheck, ProbeFuture, Readiness};

use crate::{mongo_pool::MongoPool, paints::Paints};

const REDIS_DOWN: u8 = 1;
const MONGO_DOWN: u8 = 2;

/// Readiness of both backends.
pub struct Backends {
    auth: WeappAuth,
    paints: Arc<Paints>,
    mongo_pool: MongoPool,
    failed: Arc<AtomicU8>,
}

impl Backends {
    /// Probe the session store of `auth` and `paints`' database, whose client's pool
    /// `mongo_pool` counts.
    pub fn new(auth: WeappAuth, paints: Arc<Paints>, mongo_pool: MongoPool) -> Self {
        Self {
            auth,
            paints,
            mongo_pool,
            failed: Arc::new(AtomicU8::new(0)),
        }
    }
}

impl Readiness for Backends {
    /// What the last failed probe found down.
    fn backend(&self) -> &'static str {
        match self.failed.load(Ordering::Relaxed) {
            REDIS_DOWN => "redis",
            MONGO_DOWN => "mongodb",
            _ => "redis and mongodb",
        }
    }

    fn probe(&self) -> ProbeFuture {
        let (auth, paints, failed) = (self.auth.clone(), self.paints.clone(), self.failed.clone());
        Box::pin(async move {
            let (redis, mongo) = tokio::join!(auth.store().ping(), paints.ping());
            let mut down = 0;
            let mut causes = Vec::new();
            if let Err(error) = redis {
                down |= REDIS_DOWN;
                causes.push(error.to_string());
            }
            if let Err(error) = mongo {
                down |= MONGO_DOWN;
                causes.push(error.to_string());
            }
            failed.store(down, Ordering::Relaxed);
            if causes.is_empty() {
                Ok(())
            } else {
                Err(causes.join("; "))
            }
        })
    }

    fn checks(&self) -> Vec<BackendCheck> {
        let (auth, paints) = (self.auth.clone(), self.paints.clone());
        vec![
            BackendCheck {
                backend: "redis",
                probe: Box::pin(async move {
                    auth.store().ping().await.map_err(|error| error.to_string())
                }),
                pool: None,
            },
            BackendCheck {
                backend: "mongodb",
                probe: Box::pin(
                    async move { paints.ping().await.map_err(|error| error.to_string()) },
                ),
                pool: Some(self.mongo_pool.stats()),
            },
        ]
    }
}
