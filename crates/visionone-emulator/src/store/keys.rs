//! API keys (contract §2): batch create with per-item outcomes, get, PATCH with If-Match, delete,
//! list, and authentication by secret.

use visionone_api::filter::Filter;
use visionone_api::{ApiKey, ApiKeyCreate, ApiKeyCreated, Status, ALLOWED_MONTHS, MASTER_ADMINISTRATOR};

use super::{
    check_if_match, check_text, description_field, new_etag, new_id, new_secret, object, status_field, string_field,
    ts_key, KeyRec, RoleRec, Store,
};
use crate::clock::{self, Ts};
use crate::error::ApiError;
use crate::list::{self, ListParams, Paged};

pub const KEY_ORDER_FIELDS: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "lastUsedDateTime",
    "expiredDateTime",
];
pub const KEY_FILTER_FIELDS: &[&str] = &["id", "name", "role", "status"];
const MAX_NAME: usize = 255;

/// Days a key lives for each allowed `monthsToExpiration` (the console's 90 / 180 / 365 days).
fn lifetime_days(months: u32) -> Option<i64> {
    match months {
        1 => Some(30),
        3 => Some(90),
        6 => Some(180),
        12 => Some(365),
        _ => None,
    }
}

impl KeyRec {
    /// Whether the key has passed its expiry at `now`.
    pub fn expired(&self, now: Ts) -> bool {
        self.expires.is_some_and(|e| now >= e)
    }
}

impl Store {
    /// The key holding `secret`, if it may authenticate now; records the use.
    pub fn authenticate_key(&mut self, secret: &str, now: Ts) -> Option<String> {
        let id = self.key_by_secret.get(secret)?;
        let key = self.keys.get_mut(id)?;
        if key.status != Status::Enabled || key.expired(now) {
            return None;
        }
        key.last_used = Some(now);
        Some(key.id.clone())
    }

    /// The role a key may be given, by name.
    fn role_for_key(&self, name: &str) -> Result<&RoleRec, ApiError> {
        let role = self
            .role_by_name
            .get(name)
            .and_then(|id| self.roles.get(id))
            .ok_or_else(|| ApiError::invalid(format!("role '{name}' does not exist")))?;
        if role.name == MASTER_ADMINISTRATOR {
            return Err(ApiError::invalid(
                "the Master Administrator role can no longer be given to API keys",
            ));
        }
        if !role.allow_api_key_assignment {
            return Err(ApiError::invalid(format!(
                "role '{name}' may not be assigned to API keys"
            )));
        }
        Ok(role)
    }

    /// One item of a batch create: the 201 body, or this item's error.
    pub fn create_key(&mut self, item: &serde_json::Value, now: Ts) -> Result<ApiKeyCreated, ApiError> {
        let req: ApiKeyCreate = serde_json::from_value(item.clone())
            .map_err(|e| ApiError::invalid(format!("invalid API key item: {e}")))?;
        check_text("name", &req.name, MAX_NAME, false)?;
        if let Some(d) = &req.description {
            check_text("description", d, 1000, true)?;
        }
        let months = req.months_to_expiration.unwrap_or(0);
        if !ALLOWED_MONTHS.contains(&months) {
            return Err(ApiError::invalid(format!(
                "monthsToExpiration must be one of {ALLOWED_MONTHS:?}"
            )));
        }
        let role_id = self.role_for_key(&req.role)?.id.clone();
        if self.key_by_name.contains_key(&req.name) {
            return Err(ApiError::conflict(format!(
                "an API key named '{}' already exists",
                req.name
            )));
        }
        let expires = lifetime_days(months).map(|d| now + d * 86_400);
        let key = KeyRec {
            seq: self.seq(),
            id: new_id(),
            name: req.name,
            role_id,
            status: req.status.unwrap_or(Status::Enabled),
            description: req.description,
            expires,
            last_used: None,
            created: now,
            modified: now,
            etag: new_etag(),
            secret: new_secret(),
        };
        let created = ApiKeyCreated {
            id: key.id.clone(),
            value: key.secret.clone(),
            expired_date_time: expires.map(clock::format),
        };
        self.insert_key(key);
        Ok(created)
    }

    /// A key's public view and its ETag.
    pub fn get_key(&self, id: &str) -> Result<(ApiKey, String), ApiError> {
        let k = self.keys.get(id).ok_or_else(|| key_not_found(id))?;
        Ok((self.key_view(k), k.etag.clone()))
    }

