//! The control surface under `/_emulator/` (no auth): reset, admin tokens, clock, invitation
//! acceptance, faults, rate limit, call log and a secret-free dump of every key.

use std::sync::Arc;

use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use super::body;
use crate::app::{lock, App, Controls};
use crate::clock;
use crate::error::ApiError;
use crate::faults::FaultSpec;
use crate::store::Store;

pub async fn serve(app: &Arc<App>, req: Request<Incoming>) -> Response {
    let (parts, incoming) = req.into_parts();
    let result = match body::read(incoming).await {
        Ok(bytes) => handle(app, &parts.method, parts.uri.path(), &bytes),
        Err(e) => Err(e),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    set: Option<String>,
    advance_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateBody {
    per_minute: u32,
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let v = body::json(bytes)?;
    serde_json::from_value(v).map_err(|e| ApiError::invalid(format!("invalid control body: {e}")))
}

fn handle(app: &App, method: &Method, path: &str, bytes: &[u8]) -> Result<Response, ApiError> {
    let sub = path.strip_prefix("/_emulator").unwrap_or_default();
    let segs: Vec<&str> = sub.trim_end_matches('/').split('/').skip(1).collect();
    let now = app.clock.now();
    match (method.as_str(), segs.as_slice()) {
        ("POST", ["reset"]) => {
            *lock(&app.store) = Store::new();
            lock(&app.workload).reset();
            *lock(&app.controls) = Controls::default();
            app.clock.reset();
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("POST", ["tokens"]) => {
            let b: TokenBody = parse(bytes)?;
            if b.token.trim().is_empty() || b.token.contains(char::is_whitespace) {
                return Err(ApiError::invalid("token must be non-empty and hold no whitespace"));
            }
            lock(&app.tokens).insert(b.token);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("GET", ["clock"]) => Ok(clock_body(now)),
        ("POST", ["clock"]) => {
            let b: ClockBody = parse(bytes)?;
            let now = match (b.set, b.advance_seconds) {
                (Some(s), None) => app.clock.set(clock::parse(&s).map_err(ApiError::invalid)?),
                (None, Some(n)) => app.clock.advance(n),
                _ => return Err(ApiError::invalid("give exactly one of 'set' and 'advanceSeconds'")),
            }
            .map_err(ApiError::invalid)?;
            Ok(clock_body(now))
        }
        ("POST", ["accounts", id, "accept"]) => {
            let new_id = lock(&app.store).accept_invitation(id, now)?;
            Ok(Json(json!({ "id": new_id })).into_response())
        }
        ("POST", ["faults"]) => {
            let spec: FaultSpec = parse(bytes)?;
            let id = lock(&app.controls).faults.add(spec).map_err(ApiError::invalid)?;
            Ok(Json(json!({ "id": id })).into_response())
        }
        ("DELETE", ["faults"]) => {
            lock(&app.controls).faults.clear();
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("DELETE", ["faults", id]) => {
            let removed = id.parse().is_ok_and(|id| lock(&app.controls).faults.remove(id));
            if removed {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(ApiError::not_found("no such fault"))
            }
        }
        ("POST", ["rate-limit"]) => {
            let b: RateBody = parse(bytes)?;
            lock(&app.controls).rate_limit.set(b.per_minute);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("GET", ["calls"]) => Ok(Json(json!({ "items": lock(&app.controls).calls.all() })).into_response()),
        ("DELETE", ["calls"]) => {
            lock(&app.controls).calls.clear();
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("GET", ["keys"]) => Ok(Json(json!({ "items": lock(&app.store).internal_keys(now) })).into_response()),
        (m, ["workload", rest @ ..]) => crate::workload::control(app, m, rest)
            .ok_or_else(|| ApiError::not_found(format!("no such control: {method} {path}"))),
        _ => Err(ApiError::not_found(format!("no such control: {method} {path}"))),
    }
}

fn clock_body(now: clock::Ts) -> Response {
    Json(json!({ "now": clock::format(now) })).into_response()
}
