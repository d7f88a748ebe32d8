//! `visionone_workload_api_key`: a Server & Workload Protection (Workload Security) API key. Its
//! secret is shown once, at creation, and kept in state; the role is given by name and resolved to
//! its id at plan time; the expiry is fixed at creation (`valid_for_days`), so the key rotates by
//! replacement with the same rules as `visionone_api_key` (`crate::rotation`).

use crate::provider::Call;
use crate::rotation::{self, Policy};
use crate::workload::{failure, key_role};
use std::collections::BTreeMap;
use tfplugin::framework::{Attr, Failure, Imported, Plan, Resource};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Validator};
use visionone_client::api::workload::{ApiKey, ApiKeyCreate, ApiKeyModify, LOCALES};
use visionone_client::workload::time::{ms_to_rfc3339, system_to_ms};
use visionone_client::{CancellationToken, WorkloadClient};

pub const TYPE_NAME: &str = "visionone_workload_api_key";

const DAY_MS: i64 = 86_400_000;
/// Longest key name and description the API accepts (contract §2).
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2000;

tfplugin::model! {
    /// The state of a `visionone_workload_api_key`.
    pub struct WorkloadKeyState {
        pub id: String,
        pub name: String,
        pub description: String,
        pub role: String,
        pub role_id: i64,
        pub locale: String,
        pub time_zone: String,
        pub enabled: bool,
        pub valid_for_days: i64,
        pub rotate_before_days: i64,
        pub max_age_days: i64,
        pub rotation_triggers: BTreeMap<String, String>,
        pub secret: String,
        pub expires_at: String,
        pub created_at: String,
        pub last_sign_in_at: String,
        pub service_account: bool,
        pub ready_for_rotation: bool,
    }
}

pub struct WorkloadApiKey;

