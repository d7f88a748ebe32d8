//! The emulator clock: real time plus an offset that tests set or advance (to expire keys without
//! waiting). Timestamps are whole seconds since the Unix epoch internally and ISO 8601 UTC with `Z`
//! on the wire.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Seconds since the Unix epoch.
pub type Ts = i64;

/// Latest instant the clock may show (the end of year 9999), so formatting never fails.
const MAX_TS: Ts = 253_402_300_799;

#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    pub fn new(offset: i64) -> Self {
        Clock {
            offset: AtomicI64::new(offset),
        }
    }

    /// Emulator time now.
    pub fn now(&self) -> Ts {
        real_now().saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Emulator time now in milliseconds (the Workload Security API's unit): the same offset on
    /// real milliseconds, so moving the clock moves both APIs alike.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real.saturating_add(self.offset().saturating_mul(1000))
    }

    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Jump to `target` (must lie between 1970 and 9999).
    pub fn set(&self, target: Ts) -> Result<Ts, String> {
        check_range(target)?;
        self.offset.store(target - real_now(), Ordering::Relaxed);
        Ok(target)
    }

    /// Move forward (or back, when negative) by `seconds`.
    pub fn advance(&self, seconds: i64) -> Result<Ts, String> {
        let target = self.now().checked_add(seconds).ok_or("clock out of range")?;
        self.set(target)
    }

    /// Back to real time.
    pub fn reset(&self) {
        self.offset.store(0, Ordering::Relaxed);
    }
}

fn check_range(t: Ts) -> Result<(), String> {
    if (0..=MAX_TS).contains(&t) {
        Ok(())
    } else {
        Err("the clock must stay between 1970-01-01 and 9999-12-31".to_string())
    }
}

fn real_now() -> Ts {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-12-01T10:00:00Z`.
pub fn format(t: Ts) -> String {
    OffsetDateTime::from_unix_timestamp(t.clamp(0, MAX_TS))
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parse an RFC 3339 timestamp (any offset, any sub-second precision) to whole seconds.
pub fn parse(s: &str) -> Result<Ts, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|d| d.unix_timestamp())
        .map_err(|e| format!("not an RFC 3339 timestamp: {e}"))
}

/// The HTTP `Date` header value for `t`.
pub fn http_date(t: Ts) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t.clamp(0, MAX_TS) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_second_precision_with_z() {
        assert_eq!(format(1_796_119_200), "2026-12-01T10:00:00Z");
        assert_eq!(parse("2026-12-01T10:00:00Z"), Ok(1_796_119_200));
        assert_eq!(parse("2026-12-01T11:00:00.5+01:00"), Ok(1_796_119_200));
        assert!(parse("yesterday").is_err());
    }

    #[test]
    fn set_and_advance() {
        let c = Clock::new(0);
        assert_eq!(c.set(1_796_119_200), Ok(1_796_119_200));
        let n = c.advance(90 * 86_400).unwrap();
        assert!((n - (1_796_119_200 + 90 * 86_400)).abs() <= 1);
        assert!(c.advance(i64::MAX).is_err());
        assert!(c.set(-5).is_err());
        assert!((c.now_ms() / 1000 - c.now()).abs() <= 1);
        c.reset();
        assert_eq!(c.offset(), 0);
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
