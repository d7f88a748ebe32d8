//! The provider's `workload { ... }` block: where the Workload Security (Server & Workload
//! Protection, Deep Security) API is and how to authenticate there. A Vision One key does not
//! work on that API, so the block is separate; it is checked at plan time and nothing connects
//! until a resource needs it.

use super::check_url;
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, NestedBlock, NestingMode};
use visionone_client::{Login, Secret};

pub const ENV_API_KEY: &str = "VISIONONE_WORKLOAD_API_KEY";
pub const ENV_URL: &str = "VISIONONE_WORKLOAD_URL";
/// The block's name, as diagnostics name it.
pub const BLOCK: &str = "workload";

tfplugin::model! {
    /// One `workload` block.
    pub struct WorkloadConfig {
        pub url: String,
        pub region: String,
        pub api_key: String,
        pub username: String,
        pub password: String,
        pub tenant_name: String,
    }
}

/// How the provider authenticates on the Workload Security API.
#[derive(Clone)]
pub enum WorkloadAuth {
    /// An API key's secret, sent as `api-secret-key`.
    Key(Secret),
    /// Sign in once per process with a user name and password (the very first key).
    Login(Login),
}

impl PartialEq for WorkloadAuth {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (WorkloadAuth::Key(a), WorkloadAuth::Key(b)) => a == b,
            (WorkloadAuth::Login(a), WorkloadAuth::Login(b)) => {
                a.user_name == b.user_name && a.password == b.password && a.tenant_name == b.tenant_name
            }
            _ => false,
        }
    }
}

/// The resolved `workload` block.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSettings {
    /// The API root, e.g. `https://workload.us-1.cloudone.trendmicro.com/api`.
    pub url: String,
    pub auth: WorkloadAuth,
}

impl std::fmt::Debug for WorkloadAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkloadAuth::Key(_) => f.write_str("Key(<redacted>)"),
            WorkloadAuth::Login(l) => f.debug_tuple("Login").field(l).finish(),
        }
    }
}

/// The nested block in the provider schema (list, at most one).
pub fn schema() -> NestedBlock {
    let regions: Vec<String> = visionone_api::workload::REGIONS
        .iter()
        .map(|r| format!("`{r}`"))
        .collect();
    NestedBlock {
        type_name: BLOCK.to_string(),
        nesting: NestingMode::List,
        min_items: 0,
        max_items: 1,
        block: Block::new()
            .description(
                "Server & Workload Protection (Workload Security, Deep Security Manager) API access, for \
                 `visionone_workload_*` resources. A Vision One API key does not work there.",
            )
            .attr(Attribute::string("url").optional().description(&format!(
                "The API's URL: a Deep Security Manager's `https://HOST:4119/api`, \
                 `https://workload.<region>.cloudone.trendmicro.com/api`, or the local emulator's \
                 `http://127.0.0.1:PORT/api`. Falls back to `{ENV_URL}`. Conflicts with `region`."
            )))
            .attr(Attribute::string("region").optional().description(&format!(
                "The Workload Security region: one of {}; maps to \
                 `https://workload.<region>.cloudone.trendmicro.com/api`. Conflicts with `url`.",
                regions.join(", ")
            )))
            .attr(
                Attribute::string("api_key")
                    .optional()
                    .sensitive()
                    .description(&format!(
                "A Workload Security API key's secret. Falls back to `{ENV_API_KEY}`. Conflicts with `username`."
            )),
            )
            .attr(Attribute::string("username").optional().description(
                "Sign in with this administrator's user name (and `password`) instead of a key, for example to \
                 create the very first key. The session is shared by the provider's calls and ended when the \
                 provider stops.",
            ))
            .attr(
                Attribute::string("password")
                    .optional()
                    .sensitive()
                    .description("The password of `username`."),
            )
            .attr(
                Attribute::string("tenant_name")
                    .optional()
                    .description("The tenant to sign in to on a multi-tenant manager (with `username`)."),
            ),
    }
}

fn at(attr: &str) -> AttributePath {
    AttributePath::root(BLOCK).index(0).attr(attr)
}

