//! `visionone_user_account` through real Terraform: the invitation lifecycle (the id changes on
//! acceptance), in-place updates on an active account, replacement of an invitation, drift,
//! import by id and by email, destroy, and bad inputs diagnosed at plan time.

use crate::harness::*;
use serde_json::{json, Value as Json};

const ADDR: &str = "visionone_user_account.ann";

fn account(email: &str, role: &str, extra: &str) -> String {
    format!(
        "resource \"visionone_user_account\" \"ann\" {{\n  email = \"{email}\"\n  auth_type = \"local\"\n  role = \"{role}\"\n{extra}\n}}\n"
    )
}

/// The account with this email on the server, if any.
fn server_account(emu: &Emulator, email: &str) -> Option<Json> {
    emu.list("/iam/accounts").into_iter().find(|a| a["email"] == email)
}

fn id_of(tf: &Tf) -> String {
    tf.attrs(ADDR)["id"].as_str().expect("id in state").to_string()
}

fn assert_plan(tf: &Tf, code: i32) -> Out {
    let o = tf.plan();
    assert_eq!(o.code, code, "plan exit code:\n{}", o.all());
    o
}

#[test]
fn invitation_accepted_then_updated_in_place_drift_healed_and_destroyed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&account("ann@example.com", "Auditor", ""));
    tf.apply();
    let s = tf.attrs(ADDR);
    assert_eq!(s["status"], "invited", "{s}");
    assert_eq!(s["enabled"], true);
    assert_eq!(s["auth_type"], "local");
    assert!(s["created_at"].is_string(), "{s}");
    let invited_id = id_of(&tf);
    assert_eq!(
        server_account(&emu, "ann@example.com").unwrap()["id"],
        invited_id.as_str()
    );
    assert_plan(&tf, 0);

    // The person accepts: the id changes, and Terraform follows it without a diff.
    let new_id = emu.control("POST", &format!("accounts/{invited_id}/accept"), Json::Null)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, invited_id);
    assert_plan(&tf, 0);
    tf.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]);
    let s = tf.attrs(ADDR);
    assert_eq!(s["id"], new_id.as_str(), "{s}");
    assert_eq!(s["status"], "enabled");
    assert_plan(&tf, 0);

    // Role, description and status change in place on the active account.
    tf.config(&account(
        "ann@example.com",
        "Analyst",
        "  description = \"contractor\"\n  enabled = false",
    ));
    let p = tf.planned();
    p.assert_action(ADDR, Action::Update);
    assert_eq!(
        (&p.before(ADDR)["role"], &p.after(ADDR)["role"]),
        (&json!("Auditor"), &json!("Analyst"))
    );
    tf.apply_planned(&p);
    let a = server_account(&emu, "ann@example.com").unwrap();
    assert_eq!(a["id"], new_id.as_str());
    assert_eq!(a["role"], "Analyst");
    assert_eq!(a["status"], "disabled");
    assert_eq!(a["description"], "contractor");
    assert_eq!(tf.attrs(ADDR)["status"], "disabled");
    assert_plan(&tf, 0);

    // Drift: role and status changed outside Terraform show as a diff and are healed in place.
    let (code, body) = emu.api(
        "PATCH",
        &format!("/iam/accounts/{new_id}"),
        Some(json!({"role": "Senior Analyst", "status": "enabled"})),
    );
    assert!(code < 300, "{code} {body}");
    let p = tf.planned();
    p.assert_action(ADDR, Action::Update);
    let (before, after) = (p.before(ADDR), p.after(ADDR));
    assert_eq!(
        (&before["role"], &after["role"]),
        (&json!("Senior Analyst"), &json!("Analyst"))
    );
    assert_eq!((&before["enabled"], &after["enabled"]), (&json!(true), &json!(false)));
    tf.apply_planned(&p);
    let a = server_account(&emu, "ann@example.com").unwrap();
    assert_eq!(
        (a["role"].as_str(), a["status"].as_str()),
        (Some("Analyst"), Some("disabled"))
    );
    assert_plan(&tf, 0);

    // Re-enabling works in place too.
    tf.config(&account("ann@example.com", "Analyst", "  description = \"contractor\""));
    assert_plan(&tf, 2);
    tf.apply();
    assert_eq!(server_account(&emu, "ann@example.com").unwrap()["status"], "enabled");

    // Deleted outside Terraform: it leaves state and is invited again.
    let (code, _) = emu.api("DELETE", &format!("/iam/accounts/{new_id}"), None);
    assert!(code < 300);
    let p = tf.planned();
    p.assert_action(ADDR, Action::Create);
    tf.apply_planned(&p);
    let a = server_account(&emu, "ann@example.com").unwrap();
    assert_eq!(a["status"], "invited");
    assert_eq!(tf.attrs(ADDR)["id"], a["id"]);

    tf.destroy();
    assert!(server_account(&emu, "ann@example.com").is_none());
}

