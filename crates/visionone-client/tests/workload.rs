//! The Workload Security client against the in-process emulator's `/api`: every endpoint, sessions,
//! and every fault the emulator can inject on a create, each ending with no orphan, no duplicate
//! and a secret that works (`GET /api/apikeys/current`).

mod common;

use std::time::Duration;

use common::{Emu, ADMIN};
use reqwest::Method;
use serde_json::{json, Value};
use visionone_client::api::workload::{ApiKeyCreate, ApiKeyModify};
use visionone_client::workload::{keys_may_use, time};
use visionone_client::{CancellationToken, ClientConfig, Login, Secret, WorkloadClient};
use visionone_emulator::WorkloadLogin;

async fn start() -> Emu {
    Emu::start_with(|c| {
        c.workload_login = Some(WorkloadLogin {
            tenant: None,
            user: "admin".into(),
            password: "pw:1".into(),
        })
    })
    .await
}

fn config(emu: &Emu, secret: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(format!("{}/api", emu.url), secret);
    cfg.request_timeout = Duration::from_secs(5);
    cfg.max_retries = 4;
    cfg
}

fn admin(emu: &Emu) -> WorkloadClient {
    WorkloadClient::new(&config(emu, ADMIN)).unwrap()
}

fn spec(name: &str) -> ApiKeyCreate {
    ApiKeyCreate {
        key_name: name.into(),
        role_id: 1,
        description: Some("d".into()),
        locale: None,
        time_zone: None,
        active: Some(true),
        expiry_date: None,
    }
}

