//! Ephemeral resources: a value that lives for one Terraform walk and never reaches state or a
//! plan file (Terraform >= 1.10). Terraform opens one in the plan walk and again in the apply
//! walk, and closes each after its last consumer.
//!
//! The contract, which the adapter enforces so that no type has to:
//!
//! - **Open** runs the schema's validators first (Terraform only opens a wholly known config),
//!   then fills each null attribute that has a default, then calls [`EphemeralResource::open`].
//!   An error opens nothing: the result is null and Close is never called for it.
//! - **Close** gets only the bytes Open put in [`Opened::private`]: whatever it needs to undo
//!   the open (ids, names) must travel there.

use super::model::{Model, ModelError};
use crate::diag::Diagnostics;
use crate::provider::OpenResponse;
use crate::schema::Schema;
use crate::value::Value;

/// What a successful open hands back.
pub struct Opened<M> {
    /// The configuration with every computed attribute known.
    pub result: M,
    /// For Close; never shown, never stored.
    pub private: Vec<u8>,
    pub warnings: Diagnostics,
}

/// An ephemeral resource type, against provider data `P`.
#[async_trait::async_trait]
pub trait EphemeralResource<P: Sync>: Send + Sync + 'static {
    type Model: Model;
    const TYPE_NAME: &'static str;
    fn schema(&self) -> Schema;
    /// Checks beyond the schema's validators that need no API call (values may be unknown).
    fn validate(&self, _config: &Self::Model, _d: &mut Diagnostics) {}
    async fn open(&self, p: &P, config: Self::Model) -> Result<Opened<Self::Model>, Diagnostics>;
    /// Undo the open. An error here is shown to the user, so it should say what was left behind.
    async fn close(&self, p: &P, private: &[u8]) -> Result<(), Diagnostics>;
}

/// An ephemeral resource as the provider server calls it: `Value`s in, protocol answers out.
#[async_trait::async_trait]
pub trait EphemeralHandler<P>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn check_model(&self) -> Result<(), String>;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn open(&self, p: &P, config: Value) -> OpenResponse;
    async fn close(&self, p: &P, private: Vec<u8>) -> Diagnostics;
}

/// Wraps an [`EphemeralResource`] for the server.
pub fn ephemeral<P: Send + Sync + 'static, E: EphemeralResource<P>>(e: E) -> Box<dyn EphemeralHandler<P>> {
    let schema = e.schema();
    Box::new(EphemeralAdapter { e, schema })
}

struct EphemeralAdapter<E> {
    e: E,
    schema: Schema,
}

fn nothing(diagnostics: Diagnostics) -> OpenResponse {
    OpenResponse {
        result: Value::Null,
        private: vec![],
        renew_at: None,
        diagnostics,
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static, E: EphemeralResource<P>> EphemeralHandler<P> for EphemeralAdapter<E> {
    fn type_name(&self) -> &'static str {
        E::TYPE_NAME
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn check_model(&self) -> Result<(), String> {
        super::model::check_model::<E::Model>(&self.schema.block)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        super::resource::validate_with::<E::Model>(&self.schema, config, |m, d| self.e.validate(m, d))
    }

    async fn open(&self, p: &P, config: Value) -> OpenResponse {
        let mut diagnostics = self.validate(&config);
        if diagnostics.has_errors() {
            return nothing(diagnostics);
        }
        let mut filled = config;
        for a in &self.schema.block.attributes {
            if let Some(d) = &a.plan.default {
                if filled.get(&a.name).is_null() {
                    filled.set(&a.name, d.clone());
                }
            }
        }
        let model = match E::Model::from_value(&filled) {
            Ok(m) => m,
            Err(e) => return nothing(ModelError::diagnostics(&e)),
        };
        match self.e.open(p, model).await {
            Ok(opened) => {
                diagnostics.extend(opened.warnings);
                OpenResponse {
                    result: opened.result.to_value(),
                    private: opened.private,
                    renew_at: None,
                    diagnostics,
                }
            }
            Err(d) => {
                diagnostics.extend(d);
                nothing(diagnostics)
            }
        }
    }

    async fn close(&self, p: &P, private: Vec<u8>) -> Diagnostics {
        self.e.close(p, &private).await.err().unwrap_or_default()
    }
}
