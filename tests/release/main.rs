//! What users install: the files `make release` writes (scripts/release.sh), installed by real
//! Terraform from a filesystem mirror and from a provider registry over HTTPS (signature
//! checked), and the released emulator running a module's `terraform test`.
//!
//! One signed release of the debug binaries is made per test process (`package.rs`), so no
//! release build is needed. Terraform comes from `.tools/` (`make tools`), gpg from PATH
//! (`scripts/install-gnupg.sh`).

mod emulator;
mod files;
mod gpg;
mod mirror;
mod module_tests;
mod package;
mod registry;
mod registry_install;
mod terraform;
mod tls;
