//! `visionone_api_key` and `visionone_api_keys` through real Terraform: the secret kept in state,
//! in-place updates, rotation by the emulator's clock (with and without create_before_destroy),
//! drift, import, destroy, and bad inputs diagnosed at plan.

use crate::harness::*;
use serde_json::{json, Value as Json};

fn key_named<'a>(keys: &'a [Json], name: &str) -> Option<&'a Json> {
    keys.iter().find(|k| k["name"] == name)
}

fn ids(keys: &[Json]) -> Vec<String> {
    keys.iter()
        .map(|k| k["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Create a key straight through the API (as someone outside Terraform would); returns its id.
fn api_create(emu: &Emulator, item: Json) -> String {
    let (status, body) = emu.api("POST", "/iam/apiKeys", Some(json!([item])));
    assert_eq!(status, 207, "{body}");
    assert_eq!(body[0]["status"], 201, "{body}");
    body[0]["body"]["id"].as_str().unwrap().to_string()
}

#[test]
fn create_keeps_secret_then_updates_in_place_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cfg = |name: &str, role: &str, desc: &str, extra: &str| {
        format!(
            r#"
resource "visionone_api_key" "k" {{
  name        = "{name}"
  role        = "{role}"
  description = "{desc}"
  expiration  = "3_months"
  {extra}
}}
output "s" {{
  value     = visionone_api_key.k.secret
  sensitive = true
}}
"#
        )
    };
    tf.config(&cfg("e2e-key", "SIEM", "one", ""));
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::Create)
        .assert_counts(1, 0, 0);
    assert!(
        p.after_unknown("visionone_api_key.k", "secret"),
        "{}",
        p.change("visionone_api_key.k")
    );
    assert_eq!(p.json["output_changes"]["s"]["after_sensitive"], true);
    let applied = tf.apply_planned(&p);
    let a = tf.attrs("visionone_api_key.k");
    let secret = a["secret"].as_str().expect("secret in state").to_string();
    assert!(!secret.is_empty());
    assert!(
        !applied.all().contains(&secret),
        "the secret leaked into terraform's output"
    );
    assert_eq!(a["expiration"], "3_months");
    assert_eq!(a["enabled"], true);
    assert_eq!(a["ready_for_rotation"], false);
    assert!(a["expires_at"].is_string() && a["created_at"].is_string(), "{a}");
    let out = tf.outputs();
    assert_eq!(out["s"]["sensitive"], true);
    assert_eq!(out["s"]["value"], secret.as_str());
    assert_eq!(
        emu.api_as(&secret, "GET", "/healthcheck/connectivity"),
        200,
        "the secret must authenticate"
    );
    let id = a["id"].as_str().unwrap().to_string();

    let again = tf.plan();
    assert_eq!(again.code, 0, "second plan must be clean:\n{}", again.all());

    // Every mutable field at once: one in-place update, the same key.
    tf.config(&cfg("e2e-key-2", "Auditor", "two", "enabled = false"));
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::Update)
        .assert_counts(0, 1, 0);
    assert!(p.replace_paths("visionone_api_key.k").is_empty());
    let after = p.after("visionone_api_key.k");
    assert_eq!(
        (&after["name"], &after["role"], &after["enabled"]),
        (&json!("e2e-key-2"), &json!("Auditor"), &json!(false))
    );
    tf.apply_planned(&p);
    let keys = emu.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let k = &keys[0];
    assert_eq!(
        (k["id"].as_str(), k["name"].as_str()),
        (Some(id.as_str()), Some("e2e-key-2"))
    );
    assert_eq!(
        (k["role"].as_str(), k["status"].as_str()),
        (Some("Auditor"), Some("disabled"))
    );
    assert_eq!(k["description"], "two");
    assert_eq!(
        tf.attrs("visionone_api_key.k")["secret"],
        secret.as_str(),
        "the secret survives updates"
    );

    // An alias of the same duration is recorded without an API call and replaces nothing.
    tf.config(&cfg("e2e-key-2", "Auditor", "two", "enabled = false").replace("\"3_months\"", "\"90_days\""));
    emu.clear_calls();
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::Update)
        .assert_counts(0, 1, 0);
    assert_eq!(p.after("visionone_api_key.k")["expiration"], "90_days");
    tf.apply_planned(&p);
    let patches = emu.calls().into_iter().filter(|c| c["method"] == "PATCH").count();
    assert_eq!(patches, 0, "an expiration alias must not call the API");
    assert_eq!(tf.plan().code, 0);

    tf.destroy();
    assert!(emu.keys().is_empty(), "destroy left keys: {:?}", emu.keys());
}

