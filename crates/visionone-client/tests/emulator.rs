//! The client against the real emulator (fresh one per test, port 0): every endpoint, every fault
//! mode, pagination, ETags, cancellation, rate limiting and the server clock.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use visionone_api::filter::Filter;
use visionone_api::{
    AccountCreate, AccountStatus, AccountUpdate, ApiKeyCreate, ApiKeyUpdate, AuthType, RoleCreate, RoleUpdate, Status,
};
use visionone_client::{CancellationToken, Client, Error, ListQuery};

mod common;
use common::Emu;

impl Emu {
    fn client(&self) -> Client {
        self.client_with(|_| {})
    }
}

fn key(name: &str, role: &str) -> ApiKeyCreate {
    ApiKeyCreate {
        name: name.into(),
        role: role.into(),
        description: Some(format!("test key {name}")),
        status: None,
        months_to_expiration: None,
    }
}

fn role(name: &str) -> RoleCreate {
    RoleCreate {
        name: name.into(),
        description: "automation".into(),
        permission_keys: vec!["iam.apiKeys.view".into(), "workbench.view".into()],
        allow_api_key_assignment: true,
        allow_user_account_assignment: false,
    }
}

/// The secret authenticates: health with it succeeds, and a wrong key is refused.
async fn assert_secret_works(emu: &Emu, secret: &str) {
    let cancel = CancellationToken::new();
    let c = emu.client_with(|c| c.api_key = secret.into());
    c.health(&cancel).await.expect("the new secret authenticates");
    let wrong = emu.client_with(|c| c.api_key = "tmv1-not-a-key".into());
    let err = wrong.health(&cancel).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_and_bad_credentials() {
    let emu = Emu::start().await;
    let cancel = CancellationToken::new();
    assert_eq!(emu.client().health(&cancel).await.unwrap().status, "available");
    let bad = emu.client_with(|c| c.api_key = "nope".into());
    let err = bad.health(&cancel).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidCredentials"), "{err}");
    assert!(!err.to_string().contains("nope"));
}

#[tokio::test]
async fn api_key_lifecycle_and_etags() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    let results = c
        .create_api_keys(
            &[
                key("alpha", "Auditor"),
                key("beta", "SIEM"),
                key("alpha", "SIEM"),
                key("boss", "Master Administrator"),
            ],
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 4);
    let alpha = results[0].as_ref().unwrap().clone();
    let beta = results[1].as_ref().unwrap().clone();
    assert_eq!(
        results[2].as_ref().unwrap_err().status,
        409,
        "duplicate name is a per-item error"
    );
    assert_eq!(
        results[3].as_ref().unwrap_err().status,
        400,
        "Master Administrator refused"
    );
    assert!(!format!("{alpha:?}").contains(&alpha.value));
    assert_secret_works(&emu, &alpha.value).await;

    let all = c.list_api_keys(&ListQuery::default(), &cancel).await.unwrap();
    assert_eq!(all.len(), 2);
    let found = c.find_api_key_by_name("beta", &cancel).await.unwrap().unwrap();
    assert_eq!(found.id, beta.id);
    assert!(c.find_api_key_by_name("gamma", &cancel).await.unwrap().is_none());

    let (k, etag) = c.get_api_key(&alpha.id, &cancel).await.unwrap().unwrap();
    assert_eq!((k.name.as_str(), k.role.as_str()), ("alpha", "Auditor"));
    let etag = etag.expect("keys carry an ETag");
    assert!(etag.raw().starts_with('"'), "server sends a quoted ETag: {etag}");
    let upd = ApiKeyUpdate {
        status: Some(Status::Disabled),
        description: Some("now off".into()),
        ..ApiKeyUpdate::default()
    };
    c.update_api_key(&alpha.id, &upd, Some(&etag), &cancel).await.unwrap();
    let (k2, etag2) = c.get_api_key(&alpha.id, &cancel).await.unwrap().unwrap();
    assert_eq!(k2.status, Status::Disabled);
    assert_eq!(k2.description.as_deref(), Some("now off"));
    assert!(!etag2.unwrap().same_version(&etag));
    // The old tag is stale now.
    let err = c
        .update_api_key(
            &alpha.id,
            &ApiKeyUpdate {
                name: Some("x".into()),
                ..Default::default()
            },
            Some(&etag),
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
    // Absent If-Match is accepted.
    c.update_api_key(
        &alpha.id,
        &ApiKeyUpdate {
            name: Some("alpha2".into()),
            ..Default::default()
        },
        None,
        &cancel,
    )
    .await
    .unwrap();

    let del = c
        .delete_api_keys(&[alpha.id.clone(), beta.id.clone(), "no-such-key".into()], &cancel)
        .await
        .unwrap();
    assert!(del.iter().all(Result::is_ok), "{del:?}");
    assert!(c.get_api_key(&alpha.id, &cancel).await.unwrap().is_none());
    let err = c
        .update_api_key(&alpha.id, &ApiKeyUpdate::default(), None, &cancel)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn batches_of_fifty_and_pagination_with_filter() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    let mut items: Vec<ApiKeyCreate> = (0..230).map(|i| key(&format!("bulk-{i:03}"), "SIEM")).collect();
    items.extend((0..15).map(|i| key(&format!("audit-{i:02}"), "Auditor")));
    emu.clear_calls().await;
    let created = c.create_api_keys(&items, &cancel).await.unwrap();
    assert_eq!(created.len(), 245);
    assert!(created.iter().all(Result::is_ok));
    let posts = emu
        .calls()
        .await
        .iter()
        .filter(|(m, p, _)| m == "POST" && p == "/v3.0/iam/apiKeys")
        .count();
    assert_eq!(posts, 5, "245 keys go in 5 batches of at most 50");

    emu.clear_calls().await;
    let siem = c
        .list_api_keys(&ListQuery::filtered(Filter::eq("role", "SIEM")), &cancel)
        .await
        .unwrap();
    assert_eq!(siem.len(), 230);
    assert!(siem.iter().all(|k| k.role == "SIEM"));
    let mut names: Vec<_> = siem.iter().map(|k| k.name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 230, "no item lost or repeated across pages");
    let gets = emu.calls().await.iter().filter(|(m, _, _)| m == "GET").count();
    assert_eq!(gets, 2, "two pages of at most 200");

    // The page-level variant, with a small page and an order.
    let q = ListQuery {
        top: Some(50),
        order_by: Some("createdDateTime desc".into()),
        filter: Some(Filter::eq("role", "Auditor")),
    };
    let p1 = c.list_api_keys_page(&q, None, &cancel).await.unwrap();
    assert_eq!(p1.items.len(), 15);
    assert!(p1.next_link.is_none());
    let q = ListQuery {
        top: Some(100),
        ..ListQuery::default()
    };
    let p1 = c.list_api_keys_page(&q, None, &cancel).await.unwrap();
    assert_eq!(p1.items.len(), 100);
    let p2 = c
        .list_api_keys_page(&q, p1.next_link.as_deref(), &cancel)
        .await
        .unwrap();
    assert_eq!(p2.items.len(), 100);
    assert!(p2.items.iter().all(|k| !p1.items.iter().any(|j| j.id == k.id)));

    // Batch delete of 245 ids goes in 5 requests too.
    let ids: Vec<String> = created.into_iter().map(|r| r.unwrap().id).collect();
    let del = c.delete_api_keys(&ids, &cancel).await.unwrap();
    assert_eq!(del.len(), 245);
    assert!(del.iter().all(Result::is_ok));
    assert!(c
        .list_api_keys(&ListQuery::default(), &cancel)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn role_lifecycle() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    let catalogue = c.list_permission_keys(&cancel).await.unwrap();
    assert!(catalogue.iter().any(|p| p.key == "iam.apiKeys.view"));
    let predefined = c.find_role_by_name("Auditor", &cancel).await.unwrap().unwrap();
    assert_eq!(predefined.role_type, Some(visionone_api::RoleType::Predefined));

    let id = c.create_role(&role("ci-automation"), &cancel).await.unwrap();
    let (r, etag) = c.get_role(&id, &cancel).await.unwrap().unwrap();
    assert_eq!(r.name, "ci-automation");
    assert_eq!(r.allow_api_key_assignment, Some(true));
    let mut perms = c.get_role_permissions(&id, &cancel).await.unwrap();
    perms.sort();
    assert_eq!(perms, vec!["iam.apiKeys.view".to_owned(), "workbench.view".to_owned()]);
    let err = c.create_role(&role("ci-automation"), &cancel).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let etag = etag.expect("roles carry an ETag");
    let upd = RoleUpdate {
        description: Some("changed".into()),
        permission_keys: Some(vec!["workbench.view".into()]),
        ..RoleUpdate::default()
    };
    c.update_role(&id, &upd, Some(&etag), &cancel).await.unwrap();
    let err = c.update_role(&id, &upd, Some(&etag), &cancel).await.unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
    assert_eq!(
        c.get_role_permissions(&id, &cancel).await.unwrap(),
        vec!["workbench.view".to_owned()]
    );
    let all = c.list_roles(&ListQuery::default(), &cancel).await.unwrap();
    assert!(all.len() >= 9);
    assert_eq!(
        c.find_role_by_name("ci-automation", &cancel).await.unwrap().unwrap().id,
        id
    );

    let err = c.delete_role(&predefined.id, &cancel).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    c.delete_role(&id, &cancel).await.unwrap();
    c.delete_role(&id, &cancel).await.unwrap();
    assert!(c.get_role(&id, &cancel).await.unwrap().is_none());
}

#[tokio::test]
async fn account_lifecycle_with_accepted_invitation() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    let invite = AccountCreate {
        email: "o'brien@example.com".into(),
        role: "Auditor".into(),
        auth_type: AuthType::Local,
        description: Some("auditor".into()),
    };
    let temp = c.invite_account(&invite, &cancel).await.unwrap();
    let a = c.get_account(&temp, &cancel).await.unwrap().unwrap();
    assert_eq!(a.status, AccountStatus::Invited);
    let err = c.invite_account(&invite, &cancel).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let found = c
        .find_account_by_email("o'brien@example.com", Some(AuthType::Local), &cancel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, temp);
    assert!(c
        .find_account_by_email("o'brien@example.com", Some(AuthType::Saml), &cancel)
        .await
        .unwrap()
        .is_none());

    let accepted = emu
        .control(reqwest::Method::POST, &format!("accounts/{temp}/accept"), None)
        .await;
    let new_id = accepted["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, temp);
    assert!(c.get_account(&temp, &cancel).await.unwrap().is_none());
    assert_eq!(
        c.find_account_by_email("o'brien@example.com", None, &cancel)
            .await
            .unwrap()
            .unwrap()
            .id,
        new_id
    );

    let upd = AccountUpdate {
        status: Some(Status::Disabled),
        role: Some("Analyst".into()),
        description: None,
    };
    c.update_account(&new_id, &upd, &cancel).await.unwrap();
    let a = c.get_account(&new_id, &cancel).await.unwrap().unwrap();
    assert_eq!((a.status, a.role.as_str()), (AccountStatus::Disabled, "Analyst"));
    assert_eq!(c.list_accounts(&ListQuery::default(), &cancel).await.unwrap().len(), 1);
    c.delete_account(&new_id, &cancel).await.unwrap();
    c.delete_account(&new_id, &cancel).await.unwrap();
    assert!(c.get_account(&new_id, &cancel).await.unwrap().is_none());
}

// ---------------------------------------------------------------------------------------------
// Faults on idempotent calls
// ---------------------------------------------------------------------------------------------

async fn idempotent_recovers_from(kind: &str, extra: Value) {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    c.create_api_key(&key("k", "SIEM"), &cancel).await.unwrap();
    let mut spec = json!({"method": "GET", "path": "/v3.0/iam/apiKeys", "kind": kind, "count": 2});
    spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    emu.fault(spec).await;
    emu.clear_calls().await;
    let keys = c
        .list_api_keys(&ListQuery::default(), &cancel)
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    assert_eq!(keys.len(), 1, "{kind}");
    let calls = emu.calls().await;
    assert_eq!(calls.len(), 3, "{kind}: two faulted attempts then success: {calls:?}");
    assert_eq!(calls[2].2, 200, "{kind}");
}

#[tokio::test]
async fn retries_429_with_retry_after() {
    let emu_start = Instant::now();
    idempotent_recovers_from("429", json!({})).await;
    assert!(
        emu_start.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 honoured twice"
    );
}

#[tokio::test]
async fn retries_429_without_retry_after() {
    idempotent_recovers_from("429-no-retry-after", json!({})).await;
}

#[tokio::test]
async fn retries_500() {
    idempotent_recovers_from("500", json!({})).await;
}

#[tokio::test]
async fn retries_502_html() {
    idempotent_recovers_from("502", json!({})).await;
}

#[tokio::test]
async fn retries_503() {
    idempotent_recovers_from("503", json!({})).await;
}

#[tokio::test]
async fn retries_dropped_get() {
    idempotent_recovers_from("drop", json!({})).await;
}

#[tokio::test]
async fn lost_patch_answer_is_not_a_false_412() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    let k = c.create_api_key(&key("patched", "SIEM"), &cancel).await.unwrap();
    let (_, etag) = c.get_api_key(&k.id, &cancel).await.unwrap().unwrap();
    emu.fault(json!({"method": "PATCH", "kind": "lost-answer", "count": 1}))
        .await;
    let upd = ApiKeyUpdate {
        role: Some("Auditor".into()),
        ..ApiKeyUpdate::default()
    };
    c.update_api_key(&k.id, &upd, etag.as_ref(), &cancel).await.unwrap();
    assert_eq!(c.get_api_key(&k.id, &cancel).await.unwrap().unwrap().0.role, "Auditor");

    let id = c.create_role(&role("patched-role"), &cancel).await.unwrap();
    let (_, etag) = c.get_role(&id, &cancel).await.unwrap().unwrap();
    emu.fault(json!({"method": "PATCH", "kind": "lost-answer", "count": 1}))
        .await;
    let upd = RoleUpdate {
        permission_keys: Some(vec!["workbench.view".into(), "search.view".into()]),
        ..RoleUpdate::default()
    };
    c.update_role(&id, &upd, etag.as_ref(), &cancel).await.unwrap();
    // A genuinely stale tag still fails.
    let other = RoleUpdate {
        description: Some("other".into()),
        ..RoleUpdate::default()
    };
    let err = c.update_role(&id, &other, etag.as_ref(), &cancel).await.unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
}

/// On paused time: the 300 ms latency is exact, and the 800 ms deadline (not the 5 s latency) ends the call.
#[tokio::test(start_paused = true)]
async fn latency_within_and_past_the_deadline() {
    let emu = Emu::start().await;
    let cancel = CancellationToken::new();
    emu.fault(json!({"path": "/v3.0/healthcheck", "kind": "latency", "latencyMs": 300, "count": 1}))
        .await;
    let start = tokio::time::Instant::now();
    emu.client().health(&cancel).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));

    emu.fault(json!({"path": "/v3.0/healthcheck", "kind": "latency", "latencyMs": 5000}))
        .await;
    let c = emu.client_with(|c| c.request_timeout = Duration::from_millis(800));
    let start = tokio::time::Instant::now();
    let err = c.health(&cancel).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[tokio::test]
