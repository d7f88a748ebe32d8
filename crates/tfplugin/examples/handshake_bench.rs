//! Start-up benchmark (not a test): launches a provider binary N times with Terraform's
//! AutoMTLS environment and reports start-to-handshake-line time and peak RSS, beside the time
//! to start `/bin/echo` and read its line the same way (this machine's floor for any process).
//!
//! `cargo run --release -p tfplugin --example handshake_bench -- [PROVIDER_BINARY] [N]`
//! (default: the `echo` example next to this binary, 50 runs). Needs the `openssl` CLI to make
//! a P-521 client certificate like Terraform's.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn client_cert_pem() -> String {
    let dir = std::env::temp_dir().join(format!("handshake-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, _) = tfplugin::testing::terraform_client_cert(&dir, "c").expect("certificate");
    let pem = std::fs::read_to_string(&cert).expect("certificate");
    let _ = std::fs::remove_dir_all(&dir);
    pem
}

/// Peak resident set size in kB, from /proc.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Start `command` `n` times; the time until its first stdout line, and the highest VmHWM seen.
fn measure(n: usize, mut command: impl FnMut() -> Command) -> (Vec<Duration>, u64) {
    let mut times = Vec::with_capacity(n);
    let mut peak_kb = 0;
    for _ in 0..n {
        let start = Instant::now();
        let mut child = command()
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("handshake line");
        times.push(start.elapsed());
        assert!(line.starts_with("1|6|"), "unexpected handshake: {line}");
        peak_kb = peak_kb.max(vm_hwm_kb(child.id()).unwrap_or(0));
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let _ = child.wait();
    }
    times.sort();
    (times, peak_kb)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().map(std::path::PathBuf::from).unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("current exe");
        exe.with_file_name("echo")
    });
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(50).max(1);
    let pem = client_cert_pem();

    // The machine's own cost of starting a process and reading a line from it, for scale.
    let (floor, _) = measure(n, || {
        let mut c = Command::new("/bin/echo");
        c.arg("1|6|");
        c
    });
    let (times, peak_kb) = measure(n, || {
        let mut c = Command::new(&binary);
        c.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_CLIENT_CERT", &pem);
        c
    });
    println!("provider: {}", binary.display());
    println!("runs: {n}");
    println!(
        "start-to-handshake: median {:.2} ms, p90 {:.2} ms, min {:.2} ms, max {:.2} ms (goal: median <= 2 ms)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    println!(
        "process start floor (/bin/echo, same measure): median {:.2} ms, p90 {:.2} ms",
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.9)),
    );
    println!(
        "peak RSS at handshake (VmHWM): {:.1} MB (goal: <= 10 MB)",
        peak_kb as f64 / 1024.0
    );
}