/// Plan-time checks of one block (values may be unknown).
pub fn check(b: &WorkloadConfig, d: &mut Diagnostics) {
    if !b.url.is_null() && !b.region.is_null() {
        d.error_at(
            at("region"),
            "Conflicting arguments",
            "Set either `url` or `region` in the `workload` block, not both.",
        );
    }
    if let Some(r) = b.region.as_deref() {
        if visionone_api::workload::region_url(r).is_none() {
            d.error_at(
                at("region"),
                "Unknown Workload Security region",
                format!(
                    "Region {r:?} is not a Workload Security region. Use one of: {}, or give `url`.",
                    visionone_api::workload::REGIONS.join(", ")
                ),
            );
        }
    }
    if let Some(u) = b.url.as_deref() {
        if let Err(e) = check_url(u) {
            d.error_at(at("url"), "Invalid workload url", e);
        }
    }
    if b.api_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        d.error_at(at("api_key"), "Empty api_key", "`workload.api_key` is set but empty.");
    }
    if !b.api_key.is_null() && !b.username.is_null() {
        d.error_at(
            at("username"),
            "Conflicting arguments",
            "Set either `api_key` or `username` and `password` in the `workload` block, not both.",
        );
    }
    if b.username.as_deref().is_some_and(|u| u.trim().is_empty()) {
        d.error_at(
            at("username"),
            "Empty username",
            "`workload.username` is set but empty.",
        );
    }
    match (b.username.is_null(), b.password.is_null()) {
        (false, true) => d.error_at(
            at("password"),
            "Missing password",
            "`workload.username` needs `password` to sign in.",
        ),
        (true, false) => d.error_at(
            at("username"),
            "Missing username",
            "`workload.password` is set without `username`.",
        ),
        _ => {}
    }
    if !b.tenant_name.is_null() && b.username.is_null() {
        d.error_at(
            at("tenant_name"),
            "tenant_name without username",
            "`tenant_name` applies to signing in with `username` and `password` only.",
        );
    }
}

