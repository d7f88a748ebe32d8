//! Secrets: a full lifecycle under `TF_LOG=TRACE` — role, account and key created, updated,
//! rotated by the emulator's clock, failing under injected faults, imported, replaced and
//! destroyed — with every stdout, stderr and the `TF_LOG_PATH` file kept. No key secret seen
//! along the way, and not the provider's own API key, may appear anywhere in them.

use crate::harness::{Action, Emulator};
use crate::report::Report;
use crate::support::*;
use serde_json::json;

fn config(description: &str, extra_key: &str) -> String {
    format!(
        r#"{header}
resource "visionone_custom_role" "ops" {{
  name                          = "rel-secrets-ops"
  permission_keys               = ["workbench.view", "search.view"]
  allow_api_key_assignment      = true
  allow_user_account_assignment = true
}}
resource "visionone_user_account" "jane" {{
  email     = "jane.secrets@example.com"
  auth_type = "local"
  role      = visionone_custom_role.ops.name
}}
resource "visionone_api_key" "ci" {{
  name               = "rel-secrets-ci"
  role               = visionone_custom_role.ops.name
  description        = "{description}"
  expiration         = "1_month"
  rotate_before_days = 7
}}
{extra_key}
output "ci_secret" {{
  value     = visionone_api_key.ci.secret
  sensitive = true
}}
"#,
        header = header("  max_retries = 1")
    )
}

