//! API keys (contract §2): integer ids, a role by id, millisecond times, a secret `<ID>:<base64>`
//! shown once, partial modify, a new secret on demand. Names need not be unique.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use visionone_api::workload::{ApiKey, LOCALES};

use super::error::WsError;
use super::roles;
use super::search::{Kind, Search, Val};
use super::State;

const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2000;
const DEFAULT_LOCALE: &str = "en-US";
const DEFAULT_TIME_ZONE: &str = "America/New_York";

/// A key as stored. No `Debug`: it holds the secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRec {
    pub id: i64,
    pub key_name: String,
    pub description: String,
    pub locale: String,
    pub role_id: i64,
    pub time_zone: String,
    pub active: bool,
    pub created: i64,
    pub last_sign_in: Option<i64>,
    pub unsuccessful_sign_in_attempts: i64,
    pub expiry_date: Option<i64>,
    pub secret: String,
}

impl KeyRec {
    pub fn expired(&self, now_ms: i64) -> bool {
        self.expiry_date.is_some_and(|e| now_ms >= e)
    }

    /// The key as the API answers it; the secret only when asked (create and new secret).
    pub fn view(&self, with_secret: bool) -> ApiKey {
        ApiKey {
            id: Some(self.id),
            key_name: Some(self.key_name.clone()),
            description: Some(self.description.clone()),
            locale: Some(self.locale.clone()),
            role_id: Some(self.role_id),
            time_zone: Some(self.time_zone.clone()),
            active: Some(self.active),
            created: Some(self.created),
            last_sign_in: self.last_sign_in,
            unlock_time: None,
            unsuccessful_sign_in_attempts: Some(self.unsuccessful_sign_in_attempts),
            expiry_date: self.expiry_date,
            secret_key: with_secret.then(|| self.secret.clone()),
            service_account: Some(false),
        }
    }
}

/// The searchable fields of a key.
fn key_field(name: &str) -> Option<Kind> {
    Some(match name {
        "keyName" | "description" | "locale" | "timeZone" => Kind::Str,
        "active" | "serviceAccount" => Kind::Bool,
        "roleID" | "unsuccessfulSignInAttempts" => Kind::Num,
        "created" | "lastSignIn" | "unlockTime" | "expiryDate" => Kind::Date,
        _ => return None,
    })
}

/// Fields the server sets: accepted in a body (an SDK may send a described key back) and ignored.
const READ_ONLY: &[&str] = &[
    "ID",
    "created",
    "lastSignIn",
    "unlockTime",
    "unsuccessfulSignInAttempts",
    "secretKey",
    "serviceAccount",
];

/// The fields a create or modify body may set, checked one by one so errors name the field.
#[derive(Default)]
struct Fields {
    key_name: Option<String>,
    description: Option<String>,
    locale: Option<String>,
    role_id: Option<i64>,
    time_zone: Option<String>,
    active: Option<bool>,
    /// `Some(None)`: explicitly null.
    expiry_date: Option<Option<i64>>,
}

fn parse_fields(body: &Value) -> Result<Fields, WsError> {
    let obj: &Map<String, Value> = body
        .as_object()
        .ok_or_else(|| WsError::bad_request("the request body must be a JSON object"))?;
    let mut f = Fields::default();
    for (name, v) in obj {
        // Null means "not given" for every field but the expiry, where it means "never".
        if v.is_null() && name != "expiryDate" {
            continue;
        }
        match name.as_str() {
            "keyName" => {
                let s = text(name, v, MAX_NAME)?;
                if s.trim().is_empty() {
                    return Err(WsError::bad_request("keyName must not be empty"));
                }
                f.key_name = Some(s);
            }
            "description" => f.description = Some(text(name, v, MAX_DESCRIPTION)?),
            "locale" => {
                let s = text(name, v, 16)?;
                if !LOCALES.contains(&s.as_str()) {
                    return Err(WsError::bad_request(format!(
                        "locale must be one of {LOCALES:?}, not '{s}'"
                    )));
                }
                f.locale = Some(s);
            }
            "timeZone" => {
                let s = text(name, v, 64)?;
                if !is_time_zone(&s) {
                    return Err(WsError::bad_request(format!(
                        "timeZone '{s}' is not a time zone name (such as America/New_York or UTC)"
                    )));
                }
                f.time_zone = Some(s);
            }
            "roleID" => f.role_id = Some(integer(name, v)?),
            "active" => {
                f.active = Some(
                    v.as_bool()
                        .ok_or_else(|| WsError::bad_request("active must be a boolean"))?,
                )
            }
            "expiryDate" => f.expiry_date = Some(if v.is_null() { None } else { Some(integer(name, v)?) }),
            n if READ_ONLY.contains(&n) => {}
            other => return Err(WsError::bad_request(format!("unknown field '{other}'"))),
        }
    }
    Ok(f)
}

fn text(name: &str, v: &Value, max: usize) -> Result<String, WsError> {
    let s = v
        .as_str()
        .ok_or_else(|| WsError::bad_request(format!("{name} must be a string")))?;
    if s.chars().count() > max {
        return Err(WsError::bad_request(format!("{name} is longer than {max} characters")));
    }
    Ok(s.to_string())
}

fn integer(name: &str, v: &Value) -> Result<i64, WsError> {
    v.as_i64()
        .ok_or_else(|| WsError::bad_request(format!("{name} must be an integer")))
}

/// An IANA zone name in shape (`UTC`, `Area/Location[/More]`): the emulator has no zone database.
fn is_time_zone(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
    };
    matches!(s, "UTC" | "GMT") || (s.contains('/') && s.split('/').all(part))
}

