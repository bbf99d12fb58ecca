//! The simulated Cloud Run object storage: upload tickets and the stored files, in memory and
//! bounded.
//!
//! A ticket is good for one upload of one path until it expires. A file posted without the
//! ticket's `x-cos-meta-fileid` is stored but cannot be downloaded: `batchdownloadfile` reports
//! it as `STORAGE_FILE_NONEXIST`, as the Cloud Run document warns ("文件缺少元数据时，小程序端无法
//! 访问", <https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/guide/storage/api.html>).

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Tickets remembered at once; expired ones are dropped first.
const MAX_TICKETS: usize = 100_000;

/// What `/tcb/uploadfile` handed out for one upload.
#[derive(Debug, Clone)]
pub(super) struct Ticket {
    pub path: String,
    pub token: String,
    pub authorization: String,
    pub cos_file_id: String,
    pub expires_at_ms: u64,
    pub used: bool,
}

/// A stored file.
#[derive(Debug, Clone)]
pub(super) struct Object {
    pub bytes: Bytes,
    pub content_type: String,
    /// `"{32 hex digits of SHA-256}"`, the `ETag` of its downloads.
    pub etag: String,
    /// Posted with the ticket's `x-cos-meta-fileid`.
    pub downloadable: bool,
}

/// Why a form was not stored (the COS error it becomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No ticket has this signature.
    UnknownSignature,
    /// The ticket is for another path or the security token differs.
    Mismatch,
    /// Past the ticket's expiry.
    Expired,
    /// The ticket was already used.
    Used,
    /// Storing it would pass `max_stored_bytes`.
    Full,
}

#[derive(Debug, Default)]
struct Shelves {
    tickets: HashMap<String, Ticket>,
    objects: HashMap<String, Object>,
    stored_bytes: u64,
}

/// Tickets and files of the simulated environment.
#[derive(Debug)]
pub(super) struct Storage {
    shelves: Mutex<Shelves>,
    max_stored_bytes: u64,
}

impl Storage {
    pub(super) fn new(max_stored_bytes: u64) -> Self {
        Self {
            shelves: Mutex::default(),
            max_stored_bytes,
        }
    }

    fn shelves(&self) -> MutexGuard<'_, Shelves> {
        self.shelves.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new ticket for `path`, valid until `expires_at_ms`, with COS-like credentials.
    pub(super) fn issue(&self, path: &str, now_ms: u64, expires_at_ms: u64) -> Ticket {
        let (start, end) = (now_ms / 1000, expires_at_ms / 1000);
        let mut rng = rand::rng();
        let ticket = Ticket {
            path: path.to_owned(),
            token: hex::encode(rng.random::<[u8; 32]>()),
            authorization: format!(
                "q-sign-algorithm=sha1&q-ak=AKIDwxsim{}&q-sign-time={start};{end}&q-key-time={start};{end}&q-header-list=&q-url-param-list=&q-signature={}",
                hex::encode(rng.random::<[u8; 12]>()),
                hex::encode(rng.random::<[u8; 20]>()),
            ),
            cos_file_id: STANDARD.encode(rng.random::<[u8; 48]>()),
            expires_at_ms,
            used: false,
        };
        let mut shelves = self.shelves();
        if shelves.tickets.len() >= MAX_TICKETS {
            shelves
                .tickets
                .retain(|_, ticket| ticket.expires_at_ms > now_ms && !ticket.used);
        }
        if shelves.tickets.len() < MAX_TICKETS {
            shelves
                .tickets
                .insert(ticket.authorization.clone(), ticket.clone());
        }
        ticket
    }

