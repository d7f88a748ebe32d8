//! What each fuzz target checks, as plain functions, so the same checks run under libFuzzer
//! (`fuzz_targets/*.rs`) and as ordinary unit tests over the seed and regression inputs
//! (`cargo test --manifest-path fuzz/Cargo.toml`, which runs on stable without libFuzzer).
//!
//! A check panics only when the code under test breaks a promise: a decoder that panics on
//! hostile bytes, a value that does not survive its own encoding, a filter that does not parse
//! back from its own rendering, or a secret that shows up in a `Debug` or error text.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use tfplugin::value::{json, msgpack};
use tfplugin::{Number, Type, Value};
use visionone_api::filter::Filter;
use visionone_api::{Account, ApiKey, ApiKeyCreated, ErrorBody, MultiStatusEntry, Page, Role, RolePermissions};

/// The schema types the provider really decodes, plus a few shapes that stress nesting.
/// The first input byte picks one; the last choice reads the type itself from the input.
pub fn schema_types() -> Vec<Type> {
    let s = || Box::new(Type::String);
    let object = |attrs: &[(&str, Type)]| {
        Type::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.to_string(), t.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::List(s()),
        Type::Set(s()),
        Type::Map(s()),
        Type::Tuple(vec![Type::String, Type::Number, Type::Dynamic]),
        // visionone_api_key's state.
        object(&[
            ("id", Type::String),
            ("name", Type::String),
            ("name_prefix", Type::String),
            ("role", Type::String),
            ("enabled", Type::Bool),
            ("expiration", Type::String),
            ("rotate_before_days", Type::Number),
            ("rotation_triggers", Type::Map(s())),
            ("secret", Type::String),
            ("ready_for_rotation", Type::Bool),
        ]),
        // visionone_custom_role's state.
        object(&[
            ("id", Type::String),
            ("name", Type::String),
            ("permission_keys", Type::Set(s())),
            ("allow_api_key_assignment", Type::Bool),
        ]),
        Type::List(Box::new(object(&[(
            "a",
            Type::Set(Box::new(Type::List(Box::new(Type::Number)))),
        )]))),
        Type::Map(Box::new(Type::Dynamic)),
    ]
}

/// Splits the input into a type and the bytes to decode as that type.
fn pick_type(data: &[u8]) -> Option<(Type, &[u8])> {
    let (&sel, rest) = data.split_first()?;
    let types = schema_types();
    let idx = sel as usize % (types.len() + 1);
    if idx < types.len() {
        return Some((types[idx].clone(), rest));
    }
    // `type JSON \0 value`: fuzzes the type parser and arbitrary types.
    let nul = rest.iter().position(|&b| b == 0)?;
    let ty = json::type_from_json(&rest[..nul]).ok()?;
    Some((ty, &rest[nul + 1..]))
}

type Encode = fn(&Value, &Type) -> Result<Vec<u8>, tfplugin::value::CodecError>;
type Decode = fn(&[u8], &Type) -> Result<Value, tfplugin::value::CodecError>;

/// A decoded value encodes, decodes back to the same value, and the encoding settles after one
/// pass. Numbers compare by value: `"8.010"` may come back as `8.01`, as cty would read it.
fn roundtrip_value(v: &Value, ty: &Type, encode: Encode, decode: Decode) {
    let once = encode(v, ty).unwrap_or_else(|e| panic!("decoded {v:?} as {ty} but cannot encode it: {e}"));
    let again = decode(&once, ty).unwrap_or_else(|e| panic!("own encoding of {v:?} does not decode: {e}"));
    assert!(same_value(v, &again), "{v:?} came back as {again:?} ({ty})");
    let twice = encode(&again, ty).expect("re-encode");
    let thrice = encode(&decode(&twice, ty).expect("decode the re-encoding"), ty).expect("encode again");
    assert_eq!(twice, thrice, "the encoding of {v:?} as {ty} never settles");
}

/// Structural equality where numbers compare numerically (and NaN equals NaN).
fn same_value(a: &Value, b: &Value) -> bool {
    let num = |n: &Number| match n {
        Number::Int(i) => *i as f64,
        Number::Float(f) => *f,
        Number::Big(s) => s.parse().unwrap_or(f64::NAN),
    };
    let all = |x: &[Value], y: &[Value]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q));
    let maps = |x: &BTreeMap<String, Value>, y: &BTreeMap<String, Value>| {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && same_value(v1, v2))
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (num(x), num(y));
            x == y || (x.is_nan() && y.is_nan())
        }
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            all(x, y)
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => maps(x, y),
        _ => a == b,
    }
}

/// msgpack (plan/apply traffic): decoding never panics, and what decodes round-trips.
pub fn msgpack_value(data: &[u8]) {
    let Some((ty, bytes)) = pick_type(data) else { return };
    let Ok(v) = msgpack::decode(bytes, &ty) else { return };
    roundtrip_value(&v, &ty, msgpack::encode, msgpack::decode);
}

