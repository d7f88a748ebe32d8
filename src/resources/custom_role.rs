//! `visionone_custom_role`: a custom user role (its permissions and which kinds of principal may
//! hold it). Updated in place with PATCH + If-Match; predefined roles are refused (they are read
//! through the `visionone_role` data source instead).

mod catalogue;
mod observed;

pub(crate) use catalogue::closest;
pub(crate) use observed::Observed;

use crate::provider::Call;
use crate::resources::{plan, Resource};
use std::collections::BTreeSet;
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostics, ImportResponse, ImportedResource,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema, Value,
};
use visionone_client::api::{RoleCreate, RoleUpdate, PREDEFINED_ROLES};
use visionone_client::{CancellationToken, Client, Error, ListQuery};

const TYPE_NAME: &str = "visionone_custom_role";
/// Attributes the configuration manages (a change to any of them is a PATCH).
const MANAGED: &[&str] = &[
    "name",
    "description",
    "permission_keys",
    "allow_api_key_assignment",
    "allow_user_account_assignment",
];
const FLAGS: &[&str] = &["allow_api_key_assignment", "allow_user_account_assignment"];
/// The longest name the API accepts.
const MAX_NAME_CHARS: usize = 128;

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

/// A set attribute's known strings, sorted; `None` when it (or an element) is unknown.
fn known_set(v: &Value) -> Option<BTreeSet<String>> {
    match v {
        Value::Null => Some(BTreeSet::new()),
        Value::Set(items) | Value::List(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

/// Whether attribute `k` differs between two states (permissions compared as sets).
fn field_changed(a: &Value, b: &Value, k: &str) -> bool {
    match k {
        "permission_keys" => match (known_set(a.get(k)), known_set(b.get(k))) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        },
        _ => a.get(k) != b.get(k),
    }
}

/// Whether any managed attribute differs.
fn managed_changed(a: &Value, b: &Value) -> bool {
    MANAGED.iter().any(|k| field_changed(a, b, k))
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

fn api_error(d: &mut Diagnostics, summary: &str, e: &Error) {
    match attribute_of(e) {
        Some(attr) => d.error_at(path(attr), summary, e.to_string()),
        None => d.error(summary, e.to_string()),
    }
}

#[async_trait::async_trait]
impl Resource for CustomRole {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description(
                    "A custom user role: a set of permission keys, and whether API keys and user accounts may be \
                     given it. Predefined roles (Master Administrator, Auditor, ...) cannot be managed; refer to them \
                     with the `visionone_role` data source.",
                )
                .attr(Attribute::string("id").computed().description("The role's id."))
                .attr(Attribute::string("name").required().description(&format!(
                    "The role's name, unique in the tenant (at most {MAX_NAME_CHARS} characters). It may not be the \
                     name of a predefined role. Keys and accounts refer to roles by this name."
                )))
                .attr(Attribute::string("description").optional().description(
                    "What the role is for. Removing it clears the description on the server.",
                ))
                .attr(Attribute::string_set("permission_keys").optional().computed().description(
                    "Permission keys from the catalogue (see the `visionone_permission_keys` data source). Omitted \
                     means no permissions, the same as `[]`. Unknown keys are reported at plan time with the \
                     closest valid ones.",
                ))
                .attr(Attribute::bool("allow_api_key_assignment").optional().computed().description(
                    "Whether API keys may be given this role. Defaults to `false`.",
                ))
                .attr(Attribute::bool("allow_user_account_assignment").optional().computed().description(
                    "Whether user accounts may be given this role. Defaults to `false`.",
                ))
                .attr(Attribute::string("type").computed().description("`custom` for roles this resource manages."))
                .attr(
                    Attribute::string("last_updated_at")
                        .computed()
                        .description("When the role last changed on the server (ISO 8601, UTC)."),
                ),
        )
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(name) = config.get("name").as_str() {
            check_name(name, &mut d);
        }
        for k in config.get("permission_keys").string_items() {
            if k.trim().is_empty() {
                d.error_at(
                    path("permission_keys"),
                    "Empty permission key",
                    "Permission keys cannot be empty strings.",
                );
            }
        }
        d
    }

    async fn plan(&self, call: &Call, req: PlanRequest) -> PlanResponse {
        let mut diagnostics = Diagnostics::new();
        if req.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                requires_replace: vec![],
                planned_private: req.prior_private,
                diagnostics,
            };
        }
        let planned = planned_state(&req.prior_state, &req.proposed_new_state, &req.config);
        // Keys and accounts planned after this role (they depend on it) may name it before it exists.
        if let Some(name) = planned.get("name").as_str() {
            if req.prior_state.get("name").as_str() != Some(name) {
                crate::resources::plan::note_planned_role(
                    name,
                    crate::resources::plan::PlannedRole {
                        allow_api_key_assignment: planned.get("allow_api_key_assignment").as_bool(),
                        allow_user_account_assignment: planned.get("allow_user_account_assignment").as_bool(),
                    },
                );
            }
        }
        if let Some(client) = call.client_opt() {
            diagnostics.extend(plan_checks(client, &req.prior_state, &planned, &call.ctx.cancel).await);
        }
        PlanResponse {
            planned_state: planned,
            requires_replace: vec![],
            planned_private: req.prior_private,
            diagnostics,
        }
    }

    async fn apply(&self, call: &Call, req: ApplyRequest) -> ApplyResponse {
        let client = match call.client() {
            Ok(c) => c,
            Err(diagnostics) => return ApplyResponse::unchanged(req.prior_state, diagnostics),
        };
        let cancel = &call.ctx.cancel;
        let (new_state, diagnostics) = if req.planned_state.is_null() {
            delete(client, &req.prior_state, cancel).await
        } else if req.prior_state.is_null() {
            create(client, &req.planned_state, cancel).await
        } else {
            update(client, &req.prior_state, &req.planned_state, cancel).await
        };
        ApplyResponse {
            new_state,
            private: req.planned_private,
            diagnostics,
        }
    }

    async fn read(&self, call: &Call, req: ReadRequest) -> ReadResponse {
        let mut diagnostics = Diagnostics::new();
        let current = req.current_state;
        let Some(id) = current.get("id").as_str().map(str::to_string) else {
            return ReadResponse {
                new_state: current,
                private: req.private,
                diagnostics,
            };
        };
        let client = match call.client() {
            Ok(c) => c,
            Err(d) => {
                return ReadResponse {
                    new_state: current,
                    private: req.private,
                    diagnostics: d,
                }
            }
        };
        let new_state = match Observed::fetch_shared(client, &id, &call.ctx.cancel).await {
            Ok(Some(obs)) => obs.resource_state(&current),
            Ok(None) => {
                tfplugin::log::info(
                    "custom role is gone from the server; it will be planned for creation",
                    &[("id", &id)],
                );
                Value::Null
            }
            Err(e) => {
                diagnostics.error("Could not read the custom role", e.to_string());
                current
            }
        };
        ReadResponse {
            new_state,
            private: req.private,
            diagnostics,
        }
    }

    async fn import(&self, call: &Call, id: &str) -> ImportResponse {
        let mut diagnostics = Diagnostics::new();
        let client = match call.client() {
            Ok(c) => c,
            Err(d) => {
                return ImportResponse {
                    imported: vec![],
                    diagnostics: d,
                }
            }
        };
        match find_for_import(client, id, &call.ctx.cancel).await {
            Ok(Some(obs)) if obs.is_predefined() => diagnostics.error(
                "Predefined roles cannot be imported",
                format!(
                    "{:?} is a predefined role: it cannot be edited or deleted, so it cannot be managed. Refer to it \
                     with the visionone_role data source instead.",
                    obs.role.name
                ),
            ),
            Ok(Some(obs)) => {
                return ImportResponse {
                    imported: vec![ImportedResource {
                        type_name: TYPE_NAME.to_string(),
                        state: obs.resource_state(&Value::Null),
                        private: vec![],
                    }],
                    diagnostics,
                }
            }
            Ok(None) => diagnostics.error(
                "Custom role not found",
                format!("No role has the id or the name {id:?}. Import takes a role id or its exact name."),
            ),
            Err(e) => diagnostics.error("Could not look up the custom role", e.to_string()),
        }
        ImportResponse {
            imported: vec![],
            diagnostics,
        }
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

/// The planned state: config values, defaults for omitted optional+computed attributes, and
/// computed attributes unknown on create (and `last_updated_at` unknown when anything changes).
fn planned_state(prior: &Value, proposed: &Value, config: &Value) -> Value {
    let mut planned = proposed.clone();
    if config.get("permission_keys").is_null() {
        planned.set("permission_keys", Value::string_set(Vec::<String>::new()));
    }
    for f in FLAGS {
        if config.get(f).is_null() {
            planned.set(f, Value::Bool(false));
        }
    }
    if prior.is_null() {
        for a in ["id", "type", "last_updated_at"] {
            planned.set(a, Value::Unknown);
        }
        return planned;
    }
    plan::keep_prior(&mut planned, prior, &["id", "type", "last_updated_at"]);
    if managed_changed(prior, &planned) {
        planned.set("last_updated_at", Value::Unknown);
    }
    planned
}

/// Checks that need the API: permission keys against the catalogue, and (on create or rename)
/// a name another role already holds.
async fn plan_checks(client: &Client, prior: &Value, planned: &Value, cancel: &CancellationToken) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(keys) = known_set(planned.get("permission_keys")).filter(|k| !k.is_empty()) {
        match catalogue::permission_catalogue(client, cancel).await {
            Ok(cat) => {
                let unknown: Vec<String> = keys.into_iter().filter(|k| !cat.iter().any(|p| p.key == *k)).collect();
                if !unknown.is_empty() {
                    d.error_at(
                        path("permission_keys"),
                        if unknown.len() == 1 { "Unknown permission key" } else { "Unknown permission keys" },
                        format!(
                            "These keys are not in Vision One's permission catalogue:\n{}\nThe visionone_permission_keys \
                             data source lists every valid key.",
                            catalogue::describe_unknown(&unknown, &cat)
                        ),
                    );
                }
            }
            Err(e) => d.warning_at(
                path("permission_keys"),
                "Permission keys not checked",
                format!("The permission catalogue could not be read, so the keys are checked at apply: {e}"),
            ),
        }
    }
    let name = planned.get("name").as_str();
    let renamed = prior.is_null() || prior.get("name").as_str() != name;
    if let (Some(name), true) = (name, renamed) {
        if predefined_name(name).is_none() && !name.trim().is_empty() {
            match client.find_role_by_name(name, cancel).await {
                Ok(Some(other)) if prior.get("id").as_str() != Some(other.id.as_str()) => d.error_at(
                    path("name"),
                    "Role name already taken",
                    format!(
                        "A role named {name:?} already exists (id {}). Choose another name, or bring it under \
                         Terraform with `terraform import <address> {}`.",
                        other.id, other.id
                    ),
                ),
                Ok(_) => {}
                Err(e) => tfplugin::log::debug("role name check skipped", &[("error", &e)]),
            }
        }
    }
    d
}

