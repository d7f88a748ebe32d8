//! The plugin process: handshake, listener, AutoMTLS, gRPC services, signals and shutdown.

use crate::handshake::{self, ListenAddr, StartError};
use crate::proto::plugin as gp;
use crate::provider::Provider;
use crate::rpc::ProviderService;
use crate::{log, tls};
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The provider's source address, e.g. `registry.terraform.io/visionone-iam/visionone`.
    pub source_address: String,
    /// `--debug`: no cookie, no TLS, print `TF_REATTACH_PROVIDERS`, exit on Ctrl-C.
    pub debug: bool,
}

impl ServeOptions {
    pub fn new(source_address: &str) -> Self {
        ServeOptions {
            source_address: source_address.to_string(),
            debug: false,
        }
    }
    /// Reads `--debug` from the process arguments.
    pub fn with_args(mut self) -> Self {
        self.debug = std::env::args().skip(1).any(|a| a == "--debug" || a == "-debug");
        self
    }
    /// `provider.<type>` for log lines, from the source address's last segment.
    fn log_module(&self) -> String {
        let name = self.source_address.rsplit('/').next().unwrap_or("provider");
        format!("provider.{name}")
    }
}

/// Why serving stopped with an error. Messages are for humans and hold no secrets.
#[derive(Debug)]
pub enum ServeError {
    Start(StartError),
    Setup(String),
    Transport(tonic::transport::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Start(e) => write!(f, "{e}"),
            ServeError::Setup(e) => write!(f, "cannot start the provider: {e}"),
            ServeError::Transport(e) => write!(f, "gRPC server failed: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// For a binary's `main`: checks the environment, prints the handshake line, runs the server on a
/// tokio runtime, and returns the exit code (1 with a message on stderr when it cannot run).
///
/// Terraform starts a provider process for every phase of every command and waits for the
/// handshake line, so everything that line needs (the socket, the server certificate) is made
/// first and the runtime, the TLS configuration and the services after it: Terraform's dial
/// waits in the socket's backlog until the accept loop runs.
pub fn serve_blocking(provider: Arc<dyn Provider>, opts: ServeOptions) -> std::process::ExitCode {
    let started = match start(&opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the provider: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(provider, opts, started));
    // Provider tasks still running (after a forced shutdown) must not hold the exit.
    rt.shutdown_timeout(Duration::from_millis(100));
    report_peak_rss();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Env var naming a file to which the process appends `<pid> <peak RSS in kB> <CPU ms>` on exit,
/// so a benchmark can measure the provider processes Terraform starts (it cannot wait on them).
pub const PEAK_RSS_FILE_ENV: &str = "TFPLUGIN_PEAK_RSS_FILE";

fn report_peak_rss() {
    let Some(path) = std::env::var_os(PEAK_RSS_FILE_ENV) else {
        return;
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let Some(kb) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    else {
        return;
    };
    let line = format!("{} {kb} {}\n", std::process::id(), cpu_ms());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (in clock ticks of
/// USER_HZ, which Linux fixes at 100 for that file).
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (the state); utime and stime are fields 14 and 15.
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) * 10
}

fn check_env() -> Result<u32, StartError> {
    handshake::check_cookie(std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref())?;
    handshake::negotiate_protocol(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref())
}

/// What the handshake line announced: the bound socket and, with AutoMTLS, the server identity
/// and the client certificate to pin.
struct Started {
    listener: StdListener,
    tls: Option<(tls::ServerIdentity, rustls::pki_types::CertificateDer<'static>)>,
    /// Removes the socket directory however the process ends from here on.
    cleanup: Cleanup,
}

/// Checks the environment, binds the socket, makes the certificate and prints the handshake line
/// (plus the reattach text in debug mode). No runtime is needed yet.
fn start(opts: &ServeOptions) -> Result<Started, ServeError> {
    log::set_module(&opts.log_module());
    log::install_panic_hook();
    if !opts.debug {
        check_env().map_err(ServeError::Start)?;
        // Before the handshake line: once Terraform has it, a Ctrl-C must not kill the plugin.
        ignore_sigint();
    }
    let tls = match std::env::var("PLUGIN_CLIENT_CERT").ok().filter(|_| !opts.debug) {
        Some(pem) if !pem.trim().is_empty() => {
            let client = tls::parse_cert_pem(&pem).map_err(ServeError::Setup)?;
            let identity = tls::ServerIdentity::generate().map_err(|e| ServeError::Setup(e.to_string()))?;
            Some((identity, client))
        }
        _ => None,
    };
    let listener = StdListener::bind().map_err(ServeError::Setup)?;
    let cleanup = listener.cleanup_guard();
    let addr = listener.addr();
    // Until `run` installs the SIGTERM handler, a SIGTERM waits instead of killing the plugin
    // with its socket left behind.
    hold_sigterm(true);
    print_stdout(&handshake::handshake_line(
        &addr,
        tls.as_ref().map(|(identity, _)| identity.cert_der.as_ref()),
    ));
    if opts.debug {
        let reattach = handshake::reattach_json(&opts.source_address, std::process::id(), &addr);
        print_stdout(&format!(
            "Provider started in debug mode. To attach Terraform, set in your shell:\n\n    \
             TF_REATTACH_PROVIDERS='{reattach}'\n\nPress Ctrl-C to stop."
        ));
    }
    log::debug(
        "plugin server started",
        &[("network", &addr.network()), ("address", &addr.address())],
    );
    Ok(Started { listener, tls, cleanup })
}

/// Serves `provider` until Terraform calls GRPCController.Shutdown (or SIGTERM; Ctrl-C in debug mode).
pub async fn serve(provider: Arc<dyn Provider>, opts: ServeOptions) -> Result<(), ServeError> {
    let started = start(&opts)?;
    run(provider, opts, started).await
}

/// The part after the handshake line: signals, TLS, the accept loop and the gRPC services.
async fn run(provider: Arc<dyn Provider>, opts: ServeOptions, started: Started) -> Result<(), ServeError> {
    let shutdown = CancellationToken::new();
    let watching = watch_signals(opts.debug, shutdown.clone());
    hold_sigterm(false);
    watching.map_err(|e| ServeError::Setup(format!("signals: {e}")))?;

    let Started {
        listener,
        tls,
        cleanup: _cleanup,
    } = started;
    let acceptor = match tls {
        Some((identity, client)) => Some(TlsAcceptor::from(
            tls::server_config(&identity, client).map_err(|e| ServeError::Setup(e.to_string()))?,
        )),
        None => None,
    };
    let listener = listener.into_tokio().map_err(ServeError::Setup)?;

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let (tx, rx) = mpsc::channel(16);
    // Terraform holds one connection for the plugin's life: once it is gone and Terraform (our
    // parent) has exited without Shutdown, nobody can call again. In debug mode every command
    // attaches anew, and the parent is a shell.
    let last_gone = (!opts.debug).then(|| (shutdown.clone(), std::os::unix::process::parent_id()));
    tokio::spawn(accept_loop(listener, acceptor, tx, shutdown.clone(), last_gone));
    let incoming = tokio_stream::wrappers::ReceiverStream::new(rx);

    // The provider's shutdown hook runs as soon as the process is asked to stop, alongside the
    // connections' drain, so both fit in go-plugin's 2 s before it kills the plugin.
    let hook = {
        let (p, stopping) = (provider.clone(), shutdown.clone());
        tokio::spawn(async move {
            stopping.cancelled().await;
            crate::rpc::shut_down(&p).await;
        })
    };

    let server = tonic::transport::Server::builder()
        .add_service(crate::proto::tfplugin6::provider_server::ProviderServer::new(
            ProviderService::new(provider),
        ))
        .add_service(gp::grpc_controller_server::GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(health)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());

    // Graceful shutdown waits for open connections; cap it so the process always exits.
    let grace = async {
        shutdown.cancelled().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let served = tokio::select! {
        r = server => r.map_err(ServeError::Transport),
        _ = grace => Ok(()),
    };
    // However serving ended (a transport error included), the hook runs before the exit.
    shutdown.cancel();
    let _ = hook.await;
    log::debug("plugin server stopped", &[]);
    served
}

fn print_stdout(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Terraform sends Ctrl-C's SIGINT to the whole process group and then stops operations with
/// StopProvider, so the plugin ignores SIGINT, from before its handshake line on.
#[allow(unsafe_code)]
fn ignore_sigint() {
    // SAFETY: SIG_IGN installs no handler code; nothing else has touched SIGINT yet.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// Blocks (`hold`) or unblocks SIGTERM in this thread. `start` blocks it before the handshake line
/// (the runtime's threads, made after, inherit that) and `run` unblocks it once the handler is in,
/// so a SIGTERM that came in between is delivered then and still ends the plugin cleanly.
#[allow(unsafe_code)]
fn hold_sigterm(hold: bool) {
    let how = if hold { libc::SIG_BLOCK } else { libc::SIG_UNBLOCK };
    // SAFETY: the set is initialised by sigemptyset before use; pthread_sigmask only changes this
    // thread's mask and is given no old-set pointer.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// SIGTERM shuts down cleanly so the socket is removed; in debug mode Ctrl-C does too.
fn watch_signals(debug: bool, shutdown: CancellationToken) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = if debug {
        Some(signal(SignalKind::interrupt())?)
    } else {
        None
    };
    tokio::spawn(async move {
        match int.as_mut() {
            Some(int) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            None => {
                term.recv().await;
            }
        }
        shutdown.cancel();
    });
    Ok(())
}

/// The socket as bound before the runtime exists; the unix socket lives in a fresh private
/// directory.
enum StdListener {
    Unix(std::os::unix::net::UnixListener, PathBuf),
    Tcp(std::net::TcpListener),
}

impl StdListener {
    /// Unix socket by default; TCP on 127.0.0.1 in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when
    /// `TF_PLUGIN_TRANSPORT=tcp` or when the socket cannot be made.
    fn bind() -> Result<StdListener, String> {
        let want_tcp = std::env::var("TF_PLUGIN_TRANSPORT").is_ok_and(|v| v.eq_ignore_ascii_case("tcp"));
        if !want_tcp {
            match bind_unix() {
                Ok(l) => return Ok(l),
                Err(e) => log::warn("unix socket unavailable, using TCP", &[("error", &e)]),
            }
        }
        bind_tcp()
    }

    fn addr(&self) -> ListenAddr {
        match self {
            StdListener::Unix(_, dir) => ListenAddr::Unix(dir.join("plugin.sock")),
            StdListener::Tcp(l) => ListenAddr::Tcp(
                l.local_addr()
                    .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            ),
        }
    }

    fn cleanup_guard(&self) -> Cleanup {
        match self {
            StdListener::Unix(_, dir) => Cleanup(Some(dir.clone())),
            StdListener::Tcp(_) => Cleanup(None),
        }
    }

    /// Hands the socket to tokio (needs the runtime).
    fn into_tokio(self) -> Result<Listener, String> {
        let fail = |e: std::io::Error| format!("cannot register the listener: {e}");
        match self {
            StdListener::Unix(l, _) => {
                l.set_nonblocking(true).map_err(fail)?;
                Ok(Listener::Unix(UnixListener::from_std(l).map_err(fail)?))
            }
            StdListener::Tcp(l) => {
                l.set_nonblocking(true).map_err(fail)?;
                Ok(Listener::Tcp(TcpListener::from_std(l).map_err(fail)?))
            }
        }
    }
}

/// The listener the accept loop serves.
enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Removes the socket directory when serving ends, however it ends.
struct Cleanup(Option<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_file(dir.join("plugin.sock"));
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn bind_unix() -> std::io::Result<StdListener> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let mut last_err = None;
    for attempt in 0..8u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!("plugin-{}-{:08x}{attempt}", std::process::id(), nanos));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                return match std::os::unix::net::UnixListener::bind(dir.join("plugin.sock")) {
                    Ok(l) => Ok(StdListener::Unix(l, dir)),
                    Err(e) => {
                        let _ = std::fs::remove_dir(&dir);
                        Err(e)
                    }
                }
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no temporary directory")))
}

fn bind_tcp() -> Result<StdListener, String> {
    let port = |k: &str, d: u16| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (min, max) = (port("PLUGIN_MIN_PORT", 10000), port("PLUGIN_MAX_PORT", 25000));
    for p in min..=max {
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", p)) {
            return Ok(StdListener::Tcp(l));
        }
    }
    Err(format!("no free TCP port on 127.0.0.1 between {min} and {max}"))
}

/// A client that does not finish the TLS handshake in this time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections and completes TLS in separate tasks, feeding tonic.
async fn accept_loop(
    listener: Listener,
    tls: Option<TlsAcceptor>,
    tx: mpsc::Sender<std::io::Result<Io>>,
    shutdown: CancellationToken,
    last_gone: Option<(CancellationToken, u32)>,
) {
    let live = Arc::new(Live {
        count: std::sync::atomic::AtomicUsize::new(0),
        on_last_gone: last_gone,
    });
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = accept(&listener) => a,
        };
        match accepted {
            Ok(io) => {
                let (tx, tls, shutdown, live) = (tx.clone(), tls.clone(), shutdown.clone(), live.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, finish(io, tls)).await {
                        Ok(Ok(mut io)) => {
                            io.1 = Some(Live::enter(&live));
                            let _ = tx.send(Ok(io)).await;
                        }
                        // Terraform drops spare connections while it shuts the plugin down.
                        Ok(Err(e)) if shutdown.is_cancelled() => {
                            log::debug("connection closed during shutdown", &[("error", &e)])
                        }
                        Ok(Err(e)) => log::warn("refused a connection: TLS handshake failed", &[("error", &e)]),
                        Err(_) => log::warn("refused a connection: TLS handshake timed out", &[]),
                    }
                });
            }
            Err(e) => {
                log::warn("accept failed", &[("error", &e)]);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A freshly accepted stream before TLS.
enum Raw {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

async fn accept(listener: &Listener) -> std::io::Result<Raw> {
    match listener {
        Listener::Unix(l) => Ok(Raw::Unix(l.accept().await?.0)),
        Listener::Tcp(l) => {
            let (s, _) = l.accept().await?;
            // Without NODELAY, delayed ACKs stall every call by ~40 ms.
            s.set_nodelay(true)?;
            Ok(Raw::Tcp(s))
        }
    }
}

async fn finish(raw: Raw, tls: Option<TlsAcceptor>) -> std::io::Result<Io> {
    match (raw, tls) {
        (Raw::Unix(s), Some(t)) => Ok(Io(Box::pin(t.accept(s).await?), None)),
        (Raw::Tcp(s), Some(t)) => Ok(Io(Box::pin(t.accept(s).await?), None)),
        (Raw::Unix(s), None) => Ok(Io(Box::pin(s), None)),
        (Raw::Tcp(s), None) => Ok(Io(Box::pin(s), None)),
    }
}

trait AsyncIo: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> AsyncIo for T {}

/// One connection, plain or TLS, unix or TCP, counted while it is open.
struct Io(Pin<Box<dyn AsyncIo>>, Option<LiveGuard>);

/// The connections open now; when the last one closes and the parent process (Terraform,
/// whose pid is kept beside the token) is gone too, the token fires.
struct Live {
    count: std::sync::atomic::AtomicUsize,
    on_last_gone: Option<(CancellationToken, u32)>,
}

/// How long after its connection closed the plugin looks for Terraform's exit: the kernel
/// closes a dying process's sockets just before it reparents its children.
const PARENT_EXIT_WATCH: Duration = Duration::from_secs(1);

struct LiveGuard(Arc<Live>);

impl Live {
    fn enter(live: &Arc<Live>) -> LiveGuard {
        live.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        LiveGuard(live.clone())
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) != 1 {
            return;
        }
        let (Some((token, parent)), Ok(rt)) = (self.0.on_last_gone.clone(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let live = self.0.clone();
        // A closed connection alone is no reason to exit (a client may connect again); a
        // Terraform that is gone is.
        rt.spawn(async move {
            let until = tokio::time::Instant::now() + PARENT_EXIT_WATCH;
            while tokio::time::Instant::now() < until {
                if live.count.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                    return;
                }
                if std::os::unix::process::parent_id() != parent {
                    log::debug("Terraform exited without shutting the plugin down: shutting down", &[]);
                    token.cancel();
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
}

impl Connected for Io {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Io {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Io {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.0.as_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

/// go-plugin's controller: Shutdown ends the process cleanly.
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _req: tonic::Request<gp::Empty>) -> Result<tonic::Response<gp::Empty>, tonic::Status> {
        log::debug("GRPCController.Shutdown: exiting", &[]);
        self.shutdown.cancel();
        Ok(tonic::Response::new(gp::Empty {}))
    }
}

/// go-plugin's stdio stream: logs go to stderr directly, so the stream stays empty and
/// ends at shutdown.
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _req: tonic::Request<()>,
    ) -> Result<tonic::Response<tonic::codegen::BoxStream<gp::StdioData>>, tonic::Status> {
        use futures_util::StreamExt;
        let done = self.shutdown.clone().cancelled_owned();
        let stream = futures_util::stream::once(done).filter_map(|()| async { None });
        Ok(tonic::Response::new(Box::pin(stream)))
    }
}