/// Every key on the server (the control surface sees them all).
async fn server_keys(emu: &Emu) -> Vec<Value> {
    emu.control(Method::GET, "workload/keys", None).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The secret authenticates as that very key.
async fn assert_secret_works(emu: &Emu, id: i64, secret: &str) {
    let me = WorkloadClient::new(&config(emu, secret))
        .unwrap()
        .current_key(&CancellationToken::new())
        .await
        .expect("the secret works");
    assert_eq!(me.id, Some(id));
}

#[tokio::test]
async fn keys_end_to_end() {
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    assert_eq!(c.base_url(), format!("{}/api", emu.url));

    let full = c
        .role_by_name("Full Access", &cancel)
        .await
        .unwrap()
        .expect("Full Access");
    assert!(keys_may_use(&full));
    let console = c
        .role_by_name("Console Only", &cancel)
        .await
        .unwrap()
        .expect("Console Only");
    assert!(!keys_may_use(&console));
    assert!(
        c.role_by_name("full access", &cancel).await.unwrap().is_none(),
        "exact, case-sensitive"
    );
    assert!(
        c.role_by_name("Full%", &cancel).await.unwrap().is_none(),
        "no wildcards"
    );
    assert_eq!(c.get_role(full.id.unwrap(), &cancel).await.unwrap().name, full.name);
    assert!(c.list_roles(&cancel).await.unwrap().len() >= 4);

    let expiry = time::system_to_ms(c.server_now() + Duration::from_secs(86_400));
    let mut s = spec("ci");
    s.role_id = full.id.unwrap();
    s.expiry_date = Some(expiry);
    let k = c.create_key(&s, &cancel).await.unwrap();
    let id = k.id.unwrap();
    // Brought forward by under a minute: the mark that tells this call's key from others.
    let early = expiry - k.expiry_date.unwrap();
    assert!((1..=60_000).contains(&early), "{early}");
    assert!(time::ms_to_rfc3339(k.created.unwrap()).unwrap().ends_with('Z'));
    assert_secret_works(&emu, id, k.secret_key.as_deref().unwrap()).await;

    let got = c.get_key(id, &cancel).await.unwrap();
    assert_eq!((got.key_name.as_deref(), got.secret_key.as_deref()), (Some("ci"), None));
    let auditor = c.role_by_name("Auditor", &cancel).await.unwrap().unwrap();
    let change = ApiKeyModify {
        description: Some("new".into()),
        role_id: auditor.id,
        ..Default::default()
    };
    let m = c.modify_key(id, &change, &cancel).await.unwrap();
    assert_eq!(
        (m.description.as_deref(), m.role_id, m.locale.as_deref()),
        (Some("new"), auditor.id, Some("en-US"))
    );

    // A second key of the same name: names are not unique here.
    let twin = c.create_key(&spec("ci"), &cancel).await.unwrap();
    assert_eq!(c.keys_named("ci", &cancel).await.unwrap().len(), 2);
    assert_eq!(c.list_keys(&cancel).await.unwrap().len(), 2);

    let old = k.secret_key.clone().unwrap();
    let fresh = c.new_secret(id, &cancel).await.unwrap();
    assert_ne!(fresh.secret_key.as_deref(), Some(old.as_str()));
    assert_secret_works(&emu, id, fresh.secret_key.as_deref().unwrap()).await;
    let stale = WorkloadClient::new(&config(&emu, &old))
        .unwrap()
        .current_key(&cancel)
        .await
        .unwrap_err();
    assert_eq!(stale.status(), Some(401), "{stale}");

    c.delete_key(id, &cancel).await.unwrap();
    c.delete_key(id, &cancel).await.unwrap(); // already gone: done
    let gone = c.get_key(id, &cancel).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    assert!(gone.to_string().contains("The API key does not exist."), "{gone}");
    c.delete_key(twin.id.unwrap(), &cancel).await.unwrap();
    assert!(server_keys(&emu).await.is_empty());
}

#[tokio::test]
async fn errors_read_well_and_hide_secrets() {
    let emu = start().await;
    let cancel = CancellationToken::new();
    let wrong = WorkloadClient::new(&config(&emu, "8:not-a-secret")).unwrap();
    let e = wrong.list_keys(&cancel).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("Invalid API Key"), "{e}");
    assert!(!e.to_string().contains("not-a-secret"), "{e}");
    assert!(!format!("{wrong:?}").contains("not-a-secret"));

    // A console-only role cannot hold a key: 400 with the server's message.
    let c = admin(&emu);
    let mut s = spec("x");
    s.role_id = c
        .role_by_name("Console Only", &cancel)
        .await
        .unwrap()
        .unwrap()
        .id
        .unwrap();
    let e = c.create_key(&s, &cancel).await.unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(server_keys(&emu).await.is_empty());

    // An expired key: 403.
    let mut s = spec("short");
    s.expiry_date = Some(time::system_to_ms(c.server_now() + Duration::from_secs(3600)));
    let k = c.create_key(&s, &cancel).await.unwrap();
    emu.control(Method::POST, "clock", Some(json!({"advanceSeconds": 7200})))
        .await;
    let e = WorkloadClient::new(&config(&emu, k.secret_key.as_deref().unwrap()))
        .unwrap()
        .current_key(&cancel)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    assert!(e.to_string().contains("expired"), "{e}");

    // Without the version header the manager refuses (the client always sends it).
    let raw = reqwest::Client::new()
        .get(format!("{}/api/apikeys", emu.url))
        .header("api-secret-key", ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
}

#[tokio::test]
async fn session_makes_the_first_key_and_ends() {
    let emu = start().await;
    let cancel = CancellationToken::new();
    let login = Login {
        user_name: "admin".into(),
        password: Secret::new("pw:1"),
        tenant_name: None,
    };
    let s = WorkloadClient::sign_in(&config(&emu, ""), &login, &cancel)
        .await
        .unwrap();
    assert!(s.is_session());
    assert_eq!(emu.control(Method::GET, "workload/sessions", None).await["open"], 1);
    let k = s.create_key(&spec("first"), &cancel).await.unwrap();
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
    assert_eq!(
        s.current_key(&cancel).await.unwrap_err().status(),
        Some(404),
        "a session is no key"
    );
    s.end_session(&cancel).await.unwrap();
    s.end_session(&cancel).await.unwrap(); // once only
    assert_eq!(emu.control(Method::GET, "workload/sessions", None).await["open"], 0);
    assert_eq!(s.list_keys(&cancel).await.unwrap_err().status(), Some(401));
    // A key-authenticated client has no session to end.
    admin(&emu).end_session(&cancel).await.unwrap();

    let bad = Login {
        password: Secret::new("wrong-password"),
        ..login
    };
    let e = WorkloadClient::sign_in(&config(&emu, ""), &bad, &cancel)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(!e.to_string().contains("wrong-password"), "{e}");
}

/// One fault on the create call, then: exactly one key of that name, its secret works, and the
/// create went out `creates` times (a second time only when the first surely made nothing).
async fn create_through(kind: Value, creates: usize) {
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    let mut fault = json!({"method": "POST", "path": "/api/apikeys", "count": 1});
    fault.as_object_mut().unwrap().extend(kind.as_object().unwrap().clone());
    emu.fault(fault.clone()).await;
    let k = c
        .create_key(&spec("chaos"), &cancel)
        .await
        .unwrap_or_else(|e| panic!("{fault}: {e}"));
    let keys = server_keys(&emu).await;
    assert_eq!(keys.len(), 1, "{fault}: {keys:?}");
    assert_eq!(keys[0]["ID"].as_i64(), k.id, "{fault}");
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
    assert_eq!(emu.count("POST", "/api/apikeys").await, creates, "{fault}");
    let adopted = emu
        .count("POST", &format!("/api/apikeys/{}/secretkey", k.id.unwrap()))
        .await;
    assert_eq!(adopted, usize::from(kind["kind"] == "lost-answer"), "{fault}");
}

#[tokio::test]
async fn create_survives_every_fault() {
    for kind in ["429", "429-no-retry-after", "500", "502", "503", "drop"] {
        create_through(json!({ "kind": kind }), 2).await;
    }
    create_through(json!({"kind": "lost-answer"}), 1).await;
    create_through(json!({"kind": "latency", "latencyMs": 300}), 1).await;
}

#[tokio::test]
async fn cancel_during_a_create_still_hands_the_key_back() {
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "latency", "latencyMs": 800, "count": 1}))
        .await;
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.cancel();
    });
    let k = c
        .create_key(&spec("slow"), &cancel)
        .await
        .expect("the key made is handed back");
    assert!(cancel.is_cancelled());
    assert_eq!(server_keys(&emu).await.len(), 1);
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
    // Cancelled before sending: nothing is sent.
    let e = c.create_key(&spec("late"), &cancel).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert_eq!(server_keys(&emu).await.len(), 1);
}

