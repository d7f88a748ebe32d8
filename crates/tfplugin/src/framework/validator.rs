//! The one generic validator: runs each attribute's [`Validator`]s on a configuration. Null and
//! unknown values are skipped (an unknown value is checked again once it is known, at apply).

use crate::diag::{AttributePath, Diagnostics};
use crate::schema::{Block, Validator};
use crate::value::{Number, Value};

/// Every validator of every attribute of `block`, against `config`.
pub fn validate(block: &Block, config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    for a in &block.attributes {
        let v = config.get(&a.name);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        for rule in &a.validators {
            check(&a.name, rule, v, config, &mut d);
        }
    }
    d
}

fn too_long(attr: &str, max: usize, d: &mut Diagnostics) {
    d.error_at(
        AttributePath::root(attr),
        format!("{attr} too long"),
        format!("`{attr}` may hold at most {max} characters."),
    );
}

fn check(attr: &str, rule: &Validator, v: &Value, config: &Value, d: &mut Diagnostics) {
    let at = || AttributePath::root(attr);
    match rule {
        Validator::OneOf(values) => {
            if let Some(s) = v.as_str().filter(|s| !values.iter().any(|x| x == s)) {
                let quoted: Vec<String> = values.iter().map(|x| format!("{x:?}")).collect();
                d.error_at(
                    at(),
                    format!("Invalid {attr}"),
                    format!("{s:?} is not a valid {attr}. Valid values: {}.", quoted.join(", ")),
                );
            }
        }
        Validator::Length { max } => {
            if let Some(s) = v.as_str() {
                if s.trim().is_empty() {
                    d.error_at(at(), format!("Empty {attr}"), format!("`{attr}` must not be empty."));
                } else if s.chars().count() > *max {
                    too_long(attr, *max, d);
                }
            }
        }
        Validator::MaxLength { max } => {
            if v.as_str().is_some_and(|s| s.chars().count() > *max) {
                too_long(attr, *max, d);
            }
        }
        Validator::Pattern { rule, check } => {
            if v.as_str().is_some_and(|s| !check(s)) {
                d.error_at(at(), format!("Invalid {attr}"), format!("`{attr}` must {rule}."));
            }
        }
        Validator::WholeAtLeast { min, unit } => {
            let whole = !matches!(v, Value::Number(Number::Float(f)) if f.fract() != 0.0);
            if !(whole && v.as_i64().is_some_and(|n| n >= *min)) {
                d.error_at(
                    at(),
                    format!("Invalid {attr}"),
                    format!("`{attr}` must be a whole number of {unit}, at least {min}."),
                );
            }
        }
        Validator::ConflictsWith(others) => {
            for other in others.iter().filter(|o| !config.get(o).is_null()) {
                let (first, second) = if other.as_str() < attr {
                    (other.as_str(), attr)
                } else {
                    (attr, other.as_str())
                };
                d.error_at(
                    at(),
                    format!("Conflicting arguments: {first} and {second}"),
                    format!("Set either `{other}` or `{attr}`, not both."),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn block() -> Block {
        Block::new()
            .attr(
                Attribute::string("name")
                    .optional()
                    .validate(Validator::Length { max: 3 }),
            )
            .attr(
                Attribute::string("prefix")
                    .optional()
                    .validate(Validator::ConflictsWith(vec!["name".into()]))
                    .validate(Validator::Pattern {
                        rule: "not contain control characters",
                        check: |s| !s.chars().any(char::is_control),
                    }),
            )
            .attr(
                Attribute::string("size")
                    .optional()
                    .validate(Validator::OneOf(vec!["s".into(), "m".into()])),
            )
            .attr(
                Attribute::number("days")
                    .optional()
                    .validate(Validator::WholeAtLeast { min: 1, unit: "days" }),
            )
            .attr(
                Attribute::string("note")
                    .optional()
                    .validate(Validator::MaxLength { max: 3 }),
            )
    }

    fn summaries(config: Value) -> Vec<(String, String)> {
        validate(&block(), &config)
            .0
            .into_iter()
            .map(|d| {
                let at = match d.attribute.and_then(|p| p.0.into_iter().next()) {
                    Some(crate::PathStep::Attr(a)) => a,
                    _ => String::new(),
                };
                (at, d.summary)
            })
            .collect()
    }

    #[test]
    fn each_rule_names_its_attribute() {
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            summaries(Value::object([("name", "".into())])),
            vec![s("name", "Empty name")]
        );
        assert_eq!(
            summaries(Value::object([("name", "abcd".into())])),
            vec![s("name", "name too long")]
        );
        assert_eq!(
            summaries(Value::object([("name", "a".into()), ("prefix", "p\n".into())])),
            vec![
                s("prefix", "Conflicting arguments: name and prefix"),
                s("prefix", "Invalid prefix")
            ]
        );
        assert_eq!(
            summaries(Value::object([("size", "xl".into())])),
            vec![s("size", "Invalid size")]
        );
        assert_eq!(
            summaries(Value::object([("days", Value::int(0))])),
            vec![s("days", "Invalid days")]
        );
        assert_eq!(
            summaries(Value::object([("days", Value::Number(Number::Float(1.5)))])),
            vec![s("days", "Invalid days")]
        );
        assert!(
            summaries(Value::object([("note", "".into())])).is_empty(),
            "empty is fine"
        );
        assert_eq!(
            summaries(Value::object([("note", "abcd".into())])),
            vec![s("note", "note too long")]
        );
    }

    #[test]
    fn null_and_unknown_are_not_checked() {
        assert!(summaries(Value::object([("name", Value::Unknown), ("days", Value::Null)])).is_empty());
    }
}
