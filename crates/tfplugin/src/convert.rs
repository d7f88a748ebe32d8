//! Mapping between the contract types (schema, diagnostics, values) and protobuf messages.

use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::proto::tfplugin6 as pb;
use crate::schema::{AttrType, Attribute, Block, NestedBlock, NestingMode, Schema};
use crate::value::{self, CodecError, Type, Value};

/// Schema → proto. Attributes sorted by name, descriptions markdown; a nested attribute sets
/// `nested_type` and leaves `type` empty (both together crash Terraform).
pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn block_to_proto(b: &Block, version: i64) -> pb::schema::Block {
    let mut block_types: Vec<&NestedBlock> = b.block_types.iter().collect();
    block_types.sort_by(|x, y| x.type_name.cmp(&y.type_name));
    pb::schema::Block {
        version,
        attributes: b.sorted_attributes().into_iter().map(attribute_to_proto).collect(),
        block_types: block_types.into_iter().map(nested_block_to_proto).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
        ..Default::default()
    }
}

/// One attribute.
pub fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.ty {
        AttrType::Type(t) => (value::json::type_to_json(t), None),
        AttrType::Nested { nesting, attributes } => {
            let mut attrs: Vec<&Attribute> = attributes.iter().collect();
            attrs.sort_by(|x, y| x.name.cmp(&y.name));
            let nesting = match nesting {
                NestingMode::Single | NestingMode::Group => pb::schema::object::NestingMode::Single,
                NestingMode::List => pb::schema::object::NestingMode::List,
                NestingMode::Set => pb::schema::object::NestingMode::Set,
                NestingMode::Map => pb::schema::object::NestingMode::Map,
            };
            let obj = pb::schema::Object {
                attributes: attrs.into_iter().map(attribute_to_proto).collect(),
                nesting: nesting as i32,
                ..Default::default()
            };
            (Vec::new(), Some(obj))
        }
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.full_description(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        ..Default::default()
    }
}

fn nested_block_to_proto(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as N;
    let nesting = match b.nesting {
        NestingMode::Single => N::Single,
        NestingMode::Group => N::Group,
        NestingMode::List => N::List,
        NestingMode::Set => N::Set,
        NestingMode::Map => N::Map,
    };
    pb::schema::NestedBlock {
        type_name: b.type_name.clone(),
        block: Some(block_to_proto(&b.block, 0)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

/// Attribute path → proto steps.
pub fn path_to_proto(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Proto steps → attribute path (steps without a selector are skipped).
pub fn path_from_proto(p: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    AttributePath(
        p.steps
            .iter()
            .filter_map(|s| match s.selector.as_ref()? {
                Selector::AttributeName(a) => Some(PathStep::Attr(a.clone())),
                Selector::ElementKeyString(k) => Some(PathStep::Key(k.clone())),
                Selector::ElementKeyInt(i) => Some(PathStep::Index(*i)),
            })
            .collect(),
    )
}

pub fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().map(path_to_proto),
    }
}

pub fn diagnostics_to_proto(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.0.iter().map(diagnostic_to_proto).collect()
}

/// A DynamicValue → value of type `ty`: msgpack, else JSON; absent or empty means null.
pub fn decode_dynamic(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match dv {
        Some(dv) if !dv.msgpack.is_empty() => value::msgpack::decode(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => value::json::decode(&dv.json, ty),
        _ => Ok(Value::Null),
    }
}

/// A value → msgpack DynamicValue.
pub fn encode_dynamic(v: &Value, ty: &Type) -> Result<pb::DynamicValue, CodecError> {
    Ok(pb::DynamicValue {
        msgpack: value::msgpack::encode(v, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new(
            2,
            Block::new()
                .attr(Attribute::string("zeta").required())
                .attr(
                    Attribute::string("alpha")
                        .optional()
                        .computed()
                        .sensitive()
                        .description("**md**"),
                )
                .attr(Attribute::nested(
                    "items",
                    NestingMode::Set,
                    vec![Attribute::string("b"), Attribute::bool("a").computed()],
                ))
                .block(NestedBlock {
                    type_name: "timeouts".into(),
                    block: Block::new().attr(Attribute::string("create").optional()),
                    nesting: NestingMode::Single,
                    min_items: 0,
                    max_items: 1,
                }),
        )
    }

    #[test]
    fn attributes_are_sorted_and_markdown() {
        let p = schema_to_proto(&sample());
        assert_eq!(p.version, 2);
        let b = p.block.unwrap();
        let names: Vec<&str> = b.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["alpha", "items", "zeta"]);
        assert!(b
            .attributes
            .iter()
            .all(|a| a.description_kind == pb::StringKind::Markdown as i32));
        let alpha = &b.attributes[0];
        assert!(alpha.optional && alpha.computed && alpha.sensitive && !alpha.required);
        assert_eq!(alpha.description, "**md**");
        assert_eq!(b.block_types.len(), 1);
        assert_eq!(
            b.block_types[0].nesting,
            pb::schema::nested_block::NestingMode::Single as i32
        );
        assert_eq!(b.block_types[0].max_items, 1);
    }

    #[test]
    fn nested_type_excludes_type() {
        let b = schema_to_proto(&sample()).block.unwrap();
        for a in &b.attributes {
            match a.name.as_str() {
                "items" => {
                    assert!(a.r#type.is_empty(), "nested attribute must not set type");
                    let n = a.nested_type.as_ref().unwrap();
                    assert_eq!(n.nesting, pb::schema::object::NestingMode::Set as i32);
                    let inner: Vec<&str> = n.attributes.iter().map(|a| a.name.as_str()).collect();
                    assert_eq!(inner, ["a", "b"]);
                    assert!(n.attributes.iter().all(|a| a.nested_type.is_none()));
                }
                _ => assert!(a.nested_type.is_none()),
            }
        }
    }

    #[test]
    fn paths_round_trip() {
        let p = AttributePath::root("tags").key("env").index(3).attr("x");
        let proto = path_to_proto(&p);
        assert_eq!(proto.steps.len(), 4);
        use pb::attribute_path::step::Selector;
        assert_eq!(proto.steps[0].selector, Some(Selector::AttributeName("tags".into())));
        assert_eq!(proto.steps[1].selector, Some(Selector::ElementKeyString("env".into())));
        assert_eq!(proto.steps[2].selector, Some(Selector::ElementKeyInt(3)));
        assert_eq!(path_from_proto(&proto), p);
    }

    #[test]
    fn diagnostics_carry_severity_and_path() {
        let mut d = Diagnostics::new();
        d.error_at(AttributePath::root("region"), "Unknown region", "use one of us, eu");
        d.warning("careful", "");
        let p = diagnostics_to_proto(&d);
        assert_eq!(p[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(p[0].attribute.as_ref().unwrap().steps.len(), 1);
        assert_eq!(p[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(p[1].attribute.is_none());
    }

    #[test]
    fn absent_dynamic_value_is_null() {
        assert_eq!(decode_dynamic(None, &Type::String), Ok(Value::Null));
        assert_eq!(
            decode_dynamic(Some(&pb::DynamicValue::default()), &Type::String),
            Ok(Value::Null)
        );
    }
}
