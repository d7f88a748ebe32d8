//! The CRUD traits a resource and a data source implement, and the adapters that turn them
//! into protocol answers.
//!
//! The contract, which the adapter enforces so that no resource has to:
//!
//! - **Plan.** A null planned state is a destroy: the resource is not asked. Otherwise the
//!   generic planner runs first (defaults, requires-replace, unknowns), then the resource's
//!   [`Resource::modify_plan`] for what only it knows. `private` passes through unchanged.
//! - **Apply.** A null prior state means [`Resource::create`], a null planned state
//!   [`Resource::delete`], anything else [`Resource::update`].
//! - **On failure nothing is lost.** A [`Failure`] without a state keeps what existed: nothing
//!   after a failed create, the prior state after a failed update or delete. A create that made
//!   an object and then failed returns [`Failure::with_state`], so the object reaches the state
//!   (tainted) instead of being orphaned on the server.
//! - **Read.** `Ok(None)` means the object is gone (Terraform plans to create it again); a
//!   failure keeps the current state.

use super::identity::Identity;
use super::model::{Model, ModelError};
use super::planner;
use crate::diag::{AttributePath, Diagnostics};
use crate::identity::IdentitySchema;
use crate::provider::{
    ApplyRequest, ApplyResponse, DataSourceResponse, ImportResponse, ImportedResource, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse,
};
use crate::schema::Schema;
use crate::value::Value;

/// A CRUD call that did not (fully) succeed: why, and the state to keep (`None`: what existed).
#[derive(Debug, Clone)]
pub struct Failure<M> {
    pub diagnostics: Diagnostics,
    pub state: Option<M>,
}

impl<M> Failure<M> {
    /// Keep what existed before the call.
    pub fn new(diagnostics: Diagnostics) -> Self {
        Failure {
            diagnostics,
            state: None,
        }
    }
    /// Keep `state`: an object that exists although the call failed.
    pub fn with_state(state: M, diagnostics: Diagnostics) -> Self {
        Failure {
            diagnostics,
            state: Some(state),
        }
    }
    /// One error, keeping what existed.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut d = Diagnostics::new();
        d.error(summary, detail);
        Failure::new(d)
    }
    /// One error at an attribute, keeping what existed.
    pub fn error_at(attr: &str, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut d = Diagnostics::new();
        d.error_at(AttributePath::root(attr), summary, detail);
        Failure::new(d)
    }
}

impl<M> From<Diagnostics> for Failure<M> {
    fn from(d: Diagnostics) -> Self {
        Failure::new(d)
    }
}

/// What [`Resource::modify_plan`] sees and changes.
#[derive(Debug, Clone)]
pub struct Plan<M> {
    /// `None` on create.
    pub prior: Option<M>,
    /// After the generic planner; the hook may change it.
    pub planned: M,
    pub config: M,
    /// Add a path to replace the object; every computed value then becomes unknown.
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// An imported object, with warnings to show (e.g. a secret that cannot be imported).
pub struct Imported<M> {
    pub state: M,
    pub warnings: Diagnostics,
}

/// A managed resource type, against provider data `P` (the configured client, the call's context).
#[async_trait::async_trait]
pub trait Resource<P: Sync>: Send + Sync + 'static {
    type Model: Model;
    /// `provider_thing`.
    const TYPE_NAME: &'static str;
    fn schema(&self) -> Schema;
    /// Checks beyond the schema's validators that need no API call (values may be unknown).
    fn validate(&self, _config: &Self::Model, _d: &mut Diagnostics) {}
    /// The resource's own plan rules (rotation, invitations), after the generic planner.
    async fn modify_plan(&self, _p: &P, _plan: &mut Plan<Self::Model>) {}
    async fn create(&self, p: &P, planned: Self::Model) -> Result<Self::Model, Failure<Self::Model>>;
    async fn read(&self, p: &P, current: Self::Model) -> Result<Option<Self::Model>, Failure<Self::Model>>;
    async fn update(
        &self,
        p: &P,
        prior: Self::Model,
        planned: Self::Model,
    ) -> Result<Self::Model, Failure<Self::Model>>;
    async fn delete(&self, p: &P, prior: Self::Model) -> Result<(), Failure<Self::Model>>;
    async fn import(&self, p: &P, id: &str) -> Result<Imported<Self::Model>, Diagnostics>;
    /// Migrate state stored under an older schema version (JSON), `None` to let the transport
    /// decode it with the current schema.
    fn upgrade(&self, _version: i64, _json: &[u8]) -> Option<Result<Value, Diagnostics>> {
        None
    }

