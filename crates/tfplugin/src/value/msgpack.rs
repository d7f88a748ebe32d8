//! Terraform's msgpack encoding of values (requests and responses of plan/apply/read), as
//! cty's `msgpack` package writes it:
//!
//! - null is nil; an unknown is any msgpack extension (cty writes `d4 00 00`; newer Terraform
//!   writes refinements as extension 12, which we accept and drop);
//! - numbers are ints, floats, or decimal strings when neither is exact;
//! - lists, sets and tuples are arrays; maps and objects are maps (objects keyed by attribute
//!   name, written in sorted order);
//! - a value of a dynamic type is `[type JSON as bin, value]`, except null and unknown.
//!
//! Decoding takes untrusted bytes: it never panics, never allocates from a declared length,
//! and refuses nesting deeper than 64 levels.

use std::collections::BTreeMap;

use rmp::Marker;

use super::infer::implied_type;
use super::path::{check_depth, At, Fail, Res, Step};
use super::{number, type_json, CodecError, Number, Type, Value};

/// cty's "wholly unknown" value: fixext1, extension type 0, payload 0.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Decode `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { buf: bytes };
    let v = read_value(&mut r, ty, 0).map_err(Fail::into_error)?;
    if !r.buf.is_empty() {
        return Err(CodecError(format!("{} unexpected bytes after the value", r.buf.len())));
    }
    Ok(v)
}

/// Encode `v` as a value of type `ty`.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    write_value(v, ty, &mut out, 0).map_err(Fail::into_error)?;
    Ok(out)
}

// ---- decoding ----

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Fail::new("unexpected end of msgpack input"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn peek(&self) -> Res<Marker> {
        self.buf
            .first()
            .map(|b| Marker::from_u8(*b))
            .ok_or_else(|| Fail::new("unexpected end of msgpack input"))
    }

    fn marker(&mut self) -> Res<Marker> {
        let m = self.peek()?;
        self.buf = &self.buf[1..];
        Ok(m)
    }

    fn be<const N: usize>(&mut self) -> Res<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len8(&mut self) -> Res<usize> {
        Ok(usize::from(self.be::<1>()?[0]))
    }
    fn len16(&mut self) -> Res<usize> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }
    fn len32(&mut self) -> Res<usize> {
        usize::try_from(u32::from_be_bytes(self.be()?)).map_err(|_| Fail::new("msgpack length too large"))
    }

    /// The payload of a str or bin, after its marker.
    fn bytes_of(&mut self, m: Marker) -> Res<Option<&'a [u8]>> {
        let n = match m {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => self.len8()?,
            Marker::Str16 | Marker::Bin16 => self.len16()?,
            Marker::Str32 | Marker::Bin32 => self.len32()?,
            _ => return Ok(None),
        };
        self.take(n).map(Some)
    }

    /// A map key: a str (or bin) holding UTF-8.
    fn key(&mut self, ty: &Type) -> Res<String> {
        let m = self.marker()?;
        let bytes = self
            .bytes_of(m)?
            .ok_or_else(|| Fail::new(format!("{ty} keys must be strings")))?;
        utf8(bytes)
    }

    /// Skips an extension value after its marker (its payload is never interpreted).
    fn skip_ext(&mut self, m: Marker) -> Res<()> {
        let n = match m {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len8()?,
            Marker::Ext16 => self.len16()?,
            Marker::Ext32 => self.len32()?,
            _ => return Err(Fail::new("msgpack extension expected")),
        };
        // The extension type byte, then the payload.
        self.take(1)?;
        self.take(n)?;
        Ok(())
    }
}

fn is_ext(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

/// What a marker introduces, for error messages (never the value itself).
fn found(m: Marker) -> &'static str {
    match m {
        Marker::Null => "nil",
        Marker::True | Marker::False => "a bool",
        Marker::FixPos(_) | Marker::FixNeg(_) => "an integer",
        Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => "an integer",
        Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => "an integer",
        Marker::F32 | Marker::F64 => "a float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "a string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary data",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "an array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "a map",
        Marker::Reserved => "the reserved byte 0xc1",
        _ => "an extension",
    }
}

