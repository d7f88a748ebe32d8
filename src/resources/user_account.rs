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
use crate::resources::{plan, Resource};
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostics, ImportResponse, ImportedResource,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema, Value,
};
use visionone_api::{Account, AccountCreate, AccountStatus, AccountUpdate, AuthType, Status};
use visionone_client::{CancellationToken, Client, Error, ListQuery};

const TYPE_NAME: &str = "visionone_user_account";
/// Computed attributes, all unknown when a new account will be invited.
const COMPUTED: &[&str] = &["id", "status", "created_at", "last_login_at"];
/// The longest description the API accepts.
const MAX_DESCRIPTION: usize = 1000;
/// The longest email address (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;

pub struct UserAccount;

#[async_trait::async_trait]
impl Resource for UserAccount {
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
        if req.planned_state.is_null() {
            delete(client, call, req.prior_state).await
        } else if req.prior_state.is_null() {
            create(client, call, req.planned_state).await
        } else {
            update(client, call, req.prior_state, req.planned_state).await
        }
    }

    async fn read(&self, call: &Call, req: ReadRequest) -> ReadResponse {
        read(call, req).await
    }

    async fn import(&self, call: &Call, id: &str) -> ImportResponse {
        import(call, id).await
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
            .attr(Attribute::string("id").computed().description(
                "The account id. It changes when the invitation is accepted; refresh records the new one.",
            ))
            .attr(Attribute::string("email").required().description(
                "The person's email address (for `saml_group`, the group's email-style identifier, e.g. \
                 `auditors@idp`, whose domain needs no dot). Changing it forces a new account.",
            ))
            .attr(Attribute::string("auth_type").required().description(
                "How the person signs in: `local`, `saml` or `saml_group`. Changing it forces a new account.",
            ))
            .attr(Attribute::string("role").required().description(
                "The name of the role to give the account (predefined or custom); the role must allow user \
                 accounts. Updated in place on an active account; on an invitation or a SAML group a change \
                 forces a new invitation.",
            ))
            .attr(Attribute::string("description").optional().description(
                "A free-text note (at most 1000 characters). An empty string and no description are the same.",
            ))
            .attr(Attribute::bool("enabled").optional().computed().description(
                "Whether the account may sign in (default `true`). A pending invitation counts as enabled and \
                 cannot be disabled: wait until it is accepted, or delete it. SAML groups cannot be disabled \
                 through the API.",
            ))
            .attr(
                Attribute::string("status")
                    .computed()
                    .description("`invited` until the invitation is accepted, then `enabled` or `disabled`."),
            )
            .attr(
                Attribute::string("created_at")
                    .computed()
                    .description("When the account was created (RFC 3339)."),
            )
            .attr(
                Attribute::string("last_login_at")
                    .computed()
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

fn auth_type_to_hcl(t: AuthType) -> &'static str {
    AUTH_TYPES
        .iter()
        .find(|(_, x)| *x == t)
        .map(|(n, _)| *n)
        .unwrap_or("local")
}

/// A description as the API means it: empty and absent are the same.
fn norm_description(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// Whether `attr` may differ between two states (unknown counts as a change).
fn differs(a: &Value, b: &Value, attr: &str) -> bool {
    let (x, y) = (a.get(attr), b.get(attr));
    if x.is_unknown() || y.is_unknown() {
        return true;
    }
    if attr == "description" {
        return norm_description(x) != norm_description(y);
    }
    x != y
}

/// The state for an account as the API shows it. `prior` keeps the user's spelling where the API
/// means the same thing (email case, an empty description).
fn state_from(a: &Account, prior: Option<&Value>) -> Value {
    let prior_email = prior
        .and_then(|p| p.get("email").as_str())
        .filter(|e| e.eq_ignore_ascii_case(&a.email));
    let description = match a.description.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Value::string(d),
        None if prior.is_some_and(|p| p.get("description").as_str() == Some("")) => Value::string(""),
        None => Value::Null,
    };
    Value::object([
        ("id", Value::string(&a.id)),
        ("email", Value::string(prior_email.unwrap_or(&a.email))),
        ("auth_type", Value::string(auth_type_to_hcl(a.auth_type))),
        ("role", Value::string(&a.role)),
        ("description", description),
        ("enabled", Value::Bool(a.status != AccountStatus::Disabled)),
        ("status", Value::string(a.status.as_str())),
        ("created_at", Value::opt_string(a.created_date_time.clone())),
        ("last_login_at", Value::opt_string(a.last_login_date_time.clone())),
    ])
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

fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let auth = config.get("auth_type").as_str();
    if let Some(a) = auth {
        if auth_type_from_hcl(a).is_none() {
            d.error_at(
                AttributePath::root("auth_type"),
                "Unknown auth_type",
                format!("auth_type {a:?} is not one of \"local\", \"saml\", \"saml_group\"."),
            );
        }
    }
    if let Some(email) = config.get("email").as_str() {
        if let Some(why) = email_problem(email, auth == Some("saml_group")) {
            d.error_at(
                AttributePath::root("email"),
                "Invalid email address",
                format!("The email {:?} {why}.", truncate(email)),
            );
        }
    }
    if config.get("role").as_str().is_some_and(|r| r.trim().is_empty()) {
        d.error_at(
            AttributePath::root("role"),
            "Empty role",
            "role must name a role, e.g. \"Auditor\".",
        );
    }
    if config
        .get("description")
        .as_str()
        .is_some_and(|s| s.chars().count() > MAX_DESCRIPTION)
    {
        d.error_at(
            AttributePath::root("description"),
            "Description too long",
            format!("The description may hold at most {MAX_DESCRIPTION} characters."),
        );
    }
    d
}

/// At most 80 characters of user input for a message.
fn truncate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(80).collect::<String>())
    }
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