/// What to send on create, from the planned state.
fn create_body(planned: &Value) -> RoleCreate {
    RoleCreate {
        name: planned.get("name").as_str().unwrap_or_default().to_string(),
        description: planned.get("description").as_str().unwrap_or_default().to_string(),
        permission_keys: planned.get("permission_keys").string_items(),
        allow_api_key_assignment: planned.get("allow_api_key_assignment").as_bool().unwrap_or(false),
        allow_user_account_assignment: planned.get("allow_user_account_assignment").as_bool().unwrap_or(false),
    }
}

/// Only the fields that change; a removed description is sent as "" to clear it.
fn update_body(prior: &Value, planned: &Value) -> RoleUpdate {
    let differs = |k: &str| prior.get(k) != planned.get(k);
    let mut u = RoleUpdate::default();
    if differs("name") {
        u.name = planned.get("name").as_str().map(str::to_string);
    }
    if differs("description") {
        u.description = Some(planned.get("description").as_str().unwrap_or_default().to_string());
    }
    if field_changed(prior, planned, "permission_keys") {
        u.permission_keys = Some(planned.get("permission_keys").string_items());
    }
    if differs("allow_api_key_assignment") {
        u.allow_api_key_assignment = planned.get("allow_api_key_assignment").as_bool();
    }
    if differs("allow_user_account_assignment") {
        u.allow_user_account_assignment = planned.get("allow_user_account_assignment").as_bool();
    }
    u
}

