//! `visionone_permission_keys`: the permission catalogue, for building custom roles and for
//! checking keys before a plan.

use crate::data_sources::DataSource;
use crate::provider::Call;
use tfplugin::{Attribute, Block, DataSourceResponse, Diagnostics, Schema, Type, Value};

/// Data sources want an id under Terraform 1.0; the catalogue is one per tenant.
const ID: &str = "permission-keys";

pub struct PermissionKeys;

/// `list(object({key = string, description = string}))`. A plain type rather than a protocol-6
/// nested attribute: Terraform 1.0's static checks cannot index nested attributes
/// (`permissions[0]` fails with "This value does not have any indices").
fn permission_type() -> Type {
    let obj = Type::Object(
        [("key", Type::String), ("description", Type::String)]
            .map(|(k, t)| (k.to_string(), t))
            .into(),
    );
    Type::List(Box::new(obj))
}

#[async_trait::async_trait]
impl DataSource for PermissionKeys {
    fn type_name(&self) -> &'static str {
        "visionone_permission_keys"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description("Every permission key a custom role may hold, with its description.")
                .attr(
                    Attribute::string("id")
                        .computed()
                        .description("Always `permission-keys`."),
                )
                .attr(
                    Attribute::string_set("keys")
                        .computed()
                        .description("Every permission key."),
                )
                .attr(
                    Attribute::new("permissions", permission_type()).computed().description(
                        "The catalogue in the API's order: a list of objects with `key` and `description`.",
                    ),
                ),
        )
    }

    async fn read(&self, call: &Call, _config: Value) -> DataSourceResponse {
        let client = match call.client() {
            Ok(c) => c,
            Err(diagnostics) => {
                return DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        };
        let mut diagnostics = Diagnostics::new();
        match client.list_permission_keys(&call.ctx.cancel).await {
            Ok(items) => {
                let permissions = items
                    .iter()
                    .map(|p| {
                        Value::object([
                            ("key", Value::from(p.key.as_str())),
                            ("description", Value::opt_string(p.description.clone())),
                        ])
                    })
                    .collect();
                let state = Value::object([
                    ("id", Value::from(ID)),
                    ("keys", Value::string_set(items.iter().map(|p| p.key.clone()))),
                    ("permissions", Value::List(permissions)),
                ]);
                DataSourceResponse { state, diagnostics }
            }
            Err(e) => {
                diagnostics.error("Could not read the permission catalogue", e.to_string());
                DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}
