//! State shared by every clone of one `Client` for batching and shared reads: the batchers, the list
//! snapshots, the settings and counters. Created on first use; nothing runs until a call needs it.
//!

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use visionone_api::{Account, ApiKey, ApiKeyCreate, ApiKeyCreated, Role, MAX_BATCH};

use crate::coalesce::Batcher;
use crate::snapshot::SharedList;
use crate::Client;

/// The environment variable that turns batching and shared reads off (`0`, `false`, `off`, `no`).
pub const COALESCE_ENV: &str = "VISIONONE_COALESCE";
/// Overrides the batching window, in milliseconds (for tuning and benchmarks).
pub const COALESCE_WINDOW_ENV: &str = "VISIONONE_COALESCE_WINDOW_MS";
/// Overrides the share of a batch's answer time a batch may be held, in percent, 1 to 1000 (for benchmarks:
/// `make bench` measures what holding longer buys in calls and costs in wall time).
pub const COALESCE_HOLD_ENV: &str = "VISIONONE_COALESCE_HOLD_PERCENT";
/// Overrides the quiet window's factor (0: none), for the same benchmark.
pub const COALESCE_QUIET_ENV: &str = "VISIONONE_COALESCE_QUIET_FACTOR";

/// How a client batches key creates/deletes and serves reads from shared list snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoalesceSettings {
    /// Off: every coalesced call is a plain single call and every shared read a single `GET`.
    pub enabled: bool,
    /// The longest a batch waits for company while nothing is known of the API's speed (later it
    /// waits at most a tenth of a batch's answer time, see `coalesce.rs`), and how long a group of
    /// readers is gathered.
    pub window: Duration,
    /// Once the API's speed is known, a batch is held at most this percentage of the time a batch
    /// takes to answer (and never beyond `window`). Holding longer makes fewer calls, but every
    /// caller held is a resource Terraform waits for.
    pub hold_percent: u32,
    /// A batch goes when no caller joined for this many times the usual gap between callers
    /// (0: never for quiet; only when everyone is there, or full, or held long enough).
    pub quiet_factor: u32,
    /// A batch is sent at once when it holds this many items (the API takes at most 50).
    pub max_batch: usize,
    /// Readers gathered in one window up to this many are served by single `GET`s; more build a snapshot.
    pub few_reads: usize,
    /// After this many single `GET`s in one client, the next reader builds a snapshot even alone.
    pub single_get_budget: u64,
    /// A snapshot older than this is fetched again (a provider process rarely lives this long).
    pub snapshot_max_age: Duration,
}

impl Default for CoalesceSettings {
    fn default() -> Self {
        CoalesceSettings {
            enabled: true,
            window: Duration::from_millis(30),
            hold_percent: 10,
            quiet_factor: 3,
            max_batch: MAX_BATCH,
            few_reads: 3,
            single_get_budget: 8,
            snapshot_max_age: Duration::from_secs(600),
        }
    }
}

impl CoalesceSettings {
    /// The defaults, with `enabled` from `VISIONONE_COALESCE` (on unless it says 0/false/off/no).
    pub fn from_env() -> Self {
        let enabled = std::env::var(COALESCE_ENV).map_or(true, |v| env_enables(&v));
        let mut s = CoalesceSettings {
            enabled,
            ..CoalesceSettings::default()
        };
        if let Some(ms) = std::env::var(COALESCE_WINDOW_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            s.window = Duration::from_millis(ms.clamp(1, 1000));
        }
        if let Some(p) = std::env::var(COALESCE_HOLD_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            s.hold_percent = p.clamp(1, 1000);
        }
        if let Some(f) = std::env::var(COALESCE_QUIET_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            s.quiet_factor = f.min(100);
        }
        s
    }
}

fn env_enables(value: &str) -> bool {
    !matches!(value.trim().to_ascii_lowercase().as_str(), "0" | "false" | "off" | "no")
}

/// Counters of what batching and shared reads did, across all clones of one client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoalesceStats {
    /// Batches handed to `create_api_keys` by coalesced creates.
    pub create_batches: u64,
    /// Items in those batches.
    pub create_items: u64,
    /// Batches handed to `delete_api_keys` by coalesced deletes.
    pub delete_batches: u64,
    pub delete_items: u64,
    /// Keys created for a caller that had gone away, then deleted again.
    pub orphans_deleted: u64,
    /// Such keys that could not be deleted (each was logged on stderr with its id).
    pub orphans_left: u64,
    /// Complete list fetches made for shared reads.
    pub snapshots: u64,
    /// Shared reads answered by a single `GET`.
    pub single_gets: u64,
}

