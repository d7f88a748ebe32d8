//! Working inside a company network: which roots to trust, which proxy to use, and what to say
//! when a certificate is refused.
//!
//! Trusted: the roots built into the binary (webpki-roots), the operating system's store (through
//! `rustls-native-certs`, which reads `SSL_CERT_FILE` / `SSL_CERT_DIR` instead when set, as
//! OpenSSL and Go do), and the PEM certificates of [`Network::ca_certificates`]. The store is read
//! when a client is built (at `ConfigureProvider`), never at process start. Proxies come from
//! `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (reqwest reads them), or from
//! [`Network::proxy_url`], which replaces them for this client only (`NO_PROXY` still applies).

use std::time::Duration;

use reqwest::Url;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::CertificateError;

use crate::Error;

/// The three ways to trust a company's CA, named in every certificate diagnostic.
pub const TRUST_ADVICE: &str = "To trust a company or private CA, do one of: add it to this machine's trust store \
     (on Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates); set \
     SSL_CERT_FILE (or SSL_CERT_DIR) to a PEM bundle that holds it; or give it to the provider as \
     `ca_certificates` (PEM text or a file path; env VISIONONE_CA_CERTIFICATES).";

/// Trust roots and proxy for one client, beyond what the machine provides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// PEM certificates trusted in addition to the built-in and system roots.
    pub ca_certificates: Option<String>,
    /// `http://HOST:PORT` (or `https://`): the proxy for this client, instead of `HTTPS_PROXY`.
    pub proxy_url: Option<String>,
}

impl Network {
    /// The HTTP client: rustls with ring, HTTP/2 by ALPN, no redirects. Reads the system store.
    pub(crate) fn http_client(&self, user_agent: &str, timeout: Duration) -> Result<reqwest::Client, Error> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(user_agent)
            .connect_timeout(timeout.min(Duration::from_secs(15)))
            // A redirect could carry the credential elsewhere; the APIs never redirect.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30));
        if let Some(pem) = &self.ca_certificates {
            for cert in parse_certificates(pem).map_err(|e| Error::Config(format!("ca_certificates: {e}")))? {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(url) = &self.proxy_url {
            check_proxy_url(url).map_err(|e| Error::Config(format!("proxy_url: {e}")))?;
            let proxy = reqwest::Proxy::all(url.as_str())
                .map_err(|e| Error::Config(format!("proxy_url: {e}")))?
                .no_proxy(reqwest::NoProxy::from_env());
            builder = builder.proxy(proxy);
        }
        builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {}", chain(&e))))
    }
}

/// Every certificate of a PEM bundle, each checked as a trust anchor. Errors say which one.
pub fn parse_certificates(pem: &str) -> Result<Vec<reqwest::Certificate>, String> {
    let mut out = Vec::new();
    for (i, der) in CertificateDer::pem_slice_iter(pem.as_bytes()).enumerate() {
        let der = der.map_err(|e| format!("certificate {} is not valid PEM: {e}", i + 1))?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| format!("certificate {} is not a usable X.509 CA certificate: {e}", i + 1))?;
        out.push(reqwest::Certificate::from_der(&der).map_err(|e| format!("certificate {}: {e}", i + 1))?);
    }
    if out.is_empty() {
        return Err("no certificate found: expected PEM text with -----BEGIN CERTIFICATE----- blocks".into());
    }
    Ok(out)
}

/// A proxy URL: `http://` or `https://`, with a host.
pub fn check_proxy_url(raw: &str) -> Result<(), String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL ({e}): expected http://HOST:PORT"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{raw:?}: the proxy must be http://HOST:PORT or https://HOST:PORT"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{raw:?} has no host"));
    }
    Ok(())
}

/// The user-facing text for a TLS failure, or `None` when `e` is not one.
pub(crate) fn tls_diagnostic(e: &reqwest::Error, url: &Url) -> Option<String> {
    let tls = find_rustls_error(e)?;
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let (what, advise) = match tls {
        rustls::Error::InvalidCertificate(c) => (certificate_problem(c, host), true),
        other => (format!("the TLS handshake failed: {other}"), false),
    };
    let mut text = format!("TLS: {host}:{port} was refused: {what}. Not retried.");
    if advise {
        text.push(' ');
        text.push_str(TRUST_ADVICE);
    }
    Some(text)
}

fn certificate_problem(c: &CertificateError, host: &str) -> String {
    match c {
        CertificateError::UnknownIssuer => "its certificate was issued by an unknown certificate authority \
             (unknown issuer: a private CA, or a proxy that inspects TLS with a company CA)"
            .into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "its certificate is not valid for the name {host:?} (name mismatch: check the URL, or a proxy \
             presents its own certificate)"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "its certificate has expired (check this machine's clock too)".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "its certificate is not valid yet (check this machine's clock)".into()
        }
        CertificateError::Revoked => "its certificate has been revoked".into(),
        other => format!("its certificate was refused ({other:?})"),
    }
}

/// rustls' error, wherever it sits in the chain (an `io::Error` hides it from `source()`).
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if let Some(tls) = find_rustls_error(inner) {
                return Some(tls);
            }
        }
        cur = err.source();
    }
    None
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text.push_str(": ");
        text.push_str(&s.to_string());
        cur = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bundles() {
        let pem = visionone_emulator::test_pki::TestCa::new("Test CA").cert_pem;
        assert_eq!(parse_certificates(&pem).unwrap().len(), 1);
        assert_eq!(parse_certificates(&format!("{pem}\n{pem}")).unwrap().len(), 2);
        let e = parse_certificates("hello").unwrap_err();
        assert!(e.contains("no certificate"), "{e}");
        let e =
            parse_certificates("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").unwrap_err();
        assert!(e.contains("certificate 1"), "{e}");
        let junk = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        let e = parse_certificates(&format!("{pem}{junk}")).unwrap_err();
        assert!(e.contains("certificate 2"), "{e}");
    }

    #[test]
    fn proxy_urls() {
        assert!(check_proxy_url("http://127.0.0.1:3128").is_ok());
        assert!(check_proxy_url("https://proxy.corp:8443").is_ok());
        assert!(check_proxy_url("socks5://127.0.0.1:1080").is_err());
        assert!(check_proxy_url("not a url").is_err());
    }

    #[test]
    fn advice_names_the_three_ways() {
        for way in ["update-ca-certificates", "SSL_CERT_FILE", "ca_certificates"] {
            assert!(TRUST_ADVICE.contains(way), "{way}");
        }
    }
}
