//! HTTP client for the Trend Vision One v3.0 IAM API (`shared/visionone-api.md`).
//!
//! It knows HTTP and Vision One, nothing of Terraform. Every call takes a `CancellationToken` and is
//! bounded by `request_timeout`; transient failures are retried with jittered backoff, and creates
//! are never retried blindly (see [`Client::create_api_keys`]).

mod accounts;
mod client;
mod clock;
mod error;
mod etag;
mod keys;
mod limiter;
mod list;
mod ops;
mod retry;
mod roles;
mod secret;
mod transport;

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod test_server;

pub use client::{default_user_agent, user_agent_for, Client, ClientConfig};
pub use error::{excerpt, ApiError, Error};
pub use etag::ETag;
pub use keys::CreateResult;
pub use list::{ListQuery, DEFAULT_TOP};
pub use retry::parse_retry_after;
pub use secret::Secret;
pub use tokio_util::sync::CancellationToken;
pub use visionone_api as api;

use visionone_api::Health;

impl Client {
    /// `GET /healthcheck/connectivity`: `{"status":"available"}` when the key and region work.
    pub async fn health(&self, cancel: &CancellationToken) -> Result<Health, Error> {
        self.get_json(&["healthcheck", "connectivity"], "health check", cancel)
            .await
    }
}
