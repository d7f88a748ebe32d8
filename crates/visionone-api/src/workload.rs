//! Wire types of the Server & Workload Protection / Workload Security / Deep Security Manager API
//! (`docs/contract/workload-security-api.md`): the second API, under `/api`, with its own keys,
//! roles, search filters and sessions.
//!
//! Names follow Trend's SDK (`deep-security-api` 20.0.463): camelCase, but `ID`, `roleID`,
//! `RID`, `administratorID` and `sortByObjectID` spelled as the API spells them. Ids are
//! integers and times are **milliseconds** since the epoch. Every answer field is an `Option`:
//! a manager may omit what the contract marks as assumed.

use serde::{Deserialize, Serialize};

/// The `api-version` header every call carries.
pub const API_VERSION_HEADER: &str = "api-version";
/// The only version this API speaks.
pub const API_VERSION: &str = "v1";
/// The secret header of DSM, legacy and SWP keys.
pub const SECRET_HEADER: &str = "api-secret-key";
/// `Authorization: ApiKey <key>` (Cloud One keys) uses this scheme.
pub const AUTHORIZATION_SCHEME: &str = "ApiKey";
/// The session header sent beside the `sID` cookie.
pub const SESSION_HEADER: &str = "rID";
/// The session cookie.
pub const SESSION_COOKIE: &str = "sID";
/// The manager version header on answers.
pub const VERSION_HEADER: &str = "X-DSM-Version";
/// The `locale` values a key may have.
pub const LOCALES: &[&str] = &["en-US", "ja-JP"];
/// Default and largest `maxItems` of a search.
pub const MAX_SEARCH_ITEMS: u32 = 5000;
/// The message of a 404 for a key.
pub const KEY_NOT_FOUND: &str = "The API key does not exist.";

/// Cloud One / SWP regions seen in the SDK and in third-party code.
pub const REGIONS: &[&str] = &["us-1", "in-1", "gb-1", "au-1", "jp-1", "de-1", "ca-1", "sg-1"];

/// The API base URL of a region (`https://workload.<region>.cloudone.trendmicro.com/api`).
pub fn region_url(region: &str) -> Option<String> {
    REGIONS
        .contains(&region)
        .then(|| format!("https://workload.{region}.cloudone.trendmicro.com/api"))
}

/// An error answer: `{"message": "..."}`. A gateway may answer text instead; the client reads it
/// as such.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// API keys (§2)
// ---------------------------------------------------------------------------------------------

/// A key as the API answers it. `secret_key` is only in create and new-secret answers.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(rename = "roleID", default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// False: locked out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsuccessful_sign_in_attempts: Option<i64>,
    /// Absent: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<bool>,
}

impl std::fmt::Debug for ApiKey {
    /// Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("key_name", &self.key_name)
            .field("description", &self.description)
            .field("locale", &self.locale)
            .field("role_id", &self.role_id)
            .field("time_zone", &self.time_zone)
            .field("active", &self.active)
            .field("created", &self.created)
            .field("last_sign_in", &self.last_sign_in)
            .field("expiry_date", &self.expiry_date)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<redacted>"))
            .field("service_account", &self.service_account)
            .finish()
    }
}

/// `POST /apikeys`: `keyName` and `roleID` required; omitted fields take the manager's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreate {
    pub key_name: String,
    #[serde(rename = "roleID")]
    pub role_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Milliseconds since the epoch; absent = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<i64>,
}

/// `POST /apikeys/{id}`: only the fields to change; the others stay. The expiry is not here:
/// a change of it is a new key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyModify {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(rename = "roleID", default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `{"apiKeys": [...]}` from list and search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeys {
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
}

// ---------------------------------------------------------------------------------------------
// Roles (§3)
// ---------------------------------------------------------------------------------------------

/// An administrator role. `allow_web_service` says whether keys may hold it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    /// Predefined roles are immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_computers: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_policies: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_user_interface: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_web_service: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Rights>,
}

/// `{"roles": [...]}` from list and search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// The part of a role's rights this API's keys depend on (`rights.platformRights...`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rights {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_rights: Option<PlatformRights>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformRights {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apikey_rights: Option<ApiKeyRights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrator_role_rights: Option<RoleRights>,
}

/// `apikeyRights`: what a role may do with keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRights {
    #[serde(default)]
    pub can_view_api_keys: bool,
    #[serde(default)]
    pub can_create_new_api_keys: bool,
    #[serde(default)]
    pub can_edit_api_key_properties: bool,
    #[serde(default)]
    pub can_delete_api_keys: bool,
}

/// `administratorRoleRights`: what a role may do with roles (only viewing matters here).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRights {
    #[serde(default)]
    pub can_view_administrator_roles: bool,
    #[serde(default)]
    pub can_create_new_administrator_roles: bool,
    #[serde(default)]
    pub can_edit_administrator_role_properties: bool,
    #[serde(default)]
    pub can_delete_administrator_roles: bool,
}

// ---------------------------------------------------------------------------------------------
// Search filters (§4)
// ---------------------------------------------------------------------------------------------

/// `POST /.../search`: criteria ANDed, at most `maxItems` (default and maximum 5000) answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_criteria: Vec<SearchCriteria>,
    #[serde(rename = "sortByObjectID", default, skip_serializing_if = "Option::is_none")]
    pub sort_by_object_id: Option<bool>,
}