#[test]
fn a_change_to_an_invitation_is_planned_as_a_replacement() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&account("bob@example.com", "Auditor", ""));
    tf.apply();
    let old_id = id_of(&tf);

    tf.config(&account(
        "bob@example.com",
        "Analyst",
        "  description = \"auditor from Acme\"",
    ));
    let p = tf.planned();
    p.assert_action(ADDR, Action::DestroyBeforeCreate);
    // Our own warning says why. Terraform wraps diagnostic text: compare with whitespace collapsed.
    let words = p.out.all().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(
            "the account is still an invitation, which the Vision One API cannot update; it will be invited again"
        ),
        "{words}"
    );
    tf.apply_planned(&p);
    let a = server_account(&emu, "bob@example.com").unwrap();
    assert_ne!(a["id"], old_id.as_str());
    assert_eq!(a["role"], "Analyst");
    assert_eq!(a["description"], "auditor from Acme");
    assert_eq!(a["status"], "invited");
    assert_eq!(tf.attrs(ADDR)["id"], a["id"]);
    assert_plan(&tf, 0);

    // Disabling a pending invitation is refused at plan time, at `enabled`.
    tf.config(&account(
        "bob@example.com",
        "Analyst",
        "  description = \"auditor from Acme\"\n  enabled = false",
    ));
    let o = assert_plan(&tf, 1);
    assert!(
        o.all().contains("A pending invitation cannot be disabled"),
        "{}",
        o.all()
    );
    assert!(o.all().contains("enabled = false"), "{}", o.all());

    // Destroy after the invitation was accepted behind Terraform's back (no refresh): nothing is left.
    let id = id_of(&tf);
    emu.control("POST", &format!("accounts/{id}/accept"), Json::Null);
    tf.ok(&[
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-refresh=false",
    ]);
    assert!(server_account(&emu, "bob@example.com").is_none());
}

#[test]
fn import_by_id_and_by_email_then_no_changes() {
    let emu = Emulator::start();
    let (code, body) = emu.api(
        "POST",
        "/iam/accounts",
        Some(json!({"email": "carol@example.com", "role": "Auditor", "authType": "saml"})),
    );
    assert!(code < 300, "{code} {body}");
    let invited = server_account(&emu, "carol@example.com").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = emu.control("POST", &format!("accounts/{invited}/accept"), Json::Null)["id"]
        .as_str()
        .unwrap()
        .to_string();

    let tf = Tf::new(&emu);
    tf.config(
        "resource \"visionone_user_account\" \"ann\" {\n  email = \"carol@example.com\"\n  auth_type = \"saml\"\n  role = \"Auditor\"\n}\n",
    );
    tf.ok(&["import", "-input=false", "-no-color", ADDR, &id]);
    let s = tf.attrs(ADDR);
    assert_eq!(
        (s["id"].as_str(), s["auth_type"].as_str()),
        (Some(id.as_str()), Some("saml")),
        "{s}"
    );
    assert_plan(&tf, 0);

    tf.ok(&["state", "rm", ADDR]);
    tf.ok(&["import", "-input=false", "-no-color", ADDR, "carol@example.com"]);
    assert_eq!(id_of(&tf), id);
    assert_plan(&tf, 0);

    let o = tf.run(&[
        "import",
        "-input=false",
        "-no-color",
        "visionone_user_account.nobody",
        "nobody@example.com",
    ]);
    assert_ne!(o.code, 0);
    tf.destroy();
    assert!(server_account(&emu, "carol@example.com").is_none());
}

