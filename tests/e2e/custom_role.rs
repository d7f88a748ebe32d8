//! `visionone_custom_role` and the role data sources through real Terraform and the emulator:
//! create, no-change plan, in-place update, drift, import, destroy, and bad input diagnosed at
//! the attribute.

use crate::harness::*;
use serde_json::json;

/// Custom roles on the server (predefined ones left out).
fn custom_roles(emu: &Emulator) -> Vec<serde_json::Value> {
    emu.list("/iam/roles")
        .into_iter()
        .filter(|r| r["type"] == "custom")
        .collect()
}

fn role_named<'a>(roles: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    roles
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name:?} in {roles:?}"))
}

fn permissions(emu: &Emulator, id: &str) -> Vec<String> {
    let (status, body) = emu.api("GET", &format!("/iam/roles/{id}/permissions"), None);
    assert_eq!(status, 200, "{body}");
    let mut v: Vec<String> = body["permissionKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn create_update_in_place_and_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name            = "ci-readers"
  description     = "read only"
  permission_keys = ["iam.roles.view", "workbench.view"]
}
"#,
    );
    tf.apply();
    let roles = custom_roles(&emu);
    let r = role_named(&roles, "ci-readers");
    assert_eq!(r["description"], "read only");
    assert_eq!(r["allowApiKeyAssignment"], false);
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(permissions(&emu, &id), ["iam.roles.view", "workbench.view"]);
    let attrs = tf.attrs("visionone_custom_role.x");
    assert_eq!(attrs["id"], id.as_str());
    assert_eq!(attrs["type"], "custom");
    let o = tf.plan();
    assert_eq!(o.code, 0, "second plan must be empty:\n{}", o.all());

    // Every managed attribute changes: one in-place update, no replacement.
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name                          = "ci-automation"
  description                   = "automation"
  permission_keys               = ["iam.apiKeys.view", "iam.roles.view"]
  allow_api_key_assignment      = true
  allow_user_account_assignment = true
}
"#,
    );
    let p = tf.planned();
    p.assert_action("visionone_custom_role.x", Action::Update)
        .assert_counts(0, 1, 0);
    assert_eq!(
        p.after("visionone_custom_role.x")["permission_keys"],
        json!(["iam.apiKeys.view", "iam.roles.view"])
    );
    tf.apply_planned(&p);
    let roles = custom_roles(&emu);
    let r = role_named(&roles, "ci-automation");
    assert_eq!(r["id"], id.as_str(), "updated in place, same id");
    assert_eq!(
        (
            r["allowApiKeyAssignment"].as_bool(),
            r["allowUserAccountAssignment"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(permissions(&emu, &id), ["iam.apiKeys.view", "iam.roles.view"]);
    assert_eq!(tf.plan().code, 0);

    // Dropping description, permissions and flags clears them on the server.
    tf.config("resource \"visionone_custom_role\" \"x\" {\n  name = \"ci-automation\"\n}\n");
    tf.apply();
    let roles = custom_roles(&emu);
    let r = role_named(&roles, "ci-automation");
    assert!(r["description"].as_str().unwrap_or("").is_empty(), "{r}");
    assert_eq!(r["allowApiKeyAssignment"], false);
    assert!(permissions(&emu, &id).is_empty());
    let o = tf.plan();
    assert_eq!(o.code, 0, "{}", o.all());

    tf.destroy();
    assert!(custom_roles(&emu).is_empty(), "destroy leaves no custom role");
}

#[test]
fn drift_is_healed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name            = "drifty"
  permission_keys = ["search.view"]
}
"#,
    );
    tf.apply();
    let id = tf.attrs("visionone_custom_role.x")["id"].as_str().unwrap().to_string();

    // Changed outside Terraform: renamed and given other permissions.
    let (status, body) = emu.api(
        "PATCH",
        &format!("/iam/roles/{id}"),
        Some(json!({"name": "renamed", "permissionKeys": ["oat.view"], "allowApiKeyAssignment": true})),
    );
    assert_eq!(status, 204, "{body}");
    let p = tf.planned();
    p.assert_action("visionone_custom_role.x", Action::Update);
    assert_eq!(p.before("visionone_custom_role.x")["name"], "renamed");
    assert_eq!(p.after("visionone_custom_role.x")["name"], "drifty");
    tf.apply_planned(&p);
    assert_eq!(permissions(&emu, &id), ["search.view"]);
    assert_eq!(
        role_named(&custom_roles(&emu), "drifty")["allowApiKeyAssignment"],
        false
    );

    // Deleted outside Terraform: planned for creation, created again.
    let (status, _) = emu.api("DELETE", &format!("/iam/roles/{id}"), None);
    assert_eq!(status, 204);
    let p = tf.planned();
    p.assert_action("visionone_custom_role.x", Action::Create);
    tf.apply_planned(&p);
    let roles = custom_roles(&emu);
    assert_ne!(role_named(&roles, "drifty")["id"], id.as_str());
    assert_eq!(tf.plan().code, 0);
}

