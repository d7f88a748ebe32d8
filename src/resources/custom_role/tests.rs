//! Plan logic without an API, and apply/read/import against the emulator (412 handling included).

use super::*;
use serde_json::json;
use std::time::Duration;
use tfplugin::framework::{Model, ResourceHandler};
use tfplugin::{ApplyRequest, ApplyResponse, PlanRequest, PlanResponse, ReadRequest, Value};
use visionone_client::ClientConfig;

const TYPE_NAME: &str = "visionone_custom_role";

/// The resource as the server drives it.
fn handler() -> Box<dyn ResourceHandler<Call>> {
    tfplugin::framework::resource(CustomRole)
}

fn model(v: &Value) -> CustomRoleState {
    CustomRoleState::from_value(v).unwrap()
}

/// The generic planner with this resource's schema (the hook only adds API checks).
fn planned_state(prior: &Value, proposed: &Value, config: &Value) -> Value {
    tfplugin::framework::planner::plan(&schema().block, prior, proposed, config).state
}

fn managed_changed(a: &Value, b: &Value) -> bool {
    !model(a).changed_fields(&model(b)).is_empty()
}

fn update_body(prior: &Value, planned: &Value) -> RoleUpdate {
    super::update_body(&model(prior), &model(planned))
}

fn config(name: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::from(name)),
        ("description", Value::Null),
        ("permission_keys", Value::Null),
        ("allow_api_key_assignment", Value::Null),
        ("allow_user_account_assignment", Value::Null),
        ("type", Value::Null),
        ("last_updated_at", Value::Null),
    ])
}

#[test]
fn create_plan_fills_defaults_and_unknowns() {
    let cfg = config("ci");
    let p = planned_state(&Value::Null, &cfg, &cfg);
    assert_eq!(p.get("permission_keys"), &Value::string_set(Vec::<String>::new()));
    assert_eq!(p.get("allow_api_key_assignment"), &Value::Bool(false));
    for a in ["id", "type", "last_updated_at"] {
        assert!(p.get(a).is_unknown(), "{a}");
    }
    assert!(p.get("description").is_null());
}

#[test]
fn update_plan_keeps_computed_unless_changed() {
    let mut prior = config("ci");
    prior.set("id", "r1".into());
    prior.set("type", "custom".into());
    prior.set("last_updated_at", "t".into());
    prior.set("permission_keys", Value::string_set(["b", "a"]));
    prior.set("allow_api_key_assignment", true.into());
    prior.set("allow_user_account_assignment", false.into());
    // Same set in another order, same flags: no change at all.
    let mut cfg = config("ci");
    cfg.set("permission_keys", Value::Set(vec!["a".into(), "b".into()]));
    cfg.set("allow_api_key_assignment", true.into());
    let proposed = tfplugin::testing::proposed_new_state(&schema().block, &prior, &cfg);
    let p = planned_state(&prior, &proposed, &cfg);
    assert!(!managed_changed(&prior, &p));
    assert_eq!(p.get("last_updated_at").as_str(), Some("t"));
    // A flag removed from config goes back to false, and the role's timestamp will move.
    cfg.set("allow_api_key_assignment", Value::Null);
    let proposed = tfplugin::testing::proposed_new_state(&schema().block, &prior, &cfg);
    let p = planned_state(&prior, &proposed, &cfg);
    assert_eq!(p.get("allow_api_key_assignment"), &Value::Bool(false));
    assert!(p.get("last_updated_at").is_unknown());
    assert_eq!(p.get("id").as_str(), Some("r1"));
    let body = update_body(&prior, &p);
    assert_eq!(body.allow_api_key_assignment, Some(false));
    assert_eq!(body.permission_keys, None);
    assert_eq!(body.name, None);
}

#[test]
fn removed_description_is_sent_as_empty() {
    let mut prior = config("ci");
    prior.set("description", "old".into());
    let body = update_body(&prior, &config("ci"));
    assert_eq!(body.description.as_deref(), Some(""));
}

