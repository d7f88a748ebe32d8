//! `visionone_custom_role`: a custom user role (its permissions and which kinds of principal may
//! hold it). Updated in place with PATCH + If-Match; predefined roles are refused (they are read
//! through the `visionone_role` data source instead).

use crate::provider::Call;
use crate::resources::conflict::{write_fresh, Refused};
use crate::roles::{plan_time_failure, Observed, PlannedRole};
use std::collections::BTreeSet;
use tfplugin::framework::{Attr, Failure, Identity, Imported, Plan, Resource};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Severity};
use visionone_client::api::{RoleCreate, RoleUpdate, PREDEFINED_ROLES};
use visionone_client::{CancellationToken, Client, Error, ListQuery};

/// The longest name the API accepts.
const MAX_NAME_CHARS: usize = 128;

tfplugin::model! {
    /// The state of a `visionone_custom_role`.
    pub struct CustomRoleState {
        pub id: String,
        pub name: String,
        pub description: String,
        pub permission_keys: BTreeSet<String>,
        pub allow_api_key_assignment: bool,
        pub allow_user_account_assignment: bool,
        pub role_type: String = "type",
        pub last_updated_at: String,
    }
}

impl CustomRoleState {
    /// The attributes the configuration manages (a change to any of them is a PATCH) that
    /// differ between two states.
    fn changed_fields(&self, other: &Self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.name != other.name {
            v.push("name");
        }
        if self.description != other.description {
            v.push("description");
        }
        if self.permission_keys != other.permission_keys
            || self.permission_keys.is_unknown()
            || other.permission_keys.is_unknown()
        {
            v.push("permission_keys");
        }
        if self.allow_api_key_assignment != other.allow_api_key_assignment {
            v.push("allow_api_key_assignment");
        }
        if self.allow_user_account_assignment != other.allow_user_account_assignment {
            v.push("allow_user_account_assignment");
        }
        v
    }
}

pub struct CustomRole;

fn path(attr: &str) -> AttributePath {
    AttributePath::root(attr)
}

/// The predefined role `name` spells, ignoring case.
fn predefined_name(name: &str) -> Option<&'static str> {
    PREDEFINED_ROLES
        .iter()
        .copied()
        .find(|p| p.eq_ignore_ascii_case(name.trim()))
}

/// The attribute an API error is about, so the diagnostic can point at it.
fn attribute_of(e: &Error) -> Option<&'static str> {
    let msg = e.api().map(|a| a.message.to_ascii_lowercase()).unwrap_or_default();
    if e.is_conflict() || msg.contains("name") {
        Some("name")
    } else if msg.contains("permission") {
        Some("permission_keys")
    } else if msg.contains("description") {
        Some("description")
    } else {
        None
    }
}

fn api_error<M>(summary: &str, e: &Error) -> Failure<M> {
    match attribute_of(e) {
        Some(attr) => Failure::error_at(attr, summary, e.to_string()),
        None => Failure::error(summary, e.to_string()),
    }
}

pub(crate) fn schema() -> Schema {
    Schema::new(
        0,
        Block::new()
            .description(
                "A custom user role: a set of permission keys, and whether API keys and user accounts may be \
                 given it. Predefined roles (Master Administrator, Auditor, ...) cannot be managed; refer to them \
                 with the `visionone_role` data source.",
            )
            .attr(
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .description("The role's id."),
            )
            .attr(Attribute::string("name").required().description(&format!(
                "The role's name, unique in the tenant (at most {MAX_NAME_CHARS} characters). It may not be the \
                 name of a predefined role. Keys and accounts refer to roles by this name."
            )))
            .attr(
                Attribute::string("description")
                    .optional_omitted_when_null()
                    .description("What the role is for. Removing it clears the description on the server."),
            )
            .attr(
                Attribute::string_set("permission_keys")
                    .optional()
                    .computed()
                    .default(tfplugin::Value::string_set(Vec::<String>::new()))
                    .description(
                        "Permission keys from the catalogue (see the `visionone_permission_keys` data source). \
                         Omitted means no permissions, the same as `[]`. Unknown keys are reported at plan time \
                         with the closest valid ones.",
                    ),
            )
            .attr(
                Attribute::bool("allow_api_key_assignment")
                    .optional()
                    .computed()
                    .default(false)
                    .description("Whether API keys may be given this role."),
            )
            .attr(
                Attribute::bool("allow_user_account_assignment")
                    .optional()
                    .computed()
                    .default(false)
                    .description("Whether user accounts may be given this role."),
            )
            .attr(
                Attribute::string("type")
                    .computed()
                    .use_state_for_unknown()
                    .description("`custom` for roles this resource manages."),
            )
            .attr(
                Attribute::string("last_updated_at")
                    .computed()
                    .description("When the role last changed on the server (ISO 8601, UTC)."),
            ),
    )
}