#[tokio::test]
async fn lost_answer_with_a_twin_of_the_same_name() {
    // An older key of the same name must be neither adopted nor deleted.
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    let older = c.create_key(&spec("twin"), &cancel).await.unwrap();
    emu.control(Method::POST, "clock", Some(json!({"advanceSeconds": 60})))
        .await;
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "lost-answer", "count": 1}))
        .await;
    let k = c.create_key(&spec("twin"), &cancel).await.unwrap();
    assert_ne!(k.id, older.id);
    assert_eq!(server_keys(&emu).await.len(), 2);
    assert_secret_works(&emu, older.id.unwrap(), older.secret_key.as_deref().unwrap()).await;
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
}

#[tokio::test]
async fn lost_answer_whose_secret_cannot_be_had_is_deleted_and_made_again() {
    // The create's answer is lost and the new-secret call fails for good: the key is deleted
    // and created again, leaving one key with a working secret.
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "lost-answer", "count": 1}))
        .await;
    // `/api/apikeys/<id>/secretkey`: every attempt of that one call fails (5 tries).
    emu.fault(json!({"method": "POST", "path": "/api/apikeys/1/secretkey", "kind": "500", "count": 5}))
        .await;
    let k = c.create_key(&spec("again"), &cancel).await.unwrap();
    assert_eq!(k.id, Some(2));
    let keys = server_keys(&emu).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_secret_works(&emu, 2, k.secret_key.as_deref().unwrap()).await;
}

#[tokio::test]
async fn a_lookup_that_fails_too_says_maybe_created() {
    // Every POST under /api/apikeys drops (the create and the search after it): the client cannot
    // know, and says so instead of creating blindly again.
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "drop"}))
        .await;
    let e = c.create_key(&spec("never"), &cancel).await.unwrap_err();
    assert!(e.may_have_created(), "{e}");
    assert!(e.to_string().contains("looking it up failed too"), "{e}");
    assert_eq!(
        emu.count("POST", "/api/apikeys").await,
        1,
        "never a blind second create"
    );
    emu.control(Method::DELETE, "faults", None).await;
    assert!(server_keys(&emu).await.is_empty());
}

