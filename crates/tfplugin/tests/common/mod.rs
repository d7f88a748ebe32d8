//! Test harness: starts the example provider as Terraform would, and connects to it with a
//! Terraform-like AutoMTLS client (P-521 client certificate, server certificate pinned).

#![allow(dead_code)]

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{DigitallySignedStruct, SignatureAlgorithm, SignatureScheme};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use tonic::transport::{Channel, Endpoint};

pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like Terraform's: ECDSA P-521/SHA-512, self-signed, CA:TRUE.
#[derive(Clone)]
pub struct ClientCert {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key: p521::ecdsa::SigningKey,
}

/// Made with the `openssl` CLI: ring (and so rcgen without aws-lc) cannot sign with P-521.
pub fn client_cert(dir: &Path, name: &str) -> ClientCert {
    let (cert, key) = tfplugin::testing::terraform_client_cert(dir, name).expect("certificate");
    let pem = std::fs::read_to_string(&cert).unwrap();
    let der = tfplugin::tls::parse_cert_pem(&pem).unwrap();
    let key_pem = std::fs::read(&key).unwrap();
    let key_der = match rustls_pemfile::private_key(&mut key_pem.as_slice()).unwrap().unwrap() {
        rustls::pki_types::PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        _ => panic!("expected PKCS#8"),
    };
    use p521::pkcs8::DecodePrivateKey;
    let secret = p521::SecretKey::from_pkcs8_der(&key_der).unwrap();
    let key = p521::ecdsa::SigningKey::from_bytes(&secret.to_bytes()).unwrap();
    ClientCert { pem, der, key }
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!("tfplugin-test-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `target/<profile>/examples/<name>` (cargo test builds the examples).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    profile_dir.join("examples").join(name)
}

/// A running provider process and its handshake.
pub struct Plugin {
    pub child: Child,
    pub line: String,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Plugin {
    /// Starts the echo provider with Terraform's environment plus `extra`.
    pub fn start(client: Option<&ClientCert>, extra: &[(&str, &str)]) -> Plugin {
        let mut cmd = Command::new(example("echo"));
        cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env_remove("PLUGIN_CLIENT_CERT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(c) = client {
            cmd.env("PLUGIN_CLIENT_CERT", &c.pem);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start echo example");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        Plugin {
            child,
            line: line.trim_end().to_string(),
            stdout,
        }
    }

    pub fn fields(&self) -> Vec<String> {
        self.line.split('|').map(str::to_string).collect()
    }

    pub fn server_cert(&self) -> CertificateDer<'static> {
        use base64::Engine;
        let f = self.fields();
        CertificateDer::from(base64::engine::general_purpose::STANDARD_NO_PAD.decode(&f[5]).unwrap())
    }

    /// The rest of stdout (debug mode prints more).
    pub fn read_line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).unwrap();
        l
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `secs` for exit.
    pub fn wait_exit(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Plugin {
    /// SIGTERM first so the provider removes its socket directory; SIGKILL if it lingers.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        if self.wait_exit(3).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Connects like Terraform: TLS with the client certificate, server pinned to the handshake
/// certificate, ALPN h2; or plain when `client` is None.
pub async fn connect(plugin: &Plugin, client: Option<&ClientCert>) -> Result<Channel, tonic::transport::Error> {
    let f = plugin.fields();
    let (network, addr) = (f[2].clone(), f[3].clone());
    let tls = client.map(|c| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer {
                der: plugin.server_cert(),
                provider,
            }))
            .with_client_cert_resolver(Arc::new(P521Client {
                key: Arc::new(CertifiedKey::new(vec![c.der.clone()], Arc::new(P521Key(c.key.clone())))),
            }));
        cfg.alpn_protocols = vec![b"h2".to_vec()];
        tokio_rustls::TlsConnector::from(Arc::new(cfg))
    });
    let connector = tower::service_fn(move |_uri: tonic::transport::Uri| {
        let (network, addr, tls) = (network.clone(), addr.clone(), tls.clone());
        async move {
            let io: Box<dyn Io> = if network == "unix" {
                Box::new(tokio::net::UnixStream::connect(&addr).await?)
            } else {
                Box::new(tokio::net::TcpStream::connect(&addr).await?)
            };
            let io: Box<dyn Io> = match tls {
                Some(t) => Box::new(t.connect(ServerName::try_from("localhost").unwrap(), io).await?),
                None => io,
            };
            Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(io))
        }
    });
    Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
}

pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

#[derive(Debug)]
struct PinnedServer {
    der: CertificateDer<'static>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("unexpected server certificate".into()))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[derive(Debug)]
struct P521Client {
    key: Arc<CertifiedKey>,
}

impl ResolvesClientCert for P521Client {
    fn resolve(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        schemes
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| self.key.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

struct P521Key(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Key")
    }
}

impl SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(P521Signer(self.0.clone())) as Box<dyn Signer>)
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

struct P521Signer(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Signer")
    }
}

impl Signer for P521Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        use p521::ecdsa::signature::Signer as _;
        let sig: p521::ecdsa::Signature = self.0.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}
