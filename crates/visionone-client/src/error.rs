//! The one error type of the client, and how HTTP answers become it.
//!
//! Every message is safe to show a user: it never holds the API key or a key's secret, and a
//! non-JSON body (a gateway's HTML page) is reduced to a short plain-text excerpt.

use std::fmt;

use visionone_api::{codes, ErrorBody};

/// How much of a non-JSON error body is kept for the message.
const EXCERPT_CHARS: usize = 200;

/// An error answer from the API, either for a whole request or for one item of a 207 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    pub status: u16,
    /// The API's error code (`NotFound`, `Conflict`...); `HTTP<status>` when the body had none.
    pub code: String,
    pub message: String,
    /// The `x-trace-id` response header, which Trend Micro support asks for.
    pub trace_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(t) = &self.trace_id {
            write!(f, " (x-trace-id: {t})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// An error the API answered with `status`, `code` and `message` (no trace id).
    pub fn new(status: u16, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            trace_id: None,
        }
    }

    /// Build from a status and a body that may be the contract's JSON, other JSON, HTML or text.
    pub fn from_body(status: u16, body: &[u8], trace_id: Option<String>) -> ApiError {
        if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
            return ApiError {
                status,
                code: parsed.error.code,
                message: parsed.error.message,
                trace_id,
            };
        }
        ApiError {
            status,
            code: format!("HTTP{status}"),
            message: excerpt(&String::from_utf8_lossy(body)),
            trace_id,
        }
    }

    /// Build from the `body` of one 207 entry (already parsed JSON, possibly absent).
    pub fn from_entry(status: u16, body: Option<&serde_json::Value>, trace_id: Option<String>) -> ApiError {
        match body.and_then(|b| serde_json::from_value::<ErrorBody>(b.clone()).ok()) {
            Some(parsed) => ApiError {
                status,
                code: parsed.error.code,
                message: parsed.error.message,
                trace_id,
            },
            None => ApiError {
                status,
                code: format!("HTTP{status}"),
                message: String::new(),
                trace_id,
            },
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }
}

/// How an API words its error bodies; whatever does not parse is kept as a text excerpt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    /// `{"error": {"code": "NotFound", "message": "..."}}` (Vision One).
    CodeAndMessage,
    /// `{"message": "..."}` (Workload Security); the code is `HTTP<status>`.
    Message,
}

#[derive(serde::Deserialize)]
struct MessageBody {
    message: String,
}

impl ErrorFormat {
    pub fn parse(self, status: u16, body: &[u8], trace_id: Option<String>) -> ApiError {
        match self {
            ErrorFormat::CodeAndMessage => ApiError::from_body(status, body, trace_id),
            ErrorFormat::Message => ApiError {
                status,
                code: format!("HTTP{status}"),
                message: match serde_json::from_slice::<MessageBody>(body) {
                    Ok(b) => b.message,
                    Err(_) => excerpt(&String::from_utf8_lossy(body)),
                },
                trace_id,
            },
        }
    }
}

