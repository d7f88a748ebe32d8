//! HTTP front: splits the Vision One API (`/v3.0`) and the Workload Security API (`/api`) from the
//! control surface (`/_emulator/`) and stamps every answer with `x-trace-id` and a `Date` from the
//! emulator clock.

mod api;
mod body;
mod control;
pub(crate) mod pipeline;
mod routes;

pub(crate) use body::{json as json_body, read as read_body};

use std::sync::Arc;

use axum::http::header::DATE;
use axum::http::{HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;

use crate::app::App;
use crate::clock;
use crate::error::ApiError;

/// Marker put in a response's extensions: close the connection instead of sending it.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response {
    let path = req.uri().path();
    let mut resp = if path == "/v3.0" || path.starts_with("/v3.0/") {
        pipeline::serve::<api::V1>(&app, req).await
    } else if path == "/api" || path.starts_with("/api/") {
        pipeline::serve::<crate::workload::Workload>(&app, req).await
    } else if path.starts_with("/_emulator/") {
        control::serve(&app, req).await
    } else {
        ApiError::not_found(format!("no such path: {path}")).into_response()
    };
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&clock::http_date(app.clock.now())) {
        headers.insert(DATE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&crate::store::new_id()) {
        headers.insert("x-trace-id", v);
    }
    resp
}
