//! Ephemeral resources through the real gRPC service in process (`tfplugin::testing::Harness`):
//! the schemas list them, Open fills defaults and answers result and `private`, Close gets that
//! `private` back and nothing else, errors name their attribute, and StopProvider runs the
//! provider's shutdown hook, bounded in time.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tfplugin::framework::{ephemeral, EphemeralHandler, EphemeralResource, Opened, ProviderCore, Server};
use tfplugin::framework::{Attr, DataSourceHandler, ResourceHandler};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::testing::Harness;
use tfplugin::{Attribute, Block, Ctx, Diagnostics, Schema, Validator, Value};

tfplugin::model! {
    struct Lease {
        name: String,
        ttl: String,
        id: String,
        token: String,
    }
}

/// Leases open now, by id; what every call shares.
#[derive(Default, Clone)]
struct Ledger(Arc<Mutex<BTreeSet<String>>>);

impl Ledger {
    fn open(&self) -> BTreeSet<String> {
        self.0.lock().unwrap().clone()
    }
}

struct LeaseType;

#[async_trait::async_trait]
impl EphemeralResource<Ledger> for LeaseType {
    type Model = Lease;
    const TYPE_NAME: &'static str = "test_lease";
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .attr(Attribute::string("name").required())
                .attr(
                    Attribute::string("ttl")
                        .optional()
                        .computed()
                        .default("1h")
                        .validate(Validator::OneOf(vec!["1h".into(), "2h".into()])),
                )
                .attr(Attribute::string("id").computed())
                .attr(Attribute::string("token").computed().sensitive()),
        )
    }
    async fn open(&self, ledger: &Ledger, config: Lease) -> Result<Opened<Lease>, Diagnostics> {
        let id = format!("lease-{}", config.name.as_deref().unwrap_or_default());
        ledger.0.lock().unwrap().insert(id.clone());
        Ok(Opened {
            private: id.clone().into_bytes(),
            result: Lease {
                id: Attr::Known(id),
                token: Attr::from("t0ken"),
                ..config
            },
            warnings: Diagnostics::new(),
        })
    }
    async fn close(&self, ledger: &Ledger, private: &[u8]) -> Result<(), Diagnostics> {
        let id = String::from_utf8_lossy(private).into_owned();
        if ledger.0.lock().unwrap().remove(&id) {
            Ok(())
        } else {
            let mut d = Diagnostics::new();
            d.error("No such lease", format!("lease {id:?} is not open"));
            Err(d)
        }
    }
}

/// A provider with one ephemeral type; its shutdown hook closes what is open, after `slow`.
struct Core {
    ledger: Ledger,
    slow: Duration,
}

#[async_trait::async_trait]
impl ProviderCore for Core {
    type Data = Ledger;
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new())
    }
    fn resources(&self) -> Vec<Box<dyn ResourceHandler<Ledger>>> {
        vec![]
    }
    fn data_sources(&self) -> Vec<Box<dyn DataSourceHandler<Ledger>>> {
        vec![]
    }
    async fn configure(&self, _ctx: Ctx, _v: String, _config: Value) -> Diagnostics {
        Diagnostics::new()
    }
    fn data(&self, _ctx: Ctx) -> Ledger {
        self.ledger.clone()
    }
    fn ephemeral_resources(&self) -> Vec<Box<dyn EphemeralHandler<Ledger>>> {
        vec![ephemeral(LeaseType)]
    }
    async fn shutdown(&self) {
        tokio::time::sleep(self.slow).await;
        self.ledger.0.lock().unwrap().clear();
    }
}

async fn start(slow: Duration) -> (Harness, Ledger) {
    let ledger = Ledger::default();
    let server = Server::with(Core {
        ledger: ledger.clone(),
        slow,
    });
    assert_eq!(server.model_mismatches(), Vec::<String>::new());
    (Harness::start(Arc::new(server)).await, ledger)
}

fn config(name: &str, ttl: Option<&str>) -> Value {
    Value::object([
        ("name".to_string(), Value::from(name)),
        ("ttl".to_string(), ttl.map(Value::from).unwrap_or(Value::Null)),
        ("id".to_string(), Value::Null),
        ("token".to_string(), Value::Null),
    ])
}

