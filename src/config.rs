//! The `provider "visionone" {}` block: schema, plan-time validation, and the settings the
//! client is built from. Configuring makes no network call.

use std::net::IpAddr;
use std::time::Duration;
use tfplugin::framework::Model;
use tfplugin::{Attribute, AttributePath, Block, Diagnostics, Schema, Value};

pub mod workload;

pub use workload::{WorkloadAuth, WorkloadSettings};

pub const ENV_API_KEY: &str = "VISIONONE_API_KEY";
pub const ENV_REGIONAL_FQDN: &str = "VISIONONE_REGIONAL_FQDN";
pub const ENV_REGION: &str = "VISIONONE_REGION";
pub const ENV_CA_CERTIFICATES: &str = "VISIONONE_CA_CERTIFICATES";
pub const DEFAULT_REGION: &str = "us";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_RETRIES: i64 = 5;

/// Settings resolved from the block and the environment.
#[derive(Clone, PartialEq)]
pub struct Settings {
    pub base_url: String,
    /// None when only the `workload` block is configured.
    pub api_key: Option<String>,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub max_requests_per_minute: Option<u32>,
    /// PEM text (read from the file when a path was given).
    pub ca_certificates: Option<String>,
    pub proxy_url: Option<String>,
    /// The `workload` block (or its environment variables), when given.
    pub workload: Option<WorkloadSettings>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_requests_per_minute", &self.max_requests_per_minute)
            .field("ca_certificates", &self.ca_certificates.as_ref().map(|_| "<PEM>"))
            .field("proxy_url", &self.proxy_url.as_ref().map(|_| "<set>"))
            .field("workload", &self.workload)
            .finish()
    }
}

pub fn schema() -> Schema {
    let regions: Vec<String> = visionone_api::REGIONS.iter().map(|(r, _)| format!("`{r}`")).collect();
    Schema::new(
        0,
        Block::new()
            .description("Manages Trend Vision One identity and access: API keys, custom user roles and user accounts.")
            .attr(Attribute::string("api_key").optional().sensitive().description(&format!(
                "A Vision One API key whose role may manage IAM. Falls back to the `{ENV_API_KEY}` environment variable."
            )))
            .attr(Attribute::string("region").optional().description(&format!(
                "The tenant's region: one of {}. Defaults to `{DEFAULT_REGION}` (or `{ENV_REGION}`). Conflicts with `regional_fqdn`.",
                regions.join(", ")
            )))
            .attr(Attribute::string("regional_fqdn").optional().description(&format!(
                "The API's base URL, e.g. `https://api.eu.xdr.trendmicro.com`, or the local emulator's \
                 `http://127.0.0.1:PORT`. Falls back to `{ENV_REGIONAL_FQDN}`. Plain `http://` is accepted for loopback \
                 hosts only. Conflicts with `region`."
            )))
            .attr(Attribute::string("request_timeout").optional().description(
                "How long one API call may take, retries included, as a duration such as `30s` or `2m`. Defaults to `60s`.",
            ))
            .attr(Attribute::number("max_retries").optional().description(
                "How many times a failed call (429, 5xx, dropped connection) is retried with backoff. 0 to 20; defaults to 5.",
            ))
            .attr(Attribute::number("max_requests_per_minute").optional().description(
                "A client-side limit on API calls per minute, shared by every resource; it also slows down when the \
                 API answers 429. Unset: no limit beyond the API's own.",
            ))
            .attr(Attribute::string("ca_certificates").optional().description(&format!(
                "Extra CA certificates to trust, as PEM text or the path of a PEM file: for a proxy that \
                 inspects TLS with a company CA. Added to the built-in roots and the system's store (which \
                 `SSL_CERT_FILE` / `SSL_CERT_DIR` replace when set). Falls back to `{ENV_CA_CERTIFICATES}`."
            )))
            .attr(Attribute::string("proxy_url").optional().description(
                "An HTTP proxy for this provider only, e.g. `http://proxy.corp:3128`; it replaces `HTTPS_PROXY` / \
                 `HTTP_PROXY`, and `NO_PROXY` still applies. Unset: those environment variables decide.",
            ))
            .block(workload::schema()),
    )
}