    /// `PATCH`: any of name, role, status, description; the expiry is not editable.
    pub fn patch_key(
        &mut self,
        id: &str,
        if_match: Option<&str>,
        body: &serde_json::Value,
        now: Ts,
    ) -> Result<(), ApiError> {
        let fields = object(body)?;
        let current = self.keys.get(id).ok_or_else(|| key_not_found(id))?;
        check_if_match(if_match, &current.etag)?;
        let (mut name, mut role_id, mut status, mut description) = (None, None, None, None);
        for (field, value) in fields {
            match field.as_str() {
                "name" => {
                    let n = string_field("name", value)?;
                    check_text("name", n, MAX_NAME, false)?;
                    if self.key_by_name.get(n).is_some_and(|other| other != id) {
                        return Err(ApiError::conflict(format!("an API key named '{n}' already exists")));
                    }
                    name = Some(n.to_string());
                }
                "role" => role_id = Some(self.role_for_key(string_field("role", value)?)?.id.clone()),
                "status" => status = Some(status_field(value)?),
                "description" => description = Some(description_field(value)?),
                "monthsToExpiration" | "expiredDateTime" => {
                    return Err(ApiError::invalid("the expiry of an API key cannot be changed"))
                }
                other => return Err(ApiError::invalid(format!("field '{other}' cannot be updated"))),
            }
        }
        if fields.is_empty() {
            return Ok(());
        }
        let Some(key) = self.keys.get_mut(id) else {
            return Err(key_not_found(id));
        };
        if let Some(n) = name {
            self.key_by_name.remove(&key.name);
            self.key_by_name.insert(n.clone(), key.id.clone());
            key.name = n;
        }
        if let Some(r) = role_id {
            key.role_id = r;
        }
        if let Some(s) = status {
            key.status = s;
        }
        if let Some(d) = description {
            key.description = d;
        }
        key.modified = now;
        key.etag = new_etag();
        Ok(())
    }

    /// Delete one key; false when there is no such key.
    pub fn delete_key(&mut self, id: &str) -> bool {
        match self.keys.remove(id) {
            Some(k) => {
                self.key_by_name.remove(&k.name);
                self.key_by_secret.remove(&k.secret);
                true
            }
            None => false,
        }
    }

    pub fn list_keys(&self, filter: Option<&Filter>, p: &ListParams) -> Paged<ApiKey> {
        let rows = self
            .keys
            .values()
            .filter(|k| {
                filter.is_none_or(|f| {
                    f.matches(&|field| match field {
                        "id" => Some(k.id.clone()),
                        "name" => Some(k.name.clone()),
                        "role" => Some(self.role_name(&k.role_id)),
                        "status" => Some(k.status.as_str().to_string()),
                        _ => None,
                    })
                })
            })
            .map(|k| {
                let v = match p.order_field.as_str() {
                    "lastModifiedDateTime" => ts_key(Some(k.modified)),
                    "lastUsedDateTime" => ts_key(k.last_used),
                    "expiredDateTime" => ts_key(k.expires),
                    _ => ts_key(Some(k.created)),
                };
                ((v, k.seq), k)
            })
            .collect();
        let pg = list::page(rows, p);
        Paged {
            items: pg.items.into_iter().map(|k| self.key_view(k)).collect(),
            total: pg.total,
            next: pg.next,
        }
    }

    /// Every key with internal fields but no secret, in creation order (for `/_emulator/keys`).
    pub fn internal_keys(&self, now: Ts) -> Vec<serde_json::Value> {
        let mut keys: Vec<&KeyRec> = self.keys.values().collect();
        keys.sort_by_key(|k| k.seq);
        keys.into_iter()
            .map(|k| {
                let mut v = serde_json::to_value(self.key_view(k)).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("etag".into(), k.etag.clone().into());
                    o.insert("expired".into(), k.expired(now).into());
                    o.insert("seq".into(), k.seq.into());
                }
                v
            })
            .collect()
    }

    fn key_view(&self, k: &KeyRec) -> ApiKey {
        ApiKey {
            id: k.id.clone(),
            name: k.name.clone(),
            role: self.role_name(&k.role_id),
            status: k.status,
            description: k.description.clone(),
            expired_date_time: k.expires.map(clock::format),
            last_used_date_time: k.last_used.map(clock::format),
            created_date_time: Some(clock::format(k.created)),
            last_modified_date_time: Some(clock::format(k.modified)),
        }
    }
}

fn key_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("API key '{}' not found", truncate(id)))
}

/// Ids echoed in messages are cut short: they come from the client.
pub(super) fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}
