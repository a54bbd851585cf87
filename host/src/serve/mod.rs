//! `smtp-sensor serve`: a Prometheus prober, a drop-in for blackbox_exporter's `/probe`
//! for mail servers. One compiled component for the process; every probe runs in a fresh
//! sandbox with its own memory and time caps, at most `--max-concurrent-probes` at once
//! (the rest wait, within their deadline). Modules are the sensors of the `check --config`
//! file, each with the list of targets it may probe (none by default), so an exposed
//! prober cannot be pointed anywhere else.
//!
//! Operations: SIGHUP or `POST /-/reload` reads the file again (a bad file is refused and
//! the old one kept); SIGTERM or SIGINT (on Windows Ctrl-C, Ctrl-Break or a shutdown) stops
//! accepting, lets in-flight probes finish and exits (see [`signals`]); one log line per
//! probe. Once idle, the prober gives back the heap a burst of probes freed; a component
//! not yet in the cache is compiled by a short-lived child.

mod auth;
mod descriptors;
mod heap;
mod history;
mod http;
mod log;
mod metrics;
mod modules;
mod page;
pub mod precompile;
mod probe;
mod process;
mod signals;
mod state;
mod web_config;

pub use heap::PERIOD as HEAP_RELEASE_PERIOD;
pub use log::LogFormat;
pub use process::Process;

use crate::engine::Runner;
use crate::exit_code;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use modules::Modules;
use state::State;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use web_config::WebConfig;

/// Where the prober listens by default: every interface, port 10587 (587 is SMTP
/// submission). Prometheus' exporter range, 9100-9999, is fully allocated (9587 is the
/// nfs-ganesha exporter's); 10587 is outside it, below Linux's ephemeral ports, and not in
/// Debian's /etc/services.
pub const DEFAULT_LISTEN: &str = ":10587";

/// How long a client may take to send a request's headers or finish a TLS handshake.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// `serve`'s command line.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The TOML file of sensors ([sensors.NAME] tables): each is a module; its `targets`
    /// key lists what it may probe.
    #[arg(long, visible_alias = "config.file", value_name = "FILE")]
    pub config: PathBuf,
    /// Where to listen: HOST:PORT, or :PORT for every interface.
    #[arg(
        long,
        visible_alias = "web.listen-address",
        value_name = "ADDR",
        default_value = DEFAULT_LISTEN
    )]
    pub listen: String,
    /// TLS and basic authentication, in the Prometheus exporter-toolkit's format.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<PathBuf>,
    /// How many probes run at once; more wait for a free slot within their deadline.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_concurrent_probes: u32,
    /// Seconds taken off Prometheus' scrape timeout, to leave time for the answer (0 to 60).
    #[arg(long, value_name = "SECS", default_value = "0.5", value_parser = timeout_offset)]
    pub timeout_offset: Duration,
    /// How many recent probes the status page keeps.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub history: u32,
    /// The log lines' format.
    #[arg(long = "log.format", value_enum, default_value_t = LogFormat::Logfmt)]
    pub log_format: LogFormat,
    /// Run another build of the component instead of the embedded one.
    #[arg(long, value_name = "PATH")]
    pub component: Option<PathBuf>,
    /// Where the host's DNS comes from (the contract's `dns`), for every probe.
    #[command(flatten)]
    pub dns: crate::cli::dns_args::DnsArgs,
}

/// The most `--timeout-offset` takes, in seconds.
const MAX_TIMEOUT_OFFSET_SECONDS: f64 = 60.0;

/// `--timeout-offset`: seconds from 0 to 60, checked by clap like the other flags.
fn timeout_offset(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if (0.0..=MAX_TIMEOUT_OFFSET_SECONDS).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "give 0 to {MAX_TIMEOUT_OFFSET_SECONDS} seconds (the default is 0.5)"
        )),
    }
}

