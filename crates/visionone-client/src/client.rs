//! The `Client` handle and its configuration. Construction makes no network call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use reqwest::Url;

use crate::clock::ServerClock;
use crate::limiter::RateLimiter;
use crate::{Error, Secret};

/// `terraform-provider-visionone/<version>`.
pub fn user_agent_for(version: &str) -> String {
    format!("terraform-provider-visionone/{version}")
}

/// The User-Agent with this crate's version, for callers that pass none of their own.
pub fn default_user_agent() -> String {
    user_agent_for(env!("CARGO_PKG_VERSION"))
}

/// How to reach one Vision One tenant.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.xdr.trendmicro.com` or `http://127.0.0.1:PORT`; a trailing `/v3.0` is accepted.
    pub base_url: String,
    pub api_key: Secret,
    /// Overall budget of one call, retries and backoff included.
    pub request_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub user_agent: String,
    /// Client-side cap on requests per 60-second window, shared by all clones of the client.
    pub max_requests_per_minute: Option<u32>,
}

impl ClientConfig {
    /// Defaults: 60 s per call, 5 retries, this crate's User-Agent, no client-side rate cap.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            user_agent: default_user_agent(),
            max_requests_per_minute: None,
        }
    }
}

/// A Vision One API client. Cheap to clone; clones share the connection pool, the rate limiter,
/// the server clock estimate and the request counter.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    /// `<scheme>://<host>[:port][/prefix]/v3.0`.
    pub base: Url,
    pub auth: HeaderValue,
    pub timeout: Duration,
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub limiter: RateLimiter,
    pub clock: ServerClock,
    pub requests: AtomicU64,
    /// Batchers and list snapshots shared by every clone; built on first use.
    pub shared: std::sync::OnceLock<Arc<crate::shared::Shared>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let base = normalise_base(&config.base_url)?;
        if config.api_key.is_empty() {
            return Err(Error::Config("the API key is empty".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| Error::Config("the API key contains characters that cannot be sent in a header".into()))?;
        auth.set_sensitive(true);
        if config.request_timeout.is_zero() {
            return Err(Error::Config("request_timeout must be greater than zero".into()));
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.request_timeout.min(Duration::from_secs(15)))
            // A redirect could carry the bearer key elsewhere; the API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                timeout: config.request_timeout,
                max_retries: config.max_retries,
                backoff_base: crate::retry::BASE_DELAY,
                backoff_cap: crate::retry::MAX_DELAY,
                limiter: RateLimiter::new(config.max_requests_per_minute),
                clock: ServerClock::default(),
                requests: AtomicU64::new(0),
                shared: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The API root this client talks to (`.../v3.0`).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// HTTP requests sent so far (every attempt counts), across all clones.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Estimated server_now − local_now, from the `Date` header of the latest answer.
    pub fn server_time_offset(&self) -> Option<time::Duration> {
        self.inner.clock.offset()
    }

    /// The estimated time on the API server (the local clock until an answer carried `Date`).
    pub fn server_now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// The client-side request cap in force now (lowered for a while after a 429).
    pub fn current_rate_limit(&self) -> Option<u32> {
        self.inner.limiter.current_limit()
    }
}

/// Accept `https://host`, `https://host/`, `https://host/v3.0`, `http://127.0.0.1:PORT/prefix`.
fn normalise_base(raw: &str) -> Result<Url, Error> {
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
    let path = path.strip_suffix("/v3.0").unwrap_or(path).to_owned();
    url.set_path(&format!("{path}/v3.0"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        for (raw, want) in [
            ("https://api.xdr.trendmicro.com", "https://api.xdr.trendmicro.com/v3.0"),
            ("https://api.xdr.trendmicro.com/", "https://api.xdr.trendmicro.com/v3.0"),
            (
                "https://api.xdr.trendmicro.com/v3.0/",
                "https://api.xdr.trendmicro.com/v3.0",
            ),
            ("http://127.0.0.1:8080/proxy", "http://127.0.0.1:8080/proxy/v3.0"),
        ] {
            assert_eq!(normalise_base(raw).unwrap().as_str(), want);
        }
        assert!(normalise_base("ftp://x").is_err());
        assert!(normalise_base("not a url").is_err());
        assert!(normalise_base("https://u:p@host").is_err());
    }

    #[test]
    fn debug_hides_the_key() {
        let c = Client::new(ClientConfig::new("https://api.xdr.trendmicro.com", "tmv1-SECRET-KEY")).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(!format!("{:?}", ClientConfig::new("https://h", "tmv1-SECRET-KEY")).contains("SECRET"));
        assert_eq!(c.requests_sent(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(Client::new(ClientConfig::new("https://h", "")).is_err());
        assert!(Client::new(ClientConfig::new("https://h", "a\nb")).is_err());
        assert_eq!(user_agent_for("1.2.3"), "terraform-provider-visionone/1.2.3");
        assert!(default_user_agent().starts_with("terraform-provider-visionone/"));
    }
}
