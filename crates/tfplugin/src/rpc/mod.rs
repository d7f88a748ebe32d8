//! The `tfplugin6.Provider` gRPC service, one file per RPC family: [`provider`] (metadata,
//! schemas, the provider block, stop), [`resource`] and [`data_source`]. Each handler resolves its
//! type once, decodes the request with that type's schema, makes one [`ProviderService::call`]
//! and encodes the answer. Every call runs in its own task, so a panic becomes an error
//! diagnostic instead of a dropped connection.

mod data_source;
mod ephemeral;
mod identity;
mod list;
mod provider;
mod resource;

use crate::convert::{decode_dynamic, encode_dynamic};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::{Ctx, Provider};
use crate::value::{Type, Value};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// Serves one provider. StopProvider cancels the current token and installs a fresh one.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    cancel: Mutex<CancellationToken>,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        ProviderService {
            provider,
            cancel: Mutex::new(CancellationToken::new()),
        }
    }

    fn ctx(&self) -> Ctx {
        let token = self.cancel.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ctx { cancel: token }
    }

    /// Cancels in-flight work; later calls get a fresh token.
    pub fn stop(&self) {
        let old = std::mem::replace(
            &mut *self.cancel.lock().unwrap_or_else(|e| e.into_inner()),
            CancellationToken::new(),
        );
        old.cancel();
    }

    /// The one way a handler calls the provider: `f` gets this call's context and runs in a task
    /// of its own. `None` (with an error in `diags`) when it panicked.
    async fn call<T, F, Fut>(&self, diags: &mut Diagnostics, f: F) -> Option<T>
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        match tokio::spawn(f(self.ctx())).await {
            Ok(t) => Some(t),
            Err(e) => {
                let what = if e.is_panic() { "panicked" } else { "was cancelled" };
                crate::log::error("provider call failed", &[("reason", &what)]);
                diags.error(
                    "internal error in the provider",
                    "The provider hit an unexpected internal error. This is a bug in the provider; please report \
                     it with the provider's log (TF_LOG_PROVIDER=debug).",
                );
                None
            }
        }
    }
}

/// How long the provider's shutdown hook may run: go-plugin kills a plugin that has not exited
/// 2 s after asking it to, so exit is never held up beyond this.
pub(crate) const SHUTDOWN_BUDGET: std::time::Duration = std::time::Duration::from_millis(1500);

/// Runs [`Provider::shutdown`] in a task of its own (a panic is only logged), cut short after
/// [`SHUTDOWN_BUDGET`].
pub(crate) async fn shut_down(provider: &Arc<dyn Provider>) {
    let p = provider.clone();
    let task = tokio::spawn(async move { p.shutdown().await });
    match tokio::time::timeout(SHUTDOWN_BUDGET, task).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => crate::log::error("provider shutdown hook failed", &[]),
        Err(_) => crate::log::warn("provider shutdown hook cut short", &[]),
    }
}

/// Decodes one of a request's values; a value Terraform sent that does not fit the schema is
/// an error diagnostic.
fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<Value> {
    match decode_dynamic(dv, ty) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                "Invalid value from Terraform",
                format!("Could not decode the {what}: {e}"),
            );
            None
        }
    }
}

/// Encodes one of an answer's values; a value that does not fit the schema is the provider's bug.
fn encode(v: &Value, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match encode_dynamic(v, ty) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.error(
                "internal error in the provider",
                format!("The provider produced an invalid {what}: {e}"),
            );
            None
        }
    }
}

fn unknown_type(kind: &str, type_name: &str, diags: &mut Diagnostics) {
    diags.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named \"{type_name}\"."),
    );
}

/// The tonic service: each RPC goes to its family's handler.
#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(self.metadata()))
    }
    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(self.provider_schema()))
    }
    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        Ok(Response::new(self.validate_provider(req.into_inner()).await))
    }
    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        Ok(Response::new(self.configure(req.into_inner()).await))
    }
    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        Ok(Response::new(self.stop_all().await))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        Ok(Response::new(self.validate_resource(req.into_inner()).await))
    }
    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        Ok(Response::new(self.upgrade_resource(req.into_inner()).await))
    }
    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        Ok(Response::new(self.read_resource_state(req.into_inner()).await))
    }
    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        Ok(Response::new(self.plan_resource(req.into_inner()).await))
    }
    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        Ok(Response::new(self.apply_resource(req.into_inner()).await))
    }
    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        Ok(Response::new(self.import_resource(req.into_inner()).await))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(self.validate_data_source(req.into_inner()).await))
    }
    // 6.9 resource identity and 6.10 generated config and list resources (`identity.rs`, `list.rs`).
    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(self.identity_schemas()))
    }
    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Ok(Response::new(self.upgrade_identity(req.into_inner())))
    }
    async fn generate_resource_config(
        &self,
        req: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Ok(Response::new(self.generate_config(req.into_inner())))
    }
    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        Ok(Response::new(self.list(req.into_inner())))
    }
    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        Ok(Response::new(self.validate_list(req.into_inner()).await))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        Ok(Response::new(self.read_data(req.into_inner()).await))
    }

    // Ephemeral resources (6.7): see `ephemeral.rs`.
    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(self.validate_ephemeral(req.into_inner()).await))
    }
    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(self.open_ephemeral(req.into_inner()).await))
    }
    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(self.renew_ephemeral(req.into_inner()).await))
    }
    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(self.close_ephemeral(req.into_inner()).await))
    }
}
