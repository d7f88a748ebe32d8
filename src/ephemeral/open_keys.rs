//! The ephemeral API keys this process has opened and not yet closed, so that the shutdown hook
//! can delete them when Terraform is interrupted (or the process stopped) before Close.
//!
//! One [`OpenKeys`] lives in the provider's core and reaches the ephemeral resource through
//! [`Call`](crate::provider::Call); each entry keeps the client that made the key, since a later
//! ConfigureProvider may replace the core's.

use super::retry::retry;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use visionone_client::{CancellationToken, Client, Error};

/// What Close needs to delete a key and to say which one it could not: it travels in `private`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenKey {
    pub id: String,
    pub name: String,
    /// ISO 8601, UTC; `None` when the API gave none.
    pub expires_at: Option<String>,
}

impl OpenKey {
    /// "id (name, expires at …)", for error messages and logs. No secret in here.
    pub fn describe(&self) -> String {
        format!(
            "{} (name {:?}, expires {})",
            self.id,
            self.name,
            self.expires_at.as_deref().unwrap_or("never")
        )
    }

    pub fn to_private(&self) -> Vec<u8> {
        serde_json::json!({"id": self.id, "name": self.name, "expires_at": self.expires_at})
            .to_string()
            .into_bytes()
    }

    pub fn from_private(bytes: &[u8]) -> Option<OpenKey> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        Some(OpenKey {
            id: v.get("id")?.as_str()?.to_string(),
            name: v.get("name")?.as_str()?.to_string(),
            expires_at: v.get("expires_at").and_then(|e| e.as_str()).map(str::to_string),
        })
    }
}

/// Tries at Close, and the first wait between them (then doubled): 0.5 s + 1 s.
pub const DELETE_ATTEMPTS: u32 = 3;
pub const DELETE_FIRST_WAIT: Duration = Duration::from_millis(500);

/// Deletes one key, a few times if need be; a key already gone counts as deleted. Nothing
/// cancels it: a Ctrl-C must not leave the key behind.
pub async fn delete(client: &Client, key: &OpenKey, attempts: u32) -> Result<(), Error> {
    let never = CancellationToken::new();
    retry(attempts, DELETE_FIRST_WAIT, || {
        client.delete_api_key_coalesced(&key.id, &never)
    })
    .await
}

#[derive(Default)]
pub struct OpenKeys {
    keys: Mutex<HashMap<String, (Client, OpenKey)>>,
}

impl OpenKeys {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Client, OpenKey)>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a key Open made.
    pub fn opened(&self, client: &Client, key: &OpenKey) {
        self.lock().insert(key.id.clone(), (client.clone(), key.clone()));
    }

    /// Close deleted it (or it was gone).
    pub fn closed(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many are open now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shutdown hook: deletes every key still open, all at once (the client batches them),
    /// one try each since the server gives the hook only about 1.5 s. Keys opened later (a
    /// provider in debug mode serves run after run) are recorded as before.
    pub async fn close_all(&self) {
        let open: Vec<(Client, OpenKey)> = self.lock().drain().map(|(_, v)| v).collect();
        if open.is_empty() {
            return;
        }
        tfplugin::log::warn(
            "shutting down with ephemeral API keys still open; deleting them",
            &[("count", &open.len())],
        );
        let mut tasks = tokio::task::JoinSet::new();
        for (client, key) in open {
            tasks.spawn(async move {
                match delete(&client, &key, 1).await {
                    Ok(()) => tfplugin::log::info("deleted ephemeral API key at shutdown", &[("id", &key.id)]),
                    Err(e) => tfplugin::log::error(
                        "could not delete ephemeral API key at shutdown",
                        &[("key", &key.describe()), ("error", &e.to_string())],
                    ),
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_round_trips_and_holds_no_secret() {
        let k = OpenKey {
            id: "k1".into(),
            name: "terraform-run-x".into(),
            expires_at: Some("2026-01-01T00:00:00Z".into()),
        };
        let bytes = k.to_private();
        assert_eq!(OpenKey::from_private(&bytes), Some(k.clone()));
        let never = OpenKey { expires_at: None, ..k };
        assert_eq!(OpenKey::from_private(&never.to_private()), Some(never));
        assert_eq!(OpenKey::from_private(b"not json"), None);
        assert_eq!(OpenKey::from_private(b"{}"), None);
    }
}