#[test]
fn rotation_window_replaces_key_and_its_dependents() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cfg = |before: u32| {
        format!(
            r#"
resource "visionone_api_key" "ci" {{
  name               = "rot-ci"
  role               = "SIEM"
  expiration         = "1_month"
  rotate_before_days = {before}
}}
resource "visionone_api_key" "dep" {{
  name              = "rot-dep"
  role              = "SIEM"
  rotation_triggers = {{ upstream = visionone_api_key.ci.id }}
}}
"#
        )
    };
    tf.config(&cfg(7));
    tf.apply();
    let old = tf.attrs("visionone_api_key.ci");
    let old_dep = tf.attrs("visionone_api_key.dep");

    // Changing rotate_before_days is an in-place change of state only.
    tf.config(&cfg(5));
    let p = tf.planned();
    p.assert_action("visionone_api_key.ci", Action::Update)
        .assert_action("visionone_api_key.dep", Action::NoOp);
    assert!(p.replace_paths("visionone_api_key.ci").is_empty());
    tf.apply_planned(&p);
    assert_eq!(tf.attrs("visionone_api_key.ci")["id"], old["id"]);

    // 30-day key, 26 days later: inside the 5-day window by the server's clock.
    emu.advance_days(26);
    let r = tf.planned_with(&["-refresh-only"]);
    let refreshed = r
        .drift("visionone_api_key.ci")
        .unwrap_or_else(|| panic!("no drift in {}", r.json));
    assert_eq!(refreshed["change"]["after"]["ready_for_rotation"], true, "{refreshed}");
    let p = tf.planned();
    p.assert_action("visionone_api_key.ci", Action::DestroyBeforeCreate)
        .assert_action("visionone_api_key.dep", Action::Replace);
    assert!(
        p.replace_paths("visionone_api_key.ci")
            .contains(&"ready_for_rotation".to_string()),
        "{:?}",
        p.replace_paths("visionone_api_key.ci")
    );
    tf.apply_planned(&p);

    let new = tf.attrs("visionone_api_key.ci");
    let new_dep = tf.attrs("visionone_api_key.dep");
    assert_ne!(new["id"], old["id"]);
    assert_ne!(new["secret"], old["secret"]);
    assert_ne!(new_dep["id"], old_dep["id"], "the dependent key must be replaced too");
    assert_eq!(new["ready_for_rotation"], false);
    let server = ids(&emu.keys());
    assert_eq!(server.len(), 2, "{server:?}");
    for gone in [&old["id"], &old_dep["id"]] {
        assert!(
            !server.iter().any(|i| gone == i.as_str()),
            "old key {gone} left on the server"
        );
    }
    assert_eq!(
        emu.api_as(new["secret"].as_str().unwrap(), "GET", "/healthcheck/connectivity"),
        200
    );
    assert_eq!(tf.plan().code, 0, "after rotation the plan is clean");
    tf.destroy();
    assert!(emu.keys().is_empty());
}

#[test]
fn create_before_destroy_with_name_prefix() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_api_key" "ci" {
  name_prefix        = "cbd-"
  role               = "SIEM"
  expiration         = "1_month"
  rotate_before_days = 3
  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    tf.apply();
    let old = tf.attrs("visionone_api_key.ci");
    let old_name = old["name"].as_str().unwrap().to_string();
    assert!(old_name.starts_with("cbd-") && old_name.len() > 4, "{old_name}");
    assert_eq!(tf.plan().code, 0);

    emu.advance_days(28);
    emu.clear_calls();
    let p = tf.planned();
    p.assert_action("visionone_api_key.ci", Action::CreateBeforeDestroy)
        .assert_counts(1, 0, 1);
    tf.apply_planned(&p);
    // The new key was created before the old one was deleted.
    let calls = emu.calls();
    let pos = |path: &str| {
        calls
            .iter()
            .position(|c| c["method"] == "POST" && c["path"].as_str().unwrap_or("").ends_with(path))
    };
    let (created, deleted) = (pos("/iam/apiKeys"), pos("/iam/apiKeys/delete"));
    assert!(created.is_some() && deleted.is_some() && created < deleted, "{calls:?}");
    let keys = emu.keys();
    let ours: Vec<&Json> = keys
        .iter()
        .filter(|k| k["name"].as_str().unwrap_or("").starts_with("cbd-"))
        .collect();
    assert_eq!(ours.len(), 1, "{keys:?}");
    let new = tf.attrs("visionone_api_key.ci");
    assert_ne!(new["name"].as_str(), Some(old_name.as_str()));
    assert_eq!(ours[0]["id"], new["id"]);
    tf.destroy();
    assert!(emu.keys().is_empty());
}

