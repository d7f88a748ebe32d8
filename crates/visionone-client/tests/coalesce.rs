//! Coalesced key creates/deletes and shared reads against the real emulator: how many API calls
//! concurrent callers cost, that every caller gets its own answer, and that nothing is orphaned.

use std::time::Duration;

use serde_json::json;
use visionone_api::{AccountCreate, ApiKeyCreate, ApiKeyUpdate, AuthType, RoleCreate};
use visionone_client::{CancellationToken, Client, CoalesceSettings, Error, ObjectKind};

mod common;
use common::Emu;

impl Emu {
    /// A client with coalescing on whatever the environment says.
    fn client(&self) -> Client {
        let c = self.client_with(|_| {});
        c.set_coalesce_settings(CoalesceSettings::default());
        c
    }
}

const KEYS: &str = "/v3.0/iam/apiKeys";
const KEYS_DELETE: &str = "/v3.0/iam/apiKeys/delete";

fn key(name: &str) -> ApiKeyCreate {
    ApiKeyCreate {
        name: name.into(),
        role: "SIEM".into(),
        description: Some(format!("key {name}")),
        status: None,
        months_to_expiration: None,
    }
}

/// Create `n` keys named `<prefix>-<i>` with plain batch calls; returns their ids in order.
async fn make_keys(c: &Client, prefix: &str, n: usize) -> Vec<String> {
    let items: Vec<ApiKeyCreate> = (0..n).map(|i| key(&format!("{prefix}-{i}"))).collect();
    let created = c.create_api_keys(&items, &CancellationToken::new()).await.unwrap();
    created.into_iter().map(|r| r.unwrap().id).collect()
}