fn required(ty: &Type, m: Marker) -> Fail {
    Fail::new(format!("{ty} is required, found {}", found(m)))
}

fn utf8(bytes: &[u8]) -> Res<String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|_| Fail::new("string is not valid UTF-8"))
}

fn read_value(r: &mut Reader<'_>, ty: &Type, depth: usize) -> Res<Value> {
    check_depth(depth)?;
    let m = r.marker()?;
    if is_ext(m) {
        r.skip_ext(m)?;
        return Ok(Value::Unknown);
    }
    if m == Marker::Null {
        return Ok(Value::Null);
    }
    match ty {
        Type::Bool => match m {
            Marker::True => Ok(Value::Bool(true)),
            Marker::False => Ok(Value::Bool(false)),
            _ => Err(required(ty, m)),
        },
        Type::Number => read_number(r, m).map(Value::Number),
        Type::String => match r.bytes_of(m)? {
            Some(bytes) => utf8(bytes).map(Value::String),
            None => Err(required(ty, m)),
        },
        Type::Dynamic => read_dynamic(r, m, depth),
        Type::List(t) | Type::Set(t) => {
            let n = r.array_len(m, ty)?;
            let items = read_items(r, n, |_| t, depth)?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(items)
            } else {
                Value::Set(items)
            })
        }
        Type::Tuple(ts) => {
            let n = r.array_len(m, ty)?;
            if n != ts.len() {
                return Err(Fail::new(format!(
                    "a tuple of {} elements is required, found {n}",
                    ts.len()
                )));
            }
            read_items(r, n, |i| &ts[i], depth).map(Value::Tuple)
        }
        Type::Map(t) => {
            let n = r.map_len(m, ty)?;
            let mut entries = BTreeMap::new();
            for _ in 0..n {
                let key = r.key(ty)?;
                let v = read_value(r, t, depth + 1).at(|| Step::Key(key.clone()))?;
                if entries.insert(key.clone(), v).is_some() {
                    return Err(Fail::new("duplicate map key").with(Step::Key(key)));
                }
            }
            Ok(Value::Map(entries))
        }
        Type::Object(attrs) => {
            let n = r.map_len(m, ty)?;
            let mut obj = BTreeMap::new();
            for _ in 0..n {
                let name = r.key(ty)?;
                let Some(aty) = attrs.get(&name) else {
                    return Err(Fail::new("unsupported attribute").with(Step::Attr(name)));
                };
                let v = read_value(r, aty, depth + 1).at(|| Step::Attr(name.clone()))?;
                if obj.insert(name.clone(), v).is_some() {
                    return Err(Fail::new("duplicate attribute").with(Step::Attr(name)));
                }
            }
            // Attributes absent from the bytes are null.
            for name in attrs.keys() {
                obj.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(obj))
        }
    }
}

/// Reads `n` array elements; `ty_of(i)` is the i-th element's type. Grows as elements arrive,
/// never from the declared length.
fn read_items<'t>(r: &mut Reader<'_>, n: usize, ty_of: impl Fn(usize) -> &'t Type, depth: usize) -> Res<Vec<Value>> {
    let mut items = Vec::new();
    for i in 0..n {
        items.push(read_value(r, ty_of(i), depth + 1).at(|| Step::Index(i))?);
    }
    Ok(items)
}

impl Reader<'_> {
    /// An array's length, after its marker.
    fn array_len(&mut self, m: Marker, ty: &Type) -> Res<usize> {
        match m {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => self.len16(),
            Marker::Array32 => self.len32(),
            _ => Err(required(ty, m)),
        }
    }

    /// A map's length, after its marker.
    fn map_len(&mut self, m: Marker, ty: &Type) -> Res<usize> {
        match m {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => self.len16(),
            Marker::Map32 => self.len32(),
            _ => Err(required(ty, m)),
        }
    }
}

