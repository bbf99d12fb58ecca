//! The simulator's access tokens: `/cgi-bin/token` and `/cgi-bin/stable_token` issue them, the
//! `tcb` routes check them, the `/sim/tokens*` helpers count, expire and revoke them.
//!
//! As on WeChat
//! (<https://developers.weixin.qq.com/doc/oplatform/developers/dev/AccessToken.md>,
//! <https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken>):
//!
//! - each `/cgi-bin/token` call issues a new token and ends the previous one — after
//!   `token_overlap_secs` (WeChat keeps both up to five minutes; the simulator's default is 0,
//!   the strictest);
//! - a stable token is returned again while it has more than the renewal lead left (five
//!   minutes, at most half the lifetime), then a new one is issued and the old one lives out its
//!   time; `force_refresh` ends the current one at once, at most 20 times a day, 30 s apart;
//! - the two kinds are isolated from each other.
//!
//! A call's token is refused with `41001` (none), `40014` (not a token's shape), `40001`
//! (unknown, replaced or revoked) or `42001` (expired).

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use super::{routes::WxFault, users::Identities};

pub(super) const TOKEN_MISSING: WxFault = WxFault(41001, "access_token missing");
pub(super) const TOKEN_MALFORMED: WxFault = WxFault(40014, "invalid access_token");
pub(super) const TOKEN_INVALID: WxFault = WxFault(
    40001,
    "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
);
pub(super) const TOKEN_EXPIRED: WxFault = WxFault(42001, "access_token expired");
pub(super) const DAILY_QUOTA: WxFault = WxFault(45009, "reach max api daily quota limit");

/// WeChat renews a stable token this long before it expires.
const STABLE_RENEWAL_LEAD_MS: u64 = 300_000;
/// Forced stable refreshes allowed per day, and the least time between two.
const FORCE_REFRESH_PER_DAY: usize = 20;
const FORCE_REFRESH_SPACING_MS: u64 = 30_000;
const DAY_MS: u64 = 86_400_000;
/// Tokens remembered; older ones are forgotten (and then refused as unknown, `40001`).
const MAX_TOKENS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Stable,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    kind: Kind,
    issued_at_ms: u64,
    expires_at_ms: u64,
    /// From when it is refused as replaced or revoked.
    ends_at_ms: Option<u64>,
}

/// How many exchanges the simulator answered (the `/sim/tokens` helper).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub(super) struct Counts {
    pub token_calls: u64,
    pub stable_token_calls: u64,
    pub force_refresh_calls: u64,
}

#[derive(Debug, Default)]
struct Book {
    records: HashMap<String, Record>,
    current: HashMap<&'static str, String>,
    counts: Counts,
    issued: u64,
    forced_at_ms: Vec<u64>,
}

/// The token registry of one simulated app.
#[derive(Debug)]
pub(super) struct Tokens {
    book: Mutex<Book>,
    lifetime_ms: u64,
    overlap_ms: u64,
}

/// An issued token and its lifetime from now in seconds.
pub(super) type Issued = (String, u64);

