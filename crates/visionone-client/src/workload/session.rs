//! Signing in with a user name and password (`POST /sessions` → `sID` cookie + `rID` header),
//! which is how the very first key gets made; and ending the session again.
//!
//! A session idles out on the manager (30 min) and a long run may outlive it: a call refused
//! with 401 signs in again once, shared by every call refused meanwhile, and is sent again (a
//! 401 is decided before the call does anything, so a create may be resent). A sign-in the
//! manager refuses is never tried again (managers lock accounts out after a few), and a
//! session refused right after it was renewed is not renewed again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use reqwest::header::SET_COOKIE;
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use visionone_api::workload::{Session, SessionRequest, SESSION_COOKIE};

use super::{WorkloadClient, WORKLOAD};
use crate::transport::{Api, AuthScheme, Reply, Request, Retry, Transport};
use crate::{ClientConfig, Error, Secret};

/// The sign-in call carries no credential.
const SIGN_IN: Api = Api {
    auth: AuthScheme::NONE,
    ..WORKLOAD
};

/// A session's calls: the `sID` cookie (the `rID` header is added per session).
const SESSION: Api = Api {
    auth: AuthScheme {
        header: "cookie",
        prefix: "sID=",
    },
    ..WORKLOAD
};

/// Who signs in. `Debug` hides the password.
#[derive(Clone)]
pub struct Login {
    pub user_name: String,
    pub password: Secret,
    /// For a multi-tenant manager.
    pub tenant_name: Option<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .field("tenant_name", &self.tenant_name)
            .finish()
    }
}

/// An open session: renewed when it expires, ended at most once.
#[derive(Debug)]
pub(super) struct Open {
    ended: AtomicBool,
    /// Who signs in, and the credential-less transport that does it.
    login: Login,
    sign_in: Transport,
    /// Bumped at each renewal, so calls refused by an older session just go again.
    generation: AtomicU64,
    /// Held while renewing, so concurrent refusals sign in once.
    renewal: tokio::sync::Mutex<Renewal>,
}

#[derive(Debug, Default)]
struct Renewal {
    /// Why renewing stopped for good (a refused sign-in, or a renewed session refused at once).
    given_up: Option<Error>,
}

impl WorkloadClient {
    /// Sign in (`config.api_key` is not used) and return a client whose calls use the session.
    /// A sign-in whose answer was lost leaves a session that idles out on the manager (30 min).
    pub async fn sign_in(config: &ClientConfig, login: &Login, cancel: &CancellationToken) -> Result<Self, Error> {
        let sign_in = Transport::new(&SIGN_IN, config)?;
        let (sid, rid) = open_session(&sign_in, login, cancel).await?;
        let mut session_config = config.clone();
        session_config.api_key = Secret::new(sid);
        let transport = Transport::new(&SESSION, &session_config)?.with_secret_header("rid", &rid)?;
        Ok(WorkloadClient {
            transport: std::sync::Arc::new(transport),
            session: Some(std::sync::Arc::new(Open {
                ended: AtomicBool::new(false),
                login: login.clone(),
                sign_in,
                generation: AtomicU64::new(0),
                renewal: tokio::sync::Mutex::new(Renewal::default()),
            })),
            marks: super::keys::new_marks(),
        })
    }

    /// Every call of this module: the transport's send, and for a session the renewal described
    /// in the module doc. A session's final 401 is [`Error::SessionExpired`], never a key's fault.
    pub(super) async fn send(&self, req: &Request, retry: Retry, cancel: &CancellationToken) -> Result<Reply, Error> {
        let Some(open) = &self.session else {
            return self.transport.send(req, retry, cancel).await;
        };
        let seen = open.generation.load(Ordering::SeqCst);
        let refused = match self.transport.send(req, retry, cancel).await {
            Err(e) if e.status() == Some(401) => e,
            other => return other,
        };
        if open.ended.load(Ordering::SeqCst) {
            return Err(expired(refused, None));
        }
        let renewed = self.renew(open, seen, cancel).await.map_err(|e| expired(refused, e))?;
        match self.transport.send(req, retry, cancel).await {
            Err(e) if e.status() == Some(401) => {
                let mut r = open.renewal.lock().await;
                if renewed {
                    r.given_up
                        .get_or_insert_with(|| Error::Protocol("the new session was refused at once".into()));
                }
                Err(expired(e, r.given_up.clone().map(Box::new)))
            }
            other => other,
        }
    }