/// `n` concurrent coalesced creates; the outcomes in item order.
async fn create_concurrently(c: &Client, names: &[String]) -> Vec<Result<visionone_api::ApiKeyCreated, Error>> {
    let tasks: Vec<_> = names
        .iter()
        .map(|n| {
            let (c, item) = (c.clone(), key(n));
            tokio::spawn(async move { c.create_api_key_coalesced(item, &CancellationToken::new()).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_share_a_few_posts_and_each_caller_gets_its_own_answer() {
    let emu = Emu::start().await;
    let c = emu.client();
    make_keys(&c, "taken", 1).await;
    emu.clear_calls().await;

    // 30 callers at once; one asks for a name that already exists.
    let mut names: Vec<String> = (0..30).map(|i| format!("ci-{i}")).collect();
    names[17] = "taken-0".into();
    let outcomes = create_concurrently(&c, &names).await;

    let posts = emu.count("POST", KEYS).await;
    assert!(posts <= 4, "30 concurrent creates took {posts} POSTs");
    let mut ids = std::collections::HashSet::new();
    let mut secrets = std::collections::HashSet::new();
    for (i, o) in outcomes.iter().enumerate() {
        if i == 17 {
            let err = o.as_ref().unwrap_err();
            assert!(err.is_conflict(), "the duplicate name's caller gets its 409: {err}");
            continue;
        }
        let created = o.as_ref().unwrap_or_else(|e| panic!("caller {i}: {e}"));
        assert!(ids.insert(created.id.clone()), "ids are distinct");
        assert!(secrets.insert(created.value.clone()), "secrets are distinct");
    }
    assert_eq!(ids.len(), 29);
    let stats = c.coalesce_stats();
    assert_eq!(stats.create_items, 30);
    assert_eq!(stats.create_batches as usize, posts);

    // Each secret is the one of its own key: it authenticates, and the key's name matches the caller's.
    let cancel = CancellationToken::new();
    for (i, o) in outcomes.iter().enumerate().filter(|(i, _)| *i != 17) {
        let created = o.as_ref().unwrap();
        let own = emu.client_with(|cfg| cfg.api_key = created.value.as_str().into());
        own.health(&cancel)
            .await
            .unwrap_or_else(|e| panic!("secret of caller {i}: {e}"));
        let (k, _) = c.get_api_key(&created.id, &cancel).await.unwrap().unwrap();
        assert_eq!(k.name, names[i]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_coalescing_off_every_create_is_its_own_post() {
    let emu = Emu::start().await;
    let c = emu.client();
    c.set_coalesce_settings(CoalesceSettings {
        enabled: false,
        ..CoalesceSettings::default()
    });
    let names: Vec<String> = (0..30).map(|i| format!("solo-{i}")).collect();
    let outcomes = create_concurrently(&c, &names).await;
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(emu.count("POST", KEYS).await, 30);
    assert_eq!(c.coalesce_stats().create_batches, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deletes_share_a_few_calls() {
    let emu = Emu::start().await;
    let c = emu.client();
    let mut ids = make_keys(&c, "del", 30).await;
    ids.push("no-such-key".into());
    emu.clear_calls().await;
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (c, id) = (c.clone(), id.clone());
            tokio::spawn(async move { c.delete_api_key_coalesced(&id, &CancellationToken::new()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("deleted (a missing key counts as deleted)");
    }
    let deletes = emu.count("POST", KEYS_DELETE).await;
    assert!(deletes <= 4, "31 concurrent deletes took {deletes} calls");
    assert!(emu.key_names().await.is_empty());
    // This client deleted them: shared reads know without asking.
    emu.clear_calls().await;
    assert_eq!(
        c.read_api_key_shared(&ids[0], &CancellationToken::new()).await.unwrap(),
        None
    );
    assert!(emu.calls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_with_coalescing_off_are_one_call_each() {
    let emu = Emu::start().await;
    let c = emu.client();
    c.set_coalesce_settings(CoalesceSettings {
        enabled: false,
        ..CoalesceSettings::default()
    });
    let ids = make_keys(&c, "d", 5).await;
    emu.clear_calls().await;
    for id in &ids {
        c.delete_api_key_coalesced(id, &CancellationToken::new()).await.unwrap();
    }
    assert_eq!(emu.count("POST", KEYS_DELETE).await, 5);
    assert!(emu.key_names().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_readers_share_one_paged_list() {
    let emu = Emu::start().await;
    let ids = make_keys(&emu.client(), "r", 500).await;
    let c = emu.client();
    emu.clear_calls().await;
    // 10 readers, as Terraform refreshes 10 resources at a time, 50 keys each.
    let tasks: Vec<_> = ids
        .chunks(50)
        .map(|chunk| {
            let (c, chunk) = (c.clone(), chunk.to_vec());
            tokio::spawn(async move {
                let mut found = Vec::new();
                for id in chunk {
                    found.push(c.read_api_key_shared(&id, &CancellationToken::new()).await.unwrap());
                }
                found
            })
        })
        .collect();
    let mut read = 0;
    for (chunk, t) in ids.chunks(50).zip(tasks) {
        for (id, k) in chunk.iter().zip(t.await.unwrap()) {
            let k = k.unwrap_or_else(|| panic!("key {id} was found"));
            assert_eq!(&k.id, id);
            read += 1;
        }
    }
    assert_eq!(read, 500);
    let calls = emu.calls().await;
    let lists = calls.iter().filter(|(m, p, _)| m == "GET" && p == KEYS).count();
    let gets = calls
        .iter()
        .filter(|(m, p, _)| m == "GET" && p.starts_with("/v3.0/iam/apiKeys/"))
        .count();
    assert!(lists <= 5, "{lists} list calls (500 keys are 3 pages of 200)");
    assert_eq!(gets, 0, "no single GETs");
    assert_eq!(calls.len(), lists);
    assert_eq!(c.coalesce_stats().snapshots, 1);
}

#[tokio::test]
async fn a_few_reads_in_an_idle_client_are_single_gets() {
    let emu = Emu::start().await;
    let ids = make_keys(&emu.client(), "few", 3).await;
    let c = emu.client();
    emu.clear_calls().await;
    let cancel = CancellationToken::new();
    let (a, b) = tokio::join!(
        c.read_api_key_shared(&ids[0], &cancel),
        c.read_api_key_shared(&ids[1], &cancel)
    );
    assert_eq!(a.unwrap().unwrap().name, "few-0");
    assert_eq!(b.unwrap().unwrap().name, "few-1");
    assert_eq!(c.read_api_key_shared("missing", &cancel).await.unwrap(), None);
    let calls = emu.calls().await;
    assert_eq!(
        calls.iter().filter(|(_, p, _)| p == KEYS).count(),
        0,
        "no list: {calls:?}"
    );
    assert_eq!(calls.len(), 3, "three GETs: {calls:?}");
    assert!(calls
        .iter()
        .all(|(m, p, _)| m == "GET" && p.starts_with("/v3.0/iam/apiKeys/")));
}

/// Build a key snapshot in `c` by reading `ids` with 10 concurrent readers.
async fn build_snapshot(c: &Client, ids: &[String]) {
    let tasks: Vec<_> = ids
        .iter()
        .take(10)
        .map(|id| {
            let (c, id) = (c.clone(), id.clone());
            tokio::spawn(async move { c.read_api_key_shared(&id, &CancellationToken::new()).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    assert_eq!(c.coalesce_stats().snapshots, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_staleness_guards() {
    let emu = Emu::start().await;
    let ids = make_keys(&emu.client(), "s", 12).await;
    let c = emu.client();
    build_snapshot(&c, &ids).await;
    let cancel = CancellationToken::new();

    // Created by this client after the snapshot: still found (by a GET).
    let fresh = c.create_api_key_coalesced(key("after"), &cancel).await.unwrap();
    emu.clear_calls().await;
    let got = c.read_api_key_shared(&fresh.id, &cancel).await.unwrap().unwrap();
    assert_eq!(got.name, "after");
    assert_eq!(emu.count("GET", &format!("{KEYS}/{}", fresh.id)).await, 1);

    // Updated by this client (and noted): read afresh, not from the snapshot.
    let upd = ApiKeyUpdate {
        description: Some("changed".into()),
        ..ApiKeyUpdate::default()
    };
    c.update_api_key(&ids[11], &upd, None, &cancel).await.unwrap();
    c.note_changed(ObjectKind::ApiKey, &ids[11]);
    let k = c.read_api_key_shared(&ids[11], &cancel).await.unwrap().unwrap();
    assert_eq!(k.description.as_deref(), Some("changed"));

    // Deleted by someone else after the snapshot: reported as the snapshot saw it (no call), until
    // the snapshot expires; an update or delete of it would then meet the 404.
    let other = emu.client();
    other.delete_api_keys(&[&ids[5]], &cancel).await.unwrap();
    emu.clear_calls().await;
    let stale = c.read_api_key_shared(&ids[5], &cancel).await.unwrap();
    assert_eq!(stale.map(|k| k.name), Some("s-5".to_owned()));
    assert!(emu.calls().await.is_empty());

    // Deleted by this client: gone at once, without a call.
    c.delete_api_key_coalesced(&ids[6], &cancel).await.unwrap();
    emu.clear_calls().await;
    assert_eq!(c.read_api_key_shared(&ids[6], &cancel).await.unwrap(), None);
    assert!(emu.calls().await.is_empty());

    // Not in the snapshot and not this client's: confirmed with a GET before saying gone.
    assert_eq!(c.read_api_key_shared("never-was", &cancel).await.unwrap(), None);
    assert_eq!(emu.count("GET", &format!("{KEYS}/never-was")).await, 1);

    // An expired snapshot is fetched again.
    c.set_coalesce_settings(CoalesceSettings {
        snapshot_max_age: Duration::ZERO,
        ..CoalesceSettings::default()
    });
    let reread = c.read_api_key_shared(&ids[5], &cancel).await.unwrap();
    assert_eq!(
        reread, None,
        "a lone reader after expiry falls back to a GET, which sees the delete"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_goes_away_after_sending_leaves_no_orphan() {
    let emu = Emu::start().await;
    let c = emu.client();
    // The batch POST is slow, so callers can leave while it is in flight.
    emu.control(
        reqwest::Method::POST,
        "faults",
        Some(json!({"kind": "latency", "latencyMs": 400, "method": "POST", "path": KEYS, "count": 1})),
    )
    .await;
    let stays = {
        let c = c.clone();
        tokio::spawn(async move {
            c.create_api_key_coalesced(key("stays"), &CancellationToken::new())
                .await
        })
    };
    let cancel = CancellationToken::new();
    let cancelled = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.create_api_key_coalesced(key("cancelled"), &cancel).await })
    };
    let dropped = {
        let c = c.clone();
        tokio::spawn(async move {
            tokio::time::timeout(
                Duration::from_millis(150),
                c.create_api_key_coalesced(key("dropped"), &CancellationToken::new()),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    cancel.cancel();
    let err = cancelled.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Cancelled { in_flight: true }), "{err}");
    assert!(dropped.await.unwrap().is_err(), "the dropped call timed out");
    let kept = stays.await.unwrap().unwrap();

    // The batch finished for everyone; the two keys nobody took were deleted again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while c.coalesce_stats().orphans_deleted < 2 {
        assert!(tokio::time::Instant::now() < deadline, "{:?}", c.coalesce_stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emu.key_names().await, vec!["stays".to_owned()]);
    assert_eq!(c.coalesce_stats().orphans_left, 0);
    let own = emu.client_with(|cfg| cfg.api_key = kept.value.as_str().into());
    own.health(&CancellationToken::new()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_cancelled_before_sending_creates_nothing() {
    let emu = Emu::start().await;
    let c = emu.client();
    c.set_coalesce_settings(CoalesceSettings {
        window: Duration::from_millis(200),
        ..CoalesceSettings::default()
    });
    emu.clear_calls().await;
    let cancel = CancellationToken::new();
    let call = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.create_api_key_coalesced(key("never"), &cancel).await })
    };
    // A caller whose future is dropped before the batch goes out takes its item with it.
    let dropped = tokio::time::timeout(
        Duration::from_millis(20),
        c.create_api_key_coalesced(key("dropped"), &CancellationToken::new()),
    )
    .await;
    assert!(dropped.is_err());
    cancel.cancel();
    let err = call.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Cancelled { in_flight: false }), "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(emu.count("POST", KEYS).await, 0);
    assert!(emu.key_names().await.is_empty());
    assert_eq!(c.coalesce_stats().create_batches, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_failing_as_a_whole_fails_each_caller() {
    let emu = Emu::start().await;
    let c = emu.client_with(|cfg| cfg.max_retries = 0);
    c.set_coalesce_settings(CoalesceSettings::default());
    // A 503 for the batch, no retries allowed: the client checks that nothing was created and
    // every caller is told so, about its own key.
    emu.control(
        reqwest::Method::POST,
        "faults",
        Some(json!({"kind": "503", "method": "POST", "path": KEYS, "count": 1})),
    )
    .await;
    let names: Vec<String> = (0..5).map(|i| format!("f-{i}")).collect();
    let outcomes = create_concurrently(&c, &names).await;
    assert_eq!(emu.count("POST", KEYS).await, 1, "one batch");
    for (name, o) in names.iter().zip(&outcomes) {
        match o {
            Err(Error::CreateFailed { object, .. }) => assert_eq!(object, &format!("API key '{name}'")),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(emu.key_names().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_calls_respect_the_rate_limit() {
    let emu = Emu::start().await;
    emu.control(reqwest::Method::POST, "rate-limit", Some(json!({"perMinute": 4})))
        .await;
    let c = emu.client_with(|cfg| cfg.max_requests_per_minute = Some(4));
    c.set_coalesce_settings(CoalesceSettings {
        max_batch: 10,
        ..CoalesceSettings::default()
    });
    // 30 creates in batches of 10: three requests, or four when the first create found nothing in
    // flight and went alone (the batcher never holds a call the API could take now); inside the
    // limit of four a minute either way.
    let names: Vec<String> = (0..30).map(|i| format!("rl-{i}")).collect();
    let outcomes = create_concurrently(&c, &names).await;
    assert!(outcomes.iter().all(Result::is_ok));
    let calls = emu.calls().await;
    let posts = calls.iter().filter(|(m, p, _)| m == "POST" && p == KEYS).count();
    assert!((3..=4).contains(&posts), "{posts} batch requests: {calls:?}");
    assert!(calls.iter().all(|(_, _, s)| *s != 429), "{calls:?}");
    // Each batch took one slot: requests up to the fourth are the last of the minute, and a fifth
    // is held back by the client (its 20 s deadline ends before the window does) instead of
    // meeting a 429.
    for _ in posts..4 {
        c.health(&CancellationToken::new()).await.unwrap();
    }
    assert_eq!(c.current_rate_limit(), Some(4), "no 429 lowered the rate");
    let err = c
        .delete_api_key_coalesced("x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let calls = emu.calls().await;
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(calls.iter().all(|(_, _, s)| *s != 429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_accounts_are_read_shared_too() {
    let emu = Emu::start().await;
    let setup = emu.client();
    let cancel = CancellationToken::new();
    let mut role_ids = Vec::new();
    for i in 0..6 {
        let role = RoleCreate {
            name: format!("role-{i}"),
            description: "automation".into(),
            permission_keys: vec!["iam.apiKeys.view".into()],
            allow_api_key_assignment: true,
            allow_user_account_assignment: true,
        };
        role_ids.push(setup.create_role(&role, &cancel).await.unwrap());
    }
    let mut account_ids = Vec::new();
    for i in 0..6 {
        let account = AccountCreate {
            email: format!("user{i}@example.com"),
            role: "Auditor".into(),
            auth_type: AuthType::Local,
            description: None,
        };
        account_ids.push(setup.invite_account(&account, &cancel).await.unwrap());
    }

    let c = emu.client();
    emu.clear_calls().await;
    let roles: Vec<_> = role_ids
        .iter()
        .map(|id| {
            let (c, id) = (c.clone(), id.clone());
            tokio::spawn(async move { c.read_role_shared(&id, &CancellationToken::new()).await })
        })
        .collect();
    for (i, t) in roles.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().unwrap().unwrap().name, format!("role-{i}"));
    }
    let accounts: Vec<_> = account_ids
        .iter()
        .map(|id| {
            let (c, id) = (c.clone(), id.clone());
            tokio::spawn(async move { c.read_account_shared(&id, &CancellationToken::new()).await })
        })
        .collect();
    for (i, t) in accounts.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().unwrap().unwrap().email, format!("user{i}@example.com"));
    }
    // By name, from the same role snapshot; a predefined role is there too.
    let by_name = c.find_role_by_name_cached("role-3", &cancel).await.unwrap().unwrap();
    assert_eq!(by_name.id, role_ids[3]);
    assert!(c.find_role_by_name_cached("Auditor", &cancel).await.unwrap().is_some());
    let calls = emu.calls().await;
    assert_eq!(calls.len(), 2, "one role list and one account list: {calls:?}");
    assert!(calls.iter().any(|(m, p, _)| m == "GET" && p == "/v3.0/iam/roles"));
    assert!(calls.iter().any(|(m, p, _)| m == "GET" && p == "/v3.0/iam/accounts"));

    // A name the snapshot lacks is looked up afresh (it may have been created since).
    assert!(c.find_role_by_name_cached("nope", &cancel).await.unwrap().is_none());
    assert_eq!(emu.calls().await.len(), 3);
}
