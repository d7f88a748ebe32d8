//! The Workload Security client, made on first use: a key's client costs nothing, but a
//! username/password sign-in is a network call, so it happens once per process, when the first
//! resource needs it, and every later call shares that session.

use crate::config::{WorkloadAuth, WorkloadSettings};
use tfplugin::Diagnostics;
use tokio::sync::OnceCell;
use visionone_client::{CancellationToken, ClientConfig, WorkloadClient};

/// The `workload` block's client, made once; a failed sign-in is kept too, so that a wrong
/// password is tried once per process and not once per resource (a manager locks an account
/// out after a few failed sign-ins).
pub struct Workload {
    config: ClientConfig,
    auth: WorkloadAuth,
    client: OnceCell<Result<WorkloadClient, String>>,
}

impl Workload {
    pub fn new(settings: &WorkloadSettings, mut config: ClientConfig) -> Self {
        if let WorkloadAuth::Key(k) = &settings.auth {
            config.api_key = k.clone();
        }
        Workload {
            config,
            auth: settings.auth.clone(),
            client: OnceCell::new(),
        }
    }

    /// The client, signing in first when the block gives a user name and password.
    pub async fn client(&self, cancel: &CancellationToken) -> Result<&WorkloadClient, Diagnostics> {
        let made = self
            .client
            .get_or_init(|| async {
                match &self.auth {
                    WorkloadAuth::Key(_) => WorkloadClient::new(&self.config).map_err(|e| e.to_string()),
                    WorkloadAuth::Login(login) => {
                        tfplugin::log::info(
                            "signing in to the Workload Security API",
                            &[("user_name", &login.user_name.as_str())],
                        );
                        WorkloadClient::sign_in(&self.config, login, cancel)
                            .await
                            .map_err(|e| format!("Signing in as {:?} failed: {e}", login.user_name))
                    }
                }
            })
            .await;
        made.as_ref().map_err(|e| {
            let mut d = Diagnostics::new();
            d.error(
                "Could not set up the Workload Security client",
                format!("{e}. Check the provider's `workload` block."),
            );
            d
        })
    }

    /// Ends the sign-in session, if one was opened (a no-op for a key or before first use).
    pub async fn end_session(&self) {
        let Some(Ok(client)) = self.client.get() else {
            return;
        };
        if !client.is_session() {
            return;
        }
        match client.end_session(&CancellationToken::new()).await {
            Ok(()) => tfplugin::log::info("ended the Workload Security session", &[]),
            Err(e) => tfplugin::log::warn(
                "could not end the Workload Security session; it idles out on the manager",
                &[("error", &e.to_string().as_str())],
            ),
        }
    }
}

/// The diagnostic of a resource that needs the `workload` block when there is none.
pub fn missing_block(type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        "The provider has no workload block",
        format!(
            "{type_name} manages Server & Workload Protection (Workload Security) objects, which need their own \
             credentials: add a `workload {{ url = \"...\" api_key = \"...\" }}` block (or `username` and \
             `password`) to the provider \"visionone\" block, or set the {} and {} environment variables. A Vision \
             One API key does not work on that API.",
            crate::config::workload::ENV_URL,
            crate::config::workload::ENV_API_KEY
        ),
    );
    d
}

/// A Workload Security answer as a diagnostic: a refused credential, an expired or locked key and
/// a refused API version name the provider's `workload` block (every later call would fail the
/// same way); anything else is reported as `summary` (at `path` when given).
pub fn failure(summary: &str, e: &visionone_client::Error, path: Option<tfplugin::AttributePath>) -> Diagnostics {
    let mut d = Diagnostics::new();
    let text = e.to_string();
    let lower = text.to_lowercase();
    let block_problem = match e.status() {
        // Signed in with username/password: the session, not a key, was refused.
        _ if e.is_session_expired() => Some((
            "The Workload Security session expired",
            format!(
                "The provider signed in with the `workload` block's `username` and `password`, and the manager \
                 ended that session (it idles out after 30 minutes); signing in again did not work. Check \
                 `workload.username` and `workload.password` (and that the account is not locked out), then run \
                 Terraform again. ({text})"
            ),
        )),
        Some(401) => Some((
            "Workload Security refused the provider's credentials",
            format!(
                "The API answered HTTP 401: the secret in the provider's `workload` block (api_key or {}) is wrong, \
                 deleted, or not a Workload Security key (a Vision One key does not work there). ({text})",
                crate::config::workload::ENV_API_KEY
            ),
        )),
        Some(403) if lower.contains("expired") => Some((
            "The provider's Workload Security key has expired",
            format!(
                "The key in the provider's `workload` block can no longer authenticate: create a new one (or sign \
                 in with `username` and `password`) and put its secret in the block. ({text})"
            ),
        )),
        Some(403) if lower.contains("locked") || lower.contains("inactive") => Some((
            "The provider's Workload Security key is locked out",
            format!("The key in the provider's `workload` block is disabled (active = false). ({text})"),
        )),
        Some(400) if lower.contains("api-version") => Some((
            "The manager refused the API version",
            format!(
                "The Workload Security API needs the `api-version: v1` header; the request reached the manager \
                 without it (a proxy that strips headers?) or the manager speaks another version. Check the \
                 `workload` block's `url`. ({text})"
            ),
        )),
        _ => None,
    };
    match (block_problem, path) {
        (Some((s, detail)), _) => d.error(s, detail),
        (None, Some(p)) => d.error_at(p, summary, text),
        (None, None) => d.error(summary, text),
    }
    d
}

