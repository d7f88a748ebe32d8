//! `terraform query` (Terraform >= 1.14) over the three list resources: each filter, `limit`,
//! `include_resource`, and `-generate-config-out` writing import and resource blocks that apply
//! with no changes. Results are read from `terraform query -json`.

use crate::harness::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// What `terraform query -json` found: list address → display names (sorted), and every event.
fn query(tf: &Tf, hcl: &str) -> (BTreeMap<String, Vec<String>>, Vec<Json>) {
    tf.write("q.tfquery.hcl", hcl);
    let out = tf.run(&["query", "-json", "-no-color"]);
    assert_eq!(out.code, 0, "terraform query failed:\n{}", out.all());
    let events: Vec<Json> = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .collect();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &events {
        if let Some(f) = e.get("list_resource_found") {
            let addr = f["address"].as_str().unwrap().to_string();
            found
                .entry(addr)
                .or_default()
                .push(f["display_name"].as_str().unwrap().to_string());
        }
    }
    for names in found.values_mut() {
        names.sort();
    }
    (found, events)
}

/// HCL with runs of spaces made one (alignment depends on the longest name in a block).
fn squeezed(hcl: &str) -> String {
    hcl.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn names(found: &BTreeMap<String, Vec<String>>, addr: &str) -> Vec<String> {
    found.get(addr).cloned().unwrap_or_default()
}

fn key(emu: &Emulator, item: Json) -> String {
    let (s, b) = emu.api("POST", "/iam/apiKeys", Some(json!([item])));
    assert_eq!(s, 207, "{b}");
    b[0]["body"]["id"].as_str().unwrap().to_string()
}

fn role(emu: &Emulator, name: &str) -> String {
    let (s, b) = emu.api(
        "POST",
        "/iam/roles",
        Some(
            json!({"name": name, "description": "", "permissionKeys": ["auditLogs.view"],
                    "allowApiKeyAssignment": true, "allowUserAccountAssignment": true}),
        ),
    );
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

fn account(emu: &Emulator, email: &str, role: &str, auth: &str) -> String {
    let (s, b) = emu.api(
        "POST",
        "/iam/accounts",
        Some(json!({"email": email, "role": role, "authType": auth})),
    );
    assert!(s < 300, "{s} {b}");
    emu.list("/iam/accounts")
        .into_iter()
        .find(|a| a["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test(needs_terraform = "1.14")]
fn query_lists_each_type_with_each_filter() {
    let emu = Emulator::start();
    key(
        &emu,
        json!({"name": "ci-soon", "role": "SIEM", "monthsToExpiration": 1}),
    );
    key(
        &emu,
        json!({"name": "ci-off", "role": "Auditor", "status": "disabled", "monthsToExpiration": 12}),
    );
    key(&emu, json!({"name": "other", "role": "SIEM", "monthsToExpiration": 12}));
    key(
        &emu,
        json!({"name": "terraform-run-x", "role": "SIEM", "monthsToExpiration": 1,
               "description": "[terraform-ephemeral] opened by a run"}),
    );
    role(&emu, "ops-a");
    role(&emu, "ops-b");
    role(&emu, "zeta");
    let invited = account(&emu, "inv@example.com", "Auditor", "local");
    account(&emu, "sam@example.com", "Senior Analyst", "saml");
    emu.control("POST", &format!("accounts/{invited}/accept"), Json::Null);
    account(&emu, "new@example.com", "Auditor", "local");
    let tf = Tf::new(&emu);
    tf.config("");
    let (found, events) = query(
        &tf,
        r#"
list "visionone_api_key" "all" { provider = visionone }
list "visionone_api_key" "prefix" {
  provider = visionone
  config { name_prefix = "ci-" }
}
list "visionone_api_key" "auditor" {
  provider = visionone
  config { role = "Auditor" }
}
list "visionone_api_key" "disabled" {
  provider = visionone
  config { status = "disabled" }
}
list "visionone_api_key" "soon" {
  provider = visionone
  config { expiring_within_days = 40 }
}
list "visionone_api_key" "leftovers" {
  provider = visionone
  config { ephemeral_only = true }
}
list "visionone_api_key" "two" {
  provider = visionone
  limit    = 2
}
list "visionone_custom_role" "custom" {
  provider = visionone
  config { type = "custom" }
}
list "visionone_custom_role" "predefined" {
  provider = visionone
  config { type = "predefined" }
}
list "visionone_custom_role" "ops" {
  provider = visionone
  config { name_prefix = "ops-" }
}
list "visionone_user_account" "all" { provider = visionone }
list "visionone_user_account" "saml" {
  provider = visionone
  config { auth_type = "saml" }
}
list "visionone_user_account" "invited" {
  provider = visionone
  config { status = "invited" }
}
list "visionone_user_account" "auditors" {
  provider = visionone
  include_resource = true
  config { role = "Auditor" }
}
"#,
    );
    let k = |n: &str| names(&found, &format!("list.visionone_api_key.{n}"));
    assert_eq!(k("all"), ["ci-off", "ci-soon", "other", "terraform-run-x"]);
    assert_eq!(k("prefix"), ["ci-off", "ci-soon"]);
    assert_eq!(k("auditor"), ["ci-off"]);
    assert_eq!(k("disabled"), ["ci-off"]);
    assert_eq!(k("soon"), ["ci-soon", "terraform-run-x"]);
    assert_eq!(k("leftovers"), ["terraform-run-x"]);
    assert_eq!(k("two").len(), 2, "limit honoured");
    let r = |n: &str| names(&found, &format!("list.visionone_custom_role.{n}"));
    assert_eq!(r("custom"), ["ops-a", "ops-b", "zeta"]);
    assert!(
        r("predefined").contains(&"Auditor".to_string()),
        "{:?}",
        r("predefined")
    );
    assert!(!r("predefined").contains(&"ops-a".to_string()));
    assert_eq!(r("ops"), ["ops-a", "ops-b"]);
    let a = |n: &str| names(&found, &format!("list.visionone_user_account.{n}"));
    assert_eq!(a("all"), ["inv@example.com", "new@example.com", "sam@example.com"]);
    assert_eq!(a("saml"), ["sam@example.com"]);
    assert_eq!(a("invited"), ["new@example.com", "sam@example.com"]);
    assert_eq!(a("auditors"), ["inv@example.com", "new@example.com"]);
    // Identities are what `import { identity }` takes; the object only with include_resource.
    let auditors: Vec<&Json> = events
        .iter()
        .filter_map(|e| e.get("list_resource_found"))
        .filter(|f| f["address"] == "list.visionone_user_account.auditors")
        .collect();
    assert!(auditors.iter().all(|f| f["identity"]["auth_type"] == "local"));
    assert!(auditors.iter().all(|f| f["resource_object"]["role"] == "Auditor"));
    let plain = events
        .iter()
        .filter_map(|e| e.get("list_resource_found"))
        .find(|f| f["address"] == "list.visionone_api_key.prefix")
        .unwrap();
    assert!(plain["identity"]["id"].is_string() && plain.get("resource_object").is_none_or(Json::is_null));
}

#[test(needs_terraform = "1.14")]
fn a_bad_filter_is_an_error_at_the_attribute() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config("");
    tf.write(
        "q.tfquery.hcl",
        r#"
list "visionone_api_key" "bad" {
  provider = visionone
  config { status = "paused" }
}
"#,
    );
    let out = tf.run(&["query", "-no-color"]);
    assert_ne!(out.code, 0);
    assert!(out.all().contains("status"), "{}", out.all());
    assert!(out.all().contains("enabled"), "{}", out.all());
}

/// `terraform query -generate-config-out` writes import and resource blocks a person would
/// write (no `= null`, `name` rather than `name_prefix`, no computed attribute), and applying
/// them imports every object with no change.
#[test(needs_terraform = "1.14")]
fn generated_config_applies_with_no_changes() {
    let emu = Emulator::start();
    key(
        &emu,
        json!({"name": "gen-a", "role": "SIEM", "monthsToExpiration": 3, "description": "made by hand"}),
    );
    key(
        &emu,
        json!({"name": "gen-b", "role": "Auditor", "status": "disabled", "monthsToExpiration": 12}),
    );
    role(&emu, "gen-role");
    account(&emu, "gen@example.com", "Auditor", "saml");
    let tf = Tf::new(&emu);
    tf.config("");
    tf.write(
        "q.tfquery.hcl",
        r#"
list "visionone_api_key" "k" {
  provider = visionone
  config { name_prefix = "gen-" }
}
list "visionone_custom_role" "r" {
  provider = visionone
  config { type = "custom" }
}
list "visionone_user_account" "a" { provider = visionone }
"#,
    );
    let out = tf.run(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let generated = squeezed(&std::fs::read_to_string(tf.path().join("generated.tf")).unwrap());
    for absent in [
        "= null",
        "name_prefix",
        "secret",
        "expires_at",
        "created_at",
        "enabled = true",
    ] {
        assert!(
            !generated.contains(absent),
            "generated config has {absent:?}:\n{generated}"
        );
    }
    for present in [
        "name = \"gen-a\"",
        "description = \"made by hand\"",
        "enabled = false",
        "name = \"gen-role\"",
    ] {
        assert!(
            generated.contains(present),
            "generated config lacks {present:?}:\n{generated}"
        );
    }
    std::fs::remove_file(tf.path().join("q.tfquery.hcl")).unwrap();
    let p = tf.planned();
    assert_eq!(p.counts().add, 0);
    p.assert_counts(0, 0, 0);
    let imports = p.json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["change"]["importing"].is_null())
        .count();
    assert_eq!(imports, 4, "two keys, a role, an account");
    tf.apply_planned(&p);
    assert_eq!(tf.plan().code, 0, "imported, then nothing to do");
    assert_eq!(emu.keys().len(), 2);
}

/// `terraform plan -generate-config-out` with `import {}` blocks (by id and by identity) writes
/// the same clean configuration through GenerateResourceConfig.
#[test(needs_terraform = "1.14")]
fn plan_generate_config_out_is_clean() {
    let emu = Emulator::start();
    let id = key(
        &emu,
        json!({"name": "plan-gen", "role": "SIEM", "monthsToExpiration": 6}),
    );
    let rid = role(&emu, "plan-role");
    let tf = Tf::new(&emu);
    tf.config(&format!(
        r#"
import {{
  to = visionone_api_key.k
  id = "{id}"
}}
import {{
  to       = visionone_custom_role.r
  identity = {{ id = "{rid}" }}
}}
import {{
  to       = visionone_user_account.a
  identity = {{ email = "pg@example.com", auth_type = "local" }}
}}
"#
    ));
    account(&emu, "pg@example.com", "Auditor", "local");
    let out = tf.run(&["plan", "-no-color", "-generate-config-out=generated.tf", "-out=tfplan"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let generated = squeezed(&std::fs::read_to_string(tf.path().join("generated.tf")).unwrap());
    assert!(!generated.contains("= null"), "{generated}");
    assert!(!generated.contains("name_prefix"), "{generated}");
    assert!(generated.contains("expiration = \"6_months\""), "{generated}");
    assert!(generated.contains("email = \"pg@example.com\""), "{generated}");
    let p = tf.planned();
    p.assert_counts(0, 0, 0);
    tf.apply_planned(&p);
    assert_eq!(tf.plan().code, 0);
}

/// Every `examples/list-resources/*/query.tfquery.hcl` (shown on the docs pages) runs.
#[test(needs_terraform = "1.14")]
fn list_resource_examples_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/list-resources");
    let mut ran = 0;
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let hcl = std::fs::read_to_string(entry.path().join("query.tfquery.hcl")).unwrap();
        let emu = Emulator::start();
        let tf = Tf::new(&emu);
        tf.config("");
        let (_, events) = query(&tf, &hcl);
        let lists = hcl.matches("\nlist \"").count() + usize::from(hcl.starts_with("list \""));
        let complete = events.iter().filter(|e| e.get("list_complete").is_some()).count();
        assert_eq!(complete, lists, "{}: every list completes", entry.path().display());
        ran += 1;
    }
    assert_eq!(ran, 3);
}
