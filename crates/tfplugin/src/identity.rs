//! Resource identity (protocol 6.9, Terraform >= 1.12): a small object that names one remote
//! object for good, stored beside the state and taken by `import { identity = { ... } }` and by
//! `terraform query` results.
//!
//! Here an identity is always a projection of the resource's state onto some of its attributes
//! (keys by `id`; accounts by `email` and `auth_type`), so the transport can derive it from
//! every state a call returns, in one place, instead of each answer carrying its own copy.

use crate::value::{Type, Value};

/// A resource type's identity schema.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentitySchema {
    /// Bumped when the identity's shape changes (UpgradeResourceIdentity gets the old one).
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

/// One identity attribute: a primitive, named like the state attribute it is taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    /// Must be given in `import { identity = ... }`; otherwise it is optional there.
    pub required_for_import: bool,
    pub description: String,
}

impl IdentitySchema {
    /// The cty object type of an identity value.
    pub fn value_type(&self) -> Type {
        Type::Object(self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone())).collect())
    }

    /// The identity of the object `state` describes, or `None` while any identity attribute is
    /// null or unknown (a planned create): Terraform rejects an identity that is not wholly known.
    pub fn of_state(&self, state: &Value) -> Option<Value> {
        if state.is_null() || state.is_unknown() {
            return None;
        }
        let mut attrs = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            let v = state.get(&a.name);
            if v.is_null() || !v.is_wholly_known() {
                return None;
            }
            attrs.push((a.name.clone(), v.clone()));
        }
        Some(Value::object(attrs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: ["email", "auth_type"]
                .iter()
                .map(|n| IdentityAttribute {
                    name: n.to_string(),
                    ty: Type::String,
                    required_for_import: true,
                    description: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn identity_is_the_state_projected_when_known() {
        let state = Value::object([
            ("id", Value::string("a1")),
            ("email", Value::string("ann@example.com")),
            ("auth_type", Value::string("local")),
        ]);
        assert_eq!(
            schema().of_state(&state),
            Some(Value::object([
                ("email", Value::string("ann@example.com")),
                ("auth_type", Value::string("local")),
            ]))
        );
        let planned = Value::object([("email", Value::string("a@b")), ("auth_type", Value::Unknown)]);
        assert_eq!(schema().of_state(&planned), None);
        assert_eq!(schema().of_state(&Value::Null), None);
    }
}
