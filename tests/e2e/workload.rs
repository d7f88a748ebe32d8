//! `visionone_workload_api_key` and `visionone_workload_role` through real Terraform against the
//! emulator's `/api`: the secret in state and usable, a clean second plan, in-place changes,
//! rotation by the emulator's clock, the first key through a username/password session, refused
//! credentials diagnosed, and import by id and by name.

use crate::harness::*;
use serde_json::{json, Value as Json};
use std::io::{Read, Write};

const ADDR: &str = "visionone_workload_api_key.k";

/// `main.tf` with a `workload` block (`block` is its body) and `body` below.
fn config(tf: &Tf, block: &str, body: &str) {
    tf.write(
        "main.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    visionone = {{ source = \"visionone-iam/visionone\" }}\n  }}\n}}\n\
             provider \"visionone\" {{\n  workload {{\n{block}\n  }}\n}}\n{body}\n"
        ),
    );
}

/// The block that authenticates with the emulator's admin token (a Full Access secret).
fn admin_block(emu: &Emulator) -> String {
    format!("    url = \"{}/api\"\n    api_key = \"{ADMIN_TOKEN}\"", emu.url)
}

fn key_config(role: &str, description: &str, lifecycle: &str) -> String {
    format!(
        r#"
resource "visionone_workload_api_key" "k" {{
  name               = "ci-deployer"
  role               = "{role}"
  description        = "{description}"
  valid_for_days     = 90
  rotate_before_days = 10
  {lifecycle}
}}
"#
    )
}

fn secret(tf: &Tf) -> String {
    tf.attrs(ADDR)["secret"].as_str().expect("secret in state").to_string()
}

/// Create a key straight through the API, as a script would; its id.
fn api_create(emu: &Emulator, body: Json) -> i64 {
    let (status, key) = emu.workload_as(ADMIN_TOKEN, "POST", "/apikeys", Some(body));
    assert_eq!(status, 200, "{key}");
    key["ID"].as_i64().unwrap()
}

#[test]
fn key_is_created_usable_updated_in_place_rotated_and_destroyed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let block = admin_block(&emu);
    config(&tf, &block, &key_config("Auditor", "first", ""));
    tf.apply();
    let first = secret(&tf);
    let (status, me) = emu.workload_as(&first, "GET", "/apikeys/current", None);
    assert_eq!(status, 200, "the new secret authenticates: {me}");
    let attrs = tf.attrs(ADDR);
    let id = attrs["id"].as_str().unwrap().to_string();
    assert_eq!(me["ID"].as_i64().map(|i| i.to_string()), Some(id.clone()));
    assert_eq!(attrs["role_id"], 2, "Auditor resolved by name: {attrs}");
    assert!(
        attrs["expires_at"].as_str().is_some_and(|e| e.ends_with('Z')),
        "{attrs}"
    );
    assert_eq!(attrs["ready_for_rotation"], false);

    tf.planned().assert_no_changes();

    config(&tf, &block, &key_config("Full Access", "second", ""));
    let p = tf.planned();
    p.assert_action(ADDR, Action::Update);
    tf.apply_planned(&p);
    let keys = emu.workload_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["roleID"], 1);
    assert_eq!(keys[0]["description"], "second");
    assert_eq!(tf.attrs(ADDR)["id"].as_str(), Some(id.as_str()), "changed in place");
    assert_eq!(secret(&tf), first, "the secret is kept across updates");
    tf.planned().assert_no_changes();

    // 81 days on: inside the 10-day window before the 90-day expiry, by the emulator's clock;
    // first the default replacement (-/+), then the next one with create_before_destroy (+/-).
    let mut old = (id.clone(), first.clone());
    for lifecycle in ["", "lifecycle {\n    create_before_destroy = true\n  }"] {
        config(&tf, &block, &key_config("Full Access", "second", lifecycle));
        emu.advance_days(81);
        let p = tf.planned();
        let want = if lifecycle.is_empty() {
            Action::DestroyBeforeCreate
        } else {
            Action::CreateBeforeDestroy
        };
        p.assert_action(ADDR, want);
        assert!(
            p.replace_paths(ADDR).iter().any(|r| r.contains("ready_for_rotation")),
            "{:?}",
            p.replace_paths(ADDR)
        );
        tf.apply_planned(&p);
        let keys = emu.workload_keys();
        assert_eq!(keys.len(), 1, "one key after rotation: {keys:?}");
        let new = secret(&tf);
        assert_ne!(new, old.1);
        assert_ne!(tf.attrs(ADDR)["id"].as_str(), Some(old.0.as_str()));
        assert_eq!(emu.workload_as(&new, "GET", "/apikeys/current", None).0, 200);
        assert_eq!(
            emu.workload_as(&old.1, "GET", "/apikeys/current", None).0,
            401,
            "the old key is gone"
        );
        tf.planned().assert_no_changes();
        old = (tf.attrs(ADDR)["id"].as_str().unwrap().to_string(), new);
    }

    tf.destroy();
    assert!(emu.workload_keys().is_empty(), "nothing left on the manager");
}

