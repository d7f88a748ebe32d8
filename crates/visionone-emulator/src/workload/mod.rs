//! The Server & Workload Protection / Workload Security API under `/api`
//! (`docs/contract/workload-security-api.md` §6), beside the Vision One one: the `api-version: v1`
//! header, key secrets in `api-secret-key` or `Authorization: ApiKey`, sessions, role rights,
//! millisecond times and search filters. The clock, injected faults, rate limit and call log are
//! the Vision One side's (`http::pipeline`).

mod auth;
mod error;
mod keys;
mod roles;
mod routes;
mod search;

pub use auth::WorkloadLogin;

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use visionone_api::workload::{
    ApiKeys, Roles, SearchFilter, SessionRequest, API_VERSION, API_VERSION_HEADER, SESSION_COOKIE, VERSION_HEADER,
};

use crate::app::{lock, App};
use crate::http::pipeline::Surface;
use crate::http::{json_body, read_body};
use auth::{Caller, Credential, Sessions};
use error::WsError;
use keys::KeyRec;
use routes::{Miss, Need, Route};
use search::{Kind, Search, Val};

/// The manager version the emulator claims (`X-DSM-Version`): the SDK release it answers like.
const DSM_VERSION: &str = "20.0.463";

/// The Workload Security API's data: keys, sessions and the sign-in it accepts.
#[derive(Default)]
pub struct State {
    keys: BTreeMap<i64, KeyRec>,
    key_by_secret: HashMap<String, i64>,
    next_key_id: i64,
    sessions: Sessions,
    login: Option<WorkloadLogin>,
}

/// What `--state` keeps of this API: the keys with their secrets (sessions end with the process).
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub next_key_id: i64,
    pub keys: Vec<KeyRec>,
}

impl State {
    pub fn new(login: Option<WorkloadLogin>) -> Self {
        State {
            login,
            ..State::default()
        }
    }

    /// Rebuild from a saved snapshot; keys whose id or secret clash with an earlier one, or whose
    /// role is gone, are dropped.
    pub fn restore(login: Option<WorkloadLogin>, snap: Snapshot) -> Self {
        let mut s = State::new(login);
        s.next_key_id = snap.next_key_id;
        for k in snap.keys {
            let clash = s.keys.contains_key(&k.id) || s.key_by_secret.contains_key(&k.secret);
            if !clash && roles::get(k.role_id).is_some() {
                s.insert_key(k);
            }
        }
        s
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            next_key_id: self.next_key_id,
            keys: self.keys.values().cloned().collect(),
        }
    }

    /// `/_emulator/reset`: no keys, no sessions; the sign-in stays.
    pub fn reset(&mut self) {
        *self = State::new(self.login.take());
    }
}

/// The `/api` surface for `http::pipeline`.
pub struct Workload;

impl Surface for Workload {
    fn process(app: &Arc<App>, req: Request<Incoming>) -> impl std::future::Future<Output = Response> + Send {
        process(app, req)
    }

    fn error(status: StatusCode, _code: &'static str, message: &str) -> Response {
        with_version(WsError::new(status, message).into_response())
    }
}

fn with_version(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static(DSM_VERSION));
    resp
}

async fn process(app: &Arc<App>, req: Request<Incoming>) -> Response {
    let resp = match try_process(app, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    with_version(resp)
}

/// Rate limit, body, version header, route, credential, right, then the handler.
async fn try_process(app: &Arc<App>, req: Request<Incoming>) -> Result<Response, WsError> {
    if lock(&app.controls).rate_limit.check(Instant::now()).is_err() {
        // The contract documents no Retry-After here, so none is sent.
        return Err(WsError::new(StatusCode::TOO_MANY_REQUESTS, "Too many API requests"));
    }
    let (parts, incoming) = req.into_parts();
    let body = read_body(incoming).await?;
    match parts.headers.get(API_VERSION_HEADER).map(|v| v.to_str().unwrap_or("?")) {
        Some(API_VERSION) => {}
        None => {
            return Err(WsError::bad_request(
                "The api-version header is required (api-version: v1)",
            ))
        }
        Some(other) => {
            return Err(WsError::bad_request(format!(
                "Unsupported api-version '{}': this manager speaks v1",
                other.chars().take(32).collect::<String>()
            )))
        }
    }
    let sub = parts.uri.path().strip_prefix("/api").unwrap_or_default();
    let (route, need) = routes::route(parts.method.as_str(), sub).map_err(|m| match m {
        Miss::NotFound => WsError::not_found(format!("no such API: {} {}", parts.method, parts.uri.path())),
        Miss::MethodNotAllowed => WsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{} is not allowed on {}", parts.method, parts.uri.path()),
        ),
    })?;
    let now = app.clock.now_ms();
    let cred = match need {
        Need::Nothing => None,
        _ => Some(auth::credential(&parts.headers)?),
    };
    let admin = matches!(&cred, Some(Credential::Secret(s)) if lock(&app.tokens).contains(s));
    let mut st = lock(&app.workload);
    let caller = match cred {
        None => None,
        Some(_) if admin => Some(Caller::Token),
        Some(cred) => Some(st.authenticate(cred, now)?),
    };
    if let Some(c) = &caller {
        let granted = c.role(&st).map_or(Some(false), |r| need.granted_by(r));
        if granted == Some(false) {
            return Err(WsError::forbidden(format!("Not authorized to {}", need.doing())));
        }
    }
    let ctx = Ctx {
        body: &body,
        now,
        caller,
    };
    dispatch(&mut st, &ctx, route)
}

