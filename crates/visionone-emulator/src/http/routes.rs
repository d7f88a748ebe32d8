//! The API's routes under `/v3.0` and the permission each one needs.

use axum::http::Method;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Health,
    KeysList,
    KeysCreate,
    KeysDelete,
    KeyGet(String),
    KeyPatch(String),
    RolesList,
    RoleCreate,
    PermissionKeys,
    RoleGet(String),
    RolePermissions(String),
    RolePatch(String),
    RoleDelete(String),
    AccountsList,
    AccountInvite,
    AccountGet(String),
    AccountPatch(String),
    AccountDelete(String),
}

/// Why a path did not route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Miss {
    NotFound,
    MethodNotAllowed,
}

/// Match a request under `/v3.0` (`path` is the part after `/v3.0`).
pub fn route(method: &Method, path: &str) -> Result<Route, Miss> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let m = method.as_str();
    let id = |s: &str| s.to_string();
    let r = match (segs.as_slice(), m) {
        (["healthcheck", "connectivity"], "GET") => Route::Health,
        (["iam", "apiKeys"], "GET") => Route::KeysList,
        (["iam", "apiKeys"], "POST") => Route::KeysCreate,
        (["iam", "apiKeys", "delete"], "POST") => Route::KeysDelete,
        (["iam", "apiKeys", k], "GET") => Route::KeyGet(id(k)),
        (["iam", "apiKeys", k], "PATCH") => Route::KeyPatch(id(k)),
        (["iam", "roles"], "GET") => Route::RolesList,
        (["iam", "roles"], "POST") => Route::RoleCreate,
        (["iam", "roles", "permissionKeys"], "GET") => Route::PermissionKeys,
        (["iam", "roles", r], "GET") => Route::RoleGet(id(r)),
        (["iam", "roles", r, "permissions"], "GET") => Route::RolePermissions(id(r)),
        (["iam", "roles", r], "PATCH") => Route::RolePatch(id(r)),
        (["iam", "roles", r], "DELETE") => Route::RoleDelete(id(r)),
        (["iam", "accounts"], "GET") => Route::AccountsList,
        (["iam", "accounts"], "POST") => Route::AccountInvite,
        (["iam", "accounts", a], "GET") => Route::AccountGet(id(a)),
        (["iam", "accounts", a], "PATCH") => Route::AccountPatch(id(a)),
        (["iam", "accounts", a], "DELETE") => Route::AccountDelete(id(a)),
        (segs, _) => {
            let known = matches!(
                segs,
                ["healthcheck", "connectivity"]
                    | ["iam", "apiKeys" | "roles" | "accounts"]
                    | ["iam", "apiKeys" | "roles" | "accounts", _]
                    | ["iam", "roles", _, "permissions"]
            );
            return Err(if known { Miss::MethodNotAllowed } else { Miss::NotFound });
        }
    };
    if r_has_empty_id(&r) {
        return Err(Miss::NotFound);
    }
    Ok(r)
}

fn r_has_empty_id(r: &Route) -> bool {
    match r {
        Route::KeyGet(i)
        | Route::KeyPatch(i)
        | Route::RoleGet(i)
        | Route::RolePermissions(i)
        | Route::RolePatch(i)
        | Route::RoleDelete(i)
        | Route::AccountGet(i)
        | Route::AccountPatch(i)
        | Route::AccountDelete(i) => i.is_empty(),
        _ => false,
    }
}

impl Route {
    /// The permission the caller's role needs; None for the health check.
    pub fn permission(&self) -> Option<&'static str> {
        Some(match self {
            Route::Health => return None,
            Route::KeysList | Route::KeyGet(_) => "iam.apiKeys.view",
            Route::KeysCreate | Route::KeysDelete | Route::KeyPatch(_) => "iam.apiKeys.manage",
            Route::RolesList | Route::PermissionKeys | Route::RoleGet(_) | Route::RolePermissions(_) => {
                "iam.roles.view"
            }
            Route::RoleCreate | Route::RolePatch(_) | Route::RoleDelete(_) => "iam.roles.manage",
            Route::AccountsList | Route::AccountGet(_) => "iam.accounts.view",
            Route::AccountInvite | Route::AccountPatch(_) | Route::AccountDelete(_) => "iam.accounts.manage",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route(&Method::GET, "/iam/roles/permissionKeys"),
            Ok(Route::PermissionKeys)
        );
        assert_eq!(route(&Method::GET, "/iam/roles/abc"), Ok(Route::RoleGet("abc".into())));
        assert_eq!(route(&Method::POST, "/iam/apiKeys/delete"), Ok(Route::KeysDelete));
        assert_eq!(route(&Method::GET, "/iam/apiKeys/"), Ok(Route::KeysList));
        assert_eq!(route(&Method::DELETE, "/iam/apiKeys/abc"), Err(Miss::MethodNotAllowed));
        assert_eq!(route(&Method::GET, "/iam/nothing"), Err(Miss::NotFound));
        assert_eq!(route(&Method::GET, "/iam/apiKeys//"), Err(Miss::NotFound));
        assert_eq!(route(&Method::GET, ""), Err(Miss::NotFound));
    }
}
