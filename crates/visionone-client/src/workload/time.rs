//! Millisecond times (the API's) to and from RFC 3339 (what users and Terraform state read).

use ::time::format_description::well_known::Rfc3339;
use ::time::OffsetDateTime;
use std::time::SystemTime;

/// `1700000000123` → `2023-11-14T22:13:20.123Z`; None when out of range.
pub fn ms_to_rfc3339(ms: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    t.format(&Rfc3339).ok()
}

/// An RFC 3339 time → milliseconds since the epoch (sub-millisecond digits are dropped).
pub fn rfc3339_to_ms(text: &str) -> Result<i64, String> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map_err(|e| format!("'{text}' is not an RFC 3339 time (like 2026-01-31T12:00:00Z): {e}"))?;
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).map_err(|_| format!("'{text}' is out of range"))
}

/// A `SystemTime` in milliseconds since the epoch (negative before 1970).
pub fn system_to_ms(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(
            ms_to_rfc3339(1_700_000_000_123).as_deref(),
            Some("2023-11-14T22:13:20.123Z")
        );
        assert_eq!(ms_to_rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339_to_ms("2023-11-14T22:13:20.123Z"), Ok(1_700_000_000_123));
        assert_eq!(rfc3339_to_ms("2023-11-14T23:13:20.123999+01:00"), Ok(1_700_000_000_123));
        assert!(rfc3339_to_ms("yesterday").unwrap_err().contains("RFC 3339"));
        assert_eq!(ms_to_rfc3339(i64::MAX), None);
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(5_000);
        assert_eq!(system_to_ms(t), 5_000);
        assert_eq!(
            system_to_ms(SystemTime::UNIX_EPOCH - std::time::Duration::from_millis(7)),
            -7
        );
    }
}