tfplugin::model! {
    /// The `provider "visionone"` block as Terraform sends it.
    pub struct ProviderConfig {
        pub api_key: String,
        pub region: String,
        pub regional_fqdn: String,
        pub request_timeout: String,
        pub max_retries: i64,
        pub max_requests_per_minute: i64,
        pub ca_certificates: String,
        pub proxy_url: String,
        pub workload: Vec<workload::WorkloadConfig>,
    }
}

impl ProviderConfig {
    /// The typed block, or a diagnostic at the attribute whose value has the wrong type (a
    /// fraction where a whole number belongs).
    pub fn parse(config: &Value) -> Result<ProviderConfig, Diagnostics> {
        ProviderConfig::from_value(config).map_err(|e| {
            let mut d = Diagnostics::new();
            match e.attribute.as_str() {
                "max_retries" => whole_number(&mut d, "max_retries", "0 to 20"),
                "max_requests_per_minute" => whole_number(&mut d, "max_requests_per_minute", "1 to 100000"),
                _ => d.extend(e.diagnostics()),
            }
            d
        })
    }
}

fn whole_number(d: &mut Diagnostics, attr: &str, range: &str) {
    d.error_at(
        AttributePath::root(attr),
        format!("Invalid {attr}"),
        format!("`{attr}` must be a whole number from {range}."),
    );
}

/// Static checks on the block (values may be unknown during validate).
pub fn validate(config: &Value) -> Diagnostics {
    match ProviderConfig::parse(config) {
        Ok(c) => check(&c),
        Err(d) => d,
    }
}

/// The checks of [`validate`] on the typed block.
pub fn check(c: &ProviderConfig) -> Diagnostics {
    let mut d = Diagnostics::new();
    if !c.region.is_null() && !c.regional_fqdn.is_null() {
        d.error_at(
            AttributePath::root("regional_fqdn"),
            "Conflicting arguments",
            "Set either `region` or `regional_fqdn`, not both.",
        );
    }
    if let Some(r) = c.region.as_deref() {
        check_region(r, &mut d);
    }
    if let Some(u) = c.regional_fqdn.as_deref() {
        if let Err(e) = check_url(u) {
            d.error_at(AttributePath::root("regional_fqdn"), "Invalid regional_fqdn", e);
        }
    }
    if let Some(t) = c.request_timeout.as_deref() {
        if let Err(e) = parse_duration(t) {
            d.error_at(AttributePath::root("request_timeout"), "Invalid request_timeout", e);
        }
    }
    if c.max_retries.value().is_some_and(|n| !(0..=20).contains(&n)) {
        whole_number(&mut d, "max_retries", "0 to 20");
    }
    if c.max_requests_per_minute
        .value()
        .is_some_and(|n| !(1..=100_000).contains(&n))
    {
        whole_number(&mut d, "max_requests_per_minute", "1 to 100000");
    }
    if let Some(pem) = c.ca_certificates.as_deref() {
        if let Err(e) = load_ca_certificates(pem) {
            d.error_at(AttributePath::root("ca_certificates"), "Invalid ca_certificates", e);
        }
    }
    if let Some(u) = c.proxy_url.as_deref() {
        if let Err(e) = visionone_client::check_proxy_url(u) {
            d.error_at(AttributePath::root("proxy_url"), "Invalid proxy_url", e);
        }
    }
    if c.api_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        d.error_at(
            AttributePath::root("api_key"),
            "Empty api_key",
            "`api_key` is set but empty.",
        );
    }
    if let Some(blocks) = c.workload.get() {
        for b in blocks {
            workload::check(b, &mut d);
        }
    }
    d
}

