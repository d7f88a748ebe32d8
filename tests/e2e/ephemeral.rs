//! `ephemeral "visionone_api_key"` through real Terraform (>= 1.10): apply, a saved plan and
//! destroy leave exactly the keys they started with; the secret reaches neither the state nor
//! the plan file; an aliased provider authenticates with it; an interrupted apply leaves no key.

use crate::harness::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The marker every ephemeral key's description carries (`src/ephemeral/mod.rs`).
const MARKER: &str = terraform_provider_visionone::ephemeral::EPHEMERAL_MARKER;

fn key_ids(emu: &Emulator) -> BTreeSet<String> {
    emu.keys()
        .iter()
        .filter_map(|k| k["id"].as_str().map(str::to_string))
        .collect()
}

/// Strings shaped like the emulator's key secrets (64 letters and digits, both cases): what a
/// leaked secret of any run would look like, whether or not this test saw it.
fn secret_shaped(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| {
            t.len() == 64 && t.chars().any(|c| c.is_ascii_uppercase()) && t.chars().any(|c| c.is_ascii_lowercase())
        })
        .map(str::to_string)
        .collect()
}

/// Every file of a saved plan (a zip), as text.
fn plan_file_text(path: &Path) -> String {
    let o = std::process::Command::new("unzip")
        .arg("-p")
        .arg(path)
        .output()
        .expect("unzip the plan file");
    assert!(o.status.success(), "unzip -p {}", path.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The run key configures an aliased provider, which reads a role; a `terraform_data`
/// provisioner writes the secret it was given to `capture` (outside the working directory), so
/// the test knows one secret to look for.
fn config(capture: &Path) -> String {
    format!(
        r#"
ephemeral "visionone_api_key" "run" {{
  role        = "Auditor"
  description = "e2e run key"
}}

provider "visionone" {{
  alias   = "run"
  api_key = ephemeral.visionone_api_key.run.secret
}}

data "visionone_role" "siem" {{
  provider = visionone.run
  name     = "SIEM"
}}

resource "terraform_data" "capture" {{
  provisioner "local-exec" {{
    command     = "printf '%s\n' \"$RUN_KEY\" >> {capture}"
    environment = {{ RUN_KEY = ephemeral.visionone_api_key.run.secret }}
  }}
}}

output "siem_allows_api_keys" {{
  value = data.visionone_role.siem.allow_api_key_assignment
}}
"#,
        capture = capture.display()
    )
}

/// Creates of keys in the call log (each batch counts its entries).
fn keys_created(calls: &[Json]) -> u64 {
    calls
        .iter()
        .filter(|c| c["method"] == "POST" && c["path"] == "/v3.0/iam/apiKeys")
        .map(|c| c["items"].as_u64().unwrap_or(1))
        .sum()
}

/// Ids of the keys that made calls, other than `known` ones.
fn callers_besides(calls: &[Json], known: &BTreeSet<String>) -> BTreeSet<String> {
    calls
        .iter()
        .filter_map(|c| c["key"].as_str())
        .filter(|k| !known.contains(*k))
        .map(str::to_string)
        .collect()
}

#[test(needs_terraform = "1.10")]
fn apply_plan_and_destroy_leave_the_keys_they_started_with() {
    let emu = Emulator::start();
    let (status, body) = emu.api(
        "POST",
        "/iam/apiKeys",
        Some(json!([{"name": "already-here", "role": "SIEM", "monthsToExpiration": 1}])),
    );
    assert_eq!(status, 207, "{body}");
    let before = key_ids(&emu);
    let tf = Tf::new(&emu);
    let side = tempfile::tempdir().unwrap();
    let capture = side.path().join("secrets");
    tf.config(&config(&capture));

    // apply: the key is opened in the plan walk and again in the apply walk, both deleted.
    emu.clear_calls();
    tf.apply();
    assert_eq!(key_ids(&emu), before, "apply left keys behind");
    let calls = emu.calls();
    let created = keys_created(&calls);
    assert_eq!(created, 2, "one apply opens the key in its plan and its apply walk");
    let callers = callers_besides(&calls, &before);
    assert!(
        calls
            .iter()
            .any(|c| c["path"].as_str().is_some_and(|p| p.starts_with("/v3.0/iam/roles"))
                && c["key"].as_str().is_some_and(|k| callers.contains(k))),
        "the aliased provider did not read the role with a run key: {calls:?}"
    );
    let seen: Vec<String> = std::fs::read_to_string(&capture)
        .expect("the provisioner got the secret")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        emu.api_as(&seen[0], "GET", "/iam/roles"),
        401,
        "the run key still authenticates after the apply"
    );
    let state = std::fs::read_to_string(tf.path().join("terraform.tfstate")).unwrap();
    assert!(!state.contains(&seen[0]), "the secret is in terraform.tfstate");
    assert_eq!(
        secret_shaped(&state),
        Vec::<String>::new(),
        "secret-shaped strings in state"
    );
    let parsed: Json = serde_json::from_str(&state).unwrap();
    let kept: Vec<&Json> = parsed["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "visionone_api_key")
        .collect();
    assert!(kept.is_empty(), "the ephemeral key is in state: {kept:?}");

    // A saved plan: opened once at plan, once at apply of the plan, both deleted.
    let plan = tf.planned();
    plan.assert_no_changes();
    assert_eq!(key_ids(&emu), before, "plan left keys behind");
    let file = plan_file_text(&tf.path().join("tfplan"));
    assert!(!file.contains(&seen[0]));
    assert_eq!(
        secret_shaped(&file),
        Vec::<String>::new(),
        "secret-shaped strings in the plan file"
    );
    let shown = serde_json::to_string(&plan.json).unwrap();
    assert_eq!(
        secret_shaped(&shown),
        Vec::<String>::new(),
        "secret-shaped strings in show -json"
    );
    tf.apply_planned(&plan);
    assert_eq!(key_ids(&emu), before, "apply of a saved plan left keys behind");

    // destroy.
    tf.destroy();
    assert_eq!(key_ids(&emu), before, "destroy left keys behind");
    let state = std::fs::read_to_string(tf.path().join("terraform.tfstate")).unwrap();
    assert_eq!(secret_shaped(&state), Vec::<String>::new());
    println!(
        "    figures: {created} keys created by one apply, run keys that made calls: {}",
        callers.len()
    );
}

#[test(needs_terraform = "1.10")]
fn a_role_that_cannot_hold_keys_is_an_error_at_role() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        r#"
ephemeral "visionone_api_key" "run" {
  role = "Auditer"
}
"#,
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.all().contains("Auditor"),
        "no suggestion of the closest role:\n{}",
        o.all()
    );
    tf.config(
        r#"
ephemeral "visionone_api_key" "run" {
  role = "Master Administrator"
}
"#,
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("role"), "{}", o.all());
    assert!(emu.keys().is_empty(), "a refused key was made: {:?}", emu.keys());
}

