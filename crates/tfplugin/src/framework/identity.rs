//! A resource's identity declared by the attributes of its model that name the object for good
//! (see [`crate::identity`]): the types come from the resource's schema, so the identity cannot
//! disagree with the state it is taken from.

use crate::identity::{IdentityAttribute, IdentitySchema};
use crate::schema::Block;
use crate::value::Type;

/// Which model attributes identify an object. [`Identity::none`] for a type without one.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    version: i64,
    attributes: Vec<(&'static str, &'static str)>,
}

impl Identity {
    pub fn none() -> Self {
        Identity::default()
    }
    /// An identity at schema version `version` (0 until its shape ever changes).
    pub fn new(version: i64) -> Self {
        Identity {
            version,
            attributes: vec![],
        }
    }
    /// One identifying attribute of the model, required in `import { identity = ... }`.
    pub fn attr(mut self, name: &'static str, description: &'static str) -> Self {
        self.attributes.push((name, description));
        self
    }
    pub fn is_none(&self) -> bool {
        self.attributes.is_empty()
    }
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attributes.iter().map(|(n, _)| *n)
    }

    /// The protocol schema, typed by `block`; `Err` names an attribute the block lacks or whose
    /// type an identity cannot hold (only primitives).
    pub fn schema(&self, block: &Block) -> Result<Option<IdentitySchema>, String> {
        if self.is_none() {
            return Ok(None);
        }
        let mut attributes = Vec::new();
        for (name, description) in &self.attributes {
            let a = block
                .attribute(name)
                .ok_or_else(|| format!("identity attribute `{name}` is not in the schema"))?;
            let ty = a.value_type();
            if !matches!(ty, Type::String | Type::Number | Type::Bool) {
                return Err(format!("identity attribute `{name}` is a {ty}, not a primitive"));
            }
            attributes.push(IdentityAttribute {
                name: name.to_string(),
                ty,
                required_for_import: true,
                description: description.to_string(),
            });
        }
        Ok(Some(IdentitySchema {
            version: self.version,
            attributes,
        }))
    }
}

/// What a person would write for an object in `state`: no computed-only attribute, no value
/// equal to its default (the default gives it back).
pub fn generated_config(block: &Block, state: &crate::value::Value) -> crate::value::Value {
    use crate::value::Value;
    let mut out = crate::list::without_computed_only(block, state);
    if out.is_null() {
        return out;
    }
    for a in &block.attributes {
        if a.plan.default.is_some() && a.plan.default.as_ref() == Some(out.get(&a.name)) {
            out.set(&a.name, Value::Null);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;
    use crate::value::Value;

    fn block() -> Block {
        Block::new()
            .attr(Attribute::string("id").computed())
            .attr(Attribute::string("name").optional())
            .attr(Attribute::bool("enabled").optional().computed().default(true))
            .attr(Attribute::string("note").optional_omitted_when_null())
            .attr(Attribute::string_set("tags").optional())
    }

    #[test]
    fn identity_types_come_from_the_schema_and_must_be_primitive() {
        let s = Identity::new(0)
            .attr("id", "The id.")
            .schema(&block())
            .unwrap()
            .unwrap();
        assert_eq!(s.attributes[0].ty, Type::String);
        assert!(s.attributes[0].required_for_import);
        assert!(Identity::none().schema(&block()).unwrap().is_none());
        assert!(Identity::new(0)
            .attr("nope", "")
            .schema(&block())
            .unwrap_err()
            .contains("nope"));
        assert!(Identity::new(0)
            .attr("tags", "")
            .schema(&block())
            .unwrap_err()
            .contains("primitive"));
    }

    #[test]
    fn generated_config_has_no_computed_only_or_default_values() {
        let state = Value::object([
            ("id", Value::string("x1")),
            ("name", Value::string("n")),
            ("enabled", Value::Bool(true)),
            ("note", Value::Null),
            ("tags", Value::string_set(["a"])),
        ]);
        let c = generated_config(&block(), &state);
        assert!(c.get("id").is_null(), "computed only");
        assert!(c.get("enabled").is_null(), "equal to its default");
        assert_eq!(c.get("name"), &Value::string("n"));
        assert_eq!(c.get("tags"), &Value::string_set(["a"]));
        let mut off = state.clone();
        off.set("enabled", Value::Bool(false));
        assert_eq!(generated_config(&block(), &off).get("enabled"), &Value::Bool(false));
    }
}