fn printable(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// `Area/Location` or `UTC`, as the manager checks it.
fn time_zone_shape(s: &str) -> bool {
    s == "UTC"
        || s.split_once('/').is_some_and(|(a, l)| {
            !a.is_empty() && !l.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
        })
}

fn computed(name: &str) -> Attribute {
    Attribute::string(name).computed().use_state_for_unknown()
}

fn schema() -> Schema {
    let [rotate_before, max_age, triggers, ready] = rotation::attributes();
    let block = Block::new()
        .description(
            "An API key of Server & Workload Protection (Workload Security, Deep Security Manager), managed \
             through the provider's `workload` block. The secret is returned once, at creation, and kept in state \
             (sensitive). The key is replaced when `valid_for_days` or `rotation_triggers` change and when it \
             enters its rotation window (`rotate_before_days` before expiry, or `max_age_days` after creation).",
        )
        .attr(computed("id").description("The key's id (an integer, as a string)."))
        .attr(
            Attribute::string("name")
                .required()
                .validate(Validator::Length { max: MAX_NAME })
                .validate(Validator::Pattern {
                    rule: "not contain control characters",
                    check: printable,
                })
                .description(
                    "The key's name (need not be unique on the manager). Changing it renames the key in place.",
                ),
        )
        .attr(
            Attribute::string("description")
                .optional()
                .validate(Validator::MaxLength { max: MAX_DESCRIPTION })
                .description("Free text shown in the console; may be empty."),
        )
        .attr(Attribute::string("role").required().description(
            "The name of the role the key acts with (exact, e.g. `Full Access` or `Auditor`); resolved to its id \
             at plan time. The role must allow the web service API. Changing it updates the key in place.",
        ))
        .attr(
            Attribute::number("role_id")
                .computed()
                .description("The id `role` resolved to."),
        )
        .attr(
            Attribute::string("locale")
                .optional()
                .computed()
                .use_state_for_unknown()
                .validate(Validator::OneOf(LOCALES.iter().map(|l| l.to_string()).collect()))
                .description("The key's locale. Unset: the manager's default (`en-US`)."),
        )
        .attr(
            Attribute::string("time_zone")
                .optional()
                .computed()
                .use_state_for_unknown()
                .validate(Validator::Pattern {
                    rule: "be a time zone name such as `Europe/Berlin` or `UTC`",
                    check: time_zone_shape,
                })
                .description("The key's time zone (an IANA name). Unset: the manager's default."),
        )
        .attr(
            Attribute::bool("enabled")
                .optional()
                .computed()
                .default(true)
                .description("Whether the key may authenticate; false locks it out."),
        )
        .attr(
            Attribute::number("valid_for_days")
                .optional()
                .requires_replace()
                .validate(Validator::WholeAtLeast { min: 1, unit: "days" })
                .description(
                    "The key expires this many days after it is created (by the manager's clock). Unset: it never \
                     expires. The expiry cannot be changed on a key, so a change creates a new key.",
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
        .attr(computed("expires_at").description("When the key expires (RFC 3339, UTC); null when it never does."))
        .attr(computed("created_at").description("When the key was created (RFC 3339, UTC)."))
        .attr(
            Attribute::string("last_sign_in_at")
                .computed()
                .description("When the key last authenticated; null until its first use."),
        )
        .attr(
            Attribute::bool("service_account")
                .computed()
                .use_state_for_unknown()
                .description("Whether the manager made this key for a service (read-only)."),
        )
        .attr(ready);
    Schema::new(0, block)
}

type Written = Result<WorkloadKeyState, Failure<WorkloadKeyState>>;

#[async_trait::async_trait]
impl Resource<Call> for WorkloadApiKey {
    type Model = WorkloadKeyState;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &WorkloadKeyState, d: &mut Diagnostics) {
        if config.role.as_deref().is_some_and(|r| r.trim().is_empty()) {
            d.error_at(AttributePath::root("role"), "Empty role", "`role` must name a role.");
        }
        if let (Some(before), Some(days)) = (config.rotate_before_days.value(), config.valid_for_days.value()) {
            if before >= days {
                d.warning_at(
                    AttributePath::root("rotate_before_days"),
                    "Key would rotate on every apply",
                    format!(
                        "rotate_before_days = {before} is not shorter than valid_for_days = {days}, so every new key \
                         is already due for rotation."
                    ),
                );
            }
        }
    }

    /// The role's id (the name resolved now, "did you mean" when unknown), and replacement once
    /// the key is due for rotation by the manager's clock.
    async fn modify_plan(&self, call: &Call, plan: &mut Plan<WorkloadKeyState>) {
        if call.workload_missing() {
            plan.diagnostics.extend(crate::workload::missing_block(TYPE_NAME));
            return;
        }
        let Some(client) = call.workload_opt().await else {
            return;
        };
        let client = match client {
            Ok(c) => c,
            Err(d) => {
                plan.diagnostics.extend(d);
                return;
            }
        };
        match plan.config.role.as_deref() {
            Some(name) => match key_role(client, name, &call.ctx.cancel).await {
                Ok(role) => plan.planned.role_id = Attr::from_option(role.id),
                Err(d) => {
                    plan.diagnostics.extend(d);
                    return;
                }
            },
            None => plan.planned.role_id = Attr::Unknown,
        }
        let Some(prior) = &plan.prior else {
            return;
        };
        if rotation::due(
            prior.ready_for_rotation.value(),
            policy(prior, &plan.planned),
            now(client),
        ) {
            tfplugin::log::info(
                "Workload Security API key is due for rotation; planning its replacement",
                &[("id", &prior.id.as_deref().unwrap_or(""))],
            );
            plan.planned.ready_for_rotation = Attr::Unknown;
            plan.requires_replace.push(AttributePath::root("ready_for_rotation"));
        }
    }

    async fn create(&self, call: &Call, planned: WorkloadKeyState) -> Written {
        let client = call.workload(TYPE_NAME).await?;
        create(client, planned, &call.ctx.cancel).await
    }

    async fn read(
        &self,
        call: &Call,
        current: WorkloadKeyState,
    ) -> Result<Option<WorkloadKeyState>, Failure<WorkloadKeyState>> {
        let client = call.workload(TYPE_NAME).await?;
        let Some(id) = current.id.as_deref().and_then(parse_id) else {
            return Ok(Some(current));
        };
        match client.get_key(id, &call.ctx.cancel).await {
            Ok(key) => Ok(Some(refreshed(client, current, &key, &call.ctx.cancel).await)),
            Err(e) if e.is_not_found() => {
                tfplugin::log::info(
                    "Workload Security API key is gone from the manager; it leaves state",
                    &[("id", &id)],
                );
                Ok(None)
            }
            Err(e) => Err(Failure::new(failure(
                &format!("Could not read Workload Security API key {id}"),
                &e,
                None,
            ))),
        }
    }

    async fn update(&self, call: &Call, prior: WorkloadKeyState, planned: WorkloadKeyState) -> Written {
        let client = call.workload(TYPE_NAME).await?;
        let Some(id) = prior.id.as_deref().and_then(parse_id) else {
            return Err(Failure::error(
                "Workload Security API key has no id in state",
                "Remove it from state and import it again.",
            ));
        };
        let mut planned = planned;
        if planned.role_id.is_unknown() {
            let role = planned.role.as_deref().unwrap_or_default().to_string();
            let r = key_role(client, &role, &call.ctx.cancel).await.map_err(Failure::new)?;
            planned.role_id = Attr::from_option(r.id);
        }
        let change = modify_for(&prior, &planned);
        if change == ApiKeyModify::default() {
            return Ok(planned);
        }
        match client.modify_key(id, &change, &call.ctx.cancel).await {
            Ok(key) => {
                tfplugin::log::info("modified Workload Security API key", &[("id", &id)]);
                Ok(from_key(planned, &key, now(client)))
            }
            Err(e) if e.is_not_found() => Err(Failure::error(
                format!("Workload Security API key {id} no longer exists"),
                "It was deleted outside Terraform. Run `terraform apply` again: the refresh drops it from state and \
                 the plan creates it anew.",
            )),
            Err(e) => Err(Failure::new(failure(
                &format!("Could not update Workload Security API key {id}"),
                &e,
                None,
            ))),
        }
    }

    async fn delete(&self, call: &Call, prior: WorkloadKeyState) -> Result<(), Failure<WorkloadKeyState>> {
        let Some(id) = prior.id.as_deref().and_then(parse_id) else {
            return Ok(());
        };
        let client = call.workload(TYPE_NAME).await?;
        match client.delete_key(id, &call.ctx.cancel).await {
            Ok(()) => {
                tfplugin::log::info("deleted Workload Security API key", &[("id", &id)]);
                Ok(())
            }
            Err(e) => Err(Failure::new(failure(
                &format!("Could not delete Workload Security API key {id}"),
                &e,
                None,
            ))),
        }
    }

    /// By id, or by name when the name is held by exactly one key.
    async fn import(&self, call: &Call, id: &str) -> Result<Imported<WorkloadKeyState>, Diagnostics> {
        let client = call.workload(TYPE_NAME).await?;
        let cancel = &call.ctx.cancel;
        let mut d = Diagnostics::new();
        let key = match parse_id(id) {
            Some(n) => match client.get_key(n, cancel).await {
                Ok(k) => k,
                Err(e) if e.is_not_found() => {
                    d.error(
                        "Workload Security API key not found",
                        format!("No API key with id {n} exists on the manager. Import takes a key's id or its name."),
                    );
                    return Err(d);
                }
                Err(e) => {
                    return Err(failure(
                        &format!("Could not read Workload Security API key {n}"),
                        &e,
                        None,
                    ))
                }
            },
            None => match client.keys_named(id, cancel).await {
                Ok(keys) => match keys.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        d.error(
                            "Workload Security API key not found",
                            format!(
                                "No API key is named {:?} on the manager (names are exact). Import takes a key's id \
                                 or its name.",
                                crate::roles::truncate(id)
                            ),
                        );
                        return Err(d);
                    }
                    many => {
                        let ids: Vec<String> = many.iter().filter_map(|k| k.id).map(|i| i.to_string()).collect();
                        d.error(
                            "Several Workload Security API keys have this name",
                            format!(
                                "{} keys are named {:?} (ids {}): names need not be unique on the manager, so import \
                                 the one you mean by its id, e.g. `terraform import <address> {}`.",
                                many.len(),
                                crate::roles::truncate(id),
                                ids.join(", "),
                                ids[0]
                            ),
                        );
                        return Err(d);
                    }
                },
                Err(e) => return Err(failure("Could not search Workload Security API keys", &e, None)),
            },
        };
        let state = refreshed(client, WorkloadKeyState::default(), &key, cancel).await;
        d.warning(
            "Imported API key has no secret",
            "Workload Security shows a key's secret only once, when it is created, so `secret` stays null in state. \
             To get a usable secret managed by Terraform, replace the key: \
             `terraform apply -replace=visionone_workload_api_key.<name>`.",
        );
        Ok(Imported { state, warnings: d })
    }
}

