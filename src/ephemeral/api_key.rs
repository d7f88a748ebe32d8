//! `ephemeral "visionone_api_key"`: a key that lives for one Terraform walk, e.g. to configure a
//! second, aliased provider (or another tool) for the run. Open creates it (through the same
//! batching as the resource), Close deletes it; the secret is never in state or a plan file.
//! Terraform opens it in the plan walk and again in the apply walk: two keys per `apply`, both
//! deleted.

use super::open_keys::{self, OpenKey, DELETE_ATTEMPTS};
use super::EPHEMERAL_MARKER;
use crate::provider::Call;
use crate::resources::api_key::{expiration, naming};
use crate::roles::Holder;
use tfplugin::framework::{Attr, EphemeralResource, Opened};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Validator};
use visionone_client::api::{ApiKeyCreate, MASTER_ADMINISTRATOR};
use visionone_client::{CancellationToken, Error};

pub const TYPE_NAME: &str = "visionone_api_key";

/// The prefix of the key's generated name when the configuration gives none.
pub const DEFAULT_PREFIX: &str = "terraform-run-";

/// The shortest lifetime the API allows (contract: `monthsToExpiration` ∈ {1, 3, 6, 12, 0}):
/// a key the provider could not delete still goes away by itself.
pub const DEFAULT_EXPIRATION: &str = "1_month";

/// Longest key name the API accepts.
const MAX_NAME: usize = 255;

tfplugin::model! {
    /// The configuration and result of an `ephemeral "visionone_api_key"`.
    pub struct EphemeralKey {
        pub role: String,
        pub name_prefix: String,
        pub description: String,
        pub expiration: String,
        pub id: String,
        pub name: String,
        pub expires_at: String,
        pub secret: String,
    }
}

pub struct EphemeralApiKey;

fn no_control_chars(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// The `expiration` values of the resource that expire: an ephemeral key must not outlive a
/// provider that could not delete it by more than its lifetime.
fn expiring() -> Vec<String> {
    expiration::VALUES
        .iter()
        .filter(|(_, months)| *months > 0)
        .map(|(v, _)| v.to_string())
        .collect()
}

fn schema() -> Schema {
    let block = Block::new()
        .description(
            "An API key that lives for one Terraform run: created when Terraform opens it and deleted when \
             Terraform closes it, its secret never written to state or to a plan file. Terraform opens it in the \
             plan walk and again in the apply walk, so one `terraform apply` makes two keys and deletes both.",
        )
        .attr(Attribute::string("role").required().description(
            "The name of the role the key acts with: a predefined role (not `Master Administrator`) or a custom \
             role that allows API keys.",
        ))
        .attr(
            Attribute::string("name_prefix")
                .optional()
                .computed()
                .default(DEFAULT_PREFIX)
                .validate(Validator::Length {
                    max: MAX_NAME - naming::SUFFIX_LEN,
                })
                .validate(Validator::Pattern {
                    rule: "not contain control characters",
                    check: no_control_chars,
                })
                .description("The key's name begins with this; a timestamp and random hex are appended."),
        )
        .attr(Attribute::string("description").optional().description(&format!(
            "Free text shown in the console. The key's description on the server ends with `{EPHEMERAL_MARKER}`, \
             so that a key left behind (a provider killed before it could delete it) can be found."
        )))
        .attr(
            Attribute::string("expiration")
                .optional()
                .computed()
                .default(DEFAULT_EXPIRATION)
                .validate(Validator::OneOf(expiring()))
                .description(
                    "How long the key may live at most, should it not be deleted: by default the shortest the API \
                     allows. Keys that never expire are not offered.",
                ),
        )
        .attr(Attribute::string("id").computed().description("The key's id."))
        .attr(
            Attribute::string("name")
                .computed()
                .description("The key's generated name."),
        )
        .attr(
            Attribute::string("expires_at")
                .computed()
                .description("When the key expires (ISO 8601, UTC)."),
        )
        .attr(
            Attribute::string("secret")
                .computed()
                .sensitive()
                .description("The key's secret, for a provider block or another tool for this run."),
        );
    Schema::new(0, block)
}

/// The description the key gets on the server: the configured text, then the marker.
pub fn server_description(configured: Option<&str>) -> String {
    match configured.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => format!("{d} {EPHEMERAL_MARKER}"),
        None => format!("Terraform run key {EPHEMERAL_MARKER}"),
    }
}

