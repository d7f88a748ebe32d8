//! The Workload Security contract suite (`docs/contract/workload-security-api.md`), section by
//! section, over real HTTP against the emulator's `/api`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use visionone_emulator::{start, Config, Handle, WorkloadLogin};

const ADMIN: &str = "workload-contract-admin";
const DAY_MS: i64 = 86_400_000;

struct Emu {
    handle: Handle,
    http: Client,
    base: String,
}

async fn emu() -> Emu {
    emu_with("admin:s3cret:pw", None).await
}

async fn emu_with(login: &str, state_file: Option<std::path::PathBuf>) -> Emu {
    let handle = start(Config {
        admin_token: ADMIN.into(),
        state_file,
        workload_login: Some(WorkloadLogin::parse(login).unwrap()),
        ..Config::default()
    })
    .await
    .expect("start emulator");
    let base = handle.base_url();
    Emu {
        handle,
        http: Client::builder().timeout(Duration::from_secs(20)).build().unwrap(),
        base,
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// `(status, headers, body)`; a non-JSON body comes back as a string.
type Answer = (StatusCode, HeaderMap, Value);

impl Emu {
    /// A request under `/api` with `api-version: v1` and no credential.
    fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api{path}", self.base))
            .header("api-version", "v1")
    }

    /// A request authenticated with `secret` in `api-secret-key`.
    fn with(&self, secret: &str, method: Method, path: &str) -> RequestBuilder {
        self.bare(method, path).header("api-secret-key", secret)
    }

    fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.with(ADMIN, method, path)
    }

    async fn call(&self, rb: RequestBuilder) -> Answer {
        let resp = rb.send().await.expect("send");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, body)
    }

    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.http.request(method, format!("{}/_emulator{path}", self.base));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let (s, _, b) = self.call(rb).await;
        assert!(s.is_success(), "{path}: {s} {b}");
        b
    }

    /// Create a key as the admin; returns the answer body (with its secret).
    async fn key(&self, body: Value) -> Value {
        let (s, _, b) = self.call(self.admin(Method::POST, "/apikeys").json(&body)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b
    }

    async fn key_with_role(&self, name: &str, role: i64) -> (i64, String) {
        let b = self.key(json!({ "keyName": name, "roleID": role })).await;
        (b["ID"].as_i64().unwrap(), b["secretKey"].as_str().unwrap().to_string())
    }

    async fn advance(&self, seconds: i64) {
        self.control(Method::POST, "/clock", Some(json!({ "advanceSeconds": seconds })))
            .await;
    }

    /// Sign in; returns `(sID, RID)`.
    async fn sign_in(&self, body: Value) -> (String, String) {
        let (s, h, b) = self.call(self.bare(Method::POST, "/sessions").json(&body)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let cookie = h["set-cookie"].to_str().unwrap();
        let sid = cookie
            .split(';')
            .next()
            .and_then(|kv| kv.strip_prefix("sID="))
            .expect("sID cookie")
            .to_string();
        (sid, b["RID"].as_str().unwrap().to_string())
    }

    fn session(&self, sid: &str, rid: Option<&str>, method: Method, path: &str) -> RequestBuilder {
        let rb = self.bare(method, path).header("cookie", format!("sID={sid}"));
        match rid {
            Some(r) => rb.header("rID", r),
            None => rb,
        }
    }
}

fn message(b: &Value) -> &str {
    b["message"].as_str().unwrap_or("<no message>")
}

// ---------------------------------------------------------------------------------------------
// §1 Common rules
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_version_header_is_required_and_must_be_v1() {
    let e = emu().await;
    let url = format!("{}/api/apikeys", e.base);
    let (s, _, b) = e.call(e.http.get(&url).header("api-secret-key", ADMIN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&b).contains("api-version"), "{b}");
    let (s, _, b) = e
        .call(
            e.http
                .get(&url)
                .header("api-secret-key", ADMIN)
                .header("api-version", "v2"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&b).contains("v2"), "{b}");
    let (s, h, _) = e.call(e.admin(Method::GET, "/apikeys")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.contains_key("x-dsm-version"));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn both_auth_headers_and_no_bearer() {
    let e = emu().await;
    let (_, secret) = e.key_with_role("ci", 1).await;
    assert_eq!(e.call(e.with(&secret, Method::GET, "/apikeys")).await.0, StatusCode::OK);
    let as_apikey = e
        .bare(Method::GET, "/apikeys")
        .header("authorization", format!("ApiKey {secret}"));
    assert_eq!(e.call(as_apikey).await.0, StatusCode::OK);
    let bearer = e.bare(Method::GET, "/apikeys").bearer_auth(&secret);
    let (s, _, b) = e.call(bearer).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&b).contains("api-secret-key"), "{b}");
    let (s, _, b) = e.call(e.bare(Method::GET, "/apikeys")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let (s, _, b) = e.call(e.with("1:not-the-secret", Method::GET, "/apikeys")).await;
    assert_eq!((s, message(&b)), (StatusCode::UNAUTHORIZED, "Invalid API Key"));
    // A Vision One bearer key of this emulator does not open /api either.
    let (s, _, _) = e.call(e.bare(Method::GET, "/apikeys").bearer_auth(ADMIN)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_counts_as_a_failed_attempt_on_the_key_it_names() {
    let e = emu().await;
    let (id, secret) = e.key_with_role("ci", 1).await;
    let wrong = format!("{id}:AAAA");
    assert_eq!(
        e.call(e.with(&wrong, Method::GET, "/apikeys")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, _, b) = e.call(e.with(&secret, Method::GET, &format!("/apikeys/{id}"))).await;
    assert_eq!(b["unsuccessfulSignInAttempts"], 1, "{b}");
    e.handle.shutdown().await;
}

#[tokio::test]
async fn errors_are_message_bodies_and_unknown_paths_404() {
    let e = emu().await;
    let (s, _, b) = e.call(e.admin(Method::GET, "/apikeys/99999")).await;
    assert_eq!((s, message(&b)), (StatusCode::NOT_FOUND, "The API key does not exist."));
    let (s, _, b) = e.call(e.admin(Method::GET, "/apikeys/abc")).await;
    assert_eq!((s, message(&b)), (StatusCode::NOT_FOUND, "The API key does not exist."));
    let (s, _, b) = e.call(e.admin(Method::GET, "/computers")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert!(b["message"].is_string());
    let (s, _, _) = e.call(e.admin(Method::PUT, "/apikeys/1")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, _, b) = e
        .call(
            e.admin(Method::POST, "/apikeys")
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].is_string(), "{b}");
    e.handle.shutdown().await;
}

#[tokio::test]
async fn the_shared_rate_limit_answers_429_without_retry_after() {
    let e = emu().await;
    e.control(Method::POST, "/rate-limit", Some(json!({ "perMinute": 2 })))
        .await;
    for _ in 0..2 {
        assert_eq!(e.call(e.admin(Method::GET, "/roles")).await.0, StatusCode::OK);
    }
    let (s, h, b) = e.call(e.admin(Method::GET, "/roles")).await;
    assert_eq!(
        (s, message(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "Too many API requests")
    );
    assert!(!h.contains_key("retry-after"));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn shared_faults_and_call_log_cover_api() {
    let e = emu().await;
    e.control(
        Method::POST,
        "/faults",
        Some(json!({ "method": "POST", "path": "/api/apikeys", "kind": "500", "count": 1 })),
    )
    .await;
    let body = json!({ "keyName": "k", "roleID": 1 });
    let (s, _, b) = e.call(e.admin(Method::POST, "/apikeys").json(&body)).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(b["message"].is_string() && b.get("error").is_none(), "{b}");
    assert_eq!(
        e.call(e.admin(Method::POST, "/apikeys").json(&body)).await.0,
        StatusCode::OK
    );
    e.control(
        Method::POST,
        "/faults",
        Some(json!({ "path": "/api/", "kind": "lost-answer", "count": 1 })),
    )
    .await;
    assert!(e.admin(Method::POST, "/apikeys").json(&body).send().await.is_err());
    let calls = e.control(Method::GET, "/calls", None).await;
    let api: Vec<_> = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["path"] == "/api/apikeys")
        .map(|c| {
            (
                c["status"].as_u64().unwrap(),
                c["fault"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        api,
        vec![(500, "500".into()), (200, String::new()), (200, "lost-answer".into())]
    );
    // The lost answer's key was created all the same: two keys named "k".
    let keys = e.control(Method::GET, "/workload/keys", None).await;
    assert_eq!(keys["items"].as_array().unwrap().len(), 2);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn times_are_milliseconds_and_ids_integers() {
    let e = emu().await;
    let before = now_ms();
    let b = e.key(json!({ "keyName": "t", "roleID": 1 })).await;
    let after = now_ms();
    let created = b["created"].as_i64().unwrap();
    assert!(
        (before - 1000..=after + 1000).contains(&created),
        "{created} not in ms near {before}"
    );
    assert!(b["ID"].is_i64() && b["roleID"].is_i64(), "{b}");
    e.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// §2 API keys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_answers_200_with_a_secret_that_works_and_defaults() {
    let e = emu().await;
    let b = e.key(json!({ "keyName": "ci", "roleID": 3 })).await;
    let id = b["ID"].as_i64().unwrap();
    let secret = b["secretKey"].as_str().unwrap();
    let (prefix, rest) = secret.split_once(':').unwrap();
    assert_eq!(prefix, id.to_string());
    assert_eq!(rest.len(), 44, "base64 of 32 bytes: {rest}");
    assert_eq!(b["active"], true);
    assert_eq!(b["locale"], "en-US");
    assert_eq!(b["timeZone"], "America/New_York");
    assert_eq!(b["serviceAccount"], false);
    assert!(b.get("expiryDate").is_none(), "never expires: {b}");
    let (s, _, cur) = e.call(e.with(secret, Method::GET, "/apikeys/current")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cur["ID"], id);
    assert!(cur["lastSignIn"].is_i64());
    assert!(cur.get("secretKey").is_none());
    e.handle.shutdown().await;
}

#[tokio::test]
async fn create_with_every_field_and_names_need_not_be_unique() {
    let e = emu().await;
    let expiry = now_ms() + 30 * DAY_MS;
    let body = json!({ "keyName": "same", "description": "d", "roleID": 2, "locale": "ja-JP",
        "timeZone": "Asia/Tokyo", "active": true, "expiryDate": expiry });
    let a = e.key(body.clone()).await;
    let b = e.key(body).await;
    assert_ne!(a["ID"], b["ID"]);
    for k in [&a, &b] {
        assert_eq!(
            (
                &k["keyName"],
                &k["description"],
                &k["roleID"],
                &k["locale"],
                &k["timeZone"],
                &k["expiryDate"]
            ),
            (
                &json!("same"),
                &json!("d"),
                &json!(2),
                &json!("ja-JP"),
                &json!("Asia/Tokyo"),
                &json!(expiry)
            )
        );
    }
    e.handle.shutdown().await;
}

#[tokio::test]
async fn create_refuses_bad_input_naming_the_field() {
    let e = emu().await;
    let past = now_ms() - 1000;
    let cases = [
        (json!({ "roleID": 1 }), "keyName"),
        (json!({ "keyName": " ", "roleID": 1 }), "keyName"),
        (json!({ "keyName": "k" }), "roleID"),
        (json!({ "keyName": "k", "roleID": 99 }), "roleID 99"),
        (json!({ "keyName": "k", "roleID": 4 }), "web service"),
        (json!({ "keyName": "k", "roleID": "1" }), "roleID"),
        (json!({ "keyName": "k", "roleID": 1, "locale": "fr-FR" }), "locale"),
        (
            json!({ "keyName": "k", "roleID": 1, "timeZone": "Mars Time" }),
            "timeZone",
        ),
        (json!({ "keyName": "k", "roleID": 1, "expiryDate": past }), "expiryDate"),
        (
            json!({ "keyName": "k", "roleID": 1, "expiryDate": "tomorrow" }),
            "expiryDate",
        ),
        (json!({ "keyName": "k", "roleID": 1, "active": "yes" }), "active"),
        (json!({ "keyName": "k", "roleID": 1, "colour": "red" }), "colour"),
        (json!([]), "object"),
    ];
    for (body, field) in cases {
        let (s, _, b) = e.call(e.admin(Method::POST, "/apikeys").json(&body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {b}");
        assert!(message(&b).contains(field), "{body}: {b}");
    }
    let keys = e.control(Method::GET, "/workload/keys", None).await;
    assert!(keys["items"].as_array().unwrap().is_empty());
    e.handle.shutdown().await;
}

#[tokio::test]
async fn list_get_and_search_never_show_secrets() {
    let e = emu().await;
    let (id, _) = e.key_with_role("a", 1).await;
    e.key_with_role("b", 2).await;
    let (s, _, list) = e.call(e.admin(Method::GET, "/apikeys")).await;
    assert_eq!(s, StatusCode::OK);
    let keys = list["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.get("secretKey").is_none()));
    let (_, _, one) = e.call(e.admin(Method::GET, &format!("/apikeys/{id}"))).await;
    assert_eq!(one["keyName"], "a");
    assert!(one.get("secretKey").is_none());
    let (_, _, found) = e.call(e.admin(Method::POST, "/apikeys/search").json(&json!({}))).await;
    assert!(found["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("secretKey").is_none()));
    let dump = e.control(Method::GET, "/workload/keys", None).await;
    assert!(!dump.to_string().contains("secretKey"));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn modify_changes_only_the_fields_given() {
    let e = emu().await;
    let b = e
        .key(json!({ "keyName": "k", "description": "old", "roleID": 2, "timeZone": "Europe/Paris" }))
        .await;
    let id = b["ID"].as_i64().unwrap();
    let path = format!("/apikeys/{id}");
    let (s, _, m) = e
        .call(e.admin(Method::POST, &path).json(&json!({ "description": "new" })))
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(
        (&m["description"], &m["keyName"], &m["roleID"]),
        (&json!("new"), &json!("k"), &json!(2))
    );
    assert_eq!(m["timeZone"], "Europe/Paris");
    assert!(m.get("secretKey").is_none());
    let (_, _, m) = e
        .call(
            e.admin(Method::POST, &path)
                .json(&json!({ "roleID": 3, "keyName": "k2", "locale": "ja-JP" })),
        )
        .await;
    assert_eq!(
        (&m["roleID"], &m["keyName"], &m["locale"]),
        (&json!(3), &json!("k2"), &json!("ja-JP"))
    );
    let (_, _, got) = e.call(e.admin(Method::GET, &path)).await;
    assert_eq!((&got["description"], &got["roleID"]), (&json!("new"), &json!(3)));
    // A described key sent back whole is accepted: its read-only fields are ignored.
    let mut whole = got.clone();
    whole["description"] = json!("whole");
    let (s, _, m) = e.call(e.admin(Method::POST, &path).json(&whole)).await;
    assert_eq!((s, &m["description"]), (StatusCode::OK, &json!("whole")), "{m}");
    let (s, _, b) = e.call(e.admin(Method::POST, &path).json(&json!({ "roleID": 4 }))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _, _) = e.call(e.admin(Method::POST, "/apikeys/424242").json(&json!({}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn the_expiry_cannot_be_modified() {
    let e = emu().await;
    let expiry = now_ms() + DAY_MS;
    let b = e
        .key(json!({ "keyName": "k", "roleID": 1, "expiryDate": expiry }))
        .await;
    let path = format!("/apikeys/{}", b["ID"]);
    for change in [json!(expiry + 1), Value::Null] {
        let (s, _, m) = e
            .call(e.admin(Method::POST, &path).json(&json!({ "expiryDate": change })))
            .await;
        assert_eq!(
            (s, message(&m)),
            (StatusCode::BAD_REQUEST, "expiryDate cannot be modified")
        );
    }
    let (s, _, m) = e
        .call(e.admin(Method::POST, &path).json(&json!({ "expiryDate": expiry })))
        .await;
    assert_eq!((s, &m["expiryDate"]), (StatusCode::OK, &json!(expiry)));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn a_locked_out_key_gets_403_and_unlocks() {
    let e = emu().await;
    let (id, secret) = e.key_with_role("k", 1).await;
    let path = format!("/apikeys/{id}");
    e.call(e.admin(Method::POST, &path).json(&json!({ "active": false })))
        .await;
    let (s, _, b) = e.call(e.with(&secret, Method::GET, "/apikeys/current")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(message(&b).starts_with("Not authorized"), "{b}");
    e.call(e.admin(Method::POST, &path).json(&json!({ "active": true })))
        .await;
    assert_eq!(
        e.call(e.with(&secret, Method::GET, "/apikeys/current")).await.0,
        StatusCode::OK
    );
    e.handle.shutdown().await;
}

#[tokio::test]
async fn an_expired_key_gets_403_by_the_shared_clock_and_stays_listed() {
    let e = emu().await;
    let b = e
        .key(json!({ "keyName": "k", "roleID": 1, "expiryDate": now_ms() + 2 * DAY_MS }))
        .await;
    let secret = b["secretKey"].as_str().unwrap();
    assert_eq!(
        e.call(e.with(secret, Method::GET, "/apikeys/current")).await.0,
        StatusCode::OK
    );
    e.advance(3 * 86_400).await;
    let (s, _, m) = e.call(e.with(secret, Method::GET, "/apikeys/current")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(message(&m).contains("expired"), "{m}");
    let (_, _, list) = e.call(e.admin(Method::GET, "/apikeys")).await;
    assert_eq!(list["apiKeys"].as_array().unwrap().len(), 1);
    let dump = e.control(Method::GET, "/workload/keys", None).await;
    assert_eq!(dump["items"][0]["expired"], true);
    // The same clock judges a new expiry: "now + 1 day" in real time is now in the past.
    let (s, _, _) = e
        .call(
            e.admin(Method::POST, "/apikeys")
                .json(&json!({ "keyName": "x", "roleID": 1, "expiryDate": now_ms() + DAY_MS })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn delete_answers_200_empty_then_404_and_the_secret_stops() {
    let e = emu().await;
    let (id, secret) = e.key_with_role("k", 1).await;
    let path = format!("/apikeys/{id}");
    let (s, _, b) = e.call(e.admin(Method::DELETE, &path)).await;
    assert_eq!((s, b), (StatusCode::OK, Value::String(String::new())));
    let (s, _, b) = e.call(e.admin(Method::DELETE, &path)).await;
    assert_eq!((s, message(&b)), (StatusCode::NOT_FOUND, "The API key does not exist."));
    assert_eq!(e.call(e.admin(Method::GET, &path)).await.0, StatusCode::NOT_FOUND);
    let (s, _, b) = e.call(e.with(&secret, Method::GET, "/apikeys/current")).await;
    assert_eq!((s, message(&b)), (StatusCode::UNAUTHORIZED, "Invalid API Key"));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn a_new_secret_replaces_the_old_one_at_once() {
    let e = emu().await;
    let (id, old) = e.key_with_role("k", 1).await;
    let (s, _, b) = e.call(e.admin(Method::POST, &format!("/apikeys/{id}/secretkey"))).await;
    assert_eq!(s, StatusCode::OK);
    let new = b["secretKey"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(new.starts_with(&format!("{id}:")));
    assert_eq!(b["keyName"], "k");
    assert_eq!(
        e.call(e.with(&old, Method::GET, "/apikeys/current")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        e.call(e.with(&new, Method::GET, "/apikeys/current")).await.0,
        StatusCode::OK
    );
    let (s, _, _) = e.call(e.admin(Method::POST, "/apikeys/999/secretkey")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn the_current_key_reads_and_modifies_itself_but_not_its_role() {
    let e = emu().await;
    let (id, secret) = e.key_with_role("me", 2).await;
    let (s, _, b) = e
        .call(
            e.with(&secret, Method::POST, "/apikeys/current")
                .json(&json!({ "description": "mine" })),
        )
        .await;
    assert_eq!(
        (s, &b["description"], &b["ID"]),
        (StatusCode::OK, &json!("mine"), &json!(id))
    );
    let (s, _, _) = e
        .call(
            e.with(&secret, Method::POST, "/apikeys/current")
                .json(&json!({ "roleID": 1 })),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, b) = e
        .call(e.with(&secret, Method::POST, "/apikeys/current/secretkey"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let new = b["secretKey"].as_str().unwrap();
    assert_eq!(
        e.call(e.with(&secret, Method::GET, "/apikeys/current")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        e.call(e.with(new, Method::GET, "/apikeys/current")).await.0,
        StatusCode::OK
    );
    // The admin token is no listed key: it has no "current" key.
    assert_eq!(
        e.call(e.admin(Method::GET, "/apikeys/current")).await.0,
        StatusCode::NOT_FOUND
    );
    e.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// §3 Roles and rights
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn seeded_roles_and_which_keys_may_hold() {
    let e = emu().await;
    let (s, _, b) = e.call(e.admin(Method::GET, "/roles")).await;
    assert_eq!(s, StatusCode::OK);
    let roles: Vec<(i64, String, bool, bool)> = b["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ID"].as_i64().unwrap(),
                r["name"].as_str().unwrap().to_string(),
                r["immutable"].as_bool().unwrap(),
                r["allowWebService"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            (1, "Full Access".into(), true, true),
            (2, "Auditor".into(), true, true),
            (3, "Key Manager".into(), false, true),
            (4, "Console Only".into(), false, false),
        ]
    );
    let (_, _, auditor) = e.call(e.admin(Method::GET, "/roles/2")).await;
    let rights = &auditor["rights"]["platformRights"]["apikeyRights"];
    assert_eq!(rights["canViewApiKeys"], true);
    assert_eq!(rights["canCreateNewApiKeys"], false);
    let (s, _, b) = e.call(e.admin(Method::GET, "/roles/77")).await;
    assert_eq!((s, message(&b)), (StatusCode::NOT_FOUND, "The role does not exist."));
    e.handle.shutdown().await;
}

#[tokio::test]
async fn rights_decide_what_a_key_may_do() {
    let e = emu().await;
    let (_, auditor) = e.key_with_role("auditor", 2).await;
    let (_, manager) = e.key_with_role("manager", 3).await;
    let (victim, _) = e.key_with_role("victim", 1).await;
    let body = json!({ "keyName": "n", "roleID": 2 });
    assert_eq!(
        e.call(e.with(&auditor, Method::GET, "/apikeys")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        e.call(e.with(&auditor, Method::POST, "/roles/search")).await.0,
        StatusCode::OK
    );
    let (s, _, b) = e.call(e.with(&auditor, Method::POST, "/apikeys").json(&body)).await;
    assert_eq!(
        (s, message(&b)),
        (StatusCode::FORBIDDEN, "Not authorized to create API keys")
    );
    let edit = e
        .with(&auditor, Method::POST, &format!("/apikeys/{victim}"))
        .json(&json!({ "description": "x" }));
    assert_eq!(e.call(edit).await.0, StatusCode::FORBIDDEN);
    let (s, _, b) = e
        .call(e.with(&auditor, Method::DELETE, &format!("/apikeys/{victim}")))
        .await;
    assert_eq!(
        (s, message(&b)),
        (StatusCode::FORBIDDEN, "Not authorized to delete API keys")
    );
    let secret = e.with(&auditor, Method::POST, &format!("/apikeys/{victim}/secretkey"));
    assert_eq!(e.call(secret).await.0, StatusCode::FORBIDDEN);
    // The Key Manager may do all four.
    let (s, _, made) = e.call(e.with(&manager, Method::POST, "/apikeys").json(&body)).await;
    assert_eq!(s, StatusCode::OK, "{made}");
    let edit = e
        .with(&manager, Method::POST, &format!("/apikeys/{}", made["ID"]))
        .json(&json!({ "description": "x" }));
    assert_eq!(e.call(edit).await.0, StatusCode::OK);
    let del = e.with(&manager, Method::DELETE, &format!("/apikeys/{}", made["ID"]));
    assert_eq!(e.call(del).await.0, StatusCode::OK);
    e.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// §4 Search filters
// ---------------------------------------------------------------------------------------------

async fn role_names(e: &Emu, filter: Value) -> Vec<String> {
    let (s, _, b) = e.call(e.admin(Method::POST, "/roles/search").json(&filter)).await;
    assert_eq!(s, StatusCode::OK, "{filter}: {b}");
    b["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn string_criteria_with_wildcards_on_by_default() {
    let e = emu().await;
    let crit = |v: Value| json!({ "searchCriteria": [v] });
    let exact =
        crit(json!({"fieldName": "name", "stringTest": "equal", "stringValue": "Auditor", "stringWildcards": false}));
    assert_eq!(role_names(&e, exact).await, ["Auditor"]);
    // Wildcards default to on: `%` and `_` match.
    let wild = crit(json!({"fieldName": "name", "stringTest": "equal", "stringValue": "%Access"}));
    assert_eq!(role_names(&e, wild).await, ["Full Access"]);
    let one = crit(json!({"fieldName": "name", "stringValue": "Audito_"}));
    assert_eq!(role_names(&e, one).await, ["Auditor"]);
    // Off: the same pattern is literal.
    let literal = crit(json!({"fieldName": "name", "stringValue": "%Access", "stringWildcards": false}));
    assert!(role_names(&e, literal).await.is_empty());
    let not = crit(json!({"fieldName": "name", "stringTest": "not-equal", "stringValue": "%o%"}));
    assert_eq!(role_names(&e, not).await, ["Full Access", "Key Manager"]);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn criteria_are_anded_and_typed() {
    let e = emu().await;
    let f = json!({ "searchCriteria": [
        {"fieldName": "allowWebService", "booleanTest": true},
        {"fieldName": "immutable", "booleanTest": false}
    ]});
    assert_eq!(role_names(&e, f).await, ["Key Manager"]);
    let (a, _) = e.key_with_role("alpha", 2).await;
    let (b, _) = e.key_with_role("beta", 3).await;
    let search = |f: Value| e.call(e.admin(Method::POST, "/apikeys/search").json(&f));
    let ids = |v: Value| -> Vec<i64> {
        v["apiKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["ID"].as_i64().unwrap())
            .collect()
    };
    let (_, _, r) =
        search(json!({"searchCriteria": [{"fieldName": "roleID", "numericTest": "equal", "numericValue": 3}]})).await;
    assert_eq!(ids(r), [b]);
    let (_, _, r) = search(json!({"searchCriteria": [{"fieldName": "expiryDate", "nullTest": true}]})).await;
    assert_eq!(ids(r), [a, b]);
    let (_, _, r) = search(json!({"searchCriteria": [{"fieldName": "keyName", "stringValue": "a%"}]})).await;
    assert_eq!(ids(r), [a]);
    let (_, _, r) =
        search(json!({"searchCriteria": [{"fieldName": "created", "firstDateValue": now_ms() - 60_000}]})).await;
    assert_eq!(ids(r), [a, b]);
    let (_, _, r) =
        search(json!({"searchCriteria": [{"fieldName": "created", "lastDateValue": now_ms() - 60_000}]})).await;
    assert!(ids(r).is_empty());
    e.handle.shutdown().await;
}

#[tokio::test]
async fn paging_by_id_with_max_items() {
    let e = emu().await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(e.key_with_role(&format!("k{i}"), 1).await.0);
    }
    let mut seen = Vec::new();
    let mut last = 0;
    loop {
        let f = json!({"maxItems": 2, "sortByObjectID": true,
            "searchCriteria": [{"idTest": "greater-than", "idValue": last}]});
        let (_, _, b) = e.call(e.admin(Method::POST, "/apikeys/search").json(&f)).await;
        let page: Vec<i64> = b["apiKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["ID"].as_i64().unwrap())
            .collect();
        assert!(page.len() <= 2);
        match page.last() {
            Some(l) => last = *l,
            None => break,
        }
        seen.extend(page);
    }
    assert_eq!(seen, made);
    e.handle.shutdown().await;
}

#[tokio::test]
async fn bad_filters_are_400_invalid_searchfilter() {
    let e = emu().await;
    let cases = [
        (
            json!({"searchCriteria": [{"fieldName": "colour", "stringValue": "x"}]}),
            "unknown fieldName: colour",
        ),
        (
            json!({"searchCriteria": [{"fieldName": "name", "booleanTest": true}]}),
            "booleanTest",
        ),
        (json!({"searchCriteria": [{"fieldName": "name"}]}), "exactly one test"),
        (
            json!({"searchCriteria": [{"fieldName": "name", "stringTest": "like", "stringValue": "x"}]}),
            "stringTest",
        ),
        (json!({"maxItems": 5001}), "maxItems"),
        (json!({"maxItems": 0}), "maxItems"),
        (json!({"searchCriteria": "name"}), ""),
    ];
    for (f, says) in cases {
        let (s, _, b) = e.call(e.admin(Method::POST, "/roles/search").json(&f)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{f}: {b}");
        assert!(message(&b).starts_with("Invalid SearchFilter: "), "{f}: {b}");
        assert!(message(&b).contains(says), "{f}: {b}");
    }
    // No body at all searches everything.
    let (s, _, b) = e.call(e.admin(Method::POST, "/roles/search")).await;
    assert_eq!((s, b["roles"].as_array().map(Vec::len)), (StatusCode::OK, Some(4)));
    e.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// §5 Sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_session_creates_the_first_key_then_ends() {
    let e = emu().await;
    let (s, h, b) = e
        .call(
            e.bare(Method::POST, "/sessions")
                .json(&json!({"userName": "admin", "password": "s3cret:pw"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("sID=") && cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(
        (&b["administratorID"], &b["accessType"]),
        (&json!(1), &json!("webService"))
    );
    assert!(b["created"].is_i64() && b["lastActivity"].is_i64() && b["RID"].is_string());
    let (sid, rid) = e.sign_in(json!({"userName": "admin", "password": "s3cret:pw"})).await;
    let body = json!({"keyName": "first", "roleID": 1});
    let (s, _, key) = e
        .call(e.session(&sid, Some(&rid), Method::POST, "/apikeys").json(&body))
        .await;
    assert_eq!(s, StatusCode::OK, "{key}");
    let secret = key["secretKey"].as_str().unwrap();
    assert_eq!(
        e.call(e.with(secret, Method::GET, "/apikeys/current")).await.0,
        StatusCode::OK
    );
    // The cookie alone is not enough.
    assert_eq!(
        e.call(e.session(&sid, None, Method::GET, "/apikeys")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        e.call(e.session(&sid, Some("0000"), Method::GET, "/apikeys")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(e.control(Method::GET, "/workload/sessions", None).await["open"], 2);
    let (s, _, _) = e
        .call(e.session(&sid, Some(&rid), Method::DELETE, "/sessions/current"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        e.call(e.session(&sid, Some(&rid), Method::GET, "/apikeys")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(e.control(Method::GET, "/workload/sessions", None).await["open"], 1);
    // Ending a session needs one.
    assert_eq!(
        e.call(e.admin(Method::DELETE, "/sessions/current")).await.0,
        StatusCode::BAD_REQUEST
    );
    e.handle.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_or_tenant_is_401() {
    let e = emu().await;
    for body in [
        json!({"userName": "admin", "password": "wrong"}),
        json!({"userName": "root", "password": "s3cret:pw"}),
        json!({"userName": "admin", "password": "s3cret:pw", "tenantName": "Acme"}),
    ] {
        let (s, h, b) = e.call(e.bare(Method::POST, "/sessions").json(&body)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}: {b}");
        assert!(!h.contains_key("set-cookie"));
        assert!(!b.to_string().contains("s3cret"));
    }
    let (s, _, _) = e
        .call(e.bare(Method::POST, "/sessions").json(&json!({"userName": "admin"})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    e.handle.shutdown().await;

    let t = emu_with("Acme/admin:pw", None).await;
    let (s, _, _) = t
        .call(
            t.bare(Method::POST, "/sessions")
                .json(&json!({"userName": "admin", "password": "pw"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    t.sign_in(json!({"userName": "admin", "password": "pw", "tenantName": "Acme"}))
        .await;
    t.handle.shutdown().await;
}

#[tokio::test]
async fn a_session_idles_out_after_30_minutes() {
    let e = emu().await;
    let (sid, rid) = e.sign_in(json!({"userName": "admin", "password": "s3cret:pw"})).await;
    e.advance(29 * 60).await;
    assert_eq!(
        e.call(e.session(&sid, Some(&rid), Method::GET, "/roles")).await.0,
        StatusCode::OK
    );
    e.advance(29 * 60).await;
    assert_eq!(
        e.call(e.session(&sid, Some(&rid), Method::GET, "/roles")).await.0,
        StatusCode::OK
    );
    e.advance(31 * 60).await;
    let (s, _, b) = e.call(e.session(&sid, Some(&rid), Method::GET, "/roles")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&b).contains("timed out"), "{b}");
    e.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// §6 The emulator: admin token, reset, state file
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn control_tokens_are_full_access_secrets_and_reset_clears_keys() {
    let e = emu().await;
    e.control(Method::POST, "/tokens", Some(json!({"token": "extra-admin"})))
        .await;
    let body = json!({"keyName": "k", "roleID": 1});
    assert_eq!(
        e.call(e.with("extra-admin", Method::POST, "/apikeys").json(&body))
            .await
            .0,
        StatusCode::OK
    );
    e.control(Method::POST, "/reset", None).await;
    let (_, _, list) = e.call(e.admin(Method::GET, "/apikeys")).await;
    assert!(list["apiKeys"].as_array().unwrap().is_empty());
    // The sign-in survives a reset; sessions do not.
    e.sign_in(json!({"userName": "admin", "password": "s3cret:pw"})).await;
    e.handle.shutdown().await;
}

#[tokio::test]
async fn the_state_file_keeps_workload_keys_and_their_secrets() {
    let dir = std::env::temp_dir().join(format!("wl-state-{}-{}", std::process::id(), now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let e = emu_with("admin:pw", Some(file.clone())).await;
    let (id, secret) = e.key_with_role("kept", 3).await;
    e.handle.shutdown().await;
    let e = emu_with("admin:pw", Some(file.clone())).await;
    let (s, _, b) = e.call(e.with(&secret, Method::GET, "/apikeys/current")).await;
    assert_eq!(
        (s, &b["ID"], &b["keyName"]),
        (StatusCode::OK, &json!(id), &json!("kept"))
    );
    let next = e.key_with_role("next", 1).await.0;
    assert!(next > id, "ids keep counting after a restart");
    e.handle.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
