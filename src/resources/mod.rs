//! Resources and the interface each one implements. One file per resource holds its schema,
//! plan logic and CRUD (as hashicorp/terraform-provider-tls does).

use crate::provider::Call;
use tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostics, ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Schema, Value,
};

pub mod api_key;
pub mod custom_role;
pub mod plan;
pub mod user_account;

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// `visionone_...`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Checks that need no API call; values may be unknown.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn plan(&self, call: &Call, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, call: &Call, req: ApplyRequest) -> ApplyResponse;
    async fn read(&self, call: &Call, req: ReadRequest) -> ReadResponse;
    async fn import(&self, call: &Call, id: &str) -> ImportResponse;
}

/// Every resource the provider serves.
pub fn all() -> Vec<Box<dyn Resource>> {
    vec![
        Box::new(api_key::ApiKeyResource),
        Box::new(custom_role::CustomRole),
        Box::new(user_account::UserAccount),
    ]
}
