//! Terraform's JSON encoding of values (stored state in UpgradeResourceState, and
//! `DynamicValue.json`) and of types (cty type JSON), as cty's `json` package writes them.
//!
//! State may come from an older schema, so object attributes the type does not know are dropped
//! and attributes it lacks are null. A dynamic value is `{"value": ..., "type": ...}`.
//! Unknown values have no JSON form.

use serde_json::Value as Json;

use super::infer::implied_type;
use super::path::{check_depth, At, Fail, Res, Step};
use super::{number, type_json, CodecError, Number, Type, Value};

/// Decode JSON state. Object attributes not in `ty` are dropped (old state after a schema change).
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    // serde_json refuses nesting beyond 128 levels, so parsing hostile input cannot overflow the stack.
    let json: Json = serde_json::from_slice(bytes).map_err(|e| CodecError(format!("invalid JSON: {e}")))?;
    read_value(&json, ty, 0).map_err(Fail::into_error)
}

/// Encode a (wholly known) value as JSON.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = String::new();
    write_value(v, ty, &mut out, 0).map_err(Fail::into_error)?;
    Ok(out.into_bytes())
}

/// cty type JSON: `"string"`, `["list","string"]`, `["object",{"a":"bool"}]`, `"dynamic"`.
/// Deterministic: object attributes are sorted.
pub fn type_to_json(ty: &Type) -> Vec<u8> {
    let mut out = String::new();
    type_json::write(ty, &mut out);
    out.into_bytes()
}

/// Parses cty type JSON, including the object form with a list of optional attributes.
pub fn type_from_json(bytes: &[u8]) -> Result<Type, CodecError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| CodecError(format!("invalid type JSON: {e}")))?;
    type_json::read(&json, 0).map_err(Fail::into_error)
}

// ---- decoding ----

/// What a JSON value is, for error messages (never the value itself).
fn found(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn required(ty: &Type, j: &Json) -> Fail {
    Fail::new(format!("{ty} is required, found {}", found(j)))
}

fn read_value(j: &Json, ty: &Type, depth: usize) -> Res<Value> {
    check_depth(depth)?;
    if j.is_null() {
        return Ok(Value::Null);
    }
    // Primitives convert the way cty's JSON decoder does: "true" is a bool, "12" a number, 12 a string.
    match (ty, j) {
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
        (Type::Number, Json::Number(n)) => read_number(n).map(Value::Number),
        (Type::Number, Json::String(s)) => number::parse(s)
            .map(Value::Number)
            .ok_or_else(|| Fail::new("number is required, found a string that is not a decimal number")),
        (Type::String, Json::String(s)) => Ok(Value::String(s.clone())),
        (Type::String, Json::Number(n)) => Ok(Value::String(n.to_string())),
        (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Dynamic, Json::Object(m)) => {
            if let Some(k) = m.keys().find(|k| *k != "value" && *k != "type") {
                return Err(Fail::new(format!(
                    "invalid key {k:?} in a dynamic value (only \"value\" and \"type\")"
                )));
            }
            let (Some(t), Some(v)) = (m.get("type"), m.get("value")) else {
                return Err(Fail::new("a dynamic value needs both \"value\" and \"type\""));
            };
            let t = type_json::read(t, depth + 1)?;
            read_value(v, &t, depth + 1)
        }
        (Type::List(t), Json::Array(items)) => read_items(items, |_| t, depth).map(Value::List),
        (Type::Set(t), Json::Array(items)) => read_items(items, |_| t, depth).map(Value::Set),
        (Type::Tuple(ts), Json::Array(items)) => {
            if items.len() != ts.len() {
                return Err(Fail::new(format!(
                    "a tuple of {} elements is required, found {}",
                    ts.len(),
                    items.len()
                )));
            }
            read_items(items, |i| &ts[i], depth).map(Value::Tuple)
        }
        (Type::Map(t), Json::Object(m)) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), read_value(v, t, depth + 1).at(|| Step::Key(k.clone()))?)))
            .collect::<Res<_>>()
            .map(Value::Map),
        (Type::Object(attrs), Json::Object(m)) => attrs
            .iter()
            .map(|(name, aty)| {
                let v = match m.get(name) {
                    Some(j) => read_value(j, aty, depth + 1).at(|| Step::Attr(name.clone()))?,
                    None => Value::Null,
                };
                Ok((name.clone(), v))
            })
            .collect::<Res<_>>()
            .map(Value::Object),
        _ => Err(required(ty, j)),
    }
}