fn parse_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

fn now(client: &WorkloadClient) -> i64 {
    rotation::unix(client.server_now())
}

/// Timestamps from `state`, rotation settings from `settings`.
fn policy(state: &WorkloadKeyState, settings: &WorkloadKeyState) -> Policy {
    let ts = |a: &Attr<String>| a.as_deref().and_then(rotation::parse_ts);
    Policy {
        expires_at: ts(&state.expires_at),
        created_at: ts(&state.created_at),
        rotate_before_days: settings.rotate_before_days.value(),
        max_age_days: settings.max_age_days.value(),
    }
}

async fn create(client: &WorkloadClient, planned: WorkloadKeyState, cancel: &CancellationToken) -> Written {
    if cancel.is_cancelled() {
        return Err(Failure::error(
            "Cancelled",
            "Terraform was interrupted before the API key was created; nothing was created.",
        ));
    }
    let (Some(name), Some(role)) = (planned.name.get().cloned(), planned.role.get().cloned()) else {
        return Err(Failure::error(
            "Missing name or role",
            "`name` and `role` must be known to create the key.",
        ));
    };
    let mut planned = planned;
    let role_id = match planned.role_id.value() {
        Some(id) => id,
        None => match key_role(client, &role, cancel).await {
            Ok(r) => r.id.unwrap_or_default(),
            Err(d) => return Err(Failure::new(d)),
        },
    };
    planned.role_id = Attr::Known(role_id);
    let expiry_date = planned
        .valid_for_days
        .value()
        .map(|days| system_to_ms(client.server_now()).saturating_add(days.saturating_mul(DAY_MS)));
    let spec = ApiKeyCreate {
        key_name: name.clone(),
        role_id,
        description: planned.description.get().cloned(),
        locale: planned.locale.get().cloned(),
        time_zone: planned.time_zone.get().cloned(),
        active: Some(planned.enabled.value() != Some(false)),
        expiry_date,
    };
    let key = match client.create_key(&spec, cancel).await {
        Ok(k) => k,
        Err(e) => {
            return Err(Failure::new(failure(
                &format!("Could not create Workload Security API key {name:?}"),
                &e,
                Some(AttributePath::root("name")),
            )))
        }
    };
    tfplugin::log::info(
        "created Workload Security API key",
        &[("id", &key.id.unwrap_or_default()), ("name", &name)],
    );
    let mut state = from_key(planned, &key, now(client));
    state.secret = Attr::from_option(key.secret_key.clone());
    Ok(state)
}

