//! `terraform test` (Terraform 1.15.5) of examples/module-with-tests against the released
//! emulator, with the provider installed from the released zip: what a user's CI does in
//! docs/guides/testing-modules.md. A failing assertion makes it fail, and nothing is left on
//! the server.

use crate::emulator::Emulator;
use crate::mirror::mirror_config;
use crate::package::{root, show, Release};
use crate::terraform::{flat, Work};
use std::path::Path;

/// The module's files (without any .terraform a local run left) into `to`.
fn copy_module(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (p, name) = (entry.path(), entry.file_name());
        if name.to_string_lossy().starts_with(".terraform") || name == "terraform.tfstate" {
            continue;
        }
        if p.is_dir() {
            std::fs::create_dir_all(to.join(&name)).unwrap();
            copy_module(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

#[test]
fn terraform_test_passes_on_the_example_module_against_the_released_emulator() {
    let rel = Release::get();
    let emu = Emulator::start(rel);
    let mirror = tempfile::tempdir().unwrap();
    let work = Work::new("1.15.5", &mirror_config(rel, mirror.path()), &emu);
    let module = root().join("examples/module-with-tests");
    copy_module(&module, work.path());
    let runs = std::fs::read_to_string(module.join("tests/integration_key.tftest.hcl"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("run \""))
        .count();
    assert!(runs >= 5, "the example's test file has {runs} runs");

    let init = work.run(&["init", "-input=false"]);
    assert!(init.status.success(), "init failed:\n{}", show(&init));
    let test = work.run(&["test"]);
    let text = flat(&test);
    assert!(test.status.success(), "terraform test failed:\n{}", show(&test));
    assert!(
        text.contains(&format!("Success! {runs} passed, 0 failed.")),
        "{}",
        show(&test)
    );
    assert!(
        text.contains("run \"a_bad_integration_name_is_refused\"... pass"),
        "{}",
        show(&test)
    );
    // The runs really reached the emulator, and the test's destroy left nothing behind.
    assert!(emu.called_paths().iter().any(|p| p.starts_with("/v3.0/iam/apiKeys")));
    assert!(emu.keys().is_empty(), "keys left: {:?}", emu.keys());
    assert!(emu.custom_roles().is_empty(), "roles left: {:?}", emu.custom_roles());

    // An assertion that does not hold fails the run, and the test.
    work.write(
        "tests/wrong.tftest.hcl",
        "variables {\n  integration = \"wrong-check\"\n}\n\nrun \"wrong_name\" {\n  assert {\n    \
         condition     = output.role_name == \"integration-something-else\"\n    error_message = \"deliberately wrong\"\n  }\n}\n",
    );
    let wrong = work.run(&["test", "-filter=tests/wrong.tftest.hcl"]);
    assert!(!wrong.status.success(), "a wrong assertion passed:\n{}", show(&wrong));
    let text = flat(&wrong);
    assert!(
        text.contains("deliberately wrong") && text.contains("0 passed, 1 failed"),
        "{}",
        show(&wrong)
    );
    assert!(
        emu.keys().is_empty() && emu.custom_roles().is_empty(),
        "a failed run left objects"
    );
}
