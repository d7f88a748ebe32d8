//! cty's JSON description of types: `"string"`, `["list","string"]`, `["object",{"a":"bool"}]`.
//! Used in schemas' nested types and in the wrapper of every dynamic value.

use serde_json::Value as Json;

use super::path::{check_depth, At, Fail, Res, Step};
use super::Type;

/// Appends the type's JSON to `out`. Object attributes come sorted, so the output is deterministic.
pub(crate) fn write(ty: &Type, out: &mut String) {
    match ty {
        Type::Bool => out.push_str("\"bool\""),
        Type::Number => out.push_str("\"number\""),
        Type::String => out.push_str("\"string\""),
        Type::Dynamic => out.push_str("\"dynamic\""),
        Type::List(t) => collection("list", t, out),
        Type::Set(t) => collection("set", t, out),
        Type::Map(t) => collection("map", t, out),
        Type::Object(attrs) => {
            out.push_str("[\"object\",{");
            for (i, (name, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(name, out);
                out.push(':');
                write(t, out);
            }
            out.push_str("}]");
        }
        Type::Tuple(items) => {
            out.push_str("[\"tuple\",[");
            for (i, t) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(t, out);
            }
            out.push_str("]]");
        }
    }
}

fn collection(kind: &str, element: &Type, out: &mut String) {
    out.push_str("[\"");
    out.push_str(kind);
    out.push_str("\",");
    write(element, out);
    out.push(']');
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    // Serialising a &str cannot fail; the fallback is never used.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

/// Reads a type from parsed JSON. Also accepts the object form with a third element listing
/// optional attributes (newer Terraform); optionality is dropped, as [`Type`] has no place for it.
pub(crate) fn read(json: &Json, depth: usize) -> Res<Type> {
    check_depth(depth)?;
    match json {
        Json::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(Fail::new("invalid primitive type name in type description")),
        },
        Json::Array(parts) => {
            let Some(Json::String(kind)) = parts.first() else {
                return Err(Fail::new("invalid complex type kind in type description"));
            };
            let arity_ok = match kind.as_str() {
                "object" => parts.len() == 2 || (parts.len() == 3 && optional_attrs_ok(&parts[2])),
                _ => parts.len() == 2,
            };
            if !arity_ok {
                return Err(Fail::new(format!("unexpected extra data in {kind} type description")));
            }
            let arg = &parts[1];
            match kind.as_str() {
                "list" => Ok(Type::List(Box::new(read(arg, depth + 1)?))),
                "set" => Ok(Type::Set(Box::new(read(arg, depth + 1)?))),
                "map" => Ok(Type::Map(Box::new(read(arg, depth + 1)?))),
                "object" => {
                    let Json::Object(attrs) = arg else {
                        return Err(Fail::new("object type description needs a JSON object of attributes"));
                    };
                    attrs
                        .iter()
                        .map(|(k, t)| Ok((k.clone(), read(t, depth + 1).at(|| Step::Attr(k.clone()))?)))
                        .collect::<Res<_>>()
                        .map(Type::Object)
                }
                "tuple" => {
                    let Json::Array(items) = arg else {
                        return Err(Fail::new("tuple type description needs a JSON array of types"));
                    };
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, t)| read(t, depth + 1).at(|| Step::Index(i)))
                        .collect::<Res<_>>()
                        .map(Type::Tuple)
                }
                _ => Err(Fail::new("invalid complex type kind in type description")),
            }
        }
        _ => Err(Fail::new("invalid type description")),
    }
}

fn optional_attrs_ok(json: &Json) -> bool {
    matches!(json, Json::Array(names) if names.iter().all(Json::is_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Type, String> {
        let json: Json = serde_json::from_str(s).map_err(|e| e.to_string())?;
        read(&json, 0).map_err(|f| f.into_error().0)
    }

    #[test]
    fn reads_every_kind() {
        let obj = Type::Object([("a".to_string(), Type::Bool), ("b".to_string(), Type::Number)].into());
        assert_eq!(parse(r#"["object",{"b":"number","a":"bool"}]"#), Ok(obj.clone()));
        assert_eq!(parse(r#"["object",{"b":"number","a":"bool"},["b"]]"#), Ok(obj));
        assert_eq!(
            parse(r#"["tuple",[["set","string"],["map","dynamic"]]]"#),
            Ok(Type::Tuple(vec![
                Type::Set(Box::new(Type::String)),
                Type::Map(Box::new(Type::Dynamic))
            ]))
        );
    }

    #[test]
    fn writes_sorted_and_compact() {
        let ty = Type::List(Box::new(Type::Object(
            [
                ("z".to_string(), Type::String),
                ("a\"b".to_string(), Type::Tuple(vec![])),
            ]
            .into(),
        )));
        let mut out = String::new();
        write(&ty, &mut out);
        assert_eq!(out, r#"["list",["object",{"a\"b":["tuple",[]],"z":"string"}]]"#);
    }

    #[test]
    fn rejects_bad_descriptions() {
        for bad in [
            r#""int""#,
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["object",["a"]]"#,
            "3",
            r#"["x",1]"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse(r#"["object",{"a":"nope"}]"#),
            Err("at .a: invalid primitive type name in type description".into())
        );
    }
}
