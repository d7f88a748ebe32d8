//! A local emulator of the Trend Vision One v3.0 IAM API (`docs/contract/visionone-api.md`): API keys,
//! roles and user accounts with the contract's rules enforced, plus a control surface under
//! `/_emulator/` for tests (clock, faults, rate limit, call log, reset).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emu = visionone_emulator::start(visionone_emulator::Config::default()).await?;
//! println!("{}", emu.base_url()); // http://127.0.0.1:PORT
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
mod call_log;
mod clock;
mod error;
mod faults;
pub mod filter;
mod http;
mod list;
mod permissions;
mod persist;
mod rate_limit;
mod server;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{lock, App};
use crate::store::Store;

/// The admin token used when none is given.
pub const DEFAULT_ADMIN_TOKEN: &str = "emulator-admin-token";

/// How to start an emulator.
#[derive(Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// A Master Administrator credential that is not a listed key.
    pub admin_token: String,
    /// Where to load the tenant's data from at start and save it at shutdown.
    pub state_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: DEFAULT_ADMIN_TOKEN.to_string(),
            state_file: None,
        }
    }
}

impl std::fmt::Debug for Config {
    /// The admin token is a credential: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("admin_token", &"<redacted>")
            .field("state_file", &self.state_file)
            .finish()
    }
}

/// A running emulator. Dropping it leaves the server running until the runtime ends; call
/// [`Handle::shutdown`] to stop it (and save its state).
pub struct Handle {
    addr: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    state_file: Option<PathBuf>,
}

/// Bind, load the state file if any, and serve in a background task.
pub async fn start(cfg: Config) -> std::io::Result<Handle> {
    let (store, offset) = match &cfg.state_file {
        Some(path) => match persist::load(path)? {
            Some(snap) => {
                let offset = snap.clock_offset;
                (Store::from_snapshot(snap), offset)
            }
            None => (Store::new(), 0),
        },
        None => (Store::new(), 0),
    };
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App::new(store, cfg.admin_token, offset, addr));
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::accept_loop(listener, app.clone(), stopped));
    Ok(Handle {
        addr,
        app,
        stop,
        task,
        state_file: cfg.state_file,
    })
}

impl Handle {
    /// `http://127.0.0.1:PORT`: no trailing slash, no `/v3.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop serving (in-flight calls get a short grace period), then save the state file if any.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Some(path) = &self.state_file {
            let snap = lock(&self.app.store).snapshot(self.app.clock.offset());
            if let Err(e) = persist::save(path, &snap) {
                eprintln!("visionone-emulator: could not save state to {}: {e}", path.display());
            }
        }
    }
}
