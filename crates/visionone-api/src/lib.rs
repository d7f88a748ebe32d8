//! Wire types of the Trend Vision One v3.0 IAM API (`docs/contract/visionone-api.md`).
//!
//! This crate is the only thing the HTTP client and the emulator share: field names,
//! enums and envelopes exactly as they cross the wire (camelCase JSON). Optional fields
//! are `Option` and tolerate absence, because a live tenant may omit what the contract
//! marks as assumed.

use serde::{Deserialize, Serialize};

pub mod filter;
pub mod workload;

/// Regions and their API hosts (contract §1).
pub const REGIONS: &[(&str, &str)] = &[
    ("us", "api.xdr.trendmicro.com"),
    ("eu", "api.eu.xdr.trendmicro.com"),
    ("jp", "api.xdr.trendmicro.co.jp"),
    ("sg", "api.sg.xdr.trendmicro.com"),
    ("au", "api.au.xdr.trendmicro.com"),
    ("in", "api.in.xdr.trendmicro.com"),
    ("mea", "api.mea.xdr.trendmicro.com"),
    ("uk", "api.uk.xdr.trendmicro.com"),
    ("usgov", "api.usgov.xdr.trendmicro.com"),
];

/// The host of a region code, if the code is known.
pub fn region_host(region: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, h)| *h)
}

/// Allowed `top` values on list endpoints.
pub const ALLOWED_TOP: &[u32] = &[50, 100, 200];
/// Most items in one batch create or delete of API keys.
pub const MAX_BATCH: usize = 50;
/// Allowed `monthsToExpiration` values; 0 means "never expires".
pub const ALLOWED_MONTHS: &[u32] = &[0, 1, 3, 6, 12];
/// Longest `TMV1-Filter` accepted on API keys / accounts.
pub const MAX_FILTER_LEN_KEYS: usize = 1024;
pub const MAX_FILTER_LEN_ACCOUNTS: usize = 256;
/// The role that can no longer be given to new API keys (since 2025-10-27).
pub const MASTER_ADMINISTRATOR: &str = "Master Administrator";
/// Predefined roles [doc].
pub const PREDEFINED_ROLES: &[&str] = &[
    "Master Administrator",
    "Operator",
    "Auditor",
    "Senior Analyst",
    "Analyst",
    "Endpoint Administrator",
    "SIEM",
    "SOAR",
];

// ---------------------------------------------------------------------------------------------
// Errors and envelopes
// ---------------------------------------------------------------------------------------------

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<InnerError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InnerError {
    pub code: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                innererror: None,
            },
        }
    }
}

/// Error codes the contract names.
pub mod codes {
    pub const INVALID_CREDENTIALS: &str = "InvalidCredentials";
    pub const ACCESS_DENIED: &str = "AccessDenied";
    pub const NOT_FOUND: &str = "NotFound";
    pub const TOO_MANY_REQUESTS: &str = "TooManyRequests";
    pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValue";
    pub const CONFLICT: &str = "Conflict";
    pub const PRECONDITION_FAILED: &str = "PreconditionFailed";
    pub const INVALID_OPERATION: &str = "InvalidOperation";
    pub const ROLE_IN_USE: &str = "RoleInUse";
    pub const REQUEST_ENTITY_TOO_LARGE: &str = "RequestEntityTooLarge";
    pub const INTERNAL_SERVER_ERROR: &str = "InternalServerError";
}

/// One page of a list: `{"items": [...], "count"?, "totalCount"?, "nextLink"?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// One entry of a 207 multi-status answer: `{"status": 201, "body": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiStatusEntry {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// `{"status":"available"}` from the connectivity check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// `{"id": "..."}` returned by single creates (roles, accounts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdBody {
    pub id: String,
}

// ---------------------------------------------------------------------------------------------
// API keys (§2)
// ---------------------------------------------------------------------------------------------

/// Timestamps that Trend's own SDK (`pytmv1`) declares as required strings: "none" travels as
/// `""`, never `null`, or that SDK cannot parse the answer (contract §2). Reading is lenient the
/// other way round: `""`, `null` and an absent field all mean "none", as a live tenant may send
/// any of them.
pub mod blank_is_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_deref().unwrap_or(""))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Enabled,
    Disabled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enabled => "enabled",
            Status::Disabled => "disabled",
        }
    }
}

/// A key as `GET /iam/apiKeys[/{id}]` returns it. Never holds the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub role: String,
    pub status: Status,
    #[serde(default)]
    pub description: Option<String>,
    /// `""` on the wire when the key never expires (see [`blank_is_none`]).
    #[serde(default, with = "blank_is_none")]
    pub expired_date_time: Option<String>,
    /// `""` on the wire until the key is first used.
    #[serde(default, with = "blank_is_none")]
    pub last_used_date_time: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
}

/// One item of `POST /iam/apiKeys` (the body is an array of these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreate {
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_to_expiration: Option<u32>,
}

/// The body of a successful (201) create entry. `value` is the secret, shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreated {
    pub id: String,
    pub value: String,
    /// `""` on the wire when the key never expires (see [`blank_is_none`]).
    #[serde(default, with = "blank_is_none")]
    pub expired_date_time: Option<String>,
}

