//! API keys (contract §2): batch create with every 207 entry checked, batch delete, list, get, update.
//!
//! A create is never retried blindly: after an ambiguous failure each key of the failed batch is
//! looked up by name. A key found that way has a secret nobody can read, so it is deleted and the
//! batch sent again; the caller always gets a secret, and nothing is left behind on the server.

use crate::shared::ObjectKind;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use visionone_api::filter::Filter;
use visionone_api::{
    codes, ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyUpdate, IdRef, MultiStatusEntry, Page, MAX_BATCH,
};

use crate::error::ApiError;
use crate::transport::{Request, Retry};
use crate::{Client, ETag, Error, ListQuery};

const KEYS: &[&str] = &["iam", "apiKeys"];
/// A key created this long before our first attempt (by the server's clock) cannot be ours. The
/// margin covers clock error: small once a `Date` header calibrated the server clock, wide before.
const CALIBRATED_MARGIN: Duration = Duration::from_secs(5);
const UNCALIBRATED_MARGIN: Duration = Duration::from_secs(60);

/// The outcome of one item of a batch create.
pub type CreateResult = Result<ApiKeyCreated, ApiError>;

impl Client {
    /// Every key matching `query`, all pages.
    pub async fn list_api_keys(&self, query: &ListQuery, cancel: &CancellationToken) -> Result<Vec<ApiKey>, Error> {
        self.list_all(KEYS, query, true, cancel).await
    }