/// The new state after a successful write: the planned values, with the computed ones read back.
fn settled(planned: &Value, obs: &Observed) -> Value {
    let mut state = planned.clone();
    let read = obs.resource_state(planned);
    for a in ["id", "type", "last_updated_at"] {
        state.set(a, read.get(a).clone());
    }
    state
}

async fn create(client: &Client, planned: &Value, cancel: &CancellationToken) -> (Value, Diagnostics) {
    let mut d = Diagnostics::new();
    if cancel.is_cancelled() {
        d.error(
            "Cancelled",
            "The custom role was not created: Terraform was interrupted before the request.",
        );
        return (Value::Null, d);
    }
    // Once the create is under way it is not cancelled: a role created but unrecorded would be orphaned.
    let uncancelled = CancellationToken::new();
    let id = match client.create_role(&create_body(planned), &uncancelled).await {
        Ok(id) => id,
        Err(e) => {
            api_error(&mut d, "Could not create the custom role", &e);
            return (Value::Null, d);
        }
    };
    match Observed::fetch(client, &id, &uncancelled).await {
        Ok(Some(obs)) => (settled(planned, &obs), d),
        outcome => {
            // Keep the id in state (tainted by the error) so nothing is orphaned.
            let mut state = planned.clone();
            state.set("id", Value::from(id.as_str()));
            state.set("type", Value::from("custom"));
            state.set("last_updated_at", Value::Null);
            let why = match outcome {
                Err(e) => e.to_string(),
                _ => "the role was not found right after it was created".to_string(),
            };
            d.error(
                "Custom role created but not read back",
                format!("Role {id} was created, but {why}."),
            );
            (state, d)
        }
    }
}

