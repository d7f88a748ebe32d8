//! API keys: create (never retried blindly), describe, list, search by name, modify some fields,
//! a new secret, delete, and the calling key itself.
//!
//! Names need not be unique here, so after an ambiguous create (timeout, dropped connection, 5xx)
//! the client looks for a key of that name created since the call went out *with the very expiry
//! this call asked for*: each create brings its expiry forward by a few seconds chosen for that
//! call (under a minute, nothing next to `valid_for_days`), and the manager keeps `expiryDate` to
//! the millisecond (contract §1), so a key of the same name made meanwhile by someone else is
//! never taken for this call's. One found: it gets a new secret (the lost answer held the only
//! copy); if that fails, it is deleted. None found: the create is sent again. Either way no orphan
//! and no duplicate is left. A key that never expires carries no such mark: with another
//! never-expiring key of its name made meanwhile, the create is reported as "maybe created".

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use tokio_util::sync::CancellationToken;
use visionone_api::workload::{ApiKey, ApiKeyCreate, ApiKeyModify, ApiKeys, SearchFilter, MAX_SEARCH_ITEMS};

use super::time::system_to_ms;
use super::WorkloadClient;
use crate::transport::{Request, Retry};
use crate::Error;

/// How many times a create is sent in all after ambiguous failures that created nothing.
const CREATE_ROUNDS: u32 = 4;
/// Slack on "created since the call went out": `Date` has one-second resolution.
const CREATED_SLACK: Duration = Duration::from_secs(2);
/// A create's expiry is brought forward by 1..=this many milliseconds to mark it as the call's.
const EXPIRY_MARK_SPAN: i64 = 60_000;

