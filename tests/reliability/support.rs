//! Helpers the suites share on top of the e2e harness: a transcript of everything Terraform
//! printed, a Terraform directory with its own credentials and provider block, and a view of
//! the API keys in state and on the server.

use crate::harness::{Emulator, Out, Plan, Tf};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// `terraform {}` and a provider block with extra settings (the token and URL come from env).
pub fn header(provider_settings: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    visionone = {{ source = \"visionone-iam/visionone\" }}\n  }}\n}}\n\
         provider \"visionone\" {{\n{provider_settings}\n}}\n"
    )
}

/// A random lowercase hex string (for distinctive tokens).
pub fn random_hex(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < len {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(len);
    out
}

/// A Terraform directory whose provider authenticates with `token`, registered on the emulator.
pub fn tf_with_token(emu: &Emulator, token: &str) -> Tf {
    emu.control("POST", "tokens", json!({ "token": token }));
    let mut tf = Tf::new(emu);
    for (k, v) in tf.env.iter_mut() {
        if k == "VISIONONE_API_KEY" {
            *v = token.to_string();
        }
    }
    tf
}

/// Everything the commands run through it printed, to search for leaks afterwards.
#[derive(Default)]
pub struct Transcript {
    pub text: String,
    pub commands: usize,
}

impl Transcript {
    /// Run `terraform args` and keep its stdout and stderr.
    pub fn run(&mut self, tf: &Tf, args: &[&str]) -> Out {
        let o = tf.run(args);
        self.commands += 1;
        self.text.push_str(&format!(
            "\n$ terraform {}\n{}\n{}\n",
            args.join(" "),
            o.stdout,
            o.stderr
        ));
        o
    }

    /// [`Tf::planned`], keeping the `plan` command's output (not the plan JSON, which holds
    /// the state's secrets by design, as the state does).
    pub fn planned(&mut self, tf: &Tf) -> Plan {
        let p = tf.planned();
        self.commands += 2;
        self.text.push_str(&format!(
            "\n$ terraform plan -out=tfplan\n{}\n{}\n",
            p.out.stdout, p.out.stderr
        ));
        p
    }

    /// Like `run`, requiring exit 0.
    pub fn ok(&mut self, tf: &Tf, args: &[&str]) -> Out {
        let o = self.run(tf, args);
        assert_eq!(o.code, 0, "terraform {args:?} failed:\n{}", o.all());
        o
    }
}

pub const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];
pub const PLAN: &[&str] = &["plan", "-detailed-exitcode", "-input=false", "-no-color"];

/// An API key as state records it.
#[derive(Debug, Clone)]
pub struct StateKey {
    pub address: String,
    pub id: Option<String>,
    pub secret: Option<String>,
}

/// Every resource of `type_name` in `state` (`terraform show -json`), by address.
pub fn resources(state: &Json, type_name: &str) -> BTreeMap<String, Json> {
    let mut out = BTreeMap::new();
    collect(&state["values"]["root_module"], type_name, &mut out);
    out
}

fn collect(module: &Json, type_name: &str, out: &mut BTreeMap<String, Json>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["type"] == type_name && r["mode"] == "managed" {
            out.insert(
                r["address"].as_str().unwrap_or_default().to_string(),
                r["values"].clone(),
            );
        }
    }
    for m in module["child_modules"].as_array().into_iter().flatten() {
        collect(m, type_name, out);
    }
}

/// The API keys in state.
pub fn state_keys(state: &Json) -> Vec<StateKey> {
    resources(state, "visionone_api_key")
        .into_iter()
        .map(|(address, v)| StateKey {
            address,
            id: v["id"].as_str().map(str::to_string),
            secret: v["secret"].as_str().map(str::to_string),
        })
        .collect()
}

/// Ids of every key, role (custom only) and account on the server.
pub struct ServerObjects {
    pub keys: Vec<Json>,
    pub roles: Vec<Json>,
    pub accounts: Vec<Json>,
}

pub fn server_objects(emu: &Emulator) -> ServerObjects {
    let roles = list_all(emu, "/iam/roles")
        .into_iter()
        .filter(|r| r["type"] == "custom")
        .collect();
    ServerObjects {
        keys: emu.keys(),
        roles,
        accounts: list_all(emu, "/iam/accounts"),
    }
}

/// Every page of a list (the harness's `list` reads only the first).
pub fn list_all(emu: &Emulator, path: &str) -> Vec<Json> {
    let mut items = Vec::new();
    let mut next = Some(format!("{path}?top=200"));
    while let Some(p) = next.take() {
        let (status, body) = emu.api("GET", &p, None);
        assert_eq!(status, 200, "list {p}: {body}");
        items.extend(body["items"].as_array().cloned().unwrap_or_default());
        if let Some(link) = body["nextLink"].as_str() {
            let rel = link.split("/v3.0").nth(1).unwrap_or_default().to_string();
            next = (!rel.is_empty()).then_some(rel);
        }
    }
    items
}

/// Whether `secret` authenticates against the emulator.
pub fn authenticates(emu: &Emulator, secret: &str) -> bool {
    emu.api_as(secret, "GET", "/healthcheck/connectivity") == 200
}
