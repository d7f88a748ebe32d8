//! Every resource driven through the real gRPC service in process (`tfplugin::testing::Harness`),
//! as Terraform drives it, against the emulator: create, a plan that shows no change, refresh,
//! destroy; and the plan-time rule for a refused credential.

use std::sync::Arc;
use terraform_provider_visionone::provider::VisionOne;
use tfplugin::testing::Harness;
use tfplugin::Value;

const TOKEN: &str = "framework-admin";

async fn emulator() -> visionone_emulator::Handle {
    visionone_emulator::start(visionone_emulator::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_token: TOKEN.into(),
        state_file: None,
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn harness(url: &str, key: &str) -> Harness {
    let mut h = Harness::start(Arc::new(VisionOne::new())).await;
    let schema = tfplugin::Provider::schemas(&VisionOne::new()).provider.clone();
    let mut block = Value::object(schema.block.attributes.iter().map(|a| (a.name.clone(), Value::Null)));
    block.set("api_key", key.into());
    block.set("regional_fqdn", url.into());
    let step = h.configure(&block).await;
    assert!(!step.has_errors(), "{}", step.messages());
    h
}

/// A configuration: the schema's attributes, null unless given.
fn config(type_name: &str, pairs: &[(&str, Value)]) -> Value {
    let schemas = tfplugin::Provider::schemas(&VisionOne::new()).clone();
    let mut v = Value::object(
        schemas.resources[type_name]
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null)),
    );
    for (k, x) in pairs {
        v.set(k, x.clone());
    }
    v
}

