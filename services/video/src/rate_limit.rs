//! Per-client rate limit on posting comments: a keyed GCRA limiter (governor) with the quota
//! from `rate_limit.*`.
//!
//! The key is the client address: `X-Real-IP` as set by nginx (`nginx/snippets/weapp-proxy.conf`)
//! when `rate_limit.trust_x_real_ip` is on, else the TCP peer. IPv6 clients are keyed by their
//! /64, since one host can pick any address in it.
//!
//! Idle keys are dropped every [`PRUNE_EVERY`] checks (`retain_recent`), inline — no background
//! task to own — so memory follows the clients of the last few quota periods.

use std::{
    net::{IpAddr, Ipv6Addr},
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use actix_web::HttpRequest;
use governor::{DefaultKeyedRateLimiter, RateLimiter, clock::Clock};

use crate::settings::RateLimitSettings;

/// Checks between two prunings of idle keys; pruning walks every key, so it is amortised.
const PRUNE_EVERY: u64 = 1024;

/// The comment rate limiter (disabled = always allows).
#[derive(Debug)]
pub struct CommentLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trust_x_real_ip: bool,
    checks: AtomicU64,
}

impl CommentLimiter {
    /// A limiter with the configured quota.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            limiter: settings.quota().map(RateLimiter::keyed),
            trust_x_real_ip: settings.trust_x_real_ip,
            checks: AtomicU64::new(0),
        }
    }

    /// The key of the client that sent `req` (unspecified address when unknown).
    pub fn client(&self, req: &HttpRequest) -> IpAddr {
        let forwarded = self
            .trust_x_real_ip
            .then(|| req.headers().get("x-real-ip"))
            .flatten()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<IpAddr>().ok());
        let address = forwarded
            .or_else(|| req.peer_addr().map(|peer| peer.ip()))
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        key_of(address)
    }

    /// Take one comment from `client`'s allowance.
    ///
    /// # Errors
    /// Over the limit: how long until the next comment would be allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

/// IPv4 as is (IPv4-mapped IPv6 too); other IPv6 addresses reduced to their /64.
fn key_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn limiter(burst: u32, trust: bool) -> CommentLimiter {
        CommentLimiter::new(&RateLimitSettings {
            enabled: true,
            burst,
            per_minute: 1,
            trust_x_real_ip: trust,
        })
    }

    #[test]
    fn a_client_gets_its_burst_then_a_wait() {
        let limiter = limiter(2, true);
        let client = IpAddr::from([10, 0, 0, 1]);
        assert_eq!(limiter.check(client), Ok(()));
        assert_eq!(limiter.check(client), Ok(()));
        let wait = limiter.check(client).err();
        assert!(
            wait.is_some_and(|wait| wait > Duration::from_secs(50)),
            "{wait:?}"
        );
        assert_eq!(limiter.check(IpAddr::from([10, 0, 0, 2])), Ok(()));
    }

    #[test]
    fn disabled_allows_everything() {
        let limiter = CommentLimiter::new(&RateLimitSettings {
            enabled: false,
            ..RateLimitSettings::default()
        });
        let client = IpAddr::from([10, 0, 0, 1]);
        assert!((0..1000).all(|_| limiter.check(client).is_ok()));
    }

    #[test]
    fn x_real_ip_is_the_key_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr(
                "127.0.0.1:5000"
                    .parse()
                    .unwrap_or(([127, 0, 0, 1], 1).into()),
            )
            .insert_header(("X-Real-IP", "203.0.113.9"))
            .to_http_request();
        assert_eq!(
            limiter(1, true).client(&req),
            IpAddr::from([203, 0, 113, 9])
        );
        assert_eq!(limiter(1, false).client(&req), IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::from([0; 16]));
        let b: IpAddr = "2001:db8:1:2:bbbb::2"
            .parse()
            .unwrap_or(IpAddr::from([0; 16]));
        assert_eq!(key_of(a), key_of(b));
        let mapped: IpAddr = "::ffff:198.51.100.7"
            .parse()
            .unwrap_or(IpAddr::from([0; 16]));
        assert_eq!(key_of(mapped), IpAddr::from([198, 51, 100, 7]));
    }
}
