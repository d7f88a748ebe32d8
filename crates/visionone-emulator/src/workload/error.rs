//! The Workload Security API's one error type, answered as `{"message": "..."}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use visionone_api::workload::{ErrorBody, KEY_NOT_FOUND};

use crate::error::ApiError;

/// An HTTP status and a message for humans (never a secret).
#[derive(Debug, Clone, PartialEq)]
pub struct WsError {
    pub status: StatusCode,
    pub message: String,
}

impl WsError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        WsError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A wrong, deleted or missing credential.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// A known credential that may not do this (expired, locked out, or lacking the right).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn key_not_found() -> Self {
        Self::not_found(KEY_NOT_FOUND)
    }

    /// `Invalid SearchFilter: ...`.
    pub fn filter(message: impl std::fmt::Display) -> Self {
        Self::bad_request(format!("Invalid SearchFilter: {message}"))
    }
}

/// The body reader and JSON parser are shared with the Vision One API: keep their status and message.
impl From<ApiError> for WsError {
    fn from(e: ApiError) -> Self {
        WsError::new(e.status, e.message)
    }
}

impl IntoResponse for WsError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { message: self.message })).into_response()
    }
}
