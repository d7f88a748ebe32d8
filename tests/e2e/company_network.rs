//! Company networks through real Terraform: the emulator over TLS with a throwaway CA, refused
//! with a diagnostic after one connection, then trusted through `SSL_CERT_FILE`, through
//! `ca_certificates`, and through the system store; requests through an HTTP CONNECT proxy, and
//! `NO_PROXY` bypassing it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use visionone_emulator::test_pki::TestCa;
use visionone_emulator::test_proxy::ConnectProxy;

use crate::harness::*;

/// A read that makes one API call (a filtered role list).
const READ_ROLE: &str = r#"
data "visionone_role" "auditor" {
  name = "Auditor"
}
output "auditor" { value = data.visionone_role.auditor.id }
"#;

/// The emulator over TLS (a certificate for 127.0.0.1 from a fresh CA) and a CONNECT proxy, each
/// on loopback, served by one runtime.
struct TlsBed {
    ca: TestCa,
    url: String,
    proxy: ConnectProxy,
    rt: tokio::runtime::Runtime,
    handle: Option<visionone_emulator::Handle>,
    /// A plain emulator whose only use is building `Tf` with today's harness.
    plain: Emulator,
}

impl TlsBed {
    fn start() -> TlsBed {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let ca = TestCa::new("visionone e2e throwaway CA");
        let cfg = visionone_emulator::Config {
            admin_token: ADMIN_TOKEN.to_string(),
            ..Default::default()
        };
        let handle = rt
            .block_on(visionone_emulator::start_tls(cfg, &ca.server(&["127.0.0.1"])))
            .expect("emulator over TLS");
        let proxy = rt.block_on(ConnectProxy::start()).expect("proxy");
        TlsBed {
            ca,
            url: handle.base_url(),
            proxy,
            rt,
            handle: Some(handle),
            plain: Emulator::start(),
        }
    }

    /// A working directory aimed at the TLS emulator, with `body` after the header.
    fn tf(&self, provider_block: &str, body: &str) -> Tf {
        let mut tf = Tf::new(&self.plain);
        for (k, v) in tf.env.iter_mut() {
            if k == "VISIONONE_REGIONAL_FQDN" {
                *v = self.url.clone();
            }
        }
        tf.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    visionone = {{ source = \"visionone-iam/visionone\" }}\n  }}\n}}\n\
                 provider \"visionone\" {{\n{provider_block}\n}}\n{body}"
            ),
        );
        tf
    }

    fn ca_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("corp-ca.pem");
        std::fs::write(&path, &self.ca.cert_pem).unwrap();
        path
    }
}

impl Drop for TlsBed {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

fn with_env(mut tf: Tf, pairs: &[(&str, &str)]) -> Tf {
    for (k, v) in pairs {
        tf.env.push((k.to_string(), v.to_string()));
    }
    tf
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];

fn read_ok(tf: &Tf) {
    assert_read(tf, tf.run(APPLY));
}

fn assert_read(tf: &Tf, o: Out) {
    assert_eq!(o.code, 0, "{}", o.all());
    let out = tf.outputs();
    assert!(out["auditor"]["value"].as_str().is_some_and(|v| !v.is_empty()), "{out}");
}

#[test]
fn an_unknown_ca_is_refused_after_one_connection_with_the_ways_to_trust_it() {
    let bed = TlsBed::start();
    // The proxy counts connections: a retry would be a second CONNECT.
    let tf = with_env(bed.tf("", READ_ROLE), &[("HTTPS_PROXY", &bed.proxy.url())]);
    let o = tf.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all().replace('\n', " ");
    let all = all.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "127.0.0.1:",
        "unknown issuer",
        "Not retried",
        "update-ca-certificates",
        "SSL_CERT_FILE",
        "ca_certificates",
    ] {
        assert!(all.contains(want), "expected {want:?} in: {all}");
    }
    assert!(!all.contains("attempts"), "{all}");
    assert!(!all.contains(ADMIN_TOKEN), "{all}");
    assert_eq!(bed.proxy.connects(), 1, "exactly one connection, no retries");
}

#[test]
fn ssl_cert_file_is_trusted() {
    let bed = TlsBed::start();
    let tf = bed.tf("", READ_ROLE);
    let file = bed.ca_file(tf.path());
    let tf = with_env(tf, &[("SSL_CERT_FILE", &file.display().to_string())]);
    read_ok(&tf);
}

