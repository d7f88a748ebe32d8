//! `terraform-provider-visionone`: Terraform starts this binary and drives it over gRPC.
//!
//! See ARCHITECTURE.md for the rooms and how a `terraform apply` flows through them.

use std::sync::Arc;
use terraform_provider_visionone::{provider, SOURCE_ADDRESS};

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
