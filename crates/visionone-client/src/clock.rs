//! The server's clock, estimated from the `Date` header of its answers, so that callers judge key
//! expiry by the time the API uses rather than by a possibly skewed local clock.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
pub struct ServerClock {
    known: AtomicBool,
    /// server_now − local_now, in milliseconds.
    offset_ms: AtomicI64,
}

impl ServerClock {
    /// Record a `Date` header received at local time `received`. Unparseable values are ignored.
    pub fn observe(&self, date_header: &str, received: SystemTime) {
        let Ok(server) = httpdate::parse_http_date(date_header.trim()) else {
            return;
        };
        // `Date` has one-second resolution and is stamped before the answer leaves the server;
        // half a second is the unbiased midpoint of that truncation.
        let server = server + Duration::from_millis(500);
        self.offset_ms.store(signed_millis(server, received), Ordering::Relaxed);
        self.known.store(true, Ordering::Relaxed);
    }

    /// server_now − local_now, once any answer carried a `Date` header.
    pub fn offset(&self) -> Option<time::Duration> {
        self.known
            .load(Ordering::Relaxed)
            .then(|| time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed)))
    }

    /// The estimated server time now (the local time when no `Date` was seen yet).
    pub fn now(&self) -> SystemTime {
        let local = SystemTime::now();
        match self.offset() {
            Some(off) if off.is_negative() => local - off.unsigned_abs(),
            Some(off) => local + off.unsigned_abs(),
            None => local,
        }
    }
}

fn signed_millis(a: SystemTime, b: SystemTime) -> i64 {
    match a.duration_since(b) {
        Ok(d) => d.as_millis().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_millis().min(i64::MAX as u128) as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_from_date_header() {
        let clock = ServerClock::default();
        assert!(clock.offset().is_none());
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        clock.observe(&httpdate::fmt_http_date(local + Duration::from_secs(3600)), local);
        let off = clock.offset().unwrap();
        assert!((off.whole_seconds() - 3600).abs() <= 1, "{off}");
        clock.observe(&httpdate::fmt_http_date(local - Duration::from_secs(120)), local);
        assert!((clock.offset().unwrap().whole_seconds() + 120).abs() <= 1);
        clock.observe("not a date", local);
        assert!((clock.offset().unwrap().whole_seconds() + 120).abs() <= 1);
    }
}