#[test]
fn import_by_id_and_by_name() {
    let emu = Emulator::start();
    let mk = |name: &str| {
        let (status, body) = emu.api(
            "POST",
            "/iam/roles",
            Some(
                json!({"name": name, "description": "", "permissionKeys": ["auditLogs.view"],
                        "allowApiKeyAssignment": false, "allowUserAccountAssignment": true}),
            ),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    };
    let by_id = mk("imported-by-id");
    mk("imported by name");
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "a" {
  name                          = "imported-by-id"
  permission_keys               = ["auditLogs.view"]
  allow_user_account_assignment = true
}
resource "visionone_custom_role" "b" {
  name                          = "imported by name"
  permission_keys               = ["auditLogs.view"]
  allow_user_account_assignment = true
}
"#,
    );
    tf.ok(&["import", "-input=false", "-no-color", "visionone_custom_role.a", &by_id]);
    tf.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "visionone_custom_role.b",
        "imported by name",
    ]);
    let o = tf.plan();
    assert_eq!(o.code, 0, "import must be followed by a no-change plan:\n{}", o.all());
    assert_eq!(tf.attrs("visionone_custom_role.a")["id"], by_id.as_str());
    // A predefined role cannot be imported.
    let o = tf.run(&[
        "import",
        "-input=false",
        "-no-color",
        "visionone_custom_role.c",
        "Auditor",
    ]);
    assert_ne!(o.code, 0);
}

#[test]
fn bad_inputs_point_at_the_attribute() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name            = "typo"
  permission_keys = ["iam.apiKeys.veiw", "workbench.view"]
}
"#,
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all();
    assert!(all.contains("Unknown permission key"), "{all}");
    assert!(
        all.contains("\"iam.apiKeys.veiw\": did you mean \"iam.apiKeys.view\""),
        "{all}"
    );
    assert!(all.contains("with visionone_custom_role.x"), "{all}");
    assert!(all.contains("permission_keys = [\"iam.apiKeys.veiw\""), "{all}");

    tf.config(
        r#"
resource "visionone_custom_role" "p" {
  name = "auditor"
}
resource "visionone_custom_role" "e" {
  name = ""
}
"#,
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all();
    assert!(all.contains("Predefined roles cannot be managed"), "{all}");
    assert!(all.contains("with visionone_custom_role.p"), "{all}");
    assert!(all.contains("name = \"auditor\""), "{all}");
    assert!(all.contains("Empty role name"), "{all}");
    assert!(all.contains("with visionone_custom_role.e"), "{all}");
    assert!(custom_roles(&emu).is_empty());
}

#[test]
fn role_in_use_blocks_destroy_and_names_the_holder() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name                     = "held"
  permission_keys          = ["workbench.view"]
  allow_api_key_assignment = true
}
"#,
    );
    tf.apply();
    let (status, body) = emu.api(
        "POST",
        "/iam/apiKeys",
        Some(json!([{"name": "pipeline-key", "role": "held"}])),
    );
    assert_eq!(status, 207, "{body}");
    let o = tf.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all();
    assert!(all.contains("Custom role still in use"), "{all}");
    assert!(all.contains("pipeline-key"), "{all}");
    assert!(all.contains("visionone_custom_role.x"), "{all}");
    assert_eq!(
        custom_roles(&emu).len(),
        1,
        "the role is still there and still in state"
    );
    let key_id = body[0]["body"]["id"].as_str().unwrap().to_string();
    let (status, _) = emu.api("POST", "/iam/apiKeys/delete", Some(json!([{"id": key_id}])));
    assert_eq!(status, 207);
    tf.destroy();
    assert!(custom_roles(&emu).is_empty());
}

