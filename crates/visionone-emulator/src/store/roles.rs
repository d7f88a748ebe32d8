//! User roles (contract §3): predefined roles are read-only; custom roles have unique names,
//! permissions from the catalogue, and cannot be deleted while a key or account holds them.

use visionone_api::filter::Filter;
use visionone_api::{Role, RoleCreate, RoleType};

use super::keys::truncate;
use super::{check_if_match, check_text, description_field, new_etag, new_id, object, ts_key, RoleRec, Store};
use crate::clock::{self, Ts};
use crate::error::ApiError;
use crate::list::{self, ListParams, Paged};
use crate::permissions;

pub const ROLE_ORDER_FIELDS: &[&str] = &["lastUpdatedDateTime", "name"];
pub const ROLE_FILTER_FIELDS: &[&str] = &["id", "name"];
const MAX_NAME: usize = 128;
/// At most this many holders are named in a `RoleInUse` message.
const MAX_NAMED_HOLDERS: usize = 10;

impl Store {
    pub fn create_role(&mut self, body: &serde_json::Value, now: Ts) -> Result<String, ApiError> {
        object(body)?;
        let req: RoleCreate =
            serde_json::from_value(body.clone()).map_err(|e| ApiError::invalid(format!("invalid role: {e}")))?;
        check_text("name", &req.name, MAX_NAME, false)?;
        check_text("description", &req.description, 1000, true)?;
        let permissions = checked_permissions(&req.permission_keys)?;
        if self.role_by_name.contains_key(&req.name) {
            return Err(ApiError::conflict(format!(
                "a role named '{}' already exists",
                req.name
            )));
        }
        let role = RoleRec {
            seq: self.seq(),
            id: new_id(),
            name: req.name,
            description: Some(req.description),
            predefined: false,
            allow_api_key_assignment: req.allow_api_key_assignment,
            allow_user_account_assignment: req.allow_user_account_assignment,
            permissions,
            updated: now,
            etag: new_etag(),
        };
        let id = role.id.clone();
        self.insert_role(role);
        Ok(id)
    }

    pub fn get_role(&self, id: &str) -> Result<(Role, String), ApiError> {
        let r = self.roles.get(id).ok_or_else(|| role_not_found(id))?;
        Ok((role_view(r), r.etag.clone()))
    }

    pub fn role_permissions(&self, id: &str) -> Result<Vec<String>, ApiError> {
        Ok(self
            .roles
            .get(id)
            .ok_or_else(|| role_not_found(id))?
            .permissions
            .clone())
    }

    /// `PATCH`: any subset of the create fields; predefined roles are read-only.
    pub fn patch_role(
        &mut self,
        id: &str,
        if_match: Option<&str>,
        body: &serde_json::Value,
        now: Ts,
    ) -> Result<(), ApiError> {
        let fields = object(body)?;
        let current = self.roles.get(id).ok_or_else(|| role_not_found(id))?;
        if current.predefined {
            return Err(ApiError::invalid_operation(format!(
                "the predefined role '{}' cannot be edited",
                current.name
            )));
        }
        check_if_match(if_match, &current.etag)?;
        let mut update = current.clone();
        for (field, value) in fields {
            match field.as_str() {
                "name" => {
                    let n = value
                        .as_str()
                        .ok_or_else(|| ApiError::invalid("name must be a string"))?;
                    check_text("name", n, MAX_NAME, false)?;
                    if self.role_by_name.get(n).is_some_and(|other| other != id) {
                        return Err(ApiError::conflict(format!("a role named '{n}' already exists")));
                    }
                    update.name = n.to_string();
                }
                "description" => update.description = description_field(value)?,
                "permissionKeys" => {
                    let keys: Vec<String> = serde_json::from_value(value.clone())
                        .map_err(|_| ApiError::invalid("permissionKeys must be an array of strings"))?;
                    update.permissions = checked_permissions(&keys)?;
                }
                "allowApiKeyAssignment" => {
                    update.allow_api_key_assignment = value
                        .as_bool()
                        .ok_or_else(|| ApiError::invalid("allowApiKeyAssignment must be a boolean"))?
                }
                "allowUserAccountAssignment" => {
                    update.allow_user_account_assignment = value
                        .as_bool()
                        .ok_or_else(|| ApiError::invalid("allowUserAccountAssignment must be a boolean"))?
                }
                other => return Err(ApiError::invalid(format!("field '{other}' cannot be updated"))),
            }
        }
        if fields.is_empty() {
            return Ok(());
        }
        update.updated = now;
        update.etag = new_etag();
        let old_name = current.name.clone();
        self.role_by_name.remove(&old_name);
        self.insert_role(update);
        Ok(())
    }

