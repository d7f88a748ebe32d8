//! The `/v3.0` API: rate limit, body limit, authentication, routing, permission check, then the
//! handler (faults and the call log come from `pipeline`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::header::{ETAG, IF_MATCH, LOCATION, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hyper::body::Incoming;
use visionone_api::{
    codes, Health, IdBody, IdRef, MultiStatusEntry, Page, PermissionKey, RolePermissions, MAX_BATCH,
    MAX_FILTER_LEN_ACCOUNTS, MAX_FILTER_LEN_KEYS,
};

use super::body;
use super::pipeline::{BatchItems, CallerKey, Surface};
use super::routes::{self, Miss, Route};
use crate::app::{lock, App};
use crate::clock::Ts;
use crate::error::ApiError;
use crate::list::{self, filter_header, ListParams, Paged};
use crate::permissions;
use crate::store::{
    Principal, ACCOUNT_FILTER_FIELDS, ACCOUNT_ORDER_FIELDS, KEY_FILTER_FIELDS, KEY_ORDER_FIELDS, ROLE_FILTER_FIELDS,
    ROLE_ORDER_FIELDS,
};

/// The Vision One API as a [`Surface`]: its errors are `{"error": {"code", "message"}}`.
pub struct V1;

impl Surface for V1 {
    fn process(app: &Arc<App>, req: Request<Incoming>) -> impl std::future::Future<Output = Response> + Send {
        process(app, req)
    }

    fn error(status: StatusCode, code: &'static str, message: &str) -> Response {
        ApiError::new(status, code, message).into_response()
    }
}

/// Everything a handler needs about one authenticated call.
struct Ctx<'a> {
    app: &'a App,
    parts: &'a Parts,
    query: HashMap<String, String>,
    body: Bytes,
    now: Ts,
}

impl Ctx<'_> {
    fn json(&self) -> Result<serde_json::Value, ApiError> {
        body::json(&self.body)
    }

    fn if_match(&self) -> Result<Option<&str>, ApiError> {
        self.parts
            .headers
            .get(IF_MATCH)
            .map(|v| v.to_str().map_err(|_| ApiError::invalid("If-Match must be ASCII text")))
            .transpose()
    }

    fn list_params(&self, order: &[&str], default: (&str, bool)) -> Result<ListParams, ApiError> {
        ListParams::parse(&self.query, order, default)
    }

    fn next_link(&self, p: &ListParams, next: &Option<list::SortKey>) -> Option<String> {
        next.as_ref().map(|n| {
            list::next_link(
                &self.parts.headers,
                &self.app.local.to_string(),
                self.parts.uri.path(),
                p,
                n,
            )
        })
    }
}

async fn process(app: &Arc<App>, req: Request<Incoming>) -> Response {
    match try_process(app, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn try_process(app: &Arc<App>, req: Request<Incoming>) -> Result<Response, ApiError> {
    if let Err(wait) = lock(&app.controls).rate_limit.check(Instant::now()) {
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::TOO_MANY_REQUESTS,
            "Too many API requests",
        )
        .into_response();
        resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from(wait.max(1)));
        return Ok(resp);
    }
    let (parts, incoming) = req.into_parts();
    let body = body::read(incoming).await?;
    let now = app.clock.now();
    let principal = authenticate(app, &parts, now)?;
    // The call log names the API key that made a call (tests check who used which key).
    let key = match &principal {
        Principal::Key(id) => Some(CallerKey(id.clone())),
        Principal::Admin => None,
    };
    let mut resp = authorized(app, parts, body, now, principal).unwrap_or_else(|e| e.into_response());
    if let Some(k) = key {
        resp.extensions_mut().insert(k);
    }
    Ok(resp)
}