impl Tokens {
    pub(super) fn new(lifetime_secs: u64, overlap_secs: u64) -> Self {
        Self {
            book: Mutex::default(),
            lifetime_ms: lifetime_secs.max(1).saturating_mul(1000),
            overlap_ms: overlap_secs.saturating_mul(1000),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `/cgi-bin/token`: a new token; the previous one ends after the overlap.
    pub(super) fn issue(&self, ids: &Identities, now: u64) -> Issued {
        let mut book = self.book();
        book.counts.token_calls += 1;
        let ends = now.saturating_add(self.overlap_ms);
        self.end_current(&mut book, Kind::Plain, ends);
        let token = ids.access_token(book.issued);
        self.insert(&mut book, Kind::Plain, &token, now);
        (token, self.lifetime_ms / 1000)
    }

    /// `/cgi-bin/stable_token`.
    ///
    /// # Errors
    /// [`DAILY_QUOTA`] for a forced refresh over the day's 20 or within 30 s of the last.
    pub(super) fn stable(
        &self,
        ids: &Identities,
        now: u64,
        force: bool,
    ) -> Result<Issued, WxFault> {
        let mut book = self.book();
        book.counts.stable_token_calls += 1;
        if force {
            book.forced_at_ms
                .retain(|at| now.saturating_sub(*at) < DAY_MS);
            let too_soon = book
                .forced_at_ms
                .last()
                .is_some_and(|last| now.saturating_sub(*last) < FORCE_REFRESH_SPACING_MS);
            if too_soon || book.forced_at_ms.len() >= FORCE_REFRESH_PER_DAY {
                return Err(DAILY_QUOTA);
            }
            book.forced_at_ms.push(now);
            book.counts.force_refresh_calls += 1;
            self.end_current(&mut book, Kind::Stable, now);
        } else if let Some((token, record)) = current(&book, Kind::Stable) {
            let lead = STABLE_RENEWAL_LEAD_MS.min(self.lifetime_ms / 2);
            if record.ends_at_ms.is_none() && now.saturating_add(lead) < record.expires_at_ms {
                return Ok((token, (record.expires_at_ms - now) / 1000));
            }
        }
        let token = ids.stable_token(book.issued);
        self.insert(&mut book, Kind::Stable, &token, now);
        Ok((token, self.lifetime_ms / 1000))
    }

    /// Whether a call may use `token`.
    ///
    /// # Errors
    /// [`TOKEN_MISSING`], [`TOKEN_MALFORMED`], [`TOKEN_INVALID`] or [`TOKEN_EXPIRED`].
    pub(super) fn check(&self, token: &str, now: u64) -> Result<(), WxFault> {
        if token.is_empty() {
            return Err(TOKEN_MISSING);
        }
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TOKEN_MALFORMED);
        }
        let book = self.book();
        match book.records.get(token) {
            None => Err(TOKEN_INVALID),
            Some(record) if record.ends_at_ms.is_some_and(|ends| now >= ends) => Err(TOKEN_INVALID),
            Some(record) if now >= record.expires_at_ms => Err(TOKEN_EXPIRED),
            Some(_) => Ok(()),
        }
    }

    /// The `/sim/tokens/expire` helper: the current tokens of both kinds expire now (`42001`).
    pub(super) fn expire_current(&self, now: u64) -> usize {
        self.mark_current(|record| record.expires_at_ms = now)
    }

    /// The `/sim/tokens/revoke` helper: the current tokens of both kinds end now (`40001`).
    pub(super) fn revoke_current(&self, now: u64) -> usize {
        self.mark_current(|record| record.ends_at_ms = Some(now))
    }

    pub(super) fn counts(&self) -> Counts {
        self.book().counts
    }

    fn mark_current(&self, mark: impl Fn(&mut Record)) -> usize {
        let mut book = self.book();
        let current: Vec<String> = book.current.values().cloned().collect();
        let mut marked = 0;
        for token in &current {
            if let Some(record) = book.records.get_mut(token) {
                mark(record);
                marked += 1;
            }
        }
        marked
    }

    fn end_current(&self, book: &mut Book, kind: Kind, ends_at_ms: u64) {
        if let Some(token) = book.current.get(key(kind)).cloned()
            && let Some(record) = book.records.get_mut(&token)
        {
            record.ends_at_ms = Some(record.ends_at_ms.map_or(ends_at_ms, |e| e.min(ends_at_ms)));
        }
    }

    fn insert(&self, book: &mut Book, kind: Kind, token: &str, now: u64) {
        book.issued += 1;
        if book.records.len() >= MAX_TOKENS {
            let oldest = book
                .records
                .iter()
                .min_by_key(|(_, record)| record.issued_at_ms)
                .map(|(token, _)| token.clone());
            if let Some(oldest) = oldest {
                book.records.remove(&oldest);
            }
        }
        book.records.insert(
            token.to_owned(),
            Record {
                kind,
                issued_at_ms: now,
                expires_at_ms: now.saturating_add(self.lifetime_ms),
                ends_at_ms: None,
            },
        );
        book.current.insert(key(kind), token.to_owned());
    }
}

fn key(kind: Kind) -> &'static str {
    match kind {
        Kind::Plain => "access_token",
        Kind::Stable => "stable_token",
    }
}

