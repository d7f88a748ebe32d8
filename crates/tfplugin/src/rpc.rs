//! The `tfplugin6.Provider` gRPC service: decodes requests with the schema's types, calls the
//! [`Provider`], encodes answers. Every provider call runs in its own task so a panic becomes
//! an error diagnostic instead of a dropped connection.

use crate::convert::{decode_dynamic, diagnostics_to_proto, encode_dynamic, path_to_proto, schema_to_proto};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::{ApplyRequest, Ctx, PlanRequest, Provider, ReadRequest};
use crate::schema::Schema;
use crate::value::{self, CodecError, Type, Value};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// Serves one provider. StopProvider cancels the current token and installs a fresh one.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    cancel: Mutex<CancellationToken>,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        ProviderService {
            provider,
            cancel: Mutex::new(CancellationToken::new()),
        }
    }

    fn ctx(&self) -> Ctx {
        let token = self.cancel.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ctx { cancel: token }
    }

    /// Cancels in-flight work; later calls get a fresh token.
    pub fn stop(&self) {
        let old = std::mem::replace(
            &mut *self.cancel.lock().unwrap_or_else(|e| e.into_inner()),
            CancellationToken::new(),
        );
        old.cancel();
    }

    fn resource_schema(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Schema> {
        let s = self.provider.schemas().resources.get(type_name).cloned();
        if s.is_none() {
            diags.error(
                "Unknown resource type",
                format!("This provider has no resource type named \"{type_name}\"."),
            );
        }
        s
    }

    fn data_source_schema(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Schema> {
        let s = self.provider.schemas().data_sources.get(type_name).cloned();
        if s.is_none() {
            diags.error(
                "Unknown data source type",
                format!("This provider has no data source named \"{type_name}\"."),
            );
        }
        s
    }
}

/// Runs a provider call in its own task; a panic becomes an error diagnostic.
async fn guarded<T, F>(fut: F) -> Result<T, Diagnostics>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    tokio::spawn(fut).await.map_err(|e| {
        let mut d = Diagnostics::new();
        let what = if e.is_panic() { "panicked" } else { "was cancelled" };
        crate::log::error("provider call failed", &[("reason", &what)]);
        d.error(
            "internal error in the provider",
            "The provider hit an unexpected internal error. This is a bug in the provider; please report it \
             with the provider's log (TF_LOG_PROVIDER=debug).",
        );
        d
    })
}

fn decode_into(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<Value> {
    match decode_dynamic(dv, ty) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                "Invalid value from Terraform",
                format!("Could not decode the {what}: {e}"),
            );
            None
        }
    }
}

fn encode_into(v: &Value, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match encode_dynamic(v, ty) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.error(
                "internal error in the provider",
                format!("The provider produced an invalid {what}: {e}"),
            );
            None
        }
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: false,
        ..Default::default()
    }
}

