//! The provider between Terraform and Vision One: it owns the configured client and
//! dispatches each call to the resource or data source it names.

use crate::config;
use crate::data_sources::{self, DataSource};
use crate::resources::{self, Resource};
use std::collections::BTreeMap;
use std::sync::RwLock;
use tfplugin::{
    ApplyRequest, ApplyResponse, Ctx, DataSourceResponse, Diagnostics, ImportResponse, PlanRequest, PlanResponse,
    ProviderSchemas, ReadRequest, ReadResponse, Value,
};
use visionone_client::Client;

/// What a resource handler gets for one call: the client (once configured) and the
/// cancellation signal Terraform's StopProvider fires.
pub struct Call {
    pub ctx: Ctx,
    client: Option<Client>,
}

impl Call {
    /// The configured client, or an error diagnostic when the provider block could not be
    /// configured (for example an `api_key` that is only known after apply).
    pub fn client(&self) -> Result<&Client, Diagnostics> {
        self.client.as_ref().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Provider not configured",
                "The visionone provider block has values that are not known yet, so the API cannot be called. \
                 Make api_key and the endpoint known at plan time.",
            );
            d
        })
    }
    /// The client when configured; plan-time checks that need the API are skipped without one.
    pub fn client_opt(&self) -> Option<&Client> {
        self.client.as_ref()
    }
    #[cfg(test)]
    pub fn for_test(client: Option<Client>) -> Self {
        Call {
            ctx: Ctx::background(),
            client,
        }
    }
}

pub struct VisionOne {
    schemas: ProviderSchemas,
    resources: BTreeMap<&'static str, Box<dyn Resource>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource>>,
    client: RwLock<Option<Client>>,
}

impl Default for VisionOne {
    fn default() -> Self {
        Self::new()
    }
}

impl VisionOne {
    pub fn new() -> Self {
        let resources: BTreeMap<_, _> = resources::all().into_iter().map(|r| (r.type_name(), r)).collect();
        let data_sources: BTreeMap<_, _> = data_sources::all().into_iter().map(|d| (d.type_name(), d)).collect();
        let schemas = ProviderSchemas {
            provider: config::schema(),
            provider_meta: None,
            resources: resources.iter().map(|(k, r)| (k.to_string(), r.schema())).collect(),
            data_sources: data_sources.iter().map(|(k, d)| (k.to_string(), d.schema())).collect(),
        };
        VisionOne {
            schemas,
            resources,
            data_sources,
            client: RwLock::new(None),
        }
    }

    fn call(&self, ctx: Ctx) -> Call {
        let client = self.client.read().map(|c| c.clone()).unwrap_or(None);
        Call { ctx, client }
    }

    fn resource(&self, type_name: &str) -> Result<&dyn Resource, Diagnostics> {
        self.resources
            .get(type_name)
            .map(|r| r.as_ref())
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&dyn DataSource, Diagnostics> {
        self.data_sources
            .get(type_name)
            .map(|d| d.as_ref())
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named {name:?}."),
    );
    d
}

#[async_trait::async_trait]
impl tfplugin::Provider for VisionOne {
    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    async fn validate_provider_config(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        config::validate(&config)
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
            ],
        );
        match crate::client::build(&settings) {
            Ok(c) => {
                if let Ok(mut slot) = self.client.write() {
                    *slot = Some(c);
                }
                Diagnostics::new()
            }
            Err(e) => {
                let mut d = Diagnostics::new();
                d.error("Could not set up the Vision One client", e);
                d
            }
        }
    }

    async fn validate_resource_config(&self, _ctx: Ctx, type_name: &str, config: Value) -> Diagnostics {
        match self.resource(type_name) {
            Ok(r) => r.validate(&config),
            Err(d) => d,
        }
    }

    async fn validate_data_source_config(&self, _ctx: Ctx, type_name: &str, config: Value) -> Diagnostics {
        match self.data_source(type_name) {
            Ok(d) => d.validate(&config),
            Err(d) => d,
        }
    }

    async fn read_resource(&self, ctx: Ctx, req: ReadRequest) -> ReadResponse {
        match self.resource(&req.type_name) {
            Ok(r) => r.read(&self.call(ctx), req).await,
            Err(diagnostics) => ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics,
            },
        }
    }

    async fn plan_resource_change(&self, ctx: Ctx, req: PlanRequest) -> PlanResponse {
        match self.resource(&req.type_name) {
            Ok(r) => r.plan(&self.call(ctx), req).await,
            Err(diagnostics) => PlanResponse {
                planned_state: req.proposed_new_state,
                requires_replace: vec![],
                planned_private: req.prior_private,
                diagnostics,
            },
        }
    }

    async fn apply_resource_change(&self, ctx: Ctx, req: ApplyRequest) -> ApplyResponse {
        match self.resource(&req.type_name) {
            Ok(r) => r.apply(&self.call(ctx), req).await,
            Err(diagnostics) => ApplyResponse {
                new_state: req.prior_state,
                private: vec![],
                diagnostics,
            },
        }
    }

    async fn import_resource_state(&self, ctx: Ctx, type_name: &str, id: &str) -> ImportResponse {
        match self.resource(type_name) {
            Ok(r) => r.import(&self.call(ctx), id).await,
            Err(diagnostics) => ImportResponse {
                imported: vec![],
                diagnostics,
            },
        }
    }

    async fn read_data_source(&self, ctx: Ctx, type_name: &str, config: Value) -> DataSourceResponse {
        match self.data_source(type_name) {
            Ok(d) => d.read(&self.call(ctx), config).await,
            Err(diagnostics) => DataSourceResponse {
                state: Value::Null,
                diagnostics,
            },
        }
    }
}