async fn retries_exhausted_is_a_clear_error() {
    let emu = Emu::start().await;
    let c = emu.client_with(|c| c.max_retries = 2);
    emu.fault(json!({"method": "GET", "path": "/v3.0/iam/roles", "kind": "502"}))
        .await;
    let err = c.get_role("any", &CancellationToken::new()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 502") && text.contains("502 Bad Gateway"), "{text}");
    assert!(text.contains("3 attempts"), "{text}");
    assert!(!text.contains('<'), "HTML stripped: {text}");
    assert_eq!(emu.calls().await.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Faults on creates: never a duplicate, never a lost secret
// ---------------------------------------------------------------------------------------------

async fn key_create_survives(kind: &str) {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": kind, "count": 1}))
        .await;
    let created = c
        .create_api_key(&key("pipeline", "Auditor"), &cancel)
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    let on_server = emu.keys_named("pipeline").await;
    assert_eq!(on_server.len(), 1, "{kind}: exactly one key: {on_server:?}");
    assert_eq!(on_server[0]["id"], created.id.as_str(), "{kind}");
    assert_secret_works(&emu, &created.value).await;
}

#[tokio::test]
async fn dropped_key_create_is_settled() {
    key_create_survives("drop").await;
}

#[tokio::test]
async fn lost_answer_key_create_deletes_and_recreates() {
    key_create_survives("lost-answer").await;
}

#[tokio::test]
async fn five_hundred_on_key_create_is_settled() {
    key_create_survives("500").await;
}

#[tokio::test]
async fn lost_answer_in_a_batch_settles_every_item() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    // "taken" exists before: the settle step must not delete it, and report a conflict for it.
    let before = c.create_api_key(&key("taken", "SIEM"), &cancel).await.unwrap();
    // Two minutes later by the server's clock (which the client reads from `Date`).
    emu.control(reqwest::Method::POST, "clock", Some(json!({"advanceSeconds": 120})))
        .await;
    c.health(&cancel).await.unwrap();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "lost-answer", "count": 1}))
        .await;
    let out = c
        .create_api_keys(
            &[key("b1", "Auditor"), key("taken", "SIEM"), key("b2", "Auditor")],
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!(out[1].as_ref().unwrap_err().status, 409);
    for (i, name) in [(0, "b1"), (2, "b2")] {
        let k = out[i].as_ref().unwrap();
        let on_server = emu.keys_named(name).await;
        assert_eq!(on_server.len(), 1, "{name}");
        assert_eq!(on_server[0]["id"], k.id.as_str());
        assert_secret_works(&emu, &k.value).await;
    }
    let taken = emu.keys_named("taken").await;
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0]["id"], before.id.as_str(), "the pre-existing key survived");
}

