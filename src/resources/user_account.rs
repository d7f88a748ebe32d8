//! `visionone_user_account`: people, SAML users and SAML groups invited from HCL (contract §4).
//!
//! Two API quirks shape this resource:
//! - a new account is an *invitation* under a temporary id that changes when it is accepted, so
//!   Read follows the account by email and quietly records the new id;
//! - invitations and SAML groups cannot be updated, so a change to one is planned as a replacement
//!   (delete and invite again) with a warning, instead of failing at apply.
//!
//! `enabled` means "not disabled": a pending invitation is `enabled = true` with `status = "invited"`,
//! so the default configuration plans clean before and after the invitation is accepted.

use crate::provider::Call;
use crate::roles::{truncate, Holder};
use tfplugin::framework::{Attr, Failure, Identity, Imported, Plan, Resource};
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Validator, Value};
use visionone_api::{Account, AccountCreate, AccountStatus, AccountUpdate, AuthType, Status};
use visionone_client::{CancellationToken, Client, Error};

/// The longest description the API accepts.
const MAX_DESCRIPTION: usize = 1000;
/// The longest email address (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;

tfplugin::model! {
    /// The state of a `visionone_user_account`.
    pub struct AccountState {
        pub id: String,
        pub email: String,
        pub auth_type: String,
        pub role: String,
        pub description: String,
        pub enabled: bool,
        pub status: String,
        pub created_at: String,
        pub last_login_at: String,
    }
}

impl AccountState {
    /// A description as the API means it: empty and absent are the same.
    fn description(&self) -> Option<&str> {
        self.description.as_deref().filter(|s| !s.is_empty())
    }
    fn auth(&self) -> Option<AuthType> {
        self.auth_type.as_deref().and_then(auth_type_from_hcl)
    }
}

/// Whether an attribute may differ between two states (unknown counts as a change).
fn differs<T: PartialEq>(a: &Attr<T>, b: &Attr<T>) -> bool {
    a.is_unknown() || b.is_unknown() || a != b
}

/// The description differs as the API sees it ("" and null are the same).
fn description_differs(a: &AccountState, b: &AccountState) -> bool {
    a.description.is_unknown() || b.description.is_unknown() || a.description() != b.description()
}

pub struct UserAccount;

type Written = Result<AccountState, Failure<AccountState>>;

#[async_trait::async_trait]
impl Resource<Call> for UserAccount {
    type Model = AccountState;
    const TYPE_NAME: &'static str = "visionone_user_account";

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &AccountState, d: &mut Diagnostics) {
        validate(config, d)
    }

    async fn modify_plan(&self, call: &Call, plan: &mut Plan<AccountState>) {
        plan_change(call, plan).await
    }

    async fn create(&self, call: &Call, planned: AccountState) -> Written {
        create(call.client()?, call, planned).await
    }

    async fn read(&self, call: &Call, current: AccountState) -> Result<Option<AccountState>, Failure<AccountState>> {
        read(call, current).await
    }

    async fn update(&self, call: &Call, prior: AccountState, planned: AccountState) -> Written {
        update(call.client()?, call, prior, planned).await
    }

    async fn delete(&self, call: &Call, prior: AccountState) -> Result<(), Failure<AccountState>> {
        delete(call.client()?, call, &prior).await
    }

    async fn import(&self, call: &Call, id: &str) -> Result<Imported<AccountState>, Diagnostics> {
        import(call, id).await
    }

    /// By email and auth type: the id changes when an invitation is accepted, these do not.
    fn identity(&self) -> Identity {
        Identity::new(0)
            .attr("email", "The account's email address.")
            .attr("auth_type", "How the person signs in: `local`, `saml` or `saml_group`.")
    }

    async fn import_identity(&self, call: &Call, identity: &Value) -> Result<Imported<AccountState>, Diagnostics> {
        import_by_identity(call, identity).await
    }
}

