//! What every API surface shares: pick an injected fault, apply it, log the call. The Vision One
//! API (`/v3.0`) and the Workload Security API (`/api`) differ only in how they serve a call and
//! how their errors look, which is the [`Surface`] each gives.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use visionone_api::codes;

use super::{body, DropConnection};
use crate::app::{lock, App};
use crate::call_log::Call;
use crate::faults::{FaultKind, Hit};

/// One API served by the emulator.
pub trait Surface {
    /// Serve a call normally.
    fn process(app: &Arc<App>, req: Request<Incoming>) -> impl Future<Output = Response> + Send;
    /// An error answer in this API's shape (for injected 429, 500 and 503).
    fn error(status: StatusCode, code: &'static str, message: &str) -> Response;
}

/// How many items a batch call carried, for the call log (benchmarks read batch sizes from it).
#[derive(Clone, Copy)]
pub struct BatchItems(pub usize);

/// The id of the API key a call authenticated with (none for an admin token), for the call log.
#[derive(Clone)]
pub struct CallerKey(pub String);

/// Serve one API call, applying any injected fault, and log it.
pub async fn serve<S: Surface>(app: &Arc<App>, req: Request<Incoming>) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let hit = lock(&app.controls).faults.pick(&method, &path);
    let (resp, fault) = match hit {
        None => (S::process(app, req).await, None),
        Some(Hit { kind, latency_ms }) => (apply_fault::<S>(app, req, kind, latency_ms).await, Some(kind.name())),
    };
    let dropped = resp.extensions().get::<DropConnection>().is_some();
    let status = if dropped && fault != Some("lost-answer") {
        0
    } else {
        resp.status().as_u16()
    };
    let items = resp.extensions().get::<BatchItems>().map(|b| b.0);
    let key = resp.extensions().get::<CallerKey>().map(|k| k.0.clone());
    lock(&app.controls).calls.push(Call {
        method,
        path,
        status,
        fault,
        items,
        key,
    });
    resp
}

async fn apply_fault<S: Surface>(app: &Arc<App>, req: Request<Incoming>, kind: FaultKind, latency_ms: u64) -> Response {
    match kind {
        FaultKind::Latency => {
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
            S::process(app, req).await
        }
        FaultKind::LostAnswer => {
            let mut resp = S::process(app, req).await;
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        FaultKind::Drop => {
            // Take the whole request first, so the client has sent it and cannot tell whether it ran.
            let _ = body::read(req.into_body()).await;
            let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        FaultKind::TooManyRequests | FaultKind::TooManyRequestsNoRetryAfter => {
            let mut resp = S::error(
                StatusCode::TOO_MANY_REQUESTS,
                codes::TOO_MANY_REQUESTS,
                "Too many API requests",
            );
            if kind == FaultKind::TooManyRequests {
                resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            resp
        }
        FaultKind::InternalError => S::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_SERVER_ERROR,
            "Injected internal server error",
        ),
        FaultKind::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )
            .into_response(),
        FaultKind::Unavailable => S::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable",
        ),
    }
}
