//! `visionone_api_key`: a key whose secret is kept in state from creation on, whose expiry is a
//! forced replacement, and which the plan rotates once it enters its renewal window (as the tls
//! provider renews certificates).

mod calls;
pub(crate) mod expiration;
pub(crate) mod naming;

use crate::provider::Call;
use crate::resources::conflict::{write_fresh, Refused};
use crate::roles::Holder;
use crate::rotation::{self, Policy};
use std::collections::BTreeMap;
use tfplugin::framework::{Attr, Failure, Identity, Imported, Plan, Resource};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Validator};
use visionone_client::api::{ApiKey, ApiKeyCreate, ApiKeyUpdate, Status, MASTER_ADMINISTRATOR};
use visionone_client::{CancellationToken, Client, Error};

pub const TYPE_NAME: &str = "visionone_api_key";

/// Longest key name the API accepts.
const MAX_NAME: usize = 255;

tfplugin::model! {
    /// The state of a `visionone_api_key`.
    pub struct ApiKeyState {
        pub id: String,
        pub name: String,
        pub name_prefix: String,
        pub description: String,
        pub role: String,
        pub enabled: bool,
        pub expiration: String,
        pub rotate_before_days: i64,
        pub max_age_days: i64,
        pub rotation_triggers: BTreeMap<String, String>,
        pub secret: String,
        pub expires_at: String,
        pub created_at: String,
        pub last_used_at: String,
        pub ready_for_rotation: bool,
    }
}

pub struct ApiKeyResource;

