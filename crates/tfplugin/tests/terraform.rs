//! End to end with a real Terraform. Runs only when `TFPLUGIN_TERRAFORM` names the binary;
//! `make test` runs it on Terraform 1.15.5 and again on 1.0.3 (`make tools` installs both:
//! `TFPLUGIN_TERRAFORM=.tools/bin/terraform-1.0.3`).

mod common;

use common::{example, temp_dir};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

struct Bed {
    terraform: PathBuf,
    dir: PathBuf,
}

impl Bed {
    fn new(tag: &str, input: &str) -> Option<Bed> {
        let Some(terraform) = std::env::var_os("TFPLUGIN_TERRAFORM").map(PathBuf::from) else {
            eprintln!("TFPLUGIN_TERRAFORM not set: skipping the Terraform end-to-end test");
            return None;
        };
        let dir = temp_dir(tag);
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(example("echo"), bin.join("terraform-provider-visionone")).unwrap();
        std::fs::write(
            dir.join("cli.tfrc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"visionone-iam/visionone\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                bin.display()
            ),
        )
        .unwrap();
        let bed = Bed { terraform, dir };
        bed.write_config(input);
        Some(bed)
    }

    fn write_config(&self, input: &str) {
        std::fs::write(
            self.dir.join("main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    visionone = {{ source = \"visionone-iam/visionone\" }}\n  }}\n}}\n\
                 provider \"visionone\" {{}}\n\
                 resource \"visionone_echo\" \"a\" {{\n  input = \"{input}\"\n}}\n\
                 output \"out\" {{ value = visionone_echo.a.output }}\n"
            ),
        )
        .unwrap();
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.terraform);
        c.args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", self.dir.join("cli.tfrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn schema_plan_apply_destroy() {
    let Some(bed) = Bed::new("tf-cycle", "hello") else {
        return;
    };
    let schema = bed.run(&["providers", "schema", "-json"]);
    assert!(schema.status.success(), "{}", text(&schema));
    let v: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let attrs = &v["provider_schemas"]["registry.terraform.io/visionone-iam/visionone"]["resource_schemas"]
        ["visionone_echo"]["block"]["attributes"];
    assert_eq!(attrs["input"]["required"], true);
    assert_eq!(attrs["output"]["computed"], true);

    let apply = bed.run(&["apply", "-auto-approve", "-no-color"]);
    assert!(apply.status.success(), "{}", text(&apply));
    assert!(text(&apply).contains("out = \"hello\""), "{}", text(&apply));
    let plan = bed.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let destroy = bed.run(&["destroy", "-auto-approve", "-no-color"]);
    assert!(destroy.status.success(), "{}", text(&destroy));
}

#[test]
fn sigint_to_the_process_group_mid_apply_keeps_the_object_in_state() {
    let Some(bed) = Bed::new("tf-sigint", "wait") else {
        return;
    };
    let mut child = bed
        .cmd(&["apply", "-auto-approve", "-no-color"])
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pgid = child.id();
    // Wait until Terraform reports the create in progress, i.e. the provider is inside apply.
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in stdout.lines().map_while(Result::ok) {
            if line.contains("Creating...") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("apply starts");
    std::thread::sleep(Duration::from_millis(500));
    let group = format!("-{pgid}");
    assert!(Command::new("kill")
        .args(["-INT", "--", &group])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    let mut out = reader.join().unwrap();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut out).unwrap();
    assert!(!status.success(), "{out}");
    assert!(out.contains("StopProvider was called"), "{out}");
    let list = bed.run(&["state", "list"]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("visionone_echo.a"),
        "{}",
        text(&list)
    );
    bed.write_config("done");
    let destroy = bed.run(&["destroy", "-auto-approve", "-no-color"]);
    assert!(destroy.status.success(), "{}", text(&destroy));
}