fn read_items<'t>(items: &[Json], ty_of: impl Fn(usize) -> &'t Type, depth: usize) -> Res<Vec<Value>> {
    items
        .iter()
        .enumerate()
        .map(|(i, j)| read_value(j, ty_of(i), depth + 1).at(|| Step::Index(i)))
        .collect()
}

/// A JSON number: i64 → `Int`, beyond → `Big`; a float stays `Float` unless its text says more than
/// the f64 holds (possible only when serde_json keeps number text), then it is classified as text.
fn read_number(n: &serde_json::Number) -> Res<Number> {
    if let Some(i) = n.as_i64() {
        return Ok(Number::Int(i));
    }
    let text = n.to_string();
    if n.is_u64() {
        return Ok(Number::Big(text));
    }
    if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
        if serde_json::Number::from_f64(f).is_some_and(|shortest| shortest.to_string() == text) {
            return Ok(Number::Float(f));
        }
    }
    number::parse(&text).ok_or_else(|| Fail::new("number is required"))
}

// ---- encoding ----

fn write_value(v: &Value, ty: &Type, out: &mut String, depth: usize) -> Res<()> {
    check_depth(depth)?;
    match (v, ty) {
        (Value::Null, _) => out.push_str("null"),
        (Value::Unknown, _) => return Err(Fail::new("an unknown value cannot be written as JSON")),
        (_, Type::Dynamic) => {
            let t = implied_type(v, depth)?;
            out.push_str("{\"value\":");
            write_value(v, &t, out, depth + 1)?;
            out.push_str(",\"type\":");
            type_json::write(&t, out);
            out.push('}');
        }
        (Value::Bool(b), Type::Bool) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Number(n), Type::Number) => {
            let text = number::json_text(n)
                .ok_or_else(|| Fail::new("NaN, infinities and non-decimal text cannot be written as JSON"))?;
            // A literal beyond f64's range cannot be read back by serde_json (nor by this decoder);
            // cty accepts a number written as a string, so such a number is written as one.
            if matches!(n, super::Number::Big(_)) && !text.parse::<f64>().is_ok_and(f64::is_finite) {
                type_json::write_json_string(&text, out);
            } else {
                out.push_str(&text);
            }
        }
        (Value::String(s), Type::String) => type_json::write_json_string(s, out),
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::List(t) | Type::Set(t)) => {
            write_items(items.iter().map(|v| (v, &**t)), out, depth)?;
        }
        (Value::List(items) | Value::Tuple(items), Type::Tuple(ts)) => {
            if items.len() != ts.len() {
                return Err(Fail::new(format!(
                    "a tuple of {} elements is required, found {}",
                    ts.len(),
                    items.len()
                )));
            }
            write_items(items.iter().zip(ts), out, depth)?;
        }
        (Value::Map(m) | Value::Object(m), Type::Map(t)) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                type_json::write_json_string(k, out);
                out.push(':');
                write_value(item, t, out, depth + 1).at(|| Step::Key(k.clone()))?;
            }
            out.push('}');
        }
        (Value::Object(m) | Value::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(Fail::new("unsupported attribute").with(Step::Attr(extra.clone())));
            }
            out.push('{');
            for (i, (name, aty)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                type_json::write_json_string(name, out);
                out.push(':');
                let item = m.get(name).unwrap_or(&Value::Null);
                write_value(item, aty, out, depth + 1).at(|| Step::Attr(name.clone()))?;
            }
            out.push('}');
        }
        _ => return Err(Fail::new(format!("{ty} is required, found {}", v.kind()))),
    }
    Ok(())
}

