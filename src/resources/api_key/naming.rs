//! Unique names for `name_prefix`: prefix + UTC timestamp + random hex, so that an old and a new
//! key can exist side by side during a `create_before_destroy` rotation.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;
use time::OffsetDateTime;

/// Characters the suffix adds: 14 (yyyymmddhhmmss) + 8 (hex).
pub const SUFFIX_LEN: usize = 22;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `prefix` followed by a suffix of [`SUFFIX_LEN`] lowercase characters.
pub fn unique(prefix: &str, now: SystemTime) -> String {
    let t = OffsetDateTime::from(now);
    // RandomState is seeded from the OS per instance; the counter separates calls in one process.
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_i128(t.unix_timestamp_nanos());
    let random = (h.finish() & 0xffff_ffff) as u32;
    format!(
        "{prefix}{:04}{:02}{:02}{:02}{:02}{:02}{random:08x}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_shape_and_uniqueness() {
        let now = SystemTime::now();
        let a = unique("ci-", now);
        let b = unique("ci-", now);
        assert_ne!(a, b);
        assert!(a.starts_with("ci-"));
        let suffix = &a[3..];
        assert_eq!(suffix.len(), SUFFIX_LEN);
        assert!(
            suffix.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{a}"
        );
    }
}
