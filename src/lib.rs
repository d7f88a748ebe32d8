//! The provider room: Terraform's resources mapped onto the Vision One API.
//!
//! Rooms: `tfplugin` (Terraform's protocol) ← this crate → `visionone_client` (the
//! Vision One API). See ARCHITECTURE.md.

#![forbid(unsafe_code)]

pub mod client;
pub mod config;
pub mod data_sources;
pub mod docs;
pub mod ephemeral;
pub mod list_resources;
pub mod provider;
pub mod resources;
pub mod roles;
pub mod rotation;
pub mod workload;

/// The address users write in `required_providers`.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/visionone-iam/visionone";