#[tokio::test]
async fn schemas_list_the_ephemeral_type() {
    let (mut h, _) = start(Duration::ZERO).await;
    let s = h
        .client()
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let lease = &s.ephemeral_resource_schemas["test_lease"];
    let token = lease
        .block
        .as_ref()
        .unwrap()
        .attributes
        .iter()
        .find(|a| a.name == "token")
        .unwrap();
    assert!(token.sensitive && token.computed);
    assert!(s.resource_schemas.is_empty());
    let m = h
        .client()
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = m.ephemeral_resources.iter().map(|e| e.type_name.as_str()).collect();
    assert_eq!(names, ["test_lease"]);
}

#[tokio::test]
async fn open_fills_defaults_and_close_gets_private_back() {
    let (mut h, ledger) = start(Duration::ZERO).await;
    let opened = h.open_ephemeral("test_lease", &config("a", None)).await;
    assert!(!opened.step().has_errors(), "{}", opened.step().messages());
    assert_eq!(
        opened.result.get("ttl").as_str(),
        Some("1h"),
        "the default is in the result"
    );
    assert_eq!(opened.result.get("name").as_str(), Some("a"), "configured values stand");
    assert_eq!(opened.result.get("id").as_str(), Some("lease-a"));
    assert_eq!(opened.private, b"lease-a");
    assert_eq!(ledger.open().len(), 1);
    let closed = h.close_ephemeral("test_lease", &opened.private).await;
    assert!(!closed.has_errors(), "{}", closed.messages());
    assert!(ledger.open().is_empty());
    // A second close of the same lease is the type's error, passed through.
    let again = h.close_ephemeral("test_lease", &opened.private).await;
    assert!(again.messages().contains("lease-a"), "{}", again.messages());
}

#[tokio::test]
async fn bad_config_is_an_error_at_the_attribute_and_opens_nothing() {
    let (mut h, ledger) = start(Duration::ZERO).await;
    let opened = h.open_ephemeral("test_lease", &config("a", Some("9h"))).await;
    let d = &opened.diagnostics;
    assert!(opened.step().has_errors());
    let at = d[0].attribute.as_ref().expect("an attribute path");
    assert!(format!("{at:?}").contains("ttl"), "{at:?}");
    assert!(opened.result.is_null());
    assert!(ledger.open().is_empty());
    // Open called directly (no validate first) still runs the validators.
    let ty = LeaseType.schema().block.value_type();
    let r = h
        .client()
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
            type_name: "test_lease".into(),
            config: Some(tfplugin::convert::encode_dynamic(&config("a", Some("9h")), &ty).unwrap()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!r.diagnostics.is_empty());
    assert!(ledger.open().is_empty());
}

#[tokio::test]
async fn an_unknown_type_is_a_diagnostic_not_a_transport_error() {
    let (mut h, _) = start(Duration::ZERO).await;
    let r = h
        .client()
        .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
            type_name: "test_nothing".into(),
            private: None,
        })
        .await
        .expect("an answer")
        .into_inner();
    assert!(r.diagnostics[0].summary.contains("Unknown ephemeral resource type"));
}

#[tokio::test]
async fn stop_provider_runs_the_shutdown_hook() {
    let (mut h, ledger) = start(Duration::ZERO).await;
    h.open_ephemeral("test_lease", &config("a", None)).await;
    h.open_ephemeral("test_lease", &config("b", None)).await;
    assert_eq!(ledger.open().len(), 2);
    h.stop().await;
    assert!(
        ledger.open().is_empty(),
        "still open after StopProvider: {:?}",
        ledger.open()
    );
}

#[tokio::test]
async fn a_slow_shutdown_hook_is_cut_short() {
    let (mut h, ledger) = start(Duration::from_secs(30)).await;
    h.open_ephemeral("test_lease", &config("a", None)).await;
    let t = Instant::now();
    h.stop().await;
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(
        ledger.open().len(),
        1,
        "the hook was cut short before it closed anything"
    );
}
