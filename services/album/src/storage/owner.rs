//! Who uploaded an object. S3 and COS keep it as user metadata on the object itself
//! (`x-amz-meta-openid` / `x-cos-meta-openid`, written with the upload — never in a URL). The
//! local filesystem keeps no metadata, so there the album writes a side record
//! `{folder}.album-owners/{key in the folder}` holding the openid, which the original's
//! folder listing never shows (it lists only the folder's own level) and which goes with the
//! image on delete. On WeChat Cloud Run storage the owner lives in the album's index only.

use object_store::{Attribute, GetOptions, ObjectStoreExt, PutPayload, path::Path};

use super::{Storage, signer::OWNER_METADATA};

/// Folder of the side records, inside the upload folder.
const SIDE_FOLDER: &str = ".album-owners";

fn side_path(storage: &Storage, key: &str) -> object_store::Result<Path> {
    let folder = storage.folder.prefix();
    let rest = key.strip_prefix(folder).unwrap_or(key);
    Ok(Path::parse(format!("{folder}{SIDE_FOLDER}/{rest}"))?)
}

/// Record `owner` of `key` where the object itself could not carry it.
///
/// # Errors
/// The store's error.
pub(super) async fn record(storage: &Storage, key: &str, owner: &str) -> object_store::Result<()> {
    if storage.attributes || storage.tcb.is_some() {
        return Ok(());
    }
    let payload = PutPayload::from(owner.as_bytes().to_vec());
    storage
        .store
        .put(&side_path(storage, key)?, payload)
        .await
        .map(drop)
}

/// The recorded owner of `key`.
///
/// # Errors
/// The store's error.
pub(super) async fn read(storage: &Storage, key: &str) -> object_store::Result<Option<String>> {
    if storage.tcb.is_some() {
        return Ok(None);
    }
    let (path, options) = if storage.attributes {
        let options = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        (Path::parse(key)?, options)
    } else {
        (side_path(storage, key)?, GetOptions::default())
    };
    let result = match storage.store.get_opts(&path, options).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    if storage.attributes {
        let owner = result
            .attributes
            .get(&Attribute::Metadata(OWNER_METADATA.into()))
            .map(|value| value.as_ref().to_owned());
        return Ok(owner.filter(|owner| !owner.is_empty()));
    }
    let bytes = result.bytes().await?;
    Ok(std::str::from_utf8(&bytes)
        .ok()
        .map(str::to_owned)
        .filter(|owner| !owner.is_empty()))
}

/// Remove the side record of `key` (nothing to do where the object carried the owner).
///
/// # Errors
/// The store's error.
pub(super) async fn forget(storage: &Storage, key: &str) -> object_store::Result<()> {
    if storage.attributes || storage.tcb.is_some() {
        return Ok(());
    }
    match storage.store.delete(&side_path(storage, key)?).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(error) => Err(error),
    }
}
