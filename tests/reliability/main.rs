//! Reliability and security suites (issue 7): real Terraform and the emulator, each suite
//! printing one `RELIABILITY|...` line of figures that `scripts/reliability.sh` gathers into a
//! table. The fast suites run in `make test`; the heavy ones are `#[ignore]`d and run by
//! `make reliability` (`--include-ignored`). Run by the e2e runner (`harness = false`), once per
//! Terraform version in `make test`.

#[macro_use]
extern crate visionone_test_macros;

#[path = "../e2e/harness.rs"]
mod harness;

mod bad_input;
mod chaos;
mod drift;
mod interrupt;
mod report;
#[path = "../e2e/runner.rs"]
mod runner;
mod secrets;
mod support;
mod transport;

fn main() -> std::process::ExitCode {
    runner::main("reliability")
}