fn read_number(r: &mut Reader<'_>, m: Marker) -> Res<Number> {
    Ok(match m {
        Marker::FixPos(n) => Number::Int(i64::from(n)),
        Marker::FixNeg(n) => Number::Int(i64::from(n)),
        Marker::U8 => Number::Int(i64::from(u8::from_be_bytes(r.be()?))),
        Marker::U16 => Number::Int(i64::from(u16::from_be_bytes(r.be()?))),
        Marker::U32 => Number::Int(i64::from(u32::from_be_bytes(r.be()?))),
        Marker::U64 => {
            let u = u64::from_be_bytes(r.be()?);
            i64::try_from(u).map_or_else(|_| Number::Big(u.to_string()), Number::Int)
        }
        Marker::I8 => Number::Int(i64::from(i8::from_be_bytes(r.be()?))),
        Marker::I16 => Number::Int(i64::from(i16::from_be_bytes(r.be()?))),
        Marker::I32 => Number::Int(i64::from(i32::from_be_bytes(r.be()?))),
        Marker::I64 => Number::Int(i64::from_be_bytes(r.be()?)),
        Marker::F32 => float(f64::from(f32::from_be_bytes(r.be()?)))?,
        Marker::F64 => float(f64::from_be_bytes(r.be()?))?,
        _ => match r.bytes_of(m)? {
            // cty writes numbers that fit neither i64 nor f64 exactly as decimal strings.
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(number::parse)
                .ok_or_else(|| Fail::new("number is required, found a string that is not a decimal number"))?,
            None => return Err(required(&Type::Number, m)),
        },
    })
}

fn float(f: f64) -> Res<Number> {
    if f.is_nan() {
        return Err(Fail::new("number is required, found NaN"));
    }
    Ok(Number::Float(f))
}

/// `[type JSON, value]`: the value's own type travels with it.
fn read_dynamic(r: &mut Reader<'_>, m: Marker, depth: usize) -> Res<Value> {
    let n = r.array_len(m, &Type::Dynamic)?;
    if n != 2 {
        return Err(Fail::new("a dynamic value must be a two-element array [type, value]"));
    }
    let m = r.marker()?;
    let type_bytes = r
        .bytes_of(m)?
        .ok_or_else(|| Fail::new("a dynamic value's type must be JSON in a string"))?;
    let json: serde_json::Value =
        serde_json::from_slice(type_bytes).map_err(|_| Fail::new("a dynamic value's type is not valid JSON"))?;
    let ty = type_json::read(&json, depth + 1)?;
    read_value(r, &ty, depth + 1)
}

// ---- encoding ----

fn io_fail<E>(_: E) -> Fail {
    Fail::new("msgpack write failed")
}

fn len_u32(n: usize) -> Res<u32> {
    u32::try_from(n).map_err(|_| Fail::new("too many elements for msgpack"))
}

fn write_value(v: &Value, ty: &Type, out: &mut Vec<u8>, depth: usize) -> Res<()> {
    use rmp::encode as w;
    check_depth(depth)?;
    match (v, ty) {
        (Value::Null, _) => w::write_nil(out).map_err(io_fail),
        (Value::Unknown, _) => {
            out.extend_from_slice(&UNKNOWN);
            Ok(())
        }
        (_, Type::Dynamic) => write_dynamic(v, out, depth),
        (Value::Bool(b), Type::Bool) => w::write_bool(out, *b).map_err(io_fail),
        (Value::Number(n), Type::Number) => write_number(n, out),
        (Value::String(s), Type::String) => w::write_str(out, s).map_err(io_fail),
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::List(t) | Type::Set(t)) => {
            w::write_array_len(out, len_u32(items.len())?).map_err(io_fail)?;
            for (i, item) in items.iter().enumerate() {
                write_value(item, t, out, depth + 1).at(|| Step::Index(i))?;
            }
            Ok(())
        }
        (Value::List(items) | Value::Tuple(items), Type::Tuple(ts)) => {
            if items.len() != ts.len() {
                return Err(Fail::new(format!(
                    "a tuple of {} elements is required, found {}",
                    ts.len(),
                    items.len()
                )));
            }
            w::write_array_len(out, len_u32(items.len())?).map_err(io_fail)?;
            for (i, (item, t)) in items.iter().zip(ts).enumerate() {
                write_value(item, t, out, depth + 1).at(|| Step::Index(i))?;
            }
            Ok(())
        }
        (Value::Map(m) | Value::Object(m), Type::Map(t)) => {
            w::write_map_len(out, len_u32(m.len())?).map_err(io_fail)?;
            for (k, item) in m {
                w::write_str(out, k).map_err(io_fail)?;
                write_value(item, t, out, depth + 1).at(|| Step::Key(k.clone()))?;
            }
            Ok(())
        }
        (Value::Object(m) | Value::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(Fail::new("unsupported attribute").with(Step::Attr(extra.clone())));
            }
            // Every attribute of the type, in sorted order; absent ones are null.
            w::write_map_len(out, len_u32(attrs.len())?).map_err(io_fail)?;
            for (name, aty) in attrs {
                w::write_str(out, name).map_err(io_fail)?;
                let item = m.get(name).unwrap_or(&Value::Null);
                write_value(item, aty, out, depth + 1).at(|| Step::Attr(name.clone()))?;
            }
            Ok(())
        }
        _ => Err(Fail::new(format!("{ty} is required, found {}", v.kind()))),
    }
}