/// Only the fields whose planned value differs from the prior state (the modify call is partial).
fn modify_for(prior: &WorkloadKeyState, planned: &WorkloadKeyState) -> ApiKeyModify {
    let differs =
        |a: &Attr<String>, b: &Attr<String>| -> Option<String> { (a != b).then(|| b.get().cloned()).flatten() };
    ApiKeyModify {
        key_name: differs(&prior.name, &planned.name),
        description: (prior.description != planned.description)
            .then(|| planned.description.get().cloned().unwrap_or_default()),
        locale: differs(&prior.locale, &planned.locale),
        role_id: planned.role_id.value().filter(|id| Some(*id) != prior.role_id.value()),
        time_zone: differs(&prior.time_zone, &planned.time_zone),
        active: planned.enabled.value().filter(|e| Some(*e) != prior.enabled.value()),
    }
}

/// `state` with what the manager says of the key; the secret and the settings only Terraform
/// knows (role name, rotation settings, `valid_for_days`) are kept.
fn from_key(state: WorkloadKeyState, key: &ApiKey, now: i64) -> WorkloadKeyState {
    let ms = |v: Option<i64>| Attr::from_option(v.and_then(ms_to_rfc3339));
    let description = match key.description.clone().filter(|s| !s.is_empty()) {
        Some(s) => Attr::Known(s),
        None if state.description.as_deref() == Some("") => Attr::from(""),
        None => Attr::Null,
    };
    let mut state = WorkloadKeyState {
        id: Attr::from_option(key.id.map(|i| i.to_string())),
        name: Attr::from_option(key.key_name.clone()),
        description,
        role_id: Attr::from_option(key.role_id),
        locale: Attr::from_option(key.locale.clone()),
        time_zone: Attr::from_option(key.time_zone.clone()),
        enabled: Attr::Known(key.active != Some(false)),
        expires_at: ms(key.expiry_date),
        created_at: ms(key.created),
        last_sign_in_at: ms(key.last_sign_in),
        service_account: Attr::Known(key.service_account == Some(true)),
        ..state
    };
    let due = policy(&state, &state).due(now);
    state.ready_for_rotation = Attr::Known(due);
    state
}

