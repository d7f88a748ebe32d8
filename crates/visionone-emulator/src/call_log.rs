//! The log of API calls (method, path without query, final status, fault, batch size), read by tests to count
//! retries and check that nothing was called twice. Bounded, oldest entries first out.

use std::collections::VecDeque;

use serde::Serialize;

const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// The status answered, or 0 when the connection was dropped before any answer.
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// Entries answered by a batch call (207), so that batch sizes can be read off the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<usize>,
    /// The id of the API key that made the call; absent for an admin token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Default)]
pub struct CallLog {
    calls: VecDeque<Call>,
}

impl CallLog {
    pub fn push(&mut self, call: Call) {
        if self.calls.len() >= MAX_ENTRIES {
            self.calls.pop_front();
        }
        self.calls.push_back(call);
    }

    pub fn clear(&mut self) {
        self.calls.clear();
    }

    pub fn all(&self) -> Vec<Call> {
        self.calls.iter().cloned().collect()
    }
}
