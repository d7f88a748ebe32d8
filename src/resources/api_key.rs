//! `visionone_api_key`: a key whose secret is kept in state from creation on, whose expiry is a
//! forced replacement, and which the plan rotates once it enters its renewal window (as the tls
//! provider renews certificates).

mod calls;
mod expiration;
mod naming;
mod role_check;
mod rotation;

use crate::provider::Call;
use crate::resources::plan;
use crate::resources::Resource;
use rotation::Policy;
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostics, ImportResponse, ImportedResource,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema, Value,
};
use visionone_client::api::{ApiKey, ApiKeyCreate, ApiKeyUpdate, Status, MASTER_ADMINISTRATOR};
use visionone_client::{CancellationToken, Client, Error};

pub const TYPE_NAME: &str = "visionone_api_key";

/// Longest key name the API accepts.
const MAX_NAME: usize = 255;

/// Attributes only the provider sets; unknown on create and on replacement.
const COMPUTED: &[&str] = &[
    "id",
    "secret",
    "expires_at",
    "created_at",
    "last_used_at",
    "ready_for_rotation",
];

/// Every attribute, to build complete objects (import).
const ALL: &[&str] = &[
    "id",
    "name",
    "name_prefix",
    "description",
    "role",
    "enabled",
    "expiration",
    "rotate_before_days",
    "max_age_days",
    "rotation_triggers",
    "secret",
    "expires_at",
    "created_at",
    "last_used_at",
    "ready_for_rotation",
];

pub struct ApiKeyResource;

#[async_trait::async_trait]
impl Resource for ApiKeyResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate(config)
    }

    async fn plan(&self, call: &Call, req: PlanRequest) -> PlanResponse {
        plan_change(call, req).await
    }

    async fn apply(&self, call: &Call, req: ApplyRequest) -> ApplyResponse {
        let client = match call.client() {
            Ok(c) => c,
            Err(diagnostics) => return ApplyResponse::unchanged(req.prior_state, diagnostics),
        };
        let cancel = &call.ctx.cancel;
        if req.planned_state.is_null() {
            return delete(client, req.prior_state, cancel).await;
        }
        if req.prior_state.is_null() {
            return create(client, req.planned_state, cancel).await;
        }
        update(client, req.prior_state, req.planned_state, cancel).await
    }

    async fn read(&self, call: &Call, req: ReadRequest) -> ReadResponse {
        let current = req.current_state;
        let private = req.private;
        let client = match call.client() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ReadResponse {
                    new_state: current,
                    private,
                    diagnostics,
                }
            }
        };
        let Some(id) = current.get("id").as_str().map(str::to_string) else {
            return ReadResponse {
                new_state: current,
                private,
                diagnostics: Diagnostics::new(),
            };
        };
        let mut diagnostics = Diagnostics::new();
        let new_state = match calls::read_shared(client, &id, &call.ctx.cancel).await {
            Ok(None) => {
                tfplugin::log::info("API key is gone from the server; it leaves state", &[("id", &id)]);
                Value::Null
            }
            Ok(Some(key)) => refreshed(current, &key, now(client)),
            Err(e) => {
                diagnostics.error(format!("Could not read API key {id}"), e.to_string());
                current
            }
        };
        ReadResponse {
            new_state,
            private,
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
        let key = match calls::read_one(client, id, &call.ctx.cancel).await {
            Ok(Some((key, _))) => key,
            Ok(None) => {
                diagnostics.error(
                    "API key not found",
                    format!("No API key with id {id:?} exists in this tenant. Import takes the key's id (see the visionone_api_keys data source)."),
                );
                return ImportResponse {
                    imported: vec![],
                    diagnostics,
                };
            }
            Err(e) => {
                diagnostics.error(format!("Could not read API key {id}"), e.to_string());
                return ImportResponse {
                    imported: vec![],
                    diagnostics,
                };
            }
        };
        let empty = Value::object(ALL.iter().map(|a| (*a, Value::Null)));
        let state = refreshed(empty, &key, now(client));
        diagnostics.warning(
            "Imported API key has no secret",
            "Vision One shows a key's secret only once, when it is created, so `secret` stays null in state. \
             To get a usable secret managed by Terraform, replace the key: \
             `terraform apply -replace=visionone_api_key.<name>`.",
        );
        ImportResponse {
            imported: vec![ImportedResource {
                type_name: TYPE_NAME.to_string(),
                state,
                private: vec![],
            }],
            diagnostics,
        }
    }
}

