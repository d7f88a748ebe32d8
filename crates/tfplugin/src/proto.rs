//! Generated protobuf and gRPC code (see `build.rs` and `/proto`).

/// Terraform's plugin protocol 6.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services: controller (Shutdown) and stdio.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
