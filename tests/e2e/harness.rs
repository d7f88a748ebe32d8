//! The test bed: an emulator on loopback, a scratch Terraform working directory with a
//! `dev_overrides` CLI config pointing at the freshly built provider, and helpers to run
//! Terraform and inspect both its state and the emulator's objects.
//!
//! Actions are checked on `terraform show -json` of a saved plan ([`Tf::planned`], [`Plan`]),
//! the way terraform-plugin-testing's plan checks do, never on Terraform's human text, which
//! differs between the versions the bed runs (`TERRAFORM`: 1.0.3 and 1.15.5 in `make test`).

#![allow(dead_code)]

use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use inventory;

/// One `#[test]` of a test bed, registered by `visionone-test-macros` and run by `runner.rs`.
pub struct Scenario {
    /// `module_path!()` of the scenario, e.g. `e2e::api_key`.
    pub module: &'static str,
    pub name: &'static str,
    pub run: fn(),
    /// `#[ignore = "why"]`: heavy, run only with `--include-ignored` / `--ignored`.
    pub ignore: Option<&'static str>,
    /// `#[test(needs_terraform = "1.10")]`: reported as ignored on an older Terraform.
    pub needs_terraform: Option<&'static str>,
}

inventory::collect!(Scenario);

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
        Self::start_with(|_| {})
    }

    /// An emulator whose configuration `adjust` changes first (a state file to start from, say).
    pub fn start_with(adjust: impl FnOnce(&mut visionone_emulator::Config)) -> Self {
        let mut config = visionone_emulator::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: ADMIN_TOKEN.to_string(),
            ..Default::default()
        };
        adjust(&mut config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt.block_on(visionone_emulator::start(config)).expect("start emulator");
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

    /// A Workload Security call (`/api...`) with `secret` as `api-secret-key` and the version
    /// header; the status and the JSON answer.
    pub fn workload_as(&self, secret: &str, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
        let url = format!("{}/api{}", self.url, path);
        let http = self.http.clone();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let secret = secret.to_string();
        self.rt.block_on(async move {
            let mut req = http
                .request(method, &url)
                .header("api-secret-key", secret)
                .header("api-version", "v1");
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("emulator request");
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Json::Null))
        })
    }

    /// Every Workload Security key on the emulator (no secrets).
    pub fn workload_keys(&self) -> Vec<Json> {
        list_items(self.control("GET", "workload/keys", Json::Null))
    }

    /// How many Workload Security sign-in sessions are open.
    pub fn workload_sessions(&self) -> i64 {
        self.control("GET", "workload/sessions", Json::Null)["open"]
            .as_i64()
            .unwrap_or(-1)
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
        "Terraform not found at {}: run `make tools` (or set TERRAFORM)",
        local.display()
    );
    local
}

/// The version of the Terraform under test (`1.15.5`), asked once per process.
pub fn terraform_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let bin = terraform_bin();
        let mut c = Command::new(&bin);
        c.args(["version", "-json"]);
        scrub_tf_env(&mut c);
        let o = c.output().unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
        let v: Json = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
            panic!(
                "{} version -json printed no JSON:\n{}",
                bin.display(),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        v["terraform_version"].as_str().expect("terraform_version").to_string()
    })
}

/// Whether the Terraform under test is at least `min` (`"1.10"`, `"1.12.1"`).
pub fn terraform_at_least(min: &str) -> bool {
    version_at_least(terraform_version(), min)
}

