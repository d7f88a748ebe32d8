//! The API calls the resource makes, one small function each, so that batching of concurrent
//! creates/deletes and shared list reads can later be swapped in behind the same signatures.

use visionone_client::api::{ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyUpdate};
use visionone_client::{CancellationToken, Client, ETag, Error};

/// Create one key. The request gets its own token that nothing cancels: once sent, a create
/// must come back with its secret, or a key would exist that nobody can use or delete.
pub async fn create_one(client: &Client, item: &ApiKeyCreate) -> Result<ApiKeyCreated, Error> {
    client.create_api_key(item, &CancellationToken::new()).await
}

/// One key and its ETag; `None` when it is gone.
pub async fn read_one(
    client: &Client,
    id: &str,
    cancel: &CancellationToken,
) -> Result<Option<(ApiKey, Option<ETag>)>, Error> {
    client.get_api_key(id, cancel).await
}

/// Change a key in place.
pub async fn update_one(
    client: &Client,
    id: &str,
    update: &ApiKeyUpdate,
    etag: Option<&ETag>,
    cancel: &CancellationToken,
) -> Result<(), Error> {
    client.update_api_key(id, update, etag, cancel).await
}

/// Delete one key; a key already gone counts as deleted.
pub async fn delete_one(client: &Client, id: &str, cancel: &CancellationToken) -> Result<(), Error> {
    let mut results = client.delete_api_keys(&[id], cancel).await?;
    match results.pop() {
        Some(Err(e)) if !e.is_not_found() => Err(Error::Api(e)),
        Some(_) => Ok(()),
        None => Err(Error::Protocol("the delete answer had no entry".into())),
    }
}
