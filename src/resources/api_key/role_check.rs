//! Plan-time role checks: the role must exist and allow API keys. Found roles are cached per
//! process (several keys plan at once and usually share a role); misses are always asked again,
//! because a custom role created earlier in the same apply must be found.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tfplugin::{AttributePath, Diagnostics};
use visionone_client::api::{Role, MASTER_ADMINISTRATOR};
use visionone_client::{CancellationToken, Client, ListQuery};

/// (API base URL, role name) → role.
static FOUND: OnceLock<Mutex<HashMap<(String, String), Role>>> = OnceLock::new();

fn cache() -> &'static Mutex<HashMap<(String, String), Role>> {
    FOUND.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The error for Master Administrator, which needs no API call.
pub fn master_administrator(d: &mut Diagnostics) {
    d.error_at(
        AttributePath::root("role"),
        "Master Administrator cannot be given to API keys",
        "Since 2025-10-27 Vision One refuses the Master Administrator role for new API keys. Choose a predefined \
         role such as \"SIEM\" or \"Operator\", or a custom role that allows API keys.",
    );
}

/// Check `role` against the tenant. API failures only warn: the apply will tell.
pub async fn check(client: &Client, role: &str, cancel: &CancellationToken) -> Diagnostics {
    let mut d = Diagnostics::new();
    if role == MASTER_ADMINISTRATOR {
        master_administrator(&mut d);
        return d;
    }
    let key = (client.base_url().to_string(), role.to_string());
    let cached = cache().lock().ok().and_then(|c| c.get(&key).cloned());
    let found = match cached {
        Some(r) => Some(r),
        None => match client.find_role_by_name_cached(role, cancel).await {
            Ok(Some(r)) => {
                if let Ok(mut c) = cache().lock() {
                    c.insert(key, r.clone());
                }
                Some(r)
            }
            Ok(None) => None,
            Err(e) => {
                d.warning_at(
                    AttributePath::root("role"),
                    "Could not check the role",
                    format!("Looking up role {role:?} failed: {e}"),
                );
                return d;
            }
        },
    };
    match found {
        Some(r) if r.allow_api_key_assignment == Some(false) => d.error_at(
            AttributePath::root("role"),
            "Role does not allow API keys",
            format!(
                "The role {role:?} exists but may not be assigned to API keys (allowApiKeyAssignment is false). \
                 Choose another role, or set allow_api_key_assignment = true on the custom role."
            ),
        ),
        Some(_) => {}
        // A custom role planned earlier in this run (the key depends on it) is created first.
        None if crate::resources::plan::planned_role(role)
            .is_some_and(|p| p.allow_api_key_assignment != Some(false)) => {}
        None if crate::resources::plan::planned_role(role).is_some() => d.error_at(
            AttributePath::root("role"),
            "Role does not allow API keys",
            format!("The custom role {role:?} in this configuration has allow_api_key_assignment = false."),
        ),
        None => {
            let names = suggestions(client, cancel).await;
            d.error_at(
                AttributePath::root("role"),
                "Unknown role",
                format!(
                    "No role named {role:?} exists in this tenant (names are case-sensitive).{names} \
                     A custom role managed in the same configuration should be referenced \
                     (role = visionone_custom_role.x.name) so that it is created first."
                ),
            );
        }
    }
    d
}

/// " Roles that allow API keys: ..." or nothing when the list cannot be read.
async fn suggestions(client: &Client, cancel: &CancellationToken) -> String {
    match client.list_roles(&ListQuery::default(), cancel).await {
        Ok(roles) => {
            let names: Vec<String> = roles
                .into_iter()
                .filter(|r| r.allow_api_key_assignment != Some(false) && r.name != MASTER_ADMINISTRATOR)
                .map(|r| format!("{:?}", r.name))
                .collect();
            if names.is_empty() {
                String::new()
            } else {
                format!(" Roles that allow API keys: {}.", names.join(", "))
            }
        }
        Err(_) => String::new(),
    }
}
