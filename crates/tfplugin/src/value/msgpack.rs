//! Terraform's msgpack encoding of values (requests and responses of plan/apply/read).
//! TO BE IMPLEMENTED (helper A2).

use super::{CodecError, Type, Value};

/// Decode `bytes` as a value of type `ty`.
pub fn decode(_bytes: &[u8], _ty: &Type) -> Result<Value, CodecError> {
    Err(CodecError("msgpack decoding not implemented yet".into()))
}

/// Encode `v` as a value of type `ty`.
pub fn encode(_v: &Value, _ty: &Type) -> Result<Vec<u8>, CodecError> {
    Err(CodecError("msgpack encoding not implemented yet".into()))
}
