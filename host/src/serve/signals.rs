//! What the operating system tells the prober: stop (stop accepting, let in-flight probes
//! finish, exit) and, on Unix, reload.
//!
//! - Unix: SIGTERM and SIGINT stop it; SIGHUP reloads (`systemctl reload`).
//! - Windows: Ctrl-C, Ctrl-Break, closing its console and a system shutdown stop it (a
//!   service wrapper such as WinSW or NSSM sends Ctrl-C when the service is stopped);
//!   there is no SIGHUP: `POST /-/reload` reloads, as it does everywhere.

use super::state::State;
use std::io;
use std::sync::Arc;

/// The stop signals, watched from the start (so one that comes early is not lost).
pub struct Stop {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    #[cfg(windows)]
    ctrl_break: tokio::signal::windows::CtrlBreak,
    #[cfg(windows)]
    ctrl_close: tokio::signal::windows::CtrlClose,
    #[cfg(windows)]
    ctrl_shutdown: tokio::signal::windows::CtrlShutdown,
}

impl Stop {
    /// Starts watching for the stop signals.
    #[cfg(unix)]
    pub fn watch() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Starts watching for the stop signals.
    #[cfg(windows)]
    pub fn watch() -> io::Result<Self> {
        use tokio::signal::windows;
        Ok(Self {
            ctrl_c: windows::ctrl_c()?,
            ctrl_break: windows::ctrl_break()?,
            ctrl_close: windows::ctrl_close()?,
            ctrl_shutdown: windows::ctrl_shutdown()?,
        })
    }

    /// Waits for the first stop signal; its name, for the log.
    #[cfg(unix)]
    pub async fn received(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    /// Waits for the first stop signal; its name, for the log.
    #[cfg(windows)]
    pub async fn received(&mut self) -> &'static str {
        tokio::select! {
            _ = self.ctrl_c.recv() => "Ctrl-C",
            _ = self.ctrl_break.recv() => "Ctrl-Break",
            _ = self.ctrl_close.recv() => "console closed",
            _ = self.ctrl_shutdown.recv() => "system shutdown",
        }
    }
}

/// SIGHUPs, watched from the start: one that arrives while the component is being
/// compiled waits here, and reloads once the prober is ready, where the default action
/// would have ended the prober (systemd's `ExecReload` sends one whenever it is asked).
#[cfg(unix)]
pub struct Hangups(tokio::signal::unix::Signal);

/// Windows has no SIGHUP: `POST /-/reload` is the way to reload.
#[cfg(not(unix))]
pub struct Hangups;

impl Hangups {
    /// Starts watching for SIGHUP.
    #[cfg(unix)]
    pub fn watch() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup()).map(Self)
    }

    /// Nothing to watch on Windows.
    #[cfg(not(unix))]
    pub fn watch() -> io::Result<Self> {
        Ok(Self)
    }

    /// Reloads the configuration at every SIGHUP (and at once for one that came while the
    /// prober was starting), for the life of the prober.
    #[cfg(unix)]
    pub fn reload(self, state: Arc<State>) {
        let mut hangups = self.0;
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                let _ = state.reload("SIGHUP").await;
            }
        });
    }

    /// Nothing to reload on Windows.
    #[cfg(not(unix))]
    pub fn reload(self, _state: Arc<State>) {}
}