/// `description = ""` is accepted (the manager's own default), plans clean, and can be set and
/// emptied again in place.
#[test]
fn an_empty_description_is_accepted_and_plans_clean() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let block = admin_block(&emu);
    config(&tf, &block, &key_config("Auditor", "", ""));
    tf.apply();
    assert_eq!(tf.attrs(ADDR)["description"], "");
    tf.planned().assert_no_changes();
    for text in ["set", ""] {
        config(&tf, &block, &key_config("Auditor", text, ""));
        let p = tf.planned();
        p.assert_action(ADDR, Action::Update);
        tf.apply_planned(&p);
        assert_eq!(emu.workload_keys()[0]["description"], text);
        tf.planned().assert_no_changes();
    }
    tf.destroy();
}

fn login_emulator() -> Emulator {
    Emulator::start_with(|c| {
        c.workload_login = Some(visionone_emulator::WorkloadLogin {
            tenant: None,
            user: "admin".into(),
            password: "s3cret-pw".into(),
        })
    })
}

fn login_block(emu: &Emulator) -> String {
    format!(
        "    url = \"{}/api\"\n    username = \"admin\"\n    password = \"s3cret-pw\"",
        emu.url
    )
}

#[test]
fn first_key_is_made_through_a_username_password_session() {
    let emu = login_emulator();
    let mut tf = Tf::new(&emu);
    tf.env.retain(|(k, _)| k != "VISIONONE_API_KEY");
    config(
        &tf,
        &login_block(&emu),
        "resource \"visionone_workload_api_key\" \"k\" {\n  name = \"first\"\n  role = \"Full Access\"\n}\n",
    );
    let o = tf.apply();
    assert!(!o.all().contains("s3cret-pw"), "the password leaks:\n{}", o.all());
    let s = secret(&tf);
    assert_eq!(emu.workload_as(&s, "GET", "/apikeys/current", None).0, 200);
    assert_eq!(
        tf.attrs(ADDR)["expires_at"],
        Json::Null,
        "no valid_for_days: never expires"
    );
    tf.planned().assert_no_changes();
    tf.destroy();
    assert!(emu.workload_keys().is_empty());
}

/// The shutdown hook (`Core::shutdown`) ends the sign-in session of every provider process
/// Terraform started, instead of leaving it to idle out on the manager.
#[test]
fn the_session_ends_when_the_provider_stops() {
    let emu = login_emulator();
    let mut tf = Tf::new(&emu);
    tf.env.retain(|(k, _)| k != "VISIONONE_API_KEY");
    config(
        &tf,
        &login_block(&emu),
        "data \"visionone_workload_role\" \"r\" {\n  name = \"Auditor\"\n}\n",
    );
    tf.apply();
    assert_eq!(emu.workload_sessions(), 0, "every provider process ends its session");
}

#[test]
fn role_data_source_and_did_you_mean() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let block = admin_block(&emu);
    config(
        &tf,
        &block,
        "data \"visionone_workload_role\" \"r\" {\n  name = \"Key Manager\"\n}\n\
         data \"visionone_workload_role\" \"c\" {\n  name = \"Console Only\"\n}\n\
         output \"id\" {\n  value = data.visionone_workload_role.r.id\n}\n\
         output \"keys\" {\n  value = data.visionone_workload_role.r.allow_api_keys\n}\n\
         output \"console_keys\" {\n  value = data.visionone_workload_role.c.allow_api_keys\n}\n",
    );
    tf.apply();
    let out = tf.outputs();
    assert_eq!(out["id"]["value"], 3, "{out}");
    assert_eq!(out["keys"]["value"], true);
    assert_eq!(out["console_keys"]["value"], false);

    config(&tf, &block, &key_config("Auditer", "x", ""));
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("Did you mean \"Auditor\""), "{}", o.all());
    assert!(o.all().contains("role"), "{}", o.all());
    config(&tf, &block, &key_config("Console Only", "x", ""));
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("does not allow API keys"), "{}", o.all());
    assert!(emu.workload_keys().is_empty());
}

