//! The tenant's data: API keys, roles and user accounts, with the indexes that keep lookups by
//! name, secret and email O(1). Everything here is synchronous and runs under one mutex; the HTTP
//! layer never holds it across an `.await`.
//!
//! Keys and accounts point at roles by id, so a renamed custom role follows its holders.

mod accounts;
mod keys;
mod roles;

pub use accounts::{ACCOUNT_FILTER_FIELDS, ACCOUNT_ORDER_FIELDS};
pub use keys::{KEY_FILTER_FIELDS, KEY_ORDER_FIELDS};
pub use roles::{ROLE_FILTER_FIELDS, ROLE_ORDER_FIELDS};

use std::collections::HashMap;

use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use visionone_api::{AccountStatus, AuthType, Status};

use crate::clock::Ts;
use crate::error::ApiError;
use crate::permissions;

/// An API key as stored. No `Debug`: it holds the secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRec {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub role_id: String,
    pub status: Status,
    pub description: Option<String>,
    pub expires: Option<Ts>,
    pub last_used: Option<Ts>,
    pub created: Ts,
    pub modified: Ts,
    pub etag: String,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRec {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub predefined: bool,
    pub allow_api_key_assignment: bool,
    pub allow_user_account_assignment: bool,
    pub permissions: Vec<String>,
    pub updated: Ts,
    pub etag: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRec {
    pub seq: u64,
    pub id: String,
    pub email: String,
    pub role_id: String,
    pub auth_type: AuthType,
    pub status: AccountStatus,
    pub description: Option<String>,
    pub created: Ts,
    pub last_login: Option<Ts>,
}

/// What `--state FILE` holds: the tenant's data with key secrets (so keys still authenticate after
/// a restart) and the clock offset. Predefined roles are not saved: they are rebuilt.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub clock_offset: i64,
    pub next_seq: u64,
    pub keys: Vec<KeyRec>,
    pub custom_roles: Vec<RoleRec>,
    pub accounts: Vec<AccountRec>,
    /// The Workload Security API's keys (absent in files written before it existed).
    #[serde(default)]
    pub workload: crate::workload::Snapshot,
}

/// When the predefined roles were last updated (fixed, so their order is stable).
const PREDEFINED_UPDATED: Ts = 1_761_523_200; // 2025-10-27T00:00:00Z

#[derive(Default)]
pub struct Store {
    keys: HashMap<String, KeyRec>,
    key_by_name: HashMap<String, String>,
    key_by_secret: HashMap<String, String>,
    roles: HashMap<String, RoleRec>,
    role_by_name: HashMap<String, String>,
    accounts: HashMap<String, AccountRec>,
    /// Lower-cased email → id: emails are unique regardless of case.
    account_by_email: HashMap<String, String>,
    next_seq: u64,
}

impl Store {
    /// A fresh tenant holding only the predefined roles.
    pub fn new() -> Self {
        let mut s = Store::default();
        for p in permissions::predefined() {
            let seq = s.seq();
            s.insert_role(RoleRec {
                seq,
                id: p.id.to_string(),
                name: p.name.to_string(),
                description: Some(p.description.to_string()),
                predefined: true,
                allow_api_key_assignment: p.allow_api_key_assignment,
                allow_user_account_assignment: p.allow_user_account_assignment,
                permissions: p.permissions,
                updated: PREDEFINED_UPDATED,
                etag: new_etag(),
            });
        }
        s
    }

    /// Rebuild from a saved snapshot. Rows that point at a role that no longer exists, or that
    /// clash with an earlier row's unique name, are dropped rather than trusted.
    pub fn from_snapshot(snap: Snapshot) -> Self {
        let mut s = Store::new();
        s.next_seq = s.next_seq.max(snap.next_seq);
        for r in snap.custom_roles {
            if !r.predefined && !s.roles.contains_key(&r.id) && !s.role_by_name.contains_key(&r.name) {
                s.next_seq = s.next_seq.max(r.seq + 1);
                s.insert_role(r);
            }
        }
        for k in snap.keys {
            let clash = s.keys.contains_key(&k.id)
                || s.key_by_name.contains_key(&k.name)
                || s.key_by_secret.contains_key(&k.secret);
            if !clash && s.roles.contains_key(&k.role_id) {
                s.next_seq = s.next_seq.max(k.seq + 1);
                s.insert_key(k);
            }
        }
        for a in snap.accounts {
            let clash = s.accounts.contains_key(&a.id) || s.account_by_email.contains_key(&a.email.to_lowercase());
            if !clash && s.roles.contains_key(&a.role_id) {
                s.next_seq = s.next_seq.max(a.seq + 1);
                s.insert_account(a);
            }
        }
        s
    }