#[test]
fn data_sources_find_roles_and_permissions() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
resource "visionone_custom_role" "x" {
  name            = "looked-up"
  description     = "found by id"
  permission_keys = ["sandbox.view"]
}
data "visionone_role" "auditor" {
  name = "Auditor"
}
data "visionone_role" "by_id" {
  id = visionone_custom_role.x.id
}
data "visionone_permission_keys" "all" {}
output "auditor" { value = data.visionone_role.auditor }
output "by_id" { value = data.visionone_role.by_id }
output "keys" { value = data.visionone_permission_keys.all.keys }
output "first" { value = data.visionone_permission_keys.all.permissions[0] }
"#,
    );
    tf.apply();
    let out = tf.outputs();
    let auditor = &out["auditor"]["value"];
    assert_eq!(auditor["type"], "predefined");
    assert_eq!(auditor["name"], "Auditor");
    assert!(
        auditor["permission_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "iam.apiKeys.view"),
        "{auditor}"
    );
    let by_id = &out["by_id"]["value"];
    assert_eq!(by_id["name"], "looked-up");
    assert_eq!(by_id["description"], "found by id");
    assert_eq!(by_id["permission_keys"], json!(["sandbox.view"]));
    let keys = out["keys"]["value"].as_array().unwrap();
    assert!(
        keys.len() >= 20 && keys.iter().any(|k| k == "iam.roles.manage"),
        "{keys:?}"
    );
    assert!(out["first"]["value"]["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert_eq!(tf.plan().code, 0);

    // A name that does not exist: an error at `name` with the closest role names.
    tf.config("data \"visionone_role\" \"r\" {\n  name = \"Auditr\"\n}\n");
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    let all = o.all();
    assert!(all.contains("Role not found"), "{all}");
    assert!(all.contains("Did you mean \"Auditor\""), "{all}");
    assert!(all.contains("name = \"Auditr\""), "{all}");
    // Both name and id: an error at the attribute.
    tf.config("data \"visionone_role\" \"r\" {\n  name = \"Auditor\"\n  id   = \"x\"\n}\n");
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("Conflicting role name and id"), "{}", o.all());
    assert!(o.all().contains("id   = \"x\""), "{}", o.all());
}

#[test]
fn examples_apply_and_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let body: String = [
        "resources/visionone_custom_role/resource.tf",
        "data-sources/visionone_role/data-source.tf",
        "data-sources/visionone_permission_keys/data-source.tf",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(root.join(p)).unwrap())
    .collect::<Vec<_>>()
    .join("\n");
    tf.config(&body);
    tf.apply();
    assert_eq!(custom_roles(&emu).len(), 2);
    let out = tf.outputs();
    assert!(out["view_permissions"]["value"]
        .as_array()
        .is_some_and(|v| v.iter().any(|k| k == "iam.roles.view")));
    assert_eq!(tf.plan().code, 0);
    tf.destroy();
    assert!(custom_roles(&emu).is_empty());
}

/// An `import` block (Terraform >= 1.5) adopts a role made outside Terraform: the saved plan
/// imports it and changes nothing else, and applying that plan records it in state.
#[test(needs_terraform = "1.5")]
fn import_block_adopts_an_existing_role() {
    let emu = Emulator::start();
    let (status, body) = emu.api(
        "POST",
        "/iam/roles",
        Some(
            json!({"name": "adopted", "description": "", "permissionKeys": ["auditLogs.view"],
                    "allowApiKeyAssignment": false, "allowUserAccountAssignment": true}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let tf = Tf::new(&emu);
    tf.config(&format!(
        r#"
import {{
  to = visionone_custom_role.x
  id = "{id}"
}}
resource "visionone_custom_role" "x" {{
  name                          = "adopted"
  permission_keys               = ["auditLogs.view"]
  allow_user_account_assignment = true
}}
"#
    ));
    let p = tf.planned();
    p.assert_action("visionone_custom_role.x", Action::NoOp)
        .assert_counts(0, 0, 0);
    assert_eq!(
        p.change("visionone_custom_role.x")["change"]["importing"]["id"],
        id.as_str()
    );
    tf.apply_planned(&p);
    assert_eq!(tf.attrs("visionone_custom_role.x")["id"], id.as_str());
    assert_eq!(tf.plan().code, 0, "adopted, then nothing to do");
    assert_eq!(custom_roles(&emu).len(), 1);
}
