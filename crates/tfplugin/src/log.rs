//! hclog-style JSON log lines on stderr, which Terraform filters by `TF_LOG` / `TF_LOG_PROVIDER`.
//!
//! One line per call, written under the stderr lock so concurrent calls never interleave.
//! Never pass a secret as a message or value.

use std::fmt::Display;
use std::io::Write;
use std::sync::OnceLock;

/// Log levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

static THRESHOLD: OnceLock<Level> = OnceLock::new();
static MODULE: OnceLock<String> = OnceLock::new();

/// The lowest level emitted for a `TF_LOG_PROVIDER` / `TF_LOG` value. Unset or `off` keeps
/// warnings and errors (Terraform drops them anyway unless logging is on); an unknown
/// value means info.
pub fn threshold_from(value: Option<&str>) -> Level {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("off") => Level::Warn,
        Some("trace") | Some("json") => Level::Trace,
        Some("debug") => Level::Debug,
        Some("info") => Level::Info,
        Some("warn") => Level::Warn,
        Some("error") => Level::Error,
        Some(_) => Level::Info,
    }
}

fn threshold() -> Level {
    *THRESHOLD.get_or_init(|| {
        let provider = std::env::var("TF_LOG_PROVIDER").ok().filter(|v| !v.is_empty());
        threshold_from(provider.or_else(|| std::env::var("TF_LOG").ok()).as_deref())
    })
}

/// Sets the `@module` field (e.g. `provider.visionone`); the first call wins.
pub fn set_module(module: &str) {
    let _ = MODULE.set(module.to_string());
}

/// Would a line at `level` be written?
pub fn enabled(level: Level) -> bool {
    level >= threshold()
}

/// Formats one JSON line (without the newline).
pub fn format_line(level: Level, msg: &str, kv: &[(&str, &dyn Display)]) -> String {
    let module = MODULE.get().map(String::as_str).unwrap_or("provider");
    let mut line = String::with_capacity(128);
    line.push('{');
    push_pair(&mut line, "@level", level.as_str());
    line.push(',');
    push_pair(&mut line, "@message", msg);
    line.push(',');
    push_pair(&mut line, "@module", module);
    line.push(',');
    push_pair(&mut line, "@timestamp", &timestamp());
    for (k, v) in kv {
        if k.starts_with('@') {
            continue;
        }
        line.push(',');
        push_pair(&mut line, k, &v.to_string());
    }
    line.push('}');
    line
}

fn push_pair(out: &mut String, k: &str, v: &str) {
    // Serializing a &str cannot fail.
    out.push_str(&serde_json::to_string(k).unwrap_or_default());
    out.push(':');
    out.push_str(&serde_json::to_string(v).unwrap_or_default());
}

fn timestamp() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    time::OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}

/// Writes one line at `level` if enabled.
pub fn log(level: Level, msg: &str, kv: &[(&str, &dyn Display)]) {
    if !enabled(level) {
        return;
    }
    let mut line = format_line(level, msg, kv);
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

pub fn trace(msg: &str, kv: &[(&str, &dyn Display)]) {
    log(Level::Trace, msg, kv)
}
pub fn debug(msg: &str, kv: &[(&str, &dyn Display)]) {
    log(Level::Debug, msg, kv)
}
pub fn info(msg: &str, kv: &[(&str, &dyn Display)]) {
    log(Level::Info, msg, kv)
}
pub fn warn(msg: &str, kv: &[(&str, &dyn Display)]) {
    log(Level::Warn, msg, kv)
}
pub fn error(msg: &str, kv: &[(&str, &dyn Display)]) {
    log(Level::Error, msg, kv)
}

/// Replaces the default panic output (message + backtrace) with one error log line, so no
/// backtrace reaches Terraform's output whatever `RUST_BACKTRACE` says.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        error("panic in the provider", &[("panic", &payload), ("location", &location)]);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_tf_log() {
        assert_eq!(threshold_from(None), Level::Warn);
        assert_eq!(threshold_from(Some("off")), Level::Warn);
        assert_eq!(threshold_from(Some("TRACE")), Level::Trace);
        assert_eq!(threshold_from(Some("JSON")), Level::Trace);
        assert_eq!(threshold_from(Some("debug")), Level::Debug);
        assert_eq!(threshold_from(Some("Error")), Level::Error);
        assert_eq!(threshold_from(Some("whatever")), Level::Info);
    }

    #[test]
    fn line_is_hclog_json_with_key_values() {
        let region = String::from("eu \"x\"");
        let line = format_line(Level::Debug, "configured", &[("region", &region), ("retries", &3)]);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "configured");
        assert_eq!(v["region"], "eu \"x\"");
        assert_eq!(v["retries"], "3");
        let ts = v["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2026-11-23T10:00:00.000000Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        assert!(!line.contains('\n'));
    }
}
