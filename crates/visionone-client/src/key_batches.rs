//! Coalesced key creates and deletes: concurrent single-key calls (Terraform applies ten resources
//! at a time, each in its own gRPC call) share one batch request.
//!
//! No secret is ever lost: a batch runs to completion in its own task whatever its callers do, and
//! a key created for a caller that went away (future dropped, or cancelled after the batch was sent)
//! is deleted again at once with a batch delete and logged on stderr by id (never by secret).

use tokio_util::sync::CancellationToken;
use visionone_api::{ApiKeyCreate, ApiKeyCreated};

use crate::coalesce::{BoxFuture, Entry, Rules};
use crate::shared::Counters;
use crate::{Client, Error};

impl Client {
    /// Create one key, batched with concurrent callers into one `POST /iam/apiKeys` (when the
    /// batch is sent: `coalesce.rs`). The batch gets the
    /// usual ambiguous-failure recovery; this caller gets its own 207 entry (a per-item error is
    /// `Error::Api`). Cancelled before sending: nothing is created. Cancelled after: returns
    /// `Error::Cancelled { in_flight: true }`, and a key made for this call is deleted again.
    /// With coalescing off this is [`Client::create_api_key`].
    pub async fn create_api_key_coalesced(
        &self,
        item: ApiKeyCreate,
        cancel: &CancellationToken,
    ) -> Result<ApiKeyCreated, Error> {
        let shared = self.shared();
        let s = shared.settings();
        if !s.enabled {
            let created = self.create_api_key(&item, cancel).await?;
            shared.keys.note_changed(&created.id);
            return Ok(created);
        }
        let rules = Rules {
            window: s.window,
            hold_percent: s.hold_percent,
            quiet_factor: s.quiet_factor,
            max_batch: s.max_batch,
            flush: flush_creates,
        };
        shared.creates.submit(self, item, rules, cancel).await
    }

    /// Delete one key, batched with concurrent callers into one `POST /iam/apiKeys/delete`. A key
    /// already gone counts as deleted. Deletes are idempotent, so a cancelled caller leaves
    /// nothing to clean up. With coalescing off this is a one-item [`Client::delete_api_keys`].
    pub async fn delete_api_key_coalesced(&self, id: &str, cancel: &CancellationToken) -> Result<(), Error> {
        let shared = self.shared();
        let s = shared.settings();
        if !s.enabled {
            let outcome = self.delete_api_keys(&[id], cancel).await?;
            single(outcome)?;
            shared.keys.note_deleted(id);
            return Ok(());
        }
        let rules = Rules {
            window: s.window,
            hold_percent: s.hold_percent,
            quiet_factor: s.quiet_factor,
            max_batch: s.max_batch,
            flush: flush_deletes,
        };
        shared.deletes.submit(self, id.to_owned(), rules, cancel).await
    }
}

fn single(mut outcome: Vec<Result<(), crate::ApiError>>) -> Result<(), Error> {
    match outcome.pop() {
        Some(r) => r.map_err(Error::Api),
        None => Err(Error::Protocol("the delete answer had no entry".into())),
    }
}

fn flush_creates(client: Client, batch: Vec<Entry<ApiKeyCreate, ApiKeyCreated>>) -> BoxFuture {
    Box::pin(async move {
        let shared = client.shared();
        Counters::add(&shared.counters.create_batches, 1);
        Counters::add(&shared.counters.create_items, batch.len() as u64);
        let items: Vec<ApiKeyCreate> = batch.iter().map(|e| e.item.clone()).collect();
        // The batch belongs to no single caller: only its own deadline stops it.
        let outcome = client.create_api_keys(&items, &CancellationToken::new()).await;
        let mut orphans = Vec::new();
        match outcome {
            Ok(results) => {
                let mut results = results.into_iter();
                for entry in batch {
                    let result = match results.next() {
                        Some(r) => r.map_err(Error::Api),
                        None => Err(Error::Protocol("the batch create answer had too few entries".into())),
                    };
                    if let Ok(created) = &result {
                        shared.keys.note_changed(&created.id);
                    }
                    if let Err(Ok(created)) = entry.reply.send(result) {
                        orphans.push(created.id);
                    }
                }
            }
            Err(e) => {
                for entry in batch {
                    let object = format!("API key '{}'", entry.item.name);
                    if entry.reply.send(Err(error_for(&e, object.clone()))).is_err() && e.may_have_created() {
                        eprintln!(
                            "[ERROR] visionone: {object} may have been created for a request that was cancelled: {e}"
                        );
                    }
                }
            }
        }
        if !orphans.is_empty() {
            delete_orphans(&client, orphans).await;
        }
    })
}

