//! One logical call: rate limit, send, classify, back off, try again — within one deadline and
//! stoppable at any point by a cancellation token.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::retry::{jittered, parse_retry_after};
use crate::{Client, Error};

pub(crate) const FILTER_HEADER: &str = "TMV1-Filter";
const TRACE_HEADER: &str = "x-trace-id";

/// What to send. The body is kept as bytes so every attempt sends the same thing.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    pub filter: Option<String>,
    pub if_match: Option<String>,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            body: None,
            filter: None,
            if_match: None,
        }
    }

    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Config(format!("cannot encode request: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }
}

/// Which failures may be retried without asking the server what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Idempotent calls: retry every transient failure.
    Always,
    /// Creates: retry only what surely did nothing (429, refused connections); hand ambiguous
    /// failures back so the caller can look the object up.
    UnlessAmbiguous,
}

/// A fully read answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn trace_id(&self) -> Option<String> {
        self.header(TRACE_HEADER).map(str::to_owned)
    }

    /// Decode the body; a decode error never echoes string values (they could be secrets).
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            what: what.to_owned(),
            message: safe_serde_message(&e),
            trace_id: self.trace_id(),
        })
    }

    fn api_error(&self) -> ApiError {
        ApiError::from_body(self.status.as_u16(), &self.body, self.trace_id())
    }
}

fn safe_serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.contains('"') {
        format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column())
    } else {
        text
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

impl Client {
    /// `<base>/v3.0/<segments...>`, each segment percent-encoded (an id can never escape its path).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Send with retries. 2xx/3xx → `Ok`; anything else → `Err`, after retrying what may be retried.
    pub(crate) async fn send(&self, req: &Request, retry: Retry, cancel: &CancellationToken) -> Result<Reply, Error> {
        let deadline = Instant::now() + self.inner.timeout;
        let mut attempt: u32 = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled { in_flight: false });
            }
            self.inner.limiter.acquire(cancel, deadline).await?;
            let (err, retry_after) = match self.attempt(req, deadline, cancel).await {
                Ok(reply) if !reply.status.is_client_error() && !reply.status.is_server_error() => return Ok(reply),
                Ok(reply) if is_retryable_status(reply.status) => {
                    let after = reply
                        .header(RETRY_AFTER)
                        .and_then(|v| parse_retry_after(v, self.server_now()));
                    (Error::Api(reply.api_error()), after)
                }
                Ok(reply) => return Err(wrap(Error::Api(reply.api_error()), attempt)),
                // Retryable while the deadline allows (checked below before sleeping).
                Err(e @ Error::Transport { .. }) => (e, None),
                Err(e) => return Err(wrap(e, attempt)),
            };
            let throttled = err.status() == Some(429);
            if retry == Retry::UnlessAmbiguous && !throttled && err.is_ambiguous() {
                return Err(wrap(err, attempt));
            }
            let delay =
                retry_after.unwrap_or_else(|| jittered(attempt, self.inner.backoff_base, self.inner.backoff_cap));
            if throttled {
                // Every caller of this client holds back, whether or not this one retries.
                self.inner.limiter.on_throttled(delay);
            }
            if attempt >= self.inner.max_retries {
                return Err(wrap(err, attempt));
            }
            if Instant::now() + delay >= deadline {
                return Err(wrap(err, attempt));
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = cancel.cancelled() => return Err(Error::Cancelled { in_flight: false }),
            }
            attempt += 1;
        }
    }

    /// One HTTP exchange, body read included, bounded by `deadline` and `cancel`.
    async fn attempt(&self, req: &Request, deadline: Instant, cancel: &CancellationToken) -> Result<Reply, Error> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Error::Transport {
                message: String::new(),
                timeout: true,
                body_sent: false,
            });
        }
        let mut rb = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .timeout(remaining)
            .header(AUTHORIZATION, self.inner.auth.clone())
            .header(ACCEPT, "application/json");
        if let Some(filter) = &req.filter {
            let value = HeaderValue::from_bytes(filter.as_bytes())
                .map_err(|_| Error::Config("the filter holds characters a header cannot carry".into()))?;
            rb = rb.header(FILTER_HEADER, value);
        }
        if let Some(tag) = &req.if_match {
            let value = HeaderValue::from_bytes(tag.as_bytes())
                .map_err(|_| Error::Config("the ETag holds characters a header cannot carry".into()))?;
            rb = rb.header(IF_MATCH, value);
        }
        if let Some(body) = &req.body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        self.inner.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let exchange = async {
            let resp = rb.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>(Reply {
                status,
                headers,
                body: body.to_vec(),
            })
        };
        let reply = tokio::select! {
            r = exchange => r.map_err(transport_error)?,
            _ = cancel.cancelled() => return Err(Error::Cancelled { in_flight: true }),
        };
        if let Some(date) = reply.header(DATE) {
            self.inner.clock.observe(date, SystemTime::now());
        }
        Ok(reply)
    }

    /// Sleep before a create is sent again after an ambiguous failure was settled.
    pub(crate) async fn pause_before_recreate(&self, round: u32, cancel: &CancellationToken) -> Result<(), Error> {
        let delay = jittered(round, self.inner.backoff_base, self.inner.backoff_cap).min(Duration::from_secs(2));
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = cancel.cancelled() => Err(Error::Cancelled { in_flight: false }),
        }
    }
}

/// Wrap the last failure with the number of attempts once there was more than one.
fn wrap(err: Error, retries: u32) -> Error {
    if retries == 0 || matches!(err, Error::Cancelled { .. }) {
        err
    } else {
        Error::Retried {
            attempts: retries + 1,
            source: Box::new(err),
        }
    }
}

/// A reqwest failure as a transport error. A failed connect surely sent nothing; anything later may
/// have reached the server.
fn transport_error(e: reqwest::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    Error::Transport {
        message,
        timeout: e.is_timeout(),
        body_sent: !e.is_connect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_never_echo_strings() {
        let reply = Reply {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: br#"{"id":"k1","value":12}"#.to_vec(),
        };
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            id: String,
            value: String,
        }
        let e = reply.json::<S>("key").unwrap_err().to_string();
        assert!(e.contains("key"), "{e}");
        let reply = Reply {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: br#"{"id":5,"value":"tmv1-secret"}"#.to_vec(),
        };
        let e = reply.json::<S>("key").unwrap_err().to_string();
        assert!(!e.contains("tmv1-secret"), "{e}");
    }

    #[test]
    fn urls_encode_ids() {
        let c = crate::Client::new(crate::ClientConfig::new("http://127.0.0.1:9/", "k")).unwrap();
        assert_eq!(
            c.url(&["iam", "apiKeys"]).as_str(),
            "http://127.0.0.1:9/v3.0/iam/apiKeys"
        );
        let u = c.url(&["iam", "apiKeys", "../roles/x?y"]);
        assert_eq!(u.path(), "/v3.0/iam/apiKeys/..%2Froles%2Fx%3Fy");
        assert_eq!(u.query(), None);
    }
}
