//! The type a value implies. A dynamic attribute carries its type on the wire, but a [`Value`]
//! does not, so encoders rebuild the type from the value's shape.

use std::collections::BTreeMap;

use super::path::{check_depth, At, Fail, Res, Step};
use super::{Type, Value};

/// The type `v` implies: null and unknown imply `Dynamic`; a collection's element type is the
/// unification of its elements' types (`Dynamic` when empty).
pub(crate) fn implied_type(v: &Value, depth: usize) -> Res<Type> {
    check_depth(depth)?;
    Ok(match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(element_type(items.iter().map(|v| (None, v)), depth)?)),
        Value::Set(items) => Type::Set(Box::new(element_type(items.iter().map(|v| (None, v)), depth)?)),
        Value::Map(m) => Type::Map(Box::new(element_type(m.iter().map(|(k, v)| (Some(k), v)), depth)?)),
        Value::Tuple(items) => Type::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| implied_type(v, depth + 1).at(|| Step::Index(i)))
                .collect::<Res<_>>()?,
        ),
        Value::Object(m) => Type::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), implied_type(v, depth + 1).at(|| Step::Attr(k.clone()))?)))
                .collect::<Res<_>>()?,
        ),
    })
}

/// The unified type of a collection's elements; map elements come with their key.
fn element_type<'a>(items: impl Iterator<Item = (Option<&'a String>, &'a Value)>, depth: usize) -> Res<Type> {
    let mut ty = Type::Dynamic;
    for (i, (key, v)) in items.enumerate() {
        let step = || key.map_or(Step::Index(i), |k| Step::Key(k.clone()));
        let t = implied_type(v, depth + 1).at(step)?;
        ty = unify(ty, t)
            .ok_or_else(|| Fail::new("collection elements have inconsistent types"))
            .at(step)?;
    }
    Ok(ty)
}

/// The most specific type both `a` and `b` conform to, treating `Dynamic` as "not known yet".
fn unify(a: Type, b: Type) -> Option<Type> {
    Some(match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => t,
        (Type::List(a), Type::List(b)) => Type::List(Box::new(unify(*a, *b)?)),
        (Type::Set(a), Type::Set(b)) => Type::Set(Box::new(unify(*a, *b)?)),
        (Type::Map(a), Type::Map(b)) => Type::Map(Box::new(unify(*a, *b)?)),
        (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => {
            Type::Tuple(a.into_iter().zip(b).map(|(a, b)| unify(a, b)).collect::<Option<_>>()?)
        }
        // An attribute one object lacks is null there, so objects unify attribute by attribute.
        (Type::Object(a), Type::Object(mut b)) => {
            let mut attrs = BTreeMap::new();
            for (k, ta) in a {
                let t = match b.remove(&k) {
                    Some(tb) => unify(ta, tb)?,
                    None => ta,
                };
                attrs.insert(k, t);
            }
            attrs.extend(b);
            Type::Object(attrs)
        }
        (a, b) if a == b => a,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn implied(v: &Value) -> Result<Type, String> {
        implied_type(v, 0).map_err(|f| f.into_error().0)
    }

    #[test]
    fn elements_unify_past_nulls() {
        let v = Value::List(vec![
            Value::object([("a", Value::Null)]),
            Value::object([("a", Value::string("x"))]),
        ]);
        let want = Type::List(Box::new(Type::Object([("a".to_string(), Type::String)].into())));
        assert_eq!(implied(&v), Ok(want));
        assert_eq!(implied(&Value::Set(vec![])), Ok(Type::Set(Box::new(Type::Dynamic))));
    }

    #[test]
    fn objects_unify_across_missing_attributes() {
        let v = Value::Set(vec![
            Value::object([("a", Value::int(1))]),
            Value::object([("b", Value::Bool(true))]),
        ]);
        let want = Type::Set(Box::new(Type::Object(
            [("a".to_string(), Type::Number), ("b".to_string(), Type::Bool)].into(),
        )));
        assert_eq!(implied(&v), Ok(want));
    }

    #[test]
    fn inconsistent_elements_are_an_error_with_a_path() {
        let v = Value::List(vec![Value::string("x"), Value::Bool(true)]);
        assert_eq!(
            implied(&v),
            Err("at [1]: collection elements have inconsistent types".into())
        );
    }
}
