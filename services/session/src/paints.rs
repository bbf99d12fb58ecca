//! The drawing app's paints on MongoDB (`spec/originals.md` §3.2): documents
//! `{openId, id, actions}` in database `qcloud-applet-session`, collection `paints`.
//!
//! The original saved with `findOneAndUpdate({id}, …, {upsert: true})` — keyed by `id` alone,
//! so anyone could overwrite anyone's paint. Here every read and write is filtered by the
//! caller's openid, and a unique index on `(openId, id)` (created before the first write) keeps
//! concurrent saves from duplicating a paint. Each operation touches one document, so it is
//! atomic: nothing is ever half-written.
//!
//! Idle connections: the pool closes a connection idle for `mongo.max_idle_secs`, below the
//! time after which servers and middleboxes drop idle connections, so a request after a quiet
//! spell does not meet a dead one. One closed anyway is met once: the driver retries the
//! `find` of `list` itself (retryable reads); `ping`, `save`, `delete` and the index creation
//! — all idempotent — run once more here. Either way the request succeeds the first time.

use std::{future::Future, time::Duration};

use futures_util::TryStreamExt;
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::doc,
    error::{ErrorKind, WriteFailure},
    options::{ClientOptions, IndexOptions},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use weapp_auth::OpenId;

use crate::settings::MongoSettings;

/// Name of the unique index on `(openId, id)`.
pub const INDEX_NAME: &str = "openId_1_id_1";

/// A stored paint.
#[derive(Debug, Serialize, Deserialize)]
struct PaintDocument {
    #[serde(rename = "openId")]
    open_id: String,
    id: String,
    actions: String,
}

/// A paint as `/paints/list` returns it: `{"id","actions"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paint {
    /// The client's paint id.
    pub id: String,
    /// The canvas actions, an opaque string.
    pub actions: String,
}

/// MongoDB did not answer or refused; the text is for the log only.
#[derive(Debug, thiserror::Error)]
#[error("paints database: {0}")]
pub struct PaintsError(String);

impl From<mongodb::error::Error> for PaintsError {
    fn from(error: mongodb::error::Error) -> Self {
        Self(error.to_string())
    }
}

/// The paints collection of one pooled MongoDB client.
#[derive(Debug)]
pub struct Paints {
    database: Database,
    collection: Collection<PaintDocument>,
    timeout: Duration,
    list_limit: i64,
    indexed: OnceCell<()>,
}

/// The driver options for `settings`: the URL's, with the service's name, timeouts, pool size
/// and idle limit.
///
/// # Errors
/// When the URL does not parse.
pub async fn client_options(
    settings: &MongoSettings,
) -> Result<ClientOptions, mongodb::error::Error> {
    let mut options = ClientOptions::parse(settings.url.expose_secret()).await?;
    options.app_name = Some("weapp-session".into());
    options.server_selection_timeout = Some(settings.timeout());
    options.connect_timeout = Some(settings.timeout());
    options.max_pool_size = Some(settings.max_pool_size);
    options.max_idle_time = Some(settings.max_idle());
    Ok(options)
}

/// One pooled client for `settings` (no network I/O until first use, so it builds while
/// MongoDB is down).
///
/// # Errors
/// When the URL does not parse.
pub async fn client(settings: &MongoSettings) -> Result<Client, mongodb::error::Error> {
    Client::with_options(client_options(settings).await?)
}

impl Paints {
    /// The collection `settings.collection` of `settings.database`.
    pub fn new(client: &Client, settings: &MongoSettings, list_limit: u32) -> Self {
        let database = client.database(&settings.database);
        Self {
            collection: database.collection(&settings.collection),
            database,
            timeout: settings.timeout(),
            list_limit: i64::from(list_limit),
            indexed: OnceCell::new(),
        }
    }

