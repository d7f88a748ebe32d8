//! The generic transport under every API client: base path, auth header, retries with backoff,
//! the shared rate limiter, the server clock from `Date`, cancellation and typed errors. One
//! logical call is: rate limit, send, classify, back off, try again, within one deadline and
//! stoppable at any point by a cancellation token. An API client (Vision One in `client.rs`) is
//! an [`Api`] profile plus typed endpoints on top of [`Transport::send`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, DATE, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::ServerClock;
use crate::error::{ApiError, ErrorFormat};
use crate::limiter::RateLimiter;
use crate::retry::{jittered, parse_retry_after};
use crate::{ClientConfig, Error};

pub(crate) const FILTER_HEADER: &str = "TMV1-Filter";
/// The request id Trend Micro support asks for; absent from APIs that send none.
const TRACE_HEADER: &str = "x-trace-id";

/// What sets one API apart on the wire; everything else is shared.
#[derive(Debug, Clone)]
pub struct Api {
    /// Appended to the configured base URL unless already there: `/v3.0`, `/api`.
    pub base_path: &'static str,
    pub auth: AuthScheme,
    /// Sent with every request, e.g. `("api-version", "v1")`.
    pub headers: &'static [(&'static str, &'static str)],
    pub errors: ErrorFormat,
}

/// How the credential travels: `<header>: <prefix><credential>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthScheme {
    pub header: &'static str,
    pub prefix: &'static str,
}

impl AuthScheme {
    /// `Authorization: Bearer <key>` (Vision One).
    pub const BEARER: AuthScheme = AuthScheme {
        header: "authorization",
        prefix: "Bearer ",
    };
    /// `api-secret-key: <secret>` (Workload Security, Deep Security).
    pub const API_SECRET_KEY: AuthScheme = AuthScheme {
        header: "api-secret-key",
        prefix: "",
    };
    /// `Authorization: ApiKey <key>` (Cloud One keys).
    pub const API_KEY: AuthScheme = AuthScheme {
        header: "authorization",
        prefix: "ApiKey ",
    };
    /// No credential at all (a sign-in call, which is how a credential is obtained).
    pub const NONE: AuthScheme = AuthScheme { header: "", prefix: "" };
}

/// The shared machinery of one API client. Every clone of a client shares one `Transport`: one
/// connection pool, rate limiter, server clock estimate and request counter.
pub struct Transport {
    http: reqwest::Client,
    /// `<scheme>://<host>[:port][/prefix]<base_path>`.
    pub(crate) base: Url,
    auth_scheme: AuthScheme,
    /// The credential and the secret headers (a session's `rID`): replaced together when a
    /// session is renewed, for every clone at once.
    credential: std::sync::RwLock<Credential>,
    headers: Vec<(HeaderName, HeaderValue)>,
    errors: ErrorFormat,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    pub(crate) limiter: RateLimiter,
    clock: ServerClock,
    requests: AtomicU64,
}

#[derive(Default)]
struct Credential {
    auth: Option<(HeaderName, HeaderValue)>,
    secret_headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("credential", &"<redacted>")
            .finish()
    }
}

impl Transport {
    /// Check the settings and build the HTTP client (trust roots and proxy included: see
    /// [`crate::Network`]). No network call.
    pub fn new(api: &Api, config: &ClientConfig) -> Result<Transport, Error> {
        let base = normalise_base(&config.base_url, api.base_path)?;
        if config.api_key.is_empty() && api.auth != AuthScheme::NONE {
            return Err(Error::Config("the API key is empty".into()));
        }
        if config.request_timeout.is_zero() {
            return Err(Error::Config("request_timeout must be greater than zero".into()));
        }
        let auth = auth_header(api.auth, config.api_key.expose())?;
        let headers = api
            .headers
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect();
        let http = config.network.http_client(&config.user_agent, config.request_timeout)?;
        Ok(Transport {
            http,
            base,
            auth_scheme: api.auth,
            credential: std::sync::RwLock::new(Credential {
                auth,
                secret_headers: Vec::new(),
            }),
            headers,
            errors: api.errors,
            timeout: config.request_timeout,
            max_retries: config.max_retries,
            backoff_base: crate::retry::BASE_DELAY,
            backoff_cap: crate::retry::MAX_DELAY,
            limiter: RateLimiter::new(config.max_requests_per_minute),
            clock: ServerClock::default(),
            requests: AtomicU64::new(0),
        })
    }