/// A create the API refused: at `role` when the role was the reason (the plan-time check
/// passed, yet the server knows better), else for the whole block.
fn create_failed(name: &str, e: &Error) -> Diagnostics {
    let mut d = Diagnostics::new();
    let summary = format!("Could not create ephemeral API key {name:?}");
    if crate::roles::refused_role(e) {
        d.error_at(AttributePath::root("role"), summary, e.to_string());
    } else {
        d.error(summary, e.to_string());
    }
    d
}

/// Terraform was interrupted while the create was out, and Open tried to delete the key it got
/// back: a key left behind must be named (never its secret), so the user can find it.
fn interrupted(key: &OpenKey, delete_failed: Option<&Error>) -> Diagnostics {
    let mut d = Diagnostics::new();
    match delete_failed {
        None => d.error(
            "Cancelled",
            "Terraform was interrupted while the API key was being created; it was deleted again.",
        ),
        Some(e) => d.error(
            format!("Could not delete ephemeral API key {}", key.id),
            format!(
                "Terraform was interrupted while the API key was being created, and the key {} could not be \
                 deleted after {DELETE_ATTEMPTS} tries: {e}. The provider tries once more as it shuts down; \
                 otherwise delete it in the console or with `terraform query`; it stops working when it expires.",
                key.describe()
            ),
        ),
    }
    d
}

#[async_trait::async_trait]
impl EphemeralResource<Call> for EphemeralApiKey {
    type Model = EphemeralKey;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    /// The role's static rules, as for the resource.
    fn validate(&self, config: &EphemeralKey, d: &mut Diagnostics) {
        match config.role.as_deref() {
            Some(MASTER_ADMINISTRATOR) => crate::roles::master_administrator(d),
            Some(role) if role.trim().is_empty() => {
                d.error_at(AttributePath::root("role"), "Empty role", "`role` must name a role.")
            }
            _ => {}
        }
    }

    async fn open(&self, call: &Call, config: EphemeralKey) -> Result<Opened<EphemeralKey>, Diagnostics> {
        let client = call.client()?;
        if call.ctx.cancel.is_cancelled() {
            let mut d = Diagnostics::new();
            d.error("Cancelled", "Terraform was interrupted; no API key was created.");
            return Err(d);
        }
        let role = config.role.get().cloned().unwrap_or_default();
        // The resource's plan-time role checks (exists, allows API keys, "did you mean").
        let checked = call
            .roles()
            .check(client, &role, Holder::ApiKey, &call.ctx.cancel)
            .await;
        if checked.has_errors() {
            return Err(checked);
        }
        let prefix = config.name_prefix.as_deref().unwrap_or(DEFAULT_PREFIX);
        let exp = config.expiration.as_deref().unwrap_or(DEFAULT_EXPIRATION);
        let name = naming::unique(prefix, client.server_now());
        let item = ApiKeyCreate {
            name: name.clone(),
            role,
            description: Some(server_description(config.description.as_deref())),
            status: None,
            months_to_expiration: Some(expiration::months(exp).unwrap_or(1)),
        };
        // The create's own token: once sent, it must come back with the id, or the key could
        // not be deleted.
        let created = match client.create_api_key_coalesced(item, &CancellationToken::new()).await {
            Ok(c) => c,
            Err(e) => return Err(create_failed(&name, &e)),
        };
        let key = OpenKey {
            id: created.id.clone(),
            name: name.clone(),
            expires_at: created.expired_date_time.clone(),
        };
        // Interrupted while the create was out: StopProvider's hook has run, and Terraform will
        // not use (or maybe close) the key.
        if call.ctx.cancel.is_cancelled() {
            let deleted = open_keys::delete(client, &key, DELETE_ATTEMPTS).await;
            if deleted.is_err() {
                // Kept in the open set: the shutdown hook tries once more.
                call.open_keys().opened(client, &key);
            }
            return Err(interrupted(&key, deleted.err().as_ref()));
        }
        call.open_keys().opened(client, &key);
        tfplugin::log::info("opened ephemeral API key", &[("id", &key.id), ("name", &name)]);
        let private = key.to_private();
        let result = EphemeralKey {
            id: Attr::Known(created.id),
            name: Attr::Known(name),
            expires_at: Attr::from_option(created.expired_date_time),
            secret: Attr::Known(created.value),
            ..config
        };
        Ok(Opened {
            result,
            private,
            warnings: checked,
        })
    }