#[test]
fn secrets() {
    let emu = Emulator::start();
    let token = format!("rel-admin-{}", random_hex(48));
    let mut tf = tf_with_token(&emu, &token);
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("terraform.log");
    tf.env.push(("TF_LOG".into(), "TRACE".into()));
    tf.env.push(("TF_LOG_PATH".into(), log_path.display().to_string()));
    let mut t = Transcript::default();
    let mut secrets: Vec<String> = Vec::new();
    // `show -json` prints secrets by design: it is how this test reads them, and is not scanned.
    let read_secret = |tf: &crate::harness::Tf, secrets: &mut Vec<String>| -> Option<String> {
        let s = state_keys(&tf.state())
            .into_iter()
            .find(|k| k.address == "visionone_api_key.ci")?
            .secret?;
        if !secrets.contains(&s) {
            secrets.push(s.clone());
        }
        Some(s)
    };
    let mut r = Report::new("secrets");

    // Create.
    tf.write("main.tf", &config("first", ""));
    t.ok(&tf, APPLY);
    let s1 = read_secret(&tf, &mut secrets);
    r.check(s1.as_deref().is_some_and(|s| authenticates(&emu, s)), || {
        "the new key's secret does not authenticate".into()
    });
    t.ok(&tf, &["plan", "-input=false", "-no-color"]);

    // Update in place, then an update that fails under injected faults (errors are printed too).
    tf.write("main.tf", &config("second", ""));
    t.ok(&tf, APPLY);
    emu.control("POST", "faults", json!({"method": "PATCH", "kind": "500", "count": 50}));
    tf.write("main.tf", &config("third", ""));
    let failed = t.run(&tf, APPLY);
    r.check(failed.code == 1, || {
        format!("the update under 500s should fail, exit {}", failed.code)
    });
    emu.control("DELETE", "faults", serde_json::Value::Null);
    t.ok(&tf, APPLY);

    // A second key that cannot be created (its name is taken): a create error with secrets in state.
    let dup = r#"resource "visionone_api_key" "dup" {
  name = "rel-secrets-ci"
  role = "SIEM"
}"#;
    tf.write("main.tf", &config("third", dup));
    let conflict = t.run(&tf, APPLY);
    r.check(conflict.code == 1, || {
        format!("a duplicate key name should fail, exit {}", conflict.code)
    });
    tf.write("main.tf", &config("third", ""));

    // Rotation by the clock: the plan replaces the key, the apply mints a new secret.
    emu.advance_days(25);
    let p = t.planned(&tf);
    r.check(p.has_action("visionone_api_key.ci", Action::Replace), || {
        format!(
            "no rotation planned in the window: {:?}\n{}",
            p.actions("visionone_api_key.ci"),
            p.out.all()
        )
    });
    t.ok(&tf, APPLY);
    let s2 = read_secret(&tf, &mut secrets);
    r.check(s2.is_some() && s2 != s1, || {
        "rotation did not produce a new secret".into()
    });
    r.check(s1.as_deref().is_some_and(|s| !authenticates(&emu, s)), || {
        "the rotated-out key still works".into()
    });

    // Import (no secret), then a replacement for a usable one; a refresh-only plan on the way.
    t.ok(&tf, &["state", "rm", "visionone_api_key.ci"]);
    let id = emu
        .keys()
        .iter()
        .find(|k| k["name"] == "rel-secrets-ci")
        .map(|k| k["id"].as_str().unwrap().to_string());
    let id = id.expect("the key is on the server");
    t.ok(
        &tf,
        &["import", "-input=false", "-no-color", "visionone_api_key.ci", &id],
    );
    t.ok(&tf, &["plan", "-refresh-only", "-input=false", "-no-color"]);
    t.ok(
        &tf,
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-replace=visionone_api_key.ci",
        ],
    );
    let s3 = read_secret(&tf, &mut secrets);
    r.check(s3.is_some() && s3 != s2, || {
        "the replacement after import has no new secret".into()
    });

    // Terraform >= 1.10: a run key (ephemeral) configures an aliased provider; a provisioner
    // hands the test the secret it got, which must then appear nowhere either.
    if crate::harness::terraform_at_least("1.10") {
        let side = tempfile::tempdir().unwrap();
        let capture = side.path().join("run-key");
        let run_key = format!(
            r#"ephemeral "visionone_api_key" "run" {{
  role = "Auditor"
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
    command     = "printf '%s' \"$RUN_KEY\" > {}"
    environment = {{ RUN_KEY = ephemeral.visionone_api_key.run.secret }}
  }}
}}"#,
            capture.display()
        );
        tf.write("main.tf", &config("third", &run_key));
        t.ok(&tf, APPLY);
        let seen = std::fs::read_to_string(&capture).unwrap_or_default();
        r.check(seen.len() == 64, || {
            "the run key's secret did not reach the provisioner".into()
        });
        r.check(!authenticates(&emu, &seen), || "the run key outlived the apply".into());
        if !seen.is_empty() && !secrets.contains(&seen) {
            secrets.push(seen);
        }
        let on_server = emu.keys().len();
        r.check(on_server == 1, || {
            format!("{on_server} keys on the server, want only the managed one")
        });
    }

    // The sensitive output, as users read it, and destroy.
    t.ok(&tf, &["output", "-no-color"]);
    t.ok(&tf, &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    r.check(emu.keys().is_empty(), || format!("destroy left keys: {:?}", emu.keys()));

    let trace = std::fs::read_to_string(&log_path).unwrap_or_default();
    r.check(trace.lines().count() > 1000, || {
        format!(
            "TF_LOG_PATH has only {} lines: TRACE not captured?",
            trace.lines().count()
        )
    });
    r.check(trace.contains("provider.terraform-provider-visionone"), || {
        "the provider's own logs are not in the trace".into()
    });
    let haystacks = [("terraform output", &t.text), ("TF_LOG_PATH", &trace)];
    let mut needles: Vec<(&str, &str)> = secrets.iter().map(|s| ("a key secret", s.as_str())).collect();
    needles.push(("the provider's API key", token.as_str()));
    let mut leaks = 0;
    for (where_, text) in haystacks {
        for (what, needle) in &needles {
            let n = text.matches(needle).count();
            if n > 0 {
                leaks += n as u64;
                let at = text.find(needle).unwrap();
                let line = text[..at].lines().last().unwrap_or_default();
                r.fail(format!(
                    "{what} appears {n} time(s) in {where_}, e.g. after: {:?}",
                    &line[line.len().saturating_sub(120)..]
                ));
            }
        }
    }
    r.load = format!(
        "{} commands, {} trace lines, {} secrets + 1 token",
        t.commands,
        trace.lines().count(),
        secrets.len()
    );
    r.inputs_tried = (t.text.len() + trace.len()) as u64;
    r.objects_lost = leaks;
    r.check(secrets.len() >= 3, || {
        format!("only {} distinct secrets seen", secrets.len())
    });
    r.finish();
}

