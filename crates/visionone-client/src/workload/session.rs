//! Signing in with a user name and password (`POST /sessions` → `sID` cookie + `rID` header),
//! which is how the very first key gets made; and ending the session again.

use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::header::SET_COOKIE;
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use visionone_api::workload::{Session, SessionRequest, SESSION_COOKIE};

use super::{WorkloadClient, WORKLOAD};
use crate::transport::{Api, AuthScheme, Request, Retry, Transport};
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

/// An open session: ended at most once.
#[derive(Debug, Default)]
pub(super) struct Open {
    ended: AtomicBool,
}

impl WorkloadClient {
    /// Sign in (`config.api_key` is not used) and return a client whose calls use the session.
    /// A sign-in whose answer was lost leaves a session that idles out on the manager (30 min).
    pub async fn sign_in(config: &ClientConfig, login: &Login, cancel: &CancellationToken) -> Result<Self, Error> {
        let transport = Transport::new(&SIGN_IN, config)?;
        let body = SessionRequest {
            user_name: login.user_name.clone(),
            password: login.password.expose().to_owned(),
            tenant_name: login.tenant_name.clone().filter(|t| !t.is_empty()),
            mfa_code: None,
        };
        let req = Request::new(Method::POST, transport.url(&["sessions"])).json(&body)?;
        let reply = transport.send(&req, Retry::Always, cancel).await?;
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
        let mut session_config = config.clone();
        session_config.api_key = Secret::new(sid);
        let transport = Transport::new(&SESSION, &session_config)?.with_secret_header("rid", &session.rid)?;
        Ok(WorkloadClient {
            transport: std::sync::Arc::new(transport),
            session: Some(std::sync::Arc::new(Open::default())),
        })
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