#[async_trait::async_trait]
impl Resource<Call> for CustomRole {
    type Model = CustomRoleState;
    const TYPE_NAME: &'static str = "visionone_custom_role";

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &CustomRoleState, d: &mut Diagnostics) {
        if let Some(name) = config.name.as_deref() {
            check_name(name, d);
        }
        if config
            .permission_keys
            .get()
            .is_some_and(|keys| keys.iter().any(|k| k.trim().is_empty()))
        {
            d.error_at(
                path("permission_keys"),
                "Empty permission key",
                "Permission keys cannot be empty strings.",
            );
        }
    }

    async fn modify_plan(&self, call: &Call, plan: &mut Plan<CustomRoleState>) {
        let planned = &plan.planned;
        let prior = plan.prior.clone().unwrap_or_default();
        // Keys and accounts planned after this role (they depend on it) may name it before it exists.
        if let Some(name) = planned.name.as_deref() {
            if prior.name.as_deref() != Some(name) {
                call.roles().note_planned(
                    name,
                    PlannedRole {
                        allow_api_key_assignment: planned.allow_api_key_assignment.value(),
                        allow_user_account_assignment: planned.allow_user_account_assignment.value(),
                    },
                );
            }
        }
        if let Some(client) = call.client_opt() {
            let d = plan_checks(call, client, &plan.prior, planned).await;
            plan.diagnostics.extend(d);
        }
    }

    async fn create(&self, call: &Call, planned: CustomRoleState) -> Result<CustomRoleState, Failure<CustomRoleState>> {
        create(call.client()?, planned, &call.ctx.cancel).await
    }

    async fn read(
        &self,
        call: &Call,
        current: CustomRoleState,
    ) -> Result<Option<CustomRoleState>, Failure<CustomRoleState>> {
        let Some(id) = current.id.get().cloned() else {
            return Ok(Some(current));
        };
        match Observed::fetch_shared(call.client()?, &id, &call.ctx.cancel).await {
            Ok(Some(obs)) => Ok(Some(obs.resource_state(&current))),
            Ok(None) => {
                tfplugin::log::info(
                    "custom role is gone from the server; it will be planned for creation",
                    &[("id", &id)],
                );
                Ok(None)
            }
            Err(e) => Err(Failure::error("Could not read the custom role", e.to_string())),
        }
    }

    async fn update(
        &self,
        call: &Call,
        prior: CustomRoleState,
        planned: CustomRoleState,
    ) -> Result<CustomRoleState, Failure<CustomRoleState>> {
        update(call.client()?, &prior, planned, &call.ctx.cancel).await
    }

    async fn delete(&self, call: &Call, prior: CustomRoleState) -> Result<(), Failure<CustomRoleState>> {
        delete(call.client()?, &prior, &call.ctx.cancel).await
    }

    async fn import(&self, call: &Call, id: &str) -> Result<Imported<CustomRoleState>, Diagnostics> {
        let mut d = Diagnostics::new();
        match find_for_import(call.client()?, id, &call.ctx.cancel).await {
            Ok(Some(obs)) if obs.is_predefined() => d.error(
                "Predefined roles cannot be imported",
                format!(
                    "{:?} is a predefined role: it cannot be edited or deleted, so it cannot be managed. Refer to it \
                     with the visionone_role data source instead.",
                    obs.role.name
                ),
            ),
            Ok(Some(obs)) => {
                return Ok(Imported {
                    state: obs.resource_state(&CustomRoleState::default()),
                    warnings: d,
                })
            }
            Ok(None) => d.error(
                "Custom role not found",
                format!("No role has the id or the name {id:?}. Import takes a role id or its exact name."),
            ),
            Err(e) => d.error("Could not look up the custom role", e.to_string()),
        }
        Err(d)
    }

    fn identity(&self) -> Identity {
        Identity::new(0).attr("id", "The role's id.")
    }
}

