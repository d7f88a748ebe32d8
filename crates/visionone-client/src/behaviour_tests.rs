//! Client behaviour against the scripted test server: headers, pagination, retries, cancellation,
//! and the create-recovery path, without needing the emulator.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use visionone_api::filter::Filter;
use visionone_api::{ApiKeyCreate, ApiKeyUpdate};

use crate::test_server::{json, start, Action};
use crate::{CancellationToken, Client, ClientConfig, ETag, ListQuery};

fn client(url: &str, retries: u32, timeout: Duration) -> Client {
    let mut cfg = ClientConfig::new(url, "tmv1-KEY-SECRET");
    cfg.max_retries = retries;
    cfg.request_timeout = timeout;
    cfg.user_agent = crate::user_agent_for("9.9.9");
    Client::new(cfg).unwrap()
}

/// A create item with only a name (role SIEM, the server's defaults for the rest).
fn siem_key(name: &str) -> ApiKeyCreate {
    ApiKeyCreate {
        name: name.into(),
        role: "SIEM".into(),
        description: None,
        status: None,
        months_to_expiration: None,
    }
}

fn key_json(id: &str, name: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"{name}","role":"SIEM","status":"enabled","createdDateTime":"2099-01-01T00:00:00Z"}}"#
    )
}

#[tokio::test]
async fn filter_header_is_sent_on_every_page() {
    let srv = start(|seen, _| {
        let next = if seen.target.contains("skipToken=2") {
            // Last page: no nextLink.
            return json(200, &format!(r#"{{"items":[{}]}}"#, key_json("c", "c")));
        } else if seen.target.contains("skipToken=1") {
            // A relative link must be tolerated too.
            "/v3.0/iam/apiKeys?skipToken=2".to_owned()
        } else {
            format!("http://{}/v3.0/iam/apiKeys?skipToken=1", seen.header("host").unwrap())
        };
        json(
            200,
            &format!(r#"{{"items":[{}],"nextLink":"{next}"}}"#, key_json("a", "a")),
        )
    })
    .await;
    let c = client(&srv.url, 0, Duration::from_secs(5));
    let q = ListQuery::filtered(Filter::eq("name", "O'Brien").or(Filter::eq("status", "enabled")));
    let keys = c.list_api_keys(&q, &CancellationToken::new()).await.unwrap();
    assert_eq!(keys.len(), 3);
    let seen = srv.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].target, "/v3.0/iam/apiKeys?top=200");
    for s in &seen {
        assert_eq!(
            s.header("TMV1-Filter"),
            Some("(name eq 'O''Brien' or status eq 'enabled')")
        );
        assert_eq!(s.header("authorization"), Some("Bearer tmv1-KEY-SECRET"));
        assert_eq!(s.header("user-agent"), Some("terraform-provider-visionone/9.9.9"));
    }
    assert_eq!(c.requests_sent(), 3);
    assert!(c.server_time_offset().unwrap().whole_seconds().abs() <= 2);
}

#[tokio::test]
async fn foreign_next_link_is_refused() {
    let srv = start(|_, _| {
        json(
            200,
            r#"{"items":[],"nextLink":"https://elsewhere.example/v3.0/iam/apiKeys?s=1"}"#,
        )
    })
    .await;
    let c = client(&srv.url, 0, Duration::from_secs(5));
    let err = c
        .list_roles(&ListQuery::default(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refusing"), "{err}");
    assert_eq!(srv.seen().len(), 1);
}

#[tokio::test]
async fn retries_5xx_and_429_then_succeeds() {
    let srv = start(|_, i| match i {
        0 => json(503, "<html><body><h1>Service Unavailable</h1></body></html>"),
        1 => Action::Respond(
            429,
            vec![("Retry-After", "1".into())],
            r#"{"error":{"code":"TooManyRequests","message":"Too many API requests"}}"#.into(),
        ),
        2 => json(502, ""),
        _ => json(200, r#"{"status":"available"}"#),
    })
    .await;
    let c = client(&srv.url, 5, Duration::from_secs(20));
    let start = Instant::now();
    let h = c.health(&CancellationToken::new()).await.unwrap();
    assert_eq!(h.status, "available");
    assert!(start.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    assert_eq!(srv.seen().len(), 4);
}

#[tokio::test]
async fn retries_exhausted_gives_a_readable_error() {
    let srv = start(|_, _| {
        Action::Respond(
            500,
            vec![("x-trace-id", "trace-77".into())],
            "<html><title>Oops</title><body>upstream broke</body></html>".into(),
        )
    })
    .await;
    let c = client(&srv.url, 2, Duration::from_secs(20));
    let err = c.get_role("r1", &CancellationToken::new()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(text.contains("Oops upstream broke"), "{text}");
    assert!(text.contains("trace-77"), "{text}");
    assert!(text.contains("3 attempts"), "{text}");
    assert!(!text.contains("KEY-SECRET"));
    assert_eq!(srv.seen().len(), 3);
}

#[tokio::test]
async fn not_found_is_none_and_etag_sent_unquoted() {
    let srv = start(|seen, _| match seen.method.as_str() {
        "GET" => json(404, r#"{"error":{"code":"NotFound","message":"no such key"}}"#),
        _ => json(204, ""),
    })
    .await;
    let c = client(&srv.url, 3, Duration::from_secs(5));
    let cancel = CancellationToken::new();
    assert!(c.get_api_key("nope", &cancel).await.unwrap().is_none());
    let tag = ETag::parse("\"v-42\"").unwrap();
    c.update_api_key("k/1", &ApiKeyUpdate::default(), Some(&tag), &cancel)
        .await
        .unwrap();
    let seen = srv.seen();
    assert_eq!(seen.len(), 2, "404 is not retried");
    assert_eq!(seen[1].method, "PATCH");
    assert_eq!(seen[1].target, "/v3.0/iam/apiKeys/k%2F1");
    assert_eq!(seen[1].header("if-match"), Some("v-42"));
}

/// On paused time: the cancel (at 300 ms) ends the call, not the 30 s the server asked to wait.
#[tokio::test(start_paused = true)]
async fn cancellation_stops_backoff_promptly() {
    let srv = start(|_, _| Action::Respond(503, vec![("Retry-After", "30".into())], String::new())).await;
    let c = client(&srv.url, 10, Duration::from_secs(60));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let start = tokio::time::Instant::now();
    let err = c.list_accounts(&ListQuery::default(), &cancel).await.unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(start.elapsed(), Duration::from_millis(300));
}

/// On paused time: the 400 ms deadline ends the call, not the server's 5 s answer.
#[tokio::test(start_paused = true)]
async fn deadline_bounds_the_whole_call() {
    let srv = start(|_, _| Action::After(Duration::from_secs(5), Box::new(json(200, "{}")))).await;
    let c = client(&srv.url, 5, Duration::from_millis(400));
    let start = tokio::time::Instant::now();
    let err = c.health(&CancellationToken::new()).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

/// A create whose answer is lost: the key is found by name, deleted, and created again.
#[tokio::test]
async fn lost_create_answer_deletes_and_recreates_the_key() {
    let creates = Arc::new(AtomicUsize::new(0));
    let deleted = Arc::new(AtomicUsize::new(0));
    let (cr, de) = (creates.clone(), deleted.clone());
    let srv = start(move |seen, _| match (seen.method.as_str(), seen.target.as_str()) {
        ("POST", "/v3.0/iam/apiKeys") => {
            if cr.fetch_add(1, Ordering::SeqCst) == 0 {
                Action::Drop
            } else {
                json(207, r#"[{"status":201,"body":{"id":"k2","value":"fresh-secret"}}]"#)
            }
        }
        ("GET", _) => {
            let items = if de.load(Ordering::SeqCst) == 0 {
                key_json("k1", "ci")
            } else {
                String::new()
            };
            json(200, &format!(r#"{{"items":[{items}]}}"#))
        }
        ("POST", "/v3.0/iam/apiKeys/delete") => {
            de.fetch_add(1, Ordering::SeqCst);
            json(207, r#"[{"status":204}]"#)
        }
        _ => json(400, ""),
    })
    .await;
    let c = client(&srv.url, 3, Duration::from_secs(5));
    let item = siem_key("ci");
    let created = c.create_api_key(&item, &CancellationToken::new()).await.unwrap();
    assert_eq!((created.id.as_str(), created.value.as_str()), ("k2", "fresh-secret"));
    assert_eq!(creates.load(Ordering::SeqCst), 2);
    let seen = srv.seen();
    let del = seen.iter().find(|s| s.target == "/v3.0/iam/apiKeys/delete").unwrap();
    assert_eq!(String::from_utf8_lossy(&del.body), r#"[{"id":"k1"}]"#);
    let lookup = seen.iter().find(|s| s.method == "GET").unwrap();
    assert_eq!(lookup.header("TMV1-Filter"), Some("name eq 'ci'"));
}

/// When the lookup fails too, the error names the key that may exist.
#[tokio::test]
async fn unsettled_create_names_the_object() {
    let srv = start(|seen, _| match seen.method.as_str() {
        "POST" => json(502, ""),
        _ => json(403, r#"{"error":{"code":"AccessDenied","message":"no"}}"#),
    })
    .await;
    let c = client(&srv.url, 3, Duration::from_secs(5));
    let item = siem_key("deploy-bot");
    let err = c.create_api_key(&item, &CancellationToken::new()).await.unwrap_err();
    assert!(err.may_have_created());
    let text = err.to_string();
    assert!(text.contains("API key 'deploy-bot' may have been created"), "{text}");
    let posts = srv.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(posts, 1, "a create is never retried blindly");
}

/// A key that never expires or was never used may come as `""` (what Trend's SDK needs and the
/// emulator sends), `null` or without the field: the client reads all three as "none", in lists,
/// single gets and 207 create entries.
#[tokio::test]
async fn blank_null_and_absent_timestamps_read_as_none() {
    const FORMS: [&str; 3] = [
        r#","expiredDateTime":"","lastUsedDateTime":"""#,
        r#","expiredDateTime":null,"lastUsedDateTime":null"#,
        "",
    ];
    let srv = start(|seen, _| {
        let key =
            |id: &str, form: &str| format!(r#"{{"id":"{id}","name":"{id}","role":"SIEM","status":"enabled"{form}}}"#);
        match (seen.method.as_str(), seen.target.as_str()) {
            ("GET", "/v3.0/iam/apiKeys?top=200") => {
                let items: Vec<String> = FORMS
                    .iter()
                    .enumerate()
                    .map(|(i, f)| key(&format!("k{i}"), f))
                    .collect();
                json(200, &format!(r#"{{"items":[{}]}}"#, items.join(",")))
            }
            ("GET", t) => {
                let i: usize = t.trim_start_matches("/v3.0/iam/apiKeys/k").parse().unwrap();
                json(200, &key(&format!("k{i}"), FORMS[i]))
            }
            ("POST", "/v3.0/iam/apiKeys") => json(
                207,
                r#"[{"status":201,"body":{"id":"n0","value":"s0","expiredDateTime":""}},
                    {"status":201,"body":{"id":"n1","value":"s1","expiredDateTime":null}},
                    {"status":201,"body":{"id":"n2","value":"s2"}}]"#,
            ),
            _ => json(400, ""),
        }
    })
    .await;
    let c = client(&srv.url, 0, Duration::from_secs(5));
    let cancel = CancellationToken::new();
    let listed = c.list_api_keys(&ListQuery::default(), &cancel).await.unwrap();
    assert_eq!(listed.len(), FORMS.len());
    for k in &listed {
        assert_eq!(
            (&k.expired_date_time, &k.last_used_date_time),
            (&None, &None),
            "{}",
            k.id
        );
        let got = c.get_api_key(&k.id, &cancel).await.unwrap().unwrap().0;
        assert_eq!(
            (got.expired_date_time, got.last_used_date_time),
            (None, None),
            "{}",
            k.id
        );
    }
    let created = c
        .create_api_keys(&[siem_key("n0"), siem_key("n1"), siem_key("n2")], &cancel)
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    for r in created {
        assert_eq!(r.unwrap().expired_date_time, None);
    }
}
