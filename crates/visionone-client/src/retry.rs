//! When to try again: exponential backoff with full jitter, and the `Retry-After` header.

use std::time::{Duration, SystemTime};

/// First backoff ceiling; doubled on every attempt.
pub const BASE_DELAY: Duration = Duration::from_millis(200);
/// Largest backoff ceiling.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// A `Retry-After` longer than this is not honoured as is (a server bug must not stall a run for hours).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The backoff ceiling before retry number `attempt` (0-based): `min(cap, base * 2^attempt)`.
pub fn ceiling(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

/// Full jitter: a uniformly random delay in `[0, ceiling]`, so that many clients retrying at once
/// spread out instead of hitting the server in waves.
pub fn jittered(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceil = ceiling(attempt, base, cap);
    let millis = ceil.as_millis() as u64;
    if millis == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::random_range(0..=millis))
}

/// Parse `Retry-After`: delta seconds (`"3"`) or an HTTP date. A date is measured against `now`
/// (pass the estimated server time when known). Garbage → `None`; past dates → zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else if let Ok(secs) = value.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64()))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let (b, c) = (BASE_DELAY, MAX_DELAY);
        assert_eq!(ceiling(0, b, c), Duration::from_millis(200));
        assert_eq!(ceiling(1, b, c), Duration::from_millis(400));
        assert_eq!(ceiling(3, b, c), Duration::from_millis(1600));
        assert_eq!(ceiling(6, b, c), MAX_DELAY);
        assert_eq!(ceiling(u32::MAX, b, c), MAX_DELAY);
    }

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let mut seen = std::collections::HashSet::new();
        for attempt in 0..8 {
            for _ in 0..200 {
                let d = jittered(attempt, BASE_DELAY, MAX_DELAY);
                assert!(d <= ceiling(attempt, BASE_DELAY, MAX_DELAY));
                seen.insert(d);
            }
        }
        assert!(seen.len() > 50, "jitter should spread delays, saw {}", seen.len());
        assert_eq!(jittered(3, Duration::ZERO, MAX_DELAY), Duration::ZERO);
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