#[test]
fn ca_certificates_in_the_block_as_a_path_or_from_the_environment() {
    let bed = TlsBed::start();
    let tf = bed.tf("", READ_ROLE);
    let file = bed.ca_file(tf.path());
    let tf = bed.tf(
        &format!("  ca_certificates = {:?}", file.display().to_string()),
        READ_ROLE,
    );
    read_ok(&tf);
    let tf = with_env(
        bed.tf("", READ_ROLE),
        &[("VISIONONE_CA_CERTIFICATES", &bed.ca.cert_pem)],
    );
    read_ok(&tf);
}

#[test]
fn a_bad_ca_certificates_value_is_an_error_on_the_attribute() {
    let bed = TlsBed::start();
    let tf = bed.tf("  ca_certificates = \"/nonexistent/corp-ca.pem\"", READ_ROLE);
    let o = tf.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all();
    assert!(all.contains("Invalid ca_certificates"), "{all}");
    assert!(all.contains("/nonexistent/corp-ca.pem"), "{all}");
}

/// Tests that change the machine's trust store run one at a time.
static SYSTEM_STORE: Mutex<()> = Mutex::new(());

/// Adds a CA to the system store (`update-ca-certificates`) and takes it out again on drop.
struct SystemCa {
    path: PathBuf,
}

impl SystemCa {
    fn install(pem: &str) -> SystemCa {
        let path = PathBuf::from(format!(
            "/usr/local/share/ca-certificates/visionone-e2e-{}.crt",
            std::process::id()
        ));
        std::fs::write(&path, pem).unwrap_or_else(|e| {
            panic!("this test adds a CA to the system store and needs write access to {path:?}: {e}")
        });
        let ca = SystemCa { path };
        update_ca_certificates();
        ca
    }
}

impl Drop for SystemCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        update_ca_certificates();
    }
}

fn update_ca_certificates() {
    let o = Command::new("update-ca-certificates")
        .arg("--fresh")
        .output()
        .expect("update-ca-certificates (package ca-certificates) is needed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Run with the platform's own store: without the `SSL_CERT_FILE` / `SSL_CERT_DIR` that some
/// machines (this CI's among them) export, which would replace it.
fn run_with_platform_store(tf: &Tf, args: &[&str]) -> Out {
    let mut c = tf.command(args);
    c.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    Out::from(c.output().expect("run terraform"))
}

#[test]
fn the_system_store_is_trusted() {
    let _one_at_a_time = SYSTEM_STORE.lock().unwrap_or_else(|e| e.into_inner());
    let bed = TlsBed::start();
    let before = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
    {
        let _ca = SystemCa::install(&bed.ca.cert_pem);
        let tf = bed.tf("", READ_ROLE);
        assert_read(&tf, run_with_platform_store(&tf, APPLY));
    }
    // Restored: the CA is gone again, so the same read is refused.
    let after = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
    assert_eq!(before.len(), after.len(), "the system store is restored");
    let o = run_with_platform_store(&bed.tf("", READ_ROLE), &["plan", "-input=false", "-no-color"]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("unknown issuer"), "{}", o.all());
}

#[test]
fn https_proxy_carries_the_calls_and_no_proxy_bypasses_it() {
    let bed = TlsBed::start();
    let trust = format!("  ca_certificates = {:?}", bed.ca.cert_pem);
    let proxy = bed.proxy.url();

    read_ok(&with_env(bed.tf(&trust, READ_ROLE), &[("HTTPS_PROXY", &proxy)]));
    let through = bed.proxy.connects();
    assert!(through >= 1, "the call went through the proxy");

    read_ok(&with_env(
        bed.tf(&trust, READ_ROLE),
        &[("HTTPS_PROXY", &proxy), ("NO_PROXY", "127.0.0.1")],
    ));
    assert_eq!(bed.proxy.connects(), through, "NO_PROXY bypassed the proxy");

    // `proxy_url` in the block, with no proxy in the environment.
    read_ok(&bed.tf(&format!("{trust}\n  proxy_url = {proxy:?}"), READ_ROLE));
    assert!(bed.proxy.connects() > through, "proxy_url was used");
}
