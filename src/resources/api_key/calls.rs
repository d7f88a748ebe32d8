//! The API calls the resource makes, one small function each. Creates and deletes are coalesced
//! by the client into batch calls (Terraform runs ten resources at once); refresh reads come from
//! one shared paged list. `VISIONONE_COALESCE=0` turns both off.

use visionone_client::api::{ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyUpdate};
use visionone_client::{CancellationToken, Client, ETag, Error};

/// Create one key. The request gets its own token that nothing cancels: once sent, a create
/// must come back with its secret, or a key would exist that nobody can use or delete.
pub async fn create_one(client: &Client, item: &ApiKeyCreate) -> Result<ApiKeyCreated, Error> {
    client
        .create_api_key_coalesced(item.clone(), &CancellationToken::new())
        .await
}

/// One key for a refresh, from the shared list snapshot when many keys are being read.
pub async fn read_shared(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<ApiKey>, Error> {
    client.read_api_key_shared(id, cancel).await
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
    client.delete_api_key_coalesced(id, cancel).await
}

/// The key an import names: by id, else by its exact name (names are unique in a tenant).
pub async fn find_for_import(
    client: &Client,
    id_or_name: &str,
    cancel: &CancellationToken,
) -> Result<Option<ApiKey>, Error> {
    if let Some((key, _)) = read_one(client, id_or_name, cancel).await? {
        return Ok(Some(key));
    }
    client.find_api_key_by_name(id_or_name, cancel).await
}