    /// Run `operation` within the configured timeout.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = Result<T, PaintsError>>,
    ) -> Result<T, PaintsError> {
        tokio::time::timeout(self.timeout, operation)
            .await
            .map_err(|_| PaintsError(format!("no answer within {:?}", self.timeout)))?
    }

    /// Run `operation`, and once more when it met a pooled connection that had been closed
    /// (module docs). Only for idempotent operations.
    async fn once_more_if_dropped<T, F, Fut>(&self, operation: F) -> Result<T, PaintsError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, mongodb::error::Error>>,
    {
        match operation().await {
            Err(error) if is_dropped_connection(&error) => {
                log::warn!("retrying on a new MongoDB connection after: {error}");
                Ok(operation().await?)
            }
            result => Ok(result?),
        }
    }

    /// Create the unique `(openId, id)` index once per process (idempotent on the server).
    ///
    /// # Errors
    /// [`PaintsError`] when MongoDB does not answer or refuses; retried on the next write.
    pub async fn ensure_index(&self) -> Result<(), PaintsError> {
        self.indexed
            .get_or_try_init(|| {
                self.once_more_if_dropped(|| async {
                    let index = IndexModel::builder()
                        .keys(doc! {"openId": 1, "id": 1})
                        .options(
                            IndexOptions::builder()
                                .unique(true)
                                .name(INDEX_NAME.to_owned())
                                .build(),
                        )
                        .build();
                    self.collection.create_index(index).await.map(|_| ())
                })
            })
            .await
            .map(|_| ())
    }

    /// The caller's paints, oldest first, at most the configured number.
    ///
    /// # Errors
    /// [`PaintsError`] when MongoDB does not answer.
    pub async fn list(&self, open_id: &OpenId) -> Result<Vec<Paint>, PaintsError> {
        self.bounded(async {
            let cursor = self
                .collection
                .clone_with_type::<Paint>()
                .find(doc! {"openId": open_id.as_str()})
                .projection(doc! {"_id": 0, "id": 1, "actions": 1})
                .sort(doc! {"_id": 1})
                .limit(self.list_limit)
                .await?;
            Ok(cursor.try_collect().await?)
        })
        .await
    }

    /// Create or replace the caller's paint `id` (never another user's).
    ///
    /// # Errors
    /// [`PaintsError`] when MongoDB does not answer.
    pub async fn save(&self, open_id: &OpenId, id: &str, actions: &str) -> Result<(), PaintsError> {
        self.bounded(async {
            self.ensure_index().await?;
            let filter = doc! {"openId": open_id.as_str(), "id": id};
            let paint = PaintDocument {
                open_id: open_id.as_str().to_owned(),
                id: id.to_owned(),
                actions: actions.to_owned(),
            };
            let upsert = || {
                self.collection
                    .replace_one(filter.clone(), &paint)
                    .upsert(true)
            };
            self.once_more_if_dropped(|| async {
                match upsert().await {
                    // Two concurrent first saves of one paint: the loser's insert hits the
                    // unique index; the paint exists now, so replacing it again succeeds.
                    Err(error) if is_duplicate_key(&error) => upsert().await.map(|_| ()),
                    other => other.map(|_| ()),
                }
            })
            .await
        })
        .await
    }

    /// Delete the caller's paint `id`; nothing happens when there is none.
    ///
    /// # Errors
    /// [`PaintsError`] when MongoDB does not answer.
    pub async fn delete(&self, open_id: &OpenId, id: &str) -> Result<(), PaintsError> {
        self.bounded(self.once_more_if_dropped(|| async {
            self.collection
                .delete_one(doc! {"openId": open_id.as_str(), "id": id})
                .await
                .map(|_| ())
        }))
        .await
    }

    /// `ping` the database, for `/readyz`.
    ///
    /// # Errors
    /// [`PaintsError`] when MongoDB does not answer.
    pub async fn ping(&self) -> Result<(), PaintsError> {
        self.bounded(self.once_more_if_dropped(|| async {
            self.database
                .run_command(doc! {"ping": 1})
                .await
                .map(|_| ())
        }))
        .await
    }
}

/// The connection was closed under the operation (reset, broken pipe, end of file) or the
/// pool was cleared because another one was: a fresh connection may succeed. Timeouts are not
/// counted: retrying one would only double the wait.
fn is_dropped_connection(error: &mongodb::error::Error) -> bool {
    match error.kind.as_ref() {
        ErrorKind::Io(io) => io.kind() != std::io::ErrorKind::TimedOut,
        ErrorKind::ConnectionPoolCleared { .. } => true,
        _ => false,
    }
}

/// MongoDB's duplicate-key error (code 11000).
fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    matches!(
        error.kind.as_ref(),
        ErrorKind::Write(WriteFailure::WriteError(write)) if write.code == 11000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_connections_are_closed_after_max_idle_secs() -> Result<(), mongodb::error::Error>
    {
        let settings = MongoSettings {
            max_idle_secs: 42,
            ..MongoSettings::default()
        };
        let options = client_options(&settings).await?;
        assert_eq!(options.max_idle_time, Some(Duration::from_secs(42)));
        assert_eq!(options.max_pool_size, Some(settings.max_pool_size));
        Ok(())
    }

    #[test]
    fn only_closed_connections_count_as_dropped() {
        let io = |kind: std::io::ErrorKind| mongodb::error::Error::from(std::io::Error::from(kind));
        assert!(is_dropped_connection(&io(std::io::ErrorKind::BrokenPipe)));
        assert!(is_dropped_connection(&io(
            std::io::ErrorKind::UnexpectedEof
        )));
        assert!(!is_dropped_connection(&io(std::io::ErrorKind::TimedOut)));
    }
}