#[test]
fn names_are_checked_without_the_api() {
    let r = handler();
    let errors = |name: &str| r.validate(&config(name)).0;
    for bad in ["", "   ", "auditor", "Master Administrator", &"x".repeat(129)] {
        let e = errors(bad);
        assert_eq!(e.len(), 1, "{bad:?}: {e:?}");
        assert_eq!(e[0].attribute, Some(path("name")));
    }
    assert!(errors("SOAR")[0].detail.contains("visionone_role"));
    assert!(errors("ci-automation").is_empty());
    // Unknown values are not judged.
    let mut unknown = config("x");
    unknown.set("name", Value::Unknown);
    assert!(r.validate(&unknown).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Against the emulator
// ---------------------------------------------------------------------------------------------

const TOKEN: &str = "unit-admin";

struct Bed {
    url: String,
    _emu: visionone_emulator::Handle,
    call: Call,
    http: reqwest::Client,
}

impl Bed {
    async fn start() -> Bed {
        let emu = visionone_emulator::start(visionone_emulator::Config {
            admin_token: TOKEN.into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let url = emu.base_url();
        let mut cfg = ClientConfig::new(url.clone(), TOKEN);
        cfg.request_timeout = Duration::from_secs(10);
        let client = Client::new(cfg).unwrap();
        Bed {
            url,
            _emu: emu,
            call: Call::for_test(Some(client)),
            http: reqwest::Client::new(),
        }
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: serde_json::Value) -> u16 {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(TOKEN);
        if !body.is_null() {
            req = req.json(&body);
        }
        req.send().await.unwrap().status().as_u16()
    }

    async fn plan(&self, prior: &Value, cfg: &Value) -> PlanResponse {
        let proposed = tfplugin::testing::proposed_new_state(&schema().block, prior, cfg);
        handler()
            .plan(
                &self.call,
                PlanRequest {
                    type_name: TYPE_NAME.into(),
                    prior_state: prior.clone(),
                    proposed_new_state: proposed,
                    config: cfg.clone(),
                    prior_private: vec![],
                },
            )
            .await
    }

    async fn apply(&self, prior: &Value, planned: &Value, cfg: &Value) -> ApplyResponse {
        handler()
            .apply(
                &self.call,
                ApplyRequest {
                    type_name: TYPE_NAME.into(),
                    prior_state: prior.clone(),
                    planned_state: planned.clone(),
                    config: cfg.clone(),
                    planned_private: vec![],
                },
            )
            .await
    }

    /// Plan then apply, requiring both to succeed.
    async fn converge(&self, prior: &Value, cfg: &Value) -> Value {
        let p = self.plan(prior, cfg).await;
        assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
        let a = self.apply(prior, &p.planned_state, cfg).await;
        assert!(!a.diagnostics.has_errors(), "{:?}", a.diagnostics);
        a.new_state
    }

    async fn read(&self, state: &Value) -> Value {
        let r = handler()
            .read(
                &self.call,
                ReadRequest {
                    type_name: TYPE_NAME.into(),
                    current_state: state.clone(),
                    private: vec![],
                },
            )
            .await;
        assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
        r.new_state
    }
}

fn with(mut v: Value, attr: &str, x: Value) -> Value {
    v.set(attr, x);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_against_the_emulator() {
    let bed = Bed::start().await;
    let cfg = with(
        config("ops"),
        "permission_keys",
        Value::string_set(["iam.roles.view", "workbench.view"]),
    );
    let state = bed.converge(&Value::Null, &cfg).await;
    assert_eq!(state.get("type").as_str(), Some("custom"));
    assert!(state.get("last_updated_at").as_str().is_some());
    // Read gives back exactly what apply stored.
    assert_eq!(bed.read(&state).await, state);
    // Import by name and by id equal the read state.
    for key in [state.get("id").as_str().unwrap(), "ops"] {
        let imp = handler().import(&bed.call, key).await;
        assert!(!imp.diagnostics.has_errors(), "{:?}", imp.diagnostics);
        assert_eq!(imp.imported[0].state, state);
    }
    let imp = handler().import(&bed.call, "Auditor").await;
    assert!(
        imp.diagnostics.0[0].summary.contains("Predefined"),
        "{:?}",
        imp.diagnostics
    );
    // Unknown permission keys are caught at plan with suggestions.
    let bad = with(cfg.clone(), "permission_keys", Value::string_set(["iam.roles.veiw"]));
    let p = bed.plan(&state, &bad).await;
    let e = &p.diagnostics.0[0];
    assert_eq!(e.attribute, Some(path("permission_keys")));
    assert!(e.detail.contains("did you mean \"iam.roles.view\""), "{}", e.detail);
    // A name another role holds is caught at plan.
    let p = bed.plan(&Value::Null, &config("ops")).await;
    assert_eq!(p.diagnostics.0[0].attribute, Some(path("name")), "{:?}", p.diagnostics);
    // Held by a key: delete fails naming it; then succeeds.
    let state = bed
        .converge(&state, &with(cfg.clone(), "allow_api_key_assignment", true.into()))
        .await;
    let status = bed
        .admin(
            reqwest::Method::POST,
            "/v3.0/iam/apiKeys",
            json!([{"name": "holder", "role": "ops"}]),
        )
        .await;
    assert_eq!(status, 207);
    let del = bed.apply(&state, &Value::Null, &Value::Null).await;
    let e = &del.diagnostics.0[0];
    assert!(e.detail.contains("holder"), "{}", e.detail);
    assert_eq!(del.new_state, state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_etag_is_retried_once_or_reported() {
    let bed = Bed::start().await;
    let state = bed.converge(&Value::Null, &config("etag")).await;
    let id = state.get("id").as_str().unwrap().to_string();
    let role_path = format!("/v3.0/iam/roles/{id}");
    for (concurrent, expect_ok) in [
        (json!({"name": "etag"}), true),
        (json!({"description": "theirs"}), false),
    ] {
        let fault = json!({"method": "PATCH", "path": role_path, "kind": "latency", "count": 1, "latencyMs": 700});
        assert!(bed.admin(reqwest::Method::POST, "/_emulator/faults", fault).await < 300);
        let prior = bed.read(&state).await;
        let cfg = with(
            config("etag"),
            "allow_user_account_assignment",
            (!prior.get("allow_user_account_assignment").as_bool().unwrap()).into(),
        );
        let p = bed.plan(&prior, &cfg).await;
        let apply = bed.apply(&prior, &p.planned_state, &cfg);
        let meddle = async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            bed.admin(reqwest::Method::PATCH, &role_path, concurrent.clone()).await
        };
        let (a, status) = tokio::join!(apply, meddle);
        assert_eq!(status, 204);
        if expect_ok {
            assert!(!a.diagnostics.has_errors(), "{:?}", a.diagnostics);
            assert_eq!(bed.read(&a.new_state).await, a.new_state);
        } else {
            let e = &a.diagnostics.0[0];
            assert!(e.summary.contains("changed outside Terraform"), "{e:?}");
            assert!(e.detail.contains("description"), "{}", e.detail);
            assert_eq!(a.new_state, prior);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_role_reads_as_gone() {
    let bed = Bed::start().await;
    let state = bed.converge(&Value::Null, &config("gone")).await;
    let id = state.get("id").as_str().unwrap();
    assert_eq!(
        bed.admin(
            reqwest::Method::DELETE,
            &format!("/v3.0/iam/roles/{id}"),
            serde_json::Value::Null
        )
        .await,
        204
    );
    assert!(bed.read(&state).await.is_null());
}