/// Create a key straight through the API, as another tool would; its id and secret.
async fn raw_create(emu: &Emu, body: Value) -> (i64, String) {
    let key: Value = reqwest::Client::new()
        .post(format!("{}/api/apikeys", emu.url))
        .header("api-secret-key", ADMIN)
        .header("api-version", "v1")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        key["ID"].as_i64().unwrap(),
        key["secretKey"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn lost_answer_while_someone_else_creates_the_same_name() {
    // Our create's answer is lost; while the client looks it up (the search is held back), another
    // tool creates a key of the same name asking for the very same expiry. The expiry mark tells
    // the keys apart: ours is adopted, theirs is left alone (no new secret, not deleted).
    let emu = start().await;
    let c = admin(&emu);
    let cancel = CancellationToken::new();
    let expiry = time::system_to_ms(c.server_now() + Duration::from_secs(30 * 86_400));
    let mut s = spec("shared-name");
    s.expiry_date = Some(expiry);
    emu.fault(
        json!({"method": "POST", "path": "/api/apikeys/search", "kind": "latency", "latencyMs": 800, "count": 1}),
    )
    .await;
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "lost-answer", "count": 1}))
        .await;
    let ours = tokio::spawn({
        let c = c.clone();
        let s = s.clone();
        async move { c.create_key(&s, &CancellationToken::new()).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body = json!({"keyName": "shared-name", "roleID": 1, "expiryDate": expiry});
    let (theirs, their_secret) = raw_create(&emu, body).await;
    let k = ours.await.unwrap().expect("our key is told apart and adopted");
    assert_ne!(k.id, Some(theirs));
    assert_ne!(k.expiry_date, Some(expiry));
    assert_eq!(server_keys(&emu).await.len(), 2);
    assert_eq!(emu.count("POST", "/api/apikeys").await, 2, "ours once, theirs once");
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
    assert_secret_works(&emu, theirs, &their_secret).await;
    assert_eq!(emu.count("POST", &format!("/api/apikeys/{theirs}/secretkey")).await, 0);

    // A key that never expires is still told from a same-name key that does.
    raw_create(
        &emu,
        json!({"keyName": "open-ended", "roleID": 1, "expiryDate": expiry}),
    )
    .await;
    emu.fault(json!({"method": "POST", "path": "/api/apikeys", "kind": "lost-answer", "count": 1}))
        .await;
    let k = c.create_key(&spec("open-ended"), &cancel).await.unwrap();
    assert_eq!(k.expiry_date, None);
    assert_eq!(server_keys(&emu).await.len(), 4);
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
}

fn login() -> Login {
    Login {
        user_name: "admin".into(),
        password: Secret::new("pw:1"),
        tenant_name: None,
    }
}

#[tokio::test]
async fn an_expired_session_signs_in_again_once_and_a_refused_sign_in_is_not_retried() {
    let emu = start().await;
    let cancel = CancellationToken::new();
    let s = WorkloadClient::sign_in(&config(&emu, ""), &login(), &cancel)
        .await
        .unwrap();
    s.list_keys(&cancel).await.unwrap();
    // 31 minutes of the emulator's clock: the session idles out (30 min).
    emu.control(Method::POST, "clock", Some(json!({"advanceSeconds": 31 * 60})))
        .await;
    let later = spec("later");
    let (a, b) = tokio::join!(s.list_keys(&cancel), s.create_key(&later, &cancel));
    a.expect("signed in again");
    let k = b.expect("the refused create is sent again");
    assert_secret_works(&emu, k.id.unwrap(), k.secret_key.as_deref().unwrap()).await;
    assert_eq!(
        emu.count("POST", "/api/sessions").await,
        2,
        "one sign-in shared by both calls"
    );
    assert_eq!(
        emu.count("POST", "/api/apikeys").await,
        2,
        "the create refused once, then made once"
    );
    assert_eq!(server_keys(&emu).await.len(), 1);
    assert_eq!(emu.control(Method::GET, "workload/sessions", None).await["open"], 1);

    // The account is locked out, then the session idles out again: one sign-in attempt, refused,
    // and never another; the error says the session expired, not that a key is wrong.
    emu.control(Method::DELETE, "workload/login", None).await;
    emu.control(Method::POST, "clock", Some(json!({"advanceSeconds": 31 * 60})))
        .await;
    for _ in 0..3 {
        let e = s.list_keys(&cancel).await.unwrap_err();
        assert!(e.is_session_expired(), "{e}");
        assert_eq!(e.status(), Some(401), "{e}");
        assert!(e.to_string().contains("signing in again failed"), "{e}");
        assert!(!e.to_string().contains("pw:1"), "{e}");
    }
    assert_eq!(
        emu.count("POST", "/api/sessions").await,
        3,
        "a refused sign-in is tried once"
    );
    // A key-authenticated client never takes a 401 for an expired session.
    let wrong = WorkloadClient::new(&config(&emu, "8:not-a-secret")).unwrap();
    assert!(!wrong.list_keys(&cancel).await.unwrap_err().is_session_expired());
}