/// A call whose credential is good: route, permission, dispatch.
fn authorized(app: &Arc<App>, parts: Parts, body: Bytes, now: Ts, principal: Principal) -> Result<Response, ApiError> {
    let sub = parts.uri.path().strip_prefix("/v3.0").unwrap_or_default();
    let route = routes::route(&parts.method, sub).map_err(|m| match m {
        Miss::NotFound => ApiError::not_found(format!("no such API: {} {}", parts.method, parts.uri.path())),
        Miss::MethodNotAllowed => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{} is not allowed on {}", parts.method, parts.uri.path()),
        ),
    })?;
    if let Some(p) = route.permission() {
        if !lock(&app.store).allows(&principal, p) {
            return Err(ApiError::access_denied(p));
        }
    }
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map_err(|_| ApiError::invalid("the query string is malformed"))?
        .0;
    let ctx = Ctx {
        app,
        parts: &parts,
        query,
        body,
        now,
    };
    dispatch(&ctx, route)
}

/// The bearer credential: an admin token, or an enabled, unexpired API key (whose use is recorded).
fn authenticate(app: &App, parts: &Parts, now: Ts) -> Result<Principal, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(ApiError::unauthorized)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized());
    }
    if lock(&app.tokens).contains(token) {
        return Ok(Principal::Admin);
    }
    lock(&app.store)
        .authenticate_key(token, now)
        .map(Principal::Key)
        .ok_or_else(ApiError::unauthorized)
}

