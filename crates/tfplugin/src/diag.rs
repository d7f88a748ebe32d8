//! Diagnostics: what a user reads in `terraform plan`, pointing at the attribute at fault.

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One step of a path into a value: `.attr`, `["key"]`, `[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

/// A path from the root of a resource's (or the provider's) configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// The path to a top-level attribute.
    pub fn root(attr: &str) -> Self {
        AttributePath(vec![PathStep::Attr(attr.to_string())])
    }
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attr(name.to_string()));
        self
    }
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }
}

/// A diagnostic. `detail` must never hold a secret or a Rust backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub attribute: Option<AttributePath>,
}

/// A list of diagnostics with helpers to add to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), None);
    }
    pub fn error_at(&mut self, path: AttributePath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), Some(path));
    }
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), None);
    }
    pub fn warning_at(&mut self, path: AttributePath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), Some(path));
    }
    fn push(&mut self, severity: Severity, summary: String, detail: String, attribute: Option<AttributePath>) {
        self.0.push(Diagnostic {
            severity,
            summary,
            detail,
            attribute,
        });
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    /// Whether an error points at top-level attribute `attr` (or somewhere inside it): what tests
    /// ask of a diagnostic, since Terraform shows it at that attribute in the configuration.
    pub fn has_error_at(&self, attr: &str) -> bool {
        self.0.iter().any(|d| {
            d.severity == Severity::Error
                && d.attribute
                    .as_ref()
                    .is_some_and(|p| matches!(p.0.first(), Some(PathStep::Attr(a)) if a == attr))
        })
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_error_at_matches_errors_at_or_inside_the_attribute() {
        let mut d = Diagnostics::new();
        d.error("plain", "no attribute");
        d.warning_at(AttributePath::root("name"), "warned", "only a warning");
        d.error_at(AttributePath::root("role").key("x"), "nested", "inside role");
        assert!(d.has_error_at("role"));
        assert!(!d.has_error_at("name"), "a warning is no error");
        assert!(!d.has_error_at("x"), "only the first step names the attribute");
        assert!(!d.has_error_at("rol"));
        assert!(!Diagnostics::new().has_error_at("role"));
    }
}