    // Identity (Terraform >= 1.12) and generated config (Terraform >= 1.14).

    /// The model attributes that name an object for good: `import { identity = ... }` and the
    /// results of `terraform query`. None by default.
    fn identity(&self) -> Identity {
        Identity::none()
    }
    /// Import from an identity (an object of the identity's attributes). By default the value
    /// of its only attribute is taken as the import id.
    async fn import_identity(&self, p: &P, identity: &Value) -> Result<Imported<Self::Model>, Diagnostics> {
        let id = self
            .identity()
            .names()
            .next()
            .and_then(|n| identity.get(n).as_str().map(str::to_string));
        match id {
            Some(id) => self.import(p, &id).await,
            None => {
                let mut d = Diagnostics::new();
                d.error("Invalid identity", "The identity does not name an object of this type.");
                Err(d)
            }
        }
    }
    /// The configuration a person would write for `state`, after the generic cleanup (computed
    /// attributes and values equal to their default left out): e.g. one of two conflicting
    /// arguments dropped.
    fn generate_config(&self, config: Self::Model) -> Self::Model {
        config
    }
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource<P: Sync>: Send + Sync + 'static {
    type Model: Model;
    const TYPE_NAME: &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Self::Model, _d: &mut Diagnostics) {}
    /// The state from the configuration; errors leave no state.
    async fn read(&self, p: &P, config: Self::Model) -> Result<Self::Model, Diagnostics>;
}

/// A resource as the provider server calls it: `Value`s in, protocol answers out.
#[async_trait::async_trait]
pub trait ResourceHandler<P>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    /// Whether the model and the schema agree (for a test).
    fn check_model(&self) -> Result<(), String>;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn plan(&self, p: &P, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, p: &P, req: ApplyRequest) -> ApplyResponse;
    async fn read(&self, p: &P, req: ReadRequest) -> ReadResponse;
    async fn import(&self, p: &P, id: &str) -> ImportResponse;
    fn upgrade(&self, version: i64, json: &[u8]) -> Option<Result<Value, Diagnostics>>;
    fn identity(&self) -> Option<&IdentitySchema>;
    async fn import_identity(&self, p: &P, identity: Value) -> ImportResponse;
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics>;
}

/// A data source as the provider server calls it.
#[async_trait::async_trait]
pub trait DataSourceHandler<P>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn check_model(&self) -> Result<(), String>;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, p: &P, config: Value) -> DataSourceResponse;
}

/// Wraps a [`Resource`] for the server.
pub fn resource<P: Send + Sync + 'static, R: Resource<P>>(r: R) -> Box<dyn ResourceHandler<P>> {
    let schema = r.schema();
    let identity = r.identity().schema(&schema.block);
    Box::new(ResourceAdapter { r, schema, identity })
}

/// Wraps a [`DataSource`] for the server.
pub fn data_source<P: Send + Sync + 'static, D: DataSource<P>>(d: D) -> Box<dyn DataSourceHandler<P>> {
    let schema = d.schema();
    Box::new(DataSourceAdapter { d, schema })
}

struct ResourceAdapter<R> {
    r: R,
    schema: Schema,
    /// `Err` when the declared identity does not fit the schema (`check_model` reports it).
    identity: Result<Option<IdentitySchema>, String>,
}

struct DataSourceAdapter<D> {
    d: D,
    schema: Schema,
}