    /// Everything `--state` keeps.
    pub fn snapshot(&self, clock_offset: i64) -> Snapshot {
        let mut keys: Vec<_> = self.keys.values().cloned().collect();
        keys.sort_by_key(|k| k.seq);
        let mut custom_roles: Vec<_> = self.roles.values().filter(|r| !r.predefined).cloned().collect();
        custom_roles.sort_by_key(|r| r.seq);
        let mut accounts: Vec<_> = self.accounts.values().cloned().collect();
        accounts.sort_by_key(|a| a.seq);
        Snapshot {
            clock_offset,
            next_seq: self.next_seq,
            keys,
            custom_roles,
            accounts,
            workload: Default::default(),
        }
    }

    /// Whether the credential may use `permission`: the admin token may do anything; a key only
    /// what its role grants.
    pub fn allows(&self, principal: &Principal, permission: &str) -> bool {
        match principal {
            Principal::Admin => true,
            Principal::Key(id) => self
                .keys
                .get(id)
                .and_then(|k| self.roles.get(&k.role_id))
                .is_some_and(|r| r.permissions.iter().any(|p| p == permission)),
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn role_name(&self, role_id: &str) -> String {
        self.roles.get(role_id).map(|r| r.name.clone()).unwrap_or_default()
    }

    fn insert_role(&mut self, r: RoleRec) {
        self.role_by_name.insert(r.name.clone(), r.id.clone());
        self.roles.insert(r.id.clone(), r);
    }

    fn insert_key(&mut self, k: KeyRec) {
        self.key_by_name.insert(k.name.clone(), k.id.clone());
        self.key_by_secret.insert(k.secret.clone(), k.id.clone());
        self.keys.insert(k.id.clone(), k);
    }

    fn insert_account(&mut self, a: AccountRec) {
        self.account_by_email.insert(a.email.to_lowercase(), a.id.clone());
        self.accounts.insert(a.id.clone(), a);
    }
}

/// Who is calling: the admin token (a Master Administrator credential that is not a listed key) or
/// an API key, by id.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Admin,
    Key(String),
}

/// A random UUID v4, as Vision One ids look.
pub fn new_id() -> String {
    let v: u128 = rand::random();
    let v = (v & !(0xfu128 << 76)) | (0x4u128 << 76);
    let v = (v & !(0x3u128 << 62)) | (0x2u128 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fresh opaque ETag value (unquoted).
pub fn new_etag() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn new_secret() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 64)
}

/// Compare an `If-Match` header with the current ETag: quoted or not, weak or not, or `*`.
pub fn check_if_match(if_match: Option<&str>, etag: &str) -> Result<(), ApiError> {
    let Some(raw) = if_match else { return Ok(()) };
    let ok = raw.split(',').any(|v| {
        let v = v.trim();
        let v = v.strip_prefix("W/").unwrap_or(v);
        v == "*" || v.trim_matches('"') == etag
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::precondition_failed())
    }
}

/// Fields of a JSON object body, or 400 when it is not an object.
fn object(body: &serde_json::Value) -> Result<&serde_json::Map<String, serde_json::Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| ApiError::bad_body("the request body must be a JSON object"))
}

/// A required string field, trimmed of nothing, 1..=max characters.
fn check_text(field: &str, value: &str, max: usize, allow_empty: bool) -> Result<(), ApiError> {
    if !allow_empty && value.trim().is_empty() {
        return Err(ApiError::invalid(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!("{field} is longer than {max} characters")));
    }
    Ok(())
}

/// `description`: a string, or null to clear it.
fn description_field(v: &serde_json::Value) -> Result<Option<String>, ApiError> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => {
            check_text("description", s, 1000, true)?;
            Ok(Some(s.clone()))
        }
        _ => Err(ApiError::invalid("description must be a string")),
    }
}

fn string_field<'a>(field: &str, v: &'a serde_json::Value) -> Result<&'a str, ApiError> {
    v.as_str()
        .ok_or_else(|| ApiError::invalid(format!("{field} must be a string")))
}

fn status_field(v: &serde_json::Value) -> Result<Status, ApiError> {
    match v.as_str() {
        Some("enabled") => Ok(Status::Enabled),
        Some("disabled") => Ok(Status::Disabled),
        _ => Err(ApiError::invalid("status must be 'enabled' or 'disabled'")),
    }
}

/// A sort value for a timestamp: zero-padded so strings order like numbers.
fn ts_key(t: Option<Ts>) -> Option<String> {
    t.map(|t| format!("{t:020}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_uuid_v4() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(new_id(), id);
    }

    #[test]
    fn if_match_forms() {
        assert!(check_if_match(None, "abc").is_ok());
        assert!(check_if_match(Some("abc"), "abc").is_ok());
        assert!(check_if_match(Some("\"abc\""), "abc").is_ok());
        assert!(check_if_match(Some("W/\"abc\""), "abc").is_ok());
        assert!(check_if_match(Some("*"), "abc").is_ok());
        assert!(check_if_match(Some("\"abd\""), "abc").is_err());
    }
}
