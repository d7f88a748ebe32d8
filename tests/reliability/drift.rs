//! Drift: changes made behind Terraform's back — keys deleted, disabled, given another role or
//! expired; a role deleted; accounts deleted, disabled or given another role; invitations
//! accepted (the id changes) — are all detected by the next plan (exit 2, each object named) and
//! healed by the next apply (then a plan exits 0 and the server matches the configuration).

use crate::harness::{Action, Emulator, Tf};
use crate::report::Report;
use crate::support::*;
use serde_json::{json, Value as Json};

fn config() -> String {
    let key = |name: &str, role: &str, expiration: &str| {
        format!(
            "resource \"visionone_api_key\" \"{name}\" {{\n  name       = \"rel-drift-{name}\"\n  role       = {role}\n  \
             expiration = \"{expiration}\"\n}}\n"
        )
    };
    let account = |name: &str| {
        format!(
            "resource \"visionone_user_account\" \"{name}\" {{\n  email     = \"{name}.drift@example.com\"\n  \
             auth_type = \"local\"\n  role      = visionone_custom_role.people.name\n}}\n"
        )
    };
    let mut c = header("");
    c.push_str(
        r#"
resource "visionone_custom_role" "people" {
  name                          = "rel-drift-people"
  permission_keys               = ["workbench.view"]
  allow_api_key_assignment      = true
  allow_user_account_assignment = true
}
resource "visionone_custom_role" "spare" {
  name            = "rel-drift-spare"
  permission_keys = ["search.view"]
}
"#,
    );
    c.push_str(&key("deleted", "\"SIEM\"", "never"));
    c.push_str(&key("disabled", "\"SIEM\"", "never"));
    c.push_str(&key("rerolled", "visionone_custom_role.people.name", "never"));
    c.push_str(&key("expired", "\"SIEM\"", "1_month"));
    c.push_str(&key("steady", "\"SIEM\"", "never"));
    for a in ["accepted", "gone", "demoted", "switched_off", "invited"] {
        c.push_str(&account(a));
    }
    c
}

fn key_id(emu: &Emulator, name: &str) -> String {
    let keys = emu.keys();
    let k = keys.iter().find(|k| k["name"] == format!("rel-drift-{name}"));
    k.and_then(|k| k["id"].as_str())
        .unwrap_or_else(|| panic!("key {name} not on the server"))
        .to_string()
}

fn account_id(emu: &Emulator, name: &str) -> String {
    let email = format!("{name}.drift@example.com");
    let accounts = list_all(emu, "/iam/accounts");
    let a = accounts.iter().find(|a| a["email"] == email.as_str());
    a.and_then(|a| a["id"].as_str())
        .unwrap_or_else(|| panic!("account {name} not on the server"))
        .to_string()
}

fn role_id(emu: &Emulator, name: &str) -> String {
    let roles = list_all(emu, "/iam/roles");
    let r = roles.iter().find(|r| r["name"] == name);
    r.and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("role {name} not on the server"))
        .to_string()
}

fn api_ok(emu: &Emulator, method: &str, path: &str, body: Option<Json>) {
    let (status, answer) = emu.api(method, path, body);
    assert!(status < 300, "{method} {path}: {status} {answer}");
    if status == 207 {
        assert!(
            answer[0]["status"].as_u64().is_some_and(|s| s < 300),
            "{method} {path}: {answer}"
        );
    }
}

