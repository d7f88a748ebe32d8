//! Interrupt: SIGINT to Terraform's whole process group (what Ctrl-C in a terminal does) while
//! 50 keys are being created. Goal: the provider stays up until Terraform exits (no "plugin
//! exited" or broken-connection error), every key created on the server is in state or deleted,
//! and the next apply converges with nothing orphaned.

use crate::harness::{Emulator, Tf};
use crate::report::{crash_markers, Report};
use crate::support::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

const KEYS: usize = 50;
/// How many keys must exist on the server before the interrupt.
const INTERRUPT_AFTER: usize = 5;

fn config() -> String {
    format!(
        r#"{header}
resource "visionone_api_key" "k" {{
  count = {KEYS}
  name  = "interrupt-key-${{count.index}}"
  role  = "SIEM"
}}
"#,
        header = header("")
    )
}

/// What Terraform prints when its provider went away under it.
const PROVIDER_GONE: &[&str] = &[
    "transport is closing",
    "connection refused",
    "error reading from server: EOF",
    "code = Unavailable",
    "plugin exited",
];

#[test]
#[ignore = "heavy: run by make reliability"]
fn interrupt() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let mut r = Report::new("interrupt");
    r.load = format!("{KEYS} keys, SIGINT after {INTERRUPT_AFTER} exist");
    r.inputs_tried = KEYS as u64;
    tf.write("main.tf", &config());
    // Slow creates down so the interrupt lands mid-apply.
    emu.control(
        "POST",
        "faults",
        json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "latency", "latencyMs": 700, "rate": 1.0}),
    );

    let mut cmd = tf.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    cmd.process_group(0).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("start terraform");
    let pgid = child.id();
    let deadline = Instant::now() + Duration::from_secs(120);
    while emu.keys().len() < INTERRUPT_AFTER && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(25));
    }
    let before = emu.keys().len();
    let sent = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{pgid}")])
        .status();
    r.faults_injected = 1;
    let out = child.wait_with_output().expect("wait for terraform");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    r.check(sent.is_ok_and(|s| s.success()), || "kill -INT failed".into());
    r.check(before < KEYS, || {
        format!("the apply finished ({before} keys) before the interrupt: nothing was tested")
    });
    r.check(text.contains("Interrupt received"), || {
        format!("Terraform did not see the interrupt:\n{text}")
    });
    let gone: Vec<&&str> = PROVIDER_GONE.iter().filter(|m| text.contains(**m)).collect();
    r.check(gone.is_empty(), || {
        format!("the provider went away before Terraform exited ({gone:?}):\n{text}")
    });
    let crashes = crash_markers(&text);
    r.check(crashes.is_empty(), || format!("crash markers {crashes:?}:\n{text}"));
    emu.control("DELETE", "faults", Json::Null);

    // Every key on the server is in state (or was never left behind).
    let state = tf.state();
    let in_state: BTreeSet<String> = state_keys(&state).into_iter().filter_map(|k| k.id).collect();
    let on_server: BTreeSet<String> = emu
        .keys()
        .iter()
        .filter_map(|k| k["id"].as_str().map(str::to_string))
        .collect();
    let orphaned: Vec<_> = on_server.difference(&in_state).cloned().collect();
    r.check(orphaned.is_empty(), || {
        format!(
            "{} keys on the server are not in state after the interrupt",
            orphaned.len()
        )
    });
    let without_secret = state_keys(&state).into_iter().filter(|k| k.secret.is_none()).count();
    r.check(without_secret == 0, || {
        format!("{without_secret} keys in state without a secret")
    });
    println!(
        "interrupt: {before} keys when interrupted, {} on the server and {} in state afterwards, exit {:?}",
        on_server.len(),
        in_state.len(),
        out.status.code()
    );
    r.faults_survived = u64::from(orphaned.is_empty() && gone.is_empty());

    // The next apply converges, with nothing orphaned.
    let mut t = Transcript::default();
    let o = t.run(&tf, APPLY);
    r.check(o.code == 0, || {
        format!("the apply after the interrupt failed:\n{}", o.all())
    });
    let p = t.run(&tf, PLAN);
    r.check(p.code == 0, || {
        format!("not converged: plan exit {}:\n{}", p.code, p.all())
    });
    let state = tf.state();
    let keys = state_keys(&state);
    let in_state: BTreeSet<String> = keys.iter().filter_map(|k| k.id.clone()).collect();
    let server_keys = emu.keys();
    let on_server: BTreeSet<String> = server_keys
        .iter()
        .filter_map(|k| k["id"].as_str().map(str::to_string))
        .collect();
    let lost = on_server.symmetric_difference(&in_state).count()
        + keys
            .iter()
            .filter(|k| !k.secret.as_deref().is_some_and(|s| authenticates(&emu, s)))
            .count();
    r.check(server_keys.len() == KEYS && in_state.len() == KEYS, || {
        format!(
            "{} keys on the server, {} in state (want {KEYS})",
            server_keys.len(),
            in_state.len()
        )
    });
    r.objects_lost = (lost + orphaned.len()) as u64;
    r.check(lost == 0, || {
        format!("{lost} keys orphaned, missing or without a working secret after convergence")
    });
    r.finish();
}
