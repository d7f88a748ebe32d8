//! `visionone_role`: one role, predefined or custom, found by `name` or `id`. Keys and accounts
//! refer to roles by name; this is how a configuration checks that a name exists and reads its
//! flags and permissions.

use crate::provider::Call;
use crate::roles::{closest, Observed};
use std::collections::BTreeSet;
use tfplugin::framework::DataSource;
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema};
use visionone_client::{Client, ListQuery};

pub struct Role;

tfplugin::model! {
    /// The state of `visionone_role`.
    pub struct RoleState {
        pub name: String,
        pub id: String,
        pub description: String,
        pub role_type: String = "type",
        pub allow_api_key_assignment: bool,
        pub allow_user_account_assignment: bool,
        pub permission_keys: BTreeSet<String>,
    }
}

#[async_trait::async_trait]
impl DataSource<Call> for Role {
    type Model = RoleState;
    const TYPE_NAME: &'static str = "visionone_role";

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

    /// Exactly one of `name` and `id` (an unknown one counts as set).
    fn validate(&self, config: &RoleState, d: &mut Diagnostics) {
        match (config.name.is_null(), config.id.is_null()) {
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
    }

    async fn read(&self, call: &Call, config: RoleState) -> Result<RoleState, Diagnostics> {
        let client = call.client()?;
        let cancel = &call.ctx.cancel;
        let (attr, wanted) = match config.id.get() {
            Some(id) => ("id", id.clone()),
            None => ("name", config.name.get().cloned().unwrap_or_default()),
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
        let mut d = Diagnostics::new();
        match found {
            Ok(Some(obs)) => {
                let s = obs.resource_state(&Default::default());
                return Ok(RoleState {
                    name: s.name,
                    id: s.id,
                    description: s.description,
                    role_type: s.role_type,
                    allow_api_key_assignment: s.allow_api_key_assignment,
                    allow_user_account_assignment: s.allow_user_account_assignment,
                    permission_keys: s.permission_keys,
                });
            }
            Ok(None) => {
                let hint = if attr == "name" {
                    suggest_names(client, &wanted, call).await
                } else {
                    String::new()
                };
                d.error_at(
                    AttributePath::root(attr),
                    "Role not found",
                    format!("No role has the {attr} {wanted:?}.{hint}"),
                );
            }
            Err(e) => d.error_at(AttributePath::root(attr), "Could not look up the role", e.to_string()),
        }
        Err(d)
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
