//! Transport: only the holder of Terraform's client certificate can talk to the provider.
//!
//! The real provider binary is started the way Terraform starts it (magic cookie, protocol
//! versions, `PLUGIN_CLIENT_CERT` with a P-521 certificate like Terraform's). Intruders on the
//! same machine then try its socket: plain HTTP/2, TLS without a certificate, and TLS with a
//! certificate of their own (TLS 1.3 and 1.2). Each must get no HTTP/2 answer. The `openssl`
//! CLI is the TLS peer (ring cannot sign with P-521); a positive control with the right
//! certificate proves the probe would see the gRPC server's SETTINGS frame if it got through.

use crate::harness::provider_bin;
use crate::report::Report;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The HTTP/2 client preface followed by an empty SETTINGS frame.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
const PATIENCE: Duration = Duration::from_secs(4);

/// A self-signed P-521 certificate shaped like Terraform's (CA:TRUE, client and server EKU).
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    tfplugin::testing::terraform_client_cert(dir, name).expect("certificate")
}

/// The provider started as Terraform would, and its socket from the handshake line.
struct Provider {
    child: Child,
    socket: String,
}

impl Provider {
    fn start(client_cert_pem: &str) -> Provider {
        let mut child = Command::new(provider_bin())
            .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_CLIENT_CERT", client_cert_pem)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let fields: Vec<&str> = line.trim_end().split('|').collect();
        assert!(
            fields.len() >= 6 && fields[2] == "unix",
            "unexpected handshake line {line:?}"
        );
        Provider {
            child,
            socket: fields[3].to_string(),
        }
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `bytes` start with an HTTP/2 SETTINGS frame: what a gRPC server sends first.
fn is_h2_settings(bytes: &[u8]) -> bool {
    bytes.len() >= 9 && bytes[3] == 0x04 && bytes[5..9] == [0, 0, 0, 0]
}

/// Reads what `r` yields within PATIENCE, stopping after 9 bytes.
fn first_bytes(mut r: impl Read + Send + 'static) -> Vec<u8> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while got.len() < 9 {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let _ = tx.send(got);
    });
    rx.recv_timeout(PATIENCE).unwrap_or_default()
}

/// A plain-text HTTP/2 client on the socket.
fn plain_h2(socket: &str) -> Vec<u8> {
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return Vec::new();
    };
    let _ = s.write_all(PREFACE);
    first_bytes(s)
}

/// A TLS client (openssl s_client) that sends the HTTP/2 preface once connected.
fn tls_h2(socket: &str, extra: &[&str]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["s_client", "-quiet", "-unix", socket, "-alpn", "h2"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client");
    let _ = child.stdin.take().unwrap().write_all(PREFACE);
    let got = first_bytes(child.stdout.take().unwrap());
    let _ = child.kill();
    let _ = child.wait();
    got
}

/// One intruder's try: the first bytes it got back.
type Attempt<'a> = Box<dyn Fn() -> Vec<u8> + 'a>;

#[test]
fn transport() {
    let dir = tempfile::tempdir().unwrap();
    let (tf_crt, tf_key) = certificate(dir.path(), "terraform");
    let (in_crt, in_key) = certificate(dir.path(), "intruder");
    let mut p = Provider::start(&std::fs::read_to_string(&tf_crt).unwrap());
    let s = |p: &Path| p.display().to_string();
    let (tf_crt, tf_key, in_crt, in_key) = (s(&tf_crt), s(&tf_key), s(&in_crt), s(&in_key));
    let terraform = ["-cert", tf_crt.as_str(), "-key", tf_key.as_str()];

    let mut r = Report::new("transport");
    r.load = "1 provider process, 4 intruder clients".into();
    r.check(is_h2_settings(&tls_h2(&p.socket, &terraform)), || {
        "positive control: Terraform's certificate got no HTTP/2 answer, so the probe proves nothing".into()
    });

    let intruders: Vec<(&str, Attempt)> = vec![
        ("plain HTTP/2 without TLS", Box::new(|| plain_h2(&p.socket))),
        ("TLS without a client certificate", Box::new(|| tls_h2(&p.socket, &[]))),
        (
            "TLS 1.3 with another P-521 certificate",
            Box::new(|| tls_h2(&p.socket, &["-tls1_3", "-cert", &in_crt, "-key", &in_key])),
        ),
        (
            "TLS 1.2 with another P-521 certificate",
            Box::new(|| tls_h2(&p.socket, &["-tls1_2", "-cert", &in_crt, "-key", &in_key])),
        ),
    ];
    for (what, attempt) in &intruders {
        r.inputs_tried += 1;
        r.faults_injected += 1;
        let answer = attempt();
        if is_h2_settings(&answer) {
            r.fail(format!("{what}: the provider answered over HTTP/2"));
        } else {
            r.faults_survived += 1;
        }
    }
    drop(intruders);
    r.check(p.alive(), || "the provider died after the intruders' attempts".into());
    r.check(is_h2_settings(&tls_h2(&p.socket, &terraform)), || {
        "Terraform's certificate no longer works after the intruders' attempts".into()
    });
    r.finish();
}
