//! Resource identity (6.9) and generated configuration (6.10): the identity schemas, the
//! identity every state-returning answer carries, its upgrade, and GenerateResourceConfig.

use super::{decode, encode, ProviderService};
use crate::convert::diagnostics_to_proto;
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::ResourceType;
use crate::value::{self, Value};

/// The identity of the object `state` describes, encoded for an answer; `None` when the type
/// has no identity or the state does not know it yet (a planned create, a destroy).
pub(super) fn identity_data(
    r: &dyn ResourceType,
    state: &Value,
    diags: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    let schema = r.identity()?;
    let identity = schema.of_state(state)?;
    let identity_data = encode(&identity, &schema.value_type(), "identity", diags)?;
    Some(pb::ResourceIdentityData {
        identity_data: Some(identity_data),
    })
}

impl ProviderService {
    pub(super) fn identity_schemas(&self) -> pb::get_resource_identity_schemas::Response {
        let identity_schemas = self
            .provider
            .schemas()
            .identities
            .iter()
            .map(|(name, s)| {
                let identity_attributes = s
                    .attributes
                    .iter()
                    .map(|a| pb::resource_identity_schema::IdentityAttribute {
                        name: a.name.clone(),
                        r#type: value::json::type_to_json(&a.ty),
                        required_for_import: a.required_for_import,
                        optional_for_import: !a.required_for_import,
                        description: a.description.clone(),
                    })
                    .collect();
                let schema = pb::ResourceIdentitySchema {
                    version: s.version,
                    identity_attributes,
                };
                (name.clone(), schema)
            })
            .collect();
        pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: vec![],
        }
    }

    /// Every identity schema is still at the version it was stored with or one this provider
    /// can read as is (only version 0 exists): decode the stored JSON with the current schema.
    pub(super) fn upgrade_identity(
        &self,
        req: pb::upgrade_resource_identity::Request,
    ) -> pb::upgrade_resource_identity::Response {
        let mut diags = Diagnostics::new();
        let mut upgraded_identity = None;
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            match r.identity() {
                None => diags.error(
                    "Resource type has no identity",
                    format!(
                        "{} has no identity to upgrade; remove `identity` from its state.",
                        req.type_name
                    ),
                ),
                Some(s) if req.version > s.version => diags.error(
                    "Identity from a newer provider",
                    format!(
                        "The stored identity of this {} has version {}, newer than this provider's {}. Use the \
                         provider version that wrote it.",
                        req.type_name, req.version, s.version
                    ),
                ),
                Some(s) => {
                    let ty = s.value_type();
                    let raw = req.raw_identity.unwrap_or_default();
                    match value::json::decode(&raw.json, &ty) {
                        Ok(v) => {
                            upgraded_identity =
                                encode(&v, &ty, "identity", &mut diags).map(|dv| pb::ResourceIdentityData {
                                    identity_data: Some(dv),
                                })
                        }
                        Err(e) => diags.error(
                            "Invalid stored identity",
                            format!("Could not read the stored identity: {e}"),
                        ),
                    }
                }
            }
        }
        pb::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) fn generate_config(
        &self,
        req: pb::generate_resource_config::Request,
    ) -> pb::generate_resource_config::Response {
        let mut diags = Diagnostics::new();
        let mut config = None;
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            let ty = r.schema().block.value_type();
            if let Some(state) = decode(req.state.as_ref(), &ty, "state", &mut diags) {
                match r.generate_config(&state) {
                    Ok(v) => config = encode(&v, &ty, "generated configuration", &mut diags),
                    Err(d) => diags.extend(d),
                }
            }
        }
        pb::generate_resource_config::Response {
            config,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}