impl WorkloadClient {
    /// `POST /apikeys`: the new key with its `secretKey` (shown once). See the module doc for what
    /// happens after an ambiguous failure. Cancelling stops before a create is sent, never while
    /// one is in flight (bounded by `request_timeout`), so a key made is always handed back.
    pub async fn create_key(&self, spec: &ApiKeyCreate, cancel: &CancellationToken) -> Result<ApiKey, Error> {
        let object = format!("Workload Security API key '{}'", spec.key_name);
        let spec = &self.marked(spec);
        let req = Request::new(Method::POST, self.transport.url(&["apikeys"])).json(spec)?;
        // The create and what settles it run to the end even when the caller cancels.
        let settle = CancellationToken::new();
        let mut round = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled { in_flight: false });
            }
            let sent = Instant::now();
            let err = match self.send(&req, Retry::UnlessAmbiguous, &settle).await {
                Ok(reply) => {
                    let key: ApiKey = reply.json("created API key")?;
                    return match (key.id, &key.secret_key) {
                        (Some(_), Some(_)) => Ok(key),
                        (Some(id), None) => {
                            self.adopt(id, &object, &settle)
                                .await?
                                .ok_or_else(|| Error::CreateFailed {
                                    object,
                                    source: Box::new(Error::Protocol("the create answer held no secretKey".into())),
                                })
                        }
                        (None, _) => Err(Error::Protocol(format!("the create answer for {object} held no ID"))),
                    };
                }
                Err(e) if e.is_ambiguous() => e,
                Err(e) => return Err(e),
            };
            let found = match self.created_since(&spec.key_name, sent, &settle).await {
                // Another expiry: someone else's key of that name.
                Ok(found) => found
                    .into_iter()
                    .filter(|k| k.expiry_date == spec.expiry_date)
                    .collect::<Vec<_>>(),
                Err(lookup) => return Err(maybe_created(object, err, lookup)),
            };
            match found.as_slice() {
                [] => {}
                [key] => {
                    if let Some(adopted) = self.adopt(key.id.unwrap_or_default(), &object, &settle).await? {
                        return Ok(adopted);
                    }
                }
                many => {
                    let ids: Vec<String> = many.iter().filter_map(|k| k.id).map(|i| i.to_string()).collect();
                    let why = Error::Protocol(format!(
                        "{} keys of that name and expiry were created meanwhile (IDs {}); which one is this call's \
                         is unknown",
                        many.len(),
                        ids.join(", ")
                    ));
                    return Err(maybe_created(object, err, why));
                }
            }
            round += 1;
            if cancel.is_cancelled() {
                return Err(Error::Cancelled { in_flight: false });
            }
            if round >= CREATE_ROUNDS {
                return Err(Error::CreateFailed {
                    object,
                    source: Box::new(err),
                });
            }
            self.transport.pause_before_recreate(round, cancel).await?;
        }
    }

    /// A key this client created but whose secret it never saw: give it a new secret, or delete it
    /// when that fails (Ok(None): nothing left, create again).
    async fn adopt(&self, id: i64, object: &str, cancel: &CancellationToken) -> Result<Option<ApiKey>, Error> {
        match self.new_secret(id, cancel).await {
            Ok(key) if key.secret_key.is_some() => Ok(Some(key)),
            Ok(_) | Err(_) => match self.delete_key(id, cancel).await {
                Ok(()) => Ok(None),
                Err(e) => Err(Error::MaybeCreated {
                    object: format!("{object} (ID {id}, whose secret could not be had)"),
                    source: Box::new(e),
                    lookup_failure: None,
                }),
            },
        }
    }

    /// `spec` with its expiry brought forward by this call's mark (see the module doc). An expiry
    /// too close to now to spare a minute is sent as given.
    fn marked(&self, spec: &ApiKeyCreate) -> ApiKeyCreate {
        let now = system_to_ms(self.server_now());
        let mut spec = spec.clone();
        spec.expiry_date = spec.expiry_date.map(|e| {
            if e.saturating_sub(now) > 2 * EXPIRY_MARK_SPAN {
                e - self.expiry_mark()
            } else {
                e
            }
        });
        spec
    }

    /// 1..=[`EXPIRY_MARK_SPAN`]: distinct for the calls of this client (a counter) and unlikely to
    /// match another process's (a random start).
    fn expiry_mark(&self) -> i64 {
        self.marks.fetch_add(1, Ordering::Relaxed).rem_euclid(EXPIRY_MARK_SPAN) + 1
    }

    /// Keys named exactly `name` whose `created` is at or after `sent` by the server's clock.
    async fn created_since(&self, name: &str, sent: Instant, cancel: &CancellationToken) -> Result<Vec<ApiKey>, Error> {
        let keys = self.keys_named(name, cancel).await?;
        // The search answer's `Date` just updated the clock estimate.
        let since = self.server_now() - sent.elapsed() - CREATED_SLACK;
        let since = system_to_ms(since.max(SystemTime::UNIX_EPOCH));
        Ok(keys
            .into_iter()
            .filter(|k| k.created.is_some_and(|c| c >= since))
            .collect())
    }

    /// `GET /apikeys/{id}` (no secret).
    pub async fn get_key(&self, id: i64, cancel: &CancellationToken) -> Result<ApiKey, Error> {
        let req = Request::new(Method::GET, self.key_url(id, None));
        self.call(req, Retry::Always, "API key", cancel).await
    }

    /// Every key, by ascending ID, a search page (5000) at a time.
    pub async fn list_keys(&self, cancel: &CancellationToken) -> Result<Vec<ApiKey>, Error> {
        let mut all = Vec::new();
        let mut last = 0;
        loop {
            let page = self
                .search_keys(&SearchFilter::after_id(last, i64::from(MAX_SEARCH_ITEMS)), cancel)
                .await?;
            let full = page.len() >= MAX_SEARCH_ITEMS as usize;
            match page.iter().filter_map(|k| k.id).max() {
                Some(max) if max > last => last = max,
                _ => {
                    all.extend(page);
                    return Ok(all);
                }
            }
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// Keys named exactly `name` (case-sensitive, no wildcards); there may be several.
    pub async fn keys_named(&self, name: &str, cancel: &CancellationToken) -> Result<Vec<ApiKey>, Error> {
        let keys = self.search_keys(&SearchFilter::exact("keyName", name), cancel).await?;
        Ok(keys
            .into_iter()
            .filter(|k| k.key_name.as_deref() == Some(name))
            .collect())
    }

    /// `POST /apikeys/search`.
    pub async fn search_keys(&self, filter: &SearchFilter, cancel: &CancellationToken) -> Result<Vec<ApiKey>, Error> {
        let req = Request::new(Method::POST, self.transport.url(&["apikeys", "search"])).json(filter)?;
        let keys: ApiKeys = self.call(req, Retry::Always, "API key search", cancel).await?;
        Ok(keys.api_keys)
    }

    /// `POST /apikeys/{id}` with only the fields to change; the key as it is now.
    pub async fn modify_key(
        &self,
        id: i64,
        change: &ApiKeyModify,
        cancel: &CancellationToken,
    ) -> Result<ApiKey, Error> {
        let req = Request::new(Method::POST, self.key_url(id, None)).json(change)?;
        self.call(req, Retry::Always, "modified API key", cancel).await
    }

    /// `POST /apikeys/{id}/secretkey`: a new secret; the old one stops working at once. Retried
    /// freely: only the latest answer's secret works, and that is the one returned.
    pub async fn new_secret(&self, id: i64, cancel: &CancellationToken) -> Result<ApiKey, Error> {
        let req = Request::new(Method::POST, self.key_url(id, Some("secretkey")));
        self.call(req, Retry::Always, "API key with a new secret", cancel).await
    }

    /// `DELETE /apikeys/{id}`; a key already gone counts as deleted.
    pub async fn delete_key(&self, id: i64, cancel: &CancellationToken) -> Result<(), Error> {
        let req = Request::new(Method::DELETE, self.key_url(id, None));
        match self.send(&req, Retry::Always, cancel).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `GET /apikeys/current`: the key this client authenticates with (404 for a session or the
    /// emulator's admin token, which are no keys).
    pub async fn current_key(&self, cancel: &CancellationToken) -> Result<ApiKey, Error> {
        let req = Request::new(Method::GET, self.transport.url(&["apikeys", "current"]));
        self.call(req, Retry::Always, "current API key", cancel).await
    }

    fn key_url(&self, id: i64, tail: Option<&str>) -> reqwest::Url {
        let id = id.to_string();
        match tail {
            Some(t) => self.transport.url(&["apikeys", &id, t]),
            None => self.transport.url(&["apikeys", &id]),
        }
    }
}

/// A client's mark counter, from a random start.
pub(super) fn new_marks() -> Arc<AtomicI64> {
    Arc::new(AtomicI64::new(rand::random_range(0..EXPIRY_MARK_SPAN)))
}

fn maybe_created(object: String, source: Error, lookup: Error) -> Error {
    Error::MaybeCreated {
        object,
        source: Box::new(source),
        lookup_failure: Some(Box::new(lookup)),
    }
}