/// Plain text from a body: tags and scripts removed, whitespace collapsed, at most 200 characters.
pub fn excerpt(body: &str) -> String {
    let mut text = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(EXCERPT_CHARS).collect();
    if collapsed.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// Everything a client call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The server answered with an error status.
    #[error("API error: {0}")]
    Api(#[from] ApiError),

    /// No usable answer: connection refused or reset, TLS failure (never retried), timeout.
    #[error("{}", transport_message(message, *timeout, *body_sent))]
    Transport {
        message: String,
        /// The deadline (`request_timeout`) ran out.
        timeout: bool,
        /// The request may have reached the server, so it may have taken effect.
        body_sent: bool,
    },

    /// The caller cancelled the call.
    #[error("request cancelled{}", if *in_flight { " while a request was in flight" } else { "" })]
    Cancelled { in_flight: bool },

    /// A success answer whose body does not have the expected shape.
    #[error("unexpected answer from the API ({what}): {message}{}", trace_suffix(trace_id))]
    Decode {
        what: String,
        message: String,
        trace_id: Option<String>,
    },

    /// The server broke the contract in a way that is not a decode error (missing id, foreign nextLink...).
    #[error("unexpected answer from the API: {0}")]
    Protocol(String),

    /// Bad client configuration or input, detected before any request.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// The request was sent more than once; `source` is the last outcome (retries ran out, the
    /// deadline came, or the server gave a final answer to a retry).
    #[error("{source} (after {attempts} attempts)")]
    Retried { attempts: u32, source: Box<Error> },

    /// A create failed ambiguously and the client could not find out whether the object exists.
    #[error(
        "{object} may have been created on the server; check the tenant (and delete it if present) before retrying: \
         {source}{}", lookup_failure.as_ref().map(|l| format!("; looking it up failed too: {l}")).unwrap_or_default()
    )]
    MaybeCreated {
        object: String,
        source: Box<Error>,
        /// Why the client could not find out (the lookup's own error), if it tried.
        lookup_failure: Option<Box<Error>>,
    },

    /// A create failed and the client made sure nothing was left on the server.
    #[error("creating {object} failed (nothing was left on the server): {source}")]
    CreateFailed { object: String, source: Box<Error> },

    /// A sign-in session was refused (it idled out or ended) and signing in again did not help:
    /// `sign_in` is why, when it was tried. `source` is the refusal (401).
    #[error(
        "the sign-in session expired or ended{}: {source}",
        sign_in.as_ref().map(|e| format!(" and signing in again failed ({e})")).unwrap_or_default()
    )]
    SessionExpired {
        source: Box<Error>,
        sign_in: Option<Box<Error>>,
    },
}

fn transport_message(message: &str, timeout: bool, body_sent: bool) -> String {
    let what = if timeout {
        "request timed out"
    } else {
        "connection failed"
    };
    let sent = if body_sent { "" } else { " before the request was sent" };
    if message.is_empty() {
        format!("{what}{sent}")
    } else {
        format!("{what}{sent}: {message}")
    }
}

fn trace_suffix(trace_id: &Option<String>) -> String {
    trace_id
        .as_ref()
        .map(|t| format!(" (x-trace-id: {t})"))
        .unwrap_or_default()
}

impl Error {
    /// The innermost error, through `Retried` / `MaybeCreated` / `CreateFailed` wrappers.
    pub fn root(&self) -> &Error {
        match self {
            Error::Retried { source, .. }
            | Error::MaybeCreated { source, .. }
            | Error::CreateFailed { source, .. }
            | Error::SessionExpired { source, .. } => source.root(),
            other => other,
        }
    }

    pub fn api(&self) -> Option<&ApiError> {
        match self.root() {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// The API's error code (`NotFound`, `Conflict`, ...).
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }

    pub fn trace_id(&self) -> Option<&str> {
        match self.root() {
            Error::Api(e) => e.trace_id.as_deref(),
            Error::Decode { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412) || self.code() == Some(codes::PRECONDITION_FAILED)
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self.root(), Error::Cancelled { .. })
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self.root(), Error::Transport { timeout: true, .. })
    }

    /// True when a sign-in session was refused and could not be renewed (not a key's fault).
    pub fn is_session_expired(&self) -> bool {
        match self {
            Error::SessionExpired { .. } => true,
            Error::Retried { source, .. } | Error::MaybeCreated { source, .. } | Error::CreateFailed { source, .. } => {
                source.is_session_expired()
            }
            _ => false,
        }
    }

    /// True when the object a create call named may exist on the server anyway.
    pub fn may_have_created(&self) -> bool {
        matches!(self, Error::MaybeCreated { .. })
    }

    /// A failure of a request that was sent more than once: an earlier attempt may have applied.
    pub(crate) fn after_retry(&self) -> bool {
        matches!(self, Error::Retried { .. })
    }

