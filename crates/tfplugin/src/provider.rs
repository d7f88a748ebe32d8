//! The interface between the transport and a provider.
//!
//! The server decodes every request into [`Value`]s typed by the schema, calls the
//! [`Provider`], and encodes the answer. A panic inside a provider call is caught and
//! turned into a plain error diagnostic (no backtrace reaches the user).

use crate::diag::Diagnostics;
use crate::identity::IdentitySchema;
use crate::schema::Schema;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Per-call context. `cancel` fires when Terraform calls StopProvider (Ctrl-C): long
/// operations should stop waiting and return what they have, with state that loses nothing.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub cancel: CancellationToken,
}

impl Ctx {
    /// A context that is never cancelled (tests, tools).
    pub fn background() -> Self {
        Ctx {
            cancel: CancellationToken::new(),
        }
    }
}

/// Everything `GetProviderSchema` returns.
#[derive(Debug, Clone, Default)]
pub struct ProviderSchemas {
    pub provider: Schema,
    pub provider_meta: Option<Schema>,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    /// Ephemeral resource types (protocol 6.7, Terraform >= 1.10); older Terraform ignores them.
    pub ephemeral_resources: BTreeMap<String, Schema>,
    /// Resource identities by resource type (GetResourceIdentitySchemas, Terraform >= 1.12).
    pub identities: BTreeMap<String, IdentitySchema>,
    /// List resources by type (`terraform query`, Terraform >= 1.14); each has an identity.
    pub list_resources: BTreeMap<String, Schema>,
}

pub struct ReadRequest {
    pub type_name: String,
    pub current_state: Value,
    pub private: Vec<u8>,
}

pub struct ReadResponse {
    /// `Value::Null` means "the object is gone": Terraform drops it from state.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct PlanRequest {
    pub type_name: String,
    /// Null on create.
    pub prior_state: Value,
    /// Null on destroy.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

pub struct PlanResponse {
    pub planned_state: Value,
    /// Paths whose change forces replacement (`-/+`).
    pub requires_replace: Vec<crate::diag::AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    pub type_name: String,
    /// Null on create.
    pub prior_state: Value,
    /// Null on destroy.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

pub struct ApplyResponse {
    /// Terraform stores this even when `diagnostics` has errors: on a failed create that
    /// did make an object, return it here so nothing is lost. Null after a destroy.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

impl ApplyResponse {
    /// No object afterwards: a create that failed, or a delete that is done.
    pub fn no_object(diagnostics: Diagnostics) -> Self {
        ApplyResponse {
            new_state: Value::Null,
            private: vec![],
            diagnostics,
        }
    }

    /// Nothing was done: the prior state stands, with why.
    pub fn unchanged(prior_state: Value, diagnostics: Diagnostics) -> Self {
        ApplyResponse {
            new_state: prior_state,
            private: vec![],
            diagnostics,
        }
    }
}

pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

pub struct DataSourceResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// What a provider implements, by kind. The transport resolves a request's type name once,
/// through [`Provider::resource`] or [`Provider::data_source`], and takes both the schema that
/// types the request's values and the calls from what it gets. All calls may run concurrently
/// (Terraform's parallelism). New kinds (ephemeral resources, list resources) get a method of
/// their own here, with a default of "none", so a provider that has none of them says nothing.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Cheap: called for GetMetadata and GetProviderSchema.
    fn schemas(&self) -> &ProviderSchemas;

