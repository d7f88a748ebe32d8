//! `visionone_api_keys`: list keys to find ones to import or rotate. Role and status filter on
//! the server (`TMV1-Filter`); the name prefix and the expiry window are applied here.

use crate::provider::Call;
use std::time::SystemTime;
use tfplugin::framework::{Attr, DataSource};
use tfplugin::{Attribute, Block, Diagnostics, NestingMode, Schema, Validator};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use visionone_client::api::filter::Filter;
use visionone_client::api::{ApiKey, Status};
use visionone_client::ListQuery;

pub struct ApiKeys;

const DAY: i64 = 86_400;

tfplugin::model! {
    /// One listed key (never its secret).
    pub struct ListedKey {
        pub id: String,
        pub name: String,
        pub role: String,
        pub enabled: bool,
        pub description: String,
        pub expires_at: String,
        pub created_at: String,
        pub last_used_at: String,
    }
}

tfplugin::model! {
    /// The state of `visionone_api_keys`.
    pub struct ApiKeysState {
        pub id: String,
        pub name_prefix: String,
        pub role: String,
        pub status: String,
        pub expiring_within_days: i64,
        pub keys: Vec<ListedKey>,
    }
}

#[async_trait::async_trait]
impl DataSource<Call> for ApiKeys {
    type Model = ApiKeysState;
    const TYPE_NAME: &'static str = "visionone_api_keys";

    fn schema(&self) -> Schema {
        let key_attrs = vec![
            Attribute::string("id")
                .computed()
                .description("The key's id (what `terraform import` takes)."),
            Attribute::string("name").computed().description("The key's name."),
            Attribute::string("role").computed().description("The key's role name."),
            Attribute::bool("enabled")
                .computed()
                .description("Whether the key may authenticate."),
            Attribute::string("description")
                .computed()
                .description("The key's description, if any."),
            Attribute::string("expires_at")
                .computed()
                .description("When the key expires; null when never."),
            Attribute::string("created_at")
                .computed()
                .description("When the key was created."),
            Attribute::string("last_used_at")
                .computed()
                .description("When the key last authenticated, if ever."),
        ];
        Schema::new(
            0,
            Block::new()
                .description("Lists the tenant's API keys (never their secrets), filtered by name prefix, role, status and expiry.")
                .attr(Attribute::string("id").computed().description("A fixed identifier of this listing."))
                .attrs(KeyFilter::attributes())
                .attr(
                    Attribute::nested("keys", NestingMode::List, key_attrs)
                        .computed()
                        .description("The matching keys, sorted by name."),
                ),
        )
    }

    async fn read(&self, call: &Call, config: ApiKeysState) -> Result<ApiKeysState, Diagnostics> {
        let client = call.client()?;
        let filter = KeyFilter {
            prefix: config.name_prefix.get().cloned().unwrap_or_default(),
            role: config.role.get().cloned(),
            status: config.status.get().cloned(),
            within_days: config.expiring_within_days.value(),
        };
        let keys = client
            .list_api_keys(&filter.query(), &call.ctx.cancel)
            .await
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.error("Could not list API keys", e.to_string());
                d
            })?;
        let now = unix(client.server_now());
        let mut matching: Vec<ApiKey> = keys.into_iter().filter(|k| filter.matches(k, now)).collect();
        matching.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        let id = listing_id(
            &filter.prefix,
            filter.role.as_deref(),
            filter.status.as_deref(),
            filter.within_days,
        );
        Ok(ApiKeysState {
            id: Attr::Known(id),
            keys: Attr::Known(matching.iter().map(listed).collect()),
            ..config
        })
    }
}

/// Which keys a listing wants: role and status go to the server (`TMV1-Filter`); the name
/// prefix and the expiry window are judged here. Shared by this data source and the
/// `visionone_api_key` list resource.
#[derive(Clone)]
pub struct KeyFilter {
    pub prefix: String,
    pub role: Option<String>,
    pub status: Option<String>,
    pub within_days: Option<i64>,
}

