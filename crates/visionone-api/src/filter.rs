//! The `TMV1-Filter` grammar: `field eq 'value'` joined by `and` / `or` / `not`, with
//! parentheses. A quote inside a value is doubled (`'O''Brien'`).
//!
//! The client builds filters with [`Filter`]; the emulator parses them into the same tree.

use std::fmt;

/// A filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Eq(String, String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    /// `field eq 'value'`, with the value quoted safely.
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        Filter::Eq(field.into(), value.into())
    }
    pub fn and(self, other: Filter) -> Self {
        Filter::And(Box::new(self), Box::new(other))
    }
    pub fn or(self, other: Filter) -> Self {
        Filter::Or(Box::new(self), Box::new(other))
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Filter::Not(Box::new(self))
    }
    /// Evaluate against an object whose fields are read by `get`.
    pub fn matches(&self, get: &dyn Fn(&str) -> Option<String>) -> bool {
        match self {
            Filter::Eq(f, v) => get(f).as_deref() == Some(v.as_str()),
            Filter::And(a, b) => a.matches(get) && b.matches(get),
            Filter::Or(a, b) => a.matches(get) || b.matches(get),
            Filter::Not(a) => !a.matches(get),
        }
    }
    /// Every field the expression names (for "unknown field" checks).
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Filter::Eq(f, _) => vec![f.as_str()],
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.fields();
                v.extend(b.fields());
                v
            }
            Filter::Not(a) => a.fields(),
        }
    }
}

/// Quote a value: wrap in single quotes, doubling any quote inside.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Eq(field, v) => write!(f, "{field} eq {}", quote(v)),
            Filter::And(a, b) => write!(f, "({a} and {b})"),
            Filter::Or(a, b) => write!(f, "({a} or {b})"),
            Filter::Not(a) => write!(f, "not ({a})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        let f = Filter::eq("name", "O'Brien").and(Filter::eq("status", "enabled"));
        assert_eq!(f.to_string(), "(name eq 'O''Brien' and status eq 'enabled')");
    }
}