// ---------------------------------------------------------------------------------------------
// Schema and API mapping
// ---------------------------------------------------------------------------------------------

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new()
            .description(
                "A Vision One user account: a local user, a SAML user or a SAML group, invited by email. \
                 A new account is an invitation (`status = \"invited\"`) until the person accepts it; the \
                 account's id changes then, and the provider follows it by email without showing a diff. \
                 Invitations and SAML groups cannot be updated through the API, so a role or description \
                 change on one of them replaces it (the person is invited again).",
            )
            .attr(Attribute::string("id").computed().use_state_for_unknown().description(
                "The account id. It changes when the invitation is accepted; refresh records the new one.",
            ))
            .attr(Attribute::string("email").required().requires_replace().description(
                "The person's email address (for `saml_group`, the group's email-style identifier, e.g. \
                 `auditors@idp`, whose domain needs no dot).",
            ))
            .attr(
                Attribute::string("auth_type")
                    .required()
                    .requires_replace()
                    .description("How the person signs in: `local`, `saml` or `saml_group`."),
            )
            .attr(Attribute::string("role").required().description(
                "The name of the role to give the account (predefined or custom); the role must allow user \
                 accounts. Updated in place on an active account; on an invitation or a SAML group a change \
                 forces a new invitation.",
            ))
            .attr(
                Attribute::string("description")
                    .optional_omitted_when_null()
                    .validate(Validator::Pattern {
                        rule: "hold at most 1000 characters",
                        check: |s| s.chars().count() <= MAX_DESCRIPTION,
                    })
                    .description("A free-text note. An empty string and no description are the same."),
            )
            .attr(
                Attribute::bool("enabled")
                    .optional()
                    .computed()
                    .default(true)
                    .description(
                        "Whether the account may sign in. A pending invitation counts as enabled and cannot be \
                 disabled: wait until it is accepted, or delete it. SAML groups cannot be disabled through \
                 the API.",
                    ),
            )
            .attr(
                Attribute::string("status")
                    .computed()
                    .use_state_for_unknown()
                    .description("`invited` until the invitation is accepted, then `enabled` or `disabled`."),
            )
            .attr(
                Attribute::string("created_at")
                    .computed()
                    .use_state_for_unknown()
                    .description("When the account was created (RFC 3339)."),
            )
            .attr(
                Attribute::string("last_login_at")
                    .computed()
                    .use_state_for_unknown()
                    .description("When the person last signed in (RFC 3339); null until the first sign-in."),
            ),
    )
}

/// The HCL spelling of an auth type and its API value.
const AUTH_TYPES: &[(&str, AuthType)] = &[
    ("local", AuthType::Local),
    ("saml", AuthType::Saml),
    ("saml_group", AuthType::SamlGroup),
];

fn auth_type_from_hcl(s: &str) -> Option<AuthType> {
    AUTH_TYPES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
}

pub(crate) fn auth_type_to_hcl(t: AuthType) -> &'static str {
    AUTH_TYPES
        .iter()
        .find(|(_, x)| *x == t)
        .map(|(n, _)| *n)
        .unwrap_or("local")
}

/// The state for an account as the API shows it. `prior` keeps the user's spelling where the API
/// means the same thing (email case, an empty description).
pub(crate) fn state_from(a: &Account, prior: Option<&AccountState>) -> AccountState {
    let prior_email = prior
        .and_then(|p| p.email.as_deref())
        .filter(|e| e.eq_ignore_ascii_case(&a.email));
    let description = match a.description.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Attr::from(d),
        None if prior.is_some_and(|p| p.description.as_deref() == Some("")) => Attr::from(""),
        None => Attr::Null,
    };
    AccountState {
        id: Attr::from(a.id.as_str()),
        email: Attr::from(prior_email.unwrap_or(&a.email)),
        auth_type: Attr::from(auth_type_to_hcl(a.auth_type)),
        role: Attr::from(a.role.as_str()),
        description,
        enabled: Attr::Known(a.status != AccountStatus::Disabled),
        status: Attr::from(a.status.as_str()),
        created_at: Attr::from_option(a.created_date_time.clone()),
        last_login_at: Attr::from_option(a.last_login_date_time.clone()),
    }
}

/// The account under `id`, or (an accepted invitation changes the id) the one with this email and
/// auth type. `None` when neither exists.
async fn locate(
    client: &Client,
    id: &str,
    email: &str,
    auth_type: Option<AuthType>,
    cancel: &CancellationToken,
) -> Result<Option<Account>, Error> {
    locate_with(client, id, email, auth_type, false, cancel).await
}

