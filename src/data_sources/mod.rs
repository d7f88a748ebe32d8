//! Data sources: one file each, each a [`DataSource`](tfplugin::framework::DataSource) with its
//! typed model.

pub mod api_keys;
pub mod permission_keys;
pub mod role;
pub mod workload_role;

use crate::provider::Call;
use tfplugin::framework::{data_source, DataSourceHandler};

/// Every data source the provider serves.
pub fn all() -> Vec<Box<dyn DataSourceHandler<Call>>> {
    vec![
        data_source(api_keys::ApiKeys),
        data_source(permission_keys::PermissionKeys),
        data_source(role::Role),
        data_source(workload_role::WorkloadRole),
    ]
}
