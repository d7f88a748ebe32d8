//! The Vision One client: the generic [`Transport`] with the v3.0 profile, and the settings every
//! API client is built from. Construction makes no network call.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::error::ErrorFormat;
use crate::transport::{Api, AuthScheme, Reply, Request, Retry, Transport};
use crate::{Error, Network, Secret};

/// `terraform-provider-visionone/<version>`.
pub fn user_agent_for(version: &str) -> String {
    format!("terraform-provider-visionone/{version}")
}

/// The User-Agent with this crate's version, for callers that pass none of their own.
pub fn default_user_agent() -> String {
    user_agent_for(env!("CARGO_PKG_VERSION"))
}

/// How to reach one tenant of an API (Vision One here; any client built on [`Transport`]).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.xdr.trendmicro.com` or `http://127.0.0.1:PORT`; a trailing base path (`/v3.0`) is accepted.
    pub base_url: String,
    /// The credential, sent as the API's [`AuthScheme`] says.
    pub api_key: Secret,
    /// Overall budget of one call, retries and backoff included.
    pub request_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub user_agent: String,
    /// Client-side cap on requests per 60-second window, shared by all clones of the client.
    pub max_requests_per_minute: Option<u32>,
    /// Extra trust roots and a proxy of its own.
    pub network: Network,
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
            network: Network::default(),
        }
    }
}

/// The Vision One v3.0 platform API: bearer key, `/v3.0`, `{"error":{"code","message"}}` bodies.
pub const VISION_ONE: Api = Api {
    base_path: "/v3.0",
    auth: AuthScheme::BEARER,
    headers: &[],
    errors: ErrorFormat::CodeAndMessage,
};

/// A Vision One API client. Cheap to clone; clones share the connection pool, the rate limiter,
/// the server clock estimate and the request counter.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// The transport plus what only Vision One's endpoints need; reads through to the transport.
pub(crate) struct Inner {
    pub transport: Transport,
    /// Batchers and list snapshots shared by every clone; built on first use.
    pub shared: std::sync::OnceLock<Arc<crate::shared::Shared>>,
}

impl std::ops::Deref for Inner {
    type Target = Transport;
    fn deref(&self) -> &Transport {
        &self.transport
    }
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
    /// Check the settings and build the HTTP client (reads the system trust store); no network call.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(&VISION_ONE, &config)?,
                shared: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The transport, for calls this crate has no typed endpoint for.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The API root this client talks to (`.../v3.0`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// HTTP requests sent so far (every attempt counts), across all clones.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests_sent()
    }

    /// Estimated server_now − local_now, from the `Date` header of the latest answer.
    pub fn server_time_offset(&self) -> Option<time::Duration> {
        self.inner.server_time_offset()
    }

    /// The estimated time on the API server (the local clock until an answer carried `Date`).
    pub fn server_now(&self) -> SystemTime {
        self.inner.server_now()
    }

    /// The client-side request cap in force now (lowered for a while after a 429).
    pub fn current_rate_limit(&self) -> Option<u32> {
        self.inner.current_rate_limit()
    }

    /// `<base>/v3.0/<segments...>`, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> reqwest::Url {
        self.inner.url(segments)
    }

    /// Send with retries (see [`Transport::send`]).
    pub(crate) async fn send(&self, req: &Request, retry: Retry, cancel: &CancellationToken) -> Result<Reply, Error> {
        self.inner.send(req, retry, cancel).await
    }

    /// Sleep before a create is sent again after an ambiguous failure was settled.
    pub(crate) async fn pause_before_recreate(&self, round: u32, cancel: &CancellationToken) -> Result<(), Error> {
        self.inner.pause_before_recreate(round, cancel).await
    }
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
            let c = Client::new(ClientConfig::new(raw, "k")).unwrap();
            assert_eq!(c.base_url(), want);
        }
        for bad in ["ftp://x", "not a url", "https://u:p@host"] {
            assert!(Client::new(ClientConfig::new(bad, "k")).is_err(), "{bad}");
        }
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