#[test]
fn missing_block_wrong_secret_and_expired_key_are_diagnosed() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.env.retain(|(k, _)| !k.starts_with("VISIONONE_WORKLOAD_"));
    tf.config("data \"visionone_workload_role\" \"r\" {\n  name = \"Auditor\"\n}\n");
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("no workload block"), "{}", o.all());

    let wrong = format!("    url = \"{}/api\"\n    api_key = \"9:d3JvbmcK\"", emu.url);
    config(
        &tf,
        &wrong,
        "data \"visionone_workload_role\" \"r\" {\n  name = \"Auditor\"\n}\n",
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("refused the provider's credentials"), "{}", o.all());
    assert!(!o.all().contains("d3JvbmcK"), "the secret leaks:\n{}", o.all());

    // A key of the provider's own that expires tomorrow, then the clock moves two days on.
    let clock = emu.control("GET", "clock", Json::Null);
    let now = time::OffsetDateTime::parse(
        clock["now"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expiry = (now.unix_timestamp() + 86_400) * 1000;
    let (status, key) = emu.workload_as(
        ADMIN_TOKEN,
        "POST",
        "/apikeys",
        Some(json!({"keyName": "short-lived", "roleID": 1, "expiryDate": expiry})),
    );
    assert_eq!(status, 200, "{key}");
    emu.advance_days(2);
    let expired = format!(
        "    url = \"{}/api\"\n    api_key = \"{}\"",
        emu.url,
        key["secretKey"].as_str().unwrap()
    );
    config(
        &tf,
        &expired,
        "data \"visionone_workload_role\" \"r\" {\n  name = \"Auditor\"\n}\n",
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("has expired"), "{}", o.all());
}

/// A proxy in front of the emulator that drops the `api-version` header, as a misconfigured
/// gateway would: the manager's 400 becomes a diagnostic naming the header and the block.
#[test]
fn a_missing_version_header_is_diagnosed() {
    let emu = Emulator::start();
    let upstream = emu.url.trim_start_matches("http://").to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let upstream = upstream.clone();
            std::thread::spawn(move || strip_version_header(conn, &upstream));
        }
    });
    let tf = Tf::new(&emu);
    let block = format!("    url = \"{proxy}/api\"\n    api_key = \"{ADMIN_TOKEN}\"");
    config(
        &tf,
        &block,
        "data \"visionone_workload_role\" \"r\" {\n  name = \"Auditor\"\n}\n",
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("api-version"), "{}", o.all());
    assert!(o.all().contains("refused the API version"), "{}", o.all());
}

/// One request per connection: read it, drop `api-version`, send it upstream with
/// `connection: close`, pipe the answer back.
fn strip_version_header(mut client: std::net::TcpStream, upstream: &str) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = client.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let Ok(n) = client.read(&mut chunk) else { return };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let kept: Vec<&str> = head
        .split("\r\n")
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.starts_with("api-version:") && !l.starts_with("connection:")
        })
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = kept.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
    out.extend_from_slice(&buf[head_end..]);
    let Ok(mut up) = std::net::TcpStream::connect(upstream) else {
        return;
    };
    if up.write_all(&out).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer);
    let _ = client.write_all(&answer);
}

#[test]
fn import_by_id_and_by_unique_name_refuses_an_ambiguous_name() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let solo = api_create(&emu, json!({"keyName": "solo", "roleID": 2}));
    let a = api_create(&emu, json!({"keyName": "dup", "roleID": 2}));
    let b = api_create(&emu, json!({"keyName": "dup", "roleID": 2}));
    let block = admin_block(&emu);
    let body = |name: &str| {
        format!("resource \"visionone_workload_api_key\" \"k\" {{\n  name = \"{name}\"\n  role = \"Auditor\"\n}}\n")
    };

    config(&tf, &block, &body("dup"));
    let o = tf.run(&["import", "-input=false", "-no-color", ADDR, "dup"]);
    assert_ne!(o.code, 0, "{}", o.all());
    assert!(
        o.all().contains(&a.to_string()) && o.all().contains(&b.to_string()),
        "{}",
        o.all()
    );

    let o = tf.ok(&["import", "-input=false", "-no-color", ADDR, &a.to_string()]);
    assert!(o.all().contains("has no secret"), "{}", o.all());
    assert_eq!(tf.attrs(ADDR)["role"], "Auditor");
    tf.planned().assert_no_changes();
    tf.ok(&["state", "rm", ADDR]);

    config(&tf, &block, &body("solo"));
    tf.ok(&["import", "-input=false", "-no-color", ADDR, "solo"]);
    assert_eq!(tf.attrs(ADDR)["id"].as_str(), Some(solo.to_string().as_str()));
    tf.planned().assert_no_changes();
}