impl KeyFilter {
    /// `name_prefix`, `role`, `status` and `expiring_within_days`, as every key listing declares them.
    pub fn attributes() -> [Attribute; 4] {
        [
            Attribute::string("name_prefix")
                .optional()
                .description("Only keys whose name starts with this."),
            Attribute::string("role")
                .optional()
                .description("Only keys with this role name."),
            Attribute::string("status")
                .optional()
                .validate(Validator::OneOf(vec!["enabled".into(), "disabled".into()]))
                .description("Only keys with this status."),
            Attribute::number("expiring_within_days")
                .optional()
                .validate(Validator::WholeAtLeast { min: 0, unit: "days" })
                .description(
                    "Only keys that expire within this many days from now by the API server's clock (keys \
                     already expired included; keys that never expire excluded).",
                ),
        ]
    }

    /// The list query carrying the server-side part of the filter.
    pub fn query(&self) -> ListQuery {
        let filter = [
            self.role.as_ref().map(|r| Filter::eq("role", r.as_str())),
            self.status.as_ref().map(|s| Filter::eq("status", s.as_str())),
        ]
        .into_iter()
        .flatten()
        .reduce(Filter::and);
        filter.map(ListQuery::filtered).unwrap_or_default()
    }

    /// Whether `k` matches, `now` being the server's clock (unix seconds).
    pub fn matches(&self, k: &ApiKey, now: i64) -> bool {
        let deadline = self.within_days.map(|d| now.saturating_add(d.saturating_mul(DAY)));
        k.name.starts_with(&self.prefix)
            && self.role.as_ref().is_none_or(|r| *r == k.role)
            && self.status.as_ref().is_none_or(|s| s == k.status.as_str())
            && match deadline {
                None => true,
                Some(limit) => k
                    .expired_date_time
                    .as_deref()
                    .and_then(parse_ts)
                    .is_some_and(|e| e <= limit),
            }
    }
}

fn listed(k: &ApiKey) -> ListedKey {
    ListedKey {
        id: Attr::from(k.id.as_str()),
        name: Attr::from(k.name.as_str()),
        role: Attr::from(k.role.as_str()),
        enabled: Attr::Known(k.status == Status::Enabled),
        description: Attr::from_option(k.description.clone().filter(|d| !d.is_empty())),
        expires_at: Attr::from_option(k.expired_date_time.clone()),
        created_at: Attr::from_option(k.created_date_time.clone()),
        last_used_at: Attr::from_option(k.last_used_date_time.clone()),
    }
}

/// Stable for the same filters, so the data source's id does not churn.
fn listing_id(prefix: &str, role: Option<&str>, status: Option<&str>, within: Option<i64>) -> String {
    format!(
        "api_keys?name_prefix={prefix}&role={}&status={}&expiring_within_days={}",
        role.unwrap_or(""),
        status.unwrap_or(""),
        within.map(|d| d.to_string()).unwrap_or_default()
    )
}

fn parse_ts(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| t.unix_timestamp())
}

pub fn unix(t: SystemTime) -> i64 {
    OffsetDateTime::from(t).unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    use tfplugin::Value;

    #[test]
    fn bad_filters_are_diagnosed() {
        let ds = tfplugin::framework::data_source::<Call, _>(ApiKeys);
        let cfg = Value::object([
            ("status", Value::from("paused")),
            ("expiring_within_days", Value::int(-2)),
        ]);
        let d = ds.validate(&cfg);
        assert_eq!(d.0.len(), 2);
        assert!(d.0.iter().all(|x| x.attribute.is_some()));
        assert!(!ds
            .validate(&Value::object([("status", Value::from("enabled"))]))
            .has_errors());
    }

    #[test]
    fn id_is_stable() {
        assert_eq!(
            listing_id("ci-", Some("SIEM"), None, Some(7)),
            listing_id("ci-", Some("SIEM"), None, Some(7))
        );
    }
}