/// `locate` for a refresh: the id is looked up in the shared list snapshot, so many accounts
/// being read cost one paged list instead of a GET each.
async fn locate_shared(
    client: &Client,
    id: &str,
    email: &str,
    auth_type: Option<AuthType>,
    cancel: &CancellationToken,
) -> Result<Option<Account>, Error> {
    locate_with(client, id, email, auth_type, true, cancel).await
}

async fn locate_with(
    client: &Client,
    id: &str,
    email: &str,
    auth_type: Option<AuthType>,
    shared: bool,
    cancel: &CancellationToken,
) -> Result<Option<Account>, Error> {
    if !id.is_empty() {
        let found = if shared {
            client.read_account_shared(id, cancel).await?
        } else {
            client.get_account(id, cancel).await?
        };
        if let Some(a) = found {
            return Ok(Some(a));
        }
    }
    if email.is_empty() {
        return Ok(None);
    }
    client.find_account_by_email(email, auth_type, cancel).await
}

// ---------------------------------------------------------------------------------------------
// Validation (no API)
// ---------------------------------------------------------------------------------------------

/// Why `email` is not acceptable, if it is not. Local and SAML users need a real address (one `@`,
/// text on both sides, a dotted domain); a SAML group's identifier only needs the `@` shape the API
/// checks.
fn email_problem(email: &str, group: bool) -> Option<&'static str> {
    if email.is_empty() {
        return Some("must not be empty");
    }
    if email.len() > MAX_EMAIL {
        return Some("must be at most 254 characters long");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain spaces or control characters");
    }
    if email.matches('@').count() != 1 {
        return Some("must contain exactly one @");
    }
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() || domain.is_empty() {
        return Some("needs text before and after the @");
    }
    if !group && (!domain.contains('.') || domain.split('.').any(str::is_empty)) {
        return Some("needs a domain with a dot after the @ (like example.com)");
    }
    None
}

