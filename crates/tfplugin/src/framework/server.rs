//! A provider composed by kind: the provider block, resources and data sources (and room for
//! ephemeral resources, list resources and functions), each type resolved by name in one
//! registry built once. [`Server`] implements the transport's [`Provider`] for any [`ProviderCore`].

use super::resource::{DataSourceHandler, ResourceHandler};
use crate::diag::Diagnostics;
use crate::provider::{
    ApplyRequest, ApplyResponse, Ctx, DataSourceResponse, ImportResponse, PlanRequest, PlanResponse, ProviderSchemas,
    ReadRequest, ReadResponse,
};
use crate::schema::Schema;
use crate::value::Value;
use std::collections::BTreeMap;

/// What a provider itself is: its block, how it configures, and its types by kind.
#[async_trait::async_trait]
pub trait ProviderCore: Send + Sync + 'static {
    /// What every resource call receives (the configured client and the call's [`Ctx`]).
    type Data: Send + Sync + 'static;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Box<dyn ResourceHandler<Self::Data>>>;
    fn data_sources(&self) -> Vec<Box<dyn DataSourceHandler<Self::Data>>>;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Called once per process; must make no network call.
    async fn configure(&self, ctx: Ctx, terraform_version: String, config: Value) -> Diagnostics;
    /// The data for one call.
    fn data(&self, ctx: Ctx) -> Self::Data;
}

/// The registry: every type by kind, with the schemas built once.
pub struct Server<C: ProviderCore> {
    core: C,
    schemas: ProviderSchemas,
    resources: BTreeMap<&'static str, Box<dyn ResourceHandler<C::Data>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSourceHandler<C::Data>>>,
}

impl<C: ProviderCore + Default> Server<C> {
    /// The server of a provider whose core starts empty (configured later by Terraform).
    pub fn new() -> Self {
        Self::with(C::default())
    }
}

impl<C: ProviderCore + Default> Default for Server<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: ProviderCore> Server<C> {
    pub fn with(core: C) -> Self {
        let resources: BTreeMap<_, _> = core.resources().into_iter().map(|r| (r.type_name(), r)).collect();
        let data_sources: BTreeMap<_, _> = core.data_sources().into_iter().map(|d| (d.type_name(), d)).collect();
        let schemas = ProviderSchemas {
            provider: core.schema(),
            provider_meta: None,
            resources: resources
                .iter()
                .map(|(k, r)| (k.to_string(), r.schema().clone()))
                .collect(),
            data_sources: data_sources
                .iter()
                .map(|(k, d)| (k.to_string(), d.schema().clone()))
                .collect(),
        };
        Server {
            core,
            schemas,
            resources,
            data_sources,
        }
    }

    pub fn core(&self) -> &C {
        &self.core
    }

    /// Every type whose model disagrees with its schema, with why (empty when all agree).
    pub fn model_mismatches(&self) -> Vec<String> {
        let r = self.resources.values().map(|r| (r.type_name(), r.check_model()));
        let d = self.data_sources.values().map(|d| (d.type_name(), d.check_model()));
        r.chain(d)
            .filter_map(|(n, c)| c.err().map(|e| format!("{n}: {e}")))
            .collect()
    }

    /// The transport has already checked the type name against the schemas, which come from
    /// this same registry, so a miss here is a bug; it is still an error, never a panic.
    fn resource(&self, type_name: &str) -> Result<&dyn ResourceHandler<C::Data>, Diagnostics> {
        self.resources
            .get(type_name)
            .map(|r| r.as_ref())
            .ok_or_else(|| unknown("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&dyn DataSourceHandler<C::Data>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .map(|d| d.as_ref())
            .ok_or_else(|| unknown("data source", type_name))
    }
}

fn unknown(kind: &str, name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named {name:?}."),
    );
    d
}

#[async_trait::async_trait]
impl<C: ProviderCore> crate::provider::Provider for Server<C> {
    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }
    async fn validate_provider_config(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        self.core.validate(&config)
    }
    async fn configure(&self, ctx: Ctx, terraform_version: String, config: Value) -> Diagnostics {
        self.core.configure(ctx, terraform_version, config).await
    }
    async fn validate_resource_config(&self, _ctx: Ctx, type_name: &str, config: Value) -> Diagnostics {
        self.resource(type_name)
            .map(|r| r.validate(&config))
            .unwrap_or_else(|d| d)
    }
    async fn validate_data_source_config(&self, _ctx: Ctx, type_name: &str, config: Value) -> Diagnostics {
        self.data_source(type_name)
            .map(|d| d.validate(&config))
            .unwrap_or_else(|d| d)
    }
    async fn upgrade_resource_state(
        &self,
        _ctx: Ctx,
        type_name: &str,
        version: i64,
        json: &[u8],
    ) -> Option<Result<Value, Diagnostics>> {
        self.resource(type_name).ok()?.upgrade(version, json)
    }
    async fn read_resource(&self, ctx: Ctx, req: ReadRequest) -> ReadResponse {
        match self.resource(&req.type_name) {
            Ok(r) => r.read(&self.core.data(ctx), req).await,
            Err(diagnostics) => ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics,
            },
        }
    }
    async fn plan_resource_change(&self, ctx: Ctx, req: PlanRequest) -> PlanResponse {
        match self.resource(&req.type_name) {
            Ok(r) => r.plan(&self.core.data(ctx), req).await,
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
            Ok(r) => r.apply(&self.core.data(ctx), req).await,
            Err(diagnostics) => ApplyResponse::unchanged(req.prior_state, diagnostics),
        }
    }
    async fn import_resource_state(&self, ctx: Ctx, type_name: &str, id: &str) -> ImportResponse {
        match self.resource(type_name) {
            Ok(r) => r.import(&self.core.data(ctx), id).await,
            Err(diagnostics) => ImportResponse {
                imported: vec![],
                diagnostics,
            },
        }
    }
    async fn read_data_source(&self, ctx: Ctx, type_name: &str, config: Value) -> DataSourceResponse {
        match self.data_source(type_name) {
            Ok(d) => d.read(&self.core.data(ctx), config).await,
            Err(diagnostics) => DataSourceResponse {
                state: Value::Null,
                diagnostics,
            },
        }
    }
}