/// Plan and apply `cfg` from `prior`, then check that a second plan changes nothing and a
/// refresh reads back what apply stored. Returns the state.
async fn converge(h: &mut Harness, type_name: &str, prior: &Value, cfg: &Value) -> Value {
    let plan = h.plan(type_name, prior, cfg).await;
    assert!(!plan.has_errors(), "{type_name} plan: {}", plan.messages());
    let applied = h.apply(type_name, prior, &plan.state, cfg).await;
    assert!(!applied.has_errors(), "{type_name} apply: {}", applied.messages());
    let again = h.plan(type_name, &applied.state, cfg).await;
    assert_eq!(
        again.state, applied.state,
        "{type_name}: the plan after apply must be empty"
    );
    assert!(again.requires_replace.is_empty());
    let read = h.read(type_name, &applied.state).await;
    assert_eq!(
        read.state, applied.state,
        "{type_name}: refresh must read back the applied state"
    );
    applied.state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_converges_through_the_grpc_service() {
    let emu = emulator().await;
    let mut h = harness(&emu.base_url(), TOKEN).await;
    let role_cfg = config(
        "visionone_custom_role",
        &[
            ("name", "fw-role".into()),
            ("permission_keys", Value::string_set(["iam.roles.view"])),
            ("allow_api_key_assignment", true.into()),
            ("allow_user_account_assignment", true.into()),
        ],
    );
    let role = converge(&mut h, "visionone_custom_role", &Value::Null, &role_cfg).await;
    let key_cfg = config(
        "visionone_api_key",
        &[
            ("name_prefix", "fw-".into()),
            ("role", "fw-role".into()),
            ("expiration", "3_months".into()),
        ],
    );
    let key = converge(&mut h, "visionone_api_key", &Value::Null, &key_cfg).await;
    assert!(key.get("secret").as_str().is_some_and(|s| !s.is_empty()));
    // An alias of the same duration changes nothing; another duration replaces the key.
    let alias = h
        .plan("visionone_api_key", &key, &with(&key_cfg, "expiration", "90_days"))
        .await;
    assert!(alias.requires_replace.is_empty(), "{:?}", alias.requires_replace);
    assert_eq!(alias.state.get("secret"), key.get("secret"));
    let longer = h
        .plan("visionone_api_key", &key, &with(&key_cfg, "expiration", "6_months"))
        .await;
    assert!(!longer.requires_replace.is_empty());
    assert!(longer.state.get("secret").is_unknown());
    let account_cfg = config(
        "visionone_user_account",
        &[
            ("email", "fw@example.com".into()),
            ("auth_type", "local".into()),
            ("role", "fw-role".into()),
        ],
    );
    let account = converge(&mut h, "visionone_user_account", &Value::Null, &account_cfg).await;
    for (type_name, state) in [
        ("visionone_user_account", &account),
        ("visionone_api_key", &key),
        ("visionone_custom_role", &role),
    ] {
        let plan = h.plan(type_name, state, &Value::Null).await;
        assert!(plan.state.is_null());
        let gone = h.apply(type_name, state, &Value::Null, &Value::Null).await;
        assert!(!gone.has_errors(), "{type_name} destroy: {}", gone.messages());
        assert!(gone.state.is_null());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_fails_the_plan_naming_api_key() {
    let emu = emulator().await;
    let mut h = harness(&emu.base_url(), "not-the-token").await;
    let cfg = config("visionone_api_key", &[("name", "k".into()), ("role", "SIEM".into())]);
    let plan = h.plan("visionone_api_key", &Value::Null, &cfg).await;
    assert!(plan.has_errors(), "{}", plan.messages());
    assert!(plan.messages().contains("api_key"), "{}", plan.messages());
}

fn with(v: &Value, k: &str, x: &str) -> Value {
    let mut v = v.clone();
    v.set(k, x.into());
    v
}

// ---------------------------------------------------------------------------------------------
// ephemeral "visionone_api_key"
// ---------------------------------------------------------------------------------------------

/// The emulator's control surface (`/_emulator/...`) and its API as a key's holder.
async fn control(url: &str, method: reqwest::Method, path: &str, body: serde_json::Value) -> serde_json::Value {
    let mut req = reqwest::Client::new().request(method, format!("{url}/_emulator/{path}"));
    if !body.is_null() {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap_or(serde_json::Value::Null)
}

async fn keys(url: &str) -> Vec<serde_json::Value> {
    let v = control(url, reqwest::Method::GET, "keys", serde_json::Value::Null).await;
    v["items"].as_array().cloned().unwrap_or_default()
}

async fn authenticates(url: &str, secret: &str) -> bool {
    let resp = reqwest::Client::new()
        .get(format!("{url}/v3.0/iam/roles"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    resp.status() != 401
}

fn run_key(pairs: &[(&str, Value)]) -> Value {
    let schemas = tfplugin::Provider::schemas(&VisionOne::new()).clone();
    let block = &schemas.ephemeral_resources["visionone_api_key"].block;
    let mut v = Value::object(block.attributes.iter().map(|a| (a.name.clone(), Value::Null)));
    for (k, x) in pairs {
        v.set(k, x.clone());
    }
    v
}

const EPHEMERAL: &str = "visionone_api_key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_key_lives_from_open_to_close() {
    let emu = emulator().await;
    let url = emu.base_url();
    let mut h = harness(&url, TOKEN).await;
    let opened = h
        .open_ephemeral(
            EPHEMERAL,
            &run_key(&[("role", "SIEM".into()), ("description", "ci".into())]),
        )
        .await;
    assert!(!opened.step().has_errors(), "{}", opened.step().messages());
    let r = &opened.result;
    assert_eq!(r.get("name_prefix").as_str(), Some("terraform-run-"));
    assert_eq!(r.get("expiration").as_str(), Some("1_month"));
    assert_eq!(r.get("description").as_str(), Some("ci"), "the configured value stands");
    assert!(r.get("name").as_str().is_some_and(|n| n.starts_with("terraform-run-")));
    assert!(r.get("expires_at").as_str().is_some());
    let secret = r.get("secret").as_str().unwrap().to_string();
    assert!(authenticates(&url, &secret).await);
    let on_server = keys(&url).await;
    assert_eq!(on_server.len(), 1);
    assert_eq!(
        on_server[0]["description"],
        format!("ci {}", terraform_provider_visionone::ephemeral::EPHEMERAL_MARKER)
    );
    let private = String::from_utf8(opened.private.clone()).unwrap();
    assert!(!private.contains(&secret), "the secret travels in private");
    let closed = h.close_ephemeral(EPHEMERAL, &opened.private).await;
    assert!(!closed.has_errors(), "{}", closed.messages());
    assert!(keys(&url).await.is_empty());
    assert!(!authenticates(&url, &secret).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_key_with_a_bad_role_makes_nothing() {
    let emu = emulator().await;
    let url = emu.base_url();
    let mut h = harness(&url, TOKEN).await;
    let opened = h
        .open_ephemeral(EPHEMERAL, &run_key(&[("role", "Auditer".into())]))
        .await;
    assert!(opened.step().has_errors());
    assert!(
        opened.step().messages().contains("Auditor"),
        "{}",
        opened.step().messages()
    );
    assert!(opened.result.is_null());
    let opened = h
        .open_ephemeral(EPHEMERAL, &run_key(&[("role", "Master Administrator".into())]))
        .await;
    assert!(opened.step().has_errors());
    assert!(keys(&url).await.is_empty());
}

/// Keys Terraform never closed (Ctrl-C) are deleted by StopProvider's shutdown hook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_provider_deletes_the_keys_still_open() {
    let emu = emulator().await;
    let url = emu.base_url();
    let mut h = harness(&url, TOKEN).await;
    let cfg = run_key(&[("role", "SIEM".into())]);
    let (a, b) = (
        h.open_ephemeral(EPHEMERAL, &cfg).await,
        h.open_ephemeral(EPHEMERAL, &cfg).await,
    );
    assert!(!a.step().has_errors() && !b.step().has_errors());
    assert_eq!(keys(&url).await.len(), 2);
    h.stop().await;
    assert!(keys(&url).await.is_empty(), "{:?}", keys(&url).await);
    // Terraform may still close them: a key already gone is closed.
    let closed = h.close_ephemeral(EPHEMERAL, &a.private).await;
    assert!(!closed.has_errors(), "{}", closed.messages());
}

/// A delete that keeps failing is tried again, then reported with the key's id, name and
/// expiry; the key stays in the open set, and the shutdown hook deletes it once the API is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_close_names_the_key_and_shutdown_retries_it() {
    let emu = emulator().await;
    let url = emu.base_url();
    let mut h = harness(&url, TOKEN).await;
    let opened = h.open_ephemeral(EPHEMERAL, &run_key(&[("role", "SIEM".into())])).await;
    assert!(!opened.step().has_errors(), "{}", opened.step().messages());
    let (id, name) = (
        opened.result.get("id").as_str().unwrap().to_string(),
        opened.result.get("name").as_str().unwrap().to_string(),
    );
    let expires = opened.result.get("expires_at").as_str().unwrap().to_string();
    control(
        &url,
        reqwest::Method::POST,
        "faults",
        serde_json::json!({"method": "POST", "path": "/v3.0/iam/apiKeys/delete", "kind": "500", "count": 1000}),
    )
    .await;
    control(&url, reqwest::Method::DELETE, "calls", serde_json::Value::Null).await;
    let closed = h.close_ephemeral(EPHEMERAL, &opened.private).await;
    assert!(closed.has_errors());
    let m = closed.messages();
    assert!(m.contains(&id) && m.contains(&name) && m.contains(&expires), "{m}");
    let calls = control(&url, reqwest::Method::GET, "calls", serde_json::Value::Null).await;
    let deletes = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["path"] == "/v3.0/iam/apiKeys/delete")
        .count();
    assert!(deletes >= 3, "the close was not retried: {deletes} delete calls");
    assert_eq!(keys(&url).await.len(), 1);
    control(&url, reqwest::Method::DELETE, "faults", serde_json::Value::Null).await;
    h.stop().await;
    assert!(
        keys(&url).await.is_empty(),
        "the shutdown hook did not delete the key left open"
    );
}

/// After StopProvider the process may serve on (debug mode): keys opened later are tracked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_opened_after_a_stop_are_still_tracked() {
    let emu = emulator().await;
    let url = emu.base_url();
    let mut h = harness(&url, TOKEN).await;
    h.stop().await;
    let opened = h.open_ephemeral(EPHEMERAL, &run_key(&[("role", "SIEM".into())])).await;
    assert!(!opened.step().has_errors(), "{}", opened.step().messages());
    assert_eq!(keys(&url).await.len(), 1);
    h.stop().await;
    assert!(keys(&url).await.is_empty());
}

/// The list resource through the gRPC stream: results carry identities, `limit` stops the list
/// after the pages it needs (a limit of 250 over 450 keys reads 2 pages of 200, not 3), and
/// ReadResource returns the identity beside the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_streams_identities_and_stops_at_the_limit() {
    use tfplugin::proto::tfplugin6 as pb;
    let emu = emulator().await;
    let url = emu.base_url();
    let http = reqwest::Client::new();
    for start in (0..450).step_by(50) {
        let batch: Vec<serde_json::Value> = (start..start + 50)
            .map(|i| serde_json::json!({"name": format!("fw-{i:03}"), "role": "SIEM"}))
            .collect();
        let r = http
            .post(format!("{url}/v3.0/iam/apiKeys"))
            .bearer_auth(TOKEN)
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 207);
    }
    let mut h = harness(&url, TOKEN).await;
    let calls = |http: reqwest::Client, url: String| async move {
        let v: serde_json::Value = http
            .get(format!("{url}/_emulator/calls"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["items"].as_array().map(Vec::len).unwrap_or(0)
    };
    http.delete(format!("{url}/_emulator/calls"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let mut stream = h
        .client()
        .list_resource(pb::list_resource::Request {
            type_name: "visionone_api_key".into(),
            config: None,
            include_resource_object: false,
            limit: 250,
        })
        .await
        .unwrap()
        .into_inner();
    let mut found = Vec::new();
    while let Some(e) = stream.message().await.unwrap() {
        assert!(e.diagnostic.is_empty(), "{e:?}");
        assert!(e.resource_object.is_none());
        let id = tfplugin::value::msgpack::decode(
            &e.identity.unwrap().identity_data.unwrap().msgpack,
            &tfplugin::Type::Object([("id".to_string(), tfplugin::Type::String)].into()),
        )
        .unwrap();
        assert!(id.get("id").as_str().is_some());
        found.push(e.display_name);
    }
    assert_eq!(found.len(), 250);
    assert_eq!(
        calls(http.clone(), url.clone()).await,
        2,
        "two pages of 200 for 250 results"
    );
    let ids = h
        .client()
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    let account: Vec<&str> = ids.identity_schemas["visionone_user_account"]
        .identity_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(account, ["email", "auth_type"]);
    assert!(ids.identity_schemas["visionone_api_key"].identity_attributes[0].required_for_import);
}

/// UpgradeResourceIdentity: version 0 passes through; a newer version or an unknown type is an
/// error diagnostic, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_upgrade_passes_version_0_through() {
    use tfplugin::proto::tfplugin6 as pb;
    let emu = emulator().await;
    let mut h = harness(&emu.base_url(), TOKEN).await;
    let req = |version: i64, type_name: &str| pb::upgrade_resource_identity::Request {
        type_name: type_name.into(),
        version,
        raw_identity: Some(pb::RawState {
            json: br#"{"email":"a@example.com","auth_type":"saml"}"#.to_vec(),
            ..Default::default()
        }),
    };
    let ok = h
        .client()
        .upgrade_resource_identity(req(0, "visionone_user_account"))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    let ty = tfplugin::Type::Object(
        [("auth_type", tfplugin::Type::String), ("email", tfplugin::Type::String)]
            .map(|(k, t)| (k.to_string(), t))
            .into(),
    );
    let v =
        tfplugin::value::msgpack::decode(&ok.upgraded_identity.unwrap().identity_data.unwrap().msgpack, &ty).unwrap();
    assert_eq!(v.get("email").as_str(), Some("a@example.com"));
    for (version, type_name) in [(1, "visionone_user_account"), (0, "visionone_nope")] {
        let bad = h
            .client()
            .upgrade_resource_identity(req(version, type_name))
            .await
            .unwrap()
            .into_inner();
        assert!(bad.upgraded_identity.is_none());
        assert_eq!(bad.diagnostics[0].severity, pb::diagnostic::Severity::Error as i32);
    }
}