fn schema() -> Schema {
    let block = Block::new()
        .description(
            "An API key of the Vision One tenant. The secret is returned once, at creation, and kept in state \
             (sensitive). The key is replaced when its expiration changes, when `rotation_triggers` change, and \
             when it enters its rotation window (`rotate_before_days` before expiry, or `max_age_days` after \
             creation).",
        )
        .attr(Attribute::string("id").computed().description("The key's id."))
        .attr(Attribute::string("name").optional().computed().description(
            "The key's name, unique in the tenant. Exactly one of `name` and `name_prefix` must be set. \
             Changing it renames the key in place.",
        ))
        .attr(Attribute::string("name_prefix").optional().description(
            "Creates a unique name beginning with this prefix (a timestamp and random hex are appended), so \
             that `create_before_destroy` can hold the old and the new key at once. Changing it forces \
             replacement.",
        ))
        .attr(
            Attribute::string("description")
                .optional()
                .description("Free text shown in the console."),
        )
        .attr(Attribute::string("role").required().description(
            "The name of the role the key acts with: a predefined role (not `Master Administrator`) or a custom \
             role that allows API keys.",
        ))
        .attr(
            Attribute::bool("enabled")
                .optional()
                .computed()
                .description("Whether the key may authenticate. Defaults to `true`."),
        )
        .attr(Attribute::string("expiration").optional().computed().description(
            "How long the key lives: `1_month`, `3_months`, `6_months`, `12_months` or `never` (default), or the \
             console's names `90_days`, `180_days`, `1_year`, `no_expiration`. The API cannot change a key's \
             expiry, so a change to another duration forces replacement; switching to an alias of the same \
             duration changes nothing.",
        ))
        .attr(Attribute::number("rotate_before_days").optional().description(
            "Rotate the key this many days before it expires: from then on the plan replaces it. Changing this \
             value never replaces the key by itself.",
        ))
        .attr(Attribute::number("max_age_days").optional().description(
            "Rotate the key once it is this many days old, also for keys that never expire (whichever of this \
             and `rotate_before_days` comes first).",
        ))
        .attr(
            Attribute::string_map("rotation_triggers")
                .optional()
                .description("Arbitrary values; any change forces replacement of the key (like `keepers`)."),
        )
        .attr(
            Attribute::string("secret")
                .computed()
                .sensitive()
                .description("The key's secret, set at creation and kept in state; null for an imported key."),
        )
        .attr(
            Attribute::string("expires_at")
                .computed()
                .description("When the key expires (ISO 8601, UTC); null when it never does."),
        )
        .attr(
            Attribute::string("created_at")
                .computed()
                .description("When the key was created (ISO 8601, UTC)."),
        )
        .attr(
            Attribute::string("last_used_at")
                .computed()
                .description("When the key last authenticated; null until its first use."),
        )
        .attr(Attribute::bool("ready_for_rotation").computed().description(
            "True once the key is inside its rotation window or expired, by the API server's clock. The plan \
             then replaces the key.",
        ));
    Schema::new(0, block)
}

