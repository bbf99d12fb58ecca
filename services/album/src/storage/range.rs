//! Which of many nearby keys exist, from one listing instead of a `HEAD` each: how the
//! checker ([`crate::verify`]) looks at the direct-upload tickets it finds due together.
//!
//! Ticket keys are `{folder}{ms}-{id}.{ext}`, so tickets handed out close together in time
//! are close together in key order. One S3 `ListObjectsV2` request
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>; COS answers the
//! same call, <https://cloud.tencent.com/document/product/436/7734>) with `prefix` = the keys'
//! longest common prefix and `start-after` just below the first key answers, in key order,
//! every object from the first key on: a key not in that page, and below its last key (or
//! with the page complete), does not exist. Only S3 and COS list this way (object_store's
//! [`PaginatedListStore`]); the local filesystem lists a directory whole, so there, as on
//! Cloud Run storage, keys are looked at one by one.

use std::{collections::HashSet, sync::Arc};

use object_store::list::{PaginatedListOptions, PaginatedListStore};

/// The most objects one listing page returns (S3's own maximum, `max-keys`).
const PAGE: usize = 1000;

/// A store that lists by key range (S3, COS).
#[derive(Clone)]
pub(super) struct RangeLister(pub Arc<dyn PaginatedListStore>);

impl std::fmt::Debug for RangeLister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RangeLister")
    }
}

/// The longest common prefix of `a` and `b`, cut at a character boundary.
fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let mut end = 0;
    for ((at, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            break;
        }
        end = at + x.len_utf8();
    }
    &a[..end]
}

/// A string just below `key` in byte order: `key` without its last character (a proper prefix
/// sorts before the string it begins).
fn just_below(key: &str) -> &str {
    key.char_indices()
        .next_back()
        .map_or("", |(at, _)| &key[..at])
}

impl RangeLister {
    /// The keys among `keys` (sorted ascending) that one listing shows absent. Keys past the
    /// end of a full page are not known either way and are left out, as are all keys when
    /// `keys` is empty.
    ///
    /// # Errors
    /// The store's error.
    pub async fn absent_among(&self, keys: &[&str]) -> object_store::Result<HashSet<String>> {
        let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
            return Ok(HashSet::new());
        };
        let prefix = common_prefix(first, last);
        let page = self
            .0
            .list_paginated(
                Some(prefix),
                PaginatedListOptions {
                    offset: Some(just_below(first).to_owned()),
                    max_keys: Some(PAGE),
                    ..PaginatedListOptions::default()
                },
            )
            .await?;
        let listed: HashSet<&str> = page
            .result
            .objects
            .iter()
            .map(|meta| meta.location.as_ref())
            .collect();
        // A full page ends somewhere: beyond its greatest key nothing was learnt.
        let known_to = if page.page_token.is_some() {
            listed.iter().copied().max()
        } else {
            None
        };
        Ok(keys
            .iter()
            .filter(|key| !listed.contains(**key))
            .filter(|key| known_to.is_none_or(|end| **key <= end))
            .map(|key| (*key).to_owned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_prefix_stops_at_the_first_difference() {
        assert_eq!(
            common_prefix("photos/1700000001234-a.jpg", "photos/1700000009876-b.png"),
            "photos/170000000"
        );
        assert_eq!(common_prefix("p/1-a.jpg", "p/1-a.jpg"), "p/1-a.jpg");
        assert_eq!(common_prefix("a/é1", "a/é2"), "a/é");
        assert_eq!(common_prefix("a/éx", "a/èx"), "a/");
        assert_eq!(common_prefix("", "x"), "");
    }

    #[test]
    fn just_below_sorts_before_the_key() {
        for key in ["photos/1-a.jpg", "x", "a/é"] {
            let below = just_below(key);
            assert!(below < key, "{below} < {key}");
            assert!(key.starts_with(below));
        }
        assert_eq!(just_below("a/é"), "a/");
        assert_eq!(just_below(""), "");
    }
}
