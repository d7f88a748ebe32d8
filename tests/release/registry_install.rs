//! `terraform init` installs the signed release from a provider registry over HTTPS, as users
//! get it from registry.terraform.io, with Terraform 1.15.5 and 1.0.3: the signature checked,
//! the lock file written, and `apply` served by the installed provider. A tampered zip, a wrong
//! checksum and a bad signature are each refused.
//!
//! A `host "registry.terraform.io"` block in the CLI configuration sends the unchanged source
//! address `visionone-iam/visionone` to the local registry; a second working directory uses the
//! address `localhost:PORT/visionone-iam/visionone`, which Terraform finds through service
//! discovery. The registry's throwaway CA is trusted through `SSL_CERT_FILE`.

use crate::emulator::Emulator;
use crate::gpg::key_id;
use crate::package::*;
use crate::registry::{Registry, Tamper};
use crate::terraform::{flat, required, Work};
use crate::tls::Tls;
use terraform_provider_visionone::SOURCE_ADDRESS;

/// The CLI configuration: direct installation only (no implied local mirrors), and with
/// `host_block` the registry.terraform.io services pointed at `registry`.
fn cli_config(registry: &Registry, host_block: bool) -> String {
    let mut rc = "provider_installation {\n  direct {}\n}\n".to_string();
    if host_block {
        rc.push_str(&format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n",
            registry.base()
        ));
    }
    rc
}

fn work(version: &str, registry: &Registry, host_block: bool, tls: &Tls, emu: &Emulator) -> Work {
    let mut w = Work::new(version, &cli_config(registry, host_block), emu);
    w.env("SSL_CERT_FILE", tls.ca_file.to_str().unwrap());
    w
}

fn installs_from_the_registry_and_applies(version: &str) {
    let rel = Release::get();
    let ca = tempfile::tempdir().unwrap();
    let tls = Tls::new(ca.path());
    let registry = Registry::start(rel, &tls, Tamper::None);
    let emu = Emulator::start(rel);

    // Through the host block: the configuration users write, unchanged.
    let w = work(version, &registry, true, &tls, &emu);
    w.write(
        "main.tf",
        &format!(
            "{}\nresource \"visionone_api_key\" \"ci\" {{\n  name = \"installed-from-registry\"\n  role = \"SIEM\"\n}}\n",
            required("visionone-iam/visionone")
        ),
    );
    let init = w.run(&["init", "-input=false"]);
    assert!(init.status.success(), "{version}: init failed:\n{}", show(&init));
    // "(self-signed, key ID ...)": Terraform verified SHA256SUMS against the registry's key.
    let installed = format!(
        "Installed visionone-iam/visionone v{VERSION} (self-signed, key ID {})",
        key_id(&rel.fingerprint)
    );
    assert!(
        flat(&init).contains(&installed),
        "{version}: wanted {installed:?} in\n{}",
        show(&init)
    );

    let reqs = registry.requests();
    for path in [
        "/v1/providers/visionone-iam/visionone/versions".to_string(),
        Registry::download_path(),
        format!("/files/{}", zip_name()),
        format!("/files/{}", sums_name()),
        format!("/files/{}.sig", sums_name()),
    ] {
        assert!(
            reqs.contains(&path),
            "{version}: the registry never served {path}: {reqs:?}"
        );
    }

    // The lock file pins the version with the hash of the unpacked package (h1:) and, from the
    // signed SHA256SUMS, the zip's own hash (zh:).
    let lock = std::fs::read_to_string(w.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(lock.contains(&format!("provider \"{SOURCE_ADDRESS}\"")), "{lock}");
    assert!(lock.contains(&format!("version     = \"{VERSION}\"")), "{lock}");
    assert!(lock.contains("\"h1:"), "{lock}");
    assert!(lock.contains(&format!("\"zh:{}\"", rel.zip_sha())), "{lock}");

    let apply = w.run(&["apply", "-auto-approve", "-input=false"]);
    assert!(apply.status.success(), "{version}: apply failed:\n{}", show(&apply));
    let keys = emu.keys();
    assert_eq!(keys.len(), 1, "{version}: {keys:?}");
    assert_eq!(keys[0]["name"], "installed-from-registry");
    let destroy = w.run(&["destroy", "-auto-approve", "-input=false"]);
    assert!(
        destroy.status.success(),
        "{version}: destroy failed:\n{}",
        show(&destroy)
    );
    assert!(emu.keys().is_empty(), "{version}: keys left behind");

    // Through service discovery: the registry's own host name in the source address.
    let source = format!("localhost:{}/visionone-iam/visionone", registry.port);
    let d = work(version, &registry, false, &tls, &emu);
    d.write("main.tf", &required(&source));
    let init = d.run(&["init", "-input=false"]);
    assert!(
        init.status.success(),
        "{version}: init through discovery failed:\n{}",
        show(&init)
    );
    assert!(
        registry.requests().iter().any(|p| p == "/.well-known/terraform.json"),
        "{version}: no service discovery request"
    );
    let lock = std::fs::read_to_string(d.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(lock.contains(&format!("provider \"{source}\"")), "{lock}");
}

fn refuses_what_was_tampered_with(version: &str) {
    let rel = Release::get();
    let ca = tempfile::tempdir().unwrap();
    let tls = Tls::new(ca.path());
    let emu = Emulator::start(rel);
    // Terraform's own wording (internal/getproviders/package_authentication.go), stable since 0.13.
    let cases = [
        (Tamper::Zip, "archive has incorrect checksum"),
        (Tamper::Checksum, "checksum list has unexpected SHA-256 hash"),
        (Tamper::UnknownSigner, "authentication signature from unknown issuer"),
        (Tamper::StaleSignature, "error checking signature"),
    ];
    for (tamper, refusal) in cases {
        let registry = Registry::start(rel, &tls, tamper);
        let w = work(version, &registry, true, &tls, &emu);
        w.write("main.tf", &required("visionone-iam/visionone"));
        let init = w.run(&["init", "-input=false"]);
        assert!(
            !init.status.success(),
            "{version} {tamper:?}: init succeeded:\n{}",
            show(&init)
        );
        let text = flat(&init);
        assert!(
            text.contains("Failed to install provider") && text.contains(refusal),
            "{version} {tamper:?}: wanted {refusal:?} in\n{}",
            show(&init)
        );
        assert!(
            registry.requests().contains(&format!("/files/{}", zip_name())),
            "{version} {tamper:?}: refused before the package was fetched"
        );
        // Nothing was installed, nothing was locked.
        assert!(
            !w.path()
                .join(".terraform/providers")
                .join(SOURCE_ADDRESS)
                .join(VERSION)
                .exists(),
            "{version} {tamper:?}: the package was installed"
        );
        let lock = std::fs::read_to_string(w.path().join(".terraform.lock.hcl")).unwrap_or_default();
        assert!(!lock.contains(SOURCE_ADDRESS), "{version} {tamper:?}: locked:\n{lock}");
    }
}

#[test]
fn terraform_1_15_5_installs_from_the_registry_and_applies() {
    installs_from_the_registry_and_applies("1.15.5");
}

#[test]
fn terraform_1_0_3_installs_from_the_registry_and_applies() {
    installs_from_the_registry_and_applies("1.0.3");
}

#[test]
fn terraform_1_15_5_refuses_a_tampered_package() {
    refuses_what_was_tampered_with("1.15.5");
}

#[test]
fn terraform_1_0_3_refuses_a_tampered_package() {
    refuses_what_was_tampered_with("1.0.3");
}