/// Name checks that need no API: empty, too long, or a predefined role's name.
fn check_name(name: &str, d: &mut Diagnostics) {
    if name.trim().is_empty() {
        d.error_at(
            path("name"),
            "Empty role name",
            "A custom role needs a name that is not blank.",
        );
    } else if name.chars().count() > MAX_NAME_CHARS {
        d.error_at(
            path("name"),
            "Role name too long",
            format!(
                "Role names may have at most {MAX_NAME_CHARS} characters; this one has {}.",
                name.chars().count()
            ),
        );
    } else if let Some(p) = predefined_name(name) {
        d.error_at(
            path("name"),
            "Predefined roles cannot be managed",
            format!(
                "{p:?} is a predefined Vision One role: it cannot be created, edited or deleted. Choose another name \
                 for a custom role, or refer to the predefined one with data \"visionone_role\" {{ name = {p:?} }}."
            ),
        );
    }
}

/// Checks that need the API: permission keys against the catalogue, and (on create or rename)
/// a name another role already holds.
async fn plan_checks(
    call: &Call,
    client: &Client,
    prior: &Option<CustomRoleState>,
    planned: &CustomRoleState,
) -> Diagnostics {
    let cancel = &call.ctx.cancel;
    let mut d = Diagnostics::new();
    if let Some(keys) = planned.permission_keys.get().filter(|k| !k.is_empty()) {
        match call.roles().permission_catalogue(client, cancel).await {
            Ok(cat) => {
                let unknown: Vec<String> = keys
                    .iter()
                    .filter(|k| !cat.iter().any(|p| p.key == **k))
                    .cloned()
                    .collect();
                if !unknown.is_empty() {
                    d.error_at(
                        path("permission_keys"),
                        if unknown.len() == 1 { "Unknown permission key" } else { "Unknown permission keys" },
                        format!(
                            "These keys are not in Vision One's permission catalogue:\n{}\nThe visionone_permission_keys \
                             data source lists every valid key.",
                            crate::roles::describe_unknown(&unknown, &cat)
                        ),
                    );
                }
            }
            Err(e) => plan_time_failure(
                &mut d,
                path("permission_keys"),
                Severity::Warning,
                "Permission keys not checked",
                &format!("The permission catalogue could not be read, so the keys are checked at apply: {e}"),
                &e,
            ),
        }
    }
    let prior_id = prior.as_ref().and_then(|p| p.id.as_deref());
    let renamed = prior.as_ref().is_none_or(|p| p.name != planned.name);
    if let (Some(name), true) = (planned.name.as_deref(), renamed) {
        if predefined_name(name).is_none() && !name.trim().is_empty() {
            match client.find_role_by_name(name, cancel).await {
                Ok(Some(other)) if prior_id != Some(other.id.as_str()) => d.error_at(
                    path("name"),
                    "Role name already taken",
                    format!(
                        "A role named {name:?} already exists (id {}). Choose another name, or bring it under \
                         Terraform with `terraform import <address> {}`.",
                        other.id, other.id
                    ),
                ),
                Ok(_) => {}
                Err(e) if matches!(e.status(), Some(401) | Some(403)) && !d.has_errors() => {
                    plan_time_failure(&mut d, path("name"), Severity::Warning, "", "", &e)
                }
                Err(e) => tfplugin::log::debug("role name check skipped", &[("error", &e)]),
            }
        }
    }
    d
}