/// The create's answer is lost (the key exists, its secret was never seen): the provider finds
/// the key by name and creation time and gives it a new secret, never a second key.
#[test]
fn a_lost_create_answer_leaves_one_key_with_a_working_secret() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // A key of the same name made a day before: the lookup must not take it for the new one.
    let id = api_create(&emu, json!({"keyName": "ci", "roleID": 2}));
    emu.advance_days(1);
    emu.control(
        "POST",
        "faults",
        json!({"method": "POST", "path": "/api/apikeys", "kind": "lost-answer", "count": 1}),
    );
    config(
        &tf,
        &admin_block(&emu),
        "resource \"visionone_workload_api_key\" \"k\" {\n  name = \"ci\"\n  role = \"Auditor\"\n}\n",
    );
    tf.apply();
    let keys = emu.workload_keys();
    assert_eq!(
        keys.len(),
        2,
        "the older key of that name and exactly one new one: {keys:?}"
    );
    let attrs = tf.attrs(ADDR);
    assert_ne!(
        attrs["id"].as_str(),
        Some(id.to_string().as_str()),
        "not the older key of that name"
    );
    assert_eq!(emu.workload_as(&secret(&tf), "GET", "/apikeys/current", None).0, 200);
    let faulted = emu.calls().iter().filter(|c| c["fault"] == "lost-answer").count();
    assert_eq!(faulted, 1, "the fault was hit");
}

/// Drift: a key locked and given another role outside Terraform is put back in place; a key
/// deleted outside Terraform leaves state and is created again.
#[test]
fn drift_is_reverted_in_place_and_a_deleted_key_is_recreated() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    config(&tf, &admin_block(&emu), &key_config("Auditor", "d", ""));
    tf.apply();
    let id: i64 = tf.attrs(ADDR)["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = emu.workload_as(
        ADMIN_TOKEN,
        "POST",
        &format!("/apikeys/{id}"),
        Some(json!({"roleID": 1, "active": false})),
    );
    assert_eq!(status, 200);
    let p = tf.planned();
    p.assert_action(ADDR, Action::Update);
    assert_eq!(p.before(ADDR)["role"], "Full Access", "the role's name follows its id");
    assert_eq!(p.after(ADDR)["role"], "Auditor");
    tf.apply_planned(&p);
    let keys = emu.workload_keys();
    assert_eq!(
        (keys[0]["roleID"].as_i64(), keys[0]["active"].as_bool()),
        (Some(2), Some(true))
    );
    tf.planned().assert_no_changes();

    let (status, _) = emu.workload_as(ADMIN_TOKEN, "DELETE", &format!("/apikeys/{id}"), None);
    assert_eq!(status, 200);
    let p = tf.planned();
    p.assert_action(ADDR, Action::Create);
    tf.apply_planned(&p);
    assert_eq!(emu.workload_keys().len(), 1);
    assert_eq!(emu.workload_as(&secret(&tf), "GET", "/apikeys/current", None).0, 200);
}

/// `replace_triggered_by` follows the plan-time rotation: the key's `id` is unknown in the same
/// plan, so what depends on it is replaced with it (`terraform_data` is built in from 1.4).
#[test(needs_terraform = "1.4")]
fn replace_triggered_by_follows_a_rotation() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let body = format!(
        "{}\nresource \"terraform_data\" \"consumer\" {{\n  input = \"uses the key\"\n  lifecycle {{\n    \
         replace_triggered_by = [visionone_workload_api_key.k.id]\n  }}\n}}\n",
        key_config("Auditor", "x", "")
    );
    config(&tf, &admin_block(&emu), &body);
    tf.apply();
    tf.planned().assert_no_changes();
    emu.advance_days(85);
    let p = tf.planned();
    p.assert_action(ADDR, Action::Replace);
    p.assert_action("terraform_data.consumer", Action::Replace);
    tf.apply_planned(&p);
    tf.planned().assert_no_changes();
    assert_eq!(emu.workload_keys().len(), 1);
}
