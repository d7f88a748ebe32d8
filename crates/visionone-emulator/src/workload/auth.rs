//! Who is calling `/api`: the secret of a key (`api-secret-key: S` or `Authorization: ApiKey S`),
//! the emulator's admin token (a Full Access secret that is not a listed key), or a session
//! (`sID` cookie plus `rID` header) opened with `--workload-login`'s user name and password.

use std::collections::HashMap;

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::HeaderMap;
use visionone_api::workload::{
    Session, SessionRequest, AUTHORIZATION_SCHEME, SECRET_HEADER, SESSION_COOKIE, SESSION_HEADER,
};

use super::error::WsError;
use super::roles::{self, RoleDef};
use super::State;

/// A session idles out after this long without a call [assumed].
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;

/// The user name and password `POST /api/sessions` accepts (`--workload-login [TENANT/]USER:PASSWORD`).
#[derive(Clone, PartialEq)]
pub struct WorkloadLogin {
    /// When set, a sign-in must name this `tenantName`; when not, it must name none.
    pub tenant: Option<String>,
    pub user: String,
    pub password: String,
}

impl WorkloadLogin {
    /// `[TENANT/]USER:PASSWORD`; the password may hold `:`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (who, password) = s
            .split_once(':')
            .ok_or("--workload-login needs USER:PASSWORD (or TENANT/USER:PASSWORD)")?;
        let (tenant, user) = match who.split_once('/') {
            Some((t, u)) => (Some(t.to_string()), u),
            None => (None, who),
        };
        if user.is_empty() || password.is_empty() || tenant.as_deref() == Some("") {
            return Err("--workload-login: tenant, user name and password must not be empty".into());
        }
        Ok(WorkloadLogin {
            tenant,
            user: user.to_string(),
            password: password.to_string(),
        })
    }
}

impl std::fmt::Debug for WorkloadLogin {
    /// The password is a credential: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadLogin")
            .field("tenant", &self.tenant)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An open session.
pub struct SessionRec {
    pub rid: String,
    pub last_activity: i64,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// The emulator's admin token.
    Token,
    /// A session, by its `sID`.
    Session(String),
    Key(i64),
}

/// The credential a request carries, before it is checked.
pub enum Credential {
    Secret(String),
    Session { sid: String, rid: Option<String> },
}

/// Read the credential from the headers; 401 when there is none or it is of a kind this API refuses.
pub fn credential(headers: &HeaderMap) -> Result<Credential, WsError> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(secret) = header(SECRET_HEADER).filter(|s| !s.is_empty()) {
        return Ok(Credential::Secret(secret.to_string()));
    }
    if let Some(auth) = header(AUTHORIZATION.as_str()) {
        let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
        let value = value.trim();
        if scheme.eq_ignore_ascii_case(AUTHORIZATION_SCHEME) && !value.is_empty() {
            return Ok(Credential::Secret(value.to_string()));
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return Err(WsError::unauthorized(
                "Invalid API Key: a Vision One platform key (Authorization: Bearer) does not work here; \
                 send a Workload Security key in api-secret-key",
            ));
        }
        return Err(WsError::unauthorized("Invalid API Key"));
    }
    let cookie = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string());
    match cookie {
        Some(sid) => Ok(Credential::Session {
            sid,
            rid: header(SESSION_HEADER).map(str::to_string),
        }),
        None => Err(WsError::unauthorized(
            "Invalid API Key: send api-secret-key (or Authorization: ApiKey, or a session's sID cookie and rID header)",
        )),
    }
}

impl Caller {
    /// The role whose rights the caller has: Full Access for the admin token and a session; None
    /// (no rights at all) should a key's role ever be missing.
    pub fn role(&self, state: &State) -> Option<&'static RoleDef> {
        match self {
            Caller::Key(id) => state.keys.get(id).and_then(|k| roles::get(k.role_id)),
            Caller::Token | Caller::Session(_) => roles::get(roles::FULL_ACCESS),
        }
    }
}

