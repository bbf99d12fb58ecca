//! Streams one uploaded image into the store: sniff, enforce the size limit, write atomically.
//!
//! The first [`SNIFF_LEN`] bytes decide JPEG or PNG (`spec/originals.md` §1.2); nothing is
//! written before that. Bodies up to `upload.multipart_threshold` are buffered and stored with
//! one PUT; larger ones go out as a multipart upload, which the store makes visible only when
//! it completes. Any failure — too large, a broken client stream, a store error — leaves no
//! object behind: the single PUT never started, or the multipart upload is aborted
//! (`ARCHITECTURE.md` "album upload").

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{
    Attribute, Attributes, PutMode, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
    path::Path,
};

use super::{Storage, owner, signer::OWNER_METADATA};
use crate::image::{ImageKind, SNIFF_LEN};

/// Part size of multipart uploads: the S3 minimum of 5 MiB.
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight at once during a multipart upload, bounding memory per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Why an image was not stored. Nothing was stored in every case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The bytes are not JPEG or PNG (or not the type the upload was signed for).
    #[error("not a JPEG or PNG image")]
    NotImage,
    /// More than the configured limit.
    #[error("image larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The client's body broke off or was malformed.
    #[error("upload stream failed: {0}")]
    Stream(String),
    /// The key already holds an object and the write may not replace it (a direct upload
    /// signed once).
    #[error("the object already exists")]
    Exists,
    /// The store refused or failed.
    #[error("storage failed: {0}")]
    Store(#[from] object_store::Error),
}

/// How an image is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// The uploader's openid, recorded as object metadata (or a side record).
    pub owner: Option<String>,
    /// Refuse to replace an existing object ([`WriteError::Exists`]).
    pub create_only: bool,
    /// The image kind the upload was signed for; the sniffed bytes must match it.
    pub expected: Option<ImageKind>,
    /// A bound below `upload.max_file_size` (the size a direct upload was signed for).
    pub max_size: Option<u64>,
}

/// A stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its object key.
    pub key: String,
    /// JPEG or PNG.
    pub kind: ImageKind,
    /// Its size in bytes.
    pub size: u64,
}

enum Sink {
    Buffered(Vec<Bytes>),
    Multipart(WriteMultipart),
}

impl Storage {
    /// Store the image read from `body` under the key `key_for(kind)` returns.
    ///
    /// With `options.expected` set (a signed direct upload), the sniffed kind must be that one;
    /// with `options.create_only`, an existing object is not replaced. The owner is recorded
    /// with the object.
    ///
    /// # Errors
    /// [`WriteError`]; in every case no object was written (an existing one is untouched).
    pub async fn write_image<S, E>(
        &self,
        body: S,
        options: &WriteOptions,
        key_for: impl FnOnce(ImageKind) -> String,
    ) -> Result<Stored, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // Fused: some bodies (actix-multipart fields) panic when polled after their end.
        let mut body = body.fuse();
        let limit = options
            .max_size
            .map_or(self.max_file_size, |max| max.min(self.max_file_size));
        let mut head: Vec<Bytes> = Vec::new();
        let mut size: u64 = 0;

        // Sniff: gather the first SNIFF_LEN bytes (or the whole body if shorter).
        while (size as usize) < SNIFF_LEN {
            match body.next().await {
                Some(Ok(chunk)) => {
                    size += chunk.len() as u64;
                    head.push(chunk);
                }
                Some(Err(error)) => return Err(WriteError::Stream(error.to_string())),
                None => break,
            }
        }
        let sniffed = ImageKind::sniff(&head.concat()).ok_or(WriteError::NotImage)?;
        if options.expected.is_some_and(|expected| expected != sniffed) {
            return Err(WriteError::NotImage);
        }
        if size > limit {
            return Err(WriteError::TooLarge { limit });
        }
        let key = key_for(sniffed);
        let path = Path::parse(&key).map_err(object_store::Error::from)?;

        let mut sink = Sink::Buffered(head);
        let result = self
            .pump(&mut body, &mut sink, &path, sniffed, options, &mut size)
            .await;
        match (result, sink) {
            (Ok(()), Sink::Buffered(chunks)) => {
                let payload: PutPayload = chunks.into_iter().collect();
                let put = PutOptions {
                    mode: if options.create_only {
                        PutMode::Create
                    } else {
                        PutMode::Overwrite
                    },
                    attributes: self.attributes(sniffed, options),
                    ..PutOptions::default()
                };
                match self.store.put_opts(&path, payload, put).await {
                    Ok(_) => {}
                    Err(object_store::Error::AlreadyExists { .. }) => {
                        return Err(WriteError::Exists);
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            (Ok(()), Sink::Multipart(upload)) => {
                upload.finish().await?;
            }
            (Err(error), Sink::Multipart(upload)) => {
                if let Err(abort) = upload.abort().await {
                    log::warn!("aborting the multipart upload of {key} failed: {abort}");
                }
                return Err(error);
            }
            (Err(error), Sink::Buffered(_)) => return Err(error),
        }
        if let Some(owner) = &options.owner {
            owner::record(self, &key, owner).await?;
        }
        self.stored.add(size);
        Ok(Stored {
            key,
            kind: sniffed,
            size,
        })
    }

    /// Read the rest of `body` into `sink`, switching to a multipart upload past the threshold.
    async fn pump<S, E>(
        &self,
        body: &mut S,
        sink: &mut Sink,
        path: &Path,
        kind: ImageKind,
        options: &WriteOptions,
        size: &mut u64,
    ) -> Result<(), WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin + futures_util::stream::FusedStream,
        E: std::fmt::Display,
    {
        let limit = options
            .max_size
            .map_or(self.max_file_size, |max| max.min(self.max_file_size));
        loop {
            if let Sink::Buffered(chunks) = sink
                && *size > self.multipart_threshold
            {
                // A multipart upload cannot be made conditional: look first (a race with
                // another writer of the same signed key is left to the store's last write).
                if options.create_only && self.head(path.as_ref()).await?.is_some() {
                    return Err(WriteError::Exists);
                }
                let multipart = PutMultipartOptions::from(self.attributes(kind, options));
                let upload = self.store.put_multipart_opts(path, multipart).await?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
                for chunk in chunks.drain(..) {
                    writer.put(chunk);
                }
                *sink = Sink::Multipart(writer);
            }
            if let Sink::Multipart(writer) = sink {
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            }
            let chunk = match body.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => return Err(WriteError::Stream(error.to_string())),
                None => return Ok(()),
            };
            *size += chunk.len() as u64;
            if *size > limit {
                return Err(WriteError::TooLarge { limit });
            }
            match sink {
                Sink::Buffered(chunks) => chunks.push(chunk),
                Sink::Multipart(writer) => writer.put(chunk),
            }
        }
    }

    fn attributes(&self, kind: ImageKind, options: &WriteOptions) -> Attributes {
        let mut attributes = Attributes::new();
        if self.attributes {
            attributes.insert(Attribute::ContentType, kind.mime().into());
            if let Some(owner) = &options.owner {
                attributes.insert(
                    Attribute::Metadata(OWNER_METADATA.into()),
                    owner.clone().into(),
                );
            }
        }
        attributes
    }
}
