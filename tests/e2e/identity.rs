//! Resource identity (Terraform >= 1.12) through real Terraform: `import { identity = {...} }`
//! adopts an existing key, role and account by identity (keys and roles by `id`, accounts by
//! `email` and `auth_type`), plans clean, and the identity is recorded in state; a key is also
//! imported by its unique name.

use crate::harness::*;
use serde_json::{json, Value as Json};

/// The `identity` Terraform recorded in state for `address`.
fn identity_in_state(state: &Json, address: &str) -> Json {
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .map(|r| r["identity"].clone())
        .unwrap_or_else(|| panic!("{address} not in state: {state}"))
}

/// Objects made outside Terraform: a key, a custom role, an invited account.
fn seed(emu: &Emulator) -> (String, String) {
    let (s, b) = emu.api(
        "POST",
        "/iam/apiKeys",
        Some(json!([{"name": "by-identity", "role": "SIEM", "monthsToExpiration": 3}])),
    );
    assert_eq!(s, 207, "{b}");
    let key = b[0]["body"]["id"].as_str().unwrap().to_string();
    let (s, b) = emu.api(
        "POST",
        "/iam/roles",
        Some(
            json!({"name": "idrole", "description": "", "permissionKeys": ["auditLogs.view"],
                    "allowApiKeyAssignment": false, "allowUserAccountAssignment": true}),
        ),
    );
    assert_eq!(s, 201, "{b}");
    let role = b["id"].as_str().unwrap().to_string();
    let (s, b) = emu.api(
        "POST",
        "/iam/accounts",
        Some(json!({"email": "ida@example.com", "role": "Auditor", "authType": "local"})),
    );
    assert!(s < 300, "{s} {b}");
    (key, role)
}

const RESOURCES: &str = r#"
resource "visionone_api_key" "k" {
  name       = "by-identity"
  role       = "SIEM"
  expiration = "3_months"
}
resource "visionone_custom_role" "r" {
  name                          = "idrole"
  permission_keys               = ["auditLogs.view"]
  allow_user_account_assignment = true
}
resource "visionone_user_account" "a" {
  email     = "ida@example.com"
  auth_type = "local"
  role      = "Auditor"
}
"#;

#[test(needs_terraform = "1.12")]
fn import_by_identity_adopts_and_plans_clean() {
    let emu = Emulator::start();
    let (key, role) = seed(&emu);
    let tf = Tf::new(&emu);
    tf.config(&format!(
        r#"
import {{
  to       = visionone_api_key.k
  identity = {{ id = "{key}" }}
}}
import {{
  to       = visionone_custom_role.r
  identity = {{ id = "{role}" }}
}}
import {{
  to       = visionone_user_account.a
  identity = {{ email = "ida@example.com", auth_type = "local" }}
}}
{RESOURCES}"#
    ));
    let p = tf.planned();
    for a in [
        "visionone_api_key.k",
        "visionone_custom_role.r",
        "visionone_user_account.a",
    ] {
        p.assert_action(a, Action::NoOp);
        assert!(
            !p.change(a)["change"]["importing"].is_null(),
            "{a} is imported: {}",
            p.change(a)
        );
    }
    p.assert_counts(0, 0, 0);
    tf.apply_planned(&p);
    let state = tf.state();
    assert_eq!(identity_in_state(&state, "visionone_api_key.k"), json!({"id": key}));
    assert_eq!(
        identity_in_state(&state, "visionone_custom_role.r"),
        json!({"id": role})
    );
    assert_eq!(
        identity_in_state(&state, "visionone_user_account.a"),
        json!({"email": "ida@example.com", "auth_type": "local"})
    );
    assert_eq!(tf.plan().code, 0, "adopted, then nothing to do");
    assert_eq!(emu.keys().len(), 1, "no key made or lost");
}

/// A resource Terraform creates gets its identity from apply; a refresh keeps it.
#[test(needs_terraform = "1.12")]
fn created_objects_carry_their_identity() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_api_key" "new" {
  name_prefix = "idnew-"
  role        = "SIEM"
}
"#,
    );
    tf.apply();
    let id = tf.attrs("visionone_api_key.new")["id"].clone();
    assert_eq!(
        identity_in_state(&tf.state(), "visionone_api_key.new"),
        json!({"id": id})
    );
    assert_eq!(tf.plan().code, 0);
    tf.destroy();
    assert!(emu.keys().is_empty());
}

/// `terraform import` (any Terraform) and `import { id = ... }` take a key's unique name too.
#[test]
fn key_is_imported_by_its_name_with_the_secret_warning() {
    let emu = Emulator::start();
    let (key, _) = seed(&emu);
    let tf = Tf::new(&emu);
    tf.config(RESOURCES.split("resource \"visionone_custom_role\"").next().unwrap());
    let o = tf.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "visionone_api_key.k",
        "by-identity",
    ]);
    assert!(o.all().contains("has no secret"), "{}", o.all());
    assert_eq!(tf.attrs("visionone_api_key.k")["id"], key.as_str());
    let p = tf.plan();
    assert_eq!(p.code, 0, "{}", p.all());
}