    /// Send `name: value` with every request too, marked sensitive (a session's `rID`).
    pub fn with_secret_header(self, name: &'static str, value: &str) -> Result<Transport, Error> {
        let header = secret_header(name, value)?;
        self.write_credential().secret_headers.push(header);
        Ok(self)
    }

    /// Send `credential` and these secret headers from now on instead of the current ones (a
    /// renewed session: its `sID` and `rID`).
    pub fn replace_credential(&self, credential: &str, secret_headers: &[(&'static str, &str)]) -> Result<(), Error> {
        let fresh = Credential {
            auth: auth_header(self.auth_scheme, credential)?,
            secret_headers: secret_headers
                .iter()
                .map(|(n, v)| secret_header(n, v))
                .collect::<Result<_, _>>()?,
        };
        *self.write_credential() = fresh;
        Ok(())
    }

    fn write_credential(&self) -> std::sync::RwLockWriteGuard<'_, Credential> {
        // A panic while holding the lock leaves a whole credential (it is replaced in one move).
        self.credential
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The API root (`.../v3.0`).
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// HTTP requests sent so far (every attempt counts).
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Estimated server_now − local_now, from the `Date` header of the latest answer.
    pub fn server_time_offset(&self) -> Option<time::Duration> {
        self.clock.offset()
    }

    /// The estimated time on the API server (the local clock until an answer carried `Date`).
    pub fn server_now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The client-side request cap in force now (lowered for a while after a 429).
    pub fn current_rate_limit(&self) -> Option<u32> {
        self.limiter.current_limit()
    }
}

/// `<header>: <prefix><credential>`, or none for [`AuthScheme::NONE`].
fn auth_header(scheme: AuthScheme, credential: &str) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
    if scheme == AuthScheme::NONE {
        return Ok(None);
    }
    let value = sensitive_value(&format!("{}{credential}", scheme.prefix))
        .map_err(|_| Error::Config("the API key contains characters that cannot be sent in a header".into()))?;
    Ok(Some((HeaderName::from_static(scheme.header), value)))
}

fn secret_header(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let value =
        sensitive_value(value).map_err(|_| Error::Config(format!("the {name} value cannot be sent in a header")))?;
    Ok((HeaderName::from_static(name), value))
}

/// A header value kept out of debug output (and of HTTP/2 header compression tables).
fn sensitive_value(text: &str) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut value = HeaderValue::from_str(text)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Accept `https://host`, `https://host/`, `https://host<base_path>`, `http://127.0.0.1:PORT/prefix`.
fn normalise_base(raw: &str, base_path: &str) -> Result<Url, Error> {
    let mut url = Url::parse(raw.trim()).map_err(|e| Error::Config(format!("base URL '{raw}' is not a URL: {e}")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(Error::Config(format!(
            "base URL '{raw}' must use https:// (or http:// for a local emulator)"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("base URL '{raw}' has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config("base URL must not carry credentials".into()));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix(base_path).unwrap_or(path).to_owned();
    url.set_path(&format!("{path}{base_path}"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// What to send. The body is kept as bytes so every attempt sends the same thing.
#[derive(Debug, Clone)]
pub struct Request {
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
pub enum Retry {
    /// Idempotent calls: retry every transient failure.
    Always,
    /// Creates: retry only what surely did nothing (429, refused connections); hand ambiguous
    /// failures back so the caller can look the object up.
    UnlessAmbiguous,
}

/// A fully read answer.
#[derive(Debug)]
pub struct Reply {
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

impl Transport {
    /// `<base>/<segments...>`, each segment percent-encoded (an id can never escape its path).
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Send with retries. 2xx/3xx → `Ok`; anything else → `Err`, after retrying what may be retried.
    pub async fn send(&self, req: &Request, retry: Retry, cancel: &CancellationToken) -> Result<Reply, Error> {
        let deadline = Instant::now() + self.timeout;
        let mut attempt: u32 = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled { in_flight: false });
            }
            self.limiter.acquire(cancel, deadline).await?;
            let (err, retry_after) = match self.attempt(req, deadline, cancel).await {
                Ok(reply) if !reply.status.is_client_error() && !reply.status.is_server_error() => return Ok(reply),
                Ok(reply) if is_retryable_status(reply.status) => {
                    let after = reply
                        .header(RETRY_AFTER)
                        .and_then(|v| parse_retry_after(v, self.server_now()));
                    (Error::Api(self.api_error(&reply)), after)
                }
                Ok(reply) => return Err(wrap(Error::Api(self.api_error(&reply)), attempt)),
                // Retryable while the deadline allows (checked below before sleeping).
                Err(Failure::Transient(e)) => (e, None),
                Err(Failure::Final(e)) => return Err(wrap(e, attempt)),
            };
            let throttled = err.status() == Some(429);
            if retry == Retry::UnlessAmbiguous && !throttled && err.is_ambiguous() {
                return Err(wrap(err, attempt));
            }
            let delay = retry_after.unwrap_or_else(|| jittered(attempt, self.backoff_base, self.backoff_cap));
            if throttled {
                // Every caller of this client holds back, whether or not this one retries.
                self.limiter.on_throttled(delay);
            }
            if attempt >= self.max_retries {
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

    fn api_error(&self, reply: &Reply) -> ApiError {
        self.errors.parse(reply.status.as_u16(), &reply.body, reply.trace_id())
    }

    /// One HTTP exchange, body read included, bounded by `deadline` and `cancel`.
    async fn attempt(&self, req: &Request, deadline: Instant, cancel: &CancellationToken) -> Result<Reply, Failure> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Failure::Transient(Error::Transport {
                message: String::new(),
                timeout: true,
                body_sent: false,
            }));
        }
        let mut rb = self
            .http
            .request(req.method.clone(), req.url.clone())
            .timeout(remaining)
            .header(ACCEPT, "application/json");
        {
            let credential = self
                .credential
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (name, value) in credential.auth.iter().chain(&credential.secret_headers) {
                rb = rb.header(name.clone(), value.clone());
            }
        }
        for (name, value) in &self.headers {
            rb = rb.header(name.clone(), value.clone());
        }
        if let Some(filter) = &req.filter {
            let value = HeaderValue::from_bytes(filter.as_bytes()).map_err(|_| {
                Failure::Final(Error::Config(
                    "the filter holds characters a header cannot carry".into(),
                ))
            })?;
            rb = rb.header(FILTER_HEADER, value);
        }
        if let Some(tag) = &req.if_match {
            let value = HeaderValue::from_bytes(tag.as_bytes())
                .map_err(|_| Failure::Final(Error::Config("the ETag holds characters a header cannot carry".into())))?;
            rb = rb.header(IF_MATCH, value);
        }
        if let Some(body) = &req.body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
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
            r = exchange => r.map_err(|e| transport_failure(e, &req.url))?,
            _ = cancel.cancelled() => return Err(Failure::Final(Error::Cancelled { in_flight: true })),
        };
        if let Some(date) = reply.header(DATE) {
            self.clock.observe(date, SystemTime::now());
        }
        Ok(reply)
    }

    /// Sleep before a create is sent again after an ambiguous failure was settled.
    pub async fn pause_before_recreate(&self, round: u32, cancel: &CancellationToken) -> Result<(), Error> {
        let delay = jittered(round, self.backoff_base, self.backoff_cap).min(Duration::from_secs(2));
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

/// Why one attempt got no answer, and whether trying again could help.
enum Failure {
    /// A dropped connection, a timeout: worth another attempt while the deadline allows.
    Transient(Error),
    /// Nothing another attempt can fix: a refused certificate, bad input, cancellation.
    Final(Error),
}

/// A reqwest failure as a transport error. A failed connect surely sent nothing; anything later may
/// have reached the server. A TLS failure is final, with a diagnostic that says how to fix it.
fn transport_failure(e: reqwest::Error, url: &Url) -> Failure {
    if let Some(message) = crate::network::tls_diagnostic(&e, url) {
        return Failure::Final(Error::Transport {
            message,
            timeout: false,
            body_sent: false,
        });
    }
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
    Failure::Transient(Error::Transport {
        message,
        timeout: e.is_timeout(),
        body_sent: !e.is_connect(),
    })
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