    /// Store a form's file if its signature fields match an unused, unexpired ticket for
    /// `path`; the ticket is then used.
    pub(super) fn accept(
        &self,
        form: &Form<'_>,
        now_ms: u64,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<(), Refusal> {
        let mut shelves = self.shelves();
        let ticket = shelves
            .tickets
            .get(form.signature)
            .ok_or(Refusal::UnknownSignature)?;
        if ticket.path != form.url_path || ticket.path != form.key || ticket.token != form.token {
            return Err(Refusal::Mismatch);
        }
        if now_ms >= ticket.expires_at_ms {
            return Err(Refusal::Expired);
        }
        if ticket.used {
            return Err(Refusal::Used);
        }
        let downloadable = form.meta_fileid == Some(ticket.cos_file_id.as_str());
        let replaced = shelves
            .objects
            .get(form.key)
            .map_or(0, |o| o.bytes.len() as u64);
        let size = bytes.len() as u64;
        if shelves.stored_bytes - replaced + size > self.max_stored_bytes {
            return Err(Refusal::Full);
        }
        if let Some(ticket) = shelves.tickets.get_mut(form.signature) {
            ticket.used = true;
        }
        shelves.stored_bytes = shelves.stored_bytes - replaced + size;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
        shelves.objects.insert(
            form.key.to_owned(),
            Object {
                etag,
                bytes,
                content_type: content_type.to_owned(),
                downloadable,
            },
        );
        Ok(())
    }

    /// The file at `path`.
    pub(super) fn get(&self, path: &str) -> Option<Object> {
        self.shelves().objects.get(path).cloned()
    }

    /// Remove the file at `path`; whether there was one.
    pub(super) fn delete(&self, path: &str) -> bool {
        let mut shelves = self.shelves();
        match shelves.objects.remove(path) {
            Some(object) => {
                shelves.stored_bytes -= object.bytes.len() as u64;
                true
            }
            None => false,
        }
    }
}

/// The signature fields of a posted form, and the path its URL names.
#[derive(Debug, Clone, Copy)]
pub(super) struct Form<'a> {
    pub url_path: &'a str,
    pub key: &'a str,
    pub signature: &'a str,
    pub token: &'a str,
    pub meta_fileid: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    fn form<'a>(ticket: &'a Ticket, meta: Option<&'a str>) -> Form<'a> {
        Form {
            url_path: &ticket.path,
            key: &ticket.path,
            signature: &ticket.authorization,
            token: &ticket.token,
            meta_fileid: meta,
        }
    }

    #[test]
    fn a_ticket_uploads_once() {
        let storage = Storage::new(1024);
        let ticket = storage.issue("a/b.jpg", NOW, NOW + 900_000);
        let meta = Some(ticket.cos_file_id.as_str());
        let bytes = Bytes::from_static(b"jpeg");
        assert_eq!(
            storage.accept(&form(&ticket, meta), NOW, "image/jpeg", bytes.clone()),
            Ok(())
        );
        assert_eq!(
            storage.accept(&form(&ticket, meta), NOW, "image/jpeg", bytes),
            Err(Refusal::Used)
        );
        assert!(storage.get("a/b.jpg").is_some_and(|o| o.downloadable));
    }

    #[test]
    fn an_expired_or_mismatched_ticket_is_refused() {
        let storage = Storage::new(1024);
        let ticket = storage.issue("a.jpg", NOW, NOW + 900_000);
        let bytes = Bytes::from_static(b"x");
        assert_eq!(
            storage.accept(&form(&ticket, None), NOW + 900_000, "", bytes.clone()),
            Err(Refusal::Expired)
        );
        let mut other = form(&ticket, None);
        other.key = "b.jpg";
        assert_eq!(
            storage.accept(&other, NOW, "", bytes.clone()),
            Err(Refusal::Mismatch)
        );
        let mut forged = form(&ticket, None);
        forged.signature = "q-sign-algorithm=sha1&forged";
        assert_eq!(
            storage.accept(&forged, NOW, "", bytes),
            Err(Refusal::UnknownSignature)
        );
    }

    #[test]
    fn a_file_without_the_meta_fileid_is_stored_but_not_downloadable() {
        let storage = Storage::new(1024);
        let ticket = storage.issue("a.jpg", NOW, NOW + 900_000);
        storage
            .accept(&form(&ticket, None), NOW, "", Bytes::from_static(b"x"))
            .expect("stored");
        assert!(storage.get("a.jpg").is_some_and(|o| !o.downloadable));
    }

    #[test]
    fn the_store_is_bounded_and_deletes_free_space() {
        let storage = Storage::new(4);
        let first = storage.issue("a", NOW, NOW + 1000);
        storage
            .accept(&form(&first, None), NOW, "", Bytes::from_static(b"abc"))
            .expect("fits");
        let second = storage.issue("b", NOW, NOW + 1000);
        let bytes = Bytes::from_static(b"de");
        assert_eq!(
            storage.accept(&form(&second, None), NOW, "", bytes.clone()),
            Err(Refusal::Full)
        );
        assert!(storage.delete("a"));
        assert!(!storage.delete("a"));
        assert_eq!(storage.accept(&form(&second, None), NOW, "", bytes), Ok(()));
    }
}