    /// A failure after which a non-idempotent request may or may not have taken effect.
    pub(crate) fn is_ambiguous(&self) -> bool {
        match self.root() {
            Error::Transport { body_sent, .. } => *body_sent,
            Error::Cancelled { in_flight } => *in_flight,
            Error::Api(e) => e.status >= 500,
            Error::Decode { .. } => false,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_body() {
        let body = br#"{"error":{"code":"NotFound","message":"API key not found","innererror":{"code":"x"}}}"#;
        let e = ApiError::from_body(404, body, Some("abc-123".into()));
        assert_eq!(e.code, "NotFound");
        assert_eq!(e.message, "API key not found");
        let shown = Error::Api(e).to_string();
        assert!(shown.contains("404"), "{shown}");
        assert!(shown.contains("NotFound"), "{shown}");
        assert!(shown.contains("x-trace-id: abc-123"), "{shown}");
    }

    #[test]
    fn html_error_body_reads_well() {
        let mut body = String::from("<html><head><title>502 Bad Gateway</title><style>p{}</style></head><body>");
        body.push_str(&"<p>upstream   failed</p>\n".repeat(40));
        body.push_str("</body></html>");
        let e = ApiError::from_body(502, body.as_bytes(), None);
        assert_eq!(e.code, "HTTP502");
        assert!(!e.message.contains('<'), "{}", e.message);
        assert!(e.message.starts_with("502 Bad Gateway"), "{}", e.message);
        assert!(e.message.chars().count() <= EXCERPT_CHARS + 1);
        assert!(!e.message.contains("  "));
        let shown = Error::Api(e).to_string();
        assert!(shown.contains("HTTP 502"), "{shown}");
        assert!(!shown.contains("x-trace-id"));
    }

    #[test]
    fn non_contract_json_and_empty_body() {
        let e = ApiError::from_body(500, br#"{"oops":true}"#, None);
        assert_eq!(e.code, "HTTP500");
        assert_eq!(e.message, r#"{"oops":true}"#);
        let e = ApiError::from_body(503, b"", None);
        assert_eq!(e.to_string(), "HTTP 503 HTTP503");
    }

    #[test]
    fn message_format_for_workload_security() {
        let e = ErrorFormat::Message.parse(404, br#"{"message":"The API key does not exist."}"#, None);
        assert_eq!((e.status, e.code.as_str()), (404, "HTTP404"));
        assert_eq!(e.message, "The API key does not exist.");
        let e = ErrorFormat::Message.parse(502, b"<html><body>Bad gateway</body></html>", None);
        assert_eq!(e.message, "Bad gateway");
        let e = ErrorFormat::CodeAndMessage.parse(409, br#"{"error":{"code":"Conflict","message":"taken"}}"#, None);
        assert_eq!(e.code, "Conflict");
    }

    #[test]
    fn entry_errors() {
        let v = serde_json::json!({"error":{"code":"Conflict","message":"name taken"}});
        let e = ApiError::from_entry(409, Some(&v), None);
        assert_eq!((e.status, e.code.as_str()), (409, "Conflict"));
        let e = ApiError::from_entry(400, None, None);
        assert_eq!(e.code, "HTTP400");
    }

    #[test]
    fn predicates_look_through_wrappers() {
        let api = ApiError::from_body(
            412,
            br#"{"error":{"code":"PreconditionFailed","message":"stale"}}"#,
            None,
        );
        let e = Error::Retried {
            attempts: 3,
            source: Box::new(Error::Api(api)),
        };
        assert!(e.is_precondition_failed());
        assert_eq!(e.code(), Some("PreconditionFailed"));
        assert!(!e.is_not_found());
        let m = Error::MaybeCreated {
            object: "API key 'ci'".into(),
            source: Box::new(Error::Transport {
                message: "reset".into(),
                timeout: false,
                body_sent: true,
            }),
            lookup_failure: None,
        };
        assert!(m.to_string().contains("API key 'ci' may have been created"), "{m}");
        assert!(m.is_ambiguous());
        let c = Error::Transport {
            message: String::new(),
            timeout: false,
            body_sent: false,
        };
        assert!(!c.is_ambiguous());
        assert!(c.to_string().contains("before the request was sent"));
    }
}