/// Checks that need no API call. Unknown values are skipped.
fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let name = config.get("name");
    let prefix = config.get("name_prefix");
    match (name, prefix) {
        (n, p) if !n.is_null() && !p.is_null() => d.error_at(
            AttributePath::root("name_prefix"),
            "Conflicting arguments: name and name_prefix",
            "Set either `name` (a fixed name) or `name_prefix` (a generated unique name), not both.",
        ),
        (Value::Null, Value::Null) => d.error_at(
            AttributePath::root("name"),
            "Missing name",
            "Set exactly one of `name` (a fixed name) or `name_prefix` (a generated unique name).",
        ),
        _ => {}
    }
    if let Some(n) = name.as_str() {
        check_name(&mut d, "name", n, MAX_NAME);
    }
    if let Some(p) = prefix.as_str() {
        check_name(&mut d, "name_prefix", p, MAX_NAME - naming::SUFFIX_LEN);
    }
    if config.get("role").as_str() == Some(MASTER_ADMINISTRATOR) {
        role_check::master_administrator(&mut d);
    }
    if let Some(role) = config.get("role").as_str() {
        if role.trim().is_empty() {
            d.error_at(AttributePath::root("role"), "Empty role", "`role` must name a role.");
        }
    }
    if let Some(e) = config.get("expiration").as_str() {
        if expiration::months(e).is_none() {
            d.error_at(
                AttributePath::root("expiration"),
                "Invalid expiration",
                format!(
                    "{e:?} is not a valid expiration. Valid values: {}.",
                    expiration::valid_list()
                ),
            );
        }
    }
    check_days(&mut d, config, "rotate_before_days", 0);
    check_days(&mut d, config, "max_age_days", 1);
    if let (Some(before), Some(months)) = (
        config.get("rotate_before_days").as_i64(),
        config.get("expiration").as_str().and_then(expiration::months),
    ) {
        if months > 0 && before >= i64::from(months) * 30 {
            d.warning_at(
                AttributePath::root("rotate_before_days"),
                "Key would rotate on every apply",
                format!(
                    "rotate_before_days = {before} is not shorter than the key's lifetime ({months} months), so every \
                     new key is already due for rotation."
                ),
            );
        }
    }
    d
}

fn check_name(d: &mut Diagnostics, attr: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        d.error_at(
            AttributePath::root(attr),
            format!("Empty {attr}"),
            format!("`{attr}` must not be empty."),
        );
    } else if value.chars().count() > max {
        d.error_at(
            AttributePath::root(attr),
            format!("{attr} too long"),
            format!("`{attr}` may hold at most {max} characters."),
        );
    } else if value.chars().any(char::is_control) {
        d.error_at(
            AttributePath::root(attr),
            format!("Invalid {attr}"),
            format!("`{attr}` must not contain control characters."),
        );
    }
}