/// Each bad configuration fails `plan` with its message, and the snippet Terraform shows is the
/// offending attribute's line (so the diagnostic points at the attribute).
#[test]
fn bad_inputs_are_diagnosed_at_plan_time_on_the_attribute() {
    let emu = Emulator::start();
    let (code, body) = emu.api(
        "POST",
        "/iam/roles",
        Some(json!({
            "name": "robots only", "description": "", "permissionKeys": ["search.view"],
            "allowApiKeyAssignment": true, "allowUserAccountAssignment": false
        })),
    );
    assert!(code < 300, "{code} {body}");
    let tf = Tf::new(&emu);
    let cases: &[(&str, &str, &str, &str)] = &[
        ("not-an-email", "local", "role = \"Auditor\"", "Invalid email address"),
        ("ann@example", "saml", "role = \"Auditor\"", "needs a domain with a dot"),
        ("ann@example.com", "ldap", "role = \"Auditor\"", "Unknown auth_type"),
        (
            "ann@example.com",
            "local",
            "role = \"Auditer\"",
            "Did you mean \"Auditor\"",
        ),
        (
            "ann@example.com",
            "local",
            "role = \"robots only\"",
            "does not allow user accounts",
        ),
        (
            "ann@example.com",
            "local",
            "enabled = false",
            "A new invitation cannot be disabled",
        ),
    ];
    for (email, auth, line, message) in cases {
        let role = if line.starts_with("role") {
            ""
        } else {
            "  role = \"Auditor\"\n"
        };
        tf.config(&format!(
            "resource \"visionone_user_account\" \"bad\" {{\n  email = \"{email}\"\n  auth_type = \"{auth}\"\n{role}  {line}\n}}\n"
        ));
        let o = tf.plan();
        let all = o.all();
        assert_eq!(o.code, 1, "{email} {auth} {line}: expected failure:\n{all}");
        let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(message), "expected {message:?}:\n{all}");
        let attr_line = if message.contains("email") || message.contains("dot") {
            format!("email = \"{email}\"")
        } else if message.contains("auth_type") {
            format!("auth_type = \"{auth}\"")
        } else {
            line.to_string()
        };
        assert!(all.contains(&attr_line), "expected the snippet {attr_line:?}:\n{all}");
        assert!(!all.contains("panic"), "{all}");
    }
    assert!(server_account(&emu, "ann@example.com").is_none());
}

/// An example file from the repository, by path relative to the crate root.
fn example(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

#[test]
fn resource_example_applies_and_plans_clean() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&example("examples/resources/visionone_user_account/resource.tf"));
    tf.apply();
    assert_plan(&tf, 0);
    let group = tf.attrs("visionone_user_account.soc_team");
    assert_eq!(
        (group["auth_type"].as_str(), group["status"].as_str()),
        (Some("saml_group"), Some("invited"))
    );
    tf.destroy();
    assert!(emu.list("/iam/accounts").is_empty());
}

/// The third-party auditor example: a read-only custom role for people, the auditor's account with it, and an
/// API key with the Auditor role. The role is created in the same apply as the account that names it.
#[test]
fn third_party_auditor_example_applies() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write("main.tf", &example("examples/third-party-auditor/main.tf"));
    tf.apply();
    assert_plan(&tf, 0);
    let account = server_account(&emu, "auditor@audit-firm.example.com").expect("auditor invited");
    assert_eq!(account["role"], "Third-party auditor");
    assert_eq!(tf.outputs()["auditor_account_status"]["value"], "invited");
    let keys = emu.keys();
    assert!(
        keys.iter()
            .any(|k| k["name"] == "third-party-auditor-tooling" && k["role"] == "Auditor"),
        "{keys:?}"
    );
    tf.destroy();
    assert!(server_account(&emu, "auditor@audit-firm.example.com").is_none());
    assert!(emu.keys().is_empty());
}
