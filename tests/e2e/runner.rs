//! The test beds' runner (`harness = false`, libtest-mimic): every `#[test]` registered by
//! `visionone-test-macros`, run against the Terraform under test (`TERRAFORM`).
//!
//! A scenario marked `#[test(needs_terraform = "1.10")]` is reported as *ignored*, with its
//! reason, on an older Terraform: never counted as passed, and not run by `--include-ignored`
//! either. Output and flags are libtest's (`cargo test --test e2e -- FILTER`), followed by one
//! line per suite and version that `make test` and `.ci/run` show:
//!
//! `e2e on Terraform 1.0.3: 28 passed, 0 failed, 2 skipped (ephemeral::opens: needs Terraform >= 1.10)`

use crate::harness::{terraform_version, version_at_least, Scenario};
use libtest_mimic::{Arguments, Completion, Trial};
use std::process::ExitCode;

pub fn main(suite: &str) -> ExitCode {
    let args = Arguments::from_args();
    let mut scenarios: Vec<&'static Scenario> = inventory::iter::<Scenario>.into_iter().collect();
    scenarios.sort_by_key(|s| name_of(s));
    // Asked before the run (a missing Terraform fails here, once, with the reason); `--list`
    // needs no Terraform.
    let version = (!args.list).then(terraform_version);

    let mut skipped = Vec::new();
    let trials: Vec<Trial> = scenarios
        .iter()
        .map(|s| {
            let name = name_of(s);
            let needs = s
                .needs_terraform
                .filter(|min| version.is_some_and(|v| !version_at_least(v, min)));
            let run = s.run;
            let trial = Trial::ignorable_test(name.clone(), move || {
                if let Some(min) = needs {
                    return Ok(Completion::ignored_with(format!("needs Terraform >= {min}")));
                }
                run();
                Ok(Completion::Completed)
            })
            .with_ignored_flag(s.ignore.is_some());
            if !args.is_filtered_out(&trial) {
                if let Some(min) = needs {
                    skipped.push(format!("{name}: needs Terraform >= {min}"));
                } else if args.is_ignored(&trial) {
                    skipped.push(format!("{name}: {}", s.ignore.unwrap_or("ignored")));
                }
            }
            trial
        })
        .collect();

    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(v) = version {
        let names = if skipped.is_empty() {
            String::new()
        } else {
            format!(" ({})", skipped.join("; "))
        };
        println!(
            "{suite} on Terraform {v}: {} passed, {} failed, {} skipped{names}",
            conclusion.num_passed, conclusion.num_failed, conclusion.num_ignored
        );
    }
    conclusion.exit_code()
}

/// `api_key::rotation_window_replaces_key`: the module path without the crate, then the name.
fn name_of(s: &Scenario) -> String {
    match s.module.split_once("::") {
        Some((_, module)) => format!("{module}::{}", s.name),
        None => s.name.to_string(),
    }
}
