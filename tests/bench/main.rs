//! `make bench`: Terraform applies, plans and destroys N API keys (default 1000) against the
//! emulator with injected latency, with request coalescing on and off, and prints one
//! `BENCH|...` line per figure for scripts/bench.sh to tabulate. Not a test of speed: the
//! assertions only check that each run converged; the figures are printed, not judged.
//!
//! Run: `cargo test --release --test bench -- --ignored --nocapture --test-threads=1`.

#[path = "../e2e/harness.rs"]
mod harness;

use harness::*;
use serde_json::json;
use std::time::Instant;

fn keys() -> usize {
    std::env::var("BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Injected latency per API call (BENCH_LATENCY_MS, default 100).
fn latency_ms() -> u64 {
    std::env::var("BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// Which coalescing modes to run (BENCH_MODES, default "on,off").
fn modes() -> Vec<bool> {
    let v = std::env::var("BENCH_MODES").unwrap_or_else(|_| "on,off".into());
    v.split(',')
        .filter_map(|m| match m.trim() {
            "on" => Some(true),
            "off" => Some(false),
            _ => None,
        })
        .collect()
}

fn config(n: usize, provider_extra: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    visionone = {{ source = "visionone-iam/visionone" }}
  }}
}}
provider "visionone" {{
  max_retries = 10
  {provider_extra}
}}
resource "visionone_api_key" "k" {{
  count = {n}
  name  = "bench-${{count.index}}"
  role  = "SIEM"
}}
"#
    )
}

struct Run {
    secs: f64,
    calls: usize,
    errors: usize,
}

fn timed(emu: &Emulator, tf: &Tf, args: &[&str]) -> Run {
    emu.clear_calls();
    let t = Instant::now();
    let o = tf.run(args);
    let secs = t.elapsed().as_secs_f64();
    let calls = emu.calls();
    if std::env::var_os("BENCH_BREAKDOWN").is_some() {
        let mut m = std::collections::BTreeMap::<String, usize>::new();
        for c in &calls {
            let p = c["path"].as_str().unwrap_or("");
            let p = if p.starts_with("/v3.0/iam/apiKeys/") && !p.ends_with("/delete") {
                "/v3.0/iam/apiKeys/{id}"
            } else {
                p
            };
            *m.entry(format!("{} {} {}", c["method"].as_str().unwrap_or(""), p, c["status"]))
                .or_default() += 1;
        }
        eprintln!("calls for {args:?}: {m:#?}");
        let mut sizes = std::collections::BTreeMap::<u64, usize>::new();
        for c in &calls {
            if let Some(n) = c["items"].as_u64() {
                *sizes.entry(n).or_default() += 1;
            }
        }
        eprintln!("batch sizes (items: calls) for {args:?}: {sizes:?}");
    }
    let errors = calls
        .iter()
        .filter(|c| c["status"].as_u64().is_some_and(|s| s >= 400 || s == 0))
        .count();
    assert!(o.code == 0 || o.code == 2, "terraform {args:?} failed:\n{}", o.all());
    Run {
        secs,
        calls: calls.len(),
        errors,
    }
}

fn report(metric: &str, mode: &str, r: &Run) {
    println!("BENCH|{metric}|{mode}|{:.1}|{}|{}", r.secs, r.calls, r.errors);
}

fn mode_env(tf: &mut Tf, coalesce: bool, rss_file: &std::path::Path) {
    tf.env
        .push(("VISIONONE_COALESCE".into(), if coalesce { "1" } else { "0" }.into()));
    tf.env
        .push(("TFPLUGIN_PEAK_RSS_FILE".into(), rss_file.display().to_string()));
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];
const DESTROY: &[&str] = &["destroy", "-auto-approve", "-input=false", "-no-color"];

/// A working directory for `n` keys with coalescing on or off; `rss.txt` collects the provider
/// processes' peak RSS.
fn workdir(emu: &Emulator, n: usize, coalesce: bool, provider_extra: &str) -> (Tf, std::path::PathBuf) {
    let mut tf = Tf::new(emu);
    let rss = tf.path().join("rss.txt");
    mode_env(&mut tf, coalesce, &rss);
    tf.write("main.tf", &config(n, provider_extra));
    (tf, rss)
}

/// Apply, check that every key exists, report.
fn apply(emu: &Emulator, tf: &Tf, n: usize, metric: &str, mode: &str) {
    let r = timed(emu, tf, APPLY);
    assert_eq!(emu.keys().len(), n, "apply did not create every key");
    report(metric, mode, &r);
}

/// Destroy, check that no key is left, report.
fn destroy(emu: &Emulator, tf: &Tf, metric: &str, mode: &str) {
    let r = timed(emu, tf, DESTROY);
    assert_eq!(emu.keys().len(), 0, "destroy left keys behind");
    report(metric, mode, &r);
}

fn peak_rss_mb(file: &std::path::Path) -> f64 {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .fold(0.0, f64::max)
        / 1024.0
}

#[test]
#[ignore = "benchmark: run with make bench"]
fn apply_plan_destroy_with_latency() {
    let n = keys();
    for coalesce in modes() {
        let mode = if coalesce { "on" } else { "off" };
        let emu = Emulator::start();
        emu.control(
            "POST",
            "faults",
            json!({ "kind": "latency", "latencyMs": latency_ms() }),
        );
        let (tf, rss) = workdir(&emu, n, coalesce, "");
        apply(&emu, &tf, n, "apply", mode);
        let plan = timed(&emu, &tf, &["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        report("no-change plan", mode, &plan);
        destroy(&emu, &tf, "destroy", mode);
        println!(
            "BENCH|peak RSS per provider process (MB)|{mode}|{:.1}|-|-",
            peak_rss_mb(&rss)
        );
    }
}

/// What Terraform itself takes for the same work when the API answers at once and every call is
/// a single call: the floor under both modes' apply and destroy (Terraform 1.0.3 rewrites the
/// whole state file after each resource, one resource at a time).
#[test]
#[ignore = "benchmark: run with make bench"]
fn terraform_floor_without_latency() {
    let n = keys();
    let emu = Emulator::start();
    let (tf, _) = workdir(&emu, n, false, "");
    apply(&emu, &tf, n, "apply, 0 ms latency (Terraform's floor)", "off");
    destroy(&emu, &tf, "destroy, 0 ms latency (Terraform's floor)", "off");
}

#[test]
#[ignore = "benchmark: run with make bench"]
fn apply_under_rate_limit() {
    let n = keys();
    for coalesce in modes() {
        let mode = if coalesce { "on" } else { "off" };
        let emu = Emulator::start();
        emu.control("POST", "rate-limit", json!({ "perMinute": 200 }));
        let (tf, _) = workdir(&emu, n, coalesce, "max_requests_per_minute = 190");
        apply(&emu, &tf, n, "apply at 200 calls/min", mode);
    }
}
