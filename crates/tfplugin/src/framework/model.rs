//! Typed models: a resource's state as a Rust struct instead of string-keyed [`Value`]s.
//!
//! Each attribute is an [`Attr<T>`], which keeps Terraform's three states apart (null, unknown,
//! known). The [`model!`](crate::model) macro writes the conversion to and from `Value` for a
//! struct, so the attribute names exist once, as field names; [`check_model`] ties them to the
//! schema (a test per provider calls it for every resource and data source).

use crate::diag::{AttributePath, Diagnostics};
use crate::schema::Block;
use crate::value::{Number, Type, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One attribute's value: null, unknown ("known after apply"), or known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attr<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Attr<T> {
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
    /// The value when known.
    pub fn get(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn into_option(self) -> Option<T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    /// Known from `Some`, null from `None`.
    pub fn from_option(v: Option<T>) -> Self {
        v.map(Attr::Known).unwrap_or(Attr::Null)
    }
}

impl Attr<String> {
    /// The known string, if any.
    pub fn as_deref(&self) -> Option<&str> {
        self.get().map(String::as_str)
    }
}

impl<T: Copy> Attr<T> {
    /// The known value, copied.
    pub fn value(&self) -> Option<T> {
        self.get().copied()
    }
}

impl<T> From<T> for Attr<T> {
    fn from(v: T) -> Self {
        Attr::Known(v)
    }
}

impl From<&str> for Attr<String> {
    fn from(v: &str) -> Self {
        Attr::Known(v.to_string())
    }
}

/// Why a value could not become a model field (a bug or a state from another schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub attribute: String,
    pub expected: Type,
}

impl ModelError {
    /// An error diagnostic at the attribute.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.error_at(
            AttributePath::root(&self.attribute),
            "Invalid value",
            format!("`{}` must be a {}.", self.attribute, self.expected),
        );
        d
    }
}

/// A Rust type that holds one attribute's known value.
pub trait AttrValue: Sized {
    /// The cty type in the schema.
    fn ty() -> Type;
    /// `None` when `v` is not of this type (or is only partly known).
    fn from_value(v: &Value) -> Option<Self>;
    fn to_value(&self) -> Value;
}