/// Delete keys whose creator went away before taking the secret; nobody else can ever read it.
async fn delete_orphans(client: &Client, ids: Vec<String>) {
    let shared = client.shared();
    let outcome = client.delete_api_keys(&ids, &CancellationToken::new()).await;
    for (n, id) in ids.iter().enumerate() {
        let failure = match &outcome {
            Ok(results) => match results.get(n) {
                Some(Ok(())) => None,
                Some(Err(e)) => Some(e.to_string()),
                None => Some("no answer for it".to_owned()),
            },
            Err(e) => Some(e.to_string()),
        };
        match failure {
            None => {
                shared.keys.note_deleted(id);
                Counters::add(&shared.counters.orphans_deleted, 1);
                eprintln!(
                    "[WARN] visionone: API key {id} was created for a request that was cancelled; deleted it again"
                );
            }
            Some(why) => {
                Counters::add(&shared.counters.orphans_left, 1);
                eprintln!(
                    "[ERROR] visionone: API key {id} was created for a request that was cancelled, and deleting it \
                     failed ({why}); delete it by hand"
                );
            }
        }
    }
}

fn flush_deletes(client: Client, batch: Vec<Entry<String, ()>>) -> BoxFuture {
    Box::pin(async move {
        let shared = client.shared();
        Counters::add(&shared.counters.delete_batches, 1);
        Counters::add(&shared.counters.delete_items, batch.len() as u64);
        let ids: Vec<&str> = batch.iter().map(|e| e.item.as_str()).collect();
        let outcome = client.delete_api_keys(&ids, &CancellationToken::new()).await;
        match outcome {
            Ok(results) => {
                let mut results = results.into_iter();
                for entry in batch {
                    let result = match results.next() {
                        Some(r) => r.map_err(Error::Api),
                        None => Err(Error::Protocol("the batch delete answer had too few entries".into())),
                    };
                    if result.is_ok() {
                        shared.keys.note_deleted(&entry.item);
                    }
                    let _ = entry.reply.send(result);
                }
            }
            Err(e) => {
                for entry in batch {
                    let _ = entry.reply.send(Err(e.clone()));
                }
            }
        }
    })
}

/// A whole-batch error as one caller's: "may have been created" names that caller's object only.
fn error_for(e: &Error, object: String) -> Error {
    match e.clone() {
        Error::MaybeCreated {
            source, lookup_failure, ..
        } => Error::MaybeCreated {
            object,
            source,
            lookup_failure,
        },
        Error::CreateFailed { source, .. } => Error::CreateFailed { object, source },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_error_names_each_callers_own_key() {
        let e = Error::MaybeCreated {
            object: "API keys 'a', 'b'".into(),
            source: Box::new(Error::Transport {
                message: "reset".into(),
                timeout: false,
                body_sent: true,
            }),
            lookup_failure: Some(Box::new(Error::Protocol("x".into()))),
        };
        let mine = error_for(&e, "API key 'b'".into());
        assert!(
            mine.to_string().starts_with("API key 'b' may have been created"),
            "{mine}"
        );
        assert!(mine
            .to_string()
            .ends_with("looking it up failed too: unexpected answer from the API: x"));
        assert!(mine.may_have_created());
        let other = error_for(&Error::Protocol("y".into()), "API key 'c'".into());
        assert_eq!(other.to_string(), "unexpected answer from the API: y");
    }
}
