//! `visionone-docs [--check] [DIR]`: writes (or checks) the schema sections of the registry pages
//! under DIR (default `docs`) from the provider's own schemas; `make docs` runs it.
//!
//! A binary of its own so that the plugin binary Terraform starts does one thing: serve.

fn main() -> std::process::ExitCode {
    let code = terraform_provider_visionone::docs::cli(std::env::args().skip(1));
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
