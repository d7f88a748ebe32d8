//! The shared state of one running emulator: the tenant's data (both APIs'), the admin tokens, the
//! clock and the test controls (faults, rate limit, call log).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

use crate::call_log::CallLog;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::rate_limit::RateLimit;
use crate::store::Store;
use crate::workload;

pub struct App {
    pub store: Mutex<Store>,
    /// The Workload Security API's keys and sessions (`/api`).
    pub workload: Mutex<workload::State>,
    pub controls: Mutex<Controls>,
    /// Admin tokens: Master Administrator credentials that are not listed keys.
    pub tokens: Mutex<HashSet<String>>,
    pub clock: Clock,
    /// Where the emulator listens (the fallback host of `nextLink`).
    pub local: SocketAddr,
}

/// What tests steer through `/_emulator/`.
#[derive(Default)]
pub struct Controls {
    pub faults: Faults,
    pub rate_limit: RateLimit,
    pub calls: CallLog,
}

impl App {
    pub fn new(
        store: Store,
        workload: workload::State,
        admin_token: String,
        clock_offset: i64,
        local: SocketAddr,
    ) -> Self {
        App {
            store: Mutex::new(store),
            workload: Mutex::new(workload),
            controls: Mutex::new(Controls::default()),
            tokens: Mutex::new(HashSet::from([admin_token])),
            clock: Clock::new(clock_offset),
            local,
        }
    }
}

/// Lock a mutex, ignoring poisoning: every critical section leaves the data consistent, so a
/// panic elsewhere must not take the emulator down with it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