/// What to send on create, from the planned state.
fn create_body(planned: &CustomRoleState) -> RoleCreate {
    RoleCreate {
        name: planned.name.as_deref().unwrap_or_default().to_string(),
        description: planned.description.as_deref().unwrap_or_default().to_string(),
        permission_keys: planned
            .permission_keys
            .get()
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default(),
        allow_api_key_assignment: planned.allow_api_key_assignment.value().unwrap_or(false),
        allow_user_account_assignment: planned.allow_user_account_assignment.value().unwrap_or(false),
    }
}

/// Only the fields that change; a removed description is sent as "" to clear it.
fn update_body(prior: &CustomRoleState, planned: &CustomRoleState) -> RoleUpdate {
    let mut u = RoleUpdate::default();
    for field in prior.changed_fields(planned) {
        match field {
            "name" => u.name = planned.name.get().cloned(),
            "description" => u.description = Some(planned.description.as_deref().unwrap_or_default().to_string()),
            "permission_keys" => {
                u.permission_keys = Some(
                    planned
                        .permission_keys
                        .get()
                        .map(|k| k.iter().cloned().collect())
                        .unwrap_or_default(),
                )
            }
            "allow_api_key_assignment" => u.allow_api_key_assignment = planned.allow_api_key_assignment.value(),
            _ => u.allow_user_account_assignment = planned.allow_user_account_assignment.value(),
        }
    }
    u
}

/// The new state after a successful write: the planned values, with the computed ones read back.
fn settled(planned: CustomRoleState, obs: &Observed) -> CustomRoleState {
    let read = obs.resource_state(&planned);
    CustomRoleState {
        id: read.id,
        role_type: read.role_type,
        last_updated_at: read.last_updated_at,
        ..planned
    }
}

type Written = Result<CustomRoleState, Failure<CustomRoleState>>;

async fn create(client: &Client, planned: CustomRoleState, cancel: &CancellationToken) -> Written {
    if cancel.is_cancelled() {
        return Err(Failure::error(
            "Cancelled",
            "The custom role was not created: Terraform was interrupted before the request.",
        ));
    }
    // Once the create is under way it is not cancelled: a role created but unrecorded would be orphaned.
    let uncancelled = CancellationToken::new();
    let id = match client.create_role(&create_body(&planned), &uncancelled).await {
        Ok(id) => id,
        Err(e) => return Err(api_error("Could not create the custom role", &e)),
    };
    match Observed::fetch(client, &id, &uncancelled).await {
        Ok(Some(obs)) => Ok(settled(planned, &obs)),
        outcome => {
            // Keep the id in state (tainted by the error) so nothing is orphaned.
            let state = CustomRoleState {
                id: Attr::from(id.as_str()),
                role_type: Attr::from("custom"),
                last_updated_at: Attr::Null,
                ..planned
            };
            let why = match outcome {
                Err(e) => e.to_string(),
                _ => "the role was not found right after it was created".to_string(),
            };
            let mut d = Diagnostics::new();
            d.error(
                "Custom role created but not read back",
                format!("Role {id} was created, but {why}."),
            );
            Err(Failure::with_state(state, d))
        }
    }
}

