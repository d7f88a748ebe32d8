//! `terraform-provider-visionone`: Terraform starts this binary and drives it over gRPC.
//!
//! Rooms: `tfplugin` (Terraform's protocol) ← `provider` (this crate) → `visionone_client`
//! (the Vision One API). See ARCHITECTURE.md.

mod client;
mod config;
mod data_sources;
mod provider;
mod resources;

use std::sync::Arc;

/// The address users write in `required_providers`.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/visionone-iam/visionone";

fn main() {
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" => debug = true,
            "--version" | "-v" => {
                println!("terraform-provider-visionone {}", env!("CARGO_PKG_VERSION"));
                return;
            }
            "--help" | "-h" => {
                println!(
                    "terraform-provider-visionone {}\n\nA Terraform plugin: Terraform starts it; you do not run it by hand.\n\
                     Options:\n  --debug    serve without TLS and print TF_REATTACH_PROVIDERS for debugging\n  \
                     --version  print the version",
                    env!("CARGO_PKG_VERSION")
                );
                return;
            }
            other => {
                eprintln!("unknown argument {other:?}; see --help");
                std::process::exit(2);
            }
        }
    }
    let provider = Arc::new(provider::VisionOne::new());
    let code = tfplugin::serve_main(provider, tfplugin::ServeOptions::new(SOURCE_ADDRESS).debug(debug));
    std::process::exit(code);
}
