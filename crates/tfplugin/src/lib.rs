//! The plugin room: Terraform's plugin protocol 6, and nothing of Vision One.
//!
//! - [`serve`] runs the go-plugin handshake, AutoMTLS and the gRPC services.
//! - [`Value`] / [`Type`] are Terraform's values, decoded from msgpack / JSON state.
//! - [`schema`] builds schemas; [`diag`] carries diagnostics with attribute paths.
//! - A provider implements [`Provider`]; the server calls it for every RPC. Most providers
//!   implement [`framework::ProviderCore`] and the CRUD traits of [`framework`] instead.

pub mod convert;
pub mod diag;
pub mod framework;
pub mod handshake;
pub mod identity;
pub mod list;
pub mod log;
pub mod proto;
pub mod provider;
mod rpc;
pub mod schema;
mod server;
pub mod testing;
pub mod tls;
pub mod value;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use identity::{IdentityAttribute, IdentitySchema};
pub use provider::*;
pub use schema::{Attribute, Block, NestedBlock, NestingMode, PlanRules, Schema, Validator};
pub use server::{serve, serve_blocking, ServeError, ServeOptions};
pub use value::{Number, Type, Value};