fn check_region(r: &str, d: &mut Diagnostics) {
    if visionone_api::region_host(r).is_none() {
        let known: Vec<&str> = visionone_api::REGIONS.iter().map(|(r, _)| *r).collect();
        d.error_at(
            AttributePath::root("region"),
            "Unknown region",
            format!(
                "Region {r:?} is not a Vision One region. Use one of: {}.",
                known.join(", ")
            ),
        );
    }
}

/// A base URL must be https, or http to a loopback host (the emulator).
pub fn check_url(u: &str) -> Result<String, String> {
    let trimmed = u.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| {
        format!("{u:?} is not a URL: expected https://HOST (for example https://api.xdr.trendmicro.com).")
    })?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("{u:?} has no valid host."));
    }
    let host = host_of(authority);
    match scheme {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(format!(
                "Plain http:// is allowed only to a loopback host (the local emulator); {host:?} is not one. \
                 The API key would cross the network unencrypted: use https://."
            ))
        }
        other => return Err(format!("Unsupported scheme {other:?}: use https://.")),
    }
    if rest.contains("/v3.0") {
        return Err(format!("{u:?} should be the base URL without the /v3.0 path."));
    }
    Ok(trimmed.to_string())
}

fn host_of(authority: &str) -> &str {
    if let Some(stripped) = authority.strip_prefix('[') {
        return stripped.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(authority)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// `ca_certificates` as PEM text: the value itself when it holds a PEM block, else the file it
/// names. Every certificate is checked, so a bad one is reported at plan time.
pub fn load_ca_certificates(value: &str) -> Result<String, String> {
    let pem = if value.contains("-----BEGIN") {
        value.to_string()
    } else {
        let path = value.trim();
        if path.is_empty() {
            return Err("`ca_certificates` is empty: give PEM text or the path of a PEM file.".into());
        }
        std::fs::read_to_string(path)
            .map_err(|e| format!("Cannot read the PEM file {path:?}: {e}. Give PEM text or the path of a PEM file."))?
    };
    visionone_client::parse_certificates(&pem).map_err(|e| format!("Not usable as CA certificates: {e}."))?;
    Ok(pem)
}

/// Go-style durations: `90s`, `2m`, `1m30s`, `500ms`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let err = || format!("{s:?} is not a duration: use a number with a unit, such as 30s, 2m or 1m30s.");
    let s = s.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.').ok_or_else(err)?;
        if n_end == 0 {
            return Err(err());
        }
        let n: f64 = rest[..n_end].parse().map_err(|_| err())?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        total += Duration::from_secs_f64(n * unit);
        rest = &rest[u_end..];
    }
    if total < Duration::from_secs(1) || total > Duration::from_secs(3600) {
        return Err(format!("{s:?} is out of range: use from 1s to 1h."));
    }
    Ok(total)
}

