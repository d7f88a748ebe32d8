//! Building blocks shared by the resource modules: get with ETag, PATCH, DELETE, and a single-object
//! create that settles ambiguous failures by looking the object up.

use std::future::Future;

use reqwest::header::{ETAG, LOCATION};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use visionone_api::{codes, IdBody};

use crate::error::ApiError;
use crate::transport::{Reply, Request, Retry};
use crate::{Client, ETag, Error};

/// What a lookup after an ambiguous create found.
pub(crate) enum Found {
    /// Nothing: the create did not happen, it is safe to send again.
    Nothing,
    /// The object our request created: its id.
    Ours(String),
    /// An object with that name that our request did not make (its settings differ).
    Other,
}

impl Client {
    /// `GET` one object; 404 → `None`.
    pub(crate) async fn get_versioned<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        what: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<(T, Option<ETag>)>, Error> {
        let req = Request::new(Method::GET, self.url(segments));
        match self.send(&req, Retry::Always, cancel).await {
            Ok(reply) => {
                let etag = reply.header(ETAG).and_then(ETag::parse);
                Ok(Some((reply.json(what)?, etag)))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET` that must succeed.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        what: &str,
        cancel: &CancellationToken,
    ) -> Result<T, Error> {
        let req = Request::new(Method::GET, self.url(segments));
        self.send(&req, Retry::Always, cancel).await?.json(what)
    }

    /// `PATCH` with an optional `If-Match`, sent unquoted as the official SDK does.
    pub(crate) async fn patch(
        &self,
        segments: &[&str],
        body: &impl Serialize,
        if_match: Option<&ETag>,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        let mut req = Request::new(Method::PATCH, self.url(segments)).json(body)?;
        req.if_match = if_match.map(|t| t.value().to_owned());
        self.send(&req, Retry::Always, cancel).await.map(drop)
    }

    /// `DELETE`; an object already gone counts as deleted (a retried DELETE meets its own success).
    pub(crate) async fn delete_one(&self, segments: &[&str], cancel: &CancellationToken) -> Result<(), Error> {
        let req = Request::new(Method::DELETE, self.url(segments));
        match self.send(&req, Retry::Always, cancel).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `POST` one object and return its id. After an ambiguous failure, `lookup` decides: found →
    /// its id; absent → send again (bounded by `max_retries`); lookup failing → an error naming
    /// `object` as possibly created.
    pub(crate) async fn create_single<L, Fut>(
        &self,
        segments: &[&str],
        body: &impl Serialize,
        object: &str,
        lookup: L,
        cancel: &CancellationToken,
    ) -> Result<String, Error>
    where
        L: Fn() -> Fut,
        Fut: Future<Output = Result<Found, Error>>,
    {
        let req = Request::new(Method::POST, self.url(segments)).json(body)?;
        let mut round = 0u32;
        loop {
            let failure = match self.send(&req, Retry::UnlessAmbiguous, cancel).await {
                Ok(reply) => match id_from_reply(&reply) {
                    Some(id) => return Ok(id),
                    None => Error::Protocol(format!("the server created {object} but named no id")),
                },
                Err(e) if !e.is_ambiguous() => return Err(e),
                Err(e) => e,
            };
            if failure.is_cancelled() {
                return Err(Error::MaybeCreated {
                    object: object.to_owned(),
                    source: Box::new(failure),
                    lookup_failure: None,
                });
            }
            match lookup().await {
                Ok(Found::Ours(id)) => return Ok(id),
                Ok(Found::Other) => {
                    return Err(Error::Api(ApiError::new(
                        409,
                        codes::CONFLICT,
                        &format!("{object} already exists with other settings"),
                    )))
                }
                Ok(Found::Nothing) if round >= self.inner.max_retries => {
                    return Err(Error::CreateFailed {
                        object: object.to_owned(),
                        source: Box::new(Error::Retried {
                            attempts: round + 1,
                            source: Box::new(failure),
                        }),
                    })
                }
                Ok(Found::Nothing) => {}
                Err(lookup) => {
                    return Err(Error::MaybeCreated {
                        object: object.to_owned(),
                        source: Box::new(failure),
                        lookup_failure: Some(Box::new(lookup)),
                    })
                }
            }
            self.pause_before_recreate(round, cancel).await?;
            round += 1;
        }
    }
}

/// The new object's id: the last segment of `Location`, else the body's `id`.
fn id_from_reply(reply: &Reply) -> Option<String> {
    if let Some(loc) = reply.header(LOCATION) {
        let path = loc.split(['?', '#']).next().unwrap_or("");
        if let Some(last) = path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty()) {
            return Some(last.to_owned());
        }
    }
    serde_json::from_slice::<IdBody>(&reply.body)
        .ok()
        .map(|b| b.id)
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    fn reply(location: Option<&str>, body: &str) -> Reply {
        let mut headers = HeaderMap::new();
        if let Some(l) = location {
            headers.insert(LOCATION, l.parse().unwrap());
        }
        Reply {
            status: StatusCode::CREATED,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn id_from_location_then_body() {
        assert_eq!(
            id_from_reply(&reply(Some("/v3.0/iam/roles/r-1"), "")).as_deref(),
            Some("r-1")
        );
        assert_eq!(
            id_from_reply(&reply(Some("https://h/v3.0/iam/roles/r-2/?x=1"), r#"{"id":"other"}"#)).as_deref(),
            Some("r-2")
        );
        assert_eq!(id_from_reply(&reply(None, r#"{"id":"r-3"}"#)).as_deref(), Some("r-3"));
        assert_eq!(id_from_reply(&reply(None, "")), None);
        assert_eq!(id_from_reply(&reply(None, r#"{"id":""}"#)), None);
    }
}
