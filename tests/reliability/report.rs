//! The one machine-readable line each suite prints, and the goal check that follows it.
//!
//! `RELIABILITY|<suite>|<load held>|<faults injected>|<faults survived>|<inputs tried>|<objects lost>|<pass/fail>`
//! is printed on a line of its own (under `--nocapture` libtest may have begun a line) before the
//! suite asserts, so `scripts/reliability.sh` sees the figures of a failing suite too.

/// Figures of one suite run.
#[derive(Debug, Default)]
pub struct Report {
    pub suite: &'static str,
    /// What the suite held up under, in words (`100 keys + 20 roles + 50 accounts`).
    pub load: String,
    pub faults_injected: u64,
    pub faults_survived: u64,
    pub inputs_tried: u64,
    pub objects_lost: u64,
    /// Goals not met, one sentence each.
    pub failures: Vec<String>,
}

impl Report {
    pub fn new(suite: &'static str) -> Self {
        Report {
            suite,
            ..Default::default()
        }
    }

    /// Record a goal; a false `ok` is a failure described by `what`.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }

    pub fn fail(&mut self, what: impl Into<String>) {
        self.failures.push(what.into());
    }

    /// Print the line, then fail the test if any goal was missed.
    pub fn finish(self) {
        let verdict = if self.failures.is_empty() { "pass" } else { "fail" };
        println!(
            "\nRELIABILITY|{}|{}|{}|{}|{}|{}|{}",
            self.suite,
            self.load.replace('|', "/"),
            self.faults_injected,
            self.faults_survived,
            self.inputs_tried,
            self.objects_lost,
            verdict
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} goal(s) missed:\n- {}",
            self.suite,
            self.failures.len(),
            self.failures.join("\n- ")
        );
    }
}

/// Text that must never appear in anything the provider or Terraform prints: a Rust panic or
/// backtrace, or Terraform's report of a crashed plugin.
pub const CRASH_MARKERS: &[&str] = &[
    "panic",
    "internal error",
    "RUST_BACKTRACE",
    "stack backtrace",
    "Plugin did not respond",
    "plugin exited",
    "The plugin encountered an error",
];

/// The crash markers found in `text` (case-insensitive).
pub fn crash_markers(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    CRASH_MARKERS
        .iter()
        .copied()
        .filter(|m| lower.contains(&m.to_lowercase()))
        .collect()
}
