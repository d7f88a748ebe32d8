//! Builds the API clients from the provider block's settings (trust roots and proxy included).

use crate::config::{Settings, WorkloadSettings};
use visionone_client::{Client, ClientConfig, Network};

/// The Vision One client, with `api_key`.
pub fn build(s: &Settings, api_key: &str) -> Result<Client, String> {
    Client::new(config(s, &s.base_url, api_key)).map_err(|e| e.to_string())
}

/// The transport settings of a Workload Security client (its secret or session comes later).
pub fn workload_config(s: &Settings, w: &WorkloadSettings) -> ClientConfig {
    config(s, &w.url, "")
}

fn config(s: &Settings, base_url: &str, api_key: &str) -> ClientConfig {
    ClientConfig {
        base_url: base_url.to_string(),
        api_key: api_key.to_string().into(),
        request_timeout: s.request_timeout,
        max_retries: s.max_retries,
        user_agent: format!("terraform-provider-visionone/{}", env!("CARGO_PKG_VERSION")),
        max_requests_per_minute: s.max_requests_per_minute,
        network: Network {
            ca_certificates: s.ca_certificates.clone(),
            proxy_url: s.proxy_url.clone(),
        },
    }
}