#[test]
fn max_age_and_rotation_triggers_replace() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cfg = |v: &str| {
        format!(
            r#"
resource "visionone_api_key" "k" {{
  name              = "aged"
  role              = "SIEM"
  max_age_days      = 10
  rotation_triggers = {{ version = "{v}" }}
}}
"#
        )
    };
    tf.config(&cfg("1"));
    tf.apply();
    let first = tf.attrs("visionone_api_key.k");
    assert!(first["expires_at"].is_null(), "a never-expiring key: {first}");

    tf.config(&cfg("2"));
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::DestroyBeforeCreate);
    assert_eq!(p.replace_paths("visionone_api_key.k"), ["rotation_triggers"]);
    tf.apply_planned(&p);
    let second = tf.attrs("visionone_api_key.k");
    assert_ne!(second["id"], first["id"]);

    emu.advance_days(11);
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::DestroyBeforeCreate);
    assert_eq!(p.replace_paths("visionone_api_key.k"), ["ready_for_rotation"]);
    tf.apply_planned(&p);
    let third = tf.attrs("visionone_api_key.k");
    assert_ne!(third["id"], second["id"]);
    assert_eq!(ids(&emu.keys()), vec![third["id"].as_str().unwrap().to_string()]);
}

#[test]
fn drift_is_healed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_api_key" "k" {
  name = "drifty"
  role = "SIEM"
}
"#,
    );
    tf.apply();
    let id = tf.attrs("visionone_api_key.k")["id"].as_str().unwrap().to_string();

    let (s, b) = emu.api(
        "PATCH",
        &format!("/iam/apiKeys/{id}"),
        Some(json!({"status": "disabled", "role": "Auditor"})),
    );
    assert_eq!(s, 204, "{b}");
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::Update);
    let (before, after) = (p.before("visionone_api_key.k"), p.after("visionone_api_key.k"));
    assert_eq!(
        (&before["enabled"], &before["role"]),
        (&json!(false), &json!("Auditor"))
    );
    assert_eq!((&after["enabled"], &after["role"]), (&json!(true), &json!("SIEM")));
    tf.apply_planned(&p);
    let k = key_named(&emu.keys(), "drifty").cloned().unwrap();
    assert_eq!(
        (k["status"].as_str(), k["role"].as_str(), k["id"].as_str()),
        (Some("enabled"), Some("SIEM"), Some(id.as_str()))
    );

    let (s, b) = emu.api("POST", "/iam/apiKeys/delete", Some(json!([{ "id": id }])));
    assert!(s < 300, "{b}");
    let p = tf.planned();
    p.assert_action("visionone_api_key.k", Action::Create)
        .assert_counts(1, 0, 0);
    tf.apply_planned(&p);
    let a = tf.attrs("visionone_api_key.k");
    assert_ne!(a["id"], id.as_str());
    assert!(a["secret"].is_string());
    assert_eq!(ids(&emu.keys()), vec![a["id"].as_str().unwrap().to_string()]);
}

#[test]
fn import_warns_about_the_secret_then_plans_clean() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let id = api_create(
        &emu,
        json!({"name": "imported", "role": "SIEM", "description": "made by hand", "monthsToExpiration": 3}),
    );
    tf.config(
        r#"
resource "visionone_api_key" "k" {
  name        = "imported"
  role        = "SIEM"
  description = "made by hand"
  expiration  = "3_months"
}
"#,
    );
    let o = tf.ok(&["import", "-input=false", "-no-color", "visionone_api_key.k", &id]);
    assert!(
        o.all().contains("terraform apply -replace=visionone_api_key"),
        "{}",
        o.all()
    );
    let a = tf.attrs("visionone_api_key.k");
    assert!(a["secret"].is_null());
    assert_eq!(a["expiration"], "3_months");
    let p = tf.plan();
    assert_eq!(p.code, 0, "{}", p.all());
}

