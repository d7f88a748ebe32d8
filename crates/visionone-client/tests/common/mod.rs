//! The emulator for client tests: started on port 0 per test, with helpers for its control
//! surface (`/_emulator/...`).

#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use visionone_client::{Client, ClientConfig};

pub const ADMIN: &str = "t";

pub struct Emu {
    handle: Option<visionone_emulator::Handle>,
    pub url: String,
    http: reqwest::Client,
}

impl Emu {
    pub async fn start() -> Emu {
        Emu::start_with(|_| {}).await
    }

    /// Start with some settings changed (e.g. `workload_login`).
    pub async fn start_with(tweak: impl FnOnce(&mut visionone_emulator::Config)) -> Emu {
        let mut cfg = visionone_emulator::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: ADMIN.into(),
            ..Default::default()
        };
        tweak(&mut cfg);
        let handle = visionone_emulator::start(cfg).await.expect("emulator starts");
        let url = handle.base_url();
        Emu {
            handle: Some(handle),
            url,
            http: reqwest::Client::new(),
        }
    }

    pub fn client_with(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
        let mut cfg = ClientConfig::new(self.url.clone(), ADMIN);
        cfg.request_timeout = Duration::from_secs(20);
        cfg.max_retries = 4;
        tweak(&mut cfg);
        Client::new(cfg).unwrap()
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.http.request(method, format!("{}/_emulator/{path}", self.url));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.unwrap();
        assert!(resp.status().is_success(), "control {path}: {}", resp.status());
        let text = resp.text().await.unwrap();
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    pub async fn fault(&self, spec: Value) {
        self.control(reqwest::Method::POST, "faults", Some(spec)).await;
    }

    /// The call log as (method, path, status).
    pub async fn calls(&self) -> Vec<(String, String, u64)> {
        let v = self.control(reqwest::Method::GET, "calls", None).await;
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["method"].as_str().unwrap().to_owned(),
                    c["path"].as_str().unwrap().to_owned(),
                    c["status"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    pub async fn clear_calls(&self) {
        self.control(reqwest::Method::DELETE, "calls", None).await;
    }

    /// Every key on the server with this name (from the control surface, which sees everything).
    pub async fn keys_named(&self, name: &str) -> Vec<Value> {
        let v = self.control(reqwest::Method::GET, "keys", None).await;
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["name"] == name)
            .cloned()
            .collect()
    }

    pub async fn count(&self, method: &str, path: &str) -> usize {
        self.calls()
            .await
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count()
    }

    /// Names of every key on the server (the control surface sees everything).
    pub async fn key_names(&self) -> Vec<String> {
        let v = self.control(reqwest::Method::GET, "keys", None).await;
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            // Stop the server in the background; the runtime ends with the test anyway.
            tokio::spawn(h.shutdown());
        }
    }
}
