//! A provider composed by kind: the provider block, resources and data sources (and room for
//! ephemeral resources, list resources and functions), each type resolved by name in one
//! registry built once. [`Server`] implements the transport's [`Provider`] for any
//! [`ProviderCore`]: the transport asks it once for a type, and the handle it gets carries both
//! the schema and the calls, bound to the core that makes each call's data.
//!
//! [`Provider`]: crate::provider::Provider

use super::ephemeral::EphemeralHandler;
use super::list::ListResourceHandler;
use super::resource::{DataSourceHandler, ResourceHandler};
use crate::diag::Diagnostics;
use crate::provider::{
    ApplyRequest, ApplyResponse, Ctx, DataSourceResponse, DataSourceType, ImportResponse, PlanRequest, PlanResponse,
    ProviderSchemas, ReadRequest, ReadResponse, ResourceType,
};
use crate::provider::{EphemeralResourceType, OpenResponse};
use crate::schema::Schema;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a provider itself is: its block, how it configures, and its types by kind.
#[async_trait::async_trait]
pub trait ProviderCore: Send + Sync + 'static {
    /// What every resource call receives (the configured client and the call's [`Ctx`]).
    type Data: Send + Sync + 'static;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Box<dyn ResourceHandler<Self::Data>>>;
    fn data_sources(&self) -> Vec<Box<dyn DataSourceHandler<Self::Data>>>;
    /// List resources for `terraform query`; none by default.
    fn list_resources(&self) -> Vec<Box<dyn ListResourceHandler<Self::Data>>> {
        vec![]
    }
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Called once per process; must make no network call.
    async fn configure(&self, ctx: Ctx, terraform_version: String, config: Value) -> Diagnostics;
    /// The data for one call.
    fn data(&self, ctx: Ctx) -> Self::Data;

    /// Ephemeral resource types (Terraform >= 1.10).
    fn ephemeral_resources(&self) -> Vec<Box<dyn EphemeralHandler<Self::Data>>> {
        Vec::new()
    }

    /// The process is about to exit: release what must not outlive it (what ephemeral
    /// resources still hold open). The server cuts it short after about 1.5 s.
    async fn shutdown(&self) {}
}

/// The registry: every type by kind, with the schemas built once.
pub struct Server<C: ProviderCore> {
    core: Arc<C>,
    schemas: ProviderSchemas,
    resources: BTreeMap<&'static str, Arc<BoundResource<C>>>,
    data_sources: BTreeMap<&'static str, Arc<BoundDataSource<C>>>,
    ephemeral_resources: BTreeMap<&'static str, Arc<BoundEphemeral<C>>>,
    list_resources: BTreeMap<&'static str, Arc<BoundList<C>>>,
}

type BoundResource<C> = Bound<C, dyn ResourceHandler<<C as ProviderCore>::Data>>;
type BoundDataSource<C> = Bound<C, dyn DataSourceHandler<<C as ProviderCore>::Data>>;
type BoundEphemeral<C> = Bound<C, dyn EphemeralHandler<<C as ProviderCore>::Data>>;
type BoundList<C> = Bound<C, dyn ListResourceHandler<<C as ProviderCore>::Data>>;