/// Runs the prober until a stop signal (see [`signals`]); the exit code.
pub fn main(args: ServeArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("smtp-sensor serve: cannot start the async runtime: {error}");
            return exit_code::USAGE;
        }
    };
    // The prober runs as a task on the runtime's workers. On this thread, which is not a
    // worker, its accept loop would hand every connection over to one: a thread switch
    // per probe.
    let served = runtime.block_on(async {
        tokio::spawn(run(args))
            .await
            .unwrap_or_else(|e| Err(format!("the prober stopped: {e}")))
    });
    // A stop while the component was being compiled leaves that compile running: do not
    // wait for it.
    runtime.shutdown_background();
    match served {
        Ok(()) => exit_code::UP,
        Err(message) => {
            eprintln!("smtp-sensor serve: {message}");
            exit_code::USAGE
        }
    }
}

async fn run(args: ServeArgs) -> Result<(), String> {
    let log = args.log_format;
    let modules = Modules::read(&args.config)?;
    modules.warn_store_result(log);
    let web = Arc::new(WebConfig::read_or_default(args.web_config_file.as_deref())?);
    let resolver = args.dns.resolver(Some(&modules.dns))?;
    // Listening comes before the component: while it is compiled (seconds without a
    // cache), /-/healthy answers and /-/ready says 503, as Prometheus' own servers do
    // while they load, so an orchestrator neither kills a prober that is starting nor
    // sends it probes.
    let listener = bind(&args.listen).await?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let signal_error = |e: std::io::Error| format!("cannot watch for signals: {e}");
    let mut stop = signals::Stop::watch().map_err(signal_error)?;
    let hangups = signals::Hangups::watch().map_err(signal_error)?;
    log.write(
        "info",
        "starting: /-/healthy answers, /-/ready once the component is compiled",
        &[("address", address.to_string())],
    );
    let component = args.component.clone();
    let probes = args.max_concurrent_probes;
    let compiling = tokio::task::spawn_blocking(move || compile(component, resolver, probes, log));
    let mut compiled = None;
    let mut stopped = None;
    let web_now = Arc::clone(&web);
    let started = accept(
        &listener,
        http::starting(Arc::clone(&web)),
        move || Arc::clone(&web_now),
        async {
            tokio::select! {
                done = compiling => compiled = Some(done),
                signal = stop.received() => stopped = Some(signal),
            }
        },
    )
    .await;
    // The listener stays open: connections meanwhile wait in its backlog for the router.
    started.shutdown().await;
    if let Some(signal) = stopped {
        log.write(
            "info",
            "stopped before the component was ready",
            &[("signal", signal.into())],
        );
        return Ok(());
    }
    let (runner, instances, ahead) = compiled
        .expect("the start-up ends when compiled or stopped")
        .map_err(|e| format!("compiling the component stopped: {e}"))??;
    let slots = args.max_concurrent_probes as usize;
    let state = Arc::new(State {
        runner,
        config_path: args.config.clone(),
        modules: RwLock::new(Arc::new(modules)),
        slots: tokio::sync::Semaphore::new(slots),
        slot_count: slots,
        metrics: metrics::Metrics::new(),
        history: history::History::new(args.history as usize),
        log,
        timeout_offset: args.timeout_offset,
        web_path: args.web_config_file.clone(),
        web: RwLock::new(web),
        reloading: tokio::sync::Mutex::new(()),
        last_reload: RwLock::new(None),
    });
    hangups.reload(Arc::clone(&state));
    tokio::spawn(heap::release_when_idle(Arc::clone(&state)));
    let web = state.web();
    let scheme = web.scheme();
    let (open_files, short) = descriptors::raise(slots as u64);
    if let Some(warning) = short {
        log.write("warn", &warning, &[]);
    }
    log.write(
        "info",
        "listening",
        &[
            ("address", address.to_string()),
            ("scheme", scheme.into()),
            ("config", args.config.display().to_string()),
            ("modules", state.modules().names()),
            ("basic_auth", web.users.is_some().to_string()),
            ("max_concurrent_probes", slots.to_string()),
            ("instances", instances),
            ("component", ahead.describe()),
            (
                "open_files",
                open_files.map_or("unlimited".into(), |n| n.to_string()),
            ),
        ],
    );
    let stopping = async {
        let signal = stop.received().await;
        log.write(
            "info",
            "stopping: no new connections; in-flight probes finish",
            &[("signal", signal.into())],
        );
    };
    let shared = Arc::clone(&state);
    let serving = accept(
        &listener,
        http::router(Arc::clone(&state)),
        move || shared.web(),
        stopping,
    )
    .await;
    // New connections are refused from here; the open ones finish their requests.
    drop(listener);
    serving.shutdown().await;
    log.write("info", "stopped", &[]);
    Ok(())
}

