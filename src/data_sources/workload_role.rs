//! `visionone_workload_role`: a Workload Security role by its exact name, so that a
//! configuration can check a name and read its id and whether keys may hold it.

use crate::provider::Call;
use crate::workload::failure;
use tfplugin::framework::{Attr, DataSource};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema};

pub const TYPE_NAME: &str = "visionone_workload_role";

pub struct WorkloadRole;

tfplugin::model! {
    /// The state of `visionone_workload_role`.
    pub struct WorkloadRoleState {
        pub name: String,
        pub id: i64,
        pub description: String,
        pub allow_api_keys: bool,
        pub predefined: bool,
    }
}

#[async_trait::async_trait]
impl DataSource<Call> for WorkloadRole {
    type Model = WorkloadRoleState;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description(
                    "Looks up one Server & Workload Protection (Workload Security) role by its exact name, through \
                     the provider's `workload` block.",
                )
                .attr(Attribute::string("name").required().description(
                    "The role's exact name (case-sensitive, no wildcards), e.g. `Full Access` or `Auditor`.",
                ))
                .attr(Attribute::number("id").computed().description("The role's id."))
                .attr(
                    Attribute::string("description")
                        .computed()
                        .description("The role's description, if any."),
                )
                .attr(
                    Attribute::bool("allow_api_keys")
                        .computed()
                        .description("Whether API keys may hold this role (it allows the web service API)."),
                )
                .attr(
                    Attribute::bool("predefined")
                        .computed()
                        .description("Whether the role is one of the manager's own (cannot be changed)."),
                ),
        )
    }

    fn validate(&self, config: &WorkloadRoleState, d: &mut Diagnostics) {
        if config.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            d.error_at(AttributePath::root("name"), "Empty name", "`name` must name a role.");
        }
    }

    async fn read(&self, call: &Call, config: WorkloadRoleState) -> Result<WorkloadRoleState, Diagnostics> {
        let client = call.workload(TYPE_NAME).await?;
        let name = config.name.as_deref().unwrap_or_default();
        let role = match client.role_by_name(name, &call.ctx.cancel).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                let hint = match client.list_roles(&call.ctx.cancel).await {
                    Ok(roles) => {
                        let names: Vec<&str> = roles.iter().filter_map(|r| r.name.as_deref()).collect();
                        let near = crate::roles::closest(name, names.iter().copied(), 3);
                        if near.is_empty() {
                            String::new()
                        } else {
                            let q: Vec<String> = near.iter().map(|n| format!("{n:?}")).collect();
                            format!(" Did you mean {}?", q.join(", "))
                        }
                    }
                    Err(_) => String::new(),
                };
                let mut d = Diagnostics::new();
                d.error_at(
                    AttributePath::root("name"),
                    "Unknown role",
                    format!(
                        "No Workload Security role is named {:?} (names are exact and case-sensitive).{hint}",
                        crate::roles::truncate(name)
                    ),
                );
                return Err(d);
            }
            Err(e) => {
                return Err(failure(
                    "Could not look up the role",
                    &e,
                    Some(AttributePath::root("name")),
                ))
            }
        };
        Ok(WorkloadRoleState {
            name: config.name,
            id: Attr::from_option(role.id),
            description: Attr::from_option(role.description.clone()),
            allow_api_keys: Attr::Known(visionone_client::workload::keys_may_use(&role)),
            predefined: Attr::Known(role.immutable == Some(true)),
        })
    }
}