async fn plan_change(call: &Call, req: PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_state: Value::Null,
        requires_replace: vec![],
        planned_private: req.prior_private,
        diagnostics: Diagnostics::new(),
    };
    if req.proposed_new_state.is_null() {
        return resp; // destroy
    }
    let prior = &req.prior_state;
    let mut planned = req.proposed_new_state;
    // Optional+computed: Terraform proposes the prior value when config is null, but null means the default.
    let enabled = match req.config.get("enabled") {
        Value::Null => Value::Bool(true),
        v => v.clone(),
    };
    planned.set("enabled", enabled);

    let d = &mut resp.diagnostics;
    resp.requires_replace = vec![AttributePath::root("email"), AttributePath::root("auth_type")];
    let create = prior.is_null();
    let mut replacing = create || differs(prior, &planned, "email") || differs(prior, &planned, "auth_type");
    let invited = prior.get("status").as_str() == Some(AccountStatus::Invited.as_str());
    let group = prior.get("auth_type").as_str() == Some("saml_group");
    let turning_off = planned.get("enabled").as_bool() == Some(false) && prior.get("enabled").as_bool() != Some(false);

    if !replacing && (invited || group) {
        let mut forced: Vec<&str> = ["role", "description"]
            .into_iter()
            .filter(|a| differs(prior, &planned, a))
            .collect();
        // A disabled SAML group can only be enabled again by inviting it anew.
        if group && planned.get("enabled").as_bool() == Some(true) && differs(prior, &planned, "enabled") {
            forced.push("enabled");
        }
        if !forced.is_empty() {
            replacing = true;
            let what = if invited { "still an invitation" } else { "a SAML group" };
            for a in &forced {
                resp.requires_replace.push(AttributePath::root(a));
            }
            d.warning_at(
                AttributePath::root(forced[0]),
                "The account will be deleted and invited again",
                format!(
                    "Changing {} on {:?}: the account is {what}, which the Vision One API cannot update; it will \
                     be invited again.",
                    forced.join(" and "),
                    planned.get("email").as_str().unwrap_or("this account"),
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

    if replacing {
        for a in COMPUTED {
            planned.set(a, Value::Unknown);
        }
    } else {
        plan::keep_prior(&mut planned, prior, &["id", "status", "created_at", "last_login_at"]);
        if differs(prior, &planned, "enabled") {
            let status = match planned.get("enabled").as_bool() {
                _ if invited => Value::string(AccountStatus::Invited.as_str()),
                Some(true) => Value::string(AccountStatus::Enabled.as_str()),
                Some(false) => Value::string(AccountStatus::Disabled.as_str()),
                None => Value::Unknown,
            };
            planned.set("status", status);
        }
    }

    let role_changes = replacing || differs(prior, &planned, "role");
    if let (true, Some(role), Some(client)) = (role_changes, planned.get("role").as_str(), call.client_opt()) {
        if !role.trim().is_empty() && !call.ctx.cancel.is_cancelled() {
            d.extend(check_role(client, role, &call.ctx.cancel).await);
        }
    }
    resp.planned_state = planned;
    resp
}

/// The role must exist (or be a custom role this plan creates) and allow user accounts; an unknown
/// name gets the closest valid ones.
async fn check_role(client: &Client, role: &str, cancel: &CancellationToken) -> Diagnostics {
    let mut d = Diagnostics::new();
    let path = AttributePath::root("role");
    let found = match client.find_role_by_name(role, cancel).await {
        Ok(None) => Ok(plan::planned_role(role).map(|p| p.allow_user_account_assignment)),
        other => other.map(|r| r.map(|r| r.allow_user_account_assignment)),
    };
    match found {
        Ok(Some(Some(false))) => d.error_at(
            path,
            "Role cannot be given to user accounts",
            format!(
                "The role {role:?} does not allow user accounts. Choose a role that does, or set \
                 allow_user_account_assignment = true on the custom role."
            ),
        ),
        Ok(Some(_)) => {}
        Ok(None) => {
            let roles = client
                .list_roles(&ListQuery::default(), cancel)
                .await
                .unwrap_or_default();
            let allowed: Vec<&str> = roles
                .iter()
                .filter(|r| r.allow_user_account_assignment != Some(false))
                .map(|r| r.name.as_str())
                .collect();
            let hint = match closest(role, &allowed) {
                s if !s.is_empty() => format!(" Did you mean {}?", quoted(&s)),
                _ if !allowed.is_empty() => format!(" Roles that allow user accounts: {}.", quoted(&allowed)),
                _ => String::new(),
            };
            d.error_at(
                path,
                "Unknown role",
                format!(
                    "No role named {:?} exists in this tenant (names are case-sensitive).{hint} A custom role \
                     managed in the same configuration should be referenced (role = visionone_custom_role.x.name).",
                    truncate(role)
                ),
            );
        }
        Err(e) if e.is_cancelled() => {}
        Err(e) => d.error_at(path, "Could not look up the role", e.to_string()),
    }
    d
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .take(10)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to three names close to `wanted`: same spelling in another case, or a small edit distance.
fn closest<'a>(wanted: &str, names: &[&'a str]) -> Vec<&'a str> {
    let w = wanted.to_lowercase();
    let limit = (w.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .map(|n| {
            let l = n.to_lowercase();
            let score = if l == w || l.contains(&w) || (w.len() >= 4 && w.contains(&l)) {
                0
            } else {
                levenshtein(&w, &l)
            };
            (score, *n)
        })
        .filter(|(s, _)| *s <= limit)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

fn failed(state: Value, summary: &str, detail: String) -> ApplyResponse {
    let mut diagnostics = Diagnostics::new();
    diagnostics.error(summary, detail);
    ApplyResponse {
        new_state: state,
        private: vec![],
        diagnostics,
    }
}

async fn create(client: &Client, call: &Call, planned: Value) -> ApplyResponse {
    let email = planned.get("email").as_str().unwrap_or_default().to_string();
    let Some(auth_type) = planned.get("auth_type").as_str().and_then(auth_type_from_hcl) else {
        return failed(
            Value::Null,
            "Unknown auth_type",
            "auth_type must be local, saml or saml_group.".into(),
        );
    };
    if call.ctx.cancel.is_cancelled() {
        return failed(
            Value::Null,
            "Cancelled",
            format!("The invitation for {email:?} was not sent."),
        );
    }
    let body = AccountCreate {
        email: email.clone(),
        role: planned.get("role").as_str().unwrap_or_default().to_string(),
        auth_type,
        description: norm_description(planned.get("description")).map(str::to_string),
    };
    // Once sent, the invite must finish so the account reaches state: a fresh token Ctrl-C cannot cancel.
    let sent = CancellationToken::new();
    let id = match client.invite_account(&body, &sent).await {
        Ok(id) => id,
        Err(e) => return failed(Value::Null, "Could not invite the user account", e.to_string()),
    };
    tfplugin::log::info(
        "invited user account",
        &[("id", &id), ("auth_type", &auth_type.as_str())],
    );
    let mut state = planned;
    state.set("id", Value::string(&id));
    let mut diagnostics = Diagnostics::new();
    match locate(client, &id, &email, Some(auth_type), &sent).await {
        Ok(Some(a)) => {
            state.set("id", Value::string(&a.id));
            state.set("status", Value::string(a.status.as_str()));
            state.set("created_at", Value::opt_string(a.created_date_time));
            state.set("last_login_at", Value::opt_string(a.last_login_date_time));
        }
        other => {
            state.set("status", Value::string(AccountStatus::Invited.as_str()));
            state.set("created_at", Value::Null);
            state.set("last_login_at", Value::Null);
            let why = match other {
                Err(e) => e.to_string(),
                _ => "it was not found right after the invitation".into(),
            };
            diagnostics.warning(
                "Could not read the new account back",
                format!("The invitation for {email:?} was sent (id {id}) but reading it back failed: {why}. The next refresh fills in its details."),
            );
        }
    }
    ApplyResponse {
        new_state: state,
        private: vec![],
        diagnostics,
    }
}

async fn update(client: &Client, call: &Call, prior: Value, planned: Value) -> ApplyResponse {
    let id = prior.get("id").as_str().unwrap_or_default().to_string();
    let mut change = AccountUpdate::default();
    if differs(&prior, &planned, "role") {
        change.role = planned.get("role").as_str().map(str::to_string);
    }
    if differs(&prior, &planned, "description") {
        change.description = Some(planned.get("description").as_str().unwrap_or_default().to_string());
    }
    if differs(&prior, &planned, "enabled") {
        change.status = planned
            .get("enabled")
            .as_bool()
            .map(|on| if on { Status::Enabled } else { Status::Disabled });
    }
    if change == AccountUpdate::default() {
        return ApplyResponse {
            new_state: planned,
            private: vec![],
            diagnostics: Diagnostics::new(),
        };
    }
    match client.update_account(&id, &change, &call.ctx.cancel).await {
        Ok(()) => ApplyResponse {
            new_state: planned,
            private: vec![],
            diagnostics: Diagnostics::new(),
        },
        Err(e) if e.is_not_found() => failed(
            prior,
            "The account is no longer under its recorded id",
            format!(
                "Account {id} was not found: its invitation may have been accepted (which changes the id) or it \
                 was deleted since the last refresh. Run terraform apply again; the refresh finds it by email."
            ),
        ),
        Err(e) => failed(prior, "Could not update the user account", e.to_string()),
    }
}

async fn delete(client: &Client, call: &Call, prior: Value) -> ApplyResponse {
    let id = prior.get("id").as_str().unwrap_or_default().to_string();
    let cancel = &call.ctx.cancel;
    if let Err(e) = client.delete_account(&id, cancel).await {
        return failed(prior, "Could not delete the user account", e.to_string());
    }
    // An invitation accepted since the last refresh lives on under a new id: delete that one too.
    if prior.get("status").as_str() == Some(AccountStatus::Invited.as_str()) {
        let email = prior.get("email").as_str().unwrap_or_default();
        let auth_type = prior.get("auth_type").as_str().and_then(auth_type_from_hcl);
        let found = match locate(client, "", email, auth_type, cancel).await {
            Ok(found) => found,
            Err(e) => return failed(prior, "Could not check that the account is gone", e.to_string()),
        };
        if let Some(a) = found {
            if let Err(e) = client.delete_account(&a.id, cancel).await {
                return failed(prior, "Could not delete the user account", e.to_string());
            }
        }
    }
    ApplyResponse::no_object(Diagnostics::new())
}

// ---------------------------------------------------------------------------------------------
// Read and import
// ---------------------------------------------------------------------------------------------

async fn read(call: &Call, req: ReadRequest) -> ReadResponse {
    let state = req.current_state;
    let client = match call.client() {
        Ok(c) => c,
        Err(diagnostics) => {
            return ReadResponse {
                new_state: state,
                private: req.private,
                diagnostics,
            }
        }
    };
    let id = state.get("id").as_str().unwrap_or_default();
    let email = state.get("email").as_str().unwrap_or_default();
    let auth_type = state.get("auth_type").as_str().and_then(auth_type_from_hcl);
    match locate_shared(client, id, email, auth_type, &call.ctx.cancel).await {
        Ok(Some(a)) => {
            if a.id != id {
                tfplugin::log::info("user account found under a new id", &[("old_id", &id), ("id", &a.id)]);
            }
            let new_state = state_from(&a, Some(&state));
            ReadResponse {
                new_state,
                private: req.private,
                diagnostics: Diagnostics::new(),
            }
        }
        Ok(None) => {
            tfplugin::log::info("user account gone from Vision One", &[("id", &id)]);
            ReadResponse {
                new_state: Value::Null,
                private: req.private,
                diagnostics: Diagnostics::new(),
            }
        }
        Err(e) => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.error("Could not read the user account", e.to_string());
            ReadResponse {
                new_state: state,
                private: req.private,
                diagnostics,
            }
        }
    }
}

/// Import by id or by email: an argument holding `@`, or one that is no account id, is looked up by email.
async fn import(call: &Call, arg: &str) -> ImportResponse {
    let mut diagnostics = Diagnostics::new();
    let client = match call.client() {
        Ok(c) => c,
        Err(diagnostics) => {
            return ImportResponse {
                imported: vec![],
                diagnostics,
            }
        }
    };
    let cancel = &call.ctx.cancel;
    let id = if arg.contains('@') { "" } else { arg };
    match locate(client, id, arg, None, cancel).await {
        Ok(Some(a)) => ImportResponse {
            imported: vec![ImportedResource {
                type_name: TYPE_NAME.to_string(),
                state: state_from(&a, None),
                private: vec![],
            }],
            diagnostics,
        },
        Ok(None) => {
            diagnostics.error(
                "User account not found",
                format!("No account has the id or email {:?}.", truncate(arg)),
            );
            ImportResponse {
                imported: vec![],
                diagnostics,
            }
        }
        Err(e) => {
            diagnostics.error("Could not look up the user account", e.to_string());
            ImportResponse {
                imported: vec![],
                diagnostics,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Severity;

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

    #[test]
    fn suggestions() {
        let names = ["Auditor", "Analyst", "Senior Analyst", "Master Administrator"];
        assert_eq!(closest("auditor", &names), vec!["Auditor"]);
        assert_eq!(closest("Analist", &names)[0], "Analyst");
        assert!(closest("zzzzzz", &names).is_empty());
        assert_eq!(levenshtein("kitten", "sitting"), 3);
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
