//! `terraform-provider-visionone`: Terraform starts this binary and drives it over gRPC.
//!
//! See ARCHITECTURE.md for the rooms and how a `terraform apply` flows through them.

use std::sync::Arc;
use terraform_provider_visionone::{provider, SOURCE_ADDRESS};

fn main() -> std::process::ExitCode {
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" => debug = true,
            "--version" | "-v" => {
                println!("terraform-provider-visionone {}", env!("CARGO_PKG_VERSION"));
                return std::process::ExitCode::SUCCESS;
            }
            "--help" | "-h" => {
                println!(
                    "terraform-provider-visionone {}\n\nA Terraform plugin: Terraform starts it; you do not run it by hand.\n\
                     Options:\n  --debug    serve without TLS and print TF_REATTACH_PROVIDERS for debugging\n  \
                     --version  print the version",
                    env!("CARGO_PKG_VERSION")
                );
                return std::process::ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}; see --help");
                return std::process::ExitCode::from(2);
            }
        }
    }
    hosts_from_files_and_dns();
    let provider = Arc::new(provider::VisionOne::new());
    let mut opts = tfplugin::ServeOptions::new(SOURCE_ADDRESS);
    opts.debug = debug;
    tfplugin::serve_blocking(provider, opts)
}

/// The release binary links glibc statically (scripts/build-release.sh). Such a binary must not
/// load the host's NSS modules for host lookups (`mdns`, `resolve`, `sss`… in nsswitch.conf):
/// they belong to another glibc. `files` and `dns` are built in, so lookups use /etc/hosts and
/// DNS only, as Go providers' resolver does.
#[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
#[allow(unsafe_code)]
fn hosts_from_files_and_dns() {
    use std::ffi::{c_char, c_int};
    extern "C" {
        fn __nss_configure_lookup(db: *const c_char, service_line: *const c_char) -> c_int;
    }
    // SAFETY: both arguments are NUL-terminated static strings; called once, before any thread
    // or lookup exists.
    unsafe {
        __nss_configure_lookup(c"hosts".as_ptr(), c"files dns".as_ptr());
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static")))]
fn hosts_from_files_and_dns() {}
