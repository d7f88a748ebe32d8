//! Compiles the plugin protocol with protox (pure Rust, no `protoc`) into tonic/prost code.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["tfplugin6.proto", "grpc_controller.proto", "grpc_stdio.proto"];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    for p in &protos {
        println!("cargo:rerun-if-changed={}", dir.join(p).display());
    }
    let fds = protox::compile(protos, [&dir])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .generate_default_stubs(true)
        .compile_fds(fds)?;
    Ok(())
}