/// Starts an apply whose run key stays open (the aliased provider's read is held 4 s by a
/// fault), sends `signal` to Terraform (`group`: to its whole process group, as Ctrl-C in a
/// terminal does) while the key is open, and returns what Terraform printed.
fn signal_while_open(emu: &Emulator, tf: &Tf, signal: &str, group: bool) -> String {
    use std::os::unix::process::CommandExt;
    tf.config(
        r#"
ephemeral "visionone_api_key" "run" {
  role = "Auditor"
}

provider "visionone" {
  alias   = "run"
  api_key = ephemeral.visionone_api_key.run.secret
}

data "visionone_permission_keys" "all" {
  provider = visionone.run
}
"#,
    );
    emu.control(
        "POST",
        "faults",
        json!({"path": "/v3.0/iam/roles/permissionKeys", "kind": "latency", "latencyMs": 4000, "rate": 1.0}),
    );
    let mut cmd = tf.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    cmd.process_group(0).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("start terraform");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut open = Vec::new();
    while open.is_empty() && Instant::now() < deadline {
        open = emu.keys();
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(open.len(), 1, "the run key was never opened");
    assert!(
        open[0]["description"].as_str().is_some_and(|d| d.ends_with(MARKER)),
        "the run key's description lacks {MARKER}: {}",
        open[0]
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(emu.keys().len(), 1, "the run key was closed before the signal");
    let target = if group { format!("-{pid}") } else { pid.to_string() };
    let sent = std::process::Command::new("kill")
        .args([signal, "--", &target])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait for terraform");
    emu.control("DELETE", "faults", Json::Null);
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits up to `within` for the server to hold no key.
fn no_key_within(emu: &Emulator, within: Duration) -> Result<Duration, Vec<Json>> {
    let start = Instant::now();
    loop {
        let keys = emu.keys();
        if keys.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() > within {
            return Err(keys);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Ctrl-C while the run key is open: Terraform stops its providers (the one holding the key
/// deletes it then) and closes what it opened.
#[test(needs_terraform = "1.10")]
fn an_interrupted_apply_leaves_no_key() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let text = signal_while_open(&emu, &tf, "-INT", true);
    assert!(
        text.contains("Interrupt received"),
        "Terraform did not see the interrupt:\n{text}"
    );
    assert_eq!(emu.keys(), Vec::<Json>::new(), "keys left after the interrupt:\n{text}");
}

/// Terraform killed outright while the run key is open: nobody calls Close or Shutdown, and the
/// provider, seeing Terraform's connection gone, deletes the key before it exits.
#[test(needs_terraform = "1.10")]
fn a_killed_terraform_leaves_no_key() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    signal_while_open(&emu, &tf, "-KILL", false);
    match no_key_within(&emu, Duration::from_secs(5)) {
        Ok(after) => println!(
            "    figures: key deleted {:.2} s after Terraform was killed",
            after.as_secs_f64()
        ),
        Err(keys) => panic!("keys left after Terraform was killed: {keys:?}"),
    }
}

/// Deletes of keys in the call log (each a batch call).
fn key_deletes(calls: &[Json]) -> usize {
    calls
        .iter()
        .filter(|c| c["method"] == "POST" && c["path"] == "/v3.0/iam/apiKeys/delete")
        .count()
}

/// Ctrl-C while the key's create is out, and every delete refused: Open names the key it could
/// not delete (never its secret), and keeps it tracked, so the shutdown hook tries once more.
#[test(needs_terraform = "1.10")]
fn an_interrupted_create_whose_key_cannot_be_deleted_names_it() {
    use std::os::unix::process::CommandExt;
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // Its own provider block: no client retries, so each delete try is one call.
    tf.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}
provider "visionone" {
  max_retries = 0
}

ephemeral "visionone_api_key" "run" {
  role = "Auditor"
}
"#,
    );
    // The delete fault first: the create's path is a prefix of the delete's.
    emu.control(
        "POST",
        "faults",
        json!({"method": "POST", "path": "/v3.0/iam/apiKeys/delete", "kind": "503", "rate": 1.0}),
    );
    emu.control(
        "POST",
        "faults",
        json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "latency", "latencyMs": 4000, "count": 1}),
    );
    emu.clear_calls();
    // `plan`, not `apply`: Terraform stops its providers on Ctrl-C in a plan, but not in the
    // plan walk of an apply.
    let mut cmd = tf.command(&["plan", "-input=false", "-no-color"]);
    cmd.process_group(0).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("start terraform");
    let pid = child.id();
    // The role check comes just before the create: once it has answered, the create is held.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !emu
        .calls()
        .iter()
        .any(|c| c["path"].as_str().is_some_and(|p| p.starts_with("/v3.0/iam/roles")))
    {
        assert!(Instant::now() < deadline, "the role was never checked");
        std::thread::sleep(Duration::from_millis(25));
    }
    std::thread::sleep(Duration::from_millis(1000));
    assert!(emu.keys().is_empty(), "the create was not held");
    let sent = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{pid}")])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait for terraform");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = emu.keys();
    assert_eq!(keys.len(), 1, "the held create made no key:\n{text}");
    let id = keys[0]["id"].as_str().expect("the key's id").to_string();
    // Terraform wraps long lines: compare with whitespace collapsed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("Could not delete ephemeral API key {id}")) && flat.contains("could not be deleted"),
        "the left-behind key is not named:\n{text}"
    );
    assert!(!flat.contains("deleted again"), "claims the key was deleted:\n{text}");
    assert_eq!(secret_shaped(&text), Vec::<String>::new(), "a secret in the output");
    // Three tries in Open, then one more by the shutdown hook as the provider stops.
    let deadline = Instant::now() + Duration::from_secs(5);
    while key_deletes(&emu.calls()) < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(25));
    }
    let calls = emu.calls();
    assert_eq!(key_deletes(&calls), 4, "deletes in the call log: {calls:?}\n{text}");
    emu.control("DELETE", "faults", Json::Null);
}
