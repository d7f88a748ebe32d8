//! The Workload Security client, made on first use: a key's client costs nothing, but a
//! username/password sign-in is a network call, so it happens once per process, when the first
//! resource needs it, and every later call shares that session.

use crate::config::{WorkloadAuth, WorkloadSettings};
use tfplugin::Diagnostics;
use tokio::sync::OnceCell;
use visionone_client::{CancellationToken, ClientConfig, WorkloadClient};

/// The `workload` block's client, made once.
pub struct Workload {
    config: ClientConfig,
    auth: WorkloadAuth,
    client: OnceCell<WorkloadClient>,
}

impl Workload {
    pub fn new(settings: &WorkloadSettings, mut config: ClientConfig) -> Self {
        if let WorkloadAuth::Key(k) = &settings.auth {
            config.api_key = k.clone();
        }
        Workload {
            config,
            auth: settings.auth.clone(),
            client: OnceCell::new(),
        }
    }

    /// The client, signing in first when the block gives a user name and password.
    pub async fn client(&self, cancel: &CancellationToken) -> Result<&WorkloadClient, Diagnostics> {
        self.client
            .get_or_try_init(|| async {
                match &self.auth {
                    WorkloadAuth::Key(_) => WorkloadClient::new(&self.config).map_err(|e| e.to_string()),
                    WorkloadAuth::Login(login) => {
                        tfplugin::log::info(
                            "signing in to the Workload Security API",
                            &[("user_name", &login.user_name.as_str())],
                        );
                        WorkloadClient::sign_in(&self.config, login, cancel)
                            .await
                            .map_err(|e| format!("Signing in as {:?} failed: {e}", login.user_name))
                    }
                }
            })
            .await
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.error(
                    "Could not set up the Workload Security client",
                    format!("{e}. Check the provider's `workload` block."),
                );
                d
            })
    }

    /// Ends the sign-in session, if one was opened (a no-op for a key or before first use).
    pub async fn end_session(&self) {
        let Some(client) = self.client.get() else {
            return;
        };
        if !client.is_session() {
            return;
        }
        match client.end_session(&CancellationToken::new()).await {
            Ok(()) => tfplugin::log::info("ended the Workload Security session", &[]),
            Err(e) => tfplugin::log::warn(
                "could not end the Workload Security session; it idles out on the manager",
                &[("error", &e.to_string().as_str())],
            ),
        }
    }
}

/// The diagnostic of a resource that needs the `workload` block when there is none.
pub fn missing_block(type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        "The provider has no workload block",
        format!(
            "{type_name} manages Server & Workload Protection (Workload Security) objects, which need their own \
             credentials: add a `workload {{ url = \"...\" api_key = \"...\" }}` block (or `username` and \
             `password`) to the provider \"visionone\" block, or set the {} and {} environment variables. A Vision \
             One API key does not work on that API.",
            crate::config::workload::ENV_URL,
            crate::config::workload::ENV_API_KEY
        ),
    );
    d
}
