//! The simulator's WeChat users: deterministic openids and session keys, and which codes were
//! already exchanged.
//!
//! A code `alice-2` belongs to the user `alice` (the part before the first `-`; the whole code
//! when there is none), so `alice-1` and `alice-2` are two logins of one user: same openid,
//! different session keys. Everything derives from SHA-256 over the seed, so runs with
//! the same seed hand out the same identities, and a test can predict them.

use std::{
    collections::HashSet,
    sync::{Mutex, PoisonError},
};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use sha2::{Digest, Sha256};

use crate::SessionKey;

/// How many distinct codes the simulator remembers as used before it answers `-1 system
/// error` (about 100 MB at worst; a test run uses a few thousand).
pub const MAX_USED_CODES: usize = 1_000_000;

/// Real openids are 28 characters of `[A-Za-z0-9_-]` starting with `o`
/// (e.g. `oGZUI0egBJY1zhBYw2KhdUfwVJJE` in WeChat's decryption demo).
const OPENID_LEN: usize = 28;

/// Deterministic identities of one simulated mini-program.
#[derive(Debug, Clone)]
pub struct Identities {
    seed: String,
    app_id: String,
}

impl Identities {
    /// Identities for `app_id` (openids are per app, as on WeChat) under `seed`.
    pub fn new(seed: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            seed: seed.into(),
            app_id: app_id.into(),
        }
    }

    /// The user a code belongs to: the text before its first `-`.
    pub fn user_of(code: &str) -> &str {
        code.split_once('-').map_or(code, |(user, _)| user)
    }

    /// The openid of the user of `code`: `o` + 27 URL-safe base64 characters.
    pub fn openid(&self, code: &str) -> String {
        let digest = self.derive("openid", Self::user_of(code));
        let mut openid = String::with_capacity(OPENID_LEN);
        openid.push('o');
        openid.extend(URL_SAFE_NO_PAD.encode(digest).chars().take(OPENID_LEN - 1));
        openid
    }

    /// The session_key `code` gets: base64 of 16 derived bytes (24 characters).
    pub fn session_key(&self, code: &str) -> SessionKey {
        let digest = self.derive("session_key", code);
        SessionKey::new(STANDARD.encode(&digest[..16]))
    }

    /// The `n`-th access token: 43 URL-safe base64 characters.
    pub fn access_token(&self, n: u64) -> String {
        URL_SAFE_NO_PAD.encode(self.derive("access_token", &n.to_string()))
    }

    /// The `n`-th stable access token (`/cgi-bin/stable_token`): 43 URL-safe base64
    /// characters, never equal to an [`Identities::access_token`].
    pub fn stable_token(&self, n: u64) -> String {
        URL_SAFE_NO_PAD.encode(self.derive("stable_token", &n.to_string()))
    }

    /// SHA-256(seed ‖ 0 ‖ label ‖ 0 ‖ app_id ‖ 0 ‖ input): a keyed derivation is not needed,
    /// the seed only has to make runs reproducible and distinct.
    fn derive(&self, label: &str, input: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for part in [self.seed.as_str(), label, &self.app_id, input] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.finalize().into()
    }
}

/// What a code is, by its spelling (the simulator's way to ask for WeChat errors on demand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Empty: WeChat's `41008 missing code`.
    Missing,
    /// Begins with `invalid`: `40029 invalid code`.
    Invalid,
    /// Begins with `ratelimit`: `45011 api minute-quota reach limit…`.
    RateLimited,
    /// Any other code: works once.
    Usable,
}

impl CodeKind {
    /// Classify a code.
    pub fn of(code: &str) -> Self {
        if code.is_empty() {
            Self::Missing
        } else if code.starts_with("invalid") {
            Self::Invalid
        } else if code.starts_with("ratelimit") {
            Self::RateLimited
        } else {
            Self::Usable
        }
    }
}

/// The outcome of exchanging a usable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// First use: the code is now spent.
    First,
    /// Already exchanged once: `40163 code been used`.
    Again,
    /// The ledger is full ([`MAX_USED_CODES`]): `-1 system error`.
    Full,
}

/// Which codes were exchanged. Codes never expire here (WeChat's do after five minutes).
#[derive(Debug, Default)]
pub struct Ledger {
    used: Mutex<HashSet<String>>,
}

impl Ledger {
    /// Spend `code`, telling whether it was fresh.
    pub fn spend(&self, code: &str) -> Use {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        if used.contains(code) {
            Use::Again
        } else if used.len() >= MAX_USED_CODES {
            Use::Full
        } else {
            used.insert(code.to_owned());
            Use::First
        }
    }

    /// Whether `code` was already exchanged (does not spend it).
    pub fn is_spent(&self, code: &str) -> bool {
        let used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.contains(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Identities {
        Identities::new("seed", "wx0000000000000000")
    }

    #[test]
    fn logins_of_one_user_share_the_openid_not_the_key() {
        let ids = ids();
        assert_eq!(ids.openid("alice-1"), ids.openid("alice-2"));
        assert_eq!(ids.openid("alice-1"), ids.openid("alice"));
        assert_ne!(
            ids.session_key("alice-1").expose_secret(),
            ids.session_key("alice-2").expose_secret()
        );
        assert_ne!(ids.openid("alice-1"), ids.openid("bob-1"));
    }

    #[test]
    fn identities_are_deterministic_per_seed_and_app() {
        assert_eq!(ids().openid("alice-1"), ids().openid("alice-1"));
        let other_seed = Identities::new("other", "wx0000000000000000");
        let other_app = Identities::new("seed", "wx1111111111111111");
        assert_ne!(ids().openid("alice-1"), other_seed.openid("alice-1"));
        assert_ne!(ids().openid("alice-1"), other_app.openid("alice-1"));
    }

    #[test]
    fn shapes_match_wechat() {
        let openid = ids().openid("alice-1");
        assert_eq!(openid.len(), 28);
        assert!(openid.starts_with('o'));
        let key = ids().session_key("alice-1");
        assert_eq!(key.expose_secret().len(), 24);
        assert_eq!(
            STANDARD.decode(key.expose_secret()).map(|k| k.len()),
            Ok(16)
        );
    }

    #[test]
    fn codes_are_classified_by_prefix() {
        assert_eq!(CodeKind::of(""), CodeKind::Missing);
        assert_eq!(CodeKind::of("invalid-1"), CodeKind::Invalid);
        assert_eq!(CodeKind::of("ratelimit"), CodeKind::RateLimited);
        assert_eq!(CodeKind::of("alice-invalid"), CodeKind::Usable);
    }

    #[test]
    fn a_code_is_spent_once() {
        let ledger = Ledger::default();
        assert!(!ledger.is_spent("alice-1"));
        assert_eq!(ledger.spend("alice-1"), Use::First);
        assert!(ledger.is_spent("alice-1"));
        assert_eq!(ledger.spend("alice-1"), Use::Again);
        assert_eq!(ledger.spend("alice-2"), Use::First);
    }
}