async fn update(client: &Client, prior: &Value, planned: &Value, cancel: &CancellationToken) -> (Value, Diagnostics) {
    let mut d = Diagnostics::new();
    let id = prior.get("id").as_str().unwrap_or_default().to_string();
    let body = update_body(prior, planned);
    let fresh = match Observed::fetch(client, &id, cancel).await {
        Ok(Some(obs)) => obs,
        Ok(None) => {
            d.error(
                "Custom role deleted outside Terraform",
                format!("Role {id} no longer exists. Run terraform apply again: the refresh will plan to create it."),
            );
            return (prior.clone(), d);
        }
        Err(e) => {
            d.error("Could not read the custom role before updating it", e.to_string());
            return (prior.clone(), d);
        }
    };
    let mut etag = fresh.etag;
    for attempt in 0..2 {
        match client.update_role(&id, &body, etag.as_ref(), cancel).await {
            Ok(()) => break,
            Err(e) if e.is_precondition_failed() && attempt == 0 => {
                // Someone else wrote since our GET: retry once if what they wrote is not ours to judge.
                match Observed::fetch(client, &id, cancel).await {
                    Ok(Some(now)) => {
                        let changed = changed_fields(prior, &now.resource_state(prior));
                        if !changed.is_empty() {
                            d.error(
                                "Custom role changed outside Terraform",
                                format!(
                                    "Role {id} was modified by someone else while Terraform was updating it ({} \
                                     changed), so the update was not applied. Run terraform plan to review the \
                                     change, then apply again.",
                                    changed.join(", ")
                                ),
                            );
                            return (prior.clone(), d);
                        }
                        etag = now.etag;
                    }
                    Ok(None) => {
                        d.error(
                            "Custom role deleted outside Terraform",
                            format!("Role {id} was deleted during the update."),
                        );
                        return (prior.clone(), d);
                    }
                    Err(e) => {
                        d.error(
                            "Could not re-read the custom role after a conflicting write",
                            e.to_string(),
                        );
                        return (prior.clone(), d);
                    }
                }
            }
            Err(e) => {
                api_error(&mut d, "Could not update the custom role", &e);
                return (prior.clone(), d);
            }
        }
    }
    match Observed::fetch(client, &id, cancel).await {
        Ok(Some(obs)) => (settled(planned, &obs), d),
        other => {
            let why = other
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "it was not found".to_string());
            d.error(
                "Custom role updated but not read back",
                format!("Role {id} was updated, but {why}."),
            );
            let mut state = planned.clone();
            state.set("last_updated_at", prior.get("last_updated_at").clone());
            (state, d)
        }
    }
}

/// The managed attributes whose values differ between two states.
fn changed_fields(a: &Value, b: &Value) -> Vec<&'static str> {
    MANAGED.iter().copied().filter(|k| field_changed(a, b, k)).collect()
}

async fn delete(client: &Client, prior: &Value, cancel: &CancellationToken) -> (Value, Diagnostics) {
    let mut d = Diagnostics::new();
    let id = prior.get("id").as_str().unwrap_or_default();
    let name = prior.get("name").as_str().unwrap_or_default();
    match client.delete_role(id, cancel).await {
        Ok(()) => (Value::Null, d),
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
            d.error_at(path("name"), "Custom role still in use", detail);
            (prior.clone(), d)
        }
        Err(e) => {
            d.error("Could not delete the custom role", e.to_string());
            (prior.clone(), d)
        }
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