/// Resolve the block plus environment into settings, or diagnostics naming the attribute.
pub fn resolve(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, Diagnostics> {
    let c = ProviderConfig::parse(config)?;
    let mut d = check(&c);
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let workload = workload::resolve(c.workload.get().and_then(|b| b.first()), env, &mut d);
    let api_key = c.api_key.get().cloned().or_else(|| nonempty(env(ENV_API_KEY)));
    // A configuration of Workload Security resources alone needs no Vision One key; the first
    // Vision One call then says it is missing.
    if api_key.is_none() && workload.is_none() {
        d.error_at(
            AttributePath::root("api_key"),
            "No Vision One API key",
            format!("Set `api_key` in the provider block or the {ENV_API_KEY} environment variable."),
        );
    }
    let mut base_url = None;
    if let Some(u) = c.regional_fqdn.as_deref() {
        base_url = check_url(u).ok();
    } else if let Some(r) = c.region.as_deref() {
        base_url = visionone_api::region_host(r).map(|h| format!("https://{h}"));
    } else if let Some(u) = nonempty(env(ENV_REGIONAL_FQDN)) {
        match check_url(&u) {
            Ok(u) => base_url = Some(u),
            Err(e) => d.error_at(
                AttributePath::root("regional_fqdn"),
                "Invalid regional_fqdn",
                format!("From the {ENV_REGIONAL_FQDN} environment variable: {e}"),
            ),
        }
    } else {
        let r = nonempty(env(ENV_REGION)).unwrap_or_else(|| DEFAULT_REGION.to_string());
        match visionone_api::region_host(&r) {
            Some(h) => base_url = Some(format!("https://{h}")),
            None => check_region(&r, &mut d),
        }
    }
    let mut ca_certificates = c
        .ca_certificates
        .as_deref()
        .and_then(|pem| load_ca_certificates(pem).ok());
    if c.ca_certificates.is_null() {
        if let Some(pem) = nonempty(env(ENV_CA_CERTIFICATES)) {
            match load_ca_certificates(&pem) {
                Ok(pem) => ca_certificates = Some(pem),
                Err(e) => d.error_at(
                    AttributePath::root("ca_certificates"),
                    "Invalid ca_certificates",
                    format!("From the {ENV_CA_CERTIFICATES} environment variable: {e}"),
                ),
            }
        }
    }
    if d.has_errors() {
        return Err(d);
    }
    Ok(Settings {
        base_url: base_url.unwrap_or_default(),
        api_key,
        request_timeout: c
            .request_timeout
            .as_deref()
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(DEFAULT_TIMEOUT),
        max_retries: c.max_retries.value().unwrap_or(DEFAULT_MAX_RETRIES) as u32,
        max_requests_per_minute: c.max_requests_per_minute.value().map(|n| n as u32),
        ca_certificates,
        proxy_url: c.proxy_url.as_deref().map(|u| u.trim().to_string()),
        workload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut m = Value::object(
            [
                "api_key",
                "region",
                "regional_fqdn",
                "request_timeout",
                "max_retries",
                "max_requests_per_minute",
                "ca_certificates",
                "proxy_url",
                "workload",
            ]
            .map(|k| (k, Value::Null)),
        );
        for (k, v) in pairs {
            m.set(k, v.clone());
        }
        m
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
    fn region_maps_to_host() {
        let s = resolve(&cfg(&[("api_key", "k".into()), ("region", "eu".into())]), &no_env).unwrap();
        assert_eq!(s.base_url, "https://api.eu.xdr.trendmicro.com");
        assert_eq!(s.request_timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn unknown_region_names_the_attribute() {
        let d = validate(&cfg(&[("region", "mars".into())]));
        assert!(d.has_errors());
        assert!(paths(&d)[0].contains("region"));
        assert!(d.0[0].detail.contains("usgov"));
    }

    #[test]
    fn both_region_and_url_conflict() {
        let d = validate(&cfg(&[
            ("region", "eu".into()),
            ("regional_fqdn", "https://x.example".into()),
        ]));
        assert!(d.0.iter().any(|x| x.summary == "Conflicting arguments"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://localhost:1").is_ok());
        assert!(check_url("http://[::1]:9").is_ok());
        assert!(check_url("http://api.example.com").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("api.xdr.trendmicro.com").is_err());
        assert_eq!(
            check_url("https://api.xdr.trendmicro.com/").unwrap(),
            "https://api.xdr.trendmicro.com"
        );
    }

    #[test]
    fn no_key_anywhere_is_an_error_on_api_key() {
        let d = resolve(&cfg(&[]), &no_env).unwrap_err();
        assert!(paths(&d).iter().any(|p| p.contains("api_key")));
    }

    #[test]
    fn env_fills_key_and_url() {
        let env = |k: &str| match k {
            ENV_API_KEY => Some("from-env".to_string()),
            ENV_REGIONAL_FQDN => Some("http://127.0.0.1:9999".to_string()),
            _ => None,
        };
        let s = resolve(&cfg(&[]), &env).unwrap();
        assert_eq!(s.api_key.as_deref(), Some("from-env"));
        assert_eq!(s.base_url, "http://127.0.0.1:9999");
        assert!(!format!("{s:?}").contains("from-env"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn ca_certificates_as_text_file_or_env() {
        let pem = visionone_emulator::test_pki::TestCa::new("Test CA").cert_pem;
        let s = resolve(
            &cfg(&[("api_key", "k".into()), ("ca_certificates", pem.as_str().into())]),
            &no_env,
        )
        .unwrap();
        assert_eq!(s.ca_certificates.as_deref(), Some(pem.as_str()));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("corp.pem");
        std::fs::write(&file, &pem).unwrap();
        let path = file.display().to_string();
        let s = resolve(
            &cfg(&[("api_key", "k".into()), ("ca_certificates", path.as_str().into())]),
            &no_env,
        )
        .unwrap();
        assert_eq!(s.ca_certificates.as_deref(), Some(pem.as_str()));
        let env = |k: &str| match k {
            ENV_CA_CERTIFICATES => Some(path.clone()),
            _ => None,
        };
        let s = resolve(&cfg(&[("api_key", "k".into())]), &env).unwrap();
        assert_eq!(s.ca_certificates.as_deref(), Some(pem.as_str()));
        assert!(!format!("{s:?}").contains("BEGIN"));
    }

    #[test]
    fn bad_ca_certificates_and_proxy_name_the_attribute() {
        for (value, text) in [
            ("/nonexistent/corp.pem", "Cannot read"),
            (
                "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
                "certificate 1",
            ),
        ] {
            let d = validate(&cfg(&[("ca_certificates", value.into())]));
            assert!(paths(&d).iter().any(|p| p.contains("ca_certificates")), "{value}");
            assert!(d.0[0].detail.contains(text), "{}", d.0[0].detail);
        }
        let env = |k: &str| (k == ENV_CA_CERTIFICATES).then(|| "/nonexistent/x.pem".to_string());
        let d = resolve(&cfg(&[("api_key", "k".into())]), &env).unwrap_err();
        assert!(d.0.iter().any(|x| x.detail.contains(ENV_CA_CERTIFICATES)));
        let d = validate(&cfg(&[("proxy_url", "not a url".into())]));
        assert!(paths(&d).iter().any(|p| p.contains("proxy_url")));
        assert!(!validate(&cfg(&[("proxy_url", "http://127.0.0.1:3128".into())])).has_errors());
    }

    #[test]
    fn the_model_is_the_schema() {
        assert_eq!(
            tfplugin::framework::check_model::<ProviderConfig>(&schema().block),
            Ok(())
        );
    }

    #[test]
    fn a_fraction_names_its_attribute() {
        let d = validate(&cfg(&[("max_retries", Value::Number(tfplugin::Number::Float(1.5)))]));
        assert!(paths(&d).iter().any(|p| p.contains("max_retries")));
        assert!(d.0[0].detail.contains("whole number"));
    }

    #[test]
    fn the_workload_block_configures_alone() {
        let block = Value::object([
            ("url", Value::from("http://127.0.0.1:9/api")),
            ("region", Value::Null),
            ("api_key", Value::from("wk")),
            ("username", Value::Null),
            ("password", Value::Null),
            ("tenant_name", Value::Null),
        ]);
        let s = resolve(&cfg(&[("workload", Value::List(vec![block]))]), &no_env).unwrap();
        assert_eq!(s.api_key, None);
        assert_eq!(s.workload.unwrap().url, "http://127.0.0.1:9/api");
    }

    #[test]
    fn retries_range() {
        assert!(validate(&cfg(&[("max_retries", Value::int(21))])).has_errors());
        assert!(!validate(&cfg(&[("max_retries", Value::int(3))])).has_errors());
        assert!(validate(&cfg(&[("max_requests_per_minute", Value::int(0))])).has_errors());
    }
}
