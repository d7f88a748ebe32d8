//! Roles as plans see them, in one place: lookup by name (found roles cached for the provider
//! process; misses asked again, since a role created earlier in the same apply must be found),
//! the custom roles this run's plan will create, the permission catalogue, and "did you mean".
//!
//! One [`Roles`] lives beside the configured client and reaches resources through
//! [`Call::roles`](crate::provider::Call::roles): nothing here is a process-wide static.

mod catalogue;
mod observed;

pub use catalogue::describe_unknown;
pub use observed::Observed;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tfplugin::{AttributePath, Diagnostics, Severity};
use visionone_client::api::{codes, PermissionKey, Role, MASTER_ADMINISTRATOR};
use visionone_client::{CancellationToken, Client, Error, ListQuery};

/// Who a role is checked for: each kind has its own assignment flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    ApiKey,
    UserAccount,
}

impl Holder {
    fn plural(self) -> &'static str {
        match self {
            Holder::ApiKey => "API keys",
            Holder::UserAccount => "user accounts",
        }
    }
    fn flag(self) -> &'static str {
        match self {
            Holder::ApiKey => "allow_api_key_assignment",
            Holder::UserAccount => "allow_user_account_assignment",
        }
    }
    /// What a role says about this kind of holder (`None`: the API did not say).
    fn allowed_by(self, role: &Role) -> Option<bool> {
        match self {
            Holder::ApiKey => role.allow_api_key_assignment,
            Holder::UserAccount => role.allow_user_account_assignment,
        }
    }
    /// How a lookup that failed for another reason than the credential is reported at plan time:
    /// a key's role is checked again by the API at apply (a warning), an account's is not.
    fn lookup_failure(self) -> Severity {
        match self {
            Holder::ApiKey => Severity::Warning,
            Holder::UserAccount => Severity::Error,
        }
    }
}

/// The assignment flags of a role planned for creation (or renamed to a new name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlannedRole {
    pub allow_api_key_assignment: Option<bool>,
    pub allow_user_account_assignment: Option<bool>,
}

