//! Where an apply's wall time goes, from Terraform's `-json` hooks: `apply_start` is sent just
//! before Terraform calls the provider's ApplyResourceChange, `apply_complete` just after it
//! returns, before Terraform records the new state.

use std::fmt;

use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Terraform's default `-parallelism`.
const PARALLELISM: f64 = 10.0;

pub struct Summary {
    /// Terraform's start (its first line) to the first resource's call: start-up and the plan.
    to_first: f64,
    /// First resource's call to the last resource's answer.
    walk: f64,
    /// The last answer to the end of the command (the final state write and exits).
    tail: f64,
    resources: usize,
    /// Mean time of one resource inside the provider (batching's waits included).
    in_provider: f64,
}

impl Summary {
    /// The summary of one command's JSON output; `None` when it has no apply hooks.
    pub fn of(stdout: &str, wall_secs: f64) -> Option<Summary> {
        let mut first_line = None;
        let mut starts = std::collections::HashMap::new();
        let (mut first_start, mut last_complete) = (f64::MAX, f64::MIN);
        let (mut resources, mut in_provider) = (0usize, 0.0);
        for line in stdout.lines() {
            let Ok(v) = serde_json::from_str::<Json>(line) else {
                continue;
            };
            let Some(at) = v["@timestamp"].as_str().and_then(seconds) else {
                continue;
            };
            first_line.get_or_insert(at);
            let addr = v["hook"]["resource"]["addr"].as_str().unwrap_or_default().to_owned();
            match v["type"].as_str() {
                Some("apply_start") => {
                    first_start = first_start.min(at);
                    starts.insert(addr, at);
                }
                Some("apply_complete") => {
                    last_complete = last_complete.max(at);
                    if let Some(s) = starts.remove(&addr) {
                        resources += 1;
                        in_provider += at - s;
                    }
                }
                _ => {}
            }
        }
        let t0 = first_line?;
        if resources == 0 {
            return None;
        }
        Some(Summary {
            to_first: first_start - t0,
            walk: last_complete - first_start,
            tail: (wall_secs - (last_complete - t0)).max(0.0),
            resources,
            in_provider: in_provider / resources as f64,
        })
    }
}

impl fmt::Display for Summary {
    /// `to first call | walk | in provider per resource (how many at once) | Terraform's own
    /// time per resource and slot | tail`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.resources as f64;
        let at_once = self.in_provider * n / self.walk.max(1e-9);
        // Each of Terraform's slots runs walk × parallelism / n per resource; what is not spent
        // in the provider is Terraform's (state writes, evaluation, waiting for its locks).
        let terraform = (self.walk * PARALLELISM.min(n) / n - self.in_provider).max(0.0);
        write!(
            f,
            "to first call {:.2} s | walk {:.2} s | in provider {:.1} ms/resource ({at_once:.1} at once) \
             | Terraform {:.1} ms/resource/slot | tail {:.2} s",
            self.to_first,
            self.walk,
            self.in_provider * 1e3,
            terraform * 1e3,
            self.tail
        )
    }
}

fn seconds(stamp: &str) -> Option<f64> {
    let t = OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    Some(t.unix_timestamp_nanos() as f64 / 1e9)
}
