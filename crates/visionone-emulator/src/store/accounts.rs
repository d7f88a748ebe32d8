//! User accounts (contract §4): invited under a temporary id, given a new id when the invitation
//! is accepted; email and authType never change; invited accounts and SAML groups are read-only.

use visionone_api::filter::Filter;
use visionone_api::{Account, AccountCreate, AccountStatus, AuthType, Status};

use super::keys::truncate;
use super::{check_text, description_field, new_id, object, status_field, string_field, ts_key, AccountRec, Store};
use crate::clock::{self, Ts};
use crate::error::ApiError;
use crate::list::{self, ListParams, Paged};

pub const ACCOUNT_ORDER_FIELDS: &[&str] = &["createdDateTime", "lastLoginDateTime", "email"];
pub const ACCOUNT_FILTER_FIELDS: &[&str] = &["id", "email", "authType", "status"];

impl Store {
    /// The role an account may be given, by name.
    fn role_for_account(&self, name: &str) -> Result<String, ApiError> {
        let role = self
            .role_by_name
            .get(name)
            .and_then(|id| self.roles.get(id))
            .ok_or_else(|| ApiError::invalid(format!("role '{name}' does not exist")))?;
        if !role.allow_user_account_assignment {
            return Err(ApiError::invalid(format!(
                "role '{name}' may not be assigned to user accounts"
            )));
        }
        Ok(role.id.clone())
    }

    pub fn invite_account(&mut self, body: &serde_json::Value, now: Ts) -> Result<String, ApiError> {
        object(body)?;
        let req: AccountCreate =
            serde_json::from_value(body.clone()).map_err(|e| ApiError::invalid(format!("invalid account: {e}")))?;
        check_email(&req.email)?;
        if let Some(d) = &req.description {
            check_text("description", d, 1000, true)?;
        }
        let role_id = self.role_for_account(&req.role)?;
        if self.account_by_email.contains_key(&req.email.to_lowercase()) {
            return Err(ApiError::conflict(format!(
                "an account with email '{}' already exists",
                req.email
            )));
        }
        let account = AccountRec {
            seq: self.seq(),
            id: new_id(),
            email: req.email,
            role_id,
            auth_type: req.auth_type,
            status: AccountStatus::Invited,
            description: req.description,
            created: now,
            last_login: None,
        };
        let id = account.id.clone();
        self.insert_account(account);
        Ok(id)
    }

    pub fn get_account(&self, id: &str) -> Result<Account, ApiError> {
        let a = self.accounts.get(id).ok_or_else(|| account_not_found(id))?;
        Ok(self.account_view(a))
    }

    /// `PATCH`: any of role, status, description.
    pub fn patch_account(&mut self, id: &str, body: &serde_json::Value) -> Result<(), ApiError> {
        let fields = object(body)?;
        let current = self.accounts.get(id).ok_or_else(|| account_not_found(id))?;
        if current.status == AccountStatus::Invited {
            return Err(ApiError::invalid_operation(
                "an invited account cannot be updated until the invitation is accepted",
            ));
        }
        if current.auth_type == AuthType::SamlGroup {
            return Err(ApiError::invalid_operation("a SAML group account cannot be updated"));
        }
        let (mut role_id, mut status, mut description) = (None, None, None);
        for (field, value) in fields {
            match field.as_str() {
                "role" => role_id = Some(self.role_for_account(string_field("role", value)?)?),
                "status" => status = Some(status_field(value)?),
                "description" => description = Some(description_field(value)?),
                "email" | "authType" => {
                    return Err(ApiError::invalid(format!("{field} of an account cannot be changed")))
                }
                other => return Err(ApiError::invalid(format!("field '{other}' cannot be updated"))),
            }
        }
        let Some(account) = self.accounts.get_mut(id) else {
            return Err(account_not_found(id));
        };
        if let Some(r) = role_id {
            account.role_id = r;
        }
        if let Some(s) = status {
            account.status = match s {
                Status::Enabled => AccountStatus::Enabled,
                Status::Disabled => AccountStatus::Disabled,
            };
        }
        if let Some(d) = description {
            account.description = d;
        }
        Ok(())
    }

    pub fn delete_account(&mut self, id: &str) -> Result<(), ApiError> {
        let a = self.accounts.remove(id).ok_or_else(|| account_not_found(id))?;
        self.account_by_email.remove(&a.email.to_lowercase());
        Ok(())
    }

    /// The invited user accepts: the account is enabled under a new id and the old id is gone.
    pub fn accept_invitation(&mut self, id: &str, now: Ts) -> Result<String, ApiError> {
        let current = self.accounts.get(id).ok_or_else(|| account_not_found(id))?;
        if current.status != AccountStatus::Invited {
            return Err(ApiError::invalid_operation("the account has no pending invitation"));
        }
        let Some(mut account) = self.accounts.remove(id) else {
            return Err(account_not_found(id));
        };
        account.id = new_id();
        account.status = AccountStatus::Enabled;
        account.last_login = Some(now);
        let new = account.id.clone();
        self.insert_account(account);
        Ok(new)
    }

    pub fn list_accounts(&self, filter: Option<&Filter>, p: &ListParams) -> Paged<Account> {
        let rows = self
            .accounts
            .values()
            .filter(|a| {
                filter.is_none_or(|f| {
                    f.matches(&|field| match field {
                        "id" => Some(a.id.clone()),
                        "email" => Some(a.email.clone()),
                        "authType" => Some(a.auth_type.as_str().to_string()),
                        "status" => Some(a.status.as_str().to_string()),
                        _ => None,
                    })
                })
            })
            .map(|a| {
                let v = match p.order_field.as_str() {
                    "lastLoginDateTime" => ts_key(a.last_login),
                    "email" => Some(a.email.to_lowercase()),
                    _ => ts_key(Some(a.created)),
                };
                ((v, a.seq), a)
            })
            .collect();
        let pg = list::page(rows, p);
        Paged {
            items: pg.items.into_iter().map(|a| self.account_view(a)).collect(),
            total: pg.total,
            next: pg.next,
        }
    }

    fn account_view(&self, a: &AccountRec) -> Account {
        Account {
            id: a.id.clone(),
            email: a.email.clone(),
            role: self.role_name(&a.role_id),
            auth_type: a.auth_type,
            status: a.status,
            description: a.description.clone(),
            created_date_time: Some(clock::format(a.created)),
            last_login_date_time: a.last_login.map(clock::format),
        }
    }
}

/// A plausible email: one `@` with text on both sides, no spaces, at most 254 characters.
fn check_email(email: &str) -> Result<(), ApiError> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "'{}' is not a valid email address",
            truncate(email)
        )))
    }
}

fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("account '{}' not found", truncate(id)))
}
