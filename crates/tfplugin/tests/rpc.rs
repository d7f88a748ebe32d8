//! RPC mapping through a real process: values typed by the schema, diagnostics, panics, stop.

mod common;

use common::*;
use std::collections::{BTreeMap, HashMap};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::{Type, Value};

fn echo_type() -> Type {
    Type::Object(BTreeMap::from([
        ("id".to_string(), Type::String),
        ("input".to_string(), Type::String),
        ("output".to_string(), Type::String),
    ]))
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: tfplugin::value::msgpack::encode(v, &echo_type()).unwrap(),
        json: vec![],
    })
}

fn config(input: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("input", Value::string(input)),
        ("output", Value::Null),
    ])
}

async fn client() -> (Plugin, ProviderClient<tonic::transport::Channel>, std::path::PathBuf) {
    let dir = temp_dir("rpc");
    let cert = client_cert(&dir, "terraform");
    let plugin = Plugin::start(Some(&cert), &[]);
    let ch = connect(&plugin, Some(&cert)).await.unwrap();
    (plugin, ProviderClient::new(ch), dir)
}

fn plan_req(type_name: &str, input: &str) -> pb::plan_resource_change::Request {
    pb::plan_resource_change::Request {
        type_name: type_name.into(),
        prior_state: dv(&Value::Null),
        proposed_new_state: dv(&config(input)),
        config: dv(&config(input)),
        prior_private: b"p".to_vec(),
        provider_meta: None,
        ..Default::default()
    }
}

#[tokio::test]
async fn plan_decodes_and_encodes_with_the_schema_type() {
    let (_p, mut c, dir) = client().await;
    let r = c
        .plan_resource_change(plan_req("visionone_echo", "hi"))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = tfplugin::value::msgpack::decode(&r.planned_state.unwrap().msgpack, &echo_type()).unwrap();
    assert_eq!(planned.get("output"), &Value::string("hi"));
    assert_eq!(planned.get("id"), &Value::Unknown);
    assert_eq!(r.planned_private, b"p");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_panic_becomes_an_error_diagnostic_without_backtrace() {
    let (_p, mut c, dir) = client().await;
    let r = c
        .plan_resource_change(plan_req("visionone_echo", "panic"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
    let d = &r.diagnostics[0];
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    assert_eq!(d.summary, "internal error in the provider");
    assert!(
        !d.detail.contains("backtrace") && !d.detail.contains("src/"),
        "{}",
        d.detail
    );
    // The server survives.
    let ok = c
        .plan_resource_change(plan_req("visionone_echo", "x"))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.diagnostics.is_empty());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn unknown_types_and_bad_values_are_diagnostics() {
    let (_p, mut c, dir) = client().await;
    let r = c
        .plan_resource_change(plan_req("visionone_nope", "x"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics[0].summary, "Unknown resource type");
    let mut bad = plan_req("visionone_echo", "x");
    bad.config = Some(pb::DynamicValue {
        msgpack: vec![0xc1],
        json: vec![],
    });
    let r = c.plan_resource_change(bad).await.unwrap().into_inner();
    assert_eq!(r.diagnostics[0].summary, "Invalid value from Terraform");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn upgrade_state_drops_unknown_attributes_and_refuses_flatmap() {
    let (_p, mut c, dir) = client().await;
    let json = br#"{"id":"e1","input":"a","output":"a","removed_attr":true}"#.to_vec();
    let r = c
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "visionone_echo".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json,
                flatmap: HashMap::new(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let v = tfplugin::value::msgpack::decode(&r.upgraded_state.unwrap().msgpack, &echo_type()).unwrap();
    assert_eq!(v.get("id"), &Value::string("e1"));
    assert!(v.as_map().unwrap().get("removed_attr").is_none());

    let r = c
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "visionone_echo".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: vec![],
                flatmap: HashMap::from([("id".to_string(), "e1".to_string())]),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics[0].summary, "Unsupported state format");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn stop_provider_cancels_an_apply_in_flight() {
    let (_p, c, dir) = client().await;
    let mut applier = c.clone();
    let apply = tokio::spawn(async move {
        applier
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "visionone_echo".into(),
                prior_state: dv(&Value::Null),
                planned_state: dv(&config("wait")),
                config: dv(&config("wait")),
                planned_private: vec![],
                provider_meta: None,
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut stopper = c.clone();
    stopper.stop_provider(pb::stop_provider::Request {}).await.unwrap();
    let r = apply.await.unwrap().unwrap().into_inner();
    // Uncancelled, the apply would sleep its 60 s and answer with no diagnostic at all.
    assert_eq!(r.diagnostics.first().map(|d| d.summary.as_str()), Some("Cancelled"));
    // The object made so far is still returned, so Terraform keeps it in state.
    let state = tfplugin::value::msgpack::decode(&r.new_state.unwrap().msgpack, &echo_type()).unwrap();
    assert_eq!(state.get("id"), &Value::string("echo-1"));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn metadata_lists_types() {
    let (_p, mut c, dir) = client().await;
    let m = c.get_metadata(pb::get_metadata::Request {}).await.unwrap().into_inner();
    assert_eq!(m.resources[0].type_name, "visionone_echo");
    assert_eq!(m.data_sources[0].type_name, "visionone_echo");
    let caps = m.server_capabilities.unwrap();
    // Destroys need no provider planning; every RPC works without GetProviderSchema first.
    assert!(!caps.plan_destroy && caps.get_provider_schema_optional && caps.generate_resource_config);
    std::fs::remove_dir_all(dir).ok();
}
