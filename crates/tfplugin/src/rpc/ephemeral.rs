//! The ephemeral-resource family (protocol 6.7, Terraform >= 1.10): validate, open, renew, close.
//! Terraform 1.0.3 never calls these, and sees no ephemeral schema it would have to understand.

use super::resource::computed_only_unset;
use super::{decode, encode, unknown_type, ProviderService};
use crate::convert::diagnostics_to_proto;
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::EphemeralResourceType;
use std::sync::Arc;
use std::time::SystemTime;

impl ProviderService {
    fn ephemeral(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Arc<dyn EphemeralResourceType>> {
        let e = self.provider.ephemeral_resource(type_name);
        if e.is_none() {
            unknown_type("ephemeral resource", type_name, diags);
        }
        e
    }

    pub(super) async fn validate_ephemeral(
        &self,
        req: pb::validate_ephemeral_resource_config::Request,
    ) -> pb::validate_ephemeral_resource_config::Response {
        let mut diags = Diagnostics::new();
        if let Some(e) = self.ephemeral(&req.type_name, &mut diags) {
            let block = &e.schema().block;
            let ty = block.value_type();
            if let Some(config) = decode(req.config.as_ref(), &ty, "ephemeral resource configuration", &mut diags) {
                computed_only_unset(block, &config, &mut diags);
                let e = e.clone();
                let found = self
                    .call(&mut diags, |ctx| async move { e.validate(ctx, config).await })
                    .await;
                diags.extend(found.unwrap_or_default());
            }
        }
        pb::validate_ephemeral_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) async fn open_ephemeral(
        &self,
        req: pb::open_ephemeral_resource::Request,
    ) -> pb::open_ephemeral_resource::Response {
        let mut diags = Diagnostics::new();
        let mut out = pb::open_ephemeral_resource::Response::default();
        if let Some(e) = self.ephemeral(&req.type_name, &mut diags) {
            let ty = e.schema().block.value_type();
            if let Some(config) = decode(req.config.as_ref(), &ty, "ephemeral resource configuration", &mut diags) {
                let e2 = e.clone();
                if let Some(a) = self
                    .call(&mut diags, |ctx| async move { e2.open(ctx, config).await })
                    .await
                {
                    diags.extend(a.diagnostics);
                    out.result = encode(&a.result, &ty, "ephemeral result", &mut diags);
                    out.private = Some(a.private);
                    out.renew_at = a.renew_at.map(timestamp);
                }
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        out
    }

    pub(super) async fn renew_ephemeral(
        &self,
        req: pb::renew_ephemeral_resource::Request,
    ) -> pb::renew_ephemeral_resource::Response {
        let mut diags = Diagnostics::new();
        let mut out = pb::renew_ephemeral_resource::Response::default();
        if let Some(e) = self.ephemeral(&req.type_name, &mut diags) {
            let private = req.private.unwrap_or_default();
            if let Some(a) = self
                .call(&mut diags, |ctx| async move { e.renew(ctx, private).await })
                .await
            {
                diags.extend(a.diagnostics);
                out.private = Some(a.private);
                out.renew_at = a.renew_at.map(timestamp);
            }
        }
        out.diagnostics = diagnostics_to_proto(&diags);
        out
    }

    pub(super) async fn close_ephemeral(
        &self,
        req: pb::close_ephemeral_resource::Request,
    ) -> pb::close_ephemeral_resource::Response {
        let mut diags = Diagnostics::new();
        if let Some(e) = self.ephemeral(&req.type_name, &mut diags) {
            let private = req.private.unwrap_or_default();
            let found = self
                .call(&mut diags, |ctx| async move { e.close(ctx, private).await })
                .await;
            diags.extend(found.unwrap_or_default());
        }
        pb::close_ephemeral_resource::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(t)
}
