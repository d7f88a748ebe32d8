//! Reading request bodies with the contract's 1 MB limit.

use std::future::poll_fn;
use std::pin::Pin;

use axum::body::Bytes;
use hyper::body::{Body, Incoming};

use crate::error::ApiError;

/// Largest accepted request body.
pub const MAX_BODY: usize = 1024 * 1024;
/// How much of an oversized body is drained (so the client reads our 413 rather than a reset).
const MAX_DRAIN: usize = 64 * 1024 * 1024;

/// Read the whole body; 413 when it is over [`MAX_BODY`].
pub async fn read(mut body: Incoming) -> Result<Bytes, ApiError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(_)) => return Err(ApiError::bad_body("the request body could not be read")),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen <= MAX_BODY {
                        buf.extend_from_slice(&data);
                    } else if seen > MAX_DRAIN {
                        break;
                    }
                }
            }
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError::too_large());
    }
    Ok(Bytes::from(buf))
}

/// Parse a JSON body; 400 on anything else.
pub fn json(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_body("a JSON request body is required"));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_body(format!("the request body is not valid JSON: {e}")))
}