#[tokio::test]
async fn throttled_create_is_retried_without_lookup() {
    let emu = Emu::start().await;
    let c = emu.client();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "429", "count": 1}))
        .await;
    emu.clear_calls().await;
    let created = c
        .create_api_key(&key("slow", "Auditor"), &CancellationToken::new())
        .await
        .unwrap();
    let calls = emu.calls().await;
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls.iter().all(|(m, _, _)| m == "POST"),
        "no lookup after a 429: {calls:?}"
    );
    assert_eq!(emu.keys_named("slow").await.len(), 1);
    assert_secret_works(&emu, &created.value).await;
}

#[tokio::test]
async fn key_create_retries_exhausted_names_the_key_and_leaves_nothing() {
    let emu = Emu::start().await;
    let c = emu.client_with(|c| c.max_retries = 2);
    // 500 on every create (the emulator does not perform it): each round looks the key up, finds
    // nothing, and sends again until the rounds run out.
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "500"}))
        .await;
    let err = c
        .create_api_key(&key("doomed", "Auditor"), &CancellationToken::new())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::CreateFailed { .. }), "{text}");
    assert!(
        text.contains("creating API key 'doomed' failed (nothing was left on the server)"),
        "{text}"
    );
    assert!(text.contains("HTTP 500"), "{text}");
    assert_eq!(err.status(), Some(500));
    let calls = emu.calls().await;
    let posts = calls.iter().filter(|(m, _, _)| m == "POST").count();
    let lookups = calls.iter().filter(|(m, _, _)| m == "GET").count();
    assert_eq!((posts, lookups), (3, 3), "{calls:?}");
    assert!(emu.keys_named("doomed").await.is_empty());
}