fn current(book: &Book, kind: Kind) -> Option<(String, Record)> {
    let token = book.current.get(key(kind))?;
    let record = book.records.get(token).filter(|r| r.kind == kind)?;
    Some((token.clone(), *record))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000;

    fn ids() -> Identities {
        Identities::new("seed", "wx0000000000000000")
    }

    #[test]
    fn a_new_token_ends_the_previous_one() {
        let tokens = Tokens::new(7200, 0);
        let (first, expires_in) = tokens.issue(&ids(), T0);
        assert_eq!(expires_in, 7200);
        assert_eq!(tokens.check(&first, T0), Ok(()));
        let (second, _) = tokens.issue(&ids(), T0 + 1);
        assert_ne!(first, second);
        assert_eq!(tokens.check(&first, T0 + 1), Err(TOKEN_INVALID));
        assert_eq!(tokens.check(&second, T0 + 1), Ok(()));
        assert_eq!(tokens.counts().token_calls, 2);
    }

    #[test]
    fn the_overlap_keeps_the_previous_token_alive_for_a_while() {
        let tokens = Tokens::new(7200, 300);
        let (first, _) = tokens.issue(&ids(), T0);
        tokens.issue(&ids(), T0);
        assert_eq!(tokens.check(&first, T0 + 299_999), Ok(()));
        assert_eq!(tokens.check(&first, T0 + 300_000), Err(TOKEN_INVALID));
    }

    #[test]
    fn tokens_expire_after_their_lifetime() {
        let tokens = Tokens::new(60, 0);
        let (token, _) = tokens.issue(&ids(), T0);
        assert_eq!(tokens.check(&token, T0 + 59_999), Ok(()));
        assert_eq!(tokens.check(&token, T0 + 60_000), Err(TOKEN_EXPIRED));
    }

    #[test]
    fn missing_malformed_and_unknown_tokens_get_their_codes() {
        let tokens = Tokens::new(7200, 0);
        assert_eq!(tokens.check("", T0), Err(TOKEN_MISSING));
        assert_eq!(tokens.check("a b", T0), Err(TOKEN_MALFORMED));
        assert_eq!(tokens.check("neverissued", T0), Err(TOKEN_INVALID));
    }

    #[test]
    fn a_stable_token_is_returned_again_until_its_renewal_lead() {
        let tokens = Tokens::new(7200, 0);
        let (first, _) = tokens.stable(&ids(), T0, false).expect("issued");
        let (again, expires_in) = tokens.stable(&ids(), T0 + 1000, false).expect("again");
        assert_eq!((again.as_str(), expires_in), (first.as_str(), 7199));
        let renewal = T0 + 7_200_000 - 300_000;
        let (renewed, _) = tokens.stable(&ids(), renewal, false).expect("renewed");
        assert_ne!(renewed, first);
        assert_eq!(tokens.check(&first, renewal), Ok(()), "lives out its time");
    }

    #[test]
    fn a_forced_stable_refresh_ends_the_current_one_within_its_quota() {
        let tokens = Tokens::new(7200, 0);
        let (first, _) = tokens.stable(&ids(), T0, false).expect("issued");
        let (forced, _) = tokens.stable(&ids(), T0, true).expect("forced");
        assert_ne!(forced, first);
        assert_eq!(tokens.check(&first, T0), Err(TOKEN_INVALID));
        assert_eq!(tokens.stable(&ids(), T0 + 29_999, true), Err(DAILY_QUOTA));
        let mut at = T0;
        for _ in 1..FORCE_REFRESH_PER_DAY {
            at += FORCE_REFRESH_SPACING_MS;
            tokens.stable(&ids(), at, true).expect("within quota");
        }
        at += FORCE_REFRESH_SPACING_MS;
        assert_eq!(tokens.stable(&ids(), at, true), Err(DAILY_QUOTA));
        assert_eq!(tokens.counts().force_refresh_calls, 20);
    }

    #[test]
    fn plain_and_stable_tokens_are_isolated() {
        let tokens = Tokens::new(7200, 0);
        let (stable, _) = tokens.stable(&ids(), T0, false).expect("issued");
        tokens.issue(&ids(), T0);
        tokens.issue(&ids(), T0);
        assert_eq!(tokens.check(&stable, T0), Ok(()));
    }

    #[test]
    fn the_helpers_expire_or_revoke_the_current_tokens() {
        let tokens = Tokens::new(7200, 0);
        let (plain, _) = tokens.issue(&ids(), T0);
        let (stable, _) = tokens.stable(&ids(), T0, false).expect("issued");
        assert_eq!(tokens.expire_current(T0 + 5), 2);
        assert_eq!(tokens.check(&plain, T0 + 5), Err(TOKEN_EXPIRED));
        let (plain, _) = tokens.issue(&ids(), T0 + 6);
        tokens.revoke_current(T0 + 7);
        assert_eq!(tokens.check(&plain, T0 + 7), Err(TOKEN_INVALID));
        assert_ne!(tokens.check(&stable, T0 + 7), Ok(()));
    }
}