/// The kinds of object that shared reads cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    ApiKey,
    Role,
    Account,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub create_batches: AtomicU64,
    pub create_items: AtomicU64,
    pub delete_batches: AtomicU64,
    pub delete_items: AtomicU64,
    pub orphans_deleted: AtomicU64,
    pub orphans_left: AtomicU64,
    pub snapshots: AtomicU64,
    pub single_gets: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

pub(crate) struct Shared {
    settings: Mutex<CoalesceSettings>,
    pub counters: Counters,
    pub creates: Arc<Batcher<ApiKeyCreate, ApiKeyCreated>>,
    pub deletes: Arc<Batcher<String, ()>>,
    pub keys: Arc<SharedList<ApiKey>>,
    pub roles: Arc<SharedList<Role>>,
    pub accounts: Arc<SharedList<Account>>,
}

impl Shared {
    fn new() -> Self {
        Shared {
            settings: Mutex::new(CoalesceSettings::from_env()),
            counters: Counters::default(),
            creates: Arc::default(),
            deletes: Arc::default(),
            keys: Arc::default(),
            roles: Arc::default(),
            accounts: Arc::default(),
        }
    }

    pub fn settings(&self) -> CoalesceSettings {
        lock(&self.settings).clone()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Client {
    /// This client's shared state, created on first use (reading `VISIONONE_COALESCE` then).
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.inner.shared.get_or_init(|| Arc::new(Shared::new())).clone()
    }

    /// The batching/shared-read settings in force (from `VISIONONE_COALESCE` until set).
    pub fn coalesce_settings(&self) -> CoalesceSettings {
        self.shared().settings()
    }

    /// Change the batching/shared-read settings for every clone; batches already open keep theirs.
    pub fn set_coalesce_settings(&self, settings: CoalesceSettings) {
        let mut s = settings;
        s.max_batch = s.max_batch.clamp(1, MAX_BATCH);
        *lock(&self.shared().settings) = s;
    }

    /// What batching and shared reads have done so far.
    pub fn coalesce_stats(&self) -> CoalesceStats {
        let c = &self.shared().counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CoalesceStats {
            create_batches: get(&c.create_batches),
            create_items: get(&c.create_items),
            delete_batches: get(&c.delete_batches),
            delete_items: get(&c.delete_items),
            orphans_deleted: get(&c.orphans_deleted),
            orphans_left: get(&c.orphans_left),
            snapshots: get(&c.snapshots),
            single_gets: get(&c.single_gets),
        }
    }

    /// Tell shared reads that this client created or changed an object (through a call that does
    /// not do so itself, e.g. `update_api_key` or `create_role`): its next shared read is a `GET`.
    pub fn note_changed(&self, kind: ObjectKind, id: &str) {
        let s = self.shared();
        match kind {
            ObjectKind::ApiKey => s.keys.note_changed(id),
            ObjectKind::Role => s.roles.note_changed(id),
            ObjectKind::Account => s.accounts.note_changed(id),
        }
    }

    /// Tell shared reads that this client deleted an object: its shared reads answer `None`.
    pub fn note_deleted(&self, kind: ObjectKind, id: &str) {
        let s = self.shared();
        match kind {
            ObjectKind::ApiKey => s.keys.note_deleted(id),
            ObjectKind::Role => s.roles.note_deleted(id),
            ObjectKind::Account => s.accounts.note_deleted(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;

    #[test]
    fn env_values() {
        for off in ["0", "false", "OFF", " no "] {
            assert!(!env_enables(off), "{off}");
        }
        for on in ["1", "true", "", "yes"] {
            assert!(env_enables(on), "{on}");
        }
    }

    #[test]
    fn clones_share_state_and_clients_do_not() {
        let a = Client::new(ClientConfig::new("http://127.0.0.1:9", "k")).unwrap();
        let b = Client::new(ClientConfig::new("http://127.0.0.1:9", "k")).unwrap();
        let settings = CoalesceSettings {
            enabled: false,
            max_batch: 500,
            ..CoalesceSettings::default()
        };
        a.set_coalesce_settings(settings);
        let a2 = a.clone();
        assert!(!a2.coalesce_settings().enabled);
        assert_eq!(
            a2.coalesce_settings().max_batch,
            MAX_BATCH,
            "clamped to the API's batch size"
        );
        assert_eq!(b.coalesce_settings(), CoalesceSettings::from_env());
        assert!(Arc::ptr_eq(&a.shared(), &a2.shared()));
        assert!(!Arc::ptr_eq(&a.shared(), &b.shared()));
    }
}
