//! HTTP client for the Trend Vision One v3.0 IAM API (`docs/contract/visionone-api.md`), built on a
//! generic [`Transport`] that a second API (another base path, auth header and error body) reuses:
//! the Workload Security / Deep Security API under `/api` ([`WorkloadClient`], `workload/`).
//!
//! It knows HTTP and Vision One, nothing of Terraform. Every call takes a `CancellationToken` and is
//! bounded by `request_timeout`; transient failures are retried with jittered backoff, and creates
//! are never retried blindly (see [`Client::create_api_keys`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use visionone_client::{api::ApiKeyCreate, CancellationToken, Client, ClientConfig};
//!
//! # async fn demo() -> Result<(), visionone_client::Error> {
//! let mut cfg = ClientConfig::new("https://api.xdr.trendmicro.com", "tmv1-...");
//! cfg.request_timeout = Duration::from_secs(30);
//! cfg.user_agent = visionone_client::user_agent_for("1.0.0");
//! let client = Client::new(cfg)?; // no network call yet
//! let cancel = CancellationToken::new();
//! let created = client
//!     .create_api_key(
//!         &ApiKeyCreate { name: "ci".into(), role: "SIEM".into(), description: None, status: None, months_to_expiration: Some(3) },
//!         &cancel,
//!     )
//!     .await?;
//! println!("{} (the secret is in created.value, shown once)", created.id);
//! # Ok(()) }
//! ```

mod accounts;
mod client;
mod clock;
mod coalesce;
mod error;
mod etag;
mod key_batches;
mod keys;
mod limiter;
mod list;
mod network;
mod ops;
mod retry;
mod roles;
mod secret;
mod shared;
mod snapshot;
mod transport;
pub mod workload;

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod test_server;

pub use client::{default_user_agent, user_agent_for, Client, ClientConfig, VISION_ONE};
pub use error::{excerpt, ApiError, Error, ErrorFormat};
pub use etag::ETag;
pub use keys::CreateResult;
pub use list::{ListQuery, DEFAULT_TOP};
pub use network::{check_proxy_url, parse_certificates, Network, TRUST_ADVICE};
pub use retry::parse_retry_after;
pub use secret::Secret;
pub use shared::{CoalesceSettings, CoalesceStats, ObjectKind, COALESCE_ENV};
pub use tokio_util::sync::CancellationToken;
pub use transport::{Api, AuthScheme, Reply, Request, Retry, Transport};
pub use visionone_api as api;
pub use workload::{Login, WorkloadClient};

use visionone_api::Health;

/// Client futures must be `Send` (they run inside gRPC handlers) and errors `Send + Sync`.
#[cfg(test)]
#[allow(dead_code)]
fn assert_send_bounds(c: &Client, cancel: &CancellationToken, r: &api::RoleCreate, a: &api::AccountCreate) {
    fn send<T: Send>(_: T) {}
    fn sync<T: Send + Sync + 'static>() {}
    sync::<Error>();
    sync::<Client>();
    send(c.create_api_keys(&[], cancel));
    send(c.create_role(r, cancel));
    send(c.invite_account(a, cancel));
    send(c.list_api_keys(&ListQuery::default(), cancel));
    send(c.update_role("", &Default::default(), None, cancel));
}

impl Client {
    /// `GET /healthcheck/connectivity`: `{"status":"available"}` when the key and region work.
    pub async fn health(&self, cancel: &CancellationToken) -> Result<Health, Error> {
        self.get_json(&["healthcheck", "connectivity"], "health check", cancel)
            .await
    }
}