/// The same for the Workload Security side under `TF_LOG=TRACE`: the first key made through a
/// username/password session, updated, rotated by the clock, a refused secret; neither the
/// password nor any key secret may appear in Terraform's output or the trace.
#[test]
fn secrets_workload() {
    let password = format!("pw-{}", random_hex(40));
    let emu = Emulator::start_with(|c| {
        c.workload_login = Some(visionone_emulator::WorkloadLogin {
            tenant: None,
            user: "admin".into(),
            password: password.clone(),
        })
    });
    let mut tf = crate::harness::Tf::new(&emu);
    tf.env.retain(|(k, _)| !k.starts_with("VISIONONE_WORKLOAD_"));
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("terraform.log");
    tf.env.push(("TF_LOG".into(), "TRACE".into()));
    tf.env.push(("TF_LOG_PATH".into(), log_path.display().to_string()));
    let mut t = Transcript::default();
    let mut r = Report::new("secrets_workload");
    let block = |auth: &str| header(&format!("  workload {{\n    url = \"{}/api\"\n{auth}\n  }}", emu.url));
    let login = format!("    username = \"admin\"\n    password = \"{password}\"");
    let key = |description: &str| {
        format!(
            "resource \"visionone_workload_api_key\" \"k\" {{\n  name = \"rel-secrets-wl\"\n  role = \"Full Access\"\n  \
             description = \"{description}\"\n  valid_for_days = 30\n  rotate_before_days = 7\n}}\n"
        )
    };
    let mut secrets: Vec<String> = Vec::new();
    let read_secret = |tf: &crate::harness::Tf, secrets: &mut Vec<String>| -> Option<String> {
        let s = tf.attrs("visionone_workload_api_key.k")["secret"].as_str()?.to_string();
        if !secrets.contains(&s) {
            secrets.push(s.clone());
        }
        Some(s)
    };
    tf.write("main.tf", &format!("{}{}", block(&login), key("first")));
    t.ok(&tf, APPLY);
    let s1 = read_secret(&tf, &mut secrets);
    tf.write("main.tf", &format!("{}{}", block(&login), key("second")));
    t.ok(&tf, APPLY);
    emu.advance_days(25);
    t.ok(&tf, APPLY);
    let s2 = read_secret(&tf, &mut secrets);
    r.check(s2.is_some() && s2 != s1, || {
        "rotation did not produce a new secret".into()
    });
    // A refused secret: the error names the block and not the secret.
    let wrong = format!("    api_key = \"{}x\"", s2.clone().unwrap_or_default());
    secrets.push(format!("{}x", s2.clone().unwrap_or_default()));
    tf.write("main.tf", &format!("{}{}", block(&wrong), key("second")));
    let refused = t.run(&tf, &["plan", "-input=false", "-no-color"]);
    r.check(refused.code == 1, || {
        format!("a wrong secret should fail, exit {}", refused.code)
    });
    // The key's own secret as the provider's credential, then destroy.
    let own = format!("    api_key = \"{}\"", s2.clone().unwrap_or_default());
    tf.write("main.tf", &format!("{}{}", block(&own), key("second")));
    t.ok(&tf, &["plan", "-input=false", "-no-color"]);
    tf.write("main.tf", &format!("{}{}", block(&login), key("second")));
    t.ok(&tf, &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    r.check(emu.workload_keys().is_empty(), || "destroy left keys".into());

    let trace = std::fs::read_to_string(&log_path).unwrap_or_default();
    r.check(trace.contains("provider.terraform-provider-visionone"), || {
        "the provider's own logs are not in the trace".into()
    });
    let mut needles: Vec<(&str, &str)> = secrets.iter().map(|s| ("a key secret", s.as_str())).collect();
    needles.push(("the sign-in password", password.as_str()));
    let mut leaks = 0;
    for (where_, text) in [("terraform output", &t.text), ("TF_LOG_PATH", &trace)] {
        for (what, needle) in &needles {
            let n = text.matches(needle).count();
            if n > 0 {
                leaks += n as u64;
                r.fail(format!("{what} appears {n} time(s) in {where_}"));
            }
        }
    }
    r.load = format!(
        "{} commands, {} trace lines, {} secrets + 1 password",
        t.commands,
        trace.lines().count(),
        secrets.len()
    );
    r.inputs_tried = (t.text.len() + trace.len()) as u64;
    r.objects_lost = leaks;
    r.finish();
}