/// One authenticated call.
struct Ctx<'a> {
    body: &'a [u8],
    now: i64,
    caller: Option<Caller>,
}

impl Ctx<'_> {
    fn json(&self) -> Result<serde_json::Value, WsError> {
        Ok(json_body(self.body)?)
    }

    /// A search body; none (or an empty one) searches everything.
    fn filter(&self) -> Result<Option<SearchFilter>, WsError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(self.body).map(Some).map_err(WsError::filter)
    }

    /// The key making the call (the `current` routes).
    fn own_key(&self) -> Result<i64, WsError> {
        match self.caller {
            Some(Caller::Key(id)) => Ok(id),
            _ => Err(WsError::not_found(
                "The caller is not an API key (it is the emulator's admin token or a session)",
            )),
        }
    }
}

fn key_id(s: &str) -> Result<i64, WsError> {
    s.parse().map_err(|_| WsError::key_not_found())
}

fn ok<T: Serialize>(v: T) -> Result<Response, WsError> {
    Ok(Json(v).into_response())
}

fn dispatch(st: &mut State, ctx: &Ctx, route: Route) -> Result<Response, WsError> {
    match route {
        Route::KeysList => ok(ApiKeys {
            api_keys: st.list_keys(),
        }),
        Route::KeyCreate => ok(st.create_key(&ctx.json()?, ctx.now)?),
        Route::KeysSearch => {
            let search = State::compile_key_search(ctx.filter()?)?;
            ok(ApiKeys {
                api_keys: st.search_keys(&search),
            })
        }
        Route::KeyGet(id) => ok(st.key(key_id(&id)?)?.view(false)),
        Route::KeyModify(id) => ok(st.modify_key(key_id(&id)?, &ctx.json()?, false)?),
        Route::KeyDelete(id) => {
            st.delete_key(key_id(&id)?)?;
            Ok(StatusCode::OK.into_response())
        }
        Route::KeySecret(id) => ok(st.new_key_secret(key_id(&id)?)?),
        Route::CurrentGet => ok(st.key(ctx.own_key()?)?.view(false)),
        Route::CurrentModify => ok(st.modify_key(ctx.own_key()?, &ctx.json()?, true)?),
        Route::CurrentSecret => ok(st.new_key_secret(ctx.own_key()?)?),
        Route::RolesList => ok(Roles {
            roles: roles::ROLES.iter().map(roles::RoleDef::view).collect(),
        }),
        Route::RolesSearch => {
            let search = Search::compile(ctx.filter()?, &role_field)?;
            let rows = roles::ROLES
                .iter()
                .filter(|r| {
                    search.matches(r.id, &|f| match f {
                        "name" => Val::Str(Some(r.name)),
                        "description" => Val::Str(Some(r.description)),
                        "immutable" => Val::Bool(Some(r.immutable)),
                        "allowUserInterface" => Val::Bool(Some(r.allow_user_interface)),
                        "allowWebService" => Val::Bool(Some(r.allow_web_service)),
                        _ => Val::Str(None),
                    })
                })
                .map(|r| (r.id, r.view()))
                .collect();
            ok(Roles {
                roles: search.take(rows),
            })
        }
        Route::RoleGet(id) => {
            let role = id
                .parse()
                .ok()
                .and_then(roles::get)
                .ok_or_else(|| WsError::not_found("The role does not exist."))?;
            ok(role.view())
        }
        Route::SessionCreate => {
            let req: SessionRequest = serde_json::from_value(ctx.json()?)
                .map_err(|e| WsError::bad_request(format!("invalid sign-in body: {e}")))?;
            let (sid, session) = st.sign_in(&req, ctx.now)?;
            let mut resp = Json(session).into_response();
            // `Secure` is left out: the emulator speaks plain HTTP, where a cookie jar would drop it.
            let cookie = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
            Ok(resp)
        }
        Route::SessionEnd => {
            let caller = ctx.caller.clone().ok_or_else(|| WsError::unauthorized("no session"))?;
            st.sign_out(&caller)?;
            Ok(StatusCode::OK.into_response())
        }
    }
}

/// The searchable fields of a role.
fn role_field(name: &str) -> Option<Kind> {
    Some(match name {
        "name" | "description" => Kind::Str,
        "immutable" | "allowUserInterface" | "allowWebService" => Kind::Bool,
        _ => return None,
    })
}

/// `/_emulator/workload/...`: every key without its secret (`GET keys`) and the number of open
/// sessions (`GET sessions`), so tests can count orphans and check that sessions were ended;
/// `DELETE login` locks the account out (every later sign-in is 401; open sessions stay), so
/// tests can check that a refused sign-in is not tried again.
pub fn control(app: &App, method: &str, segs: &[&str]) -> Option<Response> {
    let mut st = lock(&app.workload);
    let now = app.clock.now_ms();
    match (method, segs) {
        ("GET", ["keys"]) => {
            let items: Vec<_> = st
                .keys
                .values()
                .map(|k| {
                    let mut v = serde_json::to_value(k.view(false)).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("expired".into(), k.expired(now).into());
                    }
                    v
                })
                .collect();
            Some(Json(serde_json::json!({ "items": items })).into_response())
        }
        ("GET", ["sessions"]) => Some(Json(serde_json::json!({ "open": st.open_sessions(now) })).into_response()),
        ("DELETE", ["login"]) => {
            st.login = None;
            Some(StatusCode::NO_CONTENT.into_response())
        }
        _ => None,
    }
}