/// `have >= min`, comparing dotted numbers (a pre-release suffix is ignored).
pub fn version_at_least(have: &str, min: &str) -> bool {
    let parts = |v: &str| -> Vec<u32> {
        v.split(['-', '+'])
            .next()
            .unwrap_or_default()
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (mut have, mut min) = (parts(have), parts(min));
    let len = have.len().max(min.len());
    have.resize(len, 0);
    min.resize(len, 0);
    have >= min
}

/// Drops every `TF_*` variable inherited from the machine, so that its settings (a
/// `TF_CLI_CONFIG_FILE` naming a missing file, which Terraform ≥ 1.1 warns about, `TF_LOG`,
/// `TF_CLI_ARGS*`, `TF_DATA_DIR`, a plugin cache) cannot change what a scenario sees.
fn scrub_tf_env(c: &mut Command) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TF_") {
            c.env_remove(k);
        }
    }
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
            // The emulator's `/api` with its admin token: the `workload` block's variables.
            ("VISIONONE_WORKLOAD_URL".to_string(), format!("{}/api", emu.url)),
            ("VISIONONE_WORKLOAD_API_KEY".to_string(), ADMIN_TOKEN.to_string()),
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
        c.args(args).current_dir(self.dir.path());
        scrub_tf_env(&mut c);
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

    /// `plan -detailed-exitcode -out=tfplan`, then `show -json tfplan`: what the plan will do,
    /// as data. A plan that errors fails the test (use [`Tf::plan`] to look at an error).
    pub fn planned(&self) -> Plan {
        self.planned_with(&[])
    }

    /// [`Tf::planned`] with more `plan` flags (`-refresh-only`, `-refresh=false`, `-var`).
    pub fn planned_with(&self, extra: &[&str]) -> Plan {
        let mut args = vec!["plan", "-detailed-exitcode", "-input=false", "-no-color", "-out=tfplan"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(
            out.code == 0 || out.code == 2,
            "terraform {args:?} failed ({}):\n{}",
            out.code,
            out.all()
        );
        let shown = self.ok(&["show", "-json", "-no-color", "tfplan"]);
        let json = serde_json::from_str(&shown.stdout).expect("show -json tfplan");
        Plan {
            out,
            json,
            file: "tfplan",
        }
    }

    /// `apply` of the plan [`Tf::planned`] saved: exactly the changes that were checked.
    pub fn apply_planned(&self, plan: &Plan) -> Out {
        self.ok(&["apply", "-input=false", "-no-color", plan.file])
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

/// What Terraform plans for one resource: `resource_changes[].change.actions` of the plan JSON.
/// `Replace` accepts either order; the two ordered forms say which object goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    /// `["delete", "create"]` or `["create", "delete"]`.
    Replace,
    /// `["delete", "create"]`: the default replacement.
    DestroyBeforeCreate,
    /// `["create", "delete"]`: `create_before_destroy`.
    CreateBeforeDestroy,
}

impl Action {
    fn matches(self, actions: &[&str]) -> bool {
        match self {
            Action::NoOp => actions == ["no-op"],
            Action::Create => actions == ["create"],
            Action::Read => actions == ["read"],
            Action::Update => actions == ["update"],
            Action::Delete => actions == ["delete"],
            Action::Replace => actions == ["delete", "create"] || actions == ["create", "delete"],
            Action::DestroyBeforeCreate => actions == ["delete", "create"],
            Action::CreateBeforeDestroy => actions == ["create", "delete"],
        }
    }
}

/// Resources added, changed and destroyed, counted as Terraform's summary line counts them
/// (a replacement is one added and one destroyed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

/// A saved plan as `terraform show -json` describes it (see [`Tf::planned`]).
pub struct Plan {
    /// The `plan` command itself: `code` is 0 (no changes) or 2 (changes).
    pub out: Out,
    pub json: Json,
    /// The saved plan, relative to the working directory.
    file: &'static str,
}

impl Plan {
    /// The `resource_changes` entry of an address (`visionone_api_key.k`, `aws_x.y[0]`).
    pub fn change(&self, address: &str) -> &Json {
        self.resource_changes()
            .iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} is not in the plan; planned: {:?}", self.addresses()))
    }

    fn resource_changes(&self) -> &[Json] {
        self.json["resource_changes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every address in `resource_changes`.
    pub fn addresses(&self) -> Vec<String> {
        self.resource_changes()
            .iter()
            .map(|r| r["address"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `change.actions` of an address, e.g. `["delete", "create"]`.
    pub fn actions(&self, address: &str) -> Vec<String> {
        self.change(address)["change"]["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a.as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Whether an address is planned with this action (false when it is not in the plan).
    pub fn has_action(&self, address: &str, want: Action) -> bool {
        let Some(r) = self.resource_changes().iter().find(|r| r["address"] == address) else {
            return false;
        };
        let actions: Vec<&str> = r["change"]["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        want.matches(&actions)
    }

    /// Require the planned action of an address (terraform-plugin-testing's
    /// `ExpectResourceAction`).
    pub fn assert_action(&self, address: &str, want: Action) -> &Self {
        let actions = self.actions(address);
        assert!(
            self.has_action(address, want),
            "{address}: planned {actions:?}, expected {want:?}\n{}",
            self.change(address)
        );
        self
    }

    /// `change.replace_paths` of an address, each path joined with dots (`rotation_triggers`,
    /// `tags.0`): the attributes that force the replacement.
    pub fn replace_paths(&self, address: &str) -> Vec<String> {
        self.change(address)["change"]["replace_paths"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|path| {
                path.as_array()
                    .into_iter()
                    .flatten()
                    .map(|step| match step {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    /// The planned values (`change.after`; unknown values are absent, see `after_unknown`).
    pub fn after(&self, address: &str) -> &Json {
        &self.change(address)["change"]["after"]
    }

    /// The prior values (`change.before`).
    pub fn before(&self, address: &str) -> &Json {
        &self.change(address)["change"]["before"]
    }

    /// Whether an attribute of the planned object is unknown until apply.
    pub fn after_unknown(&self, address: &str, attribute: &str) -> bool {
        self.change(address)["change"]["after_unknown"][attribute] == true
    }

    /// What refreshing found changed outside Terraform (`resource_drift`), by address.
    pub fn drift(&self, address: &str) -> Option<&Json> {
        self.json["resource_drift"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["address"] == address)
    }

    /// Added, changed and destroyed managed resources.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in self.resource_changes() {
            if r["mode"] != "managed" {
                continue;
            }
            let actions = r["change"]["actions"].as_array().cloned().unwrap_or_default();
            let has = |a: &str| actions.iter().any(|x| x == a);
            if has("create") {
                c.add += 1;
            }
            if has("delete") {
                c.destroy += 1;
            }
            if has("update") {
                c.change += 1;
            }
        }
        c
    }

    /// Require the summary counts (`add`, `change`, `destroy`).
    pub fn assert_counts(&self, add: usize, change: usize, destroy: usize) -> &Self {
        let want = Counts { add, change, destroy };
        assert_eq!(self.counts(), want, "planned {:?}", self.addresses());
        self
    }

    /// Require an empty plan (exit code 0 and only no-op/read changes).
    pub fn assert_no_changes(&self) -> &Self {
        assert_eq!(self.out.code, 0, "expected no changes:\n{}", self.out.all());
        assert_eq!(self.counts(), Counts::default());
        self
    }
}
