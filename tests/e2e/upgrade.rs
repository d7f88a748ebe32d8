//! Upgrading from release 0.1.0: the state 0.1.0 wrote (`tests/fixtures/v0.1.0/`, see its
//! README) must plan with no changes under today's provider and emulator, on Terraform 1.0.3
//! and 1.15.5, and a refresh must keep the key's secret, which still authenticates.
//!
//! The emulator starts from a copy of the tenant 0.1.0 left behind, with its clock pinned to
//! just after the fixtures were made, so key expiry and rotation windows do not drift with the
//! calendar.

use crate::harness::{Emulator, Tf};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0.1.0")
}

/// Today's emulator serving a copy of the 0.1.0 tenant.
struct Tenant {
    emu: Emulator,
    _dir: tempfile::TempDir,
}

impl Tenant {
    fn from_fixture() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("emulator-state.json");
        std::fs::copy(fixtures().join("emulator-state.json"), &state).expect("copy emulator state");
        let emu = Emulator::start_with(|c| c.state_file = Some(state));
        // One hour after the fixtures were made: every key young, none due for rotation.
        let made_at = std::fs::read_to_string(fixtures().join("made-at.txt")).expect("made-at.txt");
        for body in [json!({ "set": made_at.trim() }), json!({ "advanceSeconds": 3600 })] {
            emu.control("POST", "clock", body);
        }
        Tenant { emu, _dir: dir }
    }

    /// Every key on the server as `(id, name, expiry)`, sorted.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .emu
            .keys()
            .iter()
            .map(|k| format!("{} {} {}", k["id"], k["name"], k["expiredDateTime"]))
            .collect();
        keys.sort();
        keys
    }

    /// Whether `secret` authenticates, and may list keys (the role's `iam.apiKeys.view`).
    fn authenticates(&self, secret: &str) -> bool {
        let ok = |path: &str| self.emu.api_as(secret, "GET", path) == 200;
        ok("/healthcheck/connectivity") && ok("/iam/apiKeys")
    }
}

/// A working directory holding the 0.1.0 configuration and the state 0.1.0 wrote, wired to
/// today's provider binary and `tenant`.
fn workdir(tenant: &Tenant) -> Tf {
    let tf = Tf::new(&tenant.emu);
    for f in ["main.tf", "terraform.tfstate"] {
        std::fs::copy(fixtures().join(f), tf.path().join(f)).expect("copy fixture");
    }
    tf
}

/// The managed resources in a state file (format 4) by address, with their attributes.
fn state_resources(path: &Path) -> Vec<(String, Json)> {
    let state: Json = serde_json::from_slice(&std::fs::read(path).expect("read state")).expect("state JSON");
    let mut out = Vec::new();
    for r in state["resources"].as_array().expect("resources") {
        if r["mode"] == "managed" {
            let address = format!("{}.{}", r["type"].as_str().unwrap(), r["name"].as_str().unwrap());
            out.push((address, r["instances"][0]["attributes"].clone()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn secret(resources: &[(String, Json)], address: &str) -> String {
    let (_, attrs) = resources.iter().find(|(a, _)| a == address).expect("key in state");
    attrs["secret"].as_str().expect("secret in state").to_string()
}

/// Runs on the bed's Terraform: `make test` runs the e2e binary on 1.0.3 and on 1.15.5.
#[test]
fn state_from_0_1_0_plans_no_changes() {
    let version = crate::harness::terraform_version();
    let tenant = Tenant::from_fixture();
    let keys_before = tenant.keys();
    assert_eq!(keys_before.len(), 2, "the fixture tenant holds the two keys of main.tf");
    let tf = workdir(&tenant);
    let fixture_state = state_resources(&fixtures().join("terraform.tfstate"));
    let fixture_secret = secret(&fixture_state, "visionone_api_key.ci");
    assert!(
        tenant.authenticates(&fixture_secret),
        "the fixture's secret authenticates"
    );

    let plan = tf.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-out=upgrade.tfplan",
    ]);
    assert_eq!(
        plan.code,
        0,
        "Terraform {version}: 0.1.0's state must plan with no changes:\n{}",
        plan.all()
    );
    let shown: Json =
        serde_json::from_str(&tf.ok(&["show", "-json", "upgrade.tfplan"]).stdout).expect("show -json of the plan");
    let changes = shown["resource_changes"].as_array().cloned().unwrap_or_default();
    assert!(
        changes.iter().filter(|c| c["mode"] == "managed").count() >= 4,
        "the plan covers every resource: {changes:?}"
    );
    for c in &changes {
        assert_eq!(
            c["change"]["actions"],
            json!(["no-op"]),
            "Terraform {version}: {} changes: {c}",
            c["address"]
        );
    }

    // A refresh through today's provider rewrites the state: same objects, same secret.
    tf.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]);
    let refreshed = state_resources(&tf.path().join("terraform.tfstate"));
    let addresses = |r: &[(String, Json)]| r.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>();
    assert_eq!(addresses(&refreshed), addresses(&fixture_state));
    assert_eq!(
        secret(&refreshed, "visionone_api_key.ci"),
        fixture_secret,
        "the secret survives a refresh"
    );
    for ((address, old), (_, new)) in fixture_state.iter().zip(&refreshed) {
        assert_eq!(old["id"], new["id"], "{address} keeps its id");
    }
    let plan = tf.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        plan.code,
        0,
        "Terraform {version}: no changes after the refresh:\n{}",
        plan.all()
    );

    assert_eq!(tenant.keys(), keys_before, "no key created or deleted");
    assert!(tenant.authenticates(&fixture_secret), "the secret still authenticates");
}