impl SearchFilter {
    /// Objects whose `field` is exactly `value` (wildcards off: `%` and `_` are literal).
    pub fn exact(field: &str, value: &str) -> Self {
        SearchFilter {
            search_criteria: vec![SearchCriteria::string_equal(field, value)],
            ..SearchFilter::default()
        }
    }

    /// The next page after `last_id`: ids greater than it, `max_items` at most, by id.
    pub fn after_id(last_id: i64, max_items: i64) -> Self {
        SearchFilter {
            max_items: Some(max_items),
            search_criteria: vec![SearchCriteria {
                id_test: Some("greater-than".into()),
                id_value: Some(last_id),
                ..SearchCriteria::default()
            }],
            sort_by_object_id: Some(true),
        }
    }
}

/// One criterion. Exactly one kind of test is set: string, boolean, numeric, id, date range,
/// null or choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCriteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// `equal` or `not-equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_test: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Defaults to **true**: `%` matches any run of characters and `_` any one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_wildcards: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boolean_test: Option<bool>,
    /// `less-than`, `less-than-or-equal`, `equal`, `greater-than-or-equal`, `greater-than`, `not-equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric_test: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric_value: Option<f64>,
    /// The same tests as `numericTest`, on the object's `ID` (no `fieldName` needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_test: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_date_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_date_inclusive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_date_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_date_inclusive: Option<bool>,
    /// True: the field is null; false: it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_test: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_test: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_value: Option<String>,
}

impl SearchCriteria {
    /// `field` equals `value` exactly (wildcards off).
    pub fn string_equal(field: &str, value: &str) -> Self {
        SearchCriteria {
            field_name: Some(field.into()),
            string_test: Some("equal".into()),
            string_value: Some(value.into()),
            string_wildcards: Some(false),
            ..SearchCriteria::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions (§5)
// ---------------------------------------------------------------------------------------------

/// `POST /sessions`: sign in with a user name and password (the first key only).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    pub user_name: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_code: Option<String>,
}

impl std::fmt::Debug for SessionRequest {
    /// Never print the password or the MFA code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRequest")
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .field("tenant_name", &self.tenant_name)
            .finish()
    }
}

/// The session answer; `RID` goes back in the `rID` header, beside the `sID` cookie.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    #[serde(rename = "administratorID", default, skip_serializing_if = "Option::is_none")]
    pub administrator_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_type: Option<String>,
    #[serde(rename = "RID", default)]
    pub rid: String,
}

impl std::fmt::Debug for Session {
    /// The RID is half of a credential: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("administrator_id", &self.administrator_id)
            .field("created", &self.created)
            .field("last_activity", &self.last_activity)
            .field("access_type", &self.access_type)
            .field("rid", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_names_as_the_api_spells_them() {
        let k: ApiKey = serde_json::from_value(json!({
            "keyName": "ci", "roleID": 3, "ID": 8, "expiryDate": 1_900_000_000_000i64,
            "secretKey": "8:abc=", "active": true, "serviceAccount": false, "unknown": 1
        }))
        .unwrap();
        assert_eq!(
            (k.id, k.role_id, k.expiry_date),
            (Some(8), Some(3), Some(1_900_000_000_000))
        );
        assert!(!format!("{k:?}").contains("8:abc="));
        let v = serde_json::to_value(ApiKeyModify {
            description: Some("d".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(v, json!({"description": "d"}));
        let c = serde_json::to_value(ApiKeyCreate {
            key_name: "k".into(),
            role_id: 1,
            description: None,
            locale: None,
            time_zone: None,
            active: Some(true),
            expiry_date: Some(5),
        })
        .unwrap();
        assert_eq!(c, json!({"keyName": "k", "roleID": 1, "active": true, "expiryDate": 5}));
    }

    #[test]
    fn search_filters() {
        assert_eq!(
            serde_json::to_value(SearchFilter::exact("name", "Full Access")).unwrap(),
            json!({"searchCriteria": [{"fieldName": "name", "stringTest": "equal",
                "stringValue": "Full Access", "stringWildcards": false}]})
        );
        assert_eq!(
            serde_json::to_value(SearchFilter::after_id(7, 100)).unwrap(),
            json!({"maxItems": 100, "sortByObjectID": true,
                "searchCriteria": [{"idTest": "greater-than", "idValue": 7}]})
        );
    }

    #[test]
    fn sessions_and_regions() {
        let s: Session = serde_json::from_value(json!({
            "administratorID": 1, "created": 1, "lastActivity": 2, "accessType": "webService", "RID": "ab"
        }))
        .unwrap();
        assert_eq!(s.rid, "ab");
        assert!(!format!("{s:?}").contains("ab\""));
        let r = SessionRequest {
            user_name: "u".into(),
            password: "hunter2".into(),
            tenant_name: None,
            mfa_code: None,
        };
        assert!(!format!("{r:?}").contains("hunter2"));
        assert_eq!(
            region_url("de-1").as_deref(),
            Some("https://workload.de-1.cloudone.trendmicro.com/api")
        );
        assert_eq!(region_url("mars-1"), None);
    }
}
