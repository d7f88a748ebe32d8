//! The per-60-second request limit: fixed windows of real time, starting at the first call after
//! the previous window ended.

use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct RateLimit {
    per_minute: u32,
    window_start: Option<Instant>,
    used: u32,
}

impl RateLimit {
    /// Set the limit (0 = off); starts a fresh window.
    pub fn set(&mut self, per_minute: u32) {
        *self = RateLimit {
            per_minute,
            ..Default::default()
        };
    }

    /// Count one call; `Err(seconds)` until the window ends when over the limit.
    pub fn check(&mut self, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let start = match self.window_start {
            Some(s) if now.duration_since(s) < WINDOW => s,
            _ => {
                self.used = 0;
                self.window_start = Some(now);
                now
            }
        };
        if self.used >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(start));
            return Err(left.as_secs() + u64::from(left.subsec_nanos() > 0));
        }
        self.used += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_within_a_window_then_resets() {
        let mut r = RateLimit::default();
        let t0 = Instant::now();
        assert!(r.check(t0).is_ok());
        r.set(2);
        assert!(r.check(t0).is_ok());
        assert!(r.check(t0 + Duration::from_secs(1)).is_ok());
        assert_eq!(r.check(t0 + Duration::from_millis(10_500)), Err(50));
        assert!(r.check(t0 + Duration::from_secs(61)).is_ok());
    }
}