    async fn close(&self, call: &Call, private: &[u8]) -> Result<(), Diagnostics> {
        let mut d = Diagnostics::new();
        let Some(key) = OpenKey::from_private(private) else {
            d.error(
                "Cannot close the ephemeral API key",
                "Terraform handed back no key to delete. Look for keys whose description ends with \
                 [terraform-ephemeral] and delete them.",
            );
            return Err(d);
        };
        let client = call.client()?;
        match open_keys::delete(client, &key, DELETE_ATTEMPTS).await {
            Ok(()) => {
                call.open_keys().closed(&key.id);
                tfplugin::log::info("closed ephemeral API key", &[("id", &key.id)]);
                Ok(())
            }
            Err(e) => {
                // Left in the open set: the shutdown hook tries once more.
                d.error(
                    format!("Could not delete ephemeral API key {}", key.id),
                    format!(
                        "The key {} was left behind after {DELETE_ATTEMPTS} tries: {e}. Delete it in the console \
                         or with `terraform query`; it stops working when it expires.",
                        key.describe()
                    ),
                );
                Err(d)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::{ephemeral, Model};
    use tfplugin::Value;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(EphemeralKey::attributes().into_iter().map(|(a, _)| (a, Value::Null)));
        for (k, val) in pairs {
            v.set(k, val.clone());
        }
        v
    }

    fn validate(config: &Value) -> Diagnostics {
        ephemeral::<Call, _>(EphemeralApiKey).validate(config)
    }

    #[test]
    fn plan_time_checks_name_their_attribute() {
        assert!(validate(&config(&[("role", MASTER_ADMINISTRATOR.into())])).has_error_at("role"));
        assert!(validate(&config(&[("role", " ".into())])).has_error_at("role"));
        let never = validate(&config(&[("role", "SIEM".into()), ("expiration", "never".into())]));
        assert!(never.has_error_at("expiration"));
        let long = validate(&config(&[
            ("role", "SIEM".into()),
            ("name_prefix", "x".repeat(300).into()),
        ]));
        assert!(long.has_error_at("name_prefix"));
        assert!(!validate(&config(&[("role", "SIEM".into())])).has_errors());
        assert!(!validate(&config(&[("role", Value::Unknown)])).has_errors());
    }

    fn api(status: u16, code: &str, message: &str) -> Error {
        Error::Api(visionone_client::ApiError::new(status, code, message))
    }

    #[test]
    fn a_failed_create_is_at_role_only_when_the_role_was_refused() {
        let role = create_failed(
            "terraform-run-x",
            &api(
                400,
                "InvalidParameterValue",
                "role 'Auditor' may not be assigned to API keys",
            ),
        );
        assert!(role.has_error_at("role"), "{role:?}");
        for e in [
            api(500, "InternalServerError", "boom"),
            api(
                403,
                "AccessDenied",
                "The role of this credential lacks the permission 'x'",
            ),
            api(409, "Conflict", "name already used"),
        ] {
            let d = create_failed("terraform-run-x", &e);
            assert!(d.has_errors() && !d.has_error_at("role"), "{e}: {d:?}");
            assert_eq!(d.0[0].attribute, None, "{e}");
            assert!(d.0[0].summary.contains("terraform-run-x"));
        }
    }

    #[test]
    fn an_interrupted_open_names_a_key_it_could_not_delete() {
        let key = OpenKey {
            id: "k-1".into(),
            name: "terraform-run-x".into(),
            expires_at: Some("2026-01-01T00:00:00Z".into()),
        };
        let deleted = interrupted(&key, None);
        assert!(deleted.has_errors());
        assert!(deleted.0[0].detail.contains("deleted again"), "{deleted:?}");
        let cause = api(503, "HTTP503", "unavailable");
        let left = interrupted(&key, Some(&cause));
        let x = &left.0[0];
        assert!(left.has_errors() && x.attribute.is_none());
        assert!(x.summary.contains("k-1"), "{x:?}");
        assert!(x.detail.contains(&key.describe()), "{x:?}");
        assert!(x.detail.contains("could not be deleted"), "{x:?}");
        assert!(x.detail.contains(&cause.to_string()), "{x:?}");
        assert!(!x.detail.contains("deleted again"), "{x:?}");
    }

    #[test]
    fn every_key_description_carries_the_marker() {
        assert!(server_description(None).ends_with(EPHEMERAL_MARKER));
        assert!(server_description(Some("  ")).ends_with(EPHEMERAL_MARKER));
        assert_eq!(server_description(Some("ci")), format!("ci {EPHEMERAL_MARKER}"));
    }
}
