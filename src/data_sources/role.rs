//! `visionone_role`: one role, predefined or custom, found by `name` or `id`. Keys and accounts
//! refer to roles by name; this is how a configuration checks that a name exists and reads its
//! flags and permissions.

use crate::data_sources::DataSource;
use crate::provider::Call;
use crate::resources::custom_role::{closest, Observed};
use tfplugin::{Attribute, AttributePath, Block, DataSourceResponse, Diagnostics, Schema, Value};
use visionone_client::{Client, ListQuery};

pub struct Role;

#[async_trait::async_trait]
impl DataSource for Role {
    fn type_name(&self) -> &'static str {
        "visionone_role"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description("Looks up one role, predefined or custom, by its `name` or its `id` (exactly one).")
                .attr(
                    Attribute::string("name")
                        .optional()
                        .computed()
                        .description("The role's exact name, e.g. `Auditor`. Conflicts with `id`."),
                )
                .attr(
                    Attribute::string("id")
                        .optional()
                        .computed()
                        .description("The role's id. Conflicts with `name`."),
                )
                .attr(
                    Attribute::string("description")
                        .computed()
                        .description("The role's description, if any."),
                )
                .attr(
                    Attribute::string("type")
                        .computed()
                        .description("`predefined` or `custom`."),
                )
                .attr(
                    Attribute::bool("allow_api_key_assignment")
                        .computed()
                        .description("Whether API keys may be given this role."),
                )
                .attr(
                    Attribute::bool("allow_user_account_assignment")
                        .computed()
                        .description("Whether user accounts may be given this role."),
                )
                .attr(
                    Attribute::string_set("permission_keys")
                        .computed()
                        .description("The role's permission keys."),
                ),
        )
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        match (config.get("name").is_null(), config.get("id").is_null()) {
            (true, true) => d.error_at(
                AttributePath::root("name"),
                "Missing role name or id",
                "Set exactly one of name and id to say which role to look up.",
            ),
            (false, false) => d.error_at(
                AttributePath::root("id"),
                "Conflicting role name and id",
                "Set only one of name and id: the role is looked up by one of them.",
            ),
            _ => {}
        }
        d
    }

    async fn read(&self, call: &Call, config: Value) -> DataSourceResponse {
        let client = match call.client() {
            Ok(c) => c,
            Err(diagnostics) => {
                return DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        };
        let mut diagnostics = self.validate(&config);
        if diagnostics.has_errors() {
            return DataSourceResponse {
                state: Value::Null,
                diagnostics,
            };
        }
        let cancel = &call.ctx.cancel;
        let (attr, wanted) = match config.get("id").as_str() {
            Some(id) => ("id", id.to_string()),
            None => ("name", config.get("name").as_str().unwrap_or_default().to_string()),
        };
        let found = if attr == "id" {
            Observed::fetch(client, &wanted, cancel).await
        } else {
            match client.find_role_by_name(&wanted, cancel).await {
                Ok(Some(role)) => Observed::complete(client, role, None, cancel).await,
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            }
        };
        match found {
            Ok(Some(obs)) => DataSourceResponse {
                state: Value::object(obs.common_attrs(&Value::Null)),
                diagnostics,
            },
            Ok(None) => {
                let hint = if attr == "name" {
                    suggest_names(client, &wanted, call).await
                } else {
                    String::new()
                };
                diagnostics.error_at(
                    AttributePath::root(attr),
                    "Role not found",
                    format!("No role has the {attr} {wanted:?}.{hint}"),
                );
                DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
            Err(e) => {
                diagnostics.error_at(AttributePath::root(attr), "Could not look up the role", e.to_string());
                DataSourceResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}

/// " Did you mean "Auditor"?" from the tenant's role names, or nothing.
async fn suggest_names(client: &Client, wanted: &str, call: &Call) -> String {
    let Ok(roles) = client.list_roles(&ListQuery::default(), &call.ctx.cancel).await else {
        return String::new();
    };
    let near = closest(wanted, roles.iter().map(|r| r.name.as_str()), 3);
    if near.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = near.iter().map(|n| format!("{n:?}")).collect();
        format!(" Did you mean {}?", quoted.join(" or "))
    }
}
