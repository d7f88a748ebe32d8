//! Resources: each a [`Resource`](tfplugin::framework::Resource) with its typed model, schema
//! (plan rules and validators included) and CRUD; what only one resource uses lives in its
//! directory.

use crate::provider::Call;
use tfplugin::framework::{resource, ResourceHandler};

pub mod api_key;
pub mod conflict;
pub mod custom_role;
pub mod user_account;
pub mod workload_api_key;

/// Every resource the provider serves.
pub fn all() -> Vec<Box<dyn ResourceHandler<Call>>> {
    vec![
        resource(api_key::ApiKeyResource),
        resource(custom_role::CustomRole),
        resource(user_account::UserAccount),
        resource(workload_api_key::WorkloadApiKey),
    ]
}
