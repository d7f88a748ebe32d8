//! When a key is due for rotation, judged by the API server's clock (the way the tls provider
//! renews certificates: the plan replaces the key once it is inside its renewal window). One set
//! of rules and attributes for every kind of key (`visionone_api_key`,
//! `visionone_workload_api_key`).

use std::time::SystemTime;
use tfplugin::{Attribute, Validator};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const DAY: i64 = 86_400;

/// What decides rotation, as read from state or configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Seconds since the epoch; `None` for a key that never expires.
    pub expires_at: Option<i64>,
    pub created_at: Option<i64>,
    pub rotate_before_days: Option<i64>,
    pub max_age_days: Option<i64>,
}

impl Policy {
    /// Due when now ≥ expires_at − rotate_before_days (expired included), or when the key is
    /// older than `max_age_days`, whichever comes first.
    pub fn due(&self, now: i64) -> bool {
        let by_expiry = self
            .expires_at
            .is_some_and(|e| now >= e.saturating_sub(self.rotate_before_days.unwrap_or(0).max(0).saturating_mul(DAY)));
        let by_age = match (self.created_at, self.max_age_days) {
            (Some(c), Some(m)) if m > 0 => now >= c.saturating_add(m.saturating_mul(DAY)),
            _ => false,
        };
        by_expiry || by_age
    }
}

/// `rotate_before_days`, `max_age_days`, `rotation_triggers` and the computed
/// `ready_for_rotation`, as every rotating key declares them (generated config leaves the unset ones out).
pub fn attributes() -> [Attribute; 4] {
    [
        Attribute::number("rotate_before_days")
            .optional_omitted_when_null()
            .validate(Validator::WholeAtLeast { min: 0, unit: "days" })
            .description(
                "Rotate the key this many days before it expires: from then on the plan replaces it. Changing \
                 this value never replaces the key by itself.",
            ),
        Attribute::number("max_age_days")
            .optional_omitted_when_null()
            .validate(Validator::WholeAtLeast { min: 1, unit: "days" })
            .description(
                "Rotate the key once it is this many days old, also for keys that never expire (whichever of \
                 this and `rotate_before_days` comes first).",
            ),
        Attribute::string_map("rotation_triggers")
            .optional_omitted_when_null()
            .requires_replace()
            .description("Arbitrary values, like `keepers`."),
        Attribute::bool("ready_for_rotation")
            .computed()
            .use_state_for_unknown()
            .description(
                "True once the key is inside its rotation window or expired, by the API server's clock. The \
                 plan then replaces the key.",
            ),
    ]
}

/// Whether the plan must replace a key: the prior state's flag (set by the latest read), or the
/// policy the plan asks for, judged at `now` (the server's clock).
pub fn due(prior_flag: Option<bool>, policy: Policy, now: i64) -> bool {
    prior_flag == Some(true) || policy.due(now)
}

/// An ISO 8601 timestamp as seconds since the epoch.
pub fn parse_ts(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| t.unix_timestamp())
}

/// An API timestamp (`2026-12-01T10:00:00Z`, second precision) from unix seconds.
pub fn format_ts(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Seconds since the epoch of a `SystemTime` (negative before 1970).
pub fn unix(t: SystemTime) -> i64 {
    OffsetDateTime::from(t).unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_expiry_and_age() {
        let created = 1_000_000;
        let p = Policy {
            expires_at: Some(created + 90 * DAY),
            created_at: Some(created),
            rotate_before_days: Some(10),
            max_age_days: None,
        };
        assert!(!p.due(created + 79 * DAY));
        assert!(p.due(created + 80 * DAY));
        assert!(p.due(created + 200 * DAY), "expired keys are due");
        let never = Policy {
            expires_at: None,
            created_at: Some(created),
            rotate_before_days: Some(10),
            max_age_days: Some(30),
        };
        assert!(!never.due(created + 29 * DAY));
        assert!(never.due(created + 30 * DAY));
        assert!(!Policy {
            max_age_days: None,
            ..never
        }
        .due(created + 9999 * DAY));
        let both = Policy {
            max_age_days: Some(20),
            ..p
        };
        assert!(both.due(created + 20 * DAY), "age first");
    }

    #[test]
    fn parses_api_timestamps() {
        assert_eq!(parse_ts("1970-01-02T00:00:00Z"), Some(DAY));
        assert_eq!(parse_ts("garbage"), None);
    }
}
