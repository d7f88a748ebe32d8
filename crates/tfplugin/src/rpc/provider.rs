//! The provider family: metadata, schemas, the provider block, and StopProvider.

use super::{decode, ProviderService};
use crate::convert::{diagnostics_to_proto, schema_to_proto};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;

/// What this server declares it can do (the same answer in GetMetadata and GetProviderSchema).
fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        // Every RPC works without a GetProviderSchema first (the schemas are built with the
        // server), so Terraform >= 1.6 may reuse its cached schema: a `plan` asks once, not 3 times.
        get_provider_schema_optional: true,
        // Terraform >= 1.14 asks GenerateResourceConfig for `-generate-config-out` (older ignore it).
        generate_resource_config: true,
        ..Default::default()
    }
}

impl ProviderService {
    pub(super) fn metadata(&self) -> pb::get_metadata::Response {
        let s = self.provider.schemas();
        pb::get_metadata::Response {
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
            ephemeral_resources: s
                .ephemeral_resources
                .keys()
                .map(|k| pb::get_metadata::EphemeralMetadata { type_name: k.clone() })
                .collect(),
            list_resources: s
                .list_resources
                .keys()
                .map(|k| pb::get_metadata::ListResourceMetadata { type_name: k.clone() })
                .collect(),
            ..Default::default()
        }
    }

    pub(super) fn provider_schema(&self) -> pb::get_provider_schema::Response {
        // One line per call, to count them (`get_provider_schema_optional` saves most).
        crate::log::debug("GetProviderSchema", &[]);
        let s = self.provider.schemas();
        pb::get_provider_schema::Response {
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
            ephemeral_resource_schemas: s
                .ephemeral_resources
                .iter()
                .map(|(k, v)| (k.clone(), schema_to_proto(v)))
                .collect(),
            // 6.10: list resources (`terraform query`).
            list_resource_schemas: s
                .list_resources
                .iter()
                .map(|(k, v)| (k.clone(), schema_to_proto(v)))
                .collect(),
            ..Default::default()
        }
    }

    pub(super) async fn validate_provider(
        &self,
        req: pb::validate_provider_config::Request,
    ) -> pb::validate_provider_config::Response {
        let mut diags = Diagnostics::new();
        let ty = self.provider.schemas().provider.block.value_type();
        if let Some(config) = decode(req.config.as_ref(), &ty, "provider configuration", &mut diags) {
            let p = self.provider.clone();
            let found = self
                .call(&mut diags, |ctx| async move {
                    p.validate_provider_config(ctx, config).await
                })
                .await;
            diags.extend(found.unwrap_or_default());
        }
        pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) async fn configure(&self, req: pb::configure_provider::Request) -> pb::configure_provider::Response {
        let mut diags = Diagnostics::new();
        let ty = self.provider.schemas().provider.block.value_type();
        if let Some(config) = decode(req.config.as_ref(), &ty, "provider configuration", &mut diags) {
            let (p, version) = (self.provider.clone(), req.terraform_version);
            let found = self
                .call(&mut diags, |ctx| async move { p.configure(ctx, version, config).await })
                .await;
            diags.extend(found.unwrap_or_default());
        }
        pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    /// Cancels in-flight calls, then gives the provider its (bounded) shutdown hook: after a
    /// Ctrl-C Terraform may end the process without closing what it opened.
    pub(super) async fn stop_all(&self) -> pb::stop_provider::Response {
        crate::log::debug("StopProvider: cancelling in-flight operations", &[]);
        self.stop();
        super::shut_down(&self.provider).await;
        pb::stop_provider::Response { error: String::new() }
    }
}