/// The role named `name` that keys may hold, or an error at `role` with the closest names.
pub async fn key_role(
    client: &WorkloadClient,
    name: &str,
    cancel: &CancellationToken,
) -> Result<visionone_client::api::workload::Role, Diagnostics> {
    let at = || tfplugin::AttributePath::root("role");
    let role = match client.role_by_name(name, cancel).await {
        Ok(r) => r,
        Err(e) => return Err(failure("Could not look up the role", &e, Some(at()))),
    };
    let mut d = Diagnostics::new();
    match role {
        Some(r) if visionone_client::workload::keys_may_use(&r) => return Ok(r),
        Some(_) => d.error_at(
            at(),
            "Role does not allow API keys",
            format!("The Workload Security role {name:?} may not call the API (allowWebService is false): choose another role."),
        ),
        None => {
            let hint = match client.list_roles(cancel).await {
                Ok(roles) => {
                    let usable: Vec<&str> = roles
                        .iter()
                        .filter(|r| visionone_client::workload::keys_may_use(r))
                        .filter_map(|r| r.name.as_deref())
                        .collect();
                    match crate::roles::closest(name, usable.iter().copied(), 3) {
                        near if !near.is_empty() => format!(" Did you mean {}?", crate::roles::quoted(&near)),
                        _ if !usable.is_empty() => format!(" Roles keys may hold: {}.", crate::roles::quoted(&usable)),
                        _ => String::new(),
                    }
                }
                Err(_) => String::new(),
            };
            d.error_at(
                at(),
                "Unknown role",
                format!(
                    "No Workload Security role is named {:?} (names are exact and case-sensitive).{hint}",
                    crate::roles::truncate(name)
                ),
            );
        }
    }
    Err(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use visionone_client::{Login, Network, Secret};

    async fn emulator() -> visionone_emulator::Handle {
        visionone_emulator::start(visionone_emulator::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: "admin".into(),
            workload_login: Some(visionone_emulator::WorkloadLogin {
                tenant: None,
                user: "admin".into(),
                password: "right".into(),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
    }

    fn workload(url: &str, password: &str) -> Workload {
        let settings = WorkloadSettings {
            url: format!("{url}/api"),
            auth: WorkloadAuth::Login(Login {
                user_name: "admin".into(),
                password: Secret::new(password),
                tenant_name: None,
            }),
        };
        let config = ClientConfig {
            base_url: settings.url.clone(),
            api_key: Secret::new(""),
            request_timeout: std::time::Duration::from_secs(10),
            max_retries: 0,
            user_agent: "test".into(),
            max_requests_per_minute: None,
            network: Network::default(),
        };
        Workload::new(&settings, config)
    }

    async fn sign_ins(url: &str) -> usize {
        let calls: serde_json::Value = reqwest::get(format!("{url}/_emulator/calls"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        calls["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["method"] == "POST" && c["path"] == "/api/sessions")
            .count()
    }

    #[test]
    fn an_expired_session_names_the_sign_in_not_the_key() {
        let refused = visionone_client::Error::Api(visionone_client::ApiError::new(
            401,
            "HTTP401",
            "The session has timed out: sign in again",
        ));
        let expired = visionone_client::Error::SessionExpired {
            source: Box::new(refused.clone()),
            sign_in: Some(Box::new(refused.clone())),
        };
        let d = failure("Could not read", &expired, None);
        let detail = &d.0[0].detail;
        assert_eq!(d.0[0].summary, "The Workload Security session expired");
        assert!(
            detail.contains("workload.password") && !detail.contains("api_key"),
            "{detail}"
        );
        let d = failure("Could not read", &refused, None);
        assert!(d.0[0].detail.contains("api_key"), "a key's 401 still names api_key");
    }

    #[tokio::test]
    async fn one_sign_in_per_process_kept_even_when_refused_and_ended_once() {
        let emu = emulator().await;
        let url = emu.base_url();
        let cancel = CancellationToken::new();
        let bad = workload(&url, "wrong");
        for _ in 0..3 {
            assert!(bad.client(&cancel).await.is_err());
        }
        assert_eq!(sign_ins(&url).await, 1, "a refused password is not tried again");
        let good = workload(&url, "right");
        let (a, b) = tokio::join!(good.client(&cancel), good.client(&cancel));
        assert!(a.unwrap().is_session() && b.is_ok());
        assert_eq!(sign_ins(&url).await, 2, "concurrent first calls share one sign-in");
        good.end_session().await;
        let open: serde_json::Value = reqwest::get(format!("{url}/_emulator/workload/sessions"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(open["open"], 0);
        emu.shutdown().await;
    }
}