/// The compiled component, pooled for `probes` at once (in a helper process first when
/// the cache lacks it, see [`precompile`]): the runner, its pool in words and how it came
/// by the component; with the DNS resolver of `--dns-server` and the file, if any.
/// Blocking: seconds when there is no cache.
fn compile(
    component: Option<PathBuf>,
    resolver: Option<Arc<crate::engine::dns::Resolver>>,
    probes: u32,
    log: LogFormat,
) -> Result<(Runner, String, precompile::Ahead), String> {
    let ahead = precompile::compile_ahead(component.as_deref());
    if let precompile::Ahead::Failed(why) = &ahead {
        log.write(
            "warn",
            "a helper process could not compile the component into the cache; the prober \
             compiles it and keeps the compiler's memory",
            &[("error", why.clone())],
        );
    }
    let runner = Runner::for_component(component.as_deref())?;
    let runner = match resolver {
        Some(resolver) => runner.with_dns(resolver),
        None => runner,
    };
    if let (Some(trouble), false) = (
        runner.cache_trouble(),
        matches!(ahead, precompile::Ahead::Failed(_)),
    ) {
        log.write("warn", trouble, &[]);
    }
    let (runner, instances) = runner.pooled(probes).map_err(|e| format!("{e:#}"))?;
    Ok((runner, instances.to_string(), ahead))
}

/// Binds `--listen`: `HOST:PORT`, or `:PORT` for every interface (IPv6 and IPv4 where
/// the system allows both, else IPv4).
async fn bind(listen: &str) -> Result<TcpListener, String> {
    let fail = |e: std::io::Error| {
        format!("invalid --listen {listen}: cannot listen there ({e}); give HOST:PORT or :PORT")
    };
    if let Some(port) = listen.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| {
            format!("invalid --listen {listen}: {port:?} is not a port; give {DEFAULT_LISTEN}")
        })?;
        return match listen_on(SocketAddr::from(([0u16; 8], port))) {
            Ok(listener) => Ok(listener),
            Err(_) => listen_on(SocketAddr::from(([0u8; 4], port))).map_err(fail),
        };
    }
    let address: SocketAddr = listen.parse().map_err(|_| {
        format!(
            "invalid --listen {listen:?}: give an address and port, such as \
             127.0.0.1{DEFAULT_LISTEN}, [::1]{DEFAULT_LISTEN}, or {DEFAULT_LISTEN} for every \
             interface (the default)"
        )
    })?;
    listen_on(address).map_err(fail)
}

/// How many connections the kernel may hold for the prober before it accepts them (capped
/// by `net.core.somaxconn`, 4096 on current Linux). tokio's default, 1024, overflows under
/// a burst of a thousand connections: the kernel then drops the handshakes it has no room
/// for, and their clients wait on connections the prober never saw.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `address` with [`LISTEN_BACKLOG`] (and, as `TcpListener::bind` does on
/// Unix, `SO_REUSEADDR`, so a restarted prober can listen at once).
fn listen_on(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves connections with `router` until `stop` completes; then the caller closes the
/// listener or keeps it for the next router, and `.shutdown().await` on the answer waits
/// for the open connections to finish their requests (idle keep-alive connections are
/// closed at once). Each connection gets the TLS configuration `web` gives when accepted.
async fn accept(
    listener: &TcpListener,
    router: axum::Router,
    web: impl Fn() -> Arc<WebConfig>,
    stop: impl std::future::Future<Output = ()>,
) -> GracefulShutdown {
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        let tls = web().tls.clone().map(TlsAcceptor::from);
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(CLIENT_TIMEOUT);
            match tls {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
        });
    }
    graceful
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_offset_is_checked_like_every_other_flag() {
        assert_eq!(timeout_offset("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(timeout_offset("0"), Ok(Duration::ZERO));
        assert_eq!(timeout_offset("60"), Ok(Duration::from_secs(60)));
        for bad in ["-1", "61", "NaN", "soon", "inf"] {
            assert!(
                timeout_offset(bad).unwrap_err().contains("0 to 60"),
                "{bad}"
            );
        }
    }
}