#[tokio::test]
async fn key_create_with_failing_lookup_says_it_may_exist() {
    let emu = Emu::start().await;
    let c = emu.client_with(|c| c.max_retries = 1);
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "lost-answer", "count": 1}))
        .await;
    emu.fault(json!({"method": "GET", "path": "/v3.0/iam/apiKeys", "kind": "503"}))
        .await;
    let err = c
        .create_api_key(&key("ghost", "Auditor"), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.may_have_created(), "{err}");
    let text = err.to_string();
    assert!(text.contains("API key 'ghost' may have been created"), "{text}");
    assert_eq!(
        emu.keys_named("ghost").await.len(),
        1,
        "it really was created, and the error said so"
    );
}

#[tokio::test]
async fn lost_answer_role_create_returns_the_role() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/roles", "kind": "lost-answer", "count": 1}))
        .await;
    let id = c.create_role(&role("lost-role"), &cancel).await.unwrap();
    let roles = c
        .list_roles(&ListQuery::filtered(Filter::eq("name", "lost-role")), &cancel)
        .await
        .unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].id, id);
    let posts = emu.calls().await.iter().filter(|(m, _, _)| m == "POST").count();
    assert_eq!(posts, 1, "found by name, not created twice");
}

#[tokio::test]
async fn dropped_role_create_is_sent_again() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/roles", "kind": "drop", "count": 1}))
        .await;
    let id = c.create_role(&role("dropped-role"), &cancel).await.unwrap();
    assert_eq!(
        c.find_role_by_name("dropped-role", &cancel).await.unwrap().unwrap().id,
        id
    );
}