/// The block (or, without one, the environment variables) as settings; None when neither says
/// anything. Errors go to `d`, at the attribute.
pub fn resolve(
    block: Option<&WorkloadConfig>,
    env: &dyn Fn(&str) -> Option<String>,
    d: &mut Diagnostics,
) -> Option<WorkloadSettings> {
    let nonempty = |k: &str| env(k).filter(|s| !s.trim().is_empty());
    let Some(b) = block else {
        // No block: both variables together configure it.
        let (url, key) = (nonempty(ENV_URL)?, nonempty(ENV_API_KEY)?);
        return match check_url(&url) {
            Ok(url) => Some(WorkloadSettings {
                url,
                auth: WorkloadAuth::Key(Secret::new(key)),
            }),
            Err(e) => {
                d.error(
                    "Invalid workload url",
                    format!("From the {ENV_URL} environment variable: {e}"),
                );
                None
            }
        };
    };
    let url = if let Some(u) = b.url.as_deref() {
        check_url(u).ok()
    } else if let Some(r) = b.region.as_deref() {
        visionone_api::workload::region_url(r)
    } else if let Some(u) = nonempty(ENV_URL) {
        match check_url(&u) {
            Ok(u) => Some(u),
            Err(e) => {
                d.error_at(
                    at("url"),
                    "Invalid workload url",
                    format!("From the {ENV_URL} environment variable: {e}"),
                );
                None
            }
        }
    } else {
        d.error_at(
            at("url"),
            "No Workload Security URL",
            format!("Set `url` or `region` in the `workload` block, or the {ENV_URL} environment variable."),
        );
        None
    };
    let auth = match (b.api_key.as_deref(), b.username.as_deref(), b.password.as_deref()) {
        (Some(k), _, _) => Some(WorkloadAuth::Key(Secret::new(k))),
        (None, Some(u), Some(p)) => Some(WorkloadAuth::Login(Login {
            user_name: u.to_string(),
            password: Secret::new(p),
            tenant_name: b.tenant_name.get().cloned(),
        })),
        (None, Some(_), None) => None, // reported by check
        _ => match nonempty(ENV_API_KEY) {
            Some(k) => Some(WorkloadAuth::Key(Secret::new(k))),
            None => {
                d.error_at(
                    at("api_key"),
                    "No Workload Security credentials",
                    format!(
                        "Set `api_key` (or the {ENV_API_KEY} environment variable), or `username` and `password`, \
                         in the `workload` block."
                    ),
                );
                None
            }
        },
    };
    Some(WorkloadSettings { url: url?, auth: auth? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: &[(&str, &str)]) -> WorkloadConfig {
        let mut b = WorkloadConfig::default();
        for (k, v) in pairs {
            let v = tfplugin::framework::Attr::from(*v);
            match *k {
                "url" => b.url = v,
                "region" => b.region = v,
                "api_key" => b.api_key = v,
                "username" => b.username = v,
                "password" => b.password = v,
                "tenant_name" => b.tenant_name = v,
                _ => unreachable!(),
            }
        }
        b
    }
    fn no_env(_: &str) -> Option<String> {
        None
    }
    fn paths(d: &Diagnostics) -> Vec<String> {
        d.0.iter()
            .filter_map(|x| x.attribute.as_ref())
            .map(|p| format!("{:?}", p.0))
            .collect()
    }

    #[test]
    fn region_maps_to_its_url_and_conflicts_with_url() {
        let mut d = Diagnostics::new();
        let s = resolve(Some(&block(&[("region", "de-1"), ("api_key", "k")])), &no_env, &mut d).unwrap();
        assert_eq!(s.url, "https://workload.de-1.cloudone.trendmicro.com/api");
        assert_eq!(s.auth, WorkloadAuth::Key(Secret::new("k")));
        let mut d = Diagnostics::new();
        check(&block(&[("region", "de-1"), ("url", "https://dsm:4119/api")]), &mut d);
        assert!(paths(&d)[0].contains("region"), "{:?}", paths(&d));
        let mut d = Diagnostics::new();
        check(&block(&[("region", "mars")]), &mut d);
        assert!(d.0[0].detail.contains("us-1"));
    }

    #[test]
    fn credentials_rules_name_the_attribute() {
        for (b, attr) in [
            (
                block(&[("api_key", "k"), ("username", "u"), ("password", "p")]),
                "username",
            ),
            (block(&[("username", "u")]), "password"),
            (block(&[("password", "p")]), "username"),
            (block(&[("api_key", "k"), ("tenant_name", "t")]), "tenant_name"),
            (block(&[("url", "http://dsm.example.com/api")]), "url"),
        ] {
            let mut d = Diagnostics::new();
            check(&b, &mut d);
            let p = paths(&d);
            assert!(
                p.iter().any(|p| p.contains("workload") && p.contains(attr)),
                "{attr}: {p:?}"
            );
        }
        let mut d = Diagnostics::new();
        assert!(resolve(Some(&block(&[("url", "https://dsm:4119/api")])), &no_env, &mut d).is_none());
        assert!(paths(&d)[0].contains("api_key"));
    }

    #[test]
    fn login_and_environment() {
        let mut d = Diagnostics::new();
        let s = resolve(
            Some(&block(&[
                ("url", "http://127.0.0.1:9/api"),
                ("username", "admin"),
                ("password", "pw"),
            ])),
            &no_env,
            &mut d,
        )
        .unwrap();
        assert!(matches!(&s.auth, WorkloadAuth::Login(l) if l.user_name == "admin"));
        assert!(!format!("{s:?}").contains("pw"));
        let env = |k: &str| match k {
            ENV_URL => Some("http://127.0.0.1:9/api".to_string()),
            ENV_API_KEY => Some("env-secret".to_string()),
            _ => None,
        };
        let s = resolve(None, &env, &mut d).unwrap();
        assert_eq!(s.url, "http://127.0.0.1:9/api");
        assert!(!format!("{s:?}").contains("env-secret"));
        assert!(resolve(None, &no_env, &mut d).is_none());
        assert!(d.is_empty());
    }
}
