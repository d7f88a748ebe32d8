//! The provider block and what every call gets: the configured client and the call's context.
//! Resources and data sources are listed by kind in [`resources::all`] and [`data_sources::all`];
//! the framework's [`Server`] resolves type names and calls them.

use crate::config;
use crate::ephemeral::OpenKeys;
use crate::roles::Roles;
use crate::workload::Workload;
use crate::{data_sources, ephemeral, list_resources, resources};
use std::sync::{Arc, RwLock};
use tfplugin::framework::{
    DataSourceHandler, EphemeralHandler, ListResourceHandler, ProviderCore, ResourceHandler, Server,
};
use tfplugin::{Ctx, Diagnostics, Schema, Value};
use visionone_client::{Client, WorkloadClient};

/// What a resource or data source gets for one call: the clients (once configured) and the
/// cancellation signal Terraform's StopProvider fires.
pub struct Call {
    pub ctx: Ctx,
    configured: Configured,
    /// The process's open ephemeral keys (not per configuration: the shutdown hook needs them all).
    open_keys: Arc<OpenKeys>,
}

/// What `ConfigureProvider` made; shared by every call of the process.
#[derive(Clone, Default)]
struct Configured {
    client: Option<Client>,
    /// True once the block was resolved (a missing client is then a missing key, not unknowns).
    resolved: bool,
    roles: Arc<Roles>,
    workload: Option<Arc<Workload>>,
}

impl Call {
    /// The configured client, or an error diagnostic when the provider block could not be
    /// configured (for example an `api_key` that is only known after apply).
    pub fn client(&self) -> Result<&Client, Diagnostics> {
        self.configured.client.as_ref().ok_or_else(|| {
            let mut d = Diagnostics::new();
            if self.configured.resolved {
                d.error_at(
                    tfplugin::AttributePath::root("api_key"),
                    "No Vision One API key",
                    format!(
                        "Set `api_key` in the provider block or the {} environment variable: the `workload` block's credentials do not work on the Vision One API.",
                        config::ENV_API_KEY
                    ),
                );
            } else {
                d.error(
                    "Provider not configured",
                    "The visionone provider block has values that are not known yet, so the API cannot be called.                      Make api_key and the endpoint known at plan time.",
                );
            }
            d
        })
    }
    /// The client when configured; plan-time checks that need the API are skipped without one.
    pub fn client_opt(&self) -> Option<&Client> {
        self.configured.client.as_ref()
    }
    /// What this configured provider knows of roles (lookups, roles planned in this run).
    pub fn roles(&self) -> &Roles {
        &self.configured.roles
    }
    /// The Workload Security client (signing in on first use), or an error naming the `workload`
    /// block when the provider has none.
    pub async fn workload(&self, type_name: &str) -> Result<&WorkloadClient, Diagnostics> {
        match &self.configured.workload {
            Some(w) => w.client(&self.ctx.cancel).await,
            None if !self.configured.resolved => Err(self.client().err().unwrap_or_default()),
            None => Err(crate::workload::missing_block(type_name)),
        }
    }
    /// The Workload Security client for plan-time checks: None when there is no block or the
    /// provider is not configured yet (the checks are then skipped).
    pub async fn workload_opt(&self) -> Option<Result<&WorkloadClient, Diagnostics>> {
        let w = self.configured.workload.as_ref()?;
        Some(w.client(&self.ctx.cancel).await)
    }
    /// True when the provider was configured without a `workload` block.
    pub fn workload_missing(&self) -> bool {
        self.configured.resolved && self.configured.workload.is_none()
    }
    /// The ephemeral keys this process holds open (deleted by the shutdown hook if still open).
    pub fn open_keys(&self) -> &OpenKeys {
        &self.open_keys
    }
    #[cfg(test)]
    pub fn for_test(client: Option<Client>) -> Self {
        Call {
            ctx: Ctx::background(),
            configured: Configured {
                client,
                ..Configured::default()
            },
            open_keys: Arc::default(),
        }
    }
}

/// The Vision One provider as Terraform drives it.
pub type VisionOne = Server<Core>;

/// The provider block, the clients it configures and the role knowledge that goes with them.
#[derive(Default)]
pub struct Core {
    configured: RwLock<Configured>,
    /// Ephemeral keys opened and not yet closed, for [`Core::shutdown`].
    open_keys: Arc<OpenKeys>,
}

impl Core {
    /// Ends the Workload Security sign-in session, if the provider opened one. For the provider's
    /// shutdown: a session left open idles out on the manager only after 30 minutes.
    pub async fn end_workload_session(&self) {
        let w = self
            .configured
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .workload
            .clone();
        if let Some(w) = w {
            w.end_session().await;
        }
    }
}