#[tokio::test]
async fn lost_answer_account_invite_returns_the_account() {
    let emu = Emu::start().await;
    let c = emu.client();
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/v3.0/iam/accounts", "kind": "lost-answer", "count": 1}))
        .await;
    let invite = AccountCreate {
        email: "new@example.com".into(),
        role: "Auditor".into(),
        auth_type: AuthType::Saml,
        description: None,
    };
    let id = c.invite_account(&invite, &cancel).await.unwrap();
    let all = c.list_accounts(&ListQuery::default(), &cancel).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
}

// ---------------------------------------------------------------------------------------------
// Cancellation, rate limiting, server clock
// ---------------------------------------------------------------------------------------------

/// On paused time: the cancel at 300 ms ends the call, not the 50 retries' backoff.
#[tokio::test(start_paused = true)]
async fn cancellation_stops_a_call_during_backoff() {
    let emu = Emu::start().await;
    let c = emu.client_with(|c| c.max_retries = 50);
    emu.fault(json!({"kind": "429"})).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let start = tokio::time::Instant::now();
    let err = c.list_roles(&ListQuery::default(), &cancel).await.unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(start.elapsed(), Duration::from_millis(300));
}

/// On paused time: the cancel at 200 ms ends the call, not the create's 5 s latency.
#[tokio::test(start_paused = true)]
async fn cancellation_stops_an_in_flight_create_and_names_it() {
    let emu = Emu::start().await;
    let c = emu.client();
    emu.fault(json!({"method": "POST", "kind": "latency", "latencyMs": 5000}))
        .await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let start = tokio::time::Instant::now();
    let err = c.create_role(&role("slow-role"), &cancel).await.unwrap_err();
    assert!(err.is_cancelled() && err.may_have_created(), "{err}");
    assert!(err.to_string().contains("role 'slow-role'"));
    assert_eq!(start.elapsed(), Duration::from_millis(200));
}