/// A whole number of days, at least `min`.
fn check_days(d: &mut Diagnostics, config: &Value, attr: &str, min: i64) {
    let v = config.get(attr);
    if v.is_null() || v.is_unknown() {
        return;
    }
    let ok = v.as_f64().is_some_and(|f| f.fract() == 0.0) && v.as_i64().is_some_and(|n| n >= min);
    if !ok {
        d.error_at(
            AttributePath::root(attr),
            format!("Invalid {attr}"),
            format!("`{attr}` must be a whole number of days, at least {min}."),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

async fn plan_change(call: &Call, req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        prior_private,
        ..
    } = req;
    let mut diagnostics = Diagnostics::new();
    if proposed.is_null() {
        return PlanResponse {
            planned_state: proposed,
            requires_replace: vec![],
            planned_private: prior_private,
            diagnostics,
        };
    }
    let mut planned = proposed;
    // Optional+computed: null in config means the default, whatever the prior state holds, so
    // that a key disabled outside Terraform is enabled again.
    if config.get("enabled").is_null() {
        planned.set("enabled", Value::Bool(true));
    }
    if config.get("expiration").is_null() {
        planned.set("expiration", expiration::DEFAULT.into());
    }
    if let (Some(role), Some(client)) = (config.get("role").as_str(), call.client_opt()) {
        diagnostics.extend(role_check::check(client, role, &call.ctx.cancel).await);
    }

    if prior.is_null() {
        plan::unknown_if_null(&mut planned, COMPUTED);
        if config.get("name").is_null() {
            planned.set("name", Value::Unknown);
        }
        return PlanResponse {
            planned_state: planned,
            requires_replace: vec![],
            planned_private: prior_private,
            diagnostics,
        };
    }

    let mut replace = Vec::new();
    let mut replacing = false;
    for attr in ["name_prefix", "rotation_triggers"] {
        replace.push(AttributePath::root(attr));
        replacing |= prior.get(attr) != planned.get(attr);
    }
    let months_now = planned.get("expiration").as_str().and_then(expiration::months);
    let months_before = prior.get("expiration").as_str().and_then(expiration::months);
    if planned.get("expiration").is_unknown() || (months_before.is_some() && months_now != months_before) {
        replace.push(AttributePath::root("expiration"));
        replacing = true;
    }
    if rotation_due(call, &prior, &planned).await {
        tfplugin::log::info(
            "API key is due for rotation; planning its replacement",
            &[("id", &prior.get("id").as_str().unwrap_or(""))],
        );
        planned.set("ready_for_rotation", Value::Unknown);
        replace.push(AttributePath::root("ready_for_rotation"));
        replacing = true;
    }
    if replacing {
        for attr in COMPUTED {
            planned.set(attr, Value::Unknown);
        }
        if config.get("name").is_null() {
            planned.set("name", Value::Unknown);
        }
    }
    PlanResponse {
        planned_state: planned,
        requires_replace: replace,
        planned_private: prior_private,
        diagnostics,
    }
}

/// Due by the prior state's flag (set by the latest read), or by the policy the plan asks for,
/// judged now by the server's clock.
async fn rotation_due(call: &Call, prior: &Value, planned: &Value) -> bool {
    if prior.get("ready_for_rotation").as_bool() == Some(true) {
        return true;
    }
    let Some(client) = call.client_opt() else {
        return false;
    };
    if client.server_time_offset().is_none() {
        // No answer has told us the server's time yet (plan with -refresh=false): ask once.
        let _ = client.health(&call.ctx.cancel).await;
    }
    policy(prior, planned).due(now(client))
}

/// Timestamps from `state`, rotation settings from `settings`.
fn policy(state: &Value, settings: &Value) -> Policy {
    let ts = |a: &str| state.get(a).as_str().and_then(rotation::parse_ts);
    Policy {
        expires_at: ts("expires_at"),
        created_at: ts("created_at"),
        rotate_before_days: settings.get("rotate_before_days").as_i64(),
        max_age_days: settings.get("max_age_days").as_i64(),
    }
}

fn now(client: &Client) -> i64 {
    rotation::unix(client.server_now())
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

async fn create(client: &Client, planned: Value, cancel: &CancellationToken) -> ApplyResponse {
    let mut d = Diagnostics::new();
    if cancel.is_cancelled() {
        d.error(
            "Cancelled",
            "Terraform was interrupted before the API key was created; nothing was created.",
        );
        return ApplyResponse::no_object(d);
    }
    let name = match (planned.get("name").as_str(), planned.get("name_prefix").as_str()) {
        (Some(n), _) => n.to_string(),
        (None, Some(p)) => naming::unique(p, client.server_now()),
        (None, None) => {
            d.error_at(
                AttributePath::root("name"),
                "Missing name",
                "Set `name` or `name_prefix`.",
            );
            return ApplyResponse::no_object(d);
        }
    };
    let Some(role) = planned.get("role").as_str().map(str::to_string) else {
        d.error_at(
            AttributePath::root("role"),
            "Missing role",
            "`role` must be known to create the key.",
        );
        return ApplyResponse::no_object(d);
    };
    let exp = planned
        .get("expiration")
        .as_str()
        .unwrap_or(expiration::DEFAULT)
        .to_string();
    let item = ApiKeyCreate {
        name: name.clone(),
        role,
        description: planned
            .get("description")
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        status: (planned.get("enabled").as_bool() == Some(false)).then_some(Status::Disabled),
        months_to_expiration: Some(expiration::months(&exp).unwrap_or(0)),
    };
    let created = match calls::create_one(client, &item).await {
        Ok(c) => c,
        Err(e) => {
            d.error_at(
                AttributePath::root("name"),
                format!("Could not create API key {name:?}"),
                create_error(&e),
            );
            return ApplyResponse::no_object(d);
        }
    };
    tfplugin::log::info("created API key", &[("id", &created.id), ("name", &name)]);
    let mut state = planned;
    state.set("id", created.id.clone().into());
    state.set("secret", created.value.into());
    state.set("name", name.into());
    state.set("expires_at", Value::opt_string(created.expired_date_time));
    // The 201 answer is authoritative for id, secret and expiry; a new key has never been used,
    // and it was created at the API server's "now" (its Date header). Reading it back would cost
    // one call per key, which batching exists to avoid.
    state.set(
        "created_at",
        Value::string(rotation::format_ts(rotation::unix(client.server_now()))),
    );
    state.set("last_used_at", Value::Null);
    for attr in ["created_at", "last_used_at", "expires_at"] {
        if state.get(attr).is_unknown() {
            state.set(attr, Value::Null);
        }
    }
    let due = policy(&state, &state).due(now(client));
    state.set("ready_for_rotation", Value::Bool(due));
    ApplyResponse {
        new_state: state,
        private: vec![],
        diagnostics: d,
    }
}

fn create_error(e: &Error) -> String {
    let mut msg = e.to_string();
    if e.status() == Some(409) {
        msg.push_str(". Another key already has this name: choose another `name`, use `name_prefix`, or import it.");
    }
    msg
}

/// In-place changes: name, role, status, description. Everything else the plan either replaces
/// or only records in state (an expiration alias, the rotation settings).
async fn update(client: &Client, prior: Value, planned: Value, cancel: &CancellationToken) -> ApplyResponse {
    let mut d = Diagnostics::new();
    let Some(id) = prior.get("id").as_str().map(str::to_string) else {
        d.error(
            "API key has no id in state",
            "Remove it from state and import it again.",
        );
        return ApplyResponse {
            new_state: prior,
            private: vec![],
            diagnostics: d,
        };
    };
    if !plan::changed(&prior, &planned, &["name", "role", "enabled", "description"]) {
        return ApplyResponse {
            new_state: planned,
            private: vec![],
            diagnostics: d,
        };
    }
    let mut attempt = 0;
    loop {
        let (current, etag) = match calls::read_one(client, &id, cancel).await {
            Ok(Some(found)) => found,
            Ok(None) => {
                d.error(
                    format!("API key {id} no longer exists"),
                    "It was deleted outside Terraform. Run `terraform apply` again: the refresh drops it from \
                     state and the plan creates it anew.",
                );
                return ApplyResponse {
                    new_state: prior,
                    private: vec![],
                    diagnostics: d,
                };
            }
            Err(e) => {
                d.error(format!("Could not read API key {id}"), e.to_string());
                return ApplyResponse {
                    new_state: prior,
                    private: vec![],
                    diagnostics: d,
                };
            }
        };
        let change = update_for(&current, &planned);
        if change == ApiKeyUpdate::default() {
            break;
        }
        match calls::update_one(client, &id, &change, etag.as_ref(), cancel).await {
            Ok(()) => break,
            Err(e) if e.is_precondition_failed() && attempt == 0 => {
                // Someone changed the key between our read and our write: read again, once.
                attempt += 1;
            }
            Err(e) => {
                let (summary, detail) = update_error(&id, &e);
                d.error(summary, detail);
                return ApplyResponse {
                    new_state: prior,
                    private: vec![],
                    diagnostics: d,
                };
            }
        }
    }
    ApplyResponse {
        new_state: planned,
        private: vec![],
        diagnostics: d,
    }
}

/// The fields where the server differs from the plan.
fn update_for(current: &ApiKey, planned: &Value) -> ApiKeyUpdate {
    let mut u = ApiKeyUpdate::default();
    if let Some(n) = planned.get("name").as_str().filter(|n| *n != current.name) {
        u.name = Some(n.to_string());
    }
    if let Some(r) = planned.get("role").as_str().filter(|r| *r != current.role) {
        u.role = Some(r.to_string());
    }
    let want = if planned.get("enabled").as_bool() == Some(false) {
        Status::Disabled
    } else {
        Status::Enabled
    };
    if want != current.status {
        u.status = Some(want);
    }
    let want_desc = planned.get("description").as_str().unwrap_or("");
    if want_desc != current.description.as_deref().unwrap_or("") {
        u.description = Some(want_desc.to_string());
    }
    u
}

/// Keys migrated from the legacy console refuse edits; say so plainly.
fn update_error(id: &str, e: &Error) -> (String, String) {
    let legacy = matches!(e.status(), Some(400) | Some(403)) && {
        let text = e.to_string().to_lowercase();
        e.code() == Some("InvalidOperation")
            || text.contains("cannot be edited")
            || text.contains("migrated")
            || text.contains("legacy")
    };
    if legacy {
        (
            format!("API key {id} cannot be edited"),
            format!(
                "Vision One refused the change: keys migrated from the legacy User Accounts console cannot be edited \
                 through the API. Replace the key with `terraform apply -replace=...` (a new key gets a new secret), \
                 or revert the change in the configuration. ({e})"
            ),
        )
    } else {
        (format!("Could not update API key {id}"), e.to_string())
    }
}

async fn delete(client: &Client, prior: Value, cancel: &CancellationToken) -> ApplyResponse {
    let mut d = Diagnostics::new();
    let Some(id) = prior.get("id").as_str().map(str::to_string) else {
        return ApplyResponse::no_object(d);
    };
    match calls::delete_one(client, &id, cancel).await {
        Ok(()) => {
            tfplugin::log::info("deleted API key", &[("id", &id)]);
            ApplyResponse::no_object(d)
        }
        Err(e) => {
            d.error(format!("Could not delete API key {id}"), e.to_string());
            ApplyResponse {
                new_state: prior,
                private: vec![],
                diagnostics: d,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

/// `state` updated from the server's view of the key; the secret and the settings only
/// Terraform knows (prefix, rotation settings, the spelling of `expiration`) are kept.
fn refreshed(mut state: Value, key: &ApiKey, now: i64) -> Value {
    state.set("id", key.id.clone().into());
    state.set("name", key.name.clone().into());
    state.set("role", key.role.clone().into());
    state.set("enabled", Value::Bool(key.status == Status::Enabled));
    let desc = key.description.clone().filter(|s| !s.is_empty());
    let keep_empty = state.get("description").as_str() == Some("");
    state.set(
        "description",
        match desc {
            Some(s) => s.into(),
            None if keep_empty => "".into(),
            None => Value::Null,
        },
    );
    state.set("expires_at", Value::opt_string(key.expired_date_time.clone()));
    state.set("created_at", Value::opt_string(key.created_date_time.clone()));
    state.set("last_used_at", Value::opt_string(key.last_used_date_time.clone()));
    if state.get("expiration").as_str().and_then(expiration::months).is_none() {
        let ts = |s: &Option<String>| s.as_deref().and_then(rotation::parse_ts);
        let lifetime = match (ts(&key.expired_date_time), ts(&key.created_date_time)) {
            (Some(e), Some(c)) => Some((e - c) / 86_400),
            (Some(_), None) => Some(365),
            _ => None,
        };
        state.set("expiration", expiration::infer(lifetime).into());
    }
    let due = policy(&state, &state).due(now);
    state.set("ready_for_rotation", Value::Bool(due));
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(ALL.iter().map(|a| (*a, Value::Null)));
        for (k, val) in pairs {
            v.set(k, val.clone());
        }
        v
    }

    fn errors_at(d: &Diagnostics, attr: &str) -> bool {
        d.0.iter().any(|x| {
            x.severity == tfplugin::Severity::Error
                && x.attribute
                    .as_ref()
                    .is_some_and(|p| p.0.first() == Some(&tfplugin::PathStep::Attr(attr.into())))
        })
    }

    #[test]
    fn name_rules() {
        let both = validate(&config(&[
            ("name", "a".into()),
            ("name_prefix", "b".into()),
            ("role", "SIEM".into()),
        ]));
        assert!(errors_at(&both, "name_prefix"));
        let neither = validate(&config(&[("role", "SIEM".into())]));
        assert!(errors_at(&neither, "name"));
        let unknown = validate(&config(&[("name", Value::Unknown), ("role", "SIEM".into())]));
        assert!(!unknown.has_errors());
        assert!(!validate(&config(&[("name", "a".into()), ("role", "SIEM".into())])).has_errors());
    }

    #[test]
    fn bad_values_name_their_attribute() {
        let d = validate(&config(&[
            ("name", "a".into()),
            ("role", MASTER_ADMINISTRATOR.into()),
            ("expiration", "2_years".into()),
        ]));
        assert!(errors_at(&d, "role"));
        assert!(errors_at(&d, "expiration"));
        let d = validate(&config(&[
            ("name", "a".into()),
            ("role", "SIEM".into()),
            ("max_age_days", Value::int(0)),
        ]));
        assert!(errors_at(&d, "max_age_days"));
        let d = validate(&config(&[
            ("name", "a".into()),
            ("role", "SIEM".into()),
            ("rotate_before_days", Value::int(-1)),
        ]));
        assert!(errors_at(&d, "rotate_before_days"));
    }

    #[test]
    fn update_sends_only_differences() {
        let key = ApiKey {
            id: "k".into(),
            name: "a".into(),
            role: "SIEM".into(),
            status: Status::Disabled,
            description: None,
            expired_date_time: None,
            last_used_date_time: None,
            created_date_time: None,
            last_modified_date_time: None,
        };
        let planned = config(&[
            ("name", "a".into()),
            ("role", "Auditor".into()),
            ("enabled", true.into()),
        ]);
        let u = update_for(&key, &planned);
        assert_eq!(u.name, None);
        assert_eq!(u.role.as_deref(), Some("Auditor"));
        assert_eq!(u.status, Some(Status::Enabled));
        assert_eq!(u.description, None);
    }

    #[test]
    fn refresh_keeps_secret_and_infers_expiration() {
        let prior = config(&[("secret", "s".into()), ("name_prefix", "ci-".into())]);
        let key = ApiKey {
            id: "k".into(),
            name: "ci-x".into(),
            role: "SIEM".into(),
            status: Status::Enabled,
            description: Some(String::new()),
            expired_date_time: Some("2026-04-01T00:00:00Z".into()),
            last_used_date_time: None,
            created_date_time: Some("2026-01-01T00:00:00Z".into()),
            last_modified_date_time: None,
        };
        let s = refreshed(prior, &key, rotation::parse_ts("2026-02-01T00:00:00Z").unwrap());
        assert_eq!(s.get("secret").as_str(), Some("s"));
        assert_eq!(s.get("expiration").as_str(), Some("3_months"));
        assert_eq!(s.get("description"), &Value::Null);
        assert_eq!(s.get("ready_for_rotation").as_bool(), Some(false));
        let late = refreshed(s, &key, rotation::parse_ts("2026-04-02T00:00:00Z").unwrap());
        assert_eq!(late.get("ready_for_rotation").as_bool(), Some(true));
    }
}