    async fn validate_provider_config(&self, _ctx: Ctx, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Called once per process (and again on reattach); must make no network call.
    async fn configure(&self, ctx: Ctx, terraform_version: String, config: Value) -> Diagnostics;

    /// The resource type named `type_name`, or `None` when the provider has none.
    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>>;
    /// The data source type named `type_name`, or `None` when the provider has none.
    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSourceType>>;

    /// The ephemeral resource type named `type_name` (Terraform >= 1.10 only calls these).
    fn ephemeral_resource(&self, _type_name: &str) -> Option<Arc<dyn EphemeralResourceType>> {
        None
    }

    /// The process is about to exit (StopProvider, SIGTERM, Terraform's Shutdown or the end of
    /// the connection): release what must not outlive it. The server bounds it in time, so it
    /// may be cut short; it may be called more than once.
    async fn shutdown(&self) {}
    /// The list resource type named `type_name` (`terraform query`), or `None`.
    fn list_resource(&self, _type_name: &str) -> Option<Arc<dyn crate::list::ListResourceType>> {
        None
    }
}

/// One managed resource type as the transport calls it: its schema and the resource RPCs.
#[async_trait::async_trait]
pub trait ResourceType: Send + Sync + 'static {
    fn schema(&self) -> &Schema;
    async fn validate(&self, _ctx: Ctx, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Upgrade state stored under an older schema version. `None` leaves it to the transport
    /// (decode the JSON with the current schema, dropping unknown attributes); override only
    /// when a schema version bump needs real migration.
    async fn upgrade(&self, _ctx: Ctx, _version: i64, _json: &[u8]) -> Option<Result<Value, Diagnostics>> {
        None
    }
    async fn read(&self, ctx: Ctx, req: ReadRequest) -> ReadResponse;
    async fn plan(&self, ctx: Ctx, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, ctx: Ctx, req: ApplyRequest) -> ApplyResponse;
    async fn import(&self, ctx: Ctx, id: String) -> ImportResponse;

    // Resource identity (6.9) and generated config (6.10): defaults for a type without them.

    /// The identity schema; `None`: the type has no identity.
    fn identity(&self) -> Option<&IdentitySchema> {
        None
    }
    /// Import from `import { identity = {...} }` (a value of the identity schema's type).
    async fn import_identity(&self, _ctx: Ctx, _identity: Value) -> ImportResponse {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(
            "Import by identity not supported",
            "This resource type has no identity; import it by id.",
        );
        ImportResponse {
            imported: vec![],
            diagnostics,
        }
    }
    /// The configuration `-generate-config-out` writes for an object in `state`: by default the
    /// state without its computed-only attributes (what Terraform itself would write).
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        Ok(crate::list::without_computed_only(&self.schema().block, state))
    }
}

/// One data source type as the transport calls it.
#[async_trait::async_trait]
pub trait DataSourceType: Send + Sync + 'static {
    fn schema(&self) -> &Schema;
    async fn validate(&self, _ctx: Ctx, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, ctx: Ctx, config: Value) -> DataSourceResponse;
}

/// What OpenEphemeralResource answers: the result Terraform hands to consumers (never stored),
/// and the bytes Close (and Renew) get back, the only thing they ever see.
pub struct OpenResponse {
    pub result: Value,
    pub private: Vec<u8>,
    /// When Terraform should call Renew; `None` for never.
    pub renew_at: Option<std::time::SystemTime>,
    pub diagnostics: Diagnostics,
}

/// What RenewEphemeralResource answers.
pub struct RenewResponse {
    pub private: Vec<u8>,
    pub renew_at: Option<std::time::SystemTime>,
    pub diagnostics: Diagnostics,
}

/// One ephemeral resource type as the transport calls it: a value that lives for one Terraform
/// walk. Renew and Close see only `private` from Open, never the config or the result.
#[async_trait::async_trait]
pub trait EphemeralResourceType: Send + Sync + 'static {
    fn schema(&self) -> &Schema;
    async fn validate(&self, _ctx: Ctx, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn open(&self, ctx: Ctx, config: Value) -> OpenResponse;
    /// Only called when Open asked for it with `renew_at`.
    async fn renew(&self, _ctx: Ctx, private: Vec<u8>) -> RenewResponse {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(
            "Renew not supported",
            "This ephemeral resource cannot be renewed; this is a bug in the provider.",
        );
        RenewResponse {
            private,
            renew_at: None,
            diagnostics,
        }
    }
    async fn close(&self, ctx: Ctx, private: Vec<u8>) -> Diagnostics;
}
