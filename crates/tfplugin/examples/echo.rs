//! A tiny provider for tests and benchmarks: resource `visionone_echo` copies `input` to
//! `output`. Special inputs exercise the transport: `panic` panics in plan; `wait` blocks in
//! apply until StopProvider cancels it.

use std::collections::BTreeMap;
use std::sync::Arc;
use tfplugin::*;

struct Echo {
    schemas: ProviderSchemas,
}

impl Echo {
    fn new() -> Self {
        let resource = Schema::new(
            0,
            Block::new()
                .description("Copies `input` to `output`.")
                .attr(Attribute::string("id").computed())
                .attr(Attribute::string("input").required().description("Any text."))
                .attr(Attribute::string("output").computed()),
        );
        let provider = Schema::new(0, Block::new().attr(Attribute::string("prefix").optional()));
        Echo {
            schemas: ProviderSchemas {
                provider,
                provider_meta: None,
                resources: BTreeMap::from([("visionone_echo".to_string(), resource.clone())]),
                data_sources: BTreeMap::from([("visionone_echo".to_string(), resource)]),
                ..Default::default()
            },
        }
    }
}

fn echoed(config: &Value, id: Value) -> Value {
    let mut v = config.clone();
    v.set("output", config.get("input").clone());
    v.set("id", id);
    v
}

#[async_trait::async_trait]
impl Provider for Echo {
    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    async fn configure(&self, _ctx: Ctx, terraform_version: String, _config: Value) -> Diagnostics {
        tfplugin::log::info("configured", &[("terraform_version", &terraform_version)]);
        Diagnostics::new()
    }

    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        let schema = self.schemas.resources.get(type_name)?.clone();
        Some(Arc::new(EchoType { schema }))
    }

    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSourceType>> {
        let schema = self.schemas.data_sources.get(type_name)?.clone();
        Some(Arc::new(EchoType { schema }))
    }
}

/// `visionone_echo`, as a resource and as a data source.
struct EchoType {
    schema: Schema,
}

#[async_trait::async_trait]
impl ResourceType for EchoType {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: Ctx, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn plan(&self, _ctx: Ctx, req: PlanRequest) -> PlanResponse {
        if req.config.get("input").as_str() == Some("panic") {
            panic!("echo was asked to panic");
        }
        let planned_state = if req.proposed_new_state.is_null() {
            Value::Null
        } else if req.prior_state.is_null() {
            echoed(&req.proposed_new_state, Value::Unknown)
        } else {
            echoed(&req.proposed_new_state, req.prior_state.get("id").clone())
        };
        PlanResponse {
            planned_state,
            requires_replace: vec![],
            planned_private: req.prior_private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply(&self, ctx: Ctx, req: ApplyRequest) -> ApplyResponse {
        let mut diagnostics = Diagnostics::new();
        if req.config.get("input").as_str() == Some("wait") {
            tokio::select! {
                _ = ctx.cancel.cancelled() => diagnostics.error("Cancelled", "StopProvider was called."),
                _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            }
        }
        let new_state = if req.planned_state.is_null() {
            Value::Null
        } else {
            echoed(&req.planned_state, Value::string("echo-1"))
        };
        ApplyResponse {
            new_state,
            private: req.planned_private,
            diagnostics,
        }
    }

    async fn import(&self, _ctx: Ctx, id: String) -> ImportResponse {
        let state = Value::object([
            ("id", Value::string(&id)),
            ("input", Value::string(&id)),
            ("output", Value::string(&id)),
        ]);
        ImportResponse {
            imported: vec![ImportedResource {
                type_name: "visionone_echo".to_string(),
                state,
                private: vec![],
            }],
            diagnostics: Diagnostics::new(),
        }
    }
}

#[async_trait::async_trait]
impl DataSourceType for EchoType {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: Ctx, config: Value) -> DataSourceResponse {
        DataSourceResponse {
            state: echoed(&config, Value::string("echo-data")),
            diagnostics: Diagnostics::new(),
        }
    }
}

fn main() -> std::process::ExitCode {
    let opts = ServeOptions::new("registry.terraform.io/visionone-iam/visionone").with_args();
    serve_blocking(Arc::new(Echo::new()), opts)
}