fn write_number(n: &Number, out: &mut Vec<u8>) -> Res<()> {
    use rmp::encode as w;
    match n {
        Number::Int(i) => w::write_sint(out, *i).map(drop).map_err(io_fail),
        Number::Float(f) if f.is_nan() => Err(Fail::new("NaN is not a number Terraform accepts")),
        Number::Float(f) => w::write_f64(out, *f).map_err(io_fail),
        Number::Big(s) => {
            let text = number::big_text(s).ok_or_else(|| Fail::new("big number is not decimal text"))?;
            w::write_str(out, &text).map_err(io_fail)
        }
    }
}

/// Wraps a value whose type is dynamic as `[type JSON, value]`, with the type implied by the value.
fn write_dynamic(v: &Value, out: &mut Vec<u8>, depth: usize) -> Res<()> {
    use rmp::encode as w;
    let ty = implied_type(v, depth)?;
    let mut type_json = String::new();
    type_json::write(&ty, &mut type_json);
    w::write_array_len(out, 2).map_err(io_fail)?;
    // cty writes the type as bin; it reads str or bin.
    w::write_bin(out, type_json.as_bytes()).map_err(io_fail)?;
    write_value(v, &ty, out, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::Object(attrs.iter().map(|(k, t)| (k.to_string(), t.clone())).collect())
    }

    #[test]
    fn cty_fixtures_decode() {
        let a = obj(&[("a", Type::String)]);
        assert_eq!(
            decode(&[0x81, 0xa1, 0x61, 0xa1, 0x78], &a),
            Ok(Value::object([("a", Value::string("x"))]))
        );
        assert_eq!(decode(&UNKNOWN, &a), Ok(Value::Unknown));
        assert_eq!(decode(&[0xc0], &a), Ok(Value::Null));
        // A refined unknown string (extension 12, "not null" + prefix "ab").
        let refined = [0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
        assert_eq!(decode(&refined, &Type::String), Ok(Value::Unknown));
        assert_eq!(decode(&[0xd5, 0x0c, 0x81, 0x01], &Type::Number), Ok(Value::Unknown));
        // An empty object map still yields every attribute, as null.
        assert_eq!(decode(&[0x80], &a), Ok(Value::object([("a", Value::Null)])));
    }

    #[test]
    fn cty_fixtures_encode() {
        let a = obj(&[("a", Type::String)]);
        assert_eq!(
            encode(&Value::object([("a", Value::string("x"))]), &a).unwrap(),
            [0x81, 0xa1, 0x61, 0xa1, 0x78]
        );
        assert_eq!(encode(&Value::Unknown, &Type::String).unwrap(), UNKNOWN);
        // Absent attributes are written as nil, in sorted order.
        let ab = obj(&[("b", Type::Bool), ("a", Type::Number)]);
        assert_eq!(
            encode(&Value::object([("b", Value::Bool(true))]), &ab).unwrap(),
            [0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc3]
        );
        assert_eq!(encode(&Value::int(-1), &Type::Number).unwrap(), [0xff]);
        assert_eq!(encode(&Value::int(300), &Type::Number).unwrap(), [0xcd, 0x01, 0x2c]);
    }

    #[test]
    fn numbers_of_every_width() {
        let n = |b: &[u8]| decode(b, &Type::Number);
        assert_eq!(n(&[0x05]), Ok(Value::int(5)));
        assert_eq!(n(&[0xe0]), Ok(Value::int(-32)));
        assert_eq!(n(&[0xd0, 0x80]), Ok(Value::int(-128)));
        assert_eq!(
            n(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Ok(Value::Number(Number::Big("18446744073709551615".into())))
        );
        assert_eq!(n(&[0xca, 0x3f, 0xc0, 0, 0]), Ok(Value::Number(Number::Float(1.5))));
        assert_eq!(
            n(&[0xa3, b'0', b'.', b'1']),
            Ok(Value::Number(Number::Big("0.1".into())))
        );
        assert_eq!(n(&[0xa2, b'1', b'2']), Ok(Value::int(12)));
        assert_eq!(
            n(&[0xa1, b'x']).unwrap_err().0,
            "number is required, found a string that is not a decimal number"
        );
        assert!(n(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]).is_err(), "NaN");
    }

    #[test]
    fn dynamic_wraps_type_json() {
        // ["\"string\"" as bin, "x"]
        let mut want = vec![0x92, 0xc4, 8];
        want.extend_from_slice(b"\"string\"");
        want.extend_from_slice(&[0xa1, b'x']);
        assert_eq!(encode(&Value::string("x"), &Type::Dynamic).unwrap(), want);
        assert_eq!(decode(&want, &Type::Dynamic), Ok(Value::string("x")));
        // cty also accepts the type as a str.
        want[1] = 0xa8;
        want.remove(2);
        assert_eq!(decode(&want, &Type::Dynamic), Ok(Value::string("x")));
        assert_eq!(encode(&Value::Null, &Type::Dynamic).unwrap(), [0xc0]);
        assert_eq!(decode(&UNKNOWN, &Type::Dynamic), Ok(Value::Unknown));
    }

    #[test]
    fn mismatches_name_what_was_expected_and_where() {
        let ty = obj(&[("flag", Type::Bool)]);
        let err = decode(&[0x81, 0xa4, b'f', b'l', b'a', b'g', 0xa1, b'x'], &ty).unwrap_err();
        assert_eq!(err.0, "at .flag: bool is required, found a string");
        let err = encode(&Value::object([("flag", Value::string("secret"))]), &ty).unwrap_err();
        assert_eq!(err.0, "at .flag: bool is required, found string");
        assert!(!err.0.contains("secret"));
        let err = decode(&[0x81, 0xa1, b'z', 0xc0], &ty).unwrap_err();
        assert_eq!(err.0, "at .z: unsupported attribute");
    }

    #[test]
    fn hostile_input_is_refused() {
        // Truncated, huge declared lengths, trailing bytes, deep nesting.
        let list = Type::List(Box::new(Type::String));
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &list).is_err());
        assert!(decode(&[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], &Type::String).is_err());
        assert!(decode(&[0xc9, 0xff, 0xff, 0xff, 0xff, 0x00], &Type::String).is_err());
        assert!(decode(&[0xc0, 0xc0], &Type::String).is_err());
        assert!(decode(&[], &Type::String).is_err());
        let mut deep = Type::String;
        for _ in 0..200 {
            deep = Type::List(Box::new(deep));
        }
        let bytes = vec![0x91; 200];
        assert!(decode(&bytes, &deep).unwrap_err().0.contains("nested deeper"));
        // Nested dynamic wrappers are bounded too.
        let mut dynamic = Vec::new();
        for _ in 0..100 {
            dynamic.extend_from_slice(&[0x92, 0xa9]);
            dynamic.extend_from_slice(b"\"dynamic\"");
        }
        dynamic.push(0xc3);
        assert!(decode(&dynamic, &Type::Dynamic).is_err());
    }
}
