//! End-to-end scenarios: real Terraform 1.0.3 driving the provider binary against the emulator.
//!
//! One test binary (one link) with a module per scenario family. `make test` installs
//! Terraform into .tools/ and sets TERRAFORM.

mod api_key;
mod company_network;
mod custom_role;
mod examples;
mod harness;
mod provider_block;
mod user_account;