fn no_control_chars(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

const NO_CONTROL: Validator = Validator::Pattern {
    rule: "not contain control characters",
    check: no_control_chars,
};

/// A computed attribute set by the provider, kept across in-place updates.
fn computed(name: &str) -> Attribute {
    Attribute::string(name).computed().use_state_for_unknown()
}

fn schema() -> Schema {
    let [rotate_before, max_age, triggers, ready] = rotation::attributes();
    let block = Block::new()
        .description(
            "An API key of the Vision One tenant. The secret is returned once, at creation, and kept in state \
             (sensitive). The key is replaced when its expiration changes, when `rotation_triggers` change, and \
             when it enters its rotation window (`rotate_before_days` before expiry, or `max_age_days` after \
             creation).",
        )
        .attr(computed("id").description("The key's id."))
        .attr(
            Attribute::string("name")
                .optional()
                .computed()
                .use_state_for_unknown()
                .validate(Validator::Length { max: MAX_NAME })
                .validate(NO_CONTROL)
                .description(
                    "The key's name, unique in the tenant. Exactly one of `name` and `name_prefix` must be set. \
                     Changing it renames the key in place.",
                ),
        )
        .attr(
            Attribute::string("name_prefix")
                .optional_omitted_when_null()
                .requires_replace()
                .validate(Validator::ConflictsWith(vec!["name".into()]))
                .validate(Validator::Length {
                    max: MAX_NAME - naming::SUFFIX_LEN,
                })
                .validate(NO_CONTROL)
                .description(
                    "Creates a unique name beginning with this prefix (a timestamp and random hex are appended), \
                     so that `create_before_destroy` can hold the old and the new key at once.",
                ),
        )
        .attr(
            Attribute::string("description")
                .optional_omitted_when_null()
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
                .default(true)
                .description("Whether the key may authenticate."),
        )
        .attr(
            Attribute::string("expiration")
                .optional()
                .computed()
                .default(expiration::DEFAULT)
                .validate(Validator::OneOf(
                    expiration::VALUES.iter().map(|(v, _)| v.to_string()).collect(),
                ))
                .description(
                    "How long the key lives. `90_days`, `180_days`, `1_year` and `no_expiration` are the console's \
                     names for `3_months`, `6_months`, `12_months` and `never`. The API cannot change a key's \
                     expiry, so a change to another duration forces replacement; switching to an alias of the same \
                     duration changes nothing.",
                ),
        )
        .attr(rotate_before)
        .attr(max_age)
        .attr(triggers)
        .attr(
            computed("secret")
                .sensitive()
                .description("The key's secret, set at creation and kept in state; null for an imported key."),
        )
        .attr(computed("expires_at").description("When the key expires (ISO 8601, UTC); null when it never does."))
        .attr(computed("created_at").description("When the key was created (ISO 8601, UTC)."))
        .attr(computed("last_used_at").description("When the key last authenticated; null until its first use."))
        .attr(ready);
    Schema::new(0, block)
}

type Written = Result<ApiKeyState, Failure<ApiKeyState>>;

#[async_trait::async_trait]
impl Resource<Call> for ApiKeyResource {
    type Model = ApiKeyState;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    /// What the schema's validators cannot say: one of `name`/`name_prefix`, the role's rules,
    /// and a rotation window longer than the key lives.
    fn validate(&self, config: &ApiKeyState, d: &mut Diagnostics) {
        if config.name.is_null() && config.name_prefix.is_null() {
            d.error_at(
                AttributePath::root("name"),
                "Missing name",
                "Set exactly one of `name` (a fixed name) or `name_prefix` (a generated unique name).",
            );
        }
        match config.role.as_deref() {
            Some(MASTER_ADMINISTRATOR) => crate::roles::master_administrator(d),
            Some(role) if role.trim().is_empty() => {
                d.error_at(AttributePath::root("role"), "Empty role", "`role` must name a role.")
            }
            _ => {}
        }
        if let (Some(before), Some(months)) = (
            config.rotate_before_days.value(),
            config.expiration.as_deref().and_then(expiration::months),
        ) {
            if months > 0 && before >= i64::from(months) * 30 {
                d.warning_at(
                    AttributePath::root("rotate_before_days"),
                    "Key would rotate on every apply",
                    format!(
                        "rotate_before_days = {before} is not shorter than the key's lifetime ({months} months), so \
                         every new key is already due for rotation."
                    ),
                );
            }
        }
    }

    /// The role check, and the replacements only this resource can judge: another duration of
    /// `expiration` (an alias of the same one is no change), and a key due for rotation.
    async fn modify_plan(&self, call: &Call, plan: &mut Plan<ApiKeyState>) {
        if let (Some(role), Some(client)) = (plan.config.role.as_deref(), call.client_opt()) {
            let d = call.roles().check(client, role, Holder::ApiKey, &call.ctx.cancel).await;
            plan.diagnostics.extend(d);
        }
        let Some(prior) = &plan.prior else {
            return;
        };
        let planned = &mut plan.planned;
        let months_now = planned.expiration.as_deref().and_then(expiration::months);
        let months_before = prior.expiration.as_deref().and_then(expiration::months);
        if planned.expiration.is_unknown() || (months_before.is_some() && months_now != months_before) {
            plan.requires_replace.push(AttributePath::root("expiration"));
        }
        if rotation_due(call, prior, planned).await {
            tfplugin::log::info(
                "API key is due for rotation; planning its replacement",
                &[("id", &prior.id.as_deref().unwrap_or(""))],
            );
            planned.ready_for_rotation = Attr::Unknown;
            plan.requires_replace.push(AttributePath::root("ready_for_rotation"));
        }
    }

    async fn create(&self, call: &Call, planned: ApiKeyState) -> Written {
        create(call.client()?, planned, &call.ctx.cancel).await
    }

    async fn read(&self, call: &Call, current: ApiKeyState) -> Result<Option<ApiKeyState>, Failure<ApiKeyState>> {
        let client = call.client()?;
        let Some(id) = current.id.get().cloned() else {
            return Ok(Some(current));
        };
        match calls::read_shared(client, &id, &call.ctx.cancel).await {
            Ok(None) => {
                tfplugin::log::info("API key is gone from the server; it leaves state", &[("id", &id)]);
                Ok(None)
            }
            Ok(Some(key)) => Ok(Some(refreshed(current, &key, now(client)))),
            Err(e) => Err(Failure::error(format!("Could not read API key {id}"), e.to_string())),
        }
    }

    async fn update(&self, call: &Call, prior: ApiKeyState, planned: ApiKeyState) -> Written {
        update(call.client()?, prior, planned, &call.ctx.cancel).await
    }

    async fn delete(&self, call: &Call, prior: ApiKeyState) -> Result<(), Failure<ApiKeyState>> {
        let Some(id) = prior.id.get() else {
            return Ok(());
        };
        match calls::delete_one(call.client()?, id, &call.ctx.cancel).await {
            Ok(()) => {
                tfplugin::log::info("deleted API key", &[("id", id)]);
                Ok(())
            }
            Err(e) => Err(Failure::error(format!("Could not delete API key {id}"), e.to_string())),
        }
    }

    async fn import(&self, call: &Call, id: &str) -> Result<Imported<ApiKeyState>, Diagnostics> {
        let client = call.client()?;
        let mut d = Diagnostics::new();
        let key = match calls::find_for_import(client, id, &call.ctx.cancel).await {
            Ok(Some(key)) => key,
            Ok(None) => {
                d.error(
                    "API key not found",
                    format!(
                        "No API key has the id or the name {id:?} in this tenant. Import takes the key's id or \
                         its exact name (see the visionone_api_keys data source)."
                    ),
                );
                return Err(d);
            }
            Err(e) => {
                d.error(format!("Could not read API key {id}"), e.to_string());
                return Err(d);
            }
        };
        let state = refreshed(ApiKeyState::default(), &key, now(client));
        d.warning(
            "Imported API key has no secret",
            "Vision One shows a key's secret only once, when it is created, so `secret` stays null in state. \
             To get a usable secret managed by Terraform, replace the key: \
             `terraform apply -replace=visionone_api_key.<name>`.",
        );
        Ok(Imported { state, warnings: d })
    }

    fn identity(&self) -> Identity {
        Identity::new(0).attr("id", "The key's id.")
    }
}

/// Due by the prior state's flag (set by the latest read), or by the policy the plan asks for,
/// judged now by the server's clock.
async fn rotation_due(call: &Call, prior: &ApiKeyState, planned: &ApiKeyState) -> bool {
    let Some(client) = call.client_opt() else {
        return prior.ready_for_rotation.value() == Some(true);
    };
    if client.server_time_offset().is_none() {
        // No answer has told us the server's time yet (plan with -refresh=false): ask once.
        let _ = client.health(&call.ctx.cancel).await;
    }
    rotation::due(prior.ready_for_rotation.value(), policy(prior, planned), now(client))
}

/// Timestamps from `state`, rotation settings from `settings`.
fn policy(state: &ApiKeyState, settings: &ApiKeyState) -> Policy {
    let ts = |a: &Attr<String>| a.as_deref().and_then(rotation::parse_ts);
    Policy {
        expires_at: ts(&state.expires_at),
        created_at: ts(&state.created_at),
        rotate_before_days: settings.rotate_before_days.value(),
        max_age_days: settings.max_age_days.value(),
    }
}

pub(crate) fn now(client: &Client) -> i64 {
    rotation::unix(client.server_now())
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

async fn create(client: &Client, planned: ApiKeyState, cancel: &CancellationToken) -> Written {
    if cancel.is_cancelled() {
        return Err(Failure::error(
            "Cancelled",
            "Terraform was interrupted before the API key was created; nothing was created.",
        ));
    }
    let name = match (planned.name.as_deref(), planned.name_prefix.as_deref()) {
        (Some(n), _) => n.to_string(),
        (None, Some(p)) => naming::unique(p, client.server_now()),
        (None, None) => {
            return Err(Failure::error_at(
                "name",
                "Missing name",
                "Set `name` or `name_prefix`.",
            ))
        }
    };
    let Some(role) = planned.role.get().cloned() else {
        return Err(Failure::error_at(
            "role",
            "Missing role",
            "`role` must be known to create the key.",
        ));
    };
    let exp = planned.expiration.as_deref().unwrap_or(expiration::DEFAULT).to_string();
    let item = ApiKeyCreate {
        name: name.clone(),
        role,
        description: planned.description.get().filter(|s| !s.is_empty()).cloned(),
        status: (planned.enabled.value() == Some(false)).then_some(Status::Disabled),
        months_to_expiration: Some(expiration::months(&exp).unwrap_or(0)),
    };
    let created = match calls::create_one(client, &item).await {
        Ok(c) => c,
        Err(e) => {
            // A role the API refused is the role's fault; anything else (a taken name, an outage)
            // is reported at the key's name.
            let at = if crate::roles::refused_role(&e) { "role" } else { "name" };
            return Err(Failure::error_at(
                at,
                format!("Could not create API key {name:?}"),
                create_error(&e),
            ));
        }
    };
    tfplugin::log::info("created API key", &[("id", &created.id), ("name", &name)]);
    // The 201 answer is authoritative for id, secret and expiry; a new key has never been used,
    // and it was created at the API server's "now" (its Date header). Reading it back would cost
    // one call per key, which batching exists to avoid.
    let mut state = ApiKeyState {
        id: Attr::Known(created.id),
        secret: Attr::Known(created.value),
        name: Attr::Known(name),
        expires_at: Attr::from_option(created.expired_date_time),
        created_at: Attr::Known(rotation::format_ts(rotation::unix(client.server_now()))),
        last_used_at: Attr::Null,
        ..planned
    };
    let due = policy(&state, &state).due(now(client));
    state.ready_for_rotation = Attr::Known(due);
    Ok(state)
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
async fn update(client: &Client, prior: ApiKeyState, planned: ApiKeyState, cancel: &CancellationToken) -> Written {
    let Some(id) = prior.id.get().cloned() else {
        return Err(Failure::error(
            "API key has no id in state",
            "Remove it from state and import it again.",
        ));
    };
    let same = prior.name == planned.name
        && prior.role == planned.role
        && prior.enabled == planned.enabled
        && prior.description == planned.description;
    if same {
        return Ok(planned);
    }
    let key = id.as_str();
    let written = write_fresh(
        || calls::read_one(client, key, cancel),
        |current: &ApiKey| Some(update_for(current, &planned)).filter(|u| *u != ApiKeyUpdate::default()),
        |first: &ApiKey, now: &ApiKey| {
            let (a, b) = (update_for(first, &planned), update_for(now, &planned));
            let mut changed = Vec::new();
            if a.name != b.name {
                changed.push("name");
            }
            if a.role != b.role {
                changed.push("role");
            }
            if a.status != b.status {
                changed.push("enabled");
            }
            if a.description != b.description {
                changed.push("description");
            }
            changed
        },
        |change, etag| async move { calls::update_one(client, key, &change, etag.as_ref(), cancel).await },
    )
    .await;
    match written {
        Ok(()) => {}
        Err(Refused::Gone) => {
            return Err(Failure::error(
                format!("API key {id} no longer exists"),
                "It was deleted outside Terraform. Run `terraform apply` again: the refresh drops it from \
                 state and the plan creates it anew.",
            ))
        }
        Err(Refused::Changed(changed)) => {
            return Err(Failure::error(
                format!("API key {id} changed outside Terraform"),
                format!(
                    "Someone else modified the key while Terraform was updating it ({} changed), so the update was \
                     not applied. Run terraform plan to review the change, then apply again.",
                    changed.join(", ")
                ),
            ))
        }
        Err(Refused::Read(e)) => return Err(Failure::error(format!("Could not read API key {id}"), e.to_string())),
        Err(Refused::Write(e)) => {
            let (summary, detail) = update_error(&id, &e);
            return Err(Failure::error(summary, detail));
        }
    }
    Ok(planned)
}

/// The fields where the server differs from the plan.
fn update_for(current: &ApiKey, planned: &ApiKeyState) -> ApiKeyUpdate {
    let mut u = ApiKeyUpdate::default();
    if let Some(n) = planned.name.as_deref().filter(|n| *n != current.name) {
        u.name = Some(n.to_string());
    }
    if let Some(r) = planned.role.as_deref().filter(|r| *r != current.role) {
        u.role = Some(r.to_string());
    }
    let want = if planned.enabled.value() == Some(false) {
        Status::Disabled
    } else {
        Status::Enabled
    };
    if want != current.status {
        u.status = Some(want);
    }
    let want_desc = planned.description.as_deref().unwrap_or("");
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

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

/// `state` updated from the server's view of the key; the secret and the settings only
/// Terraform knows (prefix, rotation settings, the spelling of `expiration`) are kept.
/// A key as an import would record it (no secret): what `terraform query` lists.
pub(crate) fn imported_state(key: &ApiKey, now: i64) -> ApiKeyState {
    refreshed(ApiKeyState::default(), key, now)
}

fn refreshed(state: ApiKeyState, key: &ApiKey, now: i64) -> ApiKeyState {
    let desc = key.description.clone().filter(|s| !s.is_empty());
    let description = match desc {
        Some(s) => Attr::Known(s),
        None if state.description.as_deref() == Some("") => Attr::from(""),
        None => Attr::Null,
    };
    let expiration = if state.expiration.as_deref().and_then(expiration::months).is_none() {
        let ts = |s: &Option<String>| s.as_deref().and_then(rotation::parse_ts);
        let lifetime = match (ts(&key.expired_date_time), ts(&key.created_date_time)) {
            (Some(e), Some(c)) => Some((e - c) / 86_400),
            (Some(_), None) => Some(365),
            _ => None,
        };
        Attr::from(expiration::infer(lifetime))
    } else {
        state.expiration.clone()
    };
    let mut state = ApiKeyState {
        id: Attr::from(key.id.as_str()),
        name: Attr::from(key.name.as_str()),
        role: Attr::from(key.role.as_str()),
        enabled: Attr::Known(key.status == Status::Enabled),
        description,
        expires_at: Attr::from_option(key.expired_date_time.clone()),
        created_at: Attr::from_option(key.created_date_time.clone()),
        last_used_at: Attr::from_option(key.last_used_date_time.clone()),
        expiration,
        ..state
    };
    let due = policy(&state, &state).due(now);
    state.ready_for_rotation = Attr::Known(due);
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::Model;
    use tfplugin::Value;

    fn model(v: &Value) -> ApiKeyState {
        ApiKeyState::from_value(v).unwrap()
    }

    /// The schema's validators and the resource's own, as the server runs them.
    fn validate(config: &Value) -> Diagnostics {
        tfplugin::framework::resource::<Call, _>(ApiKeyResource).validate(config)
    }

    fn update_for(current: &ApiKey, planned: &Value) -> ApiKeyUpdate {
        super::update_for(current, &model(planned))
    }

    fn refreshed(state: Value, key: &ApiKey, now: i64) -> Value {
        super::refreshed(model(&state), key, now).to_value()
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(ApiKeyState::attributes().into_iter().map(|(a, _)| (a, Value::Null)));
        for (k, val) in pairs {
            v.set(k, val.clone());
        }
        v
    }

    #[test]
    fn name_rules() {
        let both = validate(&config(&[
            ("name", "a".into()),
            ("name_prefix", "b".into()),
            ("role", "SIEM".into()),
        ]));
        assert!(both.has_error_at("name_prefix"));
        let neither = validate(&config(&[("role", "SIEM".into())]));
        assert!(neither.has_error_at("name"));
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
        assert!(d.has_error_at("role"));
        assert!(d.has_error_at("expiration"));
        let d = validate(&config(&[
            ("name", "a".into()),
            ("role", "SIEM".into()),
            ("max_age_days", Value::int(0)),
        ]));
        assert!(d.has_error_at("max_age_days"));
        let d = validate(&config(&[
            ("name", "a".into()),
            ("role", "SIEM".into()),
            ("rotate_before_days", Value::int(-1)),
        ]));
        assert!(d.has_error_at("rotate_before_days"));
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