fn dispatch(ctx: &Ctx, route: Route) -> Result<Response, ApiError> {
    match route {
        Route::Health => Ok(Json(Health {
            status: "available".into(),
        })
        .into_response()),
        Route::KeysList => keys_list(ctx),
        Route::KeysCreate => keys_create(ctx),
        Route::KeysDelete => keys_delete(ctx),
        Route::KeyGet(id) => {
            let (key, etag) = lock(&ctx.app.store).get_key(&id)?;
            Ok(with_etag(Json(key).into_response(), &etag))
        }
        Route::KeyPatch(id) => {
            let body = ctx.json()?;
            lock(&ctx.app.store).patch_key(&id, ctx.if_match()?, &body, ctx.now)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Route::RolesList => {
            let p = ctx.list_params(ROLE_ORDER_FIELDS, ("lastUpdatedDateTime", true))?;
            let f = filter_header(&ctx.parts.headers, ROLE_FILTER_FIELDS, MAX_FILTER_LEN_KEYS)?;
            let pg = lock(&ctx.app.store).list_roles(f.as_ref(), &p);
            Ok(page_response(ctx, &p, pg, false))
        }
        Route::RoleCreate => {
            let body = ctx.json()?;
            let id = lock(&ctx.app.store).create_role(&body, ctx.now)?;
            Ok(created(&format!("/v3.0/iam/roles/{id}"), id))
        }
        Route::PermissionKeys => {
            let items: Vec<PermissionKey> = permissions::CATALOGUE
                .iter()
                .map(|(k, d)| PermissionKey {
                    key: k.to_string(),
                    description: Some(d.to_string()),
                })
                .collect();
            Ok(Json(serde_json::json!({ "items": items })).into_response())
        }
        Route::RoleGet(id) => {
            let (role, etag) = lock(&ctx.app.store).get_role(&id)?;
            Ok(with_etag(Json(role).into_response(), &etag))
        }
        Route::RolePermissions(id) => {
            let permission_keys = lock(&ctx.app.store).role_permissions(&id)?;
            Ok(Json(RolePermissions { permission_keys }).into_response())
        }
        Route::RolePatch(id) => {
            let body = ctx.json()?;
            lock(&ctx.app.store).patch_role(&id, ctx.if_match()?, &body, ctx.now)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Route::RoleDelete(id) => {
            lock(&ctx.app.store).delete_role(&id)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Route::AccountsList => {
            let p = ctx.list_params(ACCOUNT_ORDER_FIELDS, ("createdDateTime", false))?;
            let f = filter_header(&ctx.parts.headers, ACCOUNT_FILTER_FIELDS, MAX_FILTER_LEN_ACCOUNTS)?;
            let pg = lock(&ctx.app.store).list_accounts(f.as_ref(), &p);
            Ok(page_response(ctx, &p, pg, false))
        }
        Route::AccountInvite => {
            let body = ctx.json()?;
            let id = lock(&ctx.app.store).invite_account(&body, ctx.now)?;
            Ok(created(&format!("/v3.0/iam/accounts/{id}"), id))
        }
        Route::AccountGet(id) => Ok(Json(lock(&ctx.app.store).get_account(&id)?).into_response()),
        Route::AccountPatch(id) => {
            let body = ctx.json()?;
            lock(&ctx.app.store).patch_account(&id, &body)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Route::AccountDelete(id) => {
            lock(&ctx.app.store).delete_account(&id)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

fn keys_list(ctx: &Ctx) -> Result<Response, ApiError> {
    let p = ctx.list_params(KEY_ORDER_FIELDS, ("createdDateTime", false))?;
    let f = filter_header(&ctx.parts.headers, KEY_FILTER_FIELDS, MAX_FILTER_LEN_KEYS)?;
    let pg = lock(&ctx.app.store).list_keys(f.as_ref(), &p);
    Ok(page_response(ctx, &p, pg, true))
}

/// The items of a batch body: a JSON array of 1..=50 entries.
fn batch(ctx: &Ctx) -> Result<Vec<serde_json::Value>, ApiError> {
    match ctx.json()? {
        serde_json::Value::Array(items) if items.is_empty() => Err(ApiError::invalid("the batch is empty")),
        serde_json::Value::Array(items) if items.len() > MAX_BATCH => Err(ApiError::invalid(format!(
            "a batch holds at most {MAX_BATCH} items, not {}",
            items.len()
        ))),
        serde_json::Value::Array(items) => Ok(items),
        _ => Err(ApiError::bad_body("the request body must be a JSON array")),
    }
}

fn keys_create(ctx: &Ctx) -> Result<Response, ApiError> {
    let items = batch(ctx)?;
    let mut store = lock(&ctx.app.store);
    let entries: Vec<MultiStatusEntry> = items
        .iter()
        .map(|item| match store.create_key(item, ctx.now) {
            Ok(created) => MultiStatusEntry {
                status: 201,
                body: serde_json::to_value(created).ok(),
            },
            Err(e) => entry_error(&e),
        })
        .collect();
    drop(store);
    Ok(multi_status(entries))
}

fn keys_delete(ctx: &Ctx) -> Result<Response, ApiError> {
    let items = batch(ctx)?;
    let mut store = lock(&ctx.app.store);
    let entries: Vec<MultiStatusEntry> = items
        .into_iter()
        .map(|item| match serde_json::from_value::<IdRef>(item) {
            Err(_) => entry_error(&ApiError::invalid("each item must be {\"id\": \"...\"}")),
            Ok(r) if store.delete_key(&r.id) => MultiStatusEntry {
                status: 204,
                body: None,
            },
            Ok(r) => entry_error(&ApiError::not_found(format!(
                "API key '{}' not found",
                r.id.chars().take(64).collect::<String>()
            ))),
        })
        .collect();
    drop(store);
    Ok(multi_status(entries))
}

fn entry_error(e: &ApiError) -> MultiStatusEntry {
    MultiStatusEntry {
        status: e.status.as_u16(),
        body: Some(e.body()),
    }
}

fn multi_status(entries: Vec<MultiStatusEntry>) -> Response {
    let items = BatchItems(entries.len());
    let mut resp = (StatusCode::MULTI_STATUS, Json(entries)).into_response();
    resp.extensions_mut().insert(items);
    resp
}

/// A list page; `counts` adds `count` and `totalCount` (the keys endpoint has them).
fn page_response<T: serde::Serialize>(ctx: &Ctx, p: &ListParams, pg: Paged<T>, counts: bool) -> Response {
    let next_link = ctx.next_link(p, &pg.next);
    let count = pg.items.len() as u64;
    Json(Page {
        items: pg.items,
        count: counts.then_some(count),
        total_count: counts.then_some(pg.total as u64),
        next_link,
    })
    .into_response()
}

/// 201 with `Location` and `{"id"}`.
fn created(location: &str, id: String) -> Response {
    let mut resp = (StatusCode::CREATED, Json(IdBody { id })).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

fn with_etag(mut resp: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        resp.headers_mut().insert(ETAG, v);
    }
    resp
}
