//! The emulator contract suite: `docs/contract/visionone-api.md` section by section, over real HTTP.

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use visionone_emulator::{start, Config, Handle};

const ADMIN: &str = "contract-admin";

struct Emu {
    handle: Handle,
    http: Client,
    base: String,
}

async fn emu() -> Emu {
    emu_with(None).await
}

async fn emu_with(state_file: Option<std::path::PathBuf>) -> Emu {
    let handle = start(Config {
        admin_token: ADMIN.into(),
        state_file,
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

impl Emu {
    fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let rb = self.http.request(method, url);
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.req(method, &format!("/v3.0{path}"), Some(ADMIN))
    }

    async fn call(&self, rb: RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let resp = rb.send().await.expect("send");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, body)
    }

    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rb = self.req(method, &format!("/_emulator{path}"), None);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let (s, _, b) = self.call(rb).await;
        (s, b)
    }

    /// Create keys in one batch; returns the 207 entries.
    async fn create_keys(&self, token: &str, items: Value) -> Vec<Value> {
        let rb = self.req(Method::POST, "/v3.0/iam/apiKeys", Some(token)).json(&items);
        let (s, _, b) = self.call(rb).await;
        assert_eq!(s, StatusCode::MULTI_STATUS, "{b}");
        b.as_array().unwrap().clone()
    }

    /// Create one key; returns (id, secret).
    async fn key(&self, name: &str, role: &str) -> (String, String) {
        let e = self.create_keys(ADMIN, json!([{ "name": name, "role": role }])).await;
        assert_eq!(e[0]["status"], 201, "{e:?}");
        (
            e[0]["body"]["id"].as_str().unwrap().to_string(),
            e[0]["body"]["value"].as_str().unwrap().to_string(),
        )
    }

    async fn role(&self, name: &str, perms: &[&str], keys: bool, users: bool) -> String {
        let (s, h, b) = self
            .call(self.api(Method::POST, "/iam/roles").json(&json!({
                "name": name, "description": "d", "permissionKeys": perms,
                "allowApiKeyAssignment": keys, "allowUserAccountAssignment": users
            })))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let id = b["id"].as_str().unwrap().to_string();
        assert_eq!(h["location"], format!("/v3.0/iam/roles/{id}").as_str());
        id
    }

    /// Follow `nextLink` from `first`, re-sending `filter`; returns every item.
    async fn list_all(&self, first: &str, filter: Option<&str>) -> Vec<Value> {
        let mut url = format!("{}/v3.0{first}", self.base);
        let mut items = Vec::new();
        for _ in 0..100 {
            let mut rb = self.req(Method::GET, &url, Some(ADMIN));
            if let Some(f) = filter {
                rb = rb.header("TMV1-Filter", f);
            }
            let (s, _, b) = self.call(rb).await;
            assert_eq!(s, StatusCode::OK, "{b}");
            items.extend(b["items"].as_array().unwrap().iter().cloned());
            match b["nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => return items,
            }
        }
        panic!("pagination did not end");
    }

    async fn calls(&self) -> Vec<Value> {
        let (_, b) = self.control(Method::GET, "/calls", None).await;
        b["items"].as_array().unwrap().clone()
    }
}

fn code(b: &Value) -> &str {
    b["error"]["code"].as_str().unwrap_or("<none>")
}

