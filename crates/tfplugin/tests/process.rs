//! The provider process as Terraform sees it: handshake, AutoMTLS, signals, shutdown.

mod common;

use common::*;
use std::process::Command;
use tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::proto::tfplugin6::{get_provider_schema, stop_provider};

async fn schema_resources(ch: tonic::transport::Channel) -> Result<Vec<String>, tonic::Status> {
    let resp = ProviderClient::new(ch)
        .get_provider_schema(get_provider_schema::Request {})
        .await?
        .into_inner();
    Ok(resp.resource_schemas.keys().cloned().collect())
}

fn kill(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[tokio::test]
async fn handshake_line_and_schema_over_automtls() {
    let dir = temp_dir("schema");
    let cert = client_cert(&dir, "terraform");
    let plugin = Plugin::start(Some(&cert), &[]);
    let f = plugin.fields();
    assert_eq!(f.len(), 6, "{}", plugin.line);
    assert_eq!(
        (f[0].as_str(), f[1].as_str(), f[2].as_str(), f[4].as_str()),
        ("1", "6", "unix", "grpc")
    );
    assert!(!f[5].contains('='), "certificate must be unpadded base64");
    assert!(std::path::Path::new(&f[3]).exists());

    let ch = connect(&plugin, Some(&cert)).await.expect("TLS connection");
    let resources = schema_resources(ch.clone()).await.unwrap();
    assert_eq!(resources, ["visionone_echo"]);

    let mut health = tonic_health::pb::health_client::HealthClient::new(ch);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_client_with_another_certificate_is_refused() {
    let dir = temp_dir("refuse");
    let terraform = client_cert(&dir, "terraform");
    let intruder = client_cert(&dir, "intruder");
    let plugin = Plugin::start(Some(&terraform), &[]);

    let refused = match connect(&plugin, Some(&intruder)).await {
        Err(_) => true,
        Ok(ch) => schema_resources(ch).await.is_err(),
    };
    assert!(refused, "a foreign client certificate must not get an answer");
    // A plain-text client gets nothing either.
    let plain = match connect(&plugin, None).await {
        Err(_) => true,
        Ok(ch) => schema_resources(ch).await.is_err(),
    };
    assert!(plain);
    // The right one still works afterwards.
    let ch = connect(&plugin, Some(&terraform)).await.unwrap();
    assert_eq!(schema_resources(ch).await.unwrap(), ["visionone_echo"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn without_the_cookie_it_explains_and_exits_1() {
    let out = Command::new(example("echo"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("This binary is a plugin for Terraform"), "{err}");
    assert!(err.contains("terraform init"), "{err}");
}

#[test]
fn without_protocol_6_it_refuses() {
    let out = Command::new(example("echo"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("protocol 6") && err.contains("4,5"), "{err}");
}

#[tokio::test]
async fn stop_provider_and_sigint_leave_it_serving() {
    let dir = temp_dir("stop");
    let cert = client_cert(&dir, "terraform");
    let plugin = Plugin::start(Some(&cert), &[]);
    let ch = connect(&plugin, Some(&cert)).await.unwrap();

    let resp = ProviderClient::new(ch.clone())
        .stop_provider(stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.error, "");
    assert_eq!(schema_resources(ch.clone()).await.unwrap(), ["visionone_echo"]);

    kill(plugin.pid(), "-INT");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(schema_resources(ch).await.unwrap(), ["visionone_echo"]);
    let mut plugin = plugin;
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "SIGINT must not end the provider"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn controller_shutdown_exits_0_and_removes_the_socket() {
    let dir = temp_dir("shutdown");
    let cert = client_cert(&dir, "terraform");
    let mut plugin = Plugin::start(Some(&cert), &[]);
    let socket = plugin.fields()[3].clone();
    let ch = connect(&plugin, Some(&cert)).await.unwrap();
    // An open stdio stream must not hold the exit.
    let mut stdio = tfplugin::proto::plugin::grpc_stdio_client::GrpcStdioClient::new(ch.clone());
    let _stream = stdio.stream_stdio(()).await.unwrap().into_inner();

    GrpcControllerClient::new(ch)
        .shutdown(tfplugin::proto::plugin::Empty {})
        .await
        .unwrap();
    let status = plugin.wait_exit(5).expect("provider exits after Shutdown");
    assert_eq!(status.code(), Some(0));
    assert!(!std::path::Path::new(&socket).exists(), "socket removed");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sigterm_exits_cleanly() {
    let mut plugin = Plugin::start(None, &[]);
    let socket = plugin.fields()[3].clone();
    kill(plugin.pid(), "-TERM");
    let status = plugin.wait_exit(5).expect("exits on SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(!std::path::Path::new(&socket).exists());
}

#[tokio::test]
async fn tcp_transport_with_tls() {
    let dir = temp_dir("tcp");
    let cert = client_cert(&dir, "terraform");
    let plugin = Plugin::start(
        Some(&cert),
        &[
            ("TF_PLUGIN_TRANSPORT", "tcp"),
            ("PLUGIN_MIN_PORT", "20000"),
            ("PLUGIN_MAX_PORT", "20999"),
        ],
    );
    let f = plugin.fields();
    assert_eq!(f[2], "tcp");
    let port: u16 = f[3].strip_prefix("127.0.0.1:").unwrap().parse().unwrap();
    assert!((20000..=20999).contains(&port));
    let ch = connect(&plugin, Some(&cert)).await.unwrap();
    assert_eq!(schema_resources(ch).await.unwrap(), ["visionone_echo"]);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn debug_mode_prints_reattach_and_exits_on_ctrl_c() {
    let mut cmd = Command::new(example("echo"));
    cmd.arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env("PLUGIN_CLIENT_CERT", "ignored in debug mode");
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    use std::io::BufRead;
    for _ in 0..4 {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        lines.push(l);
    }
    let reattach = lines
        .iter()
        .find(|l| l.contains("TF_REATTACH_PROVIDERS="))
        .expect("reattach line");
    let json = reattach.split('\'').nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let p = &v["registry.terraform.io/visionone-iam/visionone"];
    assert_eq!(p["ProtocolVersion"], 6);
    assert_eq!(p["Pid"], child.id());
    let path = p["Addr"]["String"].as_str().unwrap().to_string();
    assert!(lines[0].starts_with("1|6|unix|") && lines[0].trim_end().ends_with("|grpc|"));

    // Plain gRPC (no TLS) works.
    let ch = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(path).await?,
                ))
            }
        }))
        .await
        .unwrap();
    assert_eq!(schema_resources(ch).await.unwrap(), ["visionone_echo"]);

    kill(child.id(), "-INT");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "debug mode exits on Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