/// A role a key may hold: it exists and may call the web service API.
fn key_role(id: i64) -> Result<i64, WsError> {
    let role = roles::get(id).ok_or_else(|| WsError::bad_request(format!("roleID {id}: the role does not exist")))?;
    if !role.allow_web_service {
        return Err(WsError::bad_request(format!(
            "roleID {id}: the role '{}' may not use the web service API, so no key may hold it",
            role.name
        )));
    }
    Ok(id)
}

fn new_secret(id: i64) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{id}:{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

impl State {
    /// `POST /apikeys`: 200 with the key and its secret.
    pub fn create_key(&mut self, body: &Value, now_ms: i64) -> Result<ApiKey, WsError> {
        let f = parse_fields(body)?;
        let key_name = f.key_name.ok_or_else(|| WsError::bad_request("keyName is required"))?;
        let role_id = key_role(f.role_id.ok_or_else(|| WsError::bad_request("roleID is required"))?)?;
        let expiry_date = f.expiry_date.flatten();
        if expiry_date.is_some_and(|e| e <= now_ms) {
            return Err(WsError::bad_request("expiryDate must be in the future"));
        }
        self.next_key_id += 1;
        let id = self.next_key_id;
        let key = KeyRec {
            id,
            key_name,
            description: f.description.unwrap_or_default(),
            locale: f.locale.unwrap_or_else(|| DEFAULT_LOCALE.into()),
            role_id,
            time_zone: f.time_zone.unwrap_or_else(|| DEFAULT_TIME_ZONE.into()),
            active: f.active.unwrap_or(true),
            created: now_ms,
            last_sign_in: None,
            unsuccessful_sign_in_attempts: 0,
            expiry_date,
            secret: new_secret(id),
        };
        let view = key.view(true);
        self.insert_key(key);
        Ok(view)
    }

    pub fn key(&self, id: i64) -> Result<&KeyRec, WsError> {
        self.keys.get(&id).ok_or_else(WsError::key_not_found)
    }

    /// `POST /apikeys/{id}`: only the fields given change. `own` refuses what a key may not change
    /// about itself (its role, its lock).
    pub fn modify_key(&mut self, id: i64, body: &Value, own: bool) -> Result<ApiKey, WsError> {
        let f = parse_fields(body)?;
        let current = self.key(id)?;
        if f.expiry_date.is_some_and(|e| e != current.expiry_date) {
            return Err(WsError::bad_request("expiryDate cannot be modified"));
        }
        if own && (f.role_id.is_some_and(|r| r != current.role_id) || f.active.is_some_and(|a| a != current.active)) {
            return Err(WsError::forbidden(
                "Not authorized to change the role or lock of the calling API key",
            ));
        }
        let role_id = f.role_id.map(key_role).transpose()?;
        let key = self.keys.get_mut(&id).ok_or_else(WsError::key_not_found)?;
        if let Some(v) = f.key_name {
            key.key_name = v;
        }
        if let Some(v) = f.description {
            key.description = v;
        }
        if let Some(v) = f.locale {
            key.locale = v;
        }
        if let Some(v) = role_id {
            key.role_id = v;
        }
        if let Some(v) = f.time_zone {
            key.time_zone = v;
        }
        if let Some(v) = f.active {
            key.active = v;
        }
        Ok(key.view(false))
    }

    /// `POST /apikeys/{id}/secretkey`: a new secret; the old one stops working at once.
    pub fn new_key_secret(&mut self, id: i64) -> Result<ApiKey, WsError> {
        let key = self.keys.get_mut(&id).ok_or_else(WsError::key_not_found)?;
        let old = std::mem::replace(&mut key.secret, new_secret(id));
        let view = key.view(true);
        self.key_by_secret.remove(&old);
        self.key_by_secret
            .insert(view.secret_key.clone().unwrap_or_default(), id);
        Ok(view)
    }

    pub fn delete_key(&mut self, id: i64) -> Result<(), WsError> {
        let key = self.keys.remove(&id).ok_or_else(WsError::key_not_found)?;
        self.key_by_secret.remove(&key.secret);
        Ok(())
    }

    pub fn list_keys(&self) -> Vec<ApiKey> {
        self.keys.values().map(|k| k.view(false)).collect()
    }

    pub fn search_keys(&self, search: &Search) -> Vec<ApiKey> {
        let rows = self
            .keys
            .values()
            .filter(|k| {
                search.matches(k.id, &|f| match f {
                    "keyName" => Val::Str(Some(&k.key_name)),
                    "description" => Val::Str(Some(&k.description)),
                    "locale" => Val::Str(Some(&k.locale)),
                    "timeZone" => Val::Str(Some(&k.time_zone)),
                    "active" => Val::Bool(Some(k.active)),
                    "serviceAccount" => Val::Bool(Some(false)),
                    "roleID" => Val::Num(Some(k.role_id)),
                    "unsuccessfulSignInAttempts" => Val::Num(Some(k.unsuccessful_sign_in_attempts)),
                    "created" => Val::Num(Some(k.created)),
                    "lastSignIn" => Val::Num(k.last_sign_in),
                    "expiryDate" => Val::Num(k.expiry_date),
                    _ => Val::Num(None),
                })
            })
            .map(|k| (k.id, k.view(false)))
            .collect();
        search.take(rows)
    }

    pub fn compile_key_search(filter: Option<visionone_api::workload::SearchFilter>) -> Result<Search, WsError> {
        Search::compile(filter, &key_field)
    }

    pub(super) fn insert_key(&mut self, k: KeyRec) {
        self.next_key_id = self.next_key_id.max(k.id);
        self.key_by_secret.insert(k.secret.clone(), k.id);
        self.keys.insert(k.id, k);
    }
}
