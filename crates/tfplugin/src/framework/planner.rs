//! The one generic planner: what every resource's plan does before its own `modify_plan`.
//!
//! From Terraform's proposed new state (config values, and prior values for computed attributes
//! the config leaves null) it applies each attribute's [`PlanRules`](crate::schema::PlanRules):
//!
//! 1. a null configured value with a `default` plans the default (so a value changed outside
//!    Terraform goes back to it);
//! 2. a changed `requires_replace` attribute is reported in `requires_replace`;
//! 3. computed values the config leaves null become unknown on create and on replacement, and on
//!    any in-place change unless `use_state_for_unknown` keeps the prior value.

use crate::diag::AttributePath;
use crate::schema::Block;
use crate::value::Value;

/// The planner's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// Equal as Terraform compares values: sets regardless of element order.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => x.len() == y.len() && x.iter().all(|i| y.iter().any(|j| same(i, j))),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(i, j)| same(i, j))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Number(_), Value::Number(_)) => a == b || a.as_f64() == b.as_f64(),
        _ => a == b,
    }
}

/// Plans a resource change. `prior` is null on create; a null `proposed` is a destroy.
pub fn plan(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> Planned {
    if proposed.is_null() {
        return Planned {
            state: Value::Null,
            requires_replace: vec![],
        };
    }
    let mut state = proposed.clone();
    for a in &block.attributes {
        if let Some(d) = &a.plan.default {
            if config.get(&a.name).is_null() {
                state.set(&a.name, d.clone());
            }
        }
    }
    let creating = prior.is_null();
    let requires_replace: Vec<AttributePath> = if creating {
        vec![]
    } else {
        block
            .attributes
            .iter()
            .filter(|a| a.plan.requires_replace && !same(prior.get(&a.name), state.get(&a.name)))
            .map(|a| AttributePath::root(&a.name))
            .collect()
    };
    let changed = !creating
        && block
            .attributes
            .iter()
            .any(|a| !same(prior.get(&a.name), state.get(&a.name)));
    mark_unknown(block, &mut state, config, |keeps_state| {
        creating || !requires_replace.is_empty() || (changed && !keeps_state)
    });
    Planned {
        state,
        requires_replace,
    }
}

/// Sets to unknown the computed attributes the config leaves null and that have no default,
/// where `unknown(use_state_for_unknown)` says so.
pub fn mark_unknown(block: &Block, state: &mut Value, config: &Value, unknown: impl Fn(bool) -> bool) {
    for a in &block.attributes {
        if a.computed
            && a.plan.default.is_none()
            && config.get(&a.name).is_null()
            && unknown(a.plan.use_state_for_unknown)
        {
            state.set(&a.name, Value::Unknown);
        }
    }
}

/// After a resource's own hook asked for a replacement: everything computed is new again.
pub fn replacing(block: &Block, state: &mut Value, config: &Value) {
    mark_unknown(block, state, config, |_| true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn block() -> Block {
        Block::new()
            .attr(Attribute::string("id").computed().use_state_for_unknown())
            .attr(Attribute::string("name").required())
            .attr(Attribute::string("prefix").optional().requires_replace())
            .attr(Attribute::bool("enabled").optional().computed().default(true))
            .attr(Attribute::string("updated").computed())
            .attr(Attribute::string_set("tags").optional())
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(block().attributes.iter().map(|a| (a.name.clone(), Value::Null)));
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    #[test]
    fn create_plans_defaults_and_unknowns() {
        let config = obj(&[("name", "a".into())]);
        let p = plan(&block(), &Value::Null, &config, &config);
        assert_eq!(p.state.get("enabled"), &Value::Bool(true));
        assert!(p.state.get("id").is_unknown());
        assert!(p.state.get("updated").is_unknown());
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn no_change_keeps_everything() {
        let prior = obj(&[
            ("id", "1".into()),
            ("name", "a".into()),
            ("enabled", true.into()),
            ("updated", "t".into()),
            ("tags", Value::Set(vec!["x".into(), "y".into()])),
        ]);
        let config = obj(&[("name", "a".into()), ("tags", Value::Set(vec!["y".into(), "x".into()]))]);
        let mut proposed = config.clone();
        for k in ["id", "enabled", "updated"] {
            proposed.set(k, prior.get(k).clone());
        }
        let p = plan(&block(), &prior, &proposed, &config);
        assert!(same(&p.state, &prior), "{:?}", p.state);
    }

    #[test]
    fn an_update_keeps_state_for_unknown_and_a_replacement_does_not() {
        let prior = obj(&[
            ("id", "1".into()),
            ("name", "a".into()),
            ("enabled", false.into()),
            ("updated", "t".into()),
        ]);
        let config = obj(&[("name", "b".into())]);
        let mut proposed = config.clone();
        for k in ["id", "enabled", "updated"] {
            proposed.set(k, prior.get(k).clone());
        }
        let p = plan(&block(), &prior, &proposed, &config);
        assert_eq!(p.state.get("enabled"), &Value::Bool(true), "the default comes back");
        assert_eq!(p.state.get("id").as_str(), Some("1"));
        assert!(p.state.get("updated").is_unknown());
        let mut config = config;
        config.set("prefix", "p".into());
        let mut proposed = config.clone();
        for k in ["id", "enabled", "updated"] {
            proposed.set(k, prior.get(k).clone());
        }
        let p = plan(&block(), &prior, &proposed, &config);
        assert_eq!(p.requires_replace, vec![AttributePath::root("prefix")]);
        assert!(p.state.get("id").is_unknown());
    }

    #[test]
    fn destroy_plans_null() {
        assert_eq!(plan(&block(), &obj(&[]), &Value::Null, &Value::Null).state, Value::Null);
    }
}