/// A type's handler with the core that makes the data for each of its calls.
pub struct Bound<C, H: ?Sized> {
    core: Arc<C>,
    handler: Box<H>,
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
        let core = Arc::new(core);
        let bind = |handler| {
            Arc::new(Bound {
                core: core.clone(),
                handler,
            })
        };
        let resources: BTreeMap<_, _> = core.resources().into_iter().map(|r| (r.type_name(), bind(r))).collect();
        let data_sources: BTreeMap<_, _> = core
            .data_sources()
            .into_iter()
            .map(|d| {
                (
                    d.type_name(),
                    Arc::new(Bound {
                        core: core.clone(),
                        handler: d,
                    }),
                )
            })
            .collect();
        let ephemeral_resources: BTreeMap<_, _> = core
            .ephemeral_resources()
            .into_iter()
            .map(|e| {
                (
                    e.type_name(),
                    Arc::new(Bound {
                        core: core.clone(),
                        handler: e,
                    }),
                )
            })
            .collect();
        let list_resources: BTreeMap<_, _> = core
            .list_resources()
            .into_iter()
            .map(|l| {
                (
                    l.type_name(),
                    Arc::new(Bound {
                        core: core.clone(),
                        handler: l,
                    }),
                )
            })
            .collect();
        let schemas = ProviderSchemas {
            provider: core.schema(),
            provider_meta: None,
            resources: resources
                .iter()
                .map(|(k, r)| (k.to_string(), r.handler.schema().clone()))
                .collect(),
            data_sources: data_sources
                .iter()
                .map(|(k, d)| (k.to_string(), d.handler.schema().clone()))
                .collect(),
            ephemeral_resources: ephemeral_resources
                .iter()
                .map(|(k, e)| (k.to_string(), e.handler.schema().clone()))
                .collect(),
            identities: resources
                .iter()
                .filter_map(|(k, r)| Some((k.to_string(), r.handler.identity()?.clone())))
                .collect(),
            list_resources: list_resources
                .iter()
                .map(|(k, l)| (k.to_string(), l.handler.schema().clone()))
                .collect(),
        };
        Server {
            core,
            schemas,
            resources,
            data_sources,
            ephemeral_resources,
            list_resources,
        }
    }

    pub fn core(&self) -> &C {
        &self.core
    }

    /// Every type whose model disagrees with its schema, with why (empty when all agree).
    pub fn model_mismatches(&self) -> Vec<String> {
        let r = self
            .resources
            .values()
            .map(|r| (r.handler.type_name(), r.handler.check_model()));
        let d = self
            .data_sources
            .values()
            .map(|d| (d.handler.type_name(), d.handler.check_model()));
        let e = self
            .ephemeral_resources
            .values()
            .map(|e| (e.handler.type_name(), e.handler.check_model()));
        let l = self
            .list_resources
            .values()
            .map(|l| (l.handler.type_name(), l.handler.check_model()));
        r.chain(d)
            .chain(e)
            .chain(l)
            .filter_map(|(n, c)| c.err().map(|e| format!("{n}: {e}")))
            .collect()
    }
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
    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        self.resources
            .get(type_name)
            .map(|r| r.clone() as Arc<dyn ResourceType>)
    }
    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.data_sources
            .get(type_name)
            .map(|d| d.clone() as Arc<dyn DataSourceType>)
    }
    fn ephemeral_resource(&self, type_name: &str) -> Option<Arc<dyn EphemeralResourceType>> {
        self.ephemeral_resources
            .get(type_name)
            .map(|e| e.clone() as Arc<dyn EphemeralResourceType>)
    }
    async fn shutdown(&self) {
        self.core.shutdown().await
    }
    fn list_resource(&self, type_name: &str) -> Option<Arc<dyn crate::list::ListResourceType>> {
        self.list_resources
            .get(type_name)
            .map(|l| l.clone() as Arc<dyn crate::list::ListResourceType>)
    }
}

#[async_trait::async_trait]
impl<C: ProviderCore> ResourceType for BoundResource<C> {
    fn schema(&self) -> &Schema {
        self.handler.schema()
    }
    async fn validate(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        self.handler.validate(&config)
    }
    async fn upgrade(&self, _ctx: Ctx, version: i64, json: &[u8]) -> Option<Result<Value, Diagnostics>> {
        self.handler.upgrade(version, json)
    }
    async fn read(&self, ctx: Ctx, req: ReadRequest) -> ReadResponse {
        self.handler.read(&self.core.data(ctx), req).await
    }
    async fn plan(&self, ctx: Ctx, req: PlanRequest) -> PlanResponse {
        self.handler.plan(&self.core.data(ctx), req).await
    }
    async fn apply(&self, ctx: Ctx, req: ApplyRequest) -> ApplyResponse {
        self.handler.apply(&self.core.data(ctx), req).await
    }
    async fn import(&self, ctx: Ctx, id: String) -> ImportResponse {
        self.handler.import(&self.core.data(ctx), &id).await
    }
    fn identity(&self) -> Option<&crate::identity::IdentitySchema> {
        self.handler.identity()
    }
    async fn import_identity(&self, ctx: Ctx, identity: Value) -> ImportResponse {
        self.handler.import_identity(&self.core.data(ctx), identity).await
    }
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        self.handler.generate_config(state)
    }
}

#[async_trait::async_trait]
impl<C: ProviderCore> crate::list::ListResourceType for BoundList<C> {
    fn schema(&self) -> &Schema {
        self.handler.schema()
    }
    async fn validate(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        self.handler.validate(&config)
    }
    fn list(&self, ctx: Ctx, req: crate::list::ListRequest) -> crate::list::ListStream {
        self.handler.list(self.core.data(ctx), req)
    }
}

#[async_trait::async_trait]
impl<C: ProviderCore> DataSourceType for BoundDataSource<C> {
    fn schema(&self) -> &Schema {
        self.handler.schema()
    }
    async fn validate(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        self.handler.validate(&config)
    }
    async fn read(&self, ctx: Ctx, config: Value) -> DataSourceResponse {
        self.handler.read(&self.core.data(ctx), config).await
    }
}

#[async_trait::async_trait]
impl<C: ProviderCore> EphemeralResourceType for BoundEphemeral<C> {
    fn schema(&self) -> &Schema {
        self.handler.schema()
    }
    async fn validate(&self, _ctx: Ctx, config: Value) -> Diagnostics {
        self.handler.validate(&config)
    }
    async fn open(&self, ctx: Ctx, config: Value) -> OpenResponse {
        self.handler.open(&self.core.data(ctx), config).await
    }
    async fn close(&self, ctx: Ctx, private: Vec<u8>) -> Diagnostics {
        self.handler.close(&self.core.data(ctx), private).await
    }
}
