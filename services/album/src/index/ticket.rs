//! A direct-upload ticket: what the album signed for one key, and what it has seen since.
//!
//! A ticket is issued by `upload-url` or `upload-form` and lives until its final check
//! (`upload.verify_grace_secs` after the signature expires). Until then the checker
//! ([`crate::verify`]) looks at the key: an object that arrives is listed once its first bytes
//! are the signed image kind and its size is within the limit; anything else is deleted, and
//! so is whatever a re-used signature puts there afterwards.

use serde::{Deserialize, Serialize};

use crate::image::ImageKind;

/// What the checker knows of a ticket's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum TicketState {
    /// Nothing seen yet.
    Pending,
    /// Checked and listed; `etag` is the object's at that time, so a later overwrite by the
    /// same signature (S3 POST policies allow it) is noticed and checked again.
    Listed {
        /// The store's ETag when the object was checked.
        etag: Option<String>,
    },
    /// Refused and deleted; any object appearing later under the key is deleted too.
    Rejected {
        /// The original's message for the refusal (`仅jpg/png格式`, `单个不超过5MB`).
        msg: String,
    },
}

/// One signed direct upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The object key the signature allows.
    pub key: String,
    /// The image kind it was signed for (`Content-Type` and key extension).
    #[serde(with = "kind_serde")]
    pub kind: ImageKind,
    /// The uploader's openid, recorded as the owner when listed.
    pub owner: Option<String>,
    /// The largest size the signature allows, in bytes.
    pub max_size: u64,
    /// When it was issued, ms since the epoch (the photo's listing time).
    pub issued_ms: i64,
    /// When the store stops accepting the signature, ms since the epoch.
    pub expires_ms: i64,
    /// When the checker looks next, ms since the epoch.
    pub next_check_ms: i64,
    /// What has been seen.
    #[serde(flatten)]
    pub state: TicketState,
}

impl Ticket {
    /// The record as stored (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored record.
    ///
    /// # Errors
    /// The JSON error of a malformed record.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

mod kind_serde {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use crate::image::ImageKind;

    pub fn serialize<S: Serializer>(kind: &ImageKind, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(kind.extension())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ImageKind, D::Error> {
        let text = String::deserialize(deserializer)?;
        ImageKind::from_key(&format!(".{text}"))
            .ok_or_else(|| de::Error::custom(format!("unknown image kind {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_round_trip_through_json() -> Result<(), serde_json::Error> {
        let ticket = Ticket {
            key: "p/1-a.png".into(),
            kind: ImageKind::Png,
            owner: Some("o_alice".into()),
            max_size: 5,
            issued_ms: 1,
            expires_ms: 2,
            next_check_ms: 3,
            state: TicketState::Listed {
                etag: Some("\"e\"".into()),
            },
        };
        let json = ticket.to_json();
        assert!(json.contains(r#""kind":"png""#), "{json}");
        assert!(json.contains(r#""state":"listed""#), "{json}");
        assert_eq!(Ticket::from_json(&json)?, ticket);
        Ok(())
    }
}
