//! Plan helpers shared by resources: what Terraform expects a planned state to look like.

use tfplugin::Value;

/// On create, a computed attribute the configuration leaves null is "known after apply".
pub fn unknown_if_null(planned: &mut Value, attrs: &[&str]) {
    for a in attrs {
        if planned.get(a).is_null() {
            planned.set(a, Value::Unknown);
        }
    }
}

/// On update, computed attributes keep their prior values unless the resource knows better.
pub fn keep_prior(planned: &mut Value, prior: &Value, attrs: &[&str]) {
    for a in attrs {
        planned.set(a, prior.get(a).clone());
    }
}

/// An optional attribute with a default: null in config means the default.
pub fn default_if_null(planned: &mut Value, attr: &str, default: Value) {
    if planned.get(attr).is_null() {
        planned.set(attr, default);
    }
}

/// True when any of `attrs` differs between two states.
pub fn changed(a: &Value, b: &Value, attrs: &[&str]) -> bool {
    attrs.iter().any(|k| a.get(k) != b.get(k))
}

// ---------------------------------------------------------------------------------------------
// visionone_user_account: custom roles a plan in this provider process will create.
//
// Terraform plans `visionone_custom_role.x` before the accounts and keys that name it
// (`role = visionone_custom_role.x.name`), in the same provider process, and that name is known
// at plan time although the role does not exist yet. The role's plan notes it here, so that the
// plan-time "does the role exist" checks of accounts and keys accept it.
// ---------------------------------------------------------------------------------------------

/// The assignment flags of a role planned for creation (or renamed to a new name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlannedRole {
    pub allow_api_key_assignment: Option<bool>,
    pub allow_user_account_assignment: Option<bool>,
}

fn planned_roles() -> &'static std::sync::Mutex<std::collections::HashMap<String, PlannedRole>> {
    static ROLES: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, PlannedRole>>> =
        std::sync::OnceLock::new();
    ROLES.get_or_init(Default::default)
}

/// Called by a custom role's plan when it will create a role named `name` (or rename one to it).
pub fn note_planned_role(name: &str, role: PlannedRole) {
    if let Ok(mut m) = planned_roles().lock() {
        m.insert(name.to_string(), role);
    }
}

/// A role this process planned to create, if any.
pub fn planned_role(name: &str) -> Option<PlannedRole> {
    planned_roles().lock().ok().and_then(|m| m.get(name).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut p = Value::object([("id", Value::Null), ("name", "a".into())]);
        unknown_if_null(&mut p, &["id", "name"]);
        assert!(p.get("id").is_unknown());
        assert_eq!(p.get("name").as_str(), Some("a"));
        let prior = Value::object([("id", "x".into()), ("name", "a".into())]);
        keep_prior(&mut p, &prior, &["id"]);
        assert_eq!(p.get("id").as_str(), Some("x"));
        assert!(!changed(&p, &prior, &["id", "name"]));
    }

    #[test]
    fn planned_roles_are_remembered() {
        assert_eq!(planned_role("ua-test-role"), None);
        let r = PlannedRole {
            allow_api_key_assignment: Some(false),
            allow_user_account_assignment: Some(true),
        };
        note_planned_role("ua-test-role", r);
        assert_eq!(planned_role("ua-test-role"), Some(r));
    }
}
