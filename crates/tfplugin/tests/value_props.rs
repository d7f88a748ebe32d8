//! Property tests for the value codecs: arbitrary types and values of those types (null and
//! unknown at every level, big numbers, unicode, sets, dynamic values) survive a round trip,
//! and no input, however broken, makes a decoder panic.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tfplugin::value::{json, msgpack};
use tfplugin::{Number, Type, Value};

/// Which values a codec can carry.
#[derive(Clone, Copy)]
struct Allow {
    /// Unknown values (msgpack only).
    unknown: bool,
    /// Decimal text beyond i64/f64 and infinities (msgpack only; JSON parsing goes through f64).
    wide_numbers: bool,
}

const MSGPACK: Allow = Allow {
    unknown: true,
    wide_numbers: true,
};
const JSON: Allow = Allow {
    unknown: false,
    wide_numbers: false,
};

fn attr_name() -> impl Strategy<Value = String> {
    "[a-z_]{1,6}"
}

/// Types without `Dynamic`: the content of a dynamic value has one concrete type.
fn concrete_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String)];
    leaf.prop_recursive(3, 16, 4, compound)
}

/// Any type, `Dynamic` included at every level.
fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(3, 16, 4, compound)
}

fn compound(inner: BoxedStrategy<Type>) -> BoxedStrategy<Type> {
    prop_oneof![
        inner.clone().prop_map(|t| Type::List(Box::new(t))),
        inner.clone().prop_map(|t| Type::Set(Box::new(t))),
        inner.clone().prop_map(|t| Type::Map(Box::new(t))),
        prop::collection::btree_map(attr_name(), inner.clone(), 0..4).prop_map(Type::Object),
        prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
    ]
    .boxed()
}

fn number(allow: Allow) -> BoxedStrategy<Number> {
    let ints = any::<i64>().prop_map(Number::Int);
    let floats = any::<f64>()
        .prop_filter("finite", |f| f.is_finite())
        .prop_map(Number::Float);
    // u64 beyond i64 arrives as Big from both codecs.
    let u64s = (i64::MAX as u64 + 1..=u64::MAX).prop_map(|u| Number::Big(u.to_string()));
    if !allow.wide_numbers {
        return prop_oneof![ints, floats, u64s].boxed();
    }
    // Decimal text, classified the way the decoders classify it (most of it stays Big).
    let text = "-?[0-9]{1,30}(\\.[0-9]{1,20})?(e-?[0-9]{1,3})?"
        .prop_map(|s| Number::parse(&s).expect("generated text is decimal"));
    let infinite = prop_oneof![
        Just(Number::Float(f64::INFINITY)),
        Just(Number::Float(f64::NEG_INFINITY))
    ];
    prop_oneof![ints, floats, u64s, text, infinite].boxed()
}

