//! The queries behind the three routes (`spec/originals.md` §4), on the pool.
//!
//! Differences from the original, none visible to its client: a stable order (`ORDER BY id`),
//! bounded comment lists, and a comment is stored only for an existing video, at most once per
//! client attempt (the write is in [`super::posting`]).
//!
//! Broken connections: mysql_async checks an idle pooled connection's socket when handing it out
//! and replaces it if the server closed it (session killed, server restarted). A connection can
//! still break during a query; reads (and the readiness ping) are then retried once on a fresh
//! connection.

use std::{future::Future, time::Duration};

use mysql_async::{Opts, Pool, Value, prelude::Queryable};
use serde::Serialize;

use super::{DbError, Timestamp};
use crate::{
    params::{PageNo, VideoId},
    settings::MysqlSettings,
};

/// One page of the catalogue in id order: `LIMIT page_size OFFSET (pageNo-1)*page_size`.
pub const PAGE_SQL: &str = "SELECT id, video_url, video_title, video_image, video_desc, \
     created_at FROM video ORDER BY id LIMIT ? OFFSET ?";
/// The catalogue's size, for `totalPage`.
pub const COUNT_SQL: &str = "SELECT COUNT(*) FROM video";
/// A video's comments, newest first (the original's `ORDER BY id DESC`), at most `?`.
pub const COMMENTS_SQL: &str = "SELECT id, vid, nick, avatar, content, created_at \
     FROM comment WHERE vid = ? ORDER BY id DESC LIMIT ?";

/// A `video` row as the list returns it (`list[i].{id,video_url,video_title,video_image}` are
/// what the original client reads).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Video {
    /// `video.id`, the `vid` of the comment routes.
    pub id: u32,
    /// mp4 or HLS (m3u8) URL.
    pub video_url: String,
    /// Title.
    pub video_title: String,
    /// Poster URL.
    pub video_image: String,
    /// Description (may be empty).
    pub video_desc: String,
    /// When it was added, UTC.
    pub created_at: Timestamp,
}

/// `data` of the list reply: `{"list":[…],"totalPage":n}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// The page's videos, in id order.
    pub list: Vec<Video>,
    /// `ceil(count / page_size)`; 0 for an empty catalogue.
    #[serde(rename = "totalPage")]
    pub total_page: u64,
}

/// A `comment` row as `commentList` returns it (the client reads `avatar`, `nick`, `content`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// `comment.id`, increasing in the order comments were stored.
    pub id: u64,
    /// The video's id.
    pub vid: u32,
    /// Nickname (may be empty).
    pub nick: String,
    /// Avatar URL (may be empty).
    pub avatar: String,
    /// The text, exactly as posted.
    pub content: String,
    /// When it was stored, UTC.
    pub created_at: Timestamp,
}

/// The catalogue and its comments on a MySQL pool.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub(super) pool: Pool,
    /// The pool's options, for a connection of its own (a comment's confirmation).
    pub(super) opts: Opts,
    /// `mysql.timeout_secs`.
    pub(super) timeout: Duration,
    /// `mysql.statement_timeout_secs` + `mysql.clock_skew_ms`: how long after a comment's
    /// insert had to start its outcome may still change.
    pub(super) settle: Duration,
}

type VideoRow = (u32, String, String, String, String, Value);
type CommentRow = (u64, u32, String, String, String, Value);

fn timestamp(value: Value) -> Result<Timestamp, DbError> {
    Timestamp::from_value(value).map_err(DbError::Decode)
}

impl Catalogue {
    /// Queries on the service's pool for `settings` ([`super::connect`]); each operation, the
    /// wait for a connection included, fails after `mysql.timeout_secs`.
    pub fn connect(settings: &MysqlSettings) -> Self {
        Self {
            pool: super::connect(settings),
            opts: super::service_opts(settings),
            timeout: settings.timeout(),
            settle: settings.statement_timeout() + settings.clock_skew(),
        }
    }

    /// The pool (to disconnect it at shutdown).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn timed<T>(
        &self,
        operation: impl Future<Output = Result<T, mysql_async::Error>>,
    ) -> Result<T, DbError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(DbError::Timeout(self.timeout)),
        }
    }

    /// Run a read; once more on a new connection if the first one was broken.
    async fn read<T, F, Fut>(&self, attempt: F) -> Result<T, DbError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, mysql_async::Error>>,
    {
        match self.timed(attempt()).await {
            Err(error) if error.is_broken_connection() => {
                log::warn!("retrying a read on a new connection after: {error}");
                self.timed(attempt()).await
            }
            result => result,
        }
    }

    /// Page `page_no` of `page_size` videos and the page count.
    ///
    /// # Errors
    /// [`DbError`] when MySQL fails or does not answer in time.
    pub async fn page(&self, page_no: PageNo, page_size: u32) -> Result<Page, DbError> {
        let pool = &self.pool;
        let offset = page_no.offset(page_size);
        let (count, rows) = self
            .read(move || async move {
                let mut conn = pool.get_conn().await?;
                let count: Option<u64> = conn.exec_first(COUNT_SQL, ()).await?;
                let rows: Vec<VideoRow> = conn.exec(PAGE_SQL, (page_size, offset)).await?;
                Ok((count, rows))
            })
            .await?;
        let list = rows
            .into_iter()
            .map(
                |(id, video_url, video_title, video_image, video_desc, created)| {
                    Ok(Video {
                        id,
                        video_url,
                        video_title,
                        video_image,
                        video_desc,
                        created_at: timestamp(created)?,
                    })
                },
            )
            .collect::<Result<_, DbError>>()?;
        Ok(Page {
            list,
            total_page: count.unwrap_or(0).div_ceil(u64::from(page_size)),
        })
    }

    /// The newest `limit` comments of `vid` (none for an unknown video, as in the original).
    ///
    /// # Errors
    /// [`DbError`] when MySQL fails or does not answer in time.
    pub async fn comments(&self, vid: VideoId, limit: u32) -> Result<Vec<Comment>, DbError> {
        let pool = &self.pool;
        let rows: Vec<CommentRow> = self
            .read(move || async move {
                let mut conn = pool.get_conn().await?;
                conn.exec(COMMENTS_SQL, (vid.get(), limit)).await
            })
            .await?;
        rows.into_iter()
            .map(|(id, vid, nick, avatar, content, created)| {
                Ok(Comment {
                    id,
                    vid,
                    nick,
                    avatar,
                    content,
                    created_at: timestamp(created)?,
                })
            })
            .collect()
    }

    /// Readiness: a pooled connection answers a ping.
    ///
    /// # Errors
    /// [`DbError`] when MySQL cannot be reached in time.
    pub async fn ping(&self) -> Result<(), DbError> {
        let pool = &self.pool;
        self.read(move || async move { pool.get_conn().await?.ping().await })
            .await
    }
}