    /// Delete a custom role that nothing holds.
    pub fn delete_role(&mut self, id: &str) -> Result<(), ApiError> {
        let role = self.roles.get(id).ok_or_else(|| role_not_found(id))?;
        if role.predefined {
            return Err(ApiError::invalid_operation(format!(
                "the predefined role '{}' cannot be deleted",
                role.name
            )));
        }
        if let Some(msg) = self.holders_message(id) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                visionone_api::codes::ROLE_IN_USE,
                msg,
            ));
        }
        if let Some(r) = self.roles.remove(id) {
            self.role_by_name.remove(&r.name);
        }
        Ok(())
    }

    /// "role is assigned to 2 API keys (a, b) and 1 account (x@y)", or None when unused.
    fn holders_message(&self, role_id: &str) -> Option<String> {
        let mut keys: Vec<_> = self.keys.values().filter(|k| k.role_id == role_id).collect();
        keys.sort_by_key(|k| k.seq);
        let mut accounts: Vec<_> = self.accounts.values().filter(|a| a.role_id == role_id).collect();
        accounts.sort_by_key(|a| a.seq);
        let mut parts = Vec::new();
        if !keys.is_empty() {
            let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
            parts.push(describe(names, "API key", "API keys"));
        }
        if !accounts.is_empty() {
            let emails: Vec<&str> = accounts.iter().map(|a| a.email.as_str()).collect();
            parts.push(describe(emails, "account", "accounts"));
        }
        if parts.is_empty() {
            None
        } else {
            Some(format!("role is assigned to {}", parts.join(" and ")))
        }
    }

    pub fn list_roles(&self, filter: Option<&Filter>, p: &ListParams) -> Paged<Role> {
        let rows = self
            .roles
            .values()
            .filter(|r| {
                filter.is_none_or(|f| {
                    f.matches(&|field| match field {
                        "id" => Some(r.id.clone()),
                        "name" => Some(r.name.clone()),
                        _ => None,
                    })
                })
            })
            .map(|r| {
                let v = match p.order_field.as_str() {
                    "name" => Some(r.name.clone()),
                    _ => ts_key(Some(r.updated)),
                };
                ((v, r.seq), r)
            })
            .collect();
        let pg = list::page(rows, p);
        Paged {
            items: pg.items.into_iter().map(role_view).collect(),
            total: pg.total,
            next: pg.next,
        }
    }
}

/// "2 API keys (a, b)".
fn describe(names: Vec<&str>, one: &str, many: &str) -> String {
    let n = names.len();
    let mut shown: Vec<&str> = names.into_iter().take(MAX_NAMED_HOLDERS).collect();
    if n > MAX_NAMED_HOLDERS {
        shown.push("…");
    }
    format!("{n} {} ({})", if n == 1 { one } else { many }, shown.join(", "))
}

/// Every key must be in the catalogue; duplicates collapse, order is kept.
fn checked_permissions(keys: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::with_capacity(keys.len());
    for k in keys {
        if !permissions::is_known(k) {
            return Err(ApiError::invalid(format!("unknown permission key '{}'", truncate(k))));
        }
        if !out.contains(k) {
            out.push(k.clone());
        }
    }
    Ok(out)
}

fn role_view(r: &RoleRec) -> Role {
    Role {
        id: r.id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        role_type: Some(if r.predefined {
            RoleType::Predefined
        } else {
            RoleType::Custom
        }),
        allow_api_key_assignment: Some(r.allow_api_key_assignment),
        allow_user_account_assignment: Some(r.allow_user_account_assignment),
        last_updated_date_time: Some(clock::format(r.updated)),
        permission_keys: None,
    }
}

fn role_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("role '{}' not found", truncate(id)))
}