/// JSON state (UpgradeResourceState): the same promises as for msgpack.
pub fn json_state(data: &[u8]) {
    let Some((ty, bytes)) = pick_type(data) else { return };
    let Ok(v) = json::decode(bytes, &ty) else { return };
    roundtrip_value(&v, &ty, json::encode, json::decode);
    // The type's own JSON must parse back to the same type.
    let tj = json::type_to_json(&ty);
    assert_eq!(
        json::type_from_json(&tj).ok().as_ref(),
        Some(&ty),
        "type JSON does not round-trip"
    );
}

/// Decodes `data` as `T`; when it decodes, re-serialising and decoding again gives the same bytes.
fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(data: &[u8]) -> Option<T> {
    let v: T = serde_json::from_slice(data).ok()?;
    let once = serde_json::to_vec(&v).expect("a decoded API type serialises");
    let again: T = serde_json::from_slice(&once).expect("own serialisation decodes");
    assert_eq!(once, serde_json::to_vec(&again).unwrap(), "API type JSON is not stable");
    Some(v)
}

/// Every API answer body the client decodes.
pub fn api_responses(data: &[u8]) {
    roundtrip::<ApiKey>(data);
    roundtrip::<Page<ApiKey>>(data);
    roundtrip::<Vec<MultiStatusEntry>>(data);
    roundtrip::<ErrorBody>(data);
    roundtrip::<Role>(data);
    roundtrip::<Page<Role>>(data);
    roundtrip::<Account>(data);
    roundtrip::<Page<Account>>(data);
    roundtrip::<RolePermissions>(data);
    if let Some(created) = roundtrip::<ApiKeyCreated>(data) {
        assert_redacted(&created);
    }
    if let Some(entries) = roundtrip::<Vec<MultiStatusEntry>>(data) {
        for e in entries {
            if let Some(created) = e.body.and_then(|b| serde_json::from_value::<ApiKeyCreated>(b).ok()) {
                assert_redacted(&created);
            }
        }
    }
}

/// A created key's `Debug` text must not depend on its secret at all.
fn assert_redacted(created: &ApiKeyCreated) {
    let blank = ApiKeyCreated {
        value: String::new(),
        ..created.clone()
    };
    assert_eq!(
        format!("{created:?}"),
        format!("{blank:?}"),
        "the secret shows in Debug output"
    );
}

/// The client's pure parsers of what a server says: error bodies (JSON, HTML, garbage),
/// `Retry-After`, and ETags.
pub fn client_errors(data: &[u8]) {
    let status = data.first().map_or(500, |&b| 400 + u16::from(b) % 200);
    let e = visionone_client::ApiError::from_body(status, data, Some("trace".into()));
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("HTTP {status}")), "{shown}");
    if e.code.starts_with("HTTP") {
        // A non-contract body is reduced to a short excerpt with no markup.
        assert!(
            e.message.chars().count() <= 201,
            "excerpt too long: {}",
            e.message.chars().count()
        );
    }
    let text = String::from_utf8_lossy(data);
    let _ = visionone_client::excerpt(&text);
    let _ = visionone_client::ApiError::from_entry(status, serde_json::from_slice(data).ok().as_ref(), None);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Some(d) = visionone_client::parse_retry_after(&text, now) {
        assert!(d <= Duration::from_secs(24 * 3600), "Retry-After not bounded: {d:?}");
    }
    if let Some(tag) = visionone_client::ETag::parse(&text) {
        assert!(tag.same_version(&tag));
        let _ = (tag.raw(), tag.value(), tag.to_string());
    }
}

/// How deeply the rendering of `f` nests parentheses and `not`s (what the parser bounds).
fn rendered_depth(f: &Filter) -> usize {
    match f {
        Filter::Eq(..) => 0,
        Filter::And(a, b) | Filter::Or(a, b) => 1 + rendered_depth(a).max(rendered_depth(b)),
        Filter::Not(a) => 2 + rendered_depth(a),
    }
}

/// The emulator's `TMV1-Filter` parser: arbitrary text never panics; whatever parses renders
/// back (through the client's `Display`) to text that parses to the same tree; and a value
/// quoted by the client's builder always parses back to itself.
pub fn emulator_filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(f) = visionone_emulator::filter::parse(&text) {
        if rendered_depth(&f) < 30 {
            let shown = f.to_string();
            let back = visionone_emulator::filter::parse(&shown)
                .unwrap_or_else(|e| panic!("rendered filter {shown:?} does not parse: {e}"));
            assert_eq!(back, f, "rendered filter {shown:?} parses to another tree");
        }
    }
    let built = Filter::eq("name", text.as_ref()).and(Filter::eq("status", "enabled").not());
    let shown = built.to_string();
    let back = visionone_emulator::filter::parse(&shown)
        .unwrap_or_else(|e| panic!("client-built filter {shown:?} does not parse: {e}"));
    assert_eq!(back, built);
}

#[cfg(test)]
mod tests;
