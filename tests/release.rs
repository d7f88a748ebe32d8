//! Packaging: `scripts/release.sh` builds the registry's files, and real Terraform installs the
//! zip from a packed `filesystem_mirror` (`terraform init` writes a lock file) and applies a
//! configuration with it against the emulator.
//!
//! The debug binary is packaged (`BINARY=...`) so that the test needs no release build.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use terraform_provider_visionone::SOURCE_ADDRESS;

const NAME: &str = "terraform-provider-visionone";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const ADMIN_TOKEN: &str = "release-test-admin-token";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn terraform_bin() -> PathBuf {
    if let Ok(p) = std::env::var("TERRAFORM") {
        return PathBuf::from(p);
    }
    let local = root().join(".tools/bin/terraform");
    assert!(
        local.exists(),
        "Terraform 1.0.3 not found: run `make tools` (or set TERRAFORM)"
    );
    local
}

/// Terraform's name for this machine's platform.
fn platform() -> (&'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    (std::env::consts::OS, arch)
}

/// The emulator on its own runtime (the minimal part of tests/e2e/harness.rs).
struct Emulator {
    url: String,
    rt: tokio::runtime::Runtime,
    handle: Option<visionone_emulator::Handle>,
}

impl Emulator {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt
            .block_on(visionone_emulator::start(visionone_emulator::Config {
                listen: "127.0.0.1:0".parse().unwrap(),
                admin_token: ADMIN_TOKEN.to_string(),
                ..Default::default()
            }))
            .expect("start emulator");
        Emulator {
            url: handle.base_url(),
            rt,
            handle: Some(handle),
        }
    }

    /// API paths the emulator has served (from its call log).
    fn called_paths(&self) -> Vec<String> {
        let url = format!("{}/_emulator/calls", self.url);
        let body: Json = self.rt.block_on(async move {
            reqwest::get(&url)
                .await
                .expect("call log")
                .json()
                .await
                .expect("call log JSON")
        });
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c["path"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

fn show(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run scripts/release.sh on the debug binary into `dist`.
fn package(dist: &Path) -> Output {
    let (os, arch) = platform();
    Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .env("BINARY", env!("CARGO_BIN_EXE_terraform-provider-visionone"))
        .env("DIST", dist)
        .env("GOOS", os)
        .env("GOARCH", arch)
        .env("ZIP_LEVEL", "1")
        .output()
        .expect("run scripts/release.sh")
}

#[test]
fn release_files_are_what_the_registry_expects() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let out = package(&dist);
    assert!(out.status.success(), "release.sh failed:\n{}", show(&out));
    let (os, arch) = platform();

    let bin = dist.join(format!("{NAME}_v{VERSION}"));
    let zip = format!("{NAME}_{VERSION}_{os}_{arch}.zip");
    let manifest = format!("{NAME}_{VERSION}_manifest.json");
    let sums = format!("{NAME}_{VERSION}_SHA256SUMS");
    for f in [bin.clone(), dist.join(&zip), dist.join(&manifest), dist.join(&sums)] {
        assert!(
            f.is_file(),
            "{} missing; dist holds {:?}",
            f.display(),
            std::fs::read_dir(&dist).unwrap().count()
        );
    }

    // The binary is the provider and answers --version with the crate's version.
    let v = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("{NAME} {VERSION}"));

    // The manifest declares protocol 6.0, as the repository's terraform-registry-manifest.json does.
    let m: Json = serde_json::from_slice(&std::fs::read(dist.join(&manifest)).unwrap()).unwrap();
    assert_eq!(
        m,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS names the zip and the manifest (goreleaser's layout) and every sum is right.
    let text = std::fs::read_to_string(dist.join(&sums)).unwrap();
    let names: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    assert_eq!(names, vec![zip.as_str(), manifest.as_str()]);
    assert!(text
        .lines()
        .all(|l| l.split_whitespace().next().is_some_and(|h| h.len() == 64)));
    let check = Command::new("sha256sum")
        .arg("-c")
        .arg(&sums)
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(check.status.success(), "sha256sum -c failed:\n{}", show(&check));

    // A second run replaces the files rather than failing or appending.
    let again = package(&dist);
    assert!(again.status.success(), "second release.sh failed:\n{}", show(&again));
    assert_eq!(std::fs::read_to_string(dist.join(&sums)).unwrap().lines().count(), 2);
}

#[test]
fn terraform_installs_the_zip_from_a_filesystem_mirror_and_applies() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let out = package(&dist);
    assert!(out.status.success(), "release.sh failed:\n{}", show(&out));
    let (os, arch) = platform();
    let zip = format!("{NAME}_{VERSION}_{os}_{arch}.zip");

    // A packed mirror: HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip.
    let mirror = tmp.path().join("mirror");
    let pkg_dir = mirror.join(SOURCE_ADDRESS);
    std::fs::create_dir_all(&pkg_dir).unwrap();
    std::fs::copy(dist.join(&zip), pkg_dir.join(&zip)).unwrap();

    let rc = tmp.path().join("terraformrc");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/visionone-iam/*\"]\n  }}\n  \
             direct {{\n    exclude = [\"registry.terraform.io/visionone-iam/*\"]\n  }}\n}}\n",
            mirror.display().to_string()
        ),
    )
    .unwrap();

    // Terraform only starts a provider when the configuration reads or manages something.
    let provider = terraform_provider_visionone::provider::VisionOne::new();
    let has_data_source = tfplugin::Provider::schemas(&provider)
        .data_sources
        .contains_key("visionone_permission_keys");
    let body = if has_data_source {
        "data \"visionone_permission_keys\" \"all\" {}\n\noutput \"permission_keys_id\" {\n  value = data.visionone_permission_keys.all.id\n}\n"
    } else {
        eprintln!("visionone_permission_keys is not registered: applying the provider block alone");
        ""
    };
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    visionone = {{\n      source  = \"visionone-iam/visionone\"\n      \
             version = \"{VERSION}\"\n    }}\n  }}\n}}\n\nprovider \"visionone\" {{}}\n\n{body}"
        ),
    )
    .unwrap();

    let emu = Emulator::start();
    let tf = |args: &[&str]| {
        Command::new(terraform_bin())
            .args(args)
            .current_dir(&work)
            .env_remove("TF_LOG")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("VISIONONE_API_KEY", ADMIN_TOKEN)
            .env("VISIONONE_REGIONAL_FQDN", &emu.url)
            .output()
            .expect("run terraform")
    };

    let init = tf(&["init", "-input=false", "-no-color"]);
    assert!(init.status.success(), "terraform init failed:\n{}", show(&init));
    let init_out = String::from_utf8_lossy(&init.stdout);
    assert!(
        init_out.contains(&format!("Installed visionone-iam/visionone v{VERSION}")),
        "{init_out}"
    );

    // The lock file pins the version with a hash of the package Terraform verified.
    let lock = std::fs::read_to_string(work.join(".terraform.lock.hcl")).expect(".terraform.lock.hcl written");
    assert!(lock.contains(&format!("provider \"{SOURCE_ADDRESS}\"")), "{lock}");
    assert!(lock.contains(&format!("version     = \"{VERSION}\"")), "{lock}");
    assert!(lock.contains("\"h1:"), "{lock}");

    // The installed executable is the one in the zip.
    let installed = work
        .join(".terraform/providers")
        .join(SOURCE_ADDRESS)
        .join(VERSION)
        .join(format!("{os}_{arch}"))
        .join(format!("{NAME}_v{VERSION}"));
    assert_eq!(
        std::fs::read(&installed).expect("installed provider binary"),
        std::fs::read(dist.join(format!("{NAME}_v{VERSION}"))).unwrap()
    );

    let apply = tf(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(apply.status.success(), "terraform apply failed:\n{}", show(&apply));
    assert!(
        String::from_utf8_lossy(&apply.stdout).contains("Apply complete!"),
        "{}",
        show(&apply)
    );
    if has_data_source {
        // The installed provider really served the read: the emulator saw the catalogue call.
        let paths = emu.called_paths();
        assert!(
            paths.iter().any(|p| p.contains("/iam/roles/permissionKeys")),
            "no permission catalogue call in the emulator's log: {paths:?}"
        );
    }
}
