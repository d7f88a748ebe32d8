//! List resources (protocol 6.10, Terraform >= 1.14): what `terraform query` calls. A list
//! resource type shares its name with a managed resource type; each result it finds is that
//! resource's state, from which the transport takes the identity (and, when asked, sends the
//! whole object). Results are a stream: the transport sends each as it comes and stops reading
//! at the request's `limit`, so a provider reading pages reads no more of them than needed.

use crate::diag::Diagnostics;
use crate::provider::Ctx;
use crate::schema::{Block, Schema};
use crate::value::Value;
use futures_util::stream::BoxStream;

pub struct ListRequest {
    pub type_name: String,
    /// The `config { ... }` block of the `list` block; null when it has none.
    pub config: Value,
    pub include_resource_object: bool,
    /// At most this many results are sent (Terraform's default is 100).
    pub limit: i64,
}

/// One object found: a name to show and its state in the managed resource's schema.
pub struct Listed {
    pub display_name: String,
    pub state: Value,
}

/// What a list yields: objects, or an error (after which the transport stops).
pub type ListStream = BoxStream<'static, Result<Listed, Diagnostics>>;

/// One list resource type as the transport calls it.
#[async_trait::async_trait]
pub trait ListResourceType: Send + Sync + 'static {
    /// The schema of the `config` block.
    fn schema(&self) -> &Schema;
    async fn validate(&self, _ctx: Ctx, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Starts the list; nothing needs to be read before the first result is asked for.
    fn list(&self, ctx: Ctx, req: ListRequest) -> ListStream;
}

/// `state` with every computed-only attribute null: what a configuration may say.
pub fn without_computed_only(block: &Block, state: &Value) -> Value {
    let mut out = state.clone();
    if out.is_null() {
        return out;
    }
    for a in &block.attributes {
        if a.computed && !a.optional && !a.required {
            out.set(&a.name, Value::Null);
        }
    }
    out
}