fn write_items<'a>(items: impl Iterator<Item = (&'a Value, &'a Type)>, out: &mut String, depth: usize) -> Res<()> {
    out.push('[');
    for (i, (item, t)) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(item, t, out, depth + 1).at(|| Step::Index(i))?;
    }
    out.push(']');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::Object(attrs.iter().map(|(k, t)| (k.to_string(), t.clone())).collect())
    }

    #[test]
    fn state_from_an_older_schema() {
        let ty = obj(&[("id", Type::String), ("tags", Type::Map(Box::new(Type::String)))]);
        let v = decode(br#"{"id":"k1","removed_attr":[1,2],"tags":{"b":"2","a":"1"}}"#, &ty).unwrap();
        let tags = Value::Map(
            [
                ("a".to_string(), Value::string("1")),
                ("b".to_string(), Value::string("2")),
            ]
            .into(),
        );
        assert_eq!(v, Value::object([("id", Value::string("k1")), ("tags", tags)]));
        assert_eq!(
            decode(br#"{}"#, &ty).unwrap(),
            Value::object([("id", Value::Null), ("tags", Value::Null)])
        );
    }

    #[test]
    fn numbers_keep_their_kind() {
        let n = |s: &str| decode(s.as_bytes(), &Type::Number).unwrap();
        assert_eq!(n("12"), Value::int(12));
        assert_eq!(n("-9223372036854775808"), Value::int(i64::MIN));
        assert_eq!(
            n("18446744073709551615"),
            Value::Number(Number::Big("18446744073709551615".into()))
        );
        assert_eq!(n("2.5"), Value::Number(Number::Float(2.5)));
        assert_eq!(n("\"0.1\""), Value::Number(Number::Big("0.1".into())));
        let big = Value::Number(Number::Big("123456789012345678901234567.5".into()));
        assert_eq!(encode(&big, &Type::Number).unwrap(), b"123456789012345678901234567.5");
        assert_eq!(
            encode(&Value::Number(Number::Float(3.0)), &Type::Number).unwrap(),
            b"3.0"
        );
        assert!(encode(&Value::Number(Number::Float(f64::INFINITY)), &Type::Number).is_err());
    }

    #[test]
    fn floats_survive_state_exactly() {
        // serde_json's default float parser may be one ULP off; state must not drift.
        let f = 0.0009251081752684015_f64;
        let v = Value::Number(Number::Float(f));
        let back = decode(&encode(&v, &Type::Number).unwrap(), &Type::Number).unwrap();
        assert_eq!(back, v, "needs serde_json's `float_roundtrip` feature");
    }

    #[test]
    fn primitives_convert_like_cty() {
        assert_eq!(decode(br#""true""#, &Type::Bool).unwrap(), Value::Bool(true));
        assert_eq!(decode(b"12", &Type::String).unwrap(), Value::string("12"));
        assert_eq!(decode(b"false", &Type::String).unwrap(), Value::string("false"));
        assert_eq!(
            decode(br#""yes""#, &Type::Bool).unwrap_err().0,
            "bool is required, found a string"
        );
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let ty = obj(&[("d", Type::Dynamic)]);
        let v = Value::object([("d", Value::List(vec![Value::string("x")]))]);
        let json = encode(&v, &ty).unwrap();
        assert_eq!(
            String::from_utf8(json.clone()).unwrap(),
            r#"{"d":{"value":["x"],"type":["list","string"]}}"#
        );
        assert_eq!(decode(&json, &ty).unwrap(), v);
        assert_eq!(
            decode(br#"{"d":null}"#, &ty).unwrap(),
            Value::object([("d", Value::Null)])
        );
        assert!(decode(br#"{"d":{"value":1}}"#, &ty).is_err());
        assert!(decode(br#"{"d":{"value":1,"type":"number","x":1}}"#, &ty).is_err());
    }

    #[test]
    fn unknown_and_mismatches_are_errors() {
        let ty = obj(&[("a", Type::List(Box::new(Type::Bool)))]);
        let unknown = Value::object([("a", Value::List(vec![Value::Unknown]))]);
        assert_eq!(
            encode(&unknown, &ty).unwrap_err().0,
            "at .a[0]: an unknown value cannot be written as JSON"
        );
        assert_eq!(
            decode(br#"{"a":[true,3]}"#, &ty).unwrap_err().0,
            "at .a[1]: bool is required, found a number"
        );
        assert!(decode(b"{", &ty).is_err());
        assert!(decode(&[b'['; 10_000], &ty).is_err());
    }

    #[test]
    fn type_json_round_trips() {
        let ty = obj(&[("n", Type::Tuple(vec![Type::Number, Type::Set(Box::new(Type::Dynamic))]))]);
        let json = type_to_json(&ty);
        assert_eq!(
            String::from_utf8(json.clone()).unwrap(),
            r#"["object",{"n":["tuple",["number",["set","dynamic"]]]}]"#
        );
        assert_eq!(type_from_json(&json), Ok(ty));
    }
}
