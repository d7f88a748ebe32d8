//! The managed-resource family: validate, upgrade, read, plan, apply, import.

use super::identity::identity_data;
use super::{decode, encode, unknown_type, ProviderService};
use crate::convert::{diagnostics_to_proto, path_to_proto};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::{ApplyRequest, PlanRequest, ReadRequest, ResourceType};
use crate::value::{self, Value};
use std::sync::Arc;

impl ProviderService {
    /// The type a request names, resolved once for the whole call.
    pub(super) fn resource(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Arc<dyn ResourceType>> {
        let r = self.provider.resource(type_name);
        if r.is_none() {
            unknown_type("resource", type_name, diags);
        }
        r
    }

    pub(super) async fn validate_resource(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> pb::validate_resource_config::Response {
        let mut diags = Diagnostics::new();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let block = &r.schema().block;
            if let Some(config) = decode(
                req.config.as_ref(),
                &block.value_type(),
                "resource configuration",
                &mut diags,
            ) {
                computed_only_unset(block, &config, &mut diags);
                let r = r.clone();
                let found = self
                    .call(&mut diags, |ctx| async move { r.validate(ctx, config).await })
                    .await;
                diags.extend(found.unwrap_or_default());
            }
        }
        pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) async fn upgrade_resource(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> pb::upgrade_resource_state::Response {
        let mut diags = Diagnostics::new();
        let mut upgraded_state = None;
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let ty = r.schema().block.value_type();
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    "This resource's stored state uses the legacy flatmap format of Terraform 0.11, which this \
                     provider cannot read. Remove it from state and import it again.",
                );
            } else {
                let (r2, version, json, ty2) = (r.clone(), req.version, raw.json, ty.clone());
                let outcome = self
                    .call(&mut diags, |ctx| async move {
                        match r2.upgrade(ctx, version, &json).await {
                            Some(r) => r,
                            None if json.is_empty() => Ok(Value::Null),
                            None => value::json::decode(&json, &ty2).map_err(|e| {
                                let mut d = Diagnostics::new();
                                d.error("Invalid stored state", format!("Could not read the stored state: {e}"));
                                d
                            }),
                        }
                    })
                    .await;
                match outcome {
                    Some(Ok(v)) => upgraded_state = encode(&v, &ty, "state", &mut diags),
                    Some(Err(d)) => diags.extend(d),
                    None => {}
                }
            }
        }
        pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) async fn read_resource_state(&self, req: pb::read_resource::Request) -> pb::read_resource::Response {
        let mut diags = Diagnostics::new();
        let mut out = pb::read_resource::Response::default();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let ty = r.schema().block.value_type();
            if let Some(current_state) = decode(req.current_state.as_ref(), &ty, "current state", &mut diags) {
                let rr = ReadRequest {
                    type_name: req.type_name,
                    current_state,
                    private: req.private,
                };
                let r2 = r.clone();
                if let Some(a) = self.call(&mut diags, |ctx| async move { r2.read(ctx, rr).await }).await {
                    diags.extend(a.diagnostics);
                    out.new_state = encode(&a.new_state, &ty, "state", &mut diags);
                    out.new_identity = identity_data(&*r, &a.new_state, &mut diags);
                    out.private = a.private;
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        out
    }

    pub(super) async fn plan_resource(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> pb::plan_resource_change::Response {
        let mut diags = Diagnostics::new();
        let mut out = pb::plan_resource_change::Response::default();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let ty = r.schema().block.value_type();
            let prior = decode(req.prior_state.as_ref(), &ty, "prior state", &mut diags);
            let proposed = decode(req.proposed_new_state.as_ref(), &ty, "proposed new state", &mut diags);
            let config = decode(req.config.as_ref(), &ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(proposed_new_state), Some(config)) = (prior, proposed, config) {
                let pr = PlanRequest {
                    type_name: req.type_name,
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private: req.prior_private,
                };
                let r2 = r.clone();
                if let Some(a) = self.call(&mut diags, |ctx| async move { r2.plan(ctx, pr).await }).await {
                    diags.extend(a.diagnostics);
                    out.planned_state = encode(&a.planned_state, &ty, "planned state", &mut diags);
                    out.planned_identity = identity_data(&*r, &a.planned_state, &mut diags);
                    out.requires_replace = a.requires_replace.iter().map(path_to_proto).collect();
                    out.planned_private = a.planned_private;
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        out
    }

    pub(super) async fn apply_resource(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        let mut diags = Diagnostics::new();
        let mut out = pb::apply_resource_change::Response::default();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let ty = r.schema().block.value_type();
            let prior = decode(req.prior_state.as_ref(), &ty, "prior state", &mut diags);
            let planned = decode(req.planned_state.as_ref(), &ty, "planned state", &mut diags);
            let config = decode(req.config.as_ref(), &ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(planned_state), Some(config)) = (prior, planned, config) {
                let ar = ApplyRequest {
                    type_name: req.type_name,
                    prior_state,
                    planned_state,
                    config,
                    planned_private: req.planned_private,
                };
                let r2 = r.clone();
                if let Some(a) = self
                    .call(&mut diags, |ctx| async move { r2.apply(ctx, ar).await })
                    .await
                {
                    diags.extend(a.diagnostics);
                    out.new_state = encode(&a.new_state, &ty, "new state", &mut diags);
                    out.new_identity = identity_data(&*r, &a.new_state, &mut diags);
                    out.private = a.private;
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        out
    }

    pub(super) async fn import_resource(
        &self,
        req: pb::import_resource_state::Request,
    ) -> pb::import_resource_state::Response {
        let mut diags = Diagnostics::new();
        let mut imported_resources = Vec::new();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            // `import { identity = {...} }` sends an identity and no id (Terraform >= 1.12).
            let by_identity = match (&req.identity, r.identity()) {
                (Some(data), Some(s)) if req.id.is_empty() => {
                    decode(data.identity_data.as_ref(), &s.value_type(), "identity", &mut diags)
                }
                _ => None,
            };
            let (r2, id) = (r.clone(), req.id);
            let answer = match by_identity {
                Some(identity) => {
                    self.call(&mut diags, |ctx| async move { r2.import_identity(ctx, identity).await })
                        .await
                }
                None if diags.has_errors() => None,
                None => {
                    self.call(&mut diags, |ctx| async move { r2.import(ctx, id).await })
                        .await
                }
            };
            if let Some(a) = answer {
                diags.extend(a.diagnostics);
                for item in a.imported {
                    // An import may bring objects of other types; each is typed by its own schema.
                    let other = if item.type_name == req.type_name {
                        Some(r.clone())
                    } else {
                        self.resource(&item.type_name, &mut diags)
                    };
                    let Some(t) = other else { continue };
                    let state = encode(
                        &item.state,
                        &t.schema().block.value_type(),
                        "imported state",
                        &mut diags,
                    );
                    let identity = identity_data(&*t, &item.state, &mut diags);
                    imported_resources.push(pb::import_resource_state::ImportedResource {
                        type_name: item.type_name,
                        state,
                        private: item.private,
                        identity,
                    });
                }
            }
        }
        pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics_to_proto(&diags),
            ..Default::default()
        }
    }
}

/// Terraform 1.0 lets a configuration set an attribute that is only computed, and then fails the
/// plan with "Provider produced invalid plan". Say so at the attribute instead, for every resource.
pub(super) fn computed_only_unset(block: &crate::schema::Block, config: &Value, diags: &mut Diagnostics) {
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