#[tokio::test]
async fn client_side_rate_limit_holds_requests() {
    let emu = Emu::start().await;
    let c = emu.client_with(|c| {
        c.max_requests_per_minute = Some(3);
        c.request_timeout = Duration::from_secs(1);
    });
    let cancel = CancellationToken::new();
    let clone = c.clone();
    for _ in 0..3 {
        clone.health(&cancel).await.unwrap();
    }
    let err = c.health(&cancel).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(emu.calls().await.len(), 3, "the fourth request never left the client");
    assert_eq!(c.requests_sent(), 3);
}

#[tokio::test]
async fn server_rate_limit_is_waited_out() {
    let emu = Emu::start().await;
    emu.control(reqwest::Method::POST, "rate-limit", Some(json!({"perMinute": 2})))
        .await;
    let c = emu.client_with(|c| c.request_timeout = Duration::from_secs(2));
    let cancel = CancellationToken::new();
    c.health(&cancel).await.unwrap();
    c.health(&cancel).await.unwrap();
    // The window is 60 s: the third call is throttled with a Retry-After past its deadline.
    let err = c.health(&cancel).await.unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(err.code(), Some("TooManyRequests"));
}

#[tokio::test]
async fn server_time_offset_follows_the_date_header() {
    let emu = Emu::start().await;
    let c = emu.client();
    assert!(c.server_time_offset().is_none());
    emu.control(reqwest::Method::POST, "clock", Some(json!({"advanceSeconds": 86400})))
        .await;
    c.health(&CancellationToken::new()).await.unwrap();
    let off = c.server_time_offset().unwrap();
    assert!((off.whole_seconds() - 86400).abs() <= 2, "{off}");
    let ahead = c.server_now().duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(86000));
}