// ---------------------------------------------------------------------------------------------
// §1 Common rules: auth, health, errors, limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_needs_a_credential() {
    let e = emu().await;
    let (s, h, b) = e.call(e.api(Method::GET, "/healthcheck/connectivity")).await;
    assert_eq!((s, b), (StatusCode::OK, json!({"status": "available"})));
    assert!(h.contains_key("x-trace-id"));
    for token in [None, Some("wrong"), Some("")] {
        let (s, h, b) = e
            .call(e.req(Method::GET, "/v3.0/healthcheck/connectivity", token))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(code(&b), "InvalidCredentials");
        assert!(h.contains_key("x-trace-id"));
    }
    let basic = e
        .req(Method::GET, "/v3.0/healthcheck/connectivity", None)
        .header("Authorization", format!("Basic {ADMIN}"));
    assert_eq!(e.call(basic).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn keys_authenticate_until_disabled_or_expired() {
    let e = emu().await;
    let entries = e
        .create_keys(
            ADMIN,
            json!([{ "name": "short", "role": "Auditor", "monthsToExpiration": 1 }]),
        )
        .await;
    let secret = entries[0]["body"]["value"].as_str().unwrap().to_string();
    let id = entries[0]["body"]["id"].as_str().unwrap().to_string();
    let (_, _, before) = e.call(e.api(Method::GET, &format!("/iam/apiKeys/{id}"))).await;
    assert_eq!(before["lastUsedDateTime"], "", "never used: an empty string, not null");
    let health = |t: &str| e.req(Method::GET, "/v3.0/healthcheck/connectivity", Some(t));
    assert_eq!(e.call(health(&secret)).await.0, StatusCode::OK);
    let (_, _, after) = e.call(e.api(Method::GET, &format!("/iam/apiKeys/{id}"))).await;
    assert!(after["lastUsedDateTime"].as_str().unwrap().ends_with('Z'));

    // Expired by the emulator clock: 401, yet still listed.
    let (s, b) = e
        .control(Method::POST, "/clock", Some(json!({"advanceSeconds": 31 * 86_400})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, h, b) = e.call(health(&secret)).await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "InvalidCredentials"));
    let server_date = httpdate::parse_http_date(h["date"].to_str().unwrap()).unwrap();
    let expiry = time::OffsetDateTime::parse(
        after["expiredDateTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let server_secs = server_date.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!(
        server_secs > expiry.unix_timestamp(),
        "Date header follows the emulator clock"
    );
    assert_eq!(e.list_all("/iam/apiKeys", None).await.len(), 1);

    // Disabled: 401.
    let (_, other) = e.key("other", "SIEM").await;
    assert_eq!(e.call(health(&other)).await.0, StatusCode::OK);
    let ids = e.list_all("/iam/apiKeys", Some("name eq 'other'")).await;
    let other_id = ids[0]["id"].as_str().unwrap();
    let (s, _, _) = e
        .call(
            e.api(Method::PATCH, &format!("/iam/apiKeys/{other_id}"))
                .json(&json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(e.call(health(&other)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn role_permissions_are_enforced() {
    let e = emu().await;
    let (_, auditor) = e.key("auditor", "Auditor").await;
    let list = e.req(Method::GET, "/v3.0/iam/apiKeys", Some(&auditor));
    assert_eq!(e.call(list).await.0, StatusCode::OK);
    let (s, _, b) = e
        .call(
            e.req(Method::POST, "/v3.0/iam/apiKeys", Some(&auditor))
                .json(&json!([{ "name": "x", "role": "SIEM" }])),
        )
        .await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "AccessDenied"));
    assert_eq!(e.list_all("/iam/apiKeys", None).await.len(), 1, "nothing created");

    // SIEM has no IAM permission at all.
    let (_, siem) = e.key("siem", "SIEM").await;
    let (s, _, b) = e.call(e.req(Method::GET, "/v3.0/iam/roles", Some(&siem))).await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "AccessDenied"));
    assert_eq!(
        e.call(e.req(Method::GET, "/v3.0/healthcheck/connectivity", Some(&siem)))
            .await
            .0,
        StatusCode::OK
    );

    // A custom role that may manage keys does so.
    e.role("KeyManager", &["iam.apiKeys.view", "iam.apiKeys.manage"], true, false)
        .await;
    let (_, manager) = e.key("manager", "KeyManager").await;
    let entries = e
        .create_keys(&manager, json!([{ "name": "made-by-manager", "role": "SIEM" }]))
        .await;
    assert_eq!(entries[0]["status"], 201);
    let (s, _, _) = e.call(e.req(Method::GET, "/v3.0/iam/accounts", Some(&manager))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extra_admin_tokens() {
    let e = emu().await;
    let (s, _) = e
        .control(Method::POST, "/tokens", Some(json!({"token": "second-admin"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let entries = e
        .create_keys("second-admin", json!([{ "name": "via-second", "role": "Operator" }]))
        .await;
    assert_eq!(entries[0]["status"], 201);
    let keys = e.list_all("/iam/apiKeys", None).await;
    assert_eq!(keys.len(), 1, "admin tokens are not listed keys");
}

#[tokio::test]
async fn error_shapes() {
    let e = emu().await;
    let (s, h, b) = e.call(e.api(Method::GET, "/iam/nothing")).await;
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "NotFound"));
    assert!(h.contains_key("x-trace-id"));
    let (s, _, b) = e.call(e.req(Method::GET, "/elsewhere", None)).await;
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "NotFound"));
    let (s, _, _) = e.call(e.api(Method::DELETE, "/iam/apiKeys/some-id")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, _, b) = e
        .call(
            e.api(Method::POST, "/iam/apiKeys")
                .body("[{not json")
                .header("content-type", "application/json"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["error"]["message"].as_str().unwrap().contains("JSON"));
    let (s, _, b) = e.call(e.api(Method::GET, "/iam/apiKeys/does-not-exist")).await;
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "NotFound"));
}

#[tokio::test]
async fn bodies_over_one_megabyte_get_413() {
    let e = emu().await;
    let big = format!("[{{\"name\":\"{}\",\"role\":\"SIEM\"}}]", "x".repeat(1024 * 1024 + 10));
    let (s, _, b) = e.call(e.api(Method::POST, "/iam/apiKeys").body(big)).await;
    assert_eq!((s, code(&b)), (StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge"));
    // Just under the limit is parsed (and the over-long name refused per item).
    let ok = format!("[{{\"name\":\"{}\",\"role\":\"SIEM\"}}]", "x".repeat(1000 * 1000));
    let (s, _, b) = e.call(e.api(Method::POST, "/iam/apiKeys").body(ok)).await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(b[0]["status"], 400);
}

#[tokio::test]
async fn timestamps_are_utc_seconds_with_z() {
    let e = emu().await;
    let (s, b) = e
        .control(Method::POST, "/clock", Some(json!({"set": "2026-12-01T10:00:00Z"})))
        .await;
    assert_eq!((s, b["now"].as_str()), (StatusCode::OK, Some("2026-12-01T10:00:00Z")));
    let entries = e
        .create_keys(ADMIN, json!([{ "name": "k", "role": "SIEM", "monthsToExpiration": 3 }]))
        .await;
    let exp = entries[0]["body"]["expiredDateTime"].as_str().unwrap();
    assert!(exp.starts_with("2027-03-01T10:00:0"), "{exp}");
    let key = &e.list_all("/iam/apiKeys", None).await[0];
    let created = key["createdDateTime"].as_str().unwrap();
    assert!(created.starts_with("2026-12-01T10:00:0") && created.ends_with('Z') && created.len() == 20);
}

// ---------------------------------------------------------------------------------------------
// Lists: top, orderBy, nextLink, TMV1-Filter
// ---------------------------------------------------------------------------------------------

async fn many_keys(e: &Emu, n: usize, prefix: &str) {
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i:04}")).collect();
    for chunk in names.chunks(50) {
        let items: Vec<Value> = chunk.iter().map(|n| json!({"name": n, "role": "SIEM"})).collect();
        let entries = e.create_keys(ADMIN, Value::Array(items)).await;
        assert!(entries.iter().all(|x| x["status"] == 201));
    }
}

#[tokio::test]
async fn pagination_with_next_link() {
    let e = emu().await;
    many_keys(&e, 120, "page-").await;
    let (s, _, b) = e
        .call(e.api(Method::GET, "/iam/apiKeys").header("Host", "tenant.example:1234"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["items"].as_array().unwrap().len(), 50, "default top is 50");
    assert_eq!((b["count"].as_u64(), b["totalCount"].as_u64()), (Some(50), Some(120)));
    let next = b["nextLink"].as_str().unwrap();
    assert!(
        next.starts_with("http://tenant.example:1234/v3.0/iam/apiKeys?"),
        "{next}"
    );
    assert!(next.contains("skipToken="));

    let all = e.list_all("/iam/apiKeys?top=50", None).await;
    let mut names: Vec<&str> = all.iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 120);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 120, "no duplicates across pages");
    for k in &all {
        assert!(k.get("value").is_none(), "secrets never listed");
    }

    let (_, _, last) = e.call(e.api(Method::GET, "/iam/apiKeys?top=200")).await;
    assert_eq!(last["items"].as_array().unwrap().len(), 120);
    assert!(last.get("nextLink").is_none(), "no nextLink on the last page");

    for bad in [
        "top=10",
        "top=abc",
        "orderBy=name%20asc",
        "orderBy=createdDateTime%20up",
        "skipToken=zz",
    ] {
        let (s, _, b) = e.call(e.api(Method::GET, &format!("/iam/apiKeys?{bad}"))).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "InvalidParameterValue"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn order_by_and_deletes_between_pages() {
    let e = emu().await;
    many_keys(&e, 60, "o-").await;
    // Make one key the most recently modified.
    let first = e.list_all("/iam/apiKeys", Some("name eq 'o-0003'")).await;
    let id = first[0]["id"].as_str().unwrap();
    e.control(Method::POST, "/clock", Some(json!({"advanceSeconds": 5})))
        .await;
    e.call(
        e.api(Method::PATCH, &format!("/iam/apiKeys/{id}"))
            .json(&json!({"description": "touched"})),
    )
    .await;
    let (_, _, b) = e
        .call(e.api(Method::GET, "/iam/apiKeys?orderBy=lastModifiedDateTime%20desc"))
        .await;
    assert_eq!(b["items"][0]["name"], "o-0003");
    let next = b["nextLink"].as_str().unwrap();
    assert!(next.contains("orderBy=lastModifiedDateTime%20desc"), "{next}");

    // Deleting rows already seen does not make the next page skip any.
    let seen: Vec<Value> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| json!({"id": k["id"]}))
        .collect();
    let (s, _, _) = e
        .call(e.api(Method::POST, "/iam/apiKeys/delete").json(&seen[..10]))
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    let (_, _, b2) = e.call(e.req(Method::GET, next, Some(ADMIN))).await;
    assert_eq!(b2["items"].as_array().unwrap().len(), 10);
    assert_eq!(b2["totalCount"], 50);
}

#[tokio::test]
async fn filters() {
    let e = emu().await;
    e.key("O'Brien", "SIEM").await;
    e.key("alpha", "SOAR").await;
    e.key("beta", "SOAR").await;
    let names = |items: Vec<Value>| {
        let mut v: Vec<String> = items.iter().map(|k| k["name"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        names(e.list_all("/iam/apiKeys", Some("name eq 'O''Brien'")).await),
        ["O'Brien"]
    );
    assert_eq!(
        names(e.list_all("/iam/apiKeys", Some("role eq 'SOAR'")).await),
        ["alpha", "beta"]
    );
    assert_eq!(
        names(
            e.list_all("/iam/apiKeys", Some("NOT (role eq 'SOAR') OR name eq 'beta'"))
                .await
        ),
        ["O'Brien", "beta"]
    );
    assert_eq!(
        names(
            e.list_all(
                "/iam/apiKeys",
                Some("role eq 'SOAR' and status eq 'enabled' and not name eq 'alpha'")
            )
            .await
        ),
        ["beta"]
    );
    for bad in ["name eq alpha", "secret eq 'x'", "name eq 'a' and", "(name eq 'a'"] {
        let (s, _, b) = e
            .call(e.api(Method::GET, "/iam/apiKeys").header("TMV1-Filter", bad))
            .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "InvalidParameterValue"),
            "{bad}"
        );
    }
    let long = vec!["name eq 'abcdefgh'"; 60].join(" or ");
    assert!(long.len() > 1024);
    let (s, _, _) = e
        .call(e.api(Method::GET, "/iam/apiKeys").header("TMV1-Filter", &long))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The filter is re-sent on each page, not encoded in nextLink.
    many_keys(&e, 70, "f-").await;
    let (_, _, b) = e
        .call(
            e.api(Method::GET, "/iam/apiKeys")
                .header("TMV1-Filter", "role eq 'SIEM'"),
        )
        .await;
    assert_eq!(b["totalCount"], 71);
    assert!(!b["nextLink"].as_str().unwrap().contains("SIEM"));
    assert_eq!(e.list_all("/iam/apiKeys", Some("role eq 'SIEM'")).await.len(), 71);
}

#[tokio::test]
async fn a_thousand_keys_made_in_parallel_all_list() {
    let e = emu().await;
    let mut tasks = Vec::new();
    for t in 0..20 {
        let http = e.http.clone();
        let base = e.base.clone();
        tasks.push(tokio::spawn(async move {
            let items: Vec<Value> = (0..50)
                .map(|i| json!({"name": format!("load-{t}-{i}"), "role": "SIEM"}))
                .collect();
            let r = http
                .post(format!("{base}/v3.0/iam/apiKeys"))
                .bearer_auth(ADMIN)
                .json(&items)
                .send()
                .await
                .unwrap();
            let v: Value = r.json().await.unwrap();
            v.as_array().unwrap().iter().filter(|x| x["status"] == 201).count()
        }));
    }
    let mut made = 0;
    for t in tasks {
        made += t.await.unwrap();
    }
    assert_eq!(made, 1000);
    // How fast is for the benchmark (tests/bench); here only that every key is there.
    let all = e.list_all("/iam/apiKeys?top=200", None).await;
    assert_eq!(all.len(), 1000);
}

// ---------------------------------------------------------------------------------------------
// ETags
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn etags_and_if_match() {
    let e = emu().await;
    let (id, _) = e.key("etag", "SIEM").await;
    let path = format!("/iam/apiKeys/{id}");
    let (_, h, _) = e.call(e.api(Method::GET, &path)).await;
    let etag = h["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2, "{etag}");

    let patch = |m: &str| {
        e.api(Method::PATCH, &path)
            .header("If-Match", m)
            .json(&json!({"description": "one"}))
    };
    assert_eq!(e.call(patch(&etag)).await.0, StatusCode::NO_CONTENT);
    let (s, _, b) = e.call(patch(&etag)).await;
    assert_eq!((s, code(&b)), (StatusCode::PRECONDITION_FAILED, "PreconditionFailed"));

    let (_, h2, b2) = e.call(e.api(Method::GET, &path)).await;
    assert_eq!(b2["description"], "one");
    let etag2 = h2["etag"].to_str().unwrap().to_string();
    assert_ne!(etag, etag2, "ETag changes on every modification");
    assert_eq!(
        e.call(patch(etag2.trim_matches('"'))).await.0,
        StatusCode::NO_CONTENT,
        "unquoted form"
    );
    let no_if_match = e.api(Method::PATCH, &path).json(&json!({"name": "etag-renamed"}));
    assert_eq!(
        e.call(no_if_match).await.0,
        StatusCode::NO_CONTENT,
        "absent If-Match accepted"
    );

    // Roles too.
    let rid = e.role("EtagRole", &["workbench.view"], true, true).await;
    let rpath = format!("/iam/roles/{rid}");
    let (_, h, _) = e.call(e.api(Method::GET, &rpath)).await;
    let r_etag = h["etag"].to_str().unwrap().to_string();
    let rpatch = |m: &str| {
        e.api(Method::PATCH, &rpath)
            .header("If-Match", m)
            .json(&json!({"description": "x"}))
    };
    assert_eq!(e.call(rpatch(&r_etag)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(e.call(rpatch(&r_etag)).await.0, StatusCode::PRECONDITION_FAILED);
}

// ---------------------------------------------------------------------------------------------
// §2 API keys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn batch_create_per_item_outcomes() {
    let e = emu().await;
    e.role("NoKeys", &["workbench.view"], false, true).await;
    let entries = e
        .create_keys(
            ADMIN,
            json!([
                {"name": "ok", "role": "SIEM", "description": "fine", "monthsToExpiration": 12},
                {"name": "ok", "role": "SIEM"},
                {"name": "ghost-role", "role": "No Such Role"},
                {"name": "master", "role": "Master Administrator"},
                {"name": "nokeys", "role": "NoKeys"},
                {"name": "months", "role": "SIEM", "monthsToExpiration": 2},
                {"name": "never", "role": "SIEM", "monthsToExpiration": 0, "status": "disabled"},
                {"role": "SIEM"},
                "not an object"
            ]),
        )
        .await;
    let statuses: Vec<u64> = entries.iter().map(|x| x["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 409, 400, 400, 400, 400, 201, 400, 400]);
    assert_eq!(code(&entries[1]["body"]), "Conflict");
    for i in [2, 3, 4, 5] {
        assert_eq!(code(&entries[i]["body"]), "InvalidParameterValue", "{}", entries[i]);
    }
    let ok = &entries[0]["body"];
    assert!(ok["value"].as_str().unwrap().len() >= 32);
    assert!(ok["expiredDateTime"].is_string());
    assert_eq!(
        entries[6]["body"]["expiredDateTime"], "",
        "never expires: an empty string"
    );

    let (s, _, b) = e
        .call(e.api(Method::GET, &format!("/iam/apiKeys/{}", ok["id"].as_str().unwrap())))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (b["name"].as_str(), b["role"].as_str(), b["status"].as_str()),
        (Some("ok"), Some("SIEM"), Some("enabled"))
    );
    assert_eq!(b["description"], "fine");
    assert!(b.get("value").is_none());
    assert_eq!(b["lastUsedDateTime"], "");

    let too_many: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("n{i}"), "role": "SIEM"}))
        .collect();
    let (s, _, b) = e.call(e.api(Method::POST, "/iam/apiKeys").json(&too_many)).await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "InvalidParameterValue"));
    let (s, _, _) = e
        .call(
            e.api(Method::POST, "/iam/apiKeys")
                .json(&json!({"name": "x", "role": "SIEM"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the body must be an array");
    assert_eq!(e.list_all("/iam/apiKeys", None).await.len(), 2);
}

/// The key shapes Trend's SDK (`pytmv1` 0.11.0) parses: in the 207 entries, the list (with `count`
/// and `totalCount`) and the single get, `expiredDateTime` and `lastUsedDateTime` are always
/// strings (`""` for "never"), and `description` is always present (a string or null).
#[tokio::test]
async fn key_shapes_never_carry_null_timestamps() {
    let e = emu().await;
    let entries = e
        .create_keys(
            ADMIN,
            json!([
                {"name": "forever", "role": "SIEM"},
                {"name": "yearly", "role": "SIEM", "monthsToExpiration": 12, "description": "d"}
            ]),
        )
        .await;
    assert_eq!(entries[0]["body"]["expiredDateTime"], "");
    assert!(entries[1]["body"]["expiredDateTime"].as_str().unwrap().ends_with('Z'));
    let (s, _, page) = e.call(e.api(Method::GET, "/iam/apiKeys?top=50")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (page["count"].as_u64(), page["totalCount"].as_u64()),
        (Some(2), Some(2))
    );
    let mut seen = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let (_, _, got) = e
            .call(e.api(Method::GET, &format!("/iam/apiKeys/{}", item["id"].as_str().unwrap())))
            .await;
        for k in [item, &got] {
            for field in ["id", "name", "role", "status", "expiredDateTime", "lastUsedDateTime"] {
                assert!(k[field].is_string(), "{field} must be a string: {k}");
            }
            assert!(
                k.get("description").is_some_and(|d| d.is_string() || d.is_null()),
                "{k}"
            );
            assert_eq!(k["lastUsedDateTime"], "", "never used");
        }
        seen.push((got["name"].as_str().unwrap().to_string(), got["expiredDateTime"] == ""));
    }
    seen.sort();
    assert_eq!(seen, [("forever".to_string(), true), ("yearly".to_string(), false)]);
}

#[tokio::test]
async fn key_updates_and_expiry_is_not_editable() {
    let e = emu().await;
    let (id, _) = e.key("k1", "SIEM").await;
    e.key("k2", "SIEM").await;
    let path = format!("/iam/apiKeys/{id}");
    let cases = [
        (json!({"monthsToExpiration": 3}), StatusCode::BAD_REQUEST),
        (
            json!({"expiredDateTime": "2030-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"name": "k2"}), StatusCode::CONFLICT),
        (json!({"role": "Master Administrator"}), StatusCode::BAD_REQUEST),
        (json!({"role": "Nope"}), StatusCode::BAD_REQUEST),
        (json!({"status": "paused"}), StatusCode::BAD_REQUEST),
        (json!({"id": "other"}), StatusCode::BAD_REQUEST),
        (json!(["not", "an", "object"]), StatusCode::BAD_REQUEST),
    ];
    for (body, want) in cases {
        let (s, _, b) = e.call(e.api(Method::PATCH, &path).json(&body)).await;
        assert_eq!(s, want, "{body} -> {b}");
    }
    let (s, _, _) = e
        .call(
            e.api(Method::PATCH, &path)
                .json(&json!({"name": "k1b", "role": "SOAR", "description": null})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, _, b) = e.call(e.api(Method::GET, &path)).await;
    assert_eq!((b["name"].as_str(), b["role"].as_str()), (Some("k1b"), Some("SOAR")));
    // The old name is free again.
    assert_eq!(
        e.create_keys(ADMIN, json!([{"name": "k1", "role": "SIEM"}])).await[0]["status"],
        201
    );
    let (s, _, _) = e
        .call(e.api(Method::PATCH, "/iam/apiKeys/missing").json(&json!({"name": "z"})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn batch_delete() {
    let e = emu().await;
    let (id, secret) = e.key("doomed", "SIEM").await;
    let (s, _, b) = e
        .call(
            e.api(Method::POST, "/iam/apiKeys/delete")
                .json(&json!([{"id": id}, {"id": "missing"}, {"nope": 1}])),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(b[0], json!({"status": 204}));
    assert_eq!((b[1]["status"].as_u64(), code(&b[1]["body"])), (Some(404), "NotFound"));
    assert_eq!(b[2]["status"], 400);
    let health = e.req(Method::GET, "/v3.0/healthcheck/connectivity", Some(&secret));
    assert_eq!(e.call(health).await.0, StatusCode::UNAUTHORIZED);
    let (s, _, _) = e.call(e.api(Method::GET, &format!("/iam/apiKeys/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let many: Vec<Value> = (0..51).map(|i| json!({"id": format!("i{i}")})).collect();
    let (s, _, _) = e.call(e.api(Method::POST, "/iam/apiKeys/delete").json(&many)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn control_key_dump_has_no_secrets() {
    let e = emu().await;
    let (id, secret) = e.key("dumped", "SIEM").await;
    let (s, b) = e.control(Method::GET, "/keys", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["items"][0]["id"], id.as_str());
    assert_eq!(b["items"][0]["expired"], false);
    assert!(!b.to_string().contains(&secret));
}

// ---------------------------------------------------------------------------------------------
// §3 Roles
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn predefined_roles_and_catalogue() {
    let e = emu().await;
    let roles = e.list_all("/iam/roles", None).await;
    let mut names: Vec<&str> = roles.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort();
    let mut want = visionone_api::PREDEFINED_ROLES.to_vec();
    want.sort();
    assert_eq!(names, want);
    let master = roles.iter().find(|r| r["name"] == "Master Administrator").unwrap();
    assert_eq!(master["type"], "predefined");
    assert_eq!(master["allowApiKeyAssignment"], false);
    assert_eq!(master["allowUserAccountAssignment"], true);

    let (s, _, cat) = e.call(e.api(Method::GET, "/iam/roles/permissionKeys")).await;
    assert_eq!(s, StatusCode::OK);
    let keys: Vec<&str> = cat["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert!(keys.len() >= 20 && keys.contains(&"iam.apiKeys.manage"));
    assert!(cat["items"][0]["description"].is_string());

    let auditor = roles.iter().find(|r| r["name"] == "Auditor").unwrap();
    let (_, _, p) = e
        .call(e.api(
            Method::GET,
            &format!("/iam/roles/{}/permissions", auditor["id"].as_str().unwrap()),
        ))
        .await;
    let perms = p["permissionKeys"].as_array().unwrap();
    assert!(!perms.is_empty() && perms.iter().all(|k| k.as_str().unwrap().ends_with(".view")));

    let id = master["id"].as_str().unwrap();
    let (s, _, b) = e
        .call(
            e.api(Method::PATCH, &format!("/iam/roles/{id}"))
                .json(&json!({"description": "x"})),
        )
        .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "InvalidOperation"));
    let (s, _, b) = e.call(e.api(Method::DELETE, &format!("/iam/roles/{id}"))).await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "InvalidOperation"));

    let filtered = e.list_all("/iam/roles", Some("name eq 'SOAR' or name eq 'SIEM'")).await;
    assert_eq!(filtered.len(), 2);
    let (s, _, _) = e
        .call(
            e.api(Method::GET, "/iam/roles")
                .header("TMV1-Filter", "type eq 'custom'"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn custom_role_lifecycle() {
    let e = emu().await;
    let id = e
        .role(
            "Readers",
            &["workbench.view", "search.view", "workbench.view"],
            true,
            true,
        )
        .await;
    let (s, h, b) = e.call(e.api(Method::GET, &format!("/iam/roles/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.contains_key("etag"));
    assert_eq!(
        (b["type"].as_str(), b["name"].as_str()),
        (Some("custom"), Some("Readers"))
    );
    assert!(b["lastUpdatedDateTime"].as_str().unwrap().ends_with('Z'));
    let (_, _, p) = e
        .call(e.api(Method::GET, &format!("/iam/roles/{id}/permissions")))
        .await;
    assert_eq!(p, json!({"permissionKeys": ["workbench.view", "search.view"]}));

    // Newest first by default.
    let roles = e.list_all("/iam/roles", None).await;
    assert_eq!(roles[0]["name"], "Readers");

    let body = |name: &str, perms: Value| {
        json!({"name": name, "description": "", "permissionKeys": perms,
               "allowApiKeyAssignment": true, "allowUserAccountAssignment": true})
    };
    let (s, _, b) = e
        .call(e.api(Method::POST, "/iam/roles").json(&body("Readers", json!([]))))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::CONFLICT, "Conflict"));
    let (s, _, b) = e
        .call(
            e.api(Method::POST, "/iam/roles")
                .json(&body("Other", json!(["fly.plane"]))),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["error"]["message"].as_str().unwrap().contains("fly.plane"));
    let (s, _, _) = e
        .call(e.api(Method::POST, "/iam/roles").json(&json!({"name": "Partial"})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let path = format!("/iam/roles/{id}");
    let (s, _, _) = e
        .call(
            e.api(Method::PATCH, &path)
                .json(&json!({"name": "Readers2", "permissionKeys": ["oat.view"]})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, _, p) = e.call(e.api(Method::GET, &format!("{path}/permissions"))).await;
    assert_eq!(p["permissionKeys"], json!(["oat.view"]));
    let (s, _, _) = e
        .call(e.api(Method::PATCH, &path).json(&json!({"name": "Auditor"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, _) = e
        .call(e.api(Method::PATCH, &path).json(&json!({"permissionKeys": ["nope"]})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Held by keys and an account: 409 RoleInUse naming them. The key follows the rename.
    e.key("a", "Readers2").await;
    e.key("b", "Readers2").await;
    let (s, _, _) = e
        .call(
            e.api(Method::POST, "/iam/accounts")
                .json(&json!({"email": "x@y", "role": "Readers2", "authType": "local"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, b) = e.call(e.api(Method::DELETE, &path)).await;
    assert_eq!((s, code(&b)), (StatusCode::CONFLICT, "RoleInUse"));
    assert_eq!(
        b["error"]["message"],
        "role is assigned to 2 API keys (a, b) and 1 account (x@y)"
    );

    let (s, _, _) = e
        .call(e.api(Method::PATCH, &path).json(&json!({"name": "Readers3"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let a = e.list_all("/iam/apiKeys", Some("name eq 'a'")).await;
    assert_eq!(a[0]["role"], "Readers3");

    // Free it and delete.
    let ids: Vec<Value> = e
        .list_all("/iam/apiKeys", None)
        .await
        .iter()
        .map(|k| json!({"id": k["id"]}))
        .collect();
    e.call(e.api(Method::POST, "/iam/apiKeys/delete").json(&ids)).await;
    let acc = e.list_all("/iam/accounts", None).await;
    e.call(e.api(
        Method::DELETE,
        &format!("/iam/accounts/{}", acc[0]["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(e.call(e.api(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(e.call(e.api(Method::GET, &path)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(e.call(e.api(Method::DELETE, &path)).await.0, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// §4 Accounts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn account_lifecycle_and_invitation() {
    let e = emu().await;
    e.role("KeysOnly", &["workbench.view"], true, false).await;
    let invite = |email: &str, role: &str, auth: &str| {
        e.api(Method::POST, "/iam/accounts")
            .json(&json!({"email": email, "role": role, "authType": auth, "description": "d"}))
    };
    let (s, h, b) = e.call(invite("Ann@Example.com", "Analyst", "local")).await;
    assert_eq!(s, StatusCode::CREATED);
    let temp = b["id"].as_str().unwrap().to_string();
    assert_eq!(h["location"], format!("/v3.0/iam/accounts/{temp}").as_str());
    let (_, _, a) = e.call(e.api(Method::GET, &format!("/iam/accounts/{temp}"))).await;
    assert_eq!(
        (a["status"].as_str(), a["authType"].as_str()),
        (Some("invited"), Some("local"))
    );
    assert_eq!(a["lastLoginDateTime"], Value::Null);

    let (s, _, b) = e.call(invite("ann@example.com", "Analyst", "saml")).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "Conflict"),
        "emails are unique, any case"
    );
    assert_eq!(
        e.call(invite("b@example.com", "KeysOnly", "local")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        e.call(invite("b@example.com", "Nope", "local")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        e.call(invite("not-an-email", "Analyst", "local")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        e.call(invite("c@example.com", "Analyst", "ldap")).await.0,
        StatusCode::BAD_REQUEST
    );

    // Invited: read-only.
    let (s, _, b) = e
        .call(
            e.api(Method::PATCH, &format!("/iam/accounts/{temp}"))
                .json(&json!({"description": "x"})),
        )
        .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "InvalidOperation"));

    // Accept: a new id, the old one is gone.
    let (s, b) = e.control(Method::POST, &format!("/accounts/{temp}/accept"), None).await;
    assert_eq!(s, StatusCode::OK);
    let id = b["id"].as_str().unwrap().to_string();
    assert_ne!(id, temp);
    assert_eq!(
        e.call(e.api(Method::GET, &format!("/iam/accounts/{temp}"))).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = e.control(Method::POST, &format!("/accounts/{id}/accept"), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "nothing left to accept");

    let path = format!("/iam/accounts/{id}");
    let (_, _, a) = e.call(e.api(Method::GET, &path)).await;
    assert_eq!(
        (a["status"].as_str(), a["email"].as_str()),
        (Some("enabled"), Some("Ann@Example.com"))
    );
    let (s, _, _) = e
        .call(
            e.api(Method::PATCH, &path)
                .json(&json!({"role": "Senior Analyst", "status": "disabled", "description": "moved"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, _, a) = e.call(e.api(Method::GET, &path)).await;
    assert_eq!(
        (a["role"].as_str(), a["status"].as_str()),
        (Some("Senior Analyst"), Some("disabled"))
    );
    for body in [
        json!({"email": "z@z"}),
        json!({"authType": "saml"}),
        json!({"role": "KeysOnly"}),
        json!({"status": "invited"}),
    ] {
        assert_eq!(
            e.call(e.api(Method::PATCH, &path).json(&body)).await.0,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }

    // SAML groups cannot be updated even once accepted.
    let (_, _, g) = e.call(invite("group@example.com", "Analyst", "samlGroup")).await;
    let (_, b) = e
        .control(
            Method::POST,
            &format!("/accounts/{}/accept", g["id"].as_str().unwrap()),
            None,
        )
        .await;
    let gpath = format!("/iam/accounts/{}", b["id"].as_str().unwrap());
    let (s, _, b) = e
        .call(e.api(Method::PATCH, &gpath).json(&json!({"description": "x"})))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "InvalidOperation"));

    let disabled = e.list_all("/iam/accounts", Some("status eq 'disabled'")).await;
    assert_eq!(disabled.len(), 1);
    let groups = e.list_all("/iam/accounts", Some("authType eq 'samlGroup'")).await;
    assert_eq!(groups.len(), 1);
    let long = format!("email eq '{}'", "a".repeat(260));
    assert_eq!(
        e.call(e.api(Method::GET, "/iam/accounts").header("TMV1-Filter", long))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    assert_eq!(e.call(e.api(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(e.call(e.api(Method::GET, &path)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        e.call(invite("ann@example.com", "Analyst", "local")).await.0,
        StatusCode::CREATED,
        "email freed"
    );
}

// ---------------------------------------------------------------------------------------------
// Control surface: faults, rate limit, call log, clock, reset
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn status_faults() {
    let e = emu().await;
    let health = || e.api(Method::GET, "/healthcheck/connectivity");
    let add = |spec: Value| e.control(Method::POST, "/faults", Some(spec));

    let (s, b) = add(json!({"kind": "429", "count": 1})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(b["id"].is_u64());
    let (s, h, b) = e.call(health()).await;
    assert_eq!((s, code(&b)), (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"));
    assert_eq!(b["error"]["message"], "Too many API requests");
    assert_eq!(h["retry-after"], "1");
    assert_eq!(e.call(health()).await.0, StatusCode::OK, "count exhausted");

    add(json!({"kind": "429-no-retry-after", "count": 1})).await;
    let (s, h, _) = e.call(health()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(!h.contains_key("retry-after"));

    add(json!({"kind": "500", "count": 1})).await;
    let (s, _, b) = e.call(health()).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(b["error"]["code"].is_string());

    add(json!({"kind": "502", "count": 1})).await;
    let (s, h, b) = e.call(health()).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(b.is_string(), "not JSON");

    add(json!({"kind": "503", "count": 2})).await;
    assert_eq!(e.call(health()).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(e.call(health()).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(e.call(health()).await.0, StatusCode::OK);

    // Method and path prefix select the calls.
    add(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "500"})).await;
    assert_eq!(e.call(health()).await.0, StatusCode::OK);
    assert_eq!(e.call(e.api(Method::GET, "/iam/apiKeys")).await.0, StatusCode::OK);
    let (s, _, _) = e
        .call(
            e.api(Method::POST, "/iam/apiKeys")
                .json(&json!([{"name": "x", "role": "SIEM"}])),
        )
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _, _) = e
        .call(e.api(Method::POST, "/iam/apiKeys/delete").json(&json!([{"id": "x"}])))
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "prefix match");
    assert_eq!(
        e.control(Method::DELETE, "/faults", None).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, _, _) = e
        .call(
            e.api(Method::POST, "/iam/apiKeys")
                .json(&json!([{"name": "x", "role": "SIEM"}])),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);

    // rate 0 never fires; bad specs are refused.
    add(json!({"kind": "500", "rate": 0.0})).await;
    for _ in 0..5 {
        assert_eq!(e.call(health()).await.0, StatusCode::OK);
    }
    assert_eq!(
        add(json!({"kind": "500", "rate": 2.0})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(add(json!({"kind": "teapot"})).await.0, StatusCode::BAD_REQUEST);
    let (_, b) = add(json!({"kind": "503"})).await;
    let fid = b["id"].as_u64().unwrap();
    assert_eq!(
        e.control(Method::DELETE, &format!("/faults/{fid}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(e.call(health()).await.0, StatusCode::OK);

    // Faulted calls are logged, in order, with the fault.
    let calls = e.calls().await;
    let first = &calls[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/v3.0/healthcheck/connectivity");
    assert_eq!(first["status"], 429);
    assert_eq!(first["fault"], "429");
    assert!(calls[1].get("fault").is_none());
    assert_eq!(
        e.control(Method::DELETE, "/calls", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert!(e.calls().await.is_empty());
}

#[tokio::test]
async fn rate_faults_fire_about_that_often() {
    let e = emu().await;
    e.control(Method::POST, "/faults", Some(json!({"kind": "503", "rate": 0.5})))
        .await;
    let mut failed = 0;
    for _ in 0..200 {
        if e.call(e.api(Method::GET, "/healthcheck/connectivity")).await.0 == StatusCode::SERVICE_UNAVAILABLE {
            failed += 1;
        }
    }
    assert!((40..=160).contains(&failed), "{failed}");
}

/// On paused time: the fault's delay is exact and the next call takes none, whatever the load.
#[tokio::test(start_paused = true)]
async fn latency_fault_delays_then_serves() {
    let e = emu().await;
    e.control(
        Method::POST,
        "/faults",
        Some(json!({"kind": "latency", "latencyMs": 300, "count": 1})),
    )
    .await;
    let t = tokio::time::Instant::now();
    assert_eq!(
        e.call(e.api(Method::GET, "/healthcheck/connectivity")).await.0,
        StatusCode::OK
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = tokio::time::Instant::now();
    e.call(e.api(Method::GET, "/healthcheck/connectivity")).await;
    assert_eq!(t.elapsed(), Duration::ZERO, "count 1: the second call is not delayed");
}

#[tokio::test]
async fn drop_closes_the_connection_without_performing() {
    let e = emu().await;
    e.control(
        Method::POST,
        "/faults",
        Some(json!({"method": "POST", "kind": "drop", "count": 1})),
    )
    .await;
    let err = e
        .api(Method::POST, "/iam/apiKeys")
        .json(&json!([{"name": "dropped", "role": "SIEM"}]))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    let (_, keys) = e.control(Method::GET, "/keys", None).await;
    assert!(keys["items"].as_array().unwrap().is_empty(), "not performed");
    let calls = e.calls().await;
    assert_eq!(
        (calls[0]["status"].as_u64(), calls[0]["fault"].as_str()),
        (Some(0), Some("drop"))
    );
    // The emulator still serves.
    assert_eq!(
        e.call(e.api(Method::GET, "/healthcheck/connectivity")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn lost_answer_performs_then_drops() {
    let e = emu().await;
    e.control(
        Method::POST,
        "/faults",
        Some(json!({"method": "POST", "path": "/v3.0/iam/apiKeys", "kind": "lost-answer", "count": 1})),
    )
    .await;
    let err = e
        .api(Method::POST, "/iam/apiKeys")
        .json(&json!([{"name": "ghost", "role": "SIEM"}]))
        .send()
        .await
        .expect_err("the answer is lost");
    assert!(!err.is_status(), "{err:?}");
    let (_, keys) = e.control(Method::GET, "/keys", None).await;
    assert_eq!(keys["items"][0]["name"], "ghost", "the key was really created");
    let found = e.list_all("/iam/apiKeys", Some("name eq 'ghost'")).await;
    assert_eq!(found.len(), 1);
    let calls = e.calls().await;
    assert_eq!(
        (calls[0]["status"].as_u64(), calls[0]["fault"].as_str()),
        (Some(207), Some("lost-answer"))
    );
}

#[tokio::test]
async fn rate_limit_per_window() {
    let e = emu().await;
    assert_eq!(
        e.control(Method::POST, "/rate-limit", Some(json!({"perMinute": 3})))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    for _ in 0..3 {
        assert_eq!(
            e.call(e.api(Method::GET, "/healthcheck/connectivity")).await.0,
            StatusCode::OK
        );
    }
    let (s, h, b) = e.call(e.api(Method::GET, "/healthcheck/connectivity")).await;
    assert_eq!((s, code(&b)), (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"));
    assert_eq!(b["error"]["message"], "Too many API requests");
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    e.control(Method::POST, "/rate-limit", Some(json!({"perMinute": 0})))
        .await;
    for _ in 0..5 {
        assert_eq!(
            e.call(e.api(Method::GET, "/healthcheck/connectivity")).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn clock_and_reset() {
    let e = emu().await;
    let (_, b) = e.control(Method::GET, "/clock", None).await;
    let real = b["now"].as_str().unwrap().to_string();
    let (s, b) = e
        .control(Method::POST, "/clock", Some(json!({"set": "2030-01-01T00:00:00Z"})))
        .await;
    assert_eq!((s, b["now"].as_str()), (StatusCode::OK, Some("2030-01-01T00:00:00Z")));
    let (_, b) = e
        .control(Method::POST, "/clock", Some(json!({"advanceSeconds": 90 * 86_400})))
        .await;
    assert!(b["now"].as_str().unwrap().starts_with("2030-04-01T00:00:0"), "{b}");
    for bad in [
        json!({"set": "tomorrow"}),
        json!({}),
        json!({"set": "2030-01-01T00:00:00Z", "advanceSeconds": 1}),
    ] {
        assert_eq!(
            e.control(Method::POST, "/clock", Some(bad)).await.0,
            StatusCode::BAD_REQUEST
        );
    }

    e.key("k", "SIEM").await;
    e.role("R", &["oat.view"], true, true).await;
    e.control(
        Method::POST,
        "/faults",
        Some(json!({"kind": "500", "path": "/v3.0/iam/accounts"})),
    )
    .await;
    e.control(Method::POST, "/rate-limit", Some(json!({"perMinute": 100})))
        .await;
    assert_eq!(e.control(Method::POST, "/reset", None).await.0, StatusCode::NO_CONTENT);
    assert!(e.list_all("/iam/apiKeys", None).await.is_empty());
    assert_eq!(e.list_all("/iam/roles", None).await.len(), 8);
    assert_eq!(
        e.call(e.api(Method::GET, "/iam/accounts")).await.0,
        StatusCode::OK,
        "faults cleared"
    );
    assert_eq!(e.calls().await.len(), 3, "call log cleared");
    let (_, b) = e.control(Method::GET, "/clock", None).await;
    assert!(
        b["now"].as_str().unwrap()[..15] == real[..15],
        "clock back to real time"
    );
    assert_eq!(e.control(Method::GET, "/nothing", None).await.0, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// State file and binary
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("v1emu-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);

    let e = emu_with(Some(file.clone())).await;
    e.role("Persisted", &["oat.view"], true, true).await;
    let (id, secret) = e.key("kept", "Persisted").await;
    e.call(
        e.api(Method::POST, "/iam/accounts")
            .json(&json!({"email": "p@q", "role": "Persisted", "authType": "saml"})),
    )
    .await;
    e.control(Method::POST, "/clock", Some(json!({"set": "2031-06-01T00:00:00Z"})))
        .await;
    e.handle.shutdown().await;
    assert!(std::fs::metadata(&file).unwrap().len() > 0);

    let e = emu_with(Some(file.clone())).await;
    let (s, _, b) = e
        .call(e.req(Method::GET, &format!("/v3.0/iam/apiKeys/{id}"), Some(&secret)))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the secret still authenticates (role lacks iam.apiKeys.view): {b}"
    );
    let (_, _, b) = e.call(e.api(Method::GET, &format!("/iam/apiKeys/{id}"))).await;
    assert_eq!(
        (b["name"].as_str(), b["role"].as_str()),
        (Some("kept"), Some("Persisted"))
    );
    assert_eq!(e.list_all("/iam/accounts", None).await.len(), 1);
    let (_, b) = e.control(Method::GET, "/clock", None).await;
    assert!(b["now"].as_str().unwrap().starts_with("2031-06-01"));
    e.handle.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn binary_prints_base_url_and_stops_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_visionone-emulator"))
        .args(["--listen", "127.0.0.1:0", "--token", "bin-token"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'), "{url}");
    let r = Client::new()
        .get(format!("{url}/v3.0/healthcheck/connectivity"))
        .bearer_auth("bin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

/// The call log names the key each call authenticated with (tests tell whose calls are whose);
/// admin-token calls and refused credentials name none.
#[tokio::test]
async fn the_call_log_names_the_calling_key() {
    let e = emu().await;
    let (id, secret) = e.key("caller", "Auditor").await;
    e.control(Method::DELETE, "/calls", None).await;
    let roles = |t: &str| e.req(Method::GET, "/v3.0/iam/roles", Some(t));
    assert_eq!(e.call(roles(&secret)).await.0, StatusCode::OK);
    assert_eq!(e.call(roles(ADMIN)).await.0, StatusCode::OK);
    assert_eq!(e.call(roles("nobody")).await.0, StatusCode::UNAUTHORIZED);
    // Authenticated but refused (Auditor may not create keys): still that key's call.
    let denied = e.req(Method::POST, "/v3.0/iam/apiKeys", Some(&secret)).json(&json!([]));
    assert_eq!(e.call(denied).await.0, StatusCode::FORBIDDEN);
    let calls = e.calls().await;
    let by: Vec<Option<String>> = calls.iter().map(|c| c["key"].as_str().map(str::to_string)).collect();
    assert_eq!(by, [Some(id.clone()), None, None, Some(id)], "{calls:?}");
}