fn codec(e: CodecError) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error("Invalid stored state", format!("Could not read the stored state: {e}"));
    d
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let s = self.provider.schemas();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: vec![],
            data_sources: s
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata { type_name: k.clone() })
                .collect(),
            resources: s
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata { type_name: k.clone() })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let s = self.provider.schemas();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&s.provider)),
            resource_schemas: s
                .resources
                .iter()
                .map(|(k, v)| (k.clone(), schema_to_proto(v)))
                .collect(),
            data_source_schemas: s
                .data_sources
                .iter()
                .map(|(k, v)| (k.clone(), schema_to_proto(v)))
                .collect(),
            diagnostics: vec![],
            provider_meta: s.provider_meta.as_ref().map(schema_to_proto),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let ty = self.provider.schemas().provider.block.value_type();
        if let Some(config) = decode_into(req.config.as_ref(), &ty, "provider configuration", &mut diags) {
            let (p, ctx) = (self.provider.clone(), self.ctx());
            match guarded(async move { p.validate_provider_config(ctx, config).await }).await {
                Ok(d) | Err(d) => diags.extend(d),
            }
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(schema) = self.resource_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            if let Some(config) = decode_into(req.config.as_ref(), &ty, "resource configuration", &mut diags) {
                computed_only_unset(&schema.block, &config, &mut diags);
                let (p, ctx, name) = (self.provider.clone(), self.ctx(), req.type_name);
                match guarded(async move { p.validate_resource_config(ctx, &name, config).await }).await {
                    Ok(d) | Err(d) => diags.extend(d),
                }
            }
        }
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(schema) = self.data_source_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            if let Some(config) = decode_into(req.config.as_ref(), &ty, "data source configuration", &mut diags) {
                computed_only_unset(&schema.block, &config, &mut diags);
                let (p, ctx, name) = (self.provider.clone(), self.ctx(), req.type_name);
                match guarded(async move { p.validate_data_source_config(ctx, &name, config).await }).await {
                    Ok(d) | Err(d) => diags.extend(d),
                }
            }
        }
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut upgraded_state = None;
        if let Some(schema) = self.resource_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    "This resource's stored state uses the legacy flatmap format of Terraform 0.11, which this \
                     provider cannot read. Remove it from state and import it again.",
                );
            } else {
                let (p, ctx, name, version, json) =
                    (self.provider.clone(), self.ctx(), req.type_name, req.version, raw.json);
                let outcome = guarded(async move {
                    match p.upgrade_resource_state(ctx, &name, version, &json).await {
                        Some(r) => r,
                        None if json.is_empty() => Ok(Value::Null),
                        None => value::json::decode(&json, &ty).map_err(codec),
                    }
                })
                .await;
                match outcome {
                    Ok(Ok(v)) => upgraded_state = encode_into(&v, &schema.block.value_type(), "state", &mut diags),
                    Ok(Err(d)) | Err(d) => diags.extend(d),
                }
            }
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let ty = self.provider.schemas().provider.block.value_type();
        if let Some(config) = decode_into(req.config.as_ref(), &ty, "provider configuration", &mut diags) {
            let (p, ctx, version) = (self.provider.clone(), self.ctx(), req.terraform_version);
            match guarded(async move { p.configure(ctx, version, config).await }).await {
                Ok(d) | Err(d) => diags.extend(d),
            }
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut out = pb::read_resource::Response::default();
        if let Some(schema) = self.resource_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            if let Some(current_state) = decode_into(req.current_state.as_ref(), &ty, "current state", &mut diags) {
                let rr = ReadRequest {
                    type_name: req.type_name,
                    current_state,
                    private: req.private,
                };
                let (p, ctx) = (self.provider.clone(), self.ctx());
                match guarded(async move { p.read_resource(ctx, rr).await }).await {
                    Ok(r) => {
                        diags.extend(r.diagnostics);
                        out.new_state = encode_into(&r.new_state, &ty, "state", &mut diags);
                        out.private = r.private;
                    }
                    Err(d) => diags.extend(d),
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        Ok(Response::new(out))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut out = pb::plan_resource_change::Response::default();
        if let Some(schema) = self.resource_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            let prior = decode_into(req.prior_state.as_ref(), &ty, "prior state", &mut diags);
            let proposed = decode_into(req.proposed_new_state.as_ref(), &ty, "proposed new state", &mut diags);
            let config = decode_into(req.config.as_ref(), &ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(proposed_new_state), Some(config)) = (prior, proposed, config) {
                let pr = PlanRequest {
                    type_name: req.type_name,
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private: req.prior_private,
                };
                let (p, ctx) = (self.provider.clone(), self.ctx());
                match guarded(async move { p.plan_resource_change(ctx, pr).await }).await {
                    Ok(r) => {
                        diags.extend(r.diagnostics);
                        out.planned_state = encode_into(&r.planned_state, &ty, "planned state", &mut diags);
                        out.requires_replace = r.requires_replace.iter().map(path_to_proto).collect();
                        out.planned_private = r.planned_private;
                    }
                    Err(d) => diags.extend(d),
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        Ok(Response::new(out))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut out = pb::apply_resource_change::Response::default();
        if let Some(schema) = self.resource_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            let prior = decode_into(req.prior_state.as_ref(), &ty, "prior state", &mut diags);
            let planned = decode_into(req.planned_state.as_ref(), &ty, "planned state", &mut diags);
            let config = decode_into(req.config.as_ref(), &ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(planned_state), Some(config)) = (prior, planned, config) {
                let ar = ApplyRequest {
                    type_name: req.type_name,
                    prior_state,
                    planned_state,
                    config,
                    planned_private: req.planned_private,
                };
                let (p, ctx) = (self.provider.clone(), self.ctx());
                match guarded(async move { p.apply_resource_change(ctx, ar).await }).await {
                    Ok(r) => {
                        diags.extend(r.diagnostics);
                        out.new_state = encode_into(&r.new_state, &ty, "new state", &mut diags);
                        out.private = r.private;
                    }
                    Err(d) => diags.extend(d),
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        Ok(Response::new(out))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut imported_resources = Vec::new();
        if self.resource_schema(&req.type_name, &mut diags).is_some() {
            let (p, ctx, name, id) = (self.provider.clone(), self.ctx(), req.type_name, req.id);
            match guarded(async move { p.import_resource_state(ctx, &name, &id).await }).await {
                Ok(r) => {
                    diags.extend(r.diagnostics);
                    for item in r.imported {
                        let Some(schema) = self.resource_schema(&item.type_name, &mut diags) else {
                            continue;
                        };
                        let state = encode_into(&item.state, &schema.block.value_type(), "imported state", &mut diags);
                        imported_resources.push(pb::import_resource_state::ImportedResource {
                            type_name: item.type_name,
                            state,
                            private: item.private,
                            ..Default::default()
                        });
                    }
                }
                Err(d) => diags.extend(d),
            }
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics_to_proto(&diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut state = None;
        if let Some(schema) = self.data_source_schema(&req.type_name, &mut diags) {
            let ty = schema.block.value_type();
            if let Some(config) = decode_into(req.config.as_ref(), &ty, "data source configuration", &mut diags) {
                let (p, ctx, name) = (self.provider.clone(), self.ctx(), req.type_name);
                match guarded(async move { p.read_data_source(ctx, &name, config).await }).await {
                    Ok(r) => {
                        diags.extend(r.diagnostics);
                        state = encode_into(&r.state, &ty, "data source state", &mut diags);
                    }
                    Err(d) => diags.extend(d),
                }
            }
        }
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics_to_proto(&diags),
            ..Default::default()
        }))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        crate::log::debug("StopProvider: cancelling in-flight operations", &[]);
        self.stop();
        Ok(Response::new(pb::stop_provider::Response { error: String::new() }))
    }
}

/// Terraform 1.0 lets a configuration set an attribute that is only computed, and then fails the
/// plan with "Provider produced invalid plan". Say so at the attribute instead, for every resource.
fn computed_only_unset(block: &crate::schema::Block, config: &crate::Value, diags: &mut Diagnostics) {
    for a in &block.attributes {
        if a.computed && !a.optional && !a.required && !config.get(&a.name).is_null() {
            diags.error_at(
                crate::AttributePath::root(&a.name),
                "Value for unconfigurable attribute",
                format!(
                    "`{}` is set by the provider and cannot be configured; remove it.",
                    a.name
                ),
            );
        }
    }
}