impl std::fmt::Debug for ApiKeyCreated {
    /// Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyCreated")
            .field("id", &self.id)
            .field("value", &"<redacted>")
            .field("expired_date_time", &self.expired_date_time)
            .finish()
    }
}

/// `PATCH /iam/apiKeys/{id}` body: any subset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One item of `POST /iam/apiKeys/delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: String,
}

// ---------------------------------------------------------------------------------------------
// Roles (§3)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleType {
    Predefined,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "type")]
    pub role_type: Option<RoleType>,
    #[serde(default)]
    pub allow_api_key_assignment: Option<bool>,
    #[serde(default)]
    pub allow_user_account_assignment: Option<bool>,
    #[serde(default)]
    pub last_updated_date_time: Option<String>,
    /// Some tenants may inline the permission keys; the contract reads them from
    /// `/iam/roles/{id}/permissions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_keys: Option<Vec<String>>,
}

/// `POST /iam/roles` body (all five fields, as the official tool sends them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCreate {
    pub name: String,
    pub description: String,
    pub permission_keys: Vec<String>,
    pub allow_api_key_assignment: bool,
    pub allow_user_account_assignment: bool,
}

/// `PATCH /iam/roles/{id}` body: any subset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_keys: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_api_key_assignment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_user_account_assignment: Option<bool>,
}

/// One entry of the permission catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionKey {
    pub key: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// `GET /iam/roles/{id}/permissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermissions {
    pub permission_keys: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Accounts (§4)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AuthType {
    Local,
    Saml,
    SamlGroup,
}

impl AuthType {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::Local => "local",
            AuthType::Saml => "saml",
            AuthType::SamlGroup => "samlGroup",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccountStatus {
    Invited,
    Enabled,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Invited => "invited",
            AccountStatus::Enabled => "enabled",
            AccountStatus::Disabled => "disabled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub email: String,
    pub role: String,
    pub auth_type: AuthType,
    pub status: AccountStatus,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_login_date_time: Option<String>,
}

/// `POST /iam/accounts` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCreate {
    pub email: String,
    pub role: String,
    pub auth_type: AuthType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /iam/accounts/{id}` body: any subset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tolerates_missing_optional_fields() {
        let k: ApiKey = serde_json::from_str(r#"{"id":"a","name":"n","role":"SIEM","status":"enabled"}"#).unwrap();
        assert_eq!(k.expired_date_time, None);
        assert_eq!(k.status, Status::Enabled);
    }

    /// `""`, `null` and an absent field read alike as "none", for each field the SDK needs as a string.
    #[test]
    fn blank_null_and_absent_timestamps_are_none() {
        let base = r#""id":"a","name":"n","role":"SIEM","status":"enabled""#;
        for field in ["expiredDateTime", "lastUsedDateTime"] {
            for raw in [
                format!(r#"{{{base},"{field}":""}}"#),
                format!(r#"{{{base},"{field}":null}}"#),
                format!("{{{base}}}"),
            ] {
                let k: ApiKey = serde_json::from_str(&raw).unwrap();
                assert_eq!((k.expired_date_time, k.last_used_date_time), (None, None), "{raw}");
            }
        }
        for raw in [
            r#"{"id":"a","value":"s","expiredDateTime":""}"#,
            r#"{"id":"a","value":"s","expiredDateTime":null}"#,
            r#"{"id":"a","value":"s"}"#,
        ] {
            let c: ApiKeyCreated = serde_json::from_str(raw).unwrap();
            assert_eq!(c.expired_date_time, None, "{raw}");
        }
        let k: ApiKey =
            serde_json::from_str(&format!(r#"{{{base},"expiredDateTime":"2026-01-01T00:00:00Z"}}"#)).unwrap();
        assert_eq!(k.expired_date_time.as_deref(), Some("2026-01-01T00:00:00Z"));
    }

    /// "None" is written as `""`, never `null` (Trend's SDK rejects `null`), and a value as itself.
    #[test]
    fn none_timestamps_are_written_as_empty_strings() {
        let k: ApiKey = serde_json::from_str(r#"{"id":"a","name":"n","role":"SIEM","status":"enabled"}"#).unwrap();
        let v = serde_json::to_value(&k).unwrap();
        assert_eq!(v["expiredDateTime"], "");
        assert_eq!(v["lastUsedDateTime"], "");
        let c = ApiKeyCreated {
            id: "i".into(),
            value: "s".into(),
            expired_date_time: Some("2026-01-01T00:00:00Z".into()),
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap()["expiredDateTime"],
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn created_debug_hides_secret() {
        let c = ApiKeyCreated {
            id: "i".into(),
            value: "s3cr3t".into(),
            expired_date_time: None,
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn auth_type_wire_names() {
        assert_eq!(serde_json::to_string(&AuthType::SamlGroup).unwrap(), "\"samlGroup\"");
        assert_eq!(region_host("eu"), Some("api.eu.xdr.trendmicro.com"));
    }
}
