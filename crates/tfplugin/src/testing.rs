//! For tests and benchmarks of a provider: what Terraform would hand the plugin, and an
//! in-process gRPC [`Harness`] that drives a provider through the real `tfplugin6.Provider`
//! service (wire encoding, schema typing, panic guard) the way Terraform does, without a process
//! or TLS.

// Request literals end with `..Default::default()` so new protocol fields need no change here.
#![allow(clippy::needless_update)]

use crate::convert::{decode_dynamic, encode_dynamic, path_from_proto};
use crate::diag::AttributePath;
use crate::proto::tfplugin6 as pb;
use crate::provider::{Provider, ProviderSchemas};
use crate::schema::Block;
use crate::value::Value;
use pb::provider_client::ProviderClient;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tonic::transport::Channel;

/// A provider served on loopback by the real gRPC service, with Terraform's call sequence as
/// methods. Each method answers the state and the diagnostics Terraform would show.
pub struct Harness {
    client: ProviderClient<Channel>,
    schemas: ProviderSchemas,
    server: tokio::task::JoinHandle<()>,
}

/// What one step answered.
#[derive(Debug, Clone)]
pub struct Step {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Vec<pb::Diagnostic>,
}

impl Step {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
    }
    /// "summary: detail" of every diagnostic, for assertions and failure messages.
    pub fn messages(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn dv(v: &Value, ty: &crate::Type) -> Option<pb::DynamicValue> {
    Some(encode_dynamic(v, ty).expect("a value of the schema's type"))
}

fn decoded(v: Option<&pb::DynamicValue>, ty: &crate::Type) -> Value {
    decode_dynamic(v, ty).expect("the provider answered a value of its schema's type")
}

impl Harness {
    /// Serves `provider` on 127.0.0.1 and connects to it.
    pub async fn start(provider: Arc<dyn Provider>) -> Harness {
        let schemas = provider.schemas().clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let service = pb::provider_server::ProviderServer::new(crate::rpc::ProviderService::new(provider));
        let server = tokio::spawn(async move {
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(incoming)
                .await;
        });
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("loopback address")
            .connect()
            .await
            .expect("connect to the in-process server");
        Harness {
            client: ProviderClient::new(channel),
            schemas,
            server,
        }
    }

    /// The raw client, for protocol tests.
    pub fn client(&mut self) -> &mut ProviderClient<Channel> {
        &mut self.client
    }

    fn block(&self, type_name: &str) -> &Block {
        &self.schemas.resources[type_name].block
    }

    /// ValidateProviderConfig then ConfigureProvider.
    pub async fn configure(&mut self, config: &Value) -> Step {
        let ty = self.schemas.provider.block.value_type();
        let mut diagnostics = self
            .client
            .validate_provider_config(pb::validate_provider_config::Request {
                config: dv(config, &ty),
            })
            .await
            .expect("ValidateProviderConfig")
            .into_inner()
            .diagnostics;
        let r = self
            .client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.15.5".into(),
                config: dv(config, &ty),
                ..Default::default()
            })
            .await
            .expect("ConfigureProvider")
            .into_inner();
        diagnostics.extend(r.diagnostics);
        Step {
            state: Value::Null,
            requires_replace: vec![],
            diagnostics,
        }
    }

    /// ValidateResourceConfig then PlanResourceChange, with the proposed new state Terraform would
    /// compute. A null `config` plans a destroy.
    pub async fn plan(&mut self, type_name: &str, prior: &Value, config: &Value) -> Step {
        let ty = self.block(type_name).value_type();
        let mut diagnostics = Vec::new();
        if !config.is_null() {
            diagnostics = self
                .client
                .validate_resource_config(pb::validate_resource_config::Request {
                    type_name: type_name.into(),
                    config: dv(config, &ty),
                    ..Default::default()
                })
                .await
                .expect("ValidateResourceConfig")
                .into_inner()
                .diagnostics;
            if diagnostics
                .iter()
                .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
            {
                return Step {
                    state: Value::Null,
                    requires_replace: vec![],
                    diagnostics,
                };
            }
        }
        let proposed = proposed_new_state(self.block(type_name), prior, config);
        let r = self
            .client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: type_name.into(),
                prior_state: dv(prior, &ty),
                proposed_new_state: dv(&proposed, &ty),
                config: dv(config, &ty),
                ..Default::default()
            })
            .await
            .expect("PlanResourceChange")
            .into_inner();
        diagnostics.extend(r.diagnostics);
        Step {
            state: decoded(r.planned_state.as_ref(), &ty),
            requires_replace: r.requires_replace.iter().map(path_from_proto).collect(),
            diagnostics,
        }
    }

    /// ApplyResourceChange of a plan.
    pub async fn apply(&mut self, type_name: &str, prior: &Value, planned: &Value, config: &Value) -> Step {
        let ty = self.block(type_name).value_type();
        let r = self
            .client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: type_name.into(),
                prior_state: dv(prior, &ty),
                planned_state: dv(planned, &ty),
                config: dv(config, &ty),
                ..Default::default()
            })
            .await
            .expect("ApplyResourceChange")
            .into_inner();
        Step {
            state: decoded(r.new_state.as_ref(), &ty),
            requires_replace: vec![],
            diagnostics: r.diagnostics,
        }
    }

    /// ReadResource (a refresh).
    pub async fn read(&mut self, type_name: &str, state: &Value) -> Step {
        let ty = self.block(type_name).value_type();
        let r = self
            .client
            .read_resource(pb::read_resource::Request {
                type_name: type_name.into(),
                current_state: dv(state, &ty),
                ..Default::default()
            })
            .await
            .expect("ReadResource")
            .into_inner();
        Step {
            state: decoded(r.new_state.as_ref(), &ty),
            requires_replace: vec![],
            diagnostics: r.diagnostics,
        }
    }
}