async fn update(
    client: &Client,
    prior: &CustomRoleState,
    planned: CustomRoleState,
    cancel: &CancellationToken,
) -> Written {
    let id = prior.id.as_deref().unwrap_or_default().to_string();
    let body = update_body(prior, &planned);
    let role = id.as_str();
    let written = write_fresh(
        || async move {
            let obs = Observed::fetch(client, role, cancel).await?;
            Ok(obs.map(|o| {
                let etag = o.etag.clone();
                (o, etag)
            }))
        },
        |_| Some(body.clone()),
        |first, now| first.resource_state(prior).changed_fields(&now.resource_state(prior)),
        |body, etag| async move { client.update_role(role, &body, etag.as_ref(), cancel).await },
    )
    .await;
    match written {
        Ok(()) => {}
        Err(Refused::Gone) => {
            return Err(Failure::error(
                "Custom role deleted outside Terraform",
                format!("Role {id} no longer exists. Run terraform apply again: the refresh will plan to create it."),
            ))
        }
        Err(Refused::Changed(changed)) => {
            return Err(Failure::error(
                "Custom role changed outside Terraform",
                format!(
                    "Role {id} was modified by someone else while Terraform was updating it ({} changed), so the \
                     update was not applied. Run terraform plan to review the change, then apply again.",
                    changed.join(", ")
                ),
            ))
        }
        Err(Refused::Read(e)) => {
            return Err(Failure::error(
                "Could not read the custom role before updating it",
                e.to_string(),
            ))
        }
        Err(Refused::Write(e)) => return Err(api_error("Could not update the custom role", &e)),
    }
    match Observed::fetch(client, &id, cancel).await {
        Ok(Some(obs)) => Ok(settled(planned, &obs)),
        other => {
            let why = other
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "it was not found".to_string());
            let mut d = Diagnostics::new();
            d.error(
                "Custom role updated but not read back",
                format!("Role {id} was updated, but {why}."),
            );
            let state = CustomRoleState {
                last_updated_at: prior.last_updated_at.clone(),
                ..planned
            };
            Err(Failure::with_state(state, d))
        }
    }
}

async fn delete(
    client: &Client,
    prior: &CustomRoleState,
    cancel: &CancellationToken,
) -> Result<(), Failure<CustomRoleState>> {
    let id = prior.id.as_deref().unwrap_or_default();
    let name = prior.name.as_deref().unwrap_or_default();
    match client.delete_role(id, cancel).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_conflict() || e.code() == Some(visionone_client::api::codes::ROLE_IN_USE) => {
            let holders = holders(client, name, cancel).await;
            let said = e.api().map(|a| a.message.clone()).unwrap_or_default();
            let detail = match holders {
                Some(h) if !h.is_empty() => format!(
                    "Role {name:?} is still assigned to {h}. Give them another role (or delete them) first. \
                     Vision One said: {said}"
                ),
                _ => format!("Role {name:?} is still in use: {e}"),
            };
            Err(Failure::error_at("name", "Custom role still in use", detail))
        }
        Err(e) => Err(Failure::error("Could not delete the custom role", e.to_string())),
    }
}

/// "API keys a, b and accounts x@y": who holds the role, from the API (None when it cannot tell).
async fn holders(client: &Client, role: &str, cancel: &CancellationToken) -> Option<String> {
    use visionone_client::api::filter::Filter;
    let keys = client
        .list_api_keys(&ListQuery::filtered(Filter::eq("role", role)), cancel)
        .await
        .ok()?;
    let accounts = client.list_accounts(&ListQuery::default(), cancel).await.ok()?;
    let key_names: Vec<&str> = keys
        .iter()
        .filter(|k| k.role == role)
        .map(|k| k.name.as_str())
        .collect();
    let emails: Vec<&str> = accounts
        .iter()
        .filter(|a| a.role == role)
        .map(|a| a.email.as_str())
        .collect();
    let mut parts = Vec::new();
    if !key_names.is_empty() {
        parts.push(format!("API keys {}", key_names.join(", ")));
    }
    if !emails.is_empty() {
        parts.push(format!("accounts {}", emails.join(", ")));
    }
    Some(parts.join(" and "))
}

/// By id first; a 404 (or an answer saying it is not an id) means try it as a name.
async fn find_for_import(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<Observed>, Error> {
    match Observed::fetch(client, id, cancel).await {
        Ok(Some(obs)) => return Ok(Some(obs)),
        Ok(None) => {}
        Err(e) if e.status() == Some(400) => {}
        Err(e) => return Err(e),
    }
    match client.find_role_by_name(id, cancel).await? {
        Some(role) => Observed::complete(client, role, None, cancel).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
