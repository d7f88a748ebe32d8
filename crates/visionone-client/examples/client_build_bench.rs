//! What building a client costs (it reads the system trust store), the work `ConfigureProvider`
//! does once per Terraform phase: `cargo run --release -p visionone-client --example client_build_bench`.

use std::time::{Duration, Instant};

use visionone_client::{Client, ClientConfig};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    const RUNS: usize = 50;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let c = Client::new(ClientConfig::new("https://api.xdr.trendmicro.com", "tmv1-bench")).expect("client");
        times.push(start.elapsed());
        drop(c);
    }
    let certs = rustls_native_certs_count();
    println!(
        "BENCH client_build median_ms={:.2} min_ms={:.2} runs={RUNS} system_roots={certs}",
        median(times.clone()).as_secs_f64() * 1e3,
        times.iter().min().unwrap().as_secs_f64() * 1e3,
    );
}

/// How many certificates the store held (what each build parses).
fn rustls_native_certs_count() -> usize {
    std::fs::read_to_string(std::env::var("SSL_CERT_FILE").unwrap_or("/etc/ssl/certs/ca-certificates.crt".into()))
        .map(|s| s.matches("BEGIN CERTIFICATE").count())
        .unwrap_or(0)
}
