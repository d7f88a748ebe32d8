//! The data-source family: validate and read.

use super::resource::computed_only_unset;
use super::{decode, encode, unknown_type, ProviderService};
use crate::convert::diagnostics_to_proto;
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::DataSourceType;
use std::sync::Arc;

impl ProviderService {
    fn data_source(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Arc<dyn DataSourceType>> {
        let d = self.provider.data_source(type_name);
        if d.is_none() {
            unknown_type("data source", type_name, diags);
        }
        d
    }

    pub(super) async fn validate_data_source(
        &self,
        req: pb::validate_data_resource_config::Request,
    ) -> pb::validate_data_resource_config::Response {
        let mut diags = Diagnostics::new();
        if let Some(d) = self.data_source(&req.type_name, &mut diags) {
            let block = &d.schema().block;
            let ty = block.value_type();
            if let Some(config) = decode(req.config.as_ref(), &ty, "data source configuration", &mut diags) {
                computed_only_unset(block, &config, &mut diags);
                let d = d.clone();
                let found = self
                    .call(&mut diags, |ctx| async move { d.validate(ctx, config).await })
                    .await;
                diags.extend(found.unwrap_or_default());
            }
        }
        pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) async fn read_data(&self, req: pb::read_data_source::Request) -> pb::read_data_source::Response {
        let mut diags = Diagnostics::new();
        let mut state = None;
        if let Some(d) = self.data_source(&req.type_name, &mut diags) {
            let ty = d.schema().block.value_type();
            if let Some(config) = decode(req.config.as_ref(), &ty, "data source configuration", &mut diags) {
                let d = d.clone();
                if let Some(a) = self
                    .call(&mut diags, |ctx| async move { d.read(ctx, config).await })
                    .await
                {
                    diags.extend(a.diagnostics);
                    state = encode(&a.state, &ty, "data source state", &mut diags);
                }
            }
        }
        pb::read_data_source::Response {
            state,
            diagnostics: diagnostics_to_proto(&diags),
            ..Default::default()
        }
    }
}
