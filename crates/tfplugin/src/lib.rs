//! The plugin room: Terraform's plugin protocol 6, and nothing of Vision One.
//!
//! - [`serve`] runs the go-plugin handshake, AutoMTLS and the gRPC services.
//! - [`Value`] / [`Type`] are Terraform's values, decoded from msgpack / JSON state.
//! - [`schema`] builds schemas; [`diag`] carries diagnostics with attribute paths.
//! - A provider implements [`Provider`]; the server calls it for every RPC.

pub mod diag;
pub mod provider;
pub mod schema;
pub mod value;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use provider::*;
pub use schema::{Attribute, Block, NestedBlock, NestingMode, Schema};
pub use value::{Number, Type, Value};
