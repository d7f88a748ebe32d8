//! End-to-end scenarios: real Terraform driving the provider binary against the emulator.
//!
//! One test binary (one link) with a module per scenario family, run by `runner.rs`
//! (`harness = false`): `make test` runs it once per Terraform version (1.15.5 and 1.0.3, set by
//! `TERRAFORM`). A new family is one `mod` line; its plain `#[test]`s register themselves
//! (`visionone-test-macros`), and `#[test(needs_terraform = "1.10")]` marks one that needs a
//! newer Terraform.

#[macro_use]
extern crate visionone_test_macros;

mod api_key;
mod bed;
mod company_network;
mod custom_role;
mod ephemeral;
mod examples;
mod harness;
mod identity;
mod provider_block;
mod query;
mod runner;
mod upgrade;
mod user_account;
mod workload;

fn main() -> std::process::ExitCode {
    runner::main("e2e")
}
