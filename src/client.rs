//! Builds the Vision One client from the provider block's settings (trust roots and proxy included).

use crate::config::Settings;
use visionone_client::{Client, ClientConfig, Network};

pub fn build(s: &Settings) -> Result<Client, String> {
    Client::new(ClientConfig {
        base_url: s.base_url.clone(),
        api_key: s.api_key.clone().into(),
        request_timeout: s.request_timeout,
        max_retries: s.max_retries,
        user_agent: format!("terraform-provider-visionone/{}", env!("CARGO_PKG_VERSION")),
        max_requests_per_minute: s.max_requests_per_minute,
        network: Network {
            ca_certificates: s.ca_certificates.clone(),
            proxy_url: s.proxy_url.clone(),
        },
    })
    .map_err(|e| e.to_string())
}