    /// One page of keys; pass the previous page's `next_link` to get the next.
    pub async fn list_api_keys_page(
        &self,
        query: &ListQuery,
        next_link: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Page<ApiKey>, Error> {
        self.list_page(KEYS, query, true, next_link, cancel).await
    }

    /// One key and its ETag; `None` when it does not exist.
    pub async fn get_api_key(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<(ApiKey, Option<ETag>)>, Error> {
        self.get_versioned(&["iam", "apiKeys", id], "API key", cancel).await
    }

    /// The key with exactly this name (names are unique in a tenant).
    pub async fn find_api_key_by_name(&self, name: &str, cancel: &CancellationToken) -> Result<Option<ApiKey>, Error> {
        let keys = self
            .list_api_keys(&ListQuery::filtered(Filter::eq("name", name)), cancel)
            .await?;
        Ok(keys.into_iter().find(|k| k.name == name))
    }

    /// Create one key; its per-item error becomes an `Error::Api`.
    pub async fn create_api_key(
        &self,
        item: &ApiKeyCreate,
        cancel: &CancellationToken,
    ) -> Result<ApiKeyCreated, Error> {
        let mut results = self.create_api_keys(std::slice::from_ref(item), cancel).await?;
        match results.pop() {
            Some(Ok(created)) => Ok(created),
            Some(Err(e)) => Err(Error::Api(e)),
            None => Err(Error::Protocol("the create answer had no entry".into())),
        }
    }

    /// Create keys, in batches of at most 50. One result per item, in order. `Err` only when no
    /// key was created (or, for a batch after the first, per item of that batch and the ones after
    /// it, so that the secrets of the batches already created are never lost).
    pub async fn create_api_keys(
        &self,
        items: &[ApiKeyCreate],
        cancel: &CancellationToken,
    ) -> Result<Vec<CreateResult>, Error> {
        let mut results = Vec::with_capacity(items.len());
        for (n, batch) in items.chunks(MAX_BATCH).enumerate() {
            match self.create_batch(batch, cancel).await {
                Ok(r) => {
                    for created in r.iter().flatten() {
                        self.note_changed(ObjectKind::ApiKey, &created.id);
                    }
                    results.extend(r)
                }
                Err(e) if n == 0 => return Err(e),
                Err(e) => {
                    let as_item = ApiError {
                        status: e.status().unwrap_or(0),
                        code: e.code().unwrap_or("NotCreated").to_owned(),
                        message: e.to_string(),
                        trace_id: e.trace_id().map(str::to_owned),
                    };
                    results.extend(std::iter::repeat_n(Err(as_item), items.len() - results.len()));
                    return Ok(results);
                }
            }
        }
        Ok(results)
    }

    /// One batch of ≤ 50, with recovery from ambiguous failures.
    async fn create_batch(
        &self,
        batch: &[ApiKeyCreate],
        cancel: &CancellationToken,
    ) -> Result<Vec<CreateResult>, Error> {
        let margin = if self.server_time_offset().is_some() {
            CALIBRATED_MARGIN
        } else {
            UNCALIBRATED_MARGIN
        };
        let started = self.server_now() - margin;
        let mut results: Vec<Option<CreateResult>> = vec![None; batch.len()];
        // Indices of the items still to send.
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        let mut round = 0u32;
        loop {
            let body: Vec<&ApiKeyCreate> = pending.iter().map(|i| &batch[*i]).collect();
            let req = Request::new(Method::POST, self.url(KEYS)).json(&body)?;
            let failure = match self.send(&req, Retry::UnlessAmbiguous, cancel).await {
                Ok(reply) => match parse_create_answer(&reply, pending.len()) {
                    Ok(entries) => {
                        for (i, r) in pending.iter().zip(entries) {
                            results[*i] = Some(r);
                        }
                        return Ok(results.into_iter().map(|r| r.expect("every item answered")).collect());
                    }
                    // Keys may exist without our having their secrets: settle like a lost answer.
                    Err(e) => e,
                },
                Err(e) if !e.is_ambiguous() => return Err(e),
                Err(e) => e,
            };
            let names = describe(batch, &pending);
            if failure.is_cancelled() {
                return Err(Error::MaybeCreated {
                    object: names,
                    source: Box::new(failure),
                    lookup_failure: None,
                });
            }
            let conflicts = match self.settle_keys(batch, &pending, started, cancel).await {
                Ok(c) => c,
                Err(lookup) => {
                    return Err(Error::MaybeCreated {
                        object: names,
                        source: Box::new(failure),
                        lookup_failure: Some(Box::new(lookup)),
                    })
                }
            };
            for (i, err) in conflicts {
                results[i] = Some(Err(err));
                pending.retain(|p| *p != i);
            }
            if pending.is_empty() {
                return Ok(results.into_iter().map(|r| r.expect("every item settled")).collect());
            }
            if round >= self.inner.max_retries {
                return Err(Error::CreateFailed {
                    object: describe(batch, &pending),
                    source: Box::new(Error::Retried {
                        attempts: round + 1,
                        source: Box::new(failure),
                    }),
                });
            }
            self.pause_before_recreate(round, cancel).await?;
            round += 1;
        }
    }

    /// After an ambiguous failure: delete every key of the batch that was created anyway. A key of
    /// that name created before `started` (our first attempt, less a clock margin) was someone
    /// else's: report it as a conflict and leave it alone.
    async fn settle_keys(
        &self,
        batch: &[ApiKeyCreate],
        pending: &[usize],
        started: SystemTime,
        cancel: &CancellationToken,
    ) -> Result<Vec<(usize, ApiError)>, Error> {
        let mut conflicts = Vec::new();
        let mut orphans = Vec::new();
        for &i in pending {
            let name = &batch[i].name;
            let Some(found) = self.find_api_key_by_name(name, cancel).await? else {
                continue;
            };
            if created_before(&found, started) {
                conflicts.push((
                    i,
                    ApiError::new(
                        409,
                        codes::CONFLICT,
                        &format!("an API key named '{name}' already exists"),
                    ),
                ));
            } else {
                orphans.push(found.id);
            }
        }
        if !orphans.is_empty() {
            let outcome = self.delete_api_keys(&orphans, cancel).await?;
            if let Some((id, Err(e))) = orphans.iter().zip(outcome).find(|(_, r)| r.is_err()) {
                return Err(Error::Protocol(format!(
                    "API key {id} was created but its answer was lost, and deleting it failed ({e}); delete it by hand"
                )));
            }
        }
        Ok(conflicts)
    }

    /// Change a key's name, role, status or description.
    pub async fn update_api_key(
        &self,
        id: &str,
        update: &ApiKeyUpdate,
        if_match: Option<&ETag>,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        self.note_changed(ObjectKind::ApiKey, id);
        match self.patch(&["iam", "apiKeys", id], update, if_match, cancel).await {
            // A retried PATCH meets the new ETag its own lost first attempt made: if the key shows
            // every change asked for, it was ours.
            Err(e) if e.is_precondition_failed() && e.after_retry() => match self.get_api_key(id, cancel).await {
                Ok(Some((current, _))) if key_shows(&current, update) => Ok(()),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Delete keys in batches of 50. One result per id; a key already gone counts as deleted.
    pub async fn delete_api_keys<S: AsRef<str>>(
        &self,
        ids: &[S],
        cancel: &CancellationToken,
    ) -> Result<Vec<Result<(), ApiError>>, Error> {
        let mut results = Vec::with_capacity(ids.len());
        for batch in ids.chunks(MAX_BATCH) {
            let body: Vec<IdRef> = batch
                .iter()
                .map(|id| IdRef {
                    id: id.as_ref().to_owned(),
                })
                .collect();
            let req = Request::new(Method::POST, self.url(&["iam", "apiKeys", "delete"])).json(&body)?;
            let reply = self.send(&req, Retry::Always, cancel).await?;
            if reply.body.iter().all(u8::is_ascii_whitespace) {
                // A bare 2xx with no entries: the whole batch went through.
                results.extend(batch.iter().map(|_| Ok(())));
                continue;
            }
            let entries: Vec<MultiStatusEntry> = reply.json("batch delete answer")?;
            if entries.len() != batch.len() {
                return Err(Error::Protocol(format!(
                    "batch delete of {} keys answered {} entries",
                    batch.len(),
                    entries.len()
                )));
            }
            let trace = reply.trace_id();
            results.extend(entries.into_iter().map(|e| {
                if (200..300).contains(&e.status) || e.status == 404 {
                    Ok(())
                } else {
                    Err(ApiError::from_entry(e.status, e.body.as_ref(), trace.clone()))
                }
            }));
        }
        for (id, r) in ids.iter().zip(&results) {
            if r.is_ok() {
                self.note_deleted(ObjectKind::ApiKey, id.as_ref());
            }
        }
        Ok(results)
    }
}

/// Whether `key` already holds every field `update` sets.
fn key_shows(key: &ApiKey, update: &ApiKeyUpdate) -> bool {
    update.name.as_ref().is_none_or(|n| *n == key.name)
        && update.role.as_ref().is_none_or(|r| *r == key.role)
        && update.status.is_none_or(|s| s == key.status)
        && update
            .description
            .as_ref()
            .is_none_or(|d| *d == key.description.clone().unwrap_or_default())
}

/// Turn a 207 answer into one result per item; every entry is checked.
fn parse_create_answer(reply: &crate::transport::Reply, expected: usize) -> Result<Vec<CreateResult>, Error> {
    let entries: Vec<MultiStatusEntry> = reply.json("batch create answer")?;
    if entries.len() != expected {
        return Err(Error::Protocol(format!(
            "batch create of {expected} keys answered {} entries",
            entries.len()
        )));
    }
    let trace = reply.trace_id();
    let mut out = Vec::with_capacity(expected);
    for entry in entries {
        if (200..300).contains(&entry.status) {
            let created = entry
                .body
                .and_then(|b| serde_json::from_value::<ApiKeyCreated>(b).ok())
                .ok_or_else(|| Error::Protocol("a created key's entry holds no id and secret".into()))?;
            out.push(Ok(created));
        } else {
            out.push(Err(ApiError::from_entry(
                entry.status,
                entry.body.as_ref(),
                trace.clone(),
            )));
        }
    }
    Ok(out)
}

fn describe(batch: &[ApiKeyCreate], pending: &[usize]) -> String {
    let names: Vec<String> = pending.iter().map(|i| format!("'{}'", batch[*i].name)).collect();
    match names.len() {
        1 => format!("API key {}", names[0]),
        _ => format!("API keys {}", names.join(", ")),
    }
}

/// True when the key's `createdDateTime` is before `started` (so not from our request).
fn created_before(key: &ApiKey, started: SystemTime) -> bool {
    let Some(created) = key
        .created_date_time
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
    else {
        return false;
    };
    created < OffsetDateTime::from(started)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    fn reply(body: &str) -> crate::transport::Reply {
        let mut headers = HeaderMap::new();
        headers.insert("x-trace-id", "t-1".parse().unwrap());
        crate::transport::Reply {
            status: StatusCode::MULTI_STATUS,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn every_207_entry_is_checked() {
        let r = reply(
            r#"[{"status":201,"body":{"id":"k1","value":"s1","expiredDateTime":null}},
                {"status":409,"body":{"error":{"code":"Conflict","message":"name taken"}}},
                {"status":400}]"#,
        );
        let out = parse_create_answer(&r, 3).unwrap();
        assert_eq!(out[0].as_ref().unwrap().id, "k1");
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str(), e.trace_id.as_deref()),
            (409, "Conflict", Some("t-1"))
        );
        assert_eq!(out[2].as_ref().unwrap_err().status, 400);
        assert!(parse_create_answer(&r, 2).is_err());
        let bad = reply(r#"[{"status":201,"body":{"id":"k1"}}]"#);
        assert!(parse_create_answer(&bad, 1).is_err());
    }

    #[test]
    fn created_before_compares_with_start() {
        let now = SystemTime::now();
        let key = |t: Option<OffsetDateTime>| ApiKey {
            id: "i".into(),
            name: "n".into(),
            role: "SIEM".into(),
            status: visionone_api::Status::Enabled,
            description: None,
            expired_date_time: None,
            last_used_date_time: None,
            created_date_time: t.map(|t| t.format(&Rfc3339).unwrap()),
            last_modified_date_time: None,
        };
        let now_t = OffsetDateTime::from(now);
        assert!(created_before(&key(Some(now_t - Duration::from_secs(3600))), now));
        assert!(created_before(&key(Some(now_t - Duration::from_secs(1))), now));
        assert!(!created_before(&key(Some(now_t + Duration::from_secs(1))), now));
        assert!(
            !created_before(&key(None), now),
            "unknown creation time: treated as ours"
        );
    }

    #[test]
    fn describe_names_objects() {
        let item = |n: &str| ApiKeyCreate {
            name: n.into(),
            role: "SIEM".into(),
            description: None,
            status: None,
            months_to_expiration: None,
        };
        let b = [item("a"), item("b")];
        assert_eq!(describe(&b, &[0]), "API key 'a'");
        assert_eq!(describe(&b, &[0, 1]), "API keys 'a', 'b'");
    }
}
