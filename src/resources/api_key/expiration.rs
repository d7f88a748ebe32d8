//! `expiration`: the names users write, and the month counts the API takes.
//!
//! The console speaks in days ("90 days", "1 year"); the API in months. Both spellings are
//! accepted; two spellings of the same month count are the same key, so switching between them
//! replaces nothing.

/// Every accepted value with its month count (0 = never expires). The first of each count is canonical.
pub const VALUES: &[(&str, u32)] = &[
    ("1_month", 1),
    ("3_months", 3),
    ("6_months", 6),
    ("12_months", 12),
    ("never", 0),
    ("90_days", 3),
    ("180_days", 6),
    ("1_year", 12),
    ("no_expiration", 0),
];

/// The default when the configuration leaves `expiration` out.
pub const DEFAULT: &str = "never";

/// Months to expiration for a value, `None` when the value is not one we accept.
pub fn months(value: &str) -> Option<u32> {
    VALUES.iter().find(|(v, _)| *v == value).map(|(_, m)| *m)
}

/// The accepted values, quoted (the `expiration` validator lists them the same way).
#[cfg(test)]
pub fn valid_list() -> String {
    VALUES
        .iter()
        .map(|(v, _)| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The canonical name of a month count.
pub fn canonical(months: u32) -> &'static str {
    VALUES
        .iter()
        .find(|(_, m)| *m == months)
        .map(|(v, _)| *v)
        .unwrap_or(DEFAULT)
}

/// Infer the expiration of an existing key (import) from its lifetime in days: the nearest
/// allowed month count, since the API does not say which one the key was created with.
pub fn infer(lifetime_days: Option<i64>) -> &'static str {
    let Some(days) = lifetime_days else {
        return DEFAULT;
    };
    let nearest = [(1u32, 30i64), (3, 90), (6, 180), (12, 365)]
        .into_iter()
        .min_by_key(|(_, d)| (d - days).abs())
        .map(|(m, _)| m)
        .unwrap_or(0);
    canonical(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_share_months() {
        assert_eq!(months("90_days"), months("3_months"));
        assert_eq!(months("1_year"), Some(12));
        assert_eq!(months("no_expiration"), Some(0));
        assert_eq!(months("2_months"), None);
        assert!(valid_list().contains("\"180_days\""));
    }

    #[test]
    fn inference_picks_nearest() {
        assert_eq!(infer(None), "never");
        assert_eq!(infer(Some(30)), "1_month");
        assert_eq!(infer(Some(92)), "3_months");
        assert_eq!(infer(Some(181)), "6_months");
        assert_eq!(infer(Some(366)), "12_months");
        assert_eq!(canonical(3), "3_months");
    }
}