/// A value of type `ty`; null (and unknown, when allowed) may appear at every level.
fn value_of(ty: &Type, allow: Allow) -> BoxedStrategy<Value> {
    let known = known_value_of(ty, allow);
    if allow.unknown {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn known_value_of(ty: &Type, allow: Allow) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => number(allow).prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        // A dynamic value is a value of some concrete type, chosen per value.
        Type::Dynamic => concrete_type()
            .prop_flat_map(move |t| known_value_of(&t, allow))
            .boxed(),
        Type::List(t) => prop::collection::vec(value_of(t, allow), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(t) => prop::collection::vec(value_of(t, allow), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(t) => prop::collection::btree_map(any::<String>(), value_of(t, allow), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => attrs
            .iter()
            .map(|(k, t)| {
                let k = k.clone();
                value_of(t, allow).prop_map(move |v| (k.clone(), v))
            })
            .collect::<Vec<_>>()
            .prop_map(|attrs| Value::Object(attrs.into_iter().collect::<BTreeMap<_, _>>()))
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(|t| value_of(t, allow))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
    }
}

fn typed_value(allow: Allow) -> impl Strategy<Value = (Type, Value)> {
    any_type().prop_flat_map(move |t| value_of(&t, allow).prop_map(move |v| (t.clone(), v)))
}

proptest! {
    #[test]
    fn msgpack_round_trips((ty, v) in typed_value(MSGPACK)) {
        let bytes = msgpack::encode(&v, &ty).expect("encodes");
        prop_assert_eq!(msgpack::decode(&bytes, &ty).expect("decodes"), v.clone());
        // Deterministic: the same value always gives the same bytes.
        prop_assert_eq!(msgpack::encode(&v, &ty).unwrap(), bytes);
    }

    #[test]
    fn json_round_trips((ty, v) in typed_value(JSON)) {
        prop_assume!(v.is_wholly_known());
        let bytes = json::encode(&v, &ty).expect("encodes");
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "valid JSON");
        prop_assert_eq!(json::decode(&bytes, &ty).expect("decodes"), v);
    }

    #[test]
    fn msgpack_and_json_agree((ty, v) in typed_value(JSON)) {
        let from_msgpack = msgpack::decode(&msgpack::encode(&v, &ty).unwrap(), &ty).unwrap();
        let from_json = json::decode(&json::encode(&v, &ty).unwrap(), &ty).unwrap();
        prop_assert_eq!(from_msgpack, from_json);
    }

    #[test]
    fn type_json_round_trips(ty in any_type()) {
        let bytes = json::type_to_json(&ty);
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "valid JSON");
        prop_assert_eq!(json::type_from_json(&bytes), Ok(ty));
    }

    #[test]
    fn random_bytes_never_panic(ty in any_type(), bytes in prop::collection::vec(any::<u8>(), 0..96)) {
        let _ = msgpack::decode(&bytes, &ty);
        let _ = json::decode(&bytes, &ty);
        let _ = json::type_from_json(&bytes);
    }

    /// Damaged valid encodings reach deeper into the decoders than random bytes do.
    #[test]
    fn damaged_encodings_never_panic(
        (ty, v) in typed_value(MSGPACK),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let bytes = msgpack::encode(&v, &ty).unwrap();
        if bytes.is_empty() {
            return Ok(());
        }
        let _ = msgpack::decode(&bytes[..cut.index(bytes.len())], &ty);
        let mut flipped = bytes.clone();
        flipped[flip.index(bytes.len())] = byte;
        let _ = msgpack::decode(&flipped, &ty);
        if let Ok(text) = json::encode(&v, &ty) {
            let _ = json::decode(&text[..cut.index(text.len())], &ty);
        }
    }

    /// A value decoded against the wrong type is an error, not a panic or a silent success
    /// for the simplest mismatch: a string where a bool is expected.
    #[test]
    fn string_is_not_bool(s in any::<String>()) {
        let bytes = msgpack::encode(&Value::String(s), &Type::String).unwrap();
        let err = msgpack::decode(&bytes, &Type::Bool).unwrap_err();
        prop_assert_eq!(err.0, "bool is required, found a string");
    }
}

#[test]
fn refinement_payloads_decode_as_unknown() {
    // Terraform 1.6+ refinements: extension 12 with a map payload (not null, prefix "ab").
    let refined = [0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
    let ty = Type::Object([("id".to_string(), Type::String)].into());
    let mut obj = vec![0x81, 0xa2, b'i', b'd'];
    obj.extend_from_slice(&refined);
    assert_eq!(msgpack::decode(&obj, &ty), Ok(Value::object([("id", Value::Unknown)])));
    // A wholly unknown object, and an unknown list element, in cty's compact form.
    assert_eq!(msgpack::decode(&[0xd4, 0, 0], &ty), Ok(Value::Unknown));
    let list = Type::List(Box::new(Type::Number));
    assert_eq!(
        msgpack::decode(&[0x92, 0x01, 0xd4, 0, 0], &list),
        Ok(Value::List(vec![Value::int(1), Value::Unknown]))
    );
}

#[test]
fn dynamic_object_matches_cty_bytes() {
    // cty: ["object",{"a":"string"}] as bin, then {"a":"x"}.
    let type_json = br#"["object",{"a":"string"}]"#;
    let mut want = vec![0x92, 0xc4, type_json.len() as u8];
    want.extend_from_slice(type_json);
    want.extend_from_slice(&[0x81, 0xa1, b'a', 0xa1, b'x']);
    let v = Value::object([("a", Value::string("x"))]);
    assert_eq!(msgpack::encode(&v, &Type::Dynamic).unwrap(), want);
    assert_eq!(msgpack::decode(&want, &Type::Dynamic), Ok(v));
}