/// `m` converted back, writing only the fields the resource changed from `before` (so values
/// the model cannot hold exactly, such as partly unknown sets, reach Terraform untouched).
fn write_back<M: Model>(base: &Value, before: &M, after: &M) -> Value {
    if before == after {
        return base.clone();
    }
    let (old, new) = (before.to_value(), after.to_value());
    let mut out = base.clone();
    if let (Some(o), Some(n)) = (old.as_map(), new.as_map()) {
        for (k, v) in n {
            if o.get(k) != Some(v) {
                out.set(k, v.clone());
            }
        }
    }
    out
}

/// The validation errors of the schema's rules, then the resource's own (when the config converts).
pub(super) fn validate_with<M: Model>(
    schema: &Schema,
    config: &Value,
    own: impl FnOnce(&M, &mut Diagnostics),
) -> Diagnostics {
    let mut d = super::validator::validate(&schema.block, config);
    match M::from_value(config) {
        Ok(m) => own(&m, &mut d),
        Err(e) if !d.has_errors() => d.extend(e.diagnostics()),
        Err(_) => {}
    }
    d
}

fn model_or<M: Model>(v: &Value) -> Result<M, Diagnostics> {
    M::from_value(v).map_err(|e: ModelError| e.diagnostics())
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static, R: Resource<P>> ResourceHandler<P> for ResourceAdapter<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn check_model(&self) -> Result<(), String> {
        super::model::check_model::<R::Model>(&self.schema.block)?;
        self.identity.as_ref().map(|_| ()).map_err(Clone::clone)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        validate_with::<R::Model>(&self.schema, config, |m, d| self.r.validate(m, d))
    }

    async fn plan(&self, p: &P, req: PlanRequest) -> PlanResponse {
        let block = &self.schema.block;
        let generic = planner::plan(block, &req.prior_state, &req.proposed_new_state, &req.config);
        let mut out = PlanResponse {
            planned_state: generic.state,
            requires_replace: generic.requires_replace,
            planned_private: req.prior_private,
            diagnostics: Diagnostics::new(),
        };
        if out.planned_state.is_null() {
            return out;
        }
        let models = (|| -> Result<_, Diagnostics> {
            let prior = if req.prior_state.is_null() {
                None
            } else {
                Some(model_or(&req.prior_state)?)
            };
            Ok((prior, model_or::<R::Model>(&out.planned_state)?, model_or(&req.config)?))
        })();
        let (prior, planned, config) = match models {
            Ok(m) => m,
            Err(d) => {
                out.diagnostics = d;
                return out;
            }
        };
        let generic_replacements = out.requires_replace.len();
        let mut plan = Plan {
            prior,
            planned: planned.clone(),
            config,
            requires_replace: std::mem::take(&mut out.requires_replace),
            diagnostics: Diagnostics::new(),
        };
        self.r.modify_plan(p, &mut plan).await;
        let replaced_by_hook = plan.requires_replace.len() > generic_replacements;
        out.planned_state = write_back(&out.planned_state, &planned, &plan.planned);
        if replaced_by_hook {
            planner::replacing(block, &mut out.planned_state, &req.config);
            // What the hook set itself (e.g. a value it knows the new object will have) stands.
            out.planned_state = write_back(&out.planned_state, &planned, &plan.planned);
        }
        out.requires_replace = plan.requires_replace;
        out.diagnostics = plan.diagnostics;
        out
    }

    async fn apply(&self, p: &P, req: ApplyRequest) -> ApplyResponse {
        let private = req.planned_private;
        let prior_value = req.prior_state;
        let answer = |new_state: Value, diagnostics: Diagnostics| ApplyResponse {
            new_state,
            private: private.clone(),
            diagnostics,
        };
        let prior = if prior_value.is_null() {
            None
        } else {
            match model_or::<R::Model>(&prior_value) {
                Ok(m) => Some(m),
                Err(d) => return answer(prior_value, d),
            }
        };
        let planned = if req.planned_state.is_null() {
            None
        } else {
            match model_or::<R::Model>(&req.planned_state) {
                Ok(m) => Some(m),
                Err(d) => return answer(prior_value, d),
            }
        };
        let kept = |f: Failure<R::Model>| {
            let state = f.state.map(|m| m.to_value()).unwrap_or_else(|| prior_value.clone());
            answer(state, f.diagnostics)
        };
        match (prior, planned) {
            (None, None) => answer(Value::Null, Diagnostics::new()),
            (None, Some(planned)) => match self.r.create(p, planned).await {
                Ok(m) => answer(m.to_value(), Diagnostics::new()),
                Err(f) => kept(f),
            },
            (Some(prior), None) => match self.r.delete(p, prior).await {
                Ok(()) => ApplyResponse::no_object(Diagnostics::new()),
                Err(f) => kept(f),
            },
            (Some(prior), Some(planned)) => match self.r.update(p, prior, planned).await {
                Ok(m) => answer(m.to_value(), Diagnostics::new()),
                Err(f) => kept(f),
            },
        }
    }

    async fn read(&self, p: &P, req: ReadRequest) -> ReadResponse {
        let answer = |new_state: Value, diagnostics: Diagnostics| ReadResponse {
            new_state,
            private: req.private.clone(),
            diagnostics,
        };
        let current = match model_or::<R::Model>(&req.current_state) {
            Ok(m) => m,
            Err(d) => return answer(req.current_state.clone(), d),
        };
        match self.r.read(p, current).await {
            Ok(Some(m)) => answer(m.to_value(), Diagnostics::new()),
            Ok(None) => answer(Value::Null, Diagnostics::new()),
            Err(f) => {
                let state = f
                    .state
                    .map(|m| m.to_value())
                    .unwrap_or_else(|| req.current_state.clone());
                answer(state, f.diagnostics)
            }
        }
    }

    async fn import(&self, p: &P, id: &str) -> ImportResponse {
        imported(R::TYPE_NAME, self.r.import(p, id).await)
    }

    fn upgrade(&self, version: i64, json: &[u8]) -> Option<Result<Value, Diagnostics>> {
        self.r.upgrade(version, json)
    }

    fn identity(&self) -> Option<&IdentitySchema> {
        self.identity.as_ref().ok().and_then(Option::as_ref)
    }

    async fn import_identity(&self, p: &P, identity: Value) -> ImportResponse {
        imported(R::TYPE_NAME, self.r.import_identity(p, &identity).await)
    }

    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        let generic = super::identity::generated_config(&self.schema.block, state);
        let before = model_or::<R::Model>(&generic)?;
        let after = self.r.generate_config(before.clone());
        Ok(write_back(&generic, &before, &after))
    }
}