fn validate(config: &AccountState, d: &mut Diagnostics) {
    let auth = config.auth_type.as_deref();
    if let Some(a) = auth {
        if auth_type_from_hcl(a).is_none() {
            d.error_at(
                AttributePath::root("auth_type"),
                "Unknown auth_type",
                format!("auth_type {a:?} is not one of \"local\", \"saml\", \"saml_group\"."),
            );
        }
    }
    if let Some(email) = config.email.as_deref() {
        if let Some(why) = email_problem(email, auth == Some("saml_group")) {
            d.error_at(
                AttributePath::root("email"),
                "Invalid email address",
                format!("The email {:?} {why}.", truncate(email)),
            );
        }
    }
    if config.role.as_deref().is_some_and(|r| r.trim().is_empty()) {
        d.error_at(
            AttributePath::root("role"),
            "Empty role",
            "role must name a role, e.g. \"Auditor\".",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

/// What the generic planner cannot know: invitations and SAML groups cannot be updated (a change
/// replaces them, with a warning), what cannot be disabled, the planned `status`, and the role.
async fn plan_change(call: &Call, plan: &mut Plan<AccountState>) {
    let d = &mut plan.diagnostics;
    let planned = &mut plan.planned;
    let prior = plan.prior.clone().unwrap_or_default();
    let create = plan.prior.is_none();
    let mut replacing = create || !plan.requires_replace.is_empty();
    let invited = prior.status.as_deref() == Some(AccountStatus::Invited.as_str());
    let group = prior.auth_type.as_deref() == Some("saml_group");
    let turning_off = planned.enabled.value() == Some(false) && prior.enabled.value() != Some(false);

    if !replacing && (invited || group) {
        let mut forced: Vec<&str> = Vec::new();
        if differs(&prior.role, &planned.role) {
            forced.push("role");
        }
        if description_differs(&prior, planned) {
            forced.push("description");
        }
        // A disabled SAML group can only be enabled again by inviting it anew.
        if group && planned.enabled.value() == Some(true) && differs(&prior.enabled, &planned.enabled) {
            forced.push("enabled");
        }
        if !forced.is_empty() {
            replacing = true;
            let what = if invited { "still an invitation" } else { "a SAML group" };
            for a in &forced {
                plan.requires_replace.push(AttributePath::root(a));
            }
            d.warning_at(
                AttributePath::root(forced[0]),
                "The account will be deleted and invited again",
                format!(
                    "Changing {} on {:?}: the account is {what}, which the Vision One API cannot update; it will \
                     be invited again.",
                    forced.join(" and "),
                    planned.email.as_deref().unwrap_or("this account"),
                ),
            );
        }
    }

    if turning_off {
        let why = if replacing {
            Some((
                "A new invitation cannot be disabled",
                "Every new account starts as a pending invitation, which the Vision One API cannot disable. \
                 Create it with enabled = true and set enabled = false once the invitation is accepted.",
            ))
        } else if invited {
            Some((
                "A pending invitation cannot be disabled",
                "The account is still an invitation, which the Vision One API cannot disable. Delete the \
                 resource to withdraw the invitation, or wait until it is accepted and then set enabled = false.",
            ))
        } else if group {
            Some((
                "A SAML group cannot be disabled",
                "The Vision One API cannot update SAML group accounts.",
            ))
        } else {
            None
        };
        if let Some((summary, detail)) = why {
            d.error_at(AttributePath::root("enabled"), summary, detail);
        }
    }

    if !replacing && differs(&prior.enabled, &planned.enabled) {
        planned.status = match planned.enabled.value() {
            _ if invited => Attr::from(AccountStatus::Invited.as_str()),
            Some(true) => Attr::from(AccountStatus::Enabled.as_str()),
            Some(false) => Attr::from(AccountStatus::Disabled.as_str()),
            None => Attr::Unknown,
        };
    }

    let role_changes = replacing || differs(&prior.role, &planned.role);
    if let (true, Some(role), Some(client)) = (role_changes, planned.role.as_deref(), call.client_opt()) {
        if !role.trim().is_empty() && !call.ctx.cancel.is_cancelled() {
            d.extend(
                call.roles()
                    .check(client, role, Holder::UserAccount, &call.ctx.cancel)
                    .await,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

async fn create(client: &Client, call: &Call, planned: AccountState) -> Written {
    let email = planned.email.as_deref().unwrap_or_default().to_string();
    let Some(auth_type) = planned.auth() else {
        return Err(Failure::error(
            "Unknown auth_type",
            "auth_type must be local, saml or saml_group.",
        ));
    };
    if call.ctx.cancel.is_cancelled() {
        return Err(Failure::error(
            "Cancelled",
            format!("The invitation for {email:?} was not sent."),
        ));
    }
    let body = AccountCreate {
        email: email.clone(),
        role: planned.role.as_deref().unwrap_or_default().to_string(),
        auth_type,
        description: planned.description().map(str::to_string),
    };
    // Once sent, the invite must finish so the account reaches state: a fresh token Ctrl-C cannot cancel.
    let sent = CancellationToken::new();
    let id = match client.invite_account(&body, &sent).await {
        Ok(id) => id,
        Err(e) => return Err(Failure::error("Could not invite the user account", e.to_string())),
    };
    tfplugin::log::info(
        "invited user account",
        &[("id", &id), ("auth_type", &auth_type.as_str())],
    );
    match locate(client, &id, &email, Some(auth_type), &sent).await {
        Ok(Some(a)) => Ok(AccountState {
            id: Attr::Known(a.id),
            status: Attr::from(a.status.as_str()),
            created_at: Attr::from_option(a.created_date_time),
            last_login_at: Attr::from_option(a.last_login_date_time),
            ..planned
        }),
        other => {
            let why = match other {
                Err(e) => e.to_string(),
                _ => "it was not found right after the invitation".into(),
            };
            let mut d = Diagnostics::new();
            d.warning(
                "Could not read the new account back",
                format!("The invitation for {email:?} was sent (id {id}) but reading it back failed: {why}. The next refresh fills in its details."),
            );
            let state = AccountState {
                id: Attr::Known(id),
                status: Attr::from(AccountStatus::Invited.as_str()),
                created_at: Attr::Null,
                last_login_at: Attr::Null,
                ..planned
            };
            Err(Failure::with_state(state, d))
        }
    }
}

async fn update(client: &Client, call: &Call, prior: AccountState, planned: AccountState) -> Written {
    let id = prior.id.as_deref().unwrap_or_default().to_string();
    let mut change = AccountUpdate::default();
    if differs(&prior.role, &planned.role) {
        change.role = planned.role.get().cloned();
    }
    if description_differs(&prior, &planned) {
        change.description = Some(planned.description.as_deref().unwrap_or_default().to_string());
    }
    if differs(&prior.enabled, &planned.enabled) {
        change.status = planned
            .enabled
            .value()
            .map(|on| if on { Status::Enabled } else { Status::Disabled });
    }
    if change == AccountUpdate::default() {
        return Ok(planned);
    }
    match client.update_account(&id, &change, &call.ctx.cancel).await {
        Ok(()) => Ok(planned),
        Err(e) if e.is_not_found() => Err(Failure::error(
            "The account is no longer under its recorded id",
            format!(
                "Account {id} was not found: its invitation may have been accepted (which changes the id) or it \
                 was deleted since the last refresh. Run terraform apply again; the refresh finds it by email."
            ),
        )),
        Err(e) => Err(Failure::error("Could not update the user account", e.to_string())),
    }
}

async fn delete(client: &Client, call: &Call, prior: &AccountState) -> Result<(), Failure<AccountState>> {
    let id = prior.id.as_deref().unwrap_or_default();
    let cancel = &call.ctx.cancel;
    let failed = |summary: &str, e: Error| Failure::error(summary, e.to_string());
    client
        .delete_account(id, cancel)
        .await
        .map_err(|e| failed("Could not delete the user account", e))?;
    // An invitation accepted since the last refresh lives on under a new id: delete that one too.
    if prior.status.as_deref() == Some(AccountStatus::Invited.as_str()) {
        let email = prior.email.as_deref().unwrap_or_default();
        let found = locate(client, "", email, prior.auth(), cancel)
            .await
            .map_err(|e| failed("Could not check that the account is gone", e))?;
        if let Some(a) = found {
            client
                .delete_account(&a.id, cancel)
                .await
                .map_err(|e| failed("Could not delete the user account", e))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Read and import
// ---------------------------------------------------------------------------------------------

async fn read(call: &Call, state: AccountState) -> Result<Option<AccountState>, Failure<AccountState>> {
    let client = call.client()?;
    let id = state.id.as_deref().unwrap_or_default();
    let email = state.email.as_deref().unwrap_or_default();
    match locate_shared(client, id, email, state.auth(), &call.ctx.cancel).await {
        Ok(Some(a)) => {
            if a.id != id {
                tfplugin::log::info("user account found under a new id", &[("old_id", &id), ("id", &a.id)]);
            }
            Ok(Some(state_from(&a, Some(&state))))
        }
        Ok(None) => {
            tfplugin::log::info("user account gone from Vision One", &[("id", &id)]);
            Ok(None)
        }
        Err(e) => Err(Failure::error("Could not read the user account", e.to_string())),
    }
}

/// Import by id or by email: an argument holding `@`, or one that is no account id, is looked up by email.
async fn import(call: &Call, arg: &str) -> Result<Imported<AccountState>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let client = call.client()?;
    let id = if arg.contains('@') { "" } else { arg };
    match locate(client, id, arg, None, &call.ctx.cancel).await {
        Ok(Some(a)) => {
            return Ok(Imported {
                state: state_from(&a, None),
                warnings: diagnostics,
            })
        }
        Ok(None) => diagnostics.error(
            "User account not found",
            format!("No account has the id or email {:?}.", truncate(arg)),
        ),
        Err(e) => diagnostics.error("Could not look up the user account", e.to_string()),
    }
    Err(diagnostics)
}

/// Import from `import { identity = { email = ..., auth_type = ... } }`.
async fn import_by_identity(call: &Call, identity: &Value) -> Result<Imported<AccountState>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let email = identity.get("email").as_str().unwrap_or_default();
    let auth = identity.get("auth_type").as_str().unwrap_or_default();
    let Some(auth_type) = auth_type_from_hcl(auth) else {
        diagnostics.error(
            "Invalid identity",
            format!(
                "`auth_type` {:?} is not one of `local`, `saml`, `saml_group`.",
                truncate(auth)
            ),
        );
        return Err(diagnostics);
    };
    match locate(call.client()?, "", email, Some(auth_type), &call.ctx.cancel).await {
        Ok(Some(a)) => {
            return Ok(Imported {
                state: state_from(&a, None),
                warnings: diagnostics,
            })
        }
        Ok(None) => diagnostics.error(
            "User account not found",
            format!("No {auth} account has the email {:?}.", truncate(email)),
        ),
        Err(e) => diagnostics.error("Could not look up the user account", e.to_string()),
    }
    Err(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::{Model, ResourceHandler};
    use tfplugin::{PlanRequest, PlanResponse, Severity, Value};

    const TYPE_NAME: &str = "visionone_user_account";
    /// Computed attributes, all unknown when a new account will be invited.
    const COMPUTED: &[&str] = &["id", "status", "created_at", "last_login_at"];

    fn handler() -> Box<dyn ResourceHandler<Call>> {
        tfplugin::framework::resource(UserAccount)
    }

    fn validate(config: &Value) -> Diagnostics {
        handler().validate(config)
    }

    async fn plan_change(call: &Call, req: PlanRequest) -> PlanResponse {
        handler().plan(call, req).await
    }

    fn state_from(a: &Account, prior: Option<&Value>) -> Value {
        let prior = prior.map(|p| AccountState::from_value(p).unwrap());
        super::state_from(a, prior.as_ref()).to_value()
    }

    fn config(enabled: Value, role: &str) -> Value {
        Value::object([
            ("id", Value::Null),
            ("email", "ann@example.com".into()),
            ("auth_type", "local".into()),
            ("role", role.into()),
            ("description", Value::Null),
            ("enabled", enabled),
            ("status", Value::Null),
            ("created_at", Value::Null),
            ("last_login_at", Value::Null),
        ])
    }

    fn prior(status: &str, auth: &str) -> Value {
        let mut p = config(Value::Bool(status != "disabled"), "Auditor");
        p.set("id", "acc-1".into());
        p.set("auth_type", auth.into());
        p.set("status", status.into());
        p.set("created_at", "2026-01-01T00:00:00Z".into());
        p
    }

    /// Terraform's proposed state: config, with optional+computed nulls taken from prior.
    fn proposed(prior: &Value, config: &Value) -> Value {
        let mut p = config.clone();
        for a in ["id", "status", "created_at", "last_login_at", "enabled"] {
            if config.get(a).is_null() {
                p.set(a, prior.get(a).clone());
            }
        }
        p
    }

    async fn plan_of(prior: Value, config: Value) -> PlanResponse {
        let req = PlanRequest {
            type_name: TYPE_NAME.into(),
            proposed_new_state: proposed(&prior, &config),
            prior_state: prior,
            config,
            prior_private: vec![],
        };
        plan_change(&Call::for_test(None), req).await
    }

    fn replaced(r: &PlanResponse) -> Vec<String> {
        r.requires_replace
            .iter()
            .map(|p| match &p.0[0] {
                tfplugin::PathStep::Attr(a) => a.clone(),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn emails() {
        assert_eq!(email_problem("ann@example.com", false), None);
        assert_eq!(email_problem("auditors@idp", true), None);
        assert!(email_problem("auditors@idp", false).is_some());
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "a@b@c.com",
            "a b@example.com",
            "ann@example.",
            "ann@.com",
        ] {
            assert!(email_problem(bad, false).is_some(), "{bad}");
        }
        assert!(email_problem(&format!("{}@example.com", "a".repeat(250)), false).is_some());
    }

    #[test]
    fn validate_names_attributes() {
        let mut c = config(Value::Null, "Auditor");
        c.set("email", "not-an-email".into());
        c.set("auth_type", "ldap".into());
        let d = validate(&c);
        let at: Vec<_> = d.0.iter().map(|x| x.attribute.clone().unwrap()).collect();
        assert!(at.contains(&AttributePath::root("email")));
        assert!(at.contains(&AttributePath::root("auth_type")));
        c.set("email", Value::Unknown);
        c.set("auth_type", "saml_group".into());
        assert!(validate(&c).is_empty());
    }

    #[tokio::test]
    async fn create_defaults_enabled_and_leaves_computed_unknown() {
        let r = plan_of(Value::Null, config(Value::Null, "Auditor")).await;
        assert!(r.diagnostics.is_empty());
        assert_eq!(r.planned_state.get("enabled"), &Value::Bool(true));
        for a in COMPUTED {
            assert!(r.planned_state.get(a).is_unknown(), "{a}");
        }
    }

    #[tokio::test]
    async fn create_disabled_is_an_error_at_enabled() {
        let r = plan_of(Value::Null, config(Value::Bool(false), "Auditor")).await;
        assert!(r.diagnostics.has_errors());
        assert_eq!(r.diagnostics.0[0].attribute, Some(AttributePath::root("enabled")));
    }

    #[tokio::test]
    async fn invitation_plans_clean_and_role_change_replaces_with_warning() {
        let p = prior("invited", "local");
        let r = plan_of(p.clone(), config(Value::Null, "Auditor")).await;
        assert_eq!(r.planned_state, p);
        assert!(r.diagnostics.is_empty());

        let r = plan_of(p.clone(), config(Value::Null, "Analyst")).await;
        assert!(replaced(&r).contains(&"role".to_string()));
        assert!(r.planned_state.get("id").is_unknown());
        let w = &r.diagnostics.0[0];
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.detail.contains("still an invitation"), "{}", w.detail);

        let r = plan_of(p, config(Value::Bool(false), "Auditor")).await;
        assert!(r.diagnostics.has_errors());
        assert!(r.diagnostics.0[0].summary.contains("pending invitation"));
    }

    #[tokio::test]
    async fn active_account_updates_in_place() {
        let p = prior("enabled", "local");
        let r = plan_of(p.clone(), config(Value::Bool(false), "Analyst")).await;
        assert!(r.diagnostics.is_empty());
        assert!(!replaced(&r).contains(&"role".to_string()));
        assert_eq!(r.planned_state.get("status").as_str(), Some("disabled"));
        assert_eq!(r.planned_state.get("id").as_str(), Some("acc-1"));
        // Removing `enabled` from config means the default, not the prior value.
        let mut off = p.clone();
        off.set("enabled", false.into());
        off.set("status", "disabled".into());
        let r = plan_of(off, config(Value::Null, "Auditor")).await;
        assert_eq!(r.planned_state.get("enabled"), &Value::Bool(true));
        assert_eq!(r.planned_state.get("status").as_str(), Some("enabled"));
    }

    #[tokio::test]
    async fn saml_group_description_change_replaces() {
        let p = prior("enabled", "saml_group");
        let mut c = config(Value::Null, "Auditor");
        c.set("auth_type", "saml_group".into());
        c.set("description", "x".into());
        let r = plan_of(p, c).await;
        assert!(replaced(&r).contains(&"description".to_string()));
        assert!(r.diagnostics.0[0].detail.contains("a SAML group"));
    }

    #[test]
    fn state_keeps_the_users_spelling() {
        let a = Account {
            id: "n".into(),
            email: "Ann@Example.com".into(),
            role: "Auditor".into(),
            auth_type: AuthType::SamlGroup,
            status: AccountStatus::Invited,
            description: Some(String::new()),
            created_date_time: None,
            last_login_date_time: None,
        };
        let mut p = prior("invited", "saml_group");
        p.set("description", "".into());
        let s = state_from(&a, Some(&p));
        assert_eq!(s.get("email").as_str(), Some("ann@example.com"));
        assert_eq!(s.get("description").as_str(), Some(""));
        assert_eq!(s.get("enabled"), &Value::Bool(true));
        assert_eq!(s.get("auth_type").as_str(), Some("saml_group"));
        assert!(state_from(&a, None).get("description").is_null());
    }
}
