//! The test bed: an emulator on loopback, a scratch Terraform working directory with a
//! `dev_overrides` CLI config pointing at the freshly built provider, and helpers to run
//! Terraform and inspect both its state and the emulator's objects.

#![allow(dead_code)]

use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const ADMIN_TOKEN: &str = "e2e-admin-token";

/// The emulator, served by its own runtime on a background thread.
pub struct Emulator {
    pub url: String,
    rt: tokio::runtime::Runtime,
    handle: Option<visionone_emulator::Handle>,
    http: reqwest::Client,
}

impl Emulator {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt
            .block_on(visionone_emulator::start(visionone_emulator::Config {
                listen: "127.0.0.1:0".parse().unwrap(),
                admin_token: ADMIN_TOKEN.to_string(),
                ..Default::default()
            }))
            .expect("start emulator");
        let url = handle.base_url();
        Emulator {
            url,
            rt,
            handle: Some(handle),
            http: reqwest::Client::new(),
        }
    }

    fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Json>) -> (u16, Json) {
        let url = format!("{}{}", self.url, path);
        let http = self.http.clone();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let token = token.map(str::to_string);
        self.rt.block_on(async move {
            let mut req = http.request(method, &url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("emulator request");
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Json::Null))
        })
    }

    /// A control-surface call (`/_emulator/...`).
    pub fn control(&self, method: &str, path: &str, body: Json) -> Json {
        let body = if body.is_null() { None } else { Some(body) };
        let (status, json) = self.send(method, &format!("/_emulator/{path}"), None, body);
        assert!(status < 300, "control {method} {path} answered {status}: {json}");
        json
    }

    /// An API call as the admin.
    pub fn api(&self, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
        self.send(method, &format!("/v3.0{path}"), Some(ADMIN_TOKEN), body)
    }

    /// An API call with another bearer token (e.g. a key's secret).
    pub fn api_as(&self, token: &str, method: &str, path: &str) -> u16 {
        self.send(method, &format!("/v3.0{path}"), Some(token), None).0
    }

    /// Every API key on the server (no secrets).
    pub fn keys(&self) -> Vec<Json> {
        list_items(self.control("GET", "keys", Json::Null))
    }

    pub fn list(&self, path: &str) -> Vec<Json> {
        let (status, body) = self.api("GET", &format!("{path}?top=200"), None);
        assert_eq!(status, 200, "list {path}: {body}");
        list_items(body)
    }

    pub fn advance_days(&self, days: i64) {
        self.control("POST", "clock", json!({ "advanceSeconds": days * 86_400 }));
    }

    /// API calls logged since the last clear.
    pub fn calls(&self) -> Vec<Json> {
        list_items(self.control("GET", "calls", Json::Null))
    }

    pub fn clear_calls(&self) {
        self.control("DELETE", "calls", Json::Null);
    }
}

fn list_items(v: Json) -> Vec<Json> {
    v.get("items").and_then(|i| i.as_array()).cloned().unwrap_or_default()
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// The Terraform binary under test.
pub fn terraform_bin() -> PathBuf {
    if let Ok(p) = std::env::var("TERRAFORM") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/terraform");
    assert!(
        local.exists(),
        "Terraform 1.0.3 not found: run `make tools` (or set TERRAFORM)"
    );
    local
}

/// The provider binary under test: `PROVIDER_BIN` (the benchmark's static release build), else
/// the one cargo built for this test run.
pub fn provider_bin() -> PathBuf {
    match std::env::var_os("PROVIDER_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-visionone")),
    }
}

/// A Terraform working directory wired to the provider and an emulator.
pub struct Tf {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

/// The `terraform {}` + `provider {}` header every scenario starts with.
pub const HEADER: &str = r#"
terraform {
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}
provider "visionone" {}
"#;

impl Tf {
    pub fn new(emu: &Emulator) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let plugin_dir = provider_bin().parent().unwrap().to_path_buf();
        let rc = dir.path().join("terraformrc");
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"visionone-iam/visionone\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                plugin_dir.display().to_string()
            ),
        )
        .unwrap();
        let env = vec![
            ("TF_CLI_CONFIG_FILE".to_string(), rc.display().to_string()),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("VISIONONE_API_KEY".to_string(), ADMIN_TOKEN.to_string()),
            ("VISIONONE_REGIONAL_FQDN".to_string(), emu.url.clone()),
        ];
        Tf { dir, env }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `main.tf` as HEADER + body.
    pub fn config(&self, body: &str) {
        self.write("main.tf", &format!("{HEADER}\n{body}"));
    }

    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.path().join(name), content).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(terraform_bin());
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_CLI_ARGS");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        let o = self.command(args).output().expect("run terraform");
        Out::from(o)
    }

    /// Run and require success.
    pub fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert!(
            o.code == 0,
            "terraform {args:?} failed ({}):\n{}\n{}",
            o.code,
            o.stdout,
            o.stderr
        );
        o
    }

    pub fn apply(&self) -> Out {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn destroy(&self) -> Out {
        self.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
    pub fn plan(&self) -> Out {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// `terraform show -json` of the state.
    pub fn state(&self) -> Json {
        let o = self.ok(&["show", "-json"]);
        serde_json::from_str(&o.stdout).expect("show -json")
    }

    /// The attribute values of a resource address in state (e.g. `visionone_api_key.ci`).
    pub fn attrs(&self, address: &str) -> Json {
        let state = self.state();
        find_resource(&state["values"]["root_module"], address)
            .unwrap_or_else(|| panic!("{address} not in state: {state}"))
    }

    pub fn outputs(&self) -> Json {
        let o = self.ok(&["output", "-json"]);
        serde_json::from_str(&o.stdout).expect("output -json")
    }
}

fn find_resource(module: &Json, address: &str) -> Option<Json> {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["address"] == address {
            return Some(r["values"].clone());
        }
    }
    for m in module["child_modules"].as_array().into_iter().flatten() {
        if let Some(v) = find_resource(m, address) {
            return Some(v);
        }
    }
    None
}

/// A finished Terraform command.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Out {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}