#[test]
fn data_source_filters() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    api_create(&emu, json!({"name": "ds-a", "role": "SIEM", "monthsToExpiration": 1}));
    api_create(&emu, json!({"name": "ds-b", "role": "Auditor", "status": "disabled"}));
    api_create(&emu, json!({"name": "other", "role": "SIEM", "monthsToExpiration": 12}));
    tf.config(
        r#"
data "visionone_api_keys" "prefix" { name_prefix = "ds-" }
data "visionone_api_keys" "auditor" { role = "Auditor" }
data "visionone_api_keys" "disabled" { status = "disabled" }
data "visionone_api_keys" "soon" { expiring_within_days = 40 }
output "prefix" { value = [for k in data.visionone_api_keys.prefix.keys : k.name] }
output "auditor" { value = [for k in data.visionone_api_keys.auditor.keys : k.name] }
output "disabled" { value = [for k in data.visionone_api_keys.disabled.keys : k.enabled] }
output "soon" { value = [for k in data.visionone_api_keys.soon.keys : k.name] }
"#,
    );
    tf.apply();
    let o = tf.outputs();
    assert_eq!(o["prefix"]["value"], json!(["ds-a", "ds-b"]));
    assert_eq!(o["auditor"]["value"], json!(["ds-b"]));
    assert_eq!(o["disabled"]["value"], json!([false]));
    assert_eq!(o["soon"]["value"], json!(["ds-a"]));
}

#[test]
fn bad_inputs_are_diagnosed_at_plan() {
    let emu = Emulator::start();
    let (s, b) = emu.api(
        "POST",
        "/iam/roles",
        Some(json!({"name": "NoKeys", "description": "", "permissionKeys": [], "allowApiKeyAssignment": false, "allowUserAccountAssignment": true})),
    );
    assert!(s < 300, "{b}");
    let tf = Tf::new(&emu);
    let cases = [
        (
            "name = \"a\"\n  role = \"SIEM\"\n  expiration = \"2_years\"",
            "expiration",
            "Invalid expiration",
        ),
        (
            "name = \"a\"\n  role = \"Master Administrator\"",
            "role",
            "Master Administrator",
        ),
        ("name = \"a\"\n  role = \"Nope\"", "role", "Unknown role"),
        ("name = \"a\"\n  role = \"NoKeys\"", "role", "does not allow API keys"),
        (
            "name = \"a\"\n  name_prefix = \"b\"\n  role = \"SIEM\"",
            "name_prefix",
            "Conflicting",
        ),
        ("role = \"SIEM\"", "visionone_api_key", "Missing name"),
    ];
    for (body, attr, text) in cases {
        tf.config(&format!("resource \"visionone_api_key\" \"k\" {{\n  {body}\n}}\n"));
        let o = tf.plan();
        assert_eq!(o.code, 1, "expected a failure for {body:?}:\n{}", o.all());
        let all = o.all();
        assert!(all.contains(text), "expected {text:?} for {body:?} in:\n{all}");
        assert!(all.contains(attr), "expected {attr:?} named for {body:?} in:\n{all}");
    }
    assert!(emu.keys().is_empty());
}

fn example(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

#[test]
fn examples_apply_and_the_ci_pattern_rotates() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&format!(
        "{}\n{}",
        example("examples/resources/visionone_api_key/resource.tf"),
        example("examples/data-sources/visionone_api_keys/data-source.tf")
    ));
    tf.apply();
    assert_eq!(emu.keys().len(), 2);
    tf.destroy();

    let ci = Tf::new(&emu);
    ci.write("main.tf", &example("examples/ci-rotation/main.tf"));
    ci.apply();
    let before = ids(&emu.keys());
    assert_eq!(before.len(), 2);
    emu.advance_days(80);
    let p = ci.planned();
    p.assert_counts(2, 0, 2);
    for address in p.addresses() {
        p.assert_action(&address, Action::CreateBeforeDestroy);
    }
    ci.apply_planned(&p);
    let keys = emu.keys();
    let with = |p: &str| {
        keys.iter()
            .filter(|k| k["name"].as_str().unwrap_or("").starts_with(p))
            .count()
    };
    assert_eq!(
        (with("ci-pipeline-"), with("ci-downstream-"), keys.len()),
        (1, 1, 2),
        "{keys:?}"
    );
    assert!(ids(&keys).iter().all(|i| !before.contains(i)), "both keys rotated");
    assert_eq!(ci.plan().code, 0);
}
