//! Schemas: what Terraform shows in `providers schema -json` and checks configurations against.
//!
//! Built with small builders; descriptions are markdown. Attributes are emitted sorted by name
//! so the schema is deterministic whatever order the code declares them in.

use crate::value::Type;
use std::collections::BTreeMap;

/// A resource's, data source's or the provider's schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Bumped when the stored state's shape changes (UpgradeResourceState gets the old one).
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }
}

/// How a nested attribute or block holds its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NestingMode {
    Single,
    List,
    Set,
    Map,
    Group,
}

/// An attribute's type: a plain cty type, or (protocol 6) a nested object type.
/// Exactly one of `type` and `nested_type` goes on the wire; both together crash Terraform.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrType {
    Type(Type),
    Nested {
        nesting: NestingMode,
        attributes: Vec<Attribute>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: AttrType,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
}

impl Attribute {
    pub fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            ty: AttrType::Type(ty),
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }
    pub fn string(name: &str) -> Self {
        Self::new(name, Type::String)
    }
    pub fn bool(name: &str) -> Self {
        Self::new(name, Type::Bool)
    }
    pub fn number(name: &str) -> Self {
        Self::new(name, Type::Number)
    }
    pub fn string_set(name: &str) -> Self {
        Self::new(name, Type::Set(Box::new(Type::String)))
    }
    pub fn string_list(name: &str) -> Self {
        Self::new(name, Type::List(Box::new(Type::String)))
    }
    pub fn string_map(name: &str) -> Self {
        Self::new(name, Type::Map(Box::new(Type::String)))
    }
    /// A nested attribute (protocol 6 `nested_type`).
    pub fn nested(name: &str, nesting: NestingMode, attributes: Vec<Attribute>) -> Self {
        let mut a = Self::new(name, Type::Dynamic);
        a.ty = AttrType::Nested { nesting, attributes };
        a
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    pub fn description(mut self, md: &str) -> Self {
        self.description = md.to_string();
        self
    }
    /// The cty type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttrType::Type(t) => t.clone(),
            AttrType::Nested { nesting, attributes } => {
                let obj = Type::Object(attributes.iter().map(|a| (a.name.clone(), a.value_type())).collect());
                match nesting {
                    NestingMode::Single | NestingMode::Group => obj,
                    NestingMode::List => Type::List(Box::new(obj)),
                    NestingMode::Set => Type::Set(Box::new(obj)),
                    NestingMode::Map => Type::Map(Box::new(obj)),
                }
            }
        }
    }
}

/// A nested block (`foo { ... }` in HCL).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: NestingMode,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub block_types: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.block_types.push(b);
        self
    }
    pub fn description(mut self, md: &str) -> Self {
        self.description = md.to_string();
        self
    }
    /// Look an attribute up by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    /// Attributes sorted by name (the order put on the wire and in docs).
    pub fn sorted_attributes(&self) -> Vec<&Attribute> {
        let mut v: Vec<&Attribute> = self.attributes.iter().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
    /// The object type of a value of this block.
    pub fn value_type(&self) -> Type {
        let mut m: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for b in &self.block_types {
            let obj = b.block.value_type();
            let t = match b.nesting {
                NestingMode::Single | NestingMode::Group => obj,
                NestingMode::List => Type::List(Box::new(obj)),
                NestingMode::Set => Type::Set(Box::new(obj)),
                NestingMode::Map => Type::Map(Box::new(obj)),
            };
            m.insert(b.type_name.clone(), t);
        }
        Type::Object(m)
    }
}