impl AttrValue for String {
    fn ty() -> Type {
        Type::String
    }
    fn from_value(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl AttrValue for bool {
    fn ty() -> Type {
        Type::Bool
    }
    fn from_value(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Whole numbers (a fraction does not convert: validators say so at the attribute first).
impl AttrValue for i64 {
    fn ty() -> Type {
        Type::Number
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Number(Number::Float(f)) if f.fract() != 0.0 => None,
            _ => v.as_i64(),
        }
    }
    fn to_value(&self) -> Value {
        Value::int(*self)
    }
}

/// A set of strings.
impl AttrValue for BTreeSet<String> {
    fn ty() -> Type {
        Type::Set(Box::new(Type::String))
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Set(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::Set(self.iter().cloned().map(Value::String).collect())
    }
}

/// A list of strings.
impl AttrValue for Vec<String> {
    fn ty() -> Type {
        Type::List(Box::new(Type::String))
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::List(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().cloned().map(Value::String).collect())
    }
}

/// A map of strings.
impl AttrValue for BTreeMap<String, String> {
    fn ty() -> Type {
        Type::Map(Box::new(Type::String))
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }
}

/// A list of nested objects (a nested attribute, or a `list(object)` type).
impl<M: Model> AttrValue for Vec<M> {
    fn ty() -> Type {
        Type::List(Box::new(Type::Object(
            M::attributes().into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        )))
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::List(items) => items.iter().map(|i| M::from_value(i).ok()).collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Model::to_value).collect())
    }
}

/// Converts one attribute. A collection that is only partly known reads as unknown; the
/// adapters write a field back only when the resource changed it, so such a value reaches
/// Terraform untouched.
pub fn attr_from_value<T: AttrValue>(name: &str, v: &Value) -> Result<Attr<T>, ModelError> {
    match v {
        Value::Null => Ok(Attr::Null),
        Value::Unknown => Ok(Attr::Unknown),
        v if !v.is_wholly_known() => Ok(Attr::Unknown),
        v => T::from_value(v).map(Attr::Known).ok_or_else(|| ModelError {
            attribute: name.to_string(),
            expected: T::ty(),
        }),
    }
}

/// The `Value` of one attribute.
pub fn attr_to_value<T: AttrValue>(a: &Attr<T>) -> Value {
    match a {
        Attr::Null => Value::Null,
        Attr::Unknown => Value::Unknown,
        Attr::Known(v) => v.to_value(),
    }
}

/// A struct that is a resource's or data source's state, written by [`model!`](crate::model).
pub trait Model: Sized + Clone + PartialEq + Send + Sync + 'static {
    /// Attribute names and their cty types, in declaration order.
    fn attributes() -> Vec<(&'static str, Type)>;
    /// From an object value (a null object gives every field null).
    fn from_value(v: &Value) -> Result<Self, ModelError>;
    /// To an object value with every attribute.
    fn to_value(&self) -> Value;
}

/// Checks that a model has exactly the schema's attributes and nested blocks, with the same
/// types (a nested block is a `Vec<SubModel>` field, checked through its object type).
pub fn check_model<M: Model>(block: &Block) -> Result<(), String> {
    let model: BTreeMap<&str, Type> = M::attributes().into_iter().collect();
    let Type::Object(fields) = block.value_type() else {
        unreachable!("a block's value is an object");
    };
    let schema: BTreeMap<&str, Type> = fields.iter().map(|(name, ty)| (name.as_str(), ty.clone())).collect();
    let mut problems = Vec::new();
    for (name, ty) in &schema {
        match model.get(name) {
            None => problems.push(format!("`{name}` is in the schema but not in the model")),
            Some(t) if t != ty => problems.push(format!("`{name}` is a {ty} in the schema but a {t} in the model")),
            Some(_) => {}
        }
    }
    for name in model.keys().filter(|n| !schema.contains_key(*n)) {
        problems.push(format!("`{name}` is in the model but not in the schema"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Declares a model struct and its conversion to and from [`Value`].
///
/// ```
/// tfplugin::model! {
///     /// A thing's state.
///     pub struct Thing {
///         pub id: String,
///         pub tags: std::collections::BTreeSet<String>,
///         pub kind: String = "type",
///     }
/// }
/// let t = Thing { id: "a".into(), ..Default::default() };
/// assert_eq!(t.to_value().get("id").as_str(), Some("a"));
/// # use tfplugin::framework::Model;
/// ```
///
/// Each field `name: T` becomes `pub name: Attr<T>`; `= "attr"` names an attribute whose name is
/// a Rust keyword.
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty $(= $rename:literal)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $crate::framework::Attr<$ty> ),*
        }

        impl $crate::framework::Model for $name {
            fn attributes() -> Vec<(&'static str, $crate::Type)> {
                vec![$( ($crate::__attr_name!($field $(, $rename)?), <$ty as $crate::framework::AttrValue>::ty()) ),*]
            }
            fn from_value(v: &$crate::Value) -> Result<Self, $crate::framework::ModelError> {
                Ok($name {
                    $( $field: $crate::framework::attr_from_value::<$ty>(
                        $crate::__attr_name!($field $(, $rename)?),
                        v.get($crate::__attr_name!($field $(, $rename)?)),
                    )? ),*
                })
            }
            fn to_value(&self) -> $crate::Value {
                $crate::Value::object([
                    $( ($crate::__attr_name!($field $(, $rename)?), $crate::framework::attr_to_value(&self.$field)) ),*
                ])
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __attr_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident, $rename:literal) => {
        $rename
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    crate::model! {
        struct Thing {
            id: String,
            count: i64,
            tags: BTreeSet<String>,
            kind: String = "type",
        }
    }

    fn block() -> Block {
        Block::new()
            .attr(Attribute::string("id").computed())
            .attr(Attribute::number("count").optional())
            .attr(Attribute::string_set("tags").optional())
            .attr(Attribute::string("type").computed())
    }

    #[test]
    fn round_trips_null_unknown_and_known() {
        let v = Value::object([
            ("id", Value::Unknown),
            ("count", Value::int(3)),
            ("tags", Value::string_set(["b", "a"])),
            ("type", Value::Null),
        ]);
        let t = Thing::from_value(&v).unwrap();
        assert!(t.id.is_unknown());
        assert_eq!(t.count.value(), Some(3));
        assert!(t.kind.is_null());
        assert_eq!(t.to_value(), v);
    }

    #[test]
    fn a_wrong_type_names_the_attribute() {
        let v = Value::object([("count", Value::from("three"))]);
        let e = Thing::from_value(&v).unwrap_err();
        assert_eq!(e.attribute, "count");
        assert!(e.diagnostics().has_errors());
        let half = Value::object([("count", Value::Number(Number::Float(1.5)))]);
        assert!(Thing::from_value(&half).is_err());
    }

    #[test]
    fn partly_unknown_sets_read_as_unknown() {
        let v = Value::object([("tags", Value::Set(vec![Value::from("a"), Value::Unknown]))]);
        assert!(Thing::from_value(&v).unwrap().tags.is_unknown());
    }

    crate::model! {
        struct Inner {
            url: String,
        }
    }

    crate::model! {
        struct Outer {
            name: String,
            inner: Vec<Inner>,
        }
    }

    #[test]
    fn nested_block_lists_are_sub_models() {
        use crate::schema::{NestedBlock, NestingMode};
        let nested = |attr: &str| NestedBlock {
            type_name: "inner".into(),
            block: Block::new().attr(Attribute::string(attr).optional()),
            nesting: NestingMode::List,
            min_items: 0,
            max_items: 1,
        };
        let good = Block::new()
            .attr(Attribute::string("name").optional())
            .block(nested("url"));
        assert_eq!(check_model::<Outer>(&good), Ok(()));
        let bad = Block::new()
            .attr(Attribute::string("name").optional())
            .block(nested("uri"));
        assert!(check_model::<Outer>(&bad).unwrap_err().contains("`inner`"));
        let v = Value::object([
            ("name", Value::from("n")),
            ("inner", Value::List(vec![Value::object([("url", Value::from("u"))])])),
        ]);
        let o = Outer::from_value(&v).unwrap();
        assert_eq!(o.inner.get().unwrap()[0].url.as_deref(), Some("u"));
        assert_eq!(o.to_value(), v);
    }

    #[test]
    fn check_model_finds_every_disagreement() {
        assert_eq!(check_model::<Thing>(&block()), Ok(()));
        let wrong = Block::new()
            .attr(Attribute::string("id").computed())
            .attr(Attribute::string("count").optional())
            .attr(Attribute::string("extra").optional());
        let e = check_model::<Thing>(&wrong).unwrap_err();
        assert!(e.contains("`count` is a string in the schema but a number"), "{e}");
        assert!(e.contains("`extra` is in the schema but not in the model"), "{e}");
        assert!(e.contains("`tags` is in the model but not in the schema"), "{e}");
    }
}
