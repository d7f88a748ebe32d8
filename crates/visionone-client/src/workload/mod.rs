//! The Workload Security / Server & Workload Protection / Deep Security Manager client
//! (`docs/contract/workload-security-api.md`): the generic [`Transport`] with the `/api`
//! profile (`api-secret-key`, `api-version: v1`, `{"message"}` errors), and typed endpoints for
//! keys, roles and sessions. Retries, the rate limiter and the server clock (from `Date`) are the
//! transport's; times cross this module's edge as RFC 3339 ([`time`]).

mod keys;
mod roles;
mod session;
pub mod time;

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;
use visionone_api::workload::{API_VERSION, API_VERSION_HEADER};

use crate::error::ErrorFormat;
use crate::transport::{Api, AuthScheme, Request, Retry, Transport};
use crate::{ClientConfig, Error};

pub use roles::keys_may_use;
pub use session::Login;

/// The `/api` profile with a key's secret in `api-secret-key`.
pub const WORKLOAD: Api = Api {
    base_path: "/api",
    auth: AuthScheme::API_SECRET_KEY,
    headers: &[(API_VERSION_HEADER, API_VERSION)],
    errors: ErrorFormat::Message,
};

/// A Workload Security client, authenticated by a key's secret or by a session. Cheap to clone;
/// clones share one transport (pool, limiter, clock).
#[derive(Clone)]
pub struct WorkloadClient {
    transport: Arc<Transport>,
    /// Set when the client signed in with a user name and password: the session to end.
    session: Option<Arc<session::Open>>,
    /// The next create's expiry mark (`keys.rs`), shared by the clones: a counter from a random
    /// start, so concurrent creates differ and another process's rarely match.
    marks: Arc<AtomicI64>,
}

impl std::fmt::Debug for WorkloadClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadClient")
            .field("base_url", &self.transport.base_url())
            .field("session", &self.session.is_some())
            .finish()
    }
}

impl WorkloadClient {
    /// A client that sends `config.api_key` as `api-secret-key`. No network call.
    pub fn new(config: &ClientConfig) -> Result<WorkloadClient, Error> {
        Ok(WorkloadClient {
            transport: Arc::new(Transport::new(&WORKLOAD, config)?),
            session: None,
            marks: keys::new_marks(),
        })
    }

    /// The transport, for calls this module has no typed endpoint for.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The API root (`.../api`).
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// HTTP requests sent so far (every attempt counts), across all clones.
    pub fn requests_sent(&self) -> u64 {
        self.transport.requests_sent()
    }

    /// The estimated time on the manager (from the `Date` of its latest answer).
    pub fn server_now(&self) -> std::time::SystemTime {
        self.transport.server_now()
    }

    async fn call<T: DeserializeOwned>(
        &self,
        req: Request,
        retry: Retry,
        what: &str,
        cancel: &CancellationToken,
    ) -> Result<T, Error> {
        self.send(&req, retry, cancel).await?.json(what)
    }
}
