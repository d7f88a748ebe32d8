//! Schemas: what Terraform shows in `providers schema -json` and checks configurations against.
//!
//! Built with small builders; descriptions are markdown. Attributes are emitted sorted by name
//! so the schema is deterministic whatever order the code declares them in.
//!
//! An attribute also carries its plan rules and validators (terraform-plugin-framework's plan
//! modifiers and validators): the generic planner and validator in [`crate::framework`] apply
//! them, and [`Attribute::full_description`] turns them into the sentences users read, so the
//! rule and its documentation cannot drift apart.

use crate::value::{Type, Value};
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
    /// How the generic planner treats the attribute.
    pub plan: PlanRules,
    /// Checks the generic validator runs on configured (known, non-null) values.
    pub validators: Vec<Validator>,
}

/// Declarative plan behaviour of one attribute.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanRules {
    /// A change to the value replaces the object (`-/+`).
    pub requires_replace: bool,
    /// The value planned when the configuration leaves the attribute null (optional+computed).
    pub default: Option<Value>,
    /// A computed value the configuration leaves null keeps its prior value on an in-place update
    /// instead of becoming "known after apply" (it does become unknown on replacement).
    pub use_state_for_unknown: bool,
}

/// A check on a configured value. Null and unknown values are never checked.
#[derive(Clone)]
pub enum Validator {
    /// The string is one of these.
    OneOf(Vec<String>),
    /// The string is not blank and has at most `max` characters.
    Length { max: usize },
    /// The string has at most `max` characters; empty is fine (free text such as a description).
    MaxLength { max: usize },
    /// The string passes `check`; `rule` says what it must be ("not contain control characters").
    Pattern {
        rule: &'static str,
        check: fn(&str) -> bool,
    },
    /// A whole number, at least `min`, counted in `unit` ("days").
    WholeAtLeast { min: i64, unit: &'static str },
    /// May not be set together with these attributes.
    ConflictsWith(Vec<String>),
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validator::OneOf(v) => f.debug_tuple("OneOf").field(v).finish(),
            Validator::Length { max } => f.debug_struct("Length").field("max", max).finish(),
            Validator::MaxLength { max } => f.debug_struct("MaxLength").field("max", max).finish(),
            Validator::Pattern { rule, .. } => f.debug_struct("Pattern").field("rule", rule).finish(),
            Validator::WholeAtLeast { min, unit } => f
                .debug_struct("WholeAtLeast")
                .field("min", min)
                .field("unit", unit)
                .finish(),
            Validator::ConflictsWith(v) => f.debug_tuple("ConflictsWith").field(v).finish(),
        }
    }
}

/// Validators compare by what they check as documented (a `Pattern`'s function is not compared).
impl PartialEq for Validator {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
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
            plan: PlanRules::default(),
            validators: Vec::new(),
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
    /// A change to this attribute replaces the object.
    pub fn requires_replace(mut self) -> Self {
        self.plan.requires_replace = true;
        self
    }
    /// The value planned when the configuration leaves it null (the attribute must be computed).
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.plan.default = Some(v.into());
        self
    }
    /// Keep the prior value across in-place updates instead of planning it unknown.
    /// A plain optional argument (null when the configuration leaves it out) declared
    /// optional+computed with a null default, so that `-generate-config-out` (Terraform >= 1.14,
    /// which writes `x = null` for every null optional argument that is not computed) leaves it
    /// out. Plans exactly as `.optional()` does.
    pub fn optional_omitted_when_null(mut self) -> Self {
        self.optional = true;
        self.computed = true;
        self.plan.default = Some(Value::Null);
        self
    }
    pub fn use_state_for_unknown(mut self) -> Self {
        self.plan.use_state_for_unknown = true;
        self
    }
    /// Add a validator.
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
    /// The description with the sentences that the plan rules and validators imply appended:
    /// what Terraform shows and what the docs print.
    pub fn full_description(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.description.is_empty() {
            parts.push(self.description.clone());
        }
        for v in &self.validators {
            parts.push(match v {
                Validator::OneOf(values) => {
                    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                    format!("One of {}.", quoted.join(", "))
                }
                Validator::Length { max } => format!("Not blank, at most {max} characters."),
                Validator::MaxLength { max } => format!("At most {max} characters."),
                Validator::Pattern { rule, .. } => format!("Must {rule}."),
                Validator::WholeAtLeast { min, unit } => format!("A whole number of {unit}, at least {min}."),
                Validator::ConflictsWith(others) => {
                    let quoted: Vec<String> = others.iter().map(|v| format!("`{v}`")).collect();
                    format!("Conflicts with {}.", quoted.join(", "))
                }
            });
        }
        if let Some(d) = self.plan.default.as_ref().filter(|d| !d.is_null()) {
            parts.push(format!("Defaults to `{}`.", value_literal(d)));
        }
        if self.plan.requires_replace {
            parts.push("Changing it forces replacement.".to_string());
        }
        parts.join(" ")
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

/// A default as HCL would spell it: `true`, `"never"`, `[]`.
fn value_literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => v.as_f64().map(|f| f.to_string()).unwrap_or_default(),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(value_literal).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Null => "null".to_string(),
        _ => "{...}".to_string(),
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
    /// Several attributes at once: a group declared once and shared by types.
    pub fn attrs(mut self, a: impl IntoIterator<Item = Attribute>) -> Self {
        self.attributes.extend(a);
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
