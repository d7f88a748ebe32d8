//! A local emulator of the Trend Vision One v3.0 IAM API (`shared/visionone-api.md`): API keys,
//! roles and user accounts with the contract's rules enforced; the Workload Security API's keys,
//! roles and sessions under `/api` (`docs/contract/workload-security-api.md`); and a control
//! surface under `/_emulator/` for tests (clock, faults, rate limit, call log, reset).
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
mod workload;

pub use workload::WorkloadLogin;
#[cfg(feature = "test-network")]
pub mod test_pki;
#[cfg(feature = "test-network")]
pub mod test_proxy;
mod tls;

pub use tls::TlsIdentity;

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
    /// The user name and password `POST /api/sessions` accepts; None: sign-in always fails.
    pub workload_login: Option<WorkloadLogin>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: DEFAULT_ADMIN_TOKEN.to_string(),
            state_file: None,
            workload_login: None,
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
            .field("workload_login", &self.workload_login)
            .finish()
    }
}

/// A running emulator. Dropping it leaves the server running until the runtime ends; call
/// [`Handle::shutdown`] to stop it (and save its state).
pub struct Handle {
    addr: SocketAddr,
    scheme: &'static str,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    state_file: Option<PathBuf>,
}

/// Bind, load the state file if any, and serve in a background task.
pub async fn start(cfg: Config) -> std::io::Result<Handle> {
    serve(cfg, None).await
}

/// [`start`], serving HTTPS with `tls` as the server certificate.
pub async fn start_tls(cfg: Config, tls: &TlsIdentity) -> std::io::Result<Handle> {
    serve(cfg, Some(tls)).await
}

async fn serve(cfg: Config, tls: Option<&TlsIdentity>) -> std::io::Result<Handle> {
    let (store, offset, workload) = match &cfg.state_file {
        Some(path) => match persist::load(path)? {
            Some(mut snap) => {
                let offset = snap.clock_offset;
                let ws = workload::State::restore(cfg.workload_login.clone(), std::mem::take(&mut snap.workload));
                (Store::from_snapshot(snap), offset, ws)
            }
            None => (Store::new(), 0, workload::State::new(cfg.workload_login.clone())),
        },
        None => (Store::new(), 0, workload::State::new(cfg.workload_login.clone())),
    };
    let tls = tls.map(tls::acceptor).transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App::new(store, workload, cfg.admin_token, offset, addr));
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::accept_loop(listener, tls, app.clone(), stopped));
    Ok(Handle {
        addr,
        scheme,
        app,
        stop,
        task,
        state_file: cfg.state_file,
    })
}

impl Handle {
    /// `http://127.0.0.1:PORT` (`https://` with TLS): no trailing slash, no `/v3.0`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop serving (in-flight calls get a short grace period), then save the state file if any.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Some(path) = &self.state_file {
            let mut snap = lock(&self.app.store).snapshot(self.app.clock.offset());
            snap.workload = lock(&self.app.workload).snapshot();
            if let Err(e) = persist::save(path, &snap) {
                eprintln!("visionone-emulator: could not save state to {}: {e}", path.display());
            }
        }
    }
}
