//! Plan helpers shared by resources: what Terraform expects a planned state to look like.

use tfplugin::Value;

/// On create, a computed attribute the configuration leaves null is "known after apply".
pub fn unknown_if_null(planned: &mut Value, attrs: &[&str]) {
    for a in attrs {
        if planned.get(a).is_null() {
            planned.set(a, Value::Unknown);
        }
    }
}

/// On update, computed attributes keep their prior values unless the resource knows better.
pub fn keep_prior(planned: &mut Value, prior: &Value, attrs: &[&str]) {
    for a in attrs {
        planned.set(a, prior.get(a).clone());
    }
}

/// An optional attribute with a default: null in config means the default.
pub fn default_if_null(planned: &mut Value, attr: &str, default: Value) {
    if planned.get(attr).is_null() {
        planned.set(attr, default);
    }
}

/// True when any of `attrs` differs between two states.
pub fn changed(a: &Value, b: &Value, attrs: &[&str]) -> bool {
    attrs.iter().any(|k| a.get(k) != b.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut p = Value::object([("id", Value::Null), ("name", "a".into())]);
        unknown_if_null(&mut p, &["id", "name"]);
        assert!(p.get("id").is_unknown());
        assert_eq!(p.get("name").as_str(), Some("a"));
        let prior = Value::object([("id", "x".into()), ("name", "a".into())]);
        keep_prior(&mut p, &prior, &["id"]);
        assert_eq!(p.get("id").as_str(), Some("x"));
        assert!(!changed(&p, &prior, &["id", "name"]));
    }
}