    /// Sign in again unless a call already did since `seen`: Ok(true) when this call did. Err
    /// carries why not (None: renewing was given up before without a reason to show).
    async fn renew(&self, open: &Open, seen: u64, cancel: &CancellationToken) -> Result<bool, Option<Box<Error>>> {
        let mut r = open.renewal.lock().await;
        if open.generation.load(Ordering::SeqCst) != seen {
            return Ok(false);
        }
        if let Some(why) = &r.given_up {
            return Err(Some(Box::new(why.clone())));
        }
        let (sid, rid) = match open_session(&open.sign_in, &open.login, cancel).await {
            Ok(ids) => ids,
            Err(e) => {
                // An answer refusing the sign-in is final; a failure to get one is not.
                if e.status().is_some_and(|s| (400..500).contains(&s) && s != 429) {
                    r.given_up = Some(e.clone());
                }
                return Err(Some(Box::new(e)));
            }
        };
        self.transport
            .replace_credential(&sid, &[("rid", &rid)])
            .map_err(|e| Some(Box::new(e)))?;
        open.generation.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }

    /// True when this client's calls run in a sign-in session.
    pub fn is_session(&self) -> bool {
        self.session.is_some()
    }

    /// `DELETE /sessions/current`, once; a no-op for a key-authenticated client. A manager that has
    /// no such call (404) or a session already gone (401) counts as ended.
    pub async fn end_session(&self, cancel: &CancellationToken) -> Result<(), Error> {
        let Some(open) = &self.session else {
            return Ok(());
        };
        if open.ended.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let req = Request::new(Method::DELETE, self.transport.url(&["sessions", "current"]));
        match self.transport.send(&req, Retry::Always, cancel).await {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.status(), Some(404 | 401)) => Ok(()),
            Err(e) => {
                open.ended.store(false, Ordering::SeqCst);
                Err(e)
            }
        }
    }
}

/// `POST /sessions`: the new session's `sID` and `rID`.
async fn open_session(
    sign_in: &Transport,
    login: &Login,
    cancel: &CancellationToken,
) -> Result<(String, String), Error> {
    let body = SessionRequest {
        user_name: login.user_name.clone(),
        password: login.password.expose().to_owned(),
        tenant_name: login.tenant_name.clone().filter(|t| !t.is_empty()),
        mfa_code: None,
    };
    let req = Request::new(Method::POST, sign_in.url(&["sessions"])).json(&body)?;
    let reply = sign_in.send(&req, Retry::Always, cancel).await?;
    let session: Session = reply.json("session")?;
    let sid = reply
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_cookie)
        .ok_or_else(|| Error::Protocol("the sign-in answer set no sID cookie".into()))?;
    if session.rid.is_empty() {
        return Err(Error::Protocol("the sign-in answer carried no RID".into()));
    }
    Ok((sid, session.rid))
}

fn expired(refused: Error, sign_in: Option<Box<Error>>) -> Error {
    Error::SessionExpired {
        source: Box::new(refused),
        sign_in,
    }
}

/// `sID=<value>; Path=/; ...` → the value.
fn session_cookie(set_cookie: &str) -> Option<String> {
    let first = set_cookie.split(';').next()?.trim();
    let (name, value) = first.split_once('=')?;
    (name.trim() == SESSION_COOKIE && !value.trim().is_empty()).then(|| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie() {
        assert_eq!(session_cookie("sID=ab12; Path=/; HttpOnly").as_deref(), Some("ab12"));
        assert_eq!(session_cookie("other=1; Path=/"), None);
        assert_eq!(session_cookie("sID=; Path=/"), None);
        let l = Login {
            user_name: "admin".into(),
            password: Secret::new("hunter2"),
            tenant_name: None,
        };
        assert!(!format!("{l:?}").contains("hunter2"));
    }
}
