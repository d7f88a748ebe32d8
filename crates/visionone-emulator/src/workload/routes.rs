//! The routes under `/api` and what each needs, in one table.

use visionone_api::workload::ApiKeyRights;

use super::roles::RoleDef;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    KeysList,
    KeyCreate,
    KeysSearch,
    KeyGet(String),
    KeyModify(String),
    KeyDelete(String),
    KeySecret(String),
    CurrentGet,
    CurrentModify,
    CurrentSecret,
    RolesList,
    RolesSearch,
    RoleGet(String),
    SessionCreate,
    SessionEnd,
}

/// What a caller needs for a route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Need {
    /// No credential (signing in).
    Nothing,
    /// Any valid credential.
    Caller,
    ViewKeys,
    CreateKeys,
    EditKeys,
    DeleteKeys,
    ViewRoles,
}

impl Need {
    /// Whether `role` grants this; None when the route needs no right.
    pub fn granted_by(self, role: &RoleDef) -> Option<bool> {
        let ApiKeyRights {
            can_view_api_keys,
            can_create_new_api_keys,
            can_edit_api_key_properties,
            can_delete_api_keys,
        } = role.keys;
        Some(match self {
            Need::Nothing | Need::Caller => return None,
            Need::ViewKeys => can_view_api_keys,
            Need::CreateKeys => can_create_new_api_keys,
            Need::EditKeys => can_edit_api_key_properties,
            Need::DeleteKeys => can_delete_api_keys,
            Need::ViewRoles => role.view_roles,
        })
    }

    /// The end of "Not authorized to ...".
    pub fn doing(self) -> &'static str {
        match self {
            Need::Nothing | Need::Caller => "call this API",
            Need::ViewKeys => "view API keys",
            Need::CreateKeys => "create API keys",
            Need::EditKeys => "edit API keys",
            Need::DeleteKeys => "delete API keys",
            Need::ViewRoles => "view roles",
        }
    }
}

/// Why a path did not route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Miss {
    NotFound,
    MethodNotAllowed,
}

/// The table: method and path segments (after `/api`) to a route and its need.
fn table(method: &str, segs: &[&str]) -> Option<(Route, Need)> {
    let s = |v: &str| v.to_string();
    Some(match (method, segs) {
        ("GET", ["apikeys"]) => (Route::KeysList, Need::ViewKeys),
        ("POST", ["apikeys"]) => (Route::KeyCreate, Need::CreateKeys),
        ("POST", ["apikeys", "search"]) => (Route::KeysSearch, Need::ViewKeys),
        ("GET", ["apikeys", "current"]) => (Route::CurrentGet, Need::Caller),
        ("POST", ["apikeys", "current"]) => (Route::CurrentModify, Need::Caller),
        ("POST", ["apikeys", "current", "secretkey"]) => (Route::CurrentSecret, Need::Caller),
        ("GET", ["apikeys", id]) => (Route::KeyGet(s(id)), Need::ViewKeys),
        ("POST", ["apikeys", id]) => (Route::KeyModify(s(id)), Need::EditKeys),
        ("DELETE", ["apikeys", id]) => (Route::KeyDelete(s(id)), Need::DeleteKeys),
        ("POST", ["apikeys", id, "secretkey"]) => (Route::KeySecret(s(id)), Need::EditKeys),
        ("GET", ["roles"]) => (Route::RolesList, Need::ViewRoles),
        ("POST", ["roles", "search"]) => (Route::RolesSearch, Need::ViewRoles),
        ("GET", ["roles", id]) => (Route::RoleGet(s(id)), Need::ViewRoles),
        ("POST", ["sessions"]) => (Route::SessionCreate, Need::Nothing),
        ("DELETE", ["sessions", "current"]) => (Route::SessionEnd, Need::Caller),
        _ => return None,
    })
}

/// Match `method` on `path` (the part after `/api`).
pub fn route(method: &str, path: &str) -> Result<(Route, Need), Miss> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(Miss::NotFound);
    }
    if let Some(hit) = table(method, &segs) {
        return Ok(hit);
    }
    let other_method = ["GET", "POST", "DELETE"].iter().any(|m| table(m, &segs).is_some());
    Err(if other_method {
        Miss::MethodNotAllowed
    } else {
        Miss::NotFound
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/apikeys/current"), Ok((Route::CurrentGet, Need::Caller)));
        assert_eq!(
            route("GET", "/apikeys/7"),
            Ok((Route::KeyGet("7".into()), Need::ViewKeys))
        );
        assert_eq!(
            route("POST", "/apikeys/7"),
            Ok((Route::KeyModify("7".into()), Need::EditKeys))
        );
        assert_eq!(
            route("POST", "/apikeys/search/"),
            Ok((Route::KeysSearch, Need::ViewKeys))
        );
        assert_eq!(route("PUT", "/apikeys/7"), Err(Miss::MethodNotAllowed));
        assert_eq!(route("PATCH", "/apikeys"), Err(Miss::MethodNotAllowed));
        assert_eq!(route("GET", "/computers"), Err(Miss::NotFound));
        assert_eq!(route("GET", "/apikeys//"), Err(Miss::NotFound));
        assert_eq!(route("GET", ""), Err(Miss::NotFound));
    }
}