/// What OpenEphemeralResource answered.
#[derive(Debug, Clone)]
pub struct OpenedStep {
    pub result: Value,
    pub private: Vec<u8>,
    pub diagnostics: Vec<pb::Diagnostic>,
}

impl OpenedStep {
    pub fn step(&self) -> Step {
        Step {
            state: self.result.clone(),
            requires_replace: vec![],
            diagnostics: self.diagnostics.clone(),
        }
    }
}

/// Ephemeral resources (6.7), in Terraform's order: validate then open; close with Open's
/// `private` only.
impl Harness {
    fn ephemeral_block(&self, type_name: &str) -> &Block {
        &self.schemas.ephemeral_resources[type_name].block
    }

    /// ValidateEphemeralResourceConfig then, when it found no error, OpenEphemeralResource.
    pub async fn open_ephemeral(&mut self, type_name: &str, config: &Value) -> OpenedStep {
        let ty = self.ephemeral_block(type_name).value_type();
        let mut diagnostics = self
            .client
            .validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request {
                type_name: type_name.into(),
                config: dv(config, &ty),
            })
            .await
            .expect("ValidateEphemeralResourceConfig")
            .into_inner()
            .diagnostics;
        let failed = diagnostics
            .iter()
            .any(|d| d.severity == pb::diagnostic::Severity::Error as i32);
        if failed {
            return OpenedStep {
                result: Value::Null,
                private: vec![],
                diagnostics,
            };
        }
        let r = self
            .client
            .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
                type_name: type_name.into(),
                config: dv(config, &ty),
                ..Default::default()
            })
            .await
            .expect("OpenEphemeralResource")
            .into_inner();
        diagnostics.extend(r.diagnostics);
        OpenedStep {
            result: decoded(r.result.as_ref(), &ty),
            private: r.private.unwrap_or_default(),
            diagnostics,
        }
    }

    /// CloseEphemeralResource with the `private` Open returned.
    pub async fn close_ephemeral(&mut self, type_name: &str, private: &[u8]) -> Step {
        let r = self
            .client
            .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
                type_name: type_name.into(),
                private: Some(private.to_vec()),
            })
            .await
            .expect("CloseEphemeralResource")
            .into_inner();
        Step {
            state: Value::Null,
            requires_replace: vec![],
            diagnostics: r.diagnostics,
        }
    }

    /// StopProvider (Ctrl-C): cancels in-flight calls and runs the provider's shutdown hook.
    pub async fn stop(&mut self) {
        self.client
            .stop_provider(pb::stop_provider::Request {})
            .await
            .expect("StopProvider");
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Terraform's proposed new state for a plan: the configuration, with the prior value of each
/// computed attribute the configuration leaves null (what `PlanResourceChange` receives).
pub fn proposed_new_state(block: &Block, prior: &Value, config: &Value) -> Value {
    if config.is_null() {
        return Value::Null;
    }
    let mut proposed = config.clone();
    for a in &block.attributes {
        if a.computed && config.get(&a.name).is_null() {
            proposed.set(&a.name, prior.get(&a.name).clone());
        }
    }
    proposed
}
use std::process::{Command, Stdio};

/// A self-signed ECDSA P-521 certificate shaped like the one Terraform puts in
/// `PLUGIN_CLIENT_CERT` (CA:TRUE, client and server EKU, `localhost`), written to
/// `dir/name.crt` with its key in `dir/name.key`. Made with the `openssl` CLI: ring (and so
/// rcgen without aws-lc) cannot sign with P-521.
pub fn terraform_client_cert(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), String> {
    let (crt, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"])
        .args(["-sha512", "-nodes", "-days", "1", "-subj", "/O=HashiCorp/CN=localhost"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=digitalSignature,keyEncipherment,keyCertSign"])
        .args(["-addext", "extendedKeyUsage=clientAuth,serverAuth"])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("the openssl CLI is needed to make a P-521 certificate: {e}"))?;
    if !status.success() {
        return Err(format!("openssl could not make a certificate ({status})"));
    }
    Ok((crt, key))
}
