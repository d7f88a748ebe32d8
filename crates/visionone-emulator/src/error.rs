//! The one error type of every handler, turned into the contract's `{"error":{"code","message"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use visionone_api::{codes, ErrorBody};

/// An API error: HTTP status, contract error code and a message for humans (never a secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `InvalidParameterValue`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_PARAMETER_VALUE, message)
    }

    /// 400 `InvalidOperation`.
    pub fn invalid_operation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_OPERATION, message)
    }

    /// 400 `BadRequest` for a body that is not the JSON expected.
    pub fn bad_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, codes::CONFLICT, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::INVALID_CREDENTIALS,
            "The API key is missing, unknown, disabled or expired",
        )
    }

    pub fn access_denied(permission: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            codes::ACCESS_DENIED,
            format!("The role of this credential lacks the permission '{permission}'"),
        )
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            codes::PRECONDITION_FAILED,
            "If-Match does not match the current ETag: the object changed since it was read",
        )
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::REQUEST_ENTITY_TOO_LARGE,
            "The request body is larger than 1 MB",
        )
    }

    /// The JSON body of this error, as used inside 207 entries.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(ErrorBody::new(self.code, self.message.clone())).unwrap_or(serde_json::Value::Null)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody::new(self.code, self.message))).into_response()
    }
}