/// Role knowledge of one configured provider.
#[derive(Default)]
pub struct Roles {
    found: Mutex<HashMap<String, Role>>,
    planned: Mutex<HashMap<String, PlannedRole>>,
    catalogue: tokio::sync::OnceCell<Arc<Vec<PermissionKey>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Roles {
    /// Called by a custom role's plan when it will create a role named `name` (or rename one to it).
    pub fn note_planned(&self, name: &str, role: PlannedRole) {
        lock(&self.planned).insert(name.to_string(), role);
    }

    /// A role this provider process planned to create, if any.
    pub fn planned(&self, name: &str) -> Option<PlannedRole> {
        lock(&self.planned).get(name).copied()
    }

    /// The role named exactly `name`: from the cache, else from the API (cached when found).
    pub async fn find(&self, client: &Client, name: &str, cancel: &CancellationToken) -> Result<Option<Role>, Error> {
        if let Some(r) = lock(&self.found).get(name).cloned() {
            return Ok(Some(r));
        }
        let found = client.find_role_by_name_cached(name, cancel).await?;
        if let Some(r) = &found {
            lock(&self.found).insert(name.to_string(), r.clone());
        }
        Ok(found)
    }

    /// The permission catalogue, fetched once however many roles plan at the same time. A
    /// failed fetch is not kept: the next caller tries again.
    pub async fn permission_catalogue(
        &self,
        client: &Client,
        cancel: &CancellationToken,
    ) -> Result<Arc<Vec<PermissionKey>>, Error> {
        self.catalogue
            .get_or_try_init(|| async { client.list_permission_keys(cancel).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Plan-time check that `role` exists (or is planned in this run) and may be given to
    /// `holder`. An unknown name gets the closest names that would do.
    pub async fn check(&self, client: &Client, role: &str, holder: Holder, cancel: &CancellationToken) -> Diagnostics {
        let mut d = Diagnostics::new();
        let path = || AttributePath::root("role");
        if holder == Holder::ApiKey && role == MASTER_ADMINISTRATOR {
            master_administrator(&mut d);
            return d;
        }
        let allowed = match self.find(client, role, cancel).await {
            Ok(Some(r)) => holder.allowed_by(&r),
            Ok(None) => match self.planned(role) {
                Some(p) => match holder {
                    Holder::ApiKey => p.allow_api_key_assignment,
                    Holder::UserAccount => p.allow_user_account_assignment,
                },
                None => {
                    let hint = self.suggest(client, role, holder, cancel).await;
                    d.error_at(
                        path(),
                        "Unknown role",
                        format!(
                            "No role named {:?} exists in this tenant (names are case-sensitive).{hint} A custom \
                             role managed in the same configuration should be referenced \
                             (role = visionone_custom_role.x.name) so that it is created first.",
                            truncate(role)
                        ),
                    );
                    return d;
                }
            },
            Err(e) if e.is_cancelled() => return d,
            Err(e) => {
                plan_time_failure(
                    &mut d,
                    path(),
                    holder.lookup_failure(),
                    "Could not check the role",
                    &format!("Looking up role {role:?} failed: {e}"),
                    &e,
                );
                return d;
            }
        };
        if allowed == Some(false) {
            d.error_at(
                path(),
                format!("Role does not allow {}", holder.plural()),
                format!(
                    "The role {role:?} may not be given to {} ({} is false). Choose another role, or set {} = true \
                     on the custom role.",
                    holder.plural(),
                    holder.flag(),
                    holder.flag()
                ),
            );
        }
        d
    }

    /// " Did you mean "X"?" among the roles `holder` may hold, else " Roles that allow …: …", or
    /// nothing when the list cannot be read.
    async fn suggest(&self, client: &Client, wanted: &str, holder: Holder, cancel: &CancellationToken) -> String {
        let Ok(roles) = client.list_roles(&ListQuery::default(), cancel).await else {
            return String::new();
        };
        let allowed: Vec<&str> = roles
            .iter()
            .filter(|r| holder.allowed_by(r) != Some(false) && r.name != MASTER_ADMINISTRATOR)
            .map(|r| r.name.as_str())
            .collect();
        match closest(wanted, allowed.iter().copied(), 3) {
            near if !near.is_empty() => format!(" Did you mean {}?", quoted(&near)),
            _ if !allowed.is_empty() => format!(" Roles that allow {}: {}.", holder.plural(), quoted(&allowed)),
            _ => String::new(),
        }
    }
}

/// The error for Master Administrator on an API key, which needs no API call.
pub fn master_administrator(d: &mut Diagnostics) {
    d.error_at(
        AttributePath::root("role"),
        "Master Administrator cannot be given to API keys",
        "Since 2025-10-27 Vision One refuses the Master Administrator role for new API keys. Choose a predefined \
         role such as \"SIEM\" or \"Operator\", or a custom role that allows API keys.",
    );
}

/// The one rule for an API failure met while planning: a refused credential (401/403) is an
/// error naming the provider block's `api_key`, since every later call would fail the same way;
/// anything else is reported at `path` with the caller's severity.
pub fn plan_time_failure(
    d: &mut Diagnostics,
    path: AttributePath,
    otherwise: Severity,
    summary: &str,
    detail: &str,
    e: &Error,
) {
    if matches!(e.status(), Some(401) | Some(403)) {
        d.error(
            "Vision One refused the provider's credentials",
            format!(
                "The API answered HTTP {} while planning. Check the provider block's api_key (or \
                 VISIONONE_API_KEY): it must be a valid key of this region's tenant whose role may read roles \
                 and API keys. ({e})",
                e.status().unwrap_or_default()
            ),
        );
    } else if otherwise == Severity::Error {
        d.error_at(path, summary, detail);
    } else {
        d.warning_at(path, summary, detail);
    }
}

/// Whether the API refused an object for the role it was given (unknown, not allowed for this
/// kind of holder, Master Administrator): a 400/403/404 whose message is about the role. A
/// refused credential is not (401, or 403 `AccessDenied`, "the role of this credential lacks
/// …"): that is the provider block's key, and pointing at `role` would mislead.
pub fn refused_role(e: &Error) -> bool {
    let Some(api) = e.api() else {
        return false;
    };
    let message = api.message.to_ascii_lowercase();
    matches!(api.status, 400 | 403 | 404)
        && api.code != codes::ACCESS_DENIED
        && api.code != codes::INVALID_CREDENTIALS
        && message.contains("role")
        && !message.contains("credential")
}

/// Names as a quoted list (at most ten).
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .take(10)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most 80 characters of user input for a message.
pub fn truncate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(80).collect::<String>())
    }
}

/// Up to `n` candidates closest to `wanted` (case-insensitive edit distance), best first; only
/// candidates close enough to be a plausible typo are offered. The one "did you mean" rule for
/// role names and permission keys alike.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (levenshtein(&w, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= plausible_distance(wanted, c))
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// A third of the longer string, at least 2: "iam.apiKeys.veiw" finds "iam.apiKeys.view".
fn plausible_distance(a: &str, b: &str) -> usize {
    (a.chars().count().max(b.chars().count()) / 3).max(2)
}

/// Levenshtein distance over chars, two rows of memory.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("view", "veiw"), 2);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn suggestions_are_close_and_ordered() {
        let cat = [
            "iam.apiKeys.view",
            "iam.apiKeys.manage",
            "iam.roles.view",
            "workbench.view",
        ];
        assert_eq!(closest("iam.apiKeys.veiw", cat, 3)[0], "iam.apiKeys.view");
        assert_eq!(closest("IAM.APIKEYS.VIEW", cat, 1), vec!["iam.apiKeys.view"]);
        assert!(closest("completely-unrelated-thing", cat, 3).is_empty());
    }

    #[test]
    fn role_suggestions() {
        let names = ["Auditor", "Analyst", "Senior Analyst", "Master Administrator"];
        assert_eq!(closest("auditor", names, 3), vec!["Auditor"]);
        assert_eq!(closest("Analist", names, 3)[0], "Analyst");
        assert!(closest("zzzzzz", names, 3).is_empty());
    }

    #[test]
    fn planned_roles_are_remembered() {
        let roles = Roles::default();
        assert_eq!(roles.planned("ua-test-role"), None);
        let r = PlannedRole {
            allow_api_key_assignment: Some(false),
            allow_user_account_assignment: Some(true),
        };
        roles.note_planned("ua-test-role", r);
        assert_eq!(roles.planned("ua-test-role"), Some(r));
    }

    fn api(status: u16, code: &str, message: &str) -> Error {
        Error::Api(visionone_client::ApiError::new(status, code, message))
    }

    #[test]
    fn only_refusals_about_the_role_are_the_roles_fault() {
        let invalid = codes::INVALID_PARAMETER_VALUE;
        // What the contract (and the emulator) answers for a bad role of a key.
        assert!(refused_role(&api(400, invalid, "role 'Auditer' does not exist")));
        assert!(refused_role(&api(
            400,
            invalid,
            "role 'Auditor' may not be assigned to API keys"
        )));
        assert!(refused_role(&api(
            400,
            invalid,
            "the Master Administrator role can no longer be given to API keys"
        )));
        assert!(refused_role(&api(404, "NotFound", "Role not found")));
        assert!(refused_role(&api(403, "Forbidden", "This role cannot be assigned")));
        // Through the client's wrappers.
        let wrapped = Error::CreateFailed {
            object: "API key".into(),
            source: Box::new(api(400, invalid, "role 'x' does not exist")),
        };
        assert!(refused_role(&wrapped));
        // The provider's own credential, whatever its message says about roles.
        assert!(!refused_role(&api(
            403,
            codes::ACCESS_DENIED,
            "The role of this credential lacks the permission 'iam.apiKeys.manage'"
        )));
        assert!(!refused_role(&api(401, codes::INVALID_CREDENTIALS, "role")));
        // Not about the role at all.
        assert!(!refused_role(&api(409, codes::CONFLICT, "name already used")));
        assert!(!refused_role(&api(
            400,
            invalid,
            "monthsToExpiration must be one of 1, 3, 6, 12, 0"
        )));
        assert!(!refused_role(&api(500, "InternalServerError", "role service down")));
        assert!(!refused_role(&Error::Transport {
            message: "connection reset".into(),
            timeout: false,
            body_sent: true,
        }));
    }
}
