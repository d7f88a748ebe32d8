//! Data sources: one file each.

pub mod api_keys;

use crate::provider::Call;
use tfplugin::{DataSourceResponse, Diagnostics, Schema, Value};

pub mod permission_keys;
pub mod role;

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, call: &Call, config: Value) -> DataSourceResponse;
}

/// Every data source the provider serves.
pub fn all() -> Vec<Box<dyn DataSource>> {
    vec![
        Box::new(api_keys::ApiKeys),
        Box::new(permission_keys::PermissionKeys),
        Box::new(role::Role),
    ]
}
