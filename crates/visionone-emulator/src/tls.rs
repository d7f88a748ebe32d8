//! Serving over TLS (`--tls-cert`/`--tls-key`), so tests and users' CI can exercise trust roots
//! and TLS-inspecting proxies the way a company network presents them.

use std::io;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A server certificate chain and its private key, both PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsIdentity {
    /// The private key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity(<redacted>)")
    }
}

/// An acceptor with the ring provider and HTTP/1.1 only (what the accept loop serves).
pub(crate) fn acceptor(id: &TlsIdentity) -> io::Result<TlsAcceptor> {
    let bad =
        |what: &str, e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"));
    let chain = CertificateDer::pem_slice_iter(&id.cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("the TLS certificate is not PEM", &e))?;
    if chain.is_empty() {
        return Err(bad("the TLS certificate file", &"holds no CERTIFICATE block"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(&id.key_pem).map_err(|e| bad("the TLS key is not a PEM private key", &e))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS setup", &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad("the TLS certificate and key do not fit", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