/// Fast enough (a few seconds) to run in `make test`.
#[test]
fn drift() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let mut t = Transcript::default();
    let mut r = Report::new("drift");
    tf.write("main.tf", &config());
    t.ok(&tf, APPLY);
    // Accounts that are active before the drift (their invitations accepted, state refreshed).
    for a in ["gone", "demoted", "switched_off"] {
        let id = account_id(&emu, a);
        emu.control("POST", &format!("accounts/{id}/accept"), Json::Null);
    }
    t.ok(
        &tf,
        &["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"],
    );
    let clean = t.run(&tf, PLAN);
    r.check(clean.code == 0, || {
        format!("the plan before drift is not clean:\n{}", clean.all())
    });

    // The drift, as other people and time would make it. (address, the action the plan must hold)
    let mut expected: Vec<(&str, Action)> = Vec::new();
    let id = key_id(&emu, "deleted");
    api_ok(&emu, "POST", "/iam/apiKeys/delete", Some(json!([{ "id": id }])));
    expected.push(("visionone_api_key.deleted", Action::Create));
    api_ok(
        &emu,
        "PATCH",
        &format!("/iam/apiKeys/{}", key_id(&emu, "disabled")),
        Some(json!({"status": "disabled"})),
    );
    expected.push(("visionone_api_key.disabled", Action::Update));
    api_ok(
        &emu,
        "PATCH",
        &format!("/iam/apiKeys/{}", key_id(&emu, "rerolled")),
        Some(json!({"role": "Auditor"})),
    );
    expected.push(("visionone_api_key.rerolled", Action::Update));
    api_ok(
        &emu,
        "DELETE",
        &format!("/iam/roles/{}", role_id(&emu, "rel-drift-spare")),
        None,
    );
    expected.push(("visionone_custom_role.spare", Action::Create));
    api_ok(
        &emu,
        "DELETE",
        &format!("/iam/accounts/{}", account_id(&emu, "gone")),
        None,
    );
    expected.push(("visionone_user_account.gone", Action::Create));
    api_ok(
        &emu,
        "PATCH",
        &format!("/iam/accounts/{}", account_id(&emu, "demoted")),
        Some(json!({"role": "Auditor"})),
    );
    expected.push(("visionone_user_account.demoted", Action::Update));
    let off = account_id(&emu, "switched_off");
    api_ok(
        &emu,
        "PATCH",
        &format!("/iam/accounts/{off}"),
        Some(json!({"status": "disabled"})),
    );
    expected.push(("visionone_user_account.switched_off", Action::Update));
    let invited = account_id(&emu, "accepted");
    let accepted_id = emu.control("POST", &format!("accounts/{invited}/accept"), Json::Null)["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.advance_days(31); // past the 1_month key's expiry
    expected.push(("visionone_api_key.expired", Action::Replace));
    r.faults_injected = expected.len() as u64 + 1; // + the accepted invitation

    let p = t.planned(&tf);
    r.check(p.out.code == 2, || {
        format!("drift not detected: plan exit {}:\n{}", p.out.code, p.out.all())
    });
    let mut detected = 0;
    for (address, action) in &expected {
        let planned = p.actions(address);
        if p.has_action(address, *action) {
            detected += 1;
        } else {
            r.fail(format!("{address}: planned {planned:?}, expected {action:?}"));
        }
    }
    // An accepted invitation is not a change: no action, just the new id (Terraform may still
    // list it under "changed outside of Terraform").
    let quiet = [
        "visionone_user_account.accepted",
        "visionone_api_key.steady",
        "visionone_custom_role.people",
    ];
    for address in quiet {
        r.check(p.has_action(address, Action::NoOp), || {
            format!("{address} should not change: planned {:?}", p.actions(address))
        });
    }

    t.ok(&tf, APPLY);
    let healed = t.run(&tf, PLAN);
    r.check(healed.code == 0, || {
        format!(
            "the apply did not heal the drift: plan exit {}:\n{}",
            healed.code,
            healed.all()
        )
    });
    let state = tf.state();
    let accounts = resources(&state, "visionone_user_account");
    r.check(
        accounts["visionone_user_account.accepted"]["id"] == accepted_id.as_str(),
        || "the accepted invitation's new id is not in state".into(),
    );
    // The server matches the configuration again.
    let keys = emu.keys();
    let key = |n: &str| {
        keys.iter()
            .find(|k| k["name"] == format!("rel-drift-{n}"))
            .cloned()
            .unwrap_or(Json::Null)
    };
    r.check(key("disabled")["status"] == "enabled", || {
        "the disabled key is still disabled".into()
    });
    r.check(key("rerolled")["role"] == "rel-drift-people", || {
        "the key's role was not restored".into()
    });
    r.check(key("deleted").is_object(), || {
        "the deleted key was not recreated".into()
    });
    let on_server = list_all(&emu, "/iam/accounts");
    let acct = |n: &str| {
        on_server
            .iter()
            .find(|a| a["email"] == format!("{n}.drift@example.com"))
            .cloned()
    };
    r.check(acct("demoted").is_some_and(|a| a["role"] == "rel-drift-people"), || {
        "the account's role was not restored".into()
    });
    r.check(acct("switched_off").is_some_and(|a| a["status"] == "enabled"), || {
        "the account was not enabled again".into()
    });
    r.check(acct("gone").is_some(), || {
        "the deleted account was not invited again".into()
    });
    // Every key in state exists once on the server, and nothing else does.
    let in_state: Vec<String> = state_keys(&state).into_iter().filter_map(|k| k.id).collect();
    let lost = keys
        .iter()
        .filter(|k| !in_state.iter().any(|id| k["id"] == id.as_str()))
        .count();
    r.objects_lost = lost as u64;
    r.check(lost == 0, || format!("{lost} keys on the server are not in state"));
    r.faults_survived = if healed.code == 0 { detected + 1 } else { 0 };
    r.load = format!("{} resources, {} drift events", 12, r.faults_injected);
    r.inputs_tried = t.commands as u64;
    t.ok(&tf, &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    r.finish();
}