/// The answer to an import, by id or by identity.
fn imported<M: Model>(type_name: &str, found: Result<Imported<M>, Diagnostics>) -> ImportResponse {
    match found {
        Ok(imported) => ImportResponse {
            imported: vec![ImportedResource {
                type_name: type_name.to_string(),
                state: imported.state.to_value(),
                private: vec![],
            }],
            diagnostics: imported.warnings,
        },
        Err(diagnostics) => ImportResponse {
            imported: vec![],
            diagnostics,
        },
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static, D: DataSource<P>> DataSourceHandler<P> for DataSourceAdapter<D> {
    fn type_name(&self) -> &'static str {
        D::TYPE_NAME
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn check_model(&self) -> Result<(), String> {
        super::model::check_model::<D::Model>(&self.schema.block)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        validate_with::<D::Model>(&self.schema, config, |m, d| self.d.validate(m, d))
    }
    async fn read(&self, p: &P, config: Value) -> DataSourceResponse {
        let mut diagnostics = self.validate(&config);
        if diagnostics.has_errors() {
            return DataSourceResponse {
                state: Value::Null,
                diagnostics,
            };
        }
        let model = match model_or::<D::Model>(&config) {
            Ok(m) => m,
            Err(d) => {
                return DataSourceResponse {
                    state: Value::Null,
                    diagnostics: d,
                }
            }
        };
        match self.d.read(p, model).await {
            Ok(m) => DataSourceResponse {
                state: m.to_value(),
                diagnostics,
            },
            Err(d) => {
                diagnostics.extend(d);
                DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}
