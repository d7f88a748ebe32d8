//! Every example under examples/ applies against the emulator, plans clean afterwards, and
//! destroys without leaving objects behind — so the examples users copy cannot rot.

use crate::harness::*;
use std::path::{Path, PathBuf};

/// A module with its own `tests/*.tftest.hcl` (examples/module-with-tests) has required inputs,
/// so it cannot be applied as a root module: `terraform test` applies and destroys it with its
/// own inputs instead (tests/release/module_tests.rs).
fn has_terraform_tests(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("tests"))
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".tftest.hcl"))
        })
        .unwrap_or(false)
}

/// Directories holding `.tf` files, in a stable order (modules with `terraform test` files aside).
fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let mut has_tf = false;
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "tf") {
                has_tf = true;
            }
        }
        if has_tf && !has_terraform_tests(&dir) {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn every_example_applies_plans_clean_and_destroys() {
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 9,
        "expected the quick start, guides and per-type examples, found {dirs:?}"
    );
    for dir in dirs {
        let emu = Emulator::start();
        let tf = Tf::new(&emu);
        let mut sources = String::new();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "tf") {
                sources.push_str(&std::fs::read_to_string(&p).unwrap());
                sources.push('\n');
            }
        }
        let name = dir
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        // Ephemeral resources need Terraform 1.10: older ones cannot even parse the block.
        if sources.contains("ephemeral \"") && !terraform_at_least("1.10") {
            println!(
                "    {name}: skipped, needs Terraform >= 1.10 (have {})",
                terraform_version()
            );
            continue;
        }
        // Per-type examples are fragments for the docs: give them the provider header.
        if sources.contains("required_providers") {
            tf.write("main.tf", &sources);
        } else {
            tf.config(&sources);
        }
        let o = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(o.code, 0, "{name}: apply failed:\n{}", o.all());
        let o = tf.plan();
        assert_eq!(o.code, 0, "{name}: the plan after apply is not clean:\n{}", o.all());
        let o = tf.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(o.code, 0, "{name}: destroy failed:\n{}", o.all());
        assert!(
            emu.keys().is_empty(),
            "{name}: keys left on the server: {:?}",
            emu.keys()
        );
        assert!(
            emu.workload_keys().is_empty(),
            "{name}: Workload Security keys left on the manager: {:?}",
            emu.workload_keys()
        );
        assert!(
            emu.list("/iam/accounts").is_empty(),
            "{name}: accounts left on the server"
        );
        let custom: Vec<_> = emu
            .list("/iam/roles")
            .into_iter()
            .filter(|r| r["type"] == "custom")
            .collect();
        assert!(custom.is_empty(), "{name}: custom roles left on the server: {custom:?}");
    }
}
