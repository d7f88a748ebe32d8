//! Optimistic concurrency tokens (`ETag` / `If-Match`).
//!
//! The server sends a quoted value (`"3f2a"`); the official SDK sends it back unquoted. We keep the
//! raw header for display and send the stripped form, which the contract says every server accepts.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ETag {
    raw: String,
}

impl ETag {
    /// Wrap a header value as received (quoted, unquoted or weak `W/"..."`). Empty → `None`.
    pub fn parse(raw: &str) -> Option<ETag> {
        let raw = raw.trim();
        if ETag::strip(raw).is_empty() {
            return None;
        }
        Some(ETag { raw: raw.to_owned() })
    }

    /// The header exactly as the server sent it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The opaque value without a weak prefix or quotes: what goes into `If-Match`.
    pub fn value(&self) -> &str {
        ETag::strip(&self.raw)
    }

    fn strip(raw: &str) -> &str {
        let s = raw.strip_prefix("W/").unwrap_or(raw);
        let s = s.strip_prefix('"').unwrap_or(s);
        s.strip_suffix('"').unwrap_or(s)
    }
}

/// Two tags are the same version when their opaque values are equal, quoted or not.
impl ETag {
    pub fn same_version(&self, other: &ETag) -> bool {
        self.value() == other.value()
    }
}

impl fmt::Debug for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ETag({})", self.raw)
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_unquoted_parse_to_same_value() {
        let q = ETag::parse("\"3f2a\"").unwrap();
        let u = ETag::parse("3f2a").unwrap();
        assert_eq!(q.value(), "3f2a");
        assert_eq!(u.value(), "3f2a");
        assert_eq!(q.raw(), "\"3f2a\"");
        assert!(q.same_version(&u));
    }

    #[test]
    fn weak_and_empty() {
        assert_eq!(ETag::parse("W/\"abc\"").unwrap().value(), "abc");
        assert!(ETag::parse("").is_none());
        assert!(ETag::parse("\"\"").is_none());
        assert!(ETag::parse("  ").is_none());
    }
}
