//! Injected faults: what the next matching API calls suffer (429s, gateway errors, latency,
//! dropped connections, lost answers), for the next N calls, at a random rate, or always.

use serde::Deserialize;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum FaultKind {
    /// 429 with `Retry-After: 1`.
    #[serde(rename = "429")]
    TooManyRequests,
    /// 429 without `Retry-After`.
    #[serde(rename = "429-no-retry-after")]
    TooManyRequestsNoRetryAfter,
    #[serde(rename = "500")]
    InternalError,
    /// 502 with a text/html body, as a gateway answers.
    #[serde(rename = "502")]
    BadGateway,
    #[serde(rename = "503")]
    Unavailable,
    /// Sleep `latencyMs`, then serve normally.
    #[serde(rename = "latency")]
    Latency,
    /// Close the connection without answering (the operation is not performed).
    #[serde(rename = "drop")]
    Drop,
    /// Perform the operation, then close the connection without answering.
    #[serde(rename = "lost-answer")]
    LostAnswer,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::TooManyRequests => "429",
            FaultKind::TooManyRequestsNoRetryAfter => "429-no-retry-after",
            FaultKind::InternalError => "500",
            FaultKind::BadGateway => "502",
            FaultKind::Unavailable => "503",
            FaultKind::Latency => "latency",
            FaultKind::Drop => "drop",
            FaultKind::LostAnswer => "lost-answer",
        }
    }
}

/// `POST /_emulator/faults` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    pub method: Option<String>,
    /// A prefix of the request path; absent = every API path.
    pub path: Option<String>,
    pub kind: FaultKind,
    pub count: Option<u64>,
    pub rate: Option<f64>,
    pub latency_ms: Option<u64>,
}

/// The longest latency a fault may add (so a test cannot hang the emulator for hours).
const MAX_LATENCY_MS: u64 = 600_000;

struct Active {
    id: u64,
    spec: FaultSpec,
    remaining: Option<u64>,
}

/// The fault chosen for one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub kind: FaultKind,
    pub latency_ms: u64,
}

#[derive(Default)]
pub struct Faults {
    next_id: u64,
    active: Vec<Active>,
}

impl Faults {
    /// Register a fault; returns its id.
    pub fn add(&mut self, spec: FaultSpec) -> Result<u64, String> {
        if let Some(r) = spec.rate {
            if !(0.0..=1.0).contains(&r) {
                return Err("rate must be between 0 and 1".into());
            }
        }
        if spec.count == Some(0) {
            return Err("count must be at least 1".into());
        }
        if spec.latency_ms.is_some_and(|l| l > MAX_LATENCY_MS) {
            return Err(format!("latencyMs must be at most {MAX_LATENCY_MS}"));
        }
        if spec.kind == FaultKind::Latency && spec.latency_ms.is_none() {
            return Err("a latency fault needs latencyMs".into());
        }
        self.next_id += 1;
        self.active.push(Active {
            id: self.next_id,
            remaining: spec.count,
            spec,
        });
        Ok(self.next_id)
    }

    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The first registered fault that applies to this call, if any; consumes one of its count.
    pub fn pick(&mut self, method: &str, path: &str) -> Option<Hit> {
        let idx = self.active.iter().position(|f| {
            f.spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.spec.path.as_deref().is_none_or(|p| path.starts_with(p))
                && f.spec.rate.is_none_or(|r| rand::random::<f64>() < r)
        })?;
        let f = &mut self.active[idx];
        let hit = Hit {
            kind: f.spec.kind,
            latency_ms: f.spec.latency_ms.unwrap_or(0),
        };
        if let Some(n) = f.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.active.remove(idx);
            }
        }
        Some(hit)
    }

    /// Remove one fault; false when it is no longer registered.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.active.len();
        self.active.retain(|f| f.id != id);
        self.active.len() != before
    }

    /// Ids of the registered faults.
    #[cfg(test)]
    pub fn ids(&self) -> Vec<u64> {
        self.active.iter().map(|f| f.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn count_limits_and_prefix_and_method() {
        let mut f = Faults::default();
        let id = f
            .add(spec(
                r#"{"method":"POST","path":"/v3.0/iam/apiKeys","kind":"500","count":2}"#,
            ))
            .unwrap();
        assert_eq!(f.ids(), vec![id]);
        assert_eq!(f.pick("GET", "/v3.0/iam/apiKeys"), None);
        assert_eq!(f.pick("POST", "/v3.0/iam/roles"), None);
        assert_eq!(
            f.pick("post", "/v3.0/iam/apiKeys/delete").map(|h| h.kind),
            Some(FaultKind::InternalError)
        );
        assert!(f.pick("POST", "/v3.0/iam/apiKeys").is_some());
        assert_eq!(f.pick("POST", "/v3.0/iam/apiKeys"), None);
        assert!(f.ids().is_empty());
        let id = f.add(spec(r#"{"kind":"503"}"#)).unwrap();
        assert!(f.remove(id));
        assert!(!f.remove(id));
    }

    #[test]
    fn rate_zero_never_rate_one_always_and_bad_specs() {
        let mut f = Faults::default();
        f.add(spec(r#"{"kind":"drop","rate":0}"#)).unwrap();
        assert_eq!(f.pick("GET", "/v3.0/x"), None);
        f.add(spec(r#"{"kind":"latency","latencyMs":5,"rate":1}"#)).unwrap();
        assert_eq!(f.pick("GET", "/v3.0/x").map(|h| h.latency_ms), Some(5));
        assert!(f.add(spec(r#"{"kind":"500","rate":1.5}"#)).is_err());
        assert!(f.add(spec(r#"{"kind":"latency"}"#)).is_err());
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"teapot"}"#).is_err());
    }
}