#[async_trait::async_trait]
impl ProviderCore for Core {
    type Data = Call;

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Box<dyn ResourceHandler<Call>>> {
        resources::all()
    }

    fn data_sources(&self) -> Vec<Box<dyn DataSourceHandler<Call>>> {
        data_sources::all()
    }

    fn list_resources(&self) -> Vec<Box<dyn ListResourceHandler<Call>>> {
        list_resources::all()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, _ctx: Ctx, terraform_version: String, config: Value) -> Diagnostics {
        if !config.is_wholly_known() {
            tfplugin::log::debug(
                "provider configuration has unknown values; API calls wait for apply",
                &[],
            );
            return Diagnostics::new();
        }
        let settings = match config::resolve(&config, &|k| std::env::var(k).ok()) {
            Ok(s) => s,
            Err(d) => return d,
        };
        tfplugin::log::info(
            "configuring the visionone provider",
            &[
                ("base_url", &settings.base_url),
                ("terraform_version", &terraform_version),
                ("workload", &settings.workload.is_some()),
            ],
        );
        let mut d = Diagnostics::new();
        let mut configured = Configured {
            resolved: true,
            ..Configured::default()
        };
        if let Some(key) = &settings.api_key {
            match crate::client::build(&settings, key) {
                Ok(c) => configured.client = Some(c),
                Err(e) => d.error("Could not set up the Vision One client", e),
            }
        }
        configured.workload = settings
            .workload
            .as_ref()
            .map(|w| Arc::new(Workload::new(w, crate::client::workload_config(&settings, w))));
        *self.configured.write().unwrap_or_else(|p| p.into_inner()) = configured;
        d
    }

    fn data(&self, ctx: Ctx) -> Call {
        let configured = self.configured.read().unwrap_or_else(|p| p.into_inner()).clone();
        let open_keys = self.open_keys.clone();
        Call {
            ctx,
            configured,
            open_keys,
        }
    }

    fn ephemeral_resources(&self) -> Vec<Box<dyn EphemeralHandler<Call>>> {
        ephemeral::all()
    }

    /// What must not outlive the process, side by side (the server bounds the whole).
    async fn shutdown(&self) {
        tokio::join!(
            // Ephemeral keys Terraform did not close (Ctrl-C, a killed run).
            self.open_keys.close_all(),
            // A Workload Security sign-in session would otherwise idle on the manager for 30 min.
            self.end_workload_session(),
        );
    }
}

#[cfg(test)]
mod tests {
    use tfplugin::framework::Model;

    #[test]
    fn every_model_matches_its_schema() {
        assert_eq!(super::VisionOne::new().model_mismatches(), Vec::<String>::new());
    }

    /// State as release 0.1.0 (48f9ea5) stored it, `attributes` of terraform.tfstate.
    const V010_API_KEY: &str = r#"{"created_at":"2026-01-01T00:00:00Z","description":null,"enabled":true,
        "expiration":"3_months","expires_at":"2026-04-01T00:00:00Z","id":"k1","last_used_at":null,"max_age_days":null,
        "name":null,"name_prefix":"ci-","ready_for_rotation":false,"role":"SIEM","rotate_before_days":14,
        "rotation_triggers":{"epoch":"1"},"secret":"s3cret"}"#;
    const V010_CUSTOM_ROLE: &str = r#"{"allow_api_key_assignment":true,"allow_user_account_assignment":false,
        "description":"","id":"r1","last_updated_at":"2026-01-01T00:00:00Z","name":"ops",
        "permission_keys":["iam.roles.view","workbench.view"],"type":"custom"}"#;
    const V010_USER_ACCOUNT: &str = r#"{"auth_type":"local","created_at":null,"description":null,"email":"ann@example.com",
        "enabled":true,"id":"acc-1","last_login_at":null,"role":"Auditor","status":"invited"}"#;

    fn round_trip<M: Model>(type_name: &str, json: &str) {
        let provider = super::VisionOne::new();
        let schema = &tfplugin::Provider::schemas(&provider).resources[type_name];
        assert_eq!(
            schema.version, 0,
            "{type_name}: a version bump needs an upgrade of 0.1.0 state"
        );
        let v = tfplugin::value::json::decode(json.as_bytes(), &schema.block.value_type()).unwrap();
        let m = M::from_value(&v).unwrap();
        assert_eq!(m.to_value(), v, "{type_name}: 0.1.0 state must read back unchanged");
    }

    #[test]
    fn state_written_by_0_1_0_reads_back_unchanged() {
        round_trip::<crate::resources::api_key::ApiKeyState>("visionone_api_key", V010_API_KEY);
        round_trip::<crate::resources::custom_role::CustomRoleState>("visionone_custom_role", V010_CUSTOM_ROLE);
        round_trip::<crate::resources::user_account::AccountState>("visionone_user_account", V010_USER_ACCOUNT);
    }
}