/// After a read: as [`from_key`], and the role's name follows its id when the key's role was
/// changed outside Terraform.
async fn refreshed(
    client: &WorkloadClient,
    state: WorkloadKeyState,
    key: &ApiKey,
    cancel: &CancellationToken,
) -> WorkloadKeyState {
    let known_role = state.role_id.value();
    let mut state = from_key(state, key, now(client));
    if let Some(id) = key.role_id.filter(|id| Some(*id) != known_role || state.role.is_null()) {
        match client.get_role(id, cancel).await {
            Ok(r) => state.role = Attr::from_option(r.name),
            Err(e) => tfplugin::log::warn(
                "could not read the key's role; its name in state is kept",
                &[("role_id", &id), ("error", &e.to_string().as_str())],
            ),
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::Model;
    use tfplugin::Value;

    fn validate(config: &Value) -> Diagnostics {
        tfplugin::framework::resource::<Call, _>(WorkloadApiKey).validate(config)
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(
            WorkloadKeyState::attributes()
                .into_iter()
                .map(|(a, _)| (a, Value::Null)),
        );
        for (k, val) in pairs {
            v.set(k, val.clone());
        }
        v
    }

    #[test]
    fn bad_values_name_their_attribute() {
        let ok = [("name", Value::from("ci")), ("role", Value::from("Auditor"))];
        assert!(!validate(&config(&ok)).has_errors());
        for (attr, v) in [
            ("locale", Value::from("fr-FR")),
            ("time_zone", Value::from("not a zone")),
            ("valid_for_days", Value::int(0)),
            ("rotate_before_days", Value::int(-1)),
            ("max_age_days", Value::int(0)),
            ("name", Value::from("")),
            ("name", Value::from("a\u{7}b")),
            ("role", Value::from(" ")),
            ("description", Value::from("x".repeat(2001))),
        ] {
            let mut pairs = ok.to_vec();
            pairs.retain(|(k, _)| *k != attr);
            pairs.push((attr, v));
            assert!(validate(&config(&pairs)).has_error_at(attr), "{attr}");
        }
        let mut empty = ok.to_vec();
        empty.push(("description", Value::from("")));
        assert!(
            !validate(&config(&empty)).has_errors(),
            "an empty description is accepted"
        );
        assert!(time_zone_shape("America/New_York") && time_zone_shape("UTC") && time_zone_shape("Etc/GMT+5"));
    }

    #[test]
    fn modify_sends_only_differences() {
        let prior = WorkloadKeyState {
            name: "a".into(),
            role_id: Attr::Known(1),
            enabled: Attr::Known(true),
            locale: "en-US".into(),
            ..Default::default()
        };
        let planned = WorkloadKeyState {
            role_id: Attr::Known(2),
            description: "d".into(),
            ..prior.clone()
        };
        let m = modify_for(&prior, &planned);
        assert_eq!(m.role_id, Some(2));
        assert_eq!(m.description.as_deref(), Some("d"));
        assert_eq!((m.key_name, m.locale, m.active, m.time_zone), (None, None, None, None));
        assert_eq!(modify_for(&prior, &prior), ApiKeyModify::default());
    }

    #[test]
    fn state_from_the_managers_key_keeps_the_secret_and_judges_rotation() {
        let created = 1_767_225_600_000; // 2026-01-01
        let key = ApiKey {
            id: Some(7),
            key_name: Some("ci".into()),
            role_id: Some(2),
            created: Some(created),
            expiry_date: Some(created + 90 * DAY_MS),
            active: Some(true),
            ..Default::default()
        };
        let prior = WorkloadKeyState {
            secret: "s".into(),
            role: "Auditor".into(),
            rotate_before_days: Attr::Known(10),
            ..Default::default()
        };
        let s = from_key(prior.clone(), &key, created / 1000 + 79 * 86_400);
        assert_eq!(s.id.as_deref(), Some("7"));
        assert_eq!(s.secret.as_deref(), Some("s"));
        assert_eq!(s.expires_at.as_deref(), Some("2026-04-01T00:00:00Z"));
        assert_eq!(s.ready_for_rotation.value(), Some(false));
        assert_eq!(s.last_sign_in_at, Attr::Null);
        let late = from_key(prior.clone(), &key, created / 1000 + 80 * 86_400);
        assert_eq!(late.ready_for_rotation.value(), Some(true));
        // The manager answers "" for no description: "" stays "" and null stays null (no diff).
        let blank = ApiKey {
            description: Some(String::new()),
            ..key
        };
        let empty = WorkloadKeyState {
            description: "".into(),
            ..prior.clone()
        };
        assert_eq!(from_key(empty, &blank, 0).description.as_deref(), Some(""));
        assert_eq!(from_key(prior, &blank, 0).description, Attr::Null);
    }
}
