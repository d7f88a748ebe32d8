//! The list-resource family (6.10, `terraform query`): ValidateListResourceConfig and the
//! ListResource server stream.
//!
//! The provider's stream runs in a task of its own that feeds a small channel: the answer
//! streams as results are found, a slow reader slows the provider down instead of piling results
//! up in memory, reading stops at `limit` (or when Terraform hangs up), and a panic becomes an
//! error event.

use super::{decode, encode, unknown_type, ProviderService};
use crate::convert::diagnostics_to_proto;
use crate::diag::Diagnostics;
use crate::identity::IdentitySchema;
use crate::list::{ListRequest, ListResourceType, Listed};
use crate::proto::tfplugin6 as pb;
use crate::provider::ResourceType;
use crate::value::Type;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::mpsc;
use tonic::codegen::BoxStream;
use tonic::Status;

/// Results buffered between the provider and Terraform (a page is 200; this is a few events).
const BUFFER: usize = 16;

/// What one list needs besides the stream: the resource type its results are objects of.
struct Target {
    resource: Arc<dyn ResourceType>,
    identity: IdentitySchema,
}

impl ProviderService {
    fn list_type(&self, type_name: &str, diags: &mut Diagnostics) -> Option<(Arc<dyn ListResourceType>, Target)> {
        let Some(l) = self.provider.list_resource(type_name) else {
            unknown_type("list resource", type_name, diags);
            return None;
        };
        let resource = self.resource(type_name, diags)?;
        let Some(identity) = resource.identity().cloned() else {
            diags.error(
                "List resource without identity",
                format!("The resource type {type_name} has no identity, so its objects cannot be listed."),
            );
            return None;
        };
        Some((l, Target { resource, identity }))
    }

    pub(super) async fn validate_list(
        &self,
        req: pb::validate_list_resource_config::Request,
    ) -> pb::validate_list_resource_config::Response {
        let mut diags = Diagnostics::new();
        if let Some((l, _)) = self.list_type(&req.type_name, &mut diags) {
            if let Some(limit) = decode(req.limit.as_ref(), &Type::Number, "limit", &mut diags) {
                if limit.as_f64().is_some_and(|n| n < 0.0) {
                    diags.error("Invalid limit", "`limit` must be zero or more.");
                }
            }
            let ty = l.schema().block.value_type();
            if let Some(config) = decode(req.config.as_ref(), &ty, "list configuration", &mut diags) {
                let found = self
                    .call(&mut diags, |ctx| async move { l.validate(ctx, config).await })
                    .await;
                diags.extend(found.unwrap_or_default());
            }
        }
        pb::validate_list_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }
    }

    pub(super) fn list(&self, req: pb::list_resource::Request) -> BoxStream<pb::list_resource::Event> {
        let mut diags = Diagnostics::new();
        let Some((l, target)) = self.list_type(&req.type_name, &mut diags) else {
            return once(error_event(&diags));
        };
        let ty = l.schema().block.value_type();
        let Some(config) = decode(req.config.as_ref(), &ty, "list configuration", &mut diags) else {
            return once(error_event(&diags));
        };
        let limit = if req.limit > 0 { req.limit as u64 } else { u64::MAX };
        let include = req.include_resource_object;
        let list_req = ListRequest {
            type_name: req.type_name,
            config,
            include_resource_object: include,
            limit: req.limit,
        };
        let (tx, rx) = mpsc::channel(BUFFER);
        let stream = l.list(self.ctx(), list_req);
        let feeder = tokio::spawn(feed(stream, target, include, limit, tx.clone()));
        tokio::spawn(async move {
            if feeder.await.is_err() {
                crate::log::error("list resource stream failed", &[("reason", &"panicked")]);
                let mut d = Diagnostics::new();
                d.error(
                    "internal error in the provider",
                    "The provider hit an unexpected internal error while listing. This is a bug in the provider; \
                     please report it with the provider's log (TF_LOG_PROVIDER=debug).",
                );
                let _ = tx.send(Ok(error_event(&d))).await;
            }
        });
        Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
    }
}

/// Sends each result as an event until the list ends, fails, reaches `limit` or nobody listens.
async fn feed(
    mut stream: crate::list::ListStream,
    target: Target,
    include: bool,
    limit: u64,
    tx: mpsc::Sender<Result<pb::list_resource::Event, Status>>,
) {
    let mut sent = 0u64;
    while sent < limit {
        let event = match stream.next().await {
            None => return,
            Some(Err(d)) => {
                let _ = tx.send(Ok(error_event(&d))).await;
                return;
            }
            Some(Ok(found)) => event(&target, found, include),
        };
        if tx.send(Ok(event)).await.is_err() {
            return;
        }
        sent += 1;
    }
}

/// One result: its identity (from the state), its name, and the object when asked for.
fn event(target: &Target, found: Listed, include: bool) -> pb::list_resource::Event {
    let mut d = Diagnostics::new();
    let identity = match target.identity.of_state(&found.state) {
        Some(v) => encode(&v, &target.identity.value_type(), "identity", &mut d),
        None => {
            d.error(
                "internal error in the provider",
                format!("The listed object {:?} has no complete identity.", found.display_name),
            );
            None
        }
    };
    let resource_object = if include {
        encode(
            &found.state,
            &target.resource.schema().block.value_type(),
            "listed object",
            &mut d,
        )
    } else {
        None
    };
    pb::list_resource::Event {
        identity: identity.map(|dv| pb::ResourceIdentityData {
            identity_data: Some(dv),
        }),
        display_name: found.display_name,
        resource_object,
        diagnostic: diagnostics_to_proto(&d),
    }
}

fn error_event(d: &Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics_to_proto(d),
        ..Default::default()
    }
}

fn once(e: pb::list_resource::Event) -> BoxStream<pb::list_resource::Event> {
    Box::pin(futures_util::stream::iter([Ok::<_, Status>(e)]))
}