/// 128 random bits in hex, as `sID` and `RID` look.
fn hex_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl State {
    /// Check a key's secret or a session at `now_ms`; records the use.
    pub fn authenticate(&mut self, cred: Credential, now_ms: i64) -> Result<Caller, WsError> {
        match cred {
            Credential::Secret(secret) => {
                let Some(&id) = self.key_by_secret.get(&secret) else {
                    // A secret names its key (`<ID>:...`): count the failed attempt on it.
                    let named = secret.split_once(':').and_then(|(id, _)| id.parse::<i64>().ok());
                    if let Some(k) = named.and_then(|id| self.keys.get_mut(&id)) {
                        k.unsuccessful_sign_in_attempts += 1;
                    }
                    return Err(WsError::unauthorized("Invalid API Key"));
                };
                let key = self
                    .keys
                    .get_mut(&id)
                    .ok_or_else(|| WsError::unauthorized("Invalid API Key"))?;
                if !key.active {
                    return Err(WsError::forbidden(
                        "Not authorized to call the API: the API key is locked out",
                    ));
                }
                if key.expired(now_ms) {
                    return Err(WsError::forbidden(
                        "Not authorized to call the API: the API key has expired",
                    ));
                }
                key.last_sign_in = Some(now_ms);
                Ok(Caller::Key(id))
            }
            Credential::Session { sid, rid } => {
                let expired = self
                    .sessions
                    .get(&sid)
                    .is_some_and(|s| now_ms - s.last_activity > SESSION_IDLE_MS);
                if expired {
                    self.sessions.remove(&sid);
                    return Err(WsError::unauthorized("The session has timed out: sign in again"));
                }
                let session = self
                    .sessions
                    .get_mut(&sid)
                    .ok_or_else(|| WsError::unauthorized("The session does not exist or has ended"))?;
                if rid.as_deref() != Some(session.rid.as_str()) {
                    return Err(WsError::unauthorized(
                        "The rID header is missing or does not match the session",
                    ));
                }
                session.last_activity = now_ms;
                Ok(Caller::Session(sid))
            }
        }
    }

    /// `POST /api/sessions`: the new session's `sID` and its answer.
    pub fn sign_in(&mut self, req: &SessionRequest, now_ms: i64) -> Result<(String, Session), WsError> {
        let wrong = || WsError::unauthorized("Invalid user name, password or tenant");
        let login = self.login.as_ref().ok_or_else(wrong)?;
        let tenant = req.tenant_name.as_deref().filter(|t| !t.is_empty());
        if req.user_name != login.user || req.password != login.password || tenant != login.tenant.as_deref() {
            return Err(wrong());
        }
        self.sessions.retain(|_, s| now_ms - s.last_activity <= SESSION_IDLE_MS);
        let sid = hex_token();
        let rid = hex_token();
        self.sessions.insert(
            sid.clone(),
            SessionRec {
                rid: rid.clone(),
                last_activity: now_ms,
            },
        );
        Ok((
            sid,
            Session {
                administrator_id: Some(1),
                created: Some(now_ms),
                last_activity: Some(now_ms),
                access_type: Some("webService".into()),
                rid,
            },
        ))
    }

    /// `DELETE /api/sessions/current`.
    pub fn sign_out(&mut self, caller: &Caller) -> Result<(), WsError> {
        match caller {
            Caller::Session(sid) => {
                self.sessions.remove(sid);
                Ok(())
            }
            _ => Err(WsError::bad_request(
                "DELETE /api/sessions/current ends a session: call it with the session's sID cookie and rID header",
            )),
        }
    }

    /// How many sessions are open (for `/_emulator/workload/sessions`).
    pub fn open_sessions(&self, now_ms: i64) -> usize {
        self.sessions
            .values()
            .filter(|s| now_ms - s.last_activity <= SESSION_IDLE_MS)
            .count()
    }
}

/// Sessions by `sID`.
pub type Sessions = HashMap<String, SessionRec>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_flag() {
        let l = WorkloadLogin::parse("admin:pa:ss").unwrap();
        assert_eq!(
            (l.tenant.as_deref(), l.user.as_str(), l.password.as_str()),
            (None, "admin", "pa:ss")
        );
        let l = WorkloadLogin::parse("Acme/admin:pw").unwrap();
        assert_eq!(l.tenant.as_deref(), Some("Acme"));
        assert!(!format!("{l:?}").contains("pw\""));
        for bad in ["admin", ":pw", "admin:", "/admin:pw"] {
            assert!(WorkloadLogin::parse(bad).is_err(), "{bad}");
        }
    }
}
