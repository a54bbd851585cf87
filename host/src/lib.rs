//! The smtp-sensor host: runs the smtp-sensor WebAssembly component in a sandbox.
//!
//! The rooms, by job:
//!
//! - [`engine`] loads the component and runs checks in fresh sandboxes: the runner, the
//!   compiled-component cache, the WASI interfaces offered, the sandbox and its limits.
//! - [`cli`] is the `smtp-sensor` command line: its subcommands, man pages and completions.
//! - [`settings`] turns flags, the TOML file of named sensors and a PRTG probe's
//!   environment into the contract's settings, validated (for `check` and `serve` alike).
//! - [`output`] renders results for people (`text`), programs (`json`), PRTG (`prtg`,
//!   `prtg-v2`), Nagios and Icinga (`nagios`) and Prometheus (`prometheus`), and writes the
//!   spec's "Store result" files.
//! - [`serve`] is `smtp-sensor serve`, a Prometheus prober like blackbox_exporter's.
//! - [`demo`] checks a small SMTP responder inside the process, for newcomers.
//! - [`sensor`] is one sensor's result as every output takes it (with its name and
//!   thresholds); [`results`] are the results the host makes itself (a component that
//!   failed), and [`atomic_file`] replaces files whole.
//!
//! Monitoring systems embed this library or call the `smtp-sensor` binary; the contract
//! types are those of `wit/smtp-sensor.wit`, in [`wit`].

/// musl's allocator is slow for loading a component (thousands of small allocations);
/// the static musl build (`scripts/release`) uses dlmalloc (pure Rust: no C to build for
/// musl). glibc builds keep glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

pub mod atomic_file;
pub mod cli;
pub mod demo;
pub mod engine;
#[cfg(test)]
mod fixtures;
pub mod output;
pub mod results;
pub mod sensor;
pub mod serve;
pub mod settings;

mod bindings {
    // The core world: the check's export, and `dns` (the only import linked through
    // these bindings: `signatures` and `key-agreement` are linked by hand, see
    // `engine::signatures`). `dns`'s pollable is wasmtime-wasi's, so a lookup is polled
    // with the sockets.
    wasmtime::component::bindgen!({
        world: "smtp-sensor-core",
        path: "../wit",
        exports: { default: async },
        imports: { default: trappable },
        additional_derives: [PartialEq],
        with: {
            "wasi:io/poll": wasmtime_wasi::p2::bindings::io::poll,
            "smtp-sensor:probe/dns.lookup": crate::engine::dns::PendingLookup,
        },
    });
}

/// The version of the contract's package (`smtp-sensor:probe`), as `wit/smtp-sensor.wit`
/// declares it (read by `build.rs`).
pub const CONTRACT_VERSION: &str = env!("SMTP_SENSOR_WIT_PACKAGE_VERSION");

/// The contract's types (`wit/smtp-sensor.wit`), as the host sees them.
pub use bindings::smtp_sensor::probe::types as wit;

/// The contract's `dns` types (`wit/smtp-sensor.wit`), as the host sees them.
pub use bindings::smtp_sensor::probe::dns as wit_dns;

/// The host's `settings` record as the core reads it (its rules, its thresholds): the host
/// and the core generate the contract's types apart, and the core's macro bridges them.
pub fn settings_view(settings: &wit::Settings) -> smtp_sensor_guest::settings::SettingsView<'_> {
    use wit::{IpVersion, TransportSecurity};
    smtp_sensor_guest::settings_view!(settings, IpVersion, TransportSecurity)
}

/// Exit codes, as a Nagios plugin's.
pub mod exit_code {
    use crate::wit::{CheckResult, ErrorKind, Status};

    /// The check is up.
    pub const UP: i32 = 0;
    /// The check is up with a warning.
    pub const WARNING: i32 = 1;
    /// The check is down.
    pub const DOWN: i32 = 2;
    /// Bad usage or settings: nothing was checked.
    pub const USAGE: i32 = 3;
    /// The check could not say (Nagios' UNKNOWN): bad settings, or the component failed.
    pub const UNKNOWN: i32 = 3;

    /// The exit code for a check's status.
    pub fn for_status(status: Status) -> i32 {
        match status {
            Status::Up => UP,
            Status::Warning => WARNING,
            Status::Down => DOWN,
        }
    }

    /// The exit code for a result: its status's, but UNKNOWN when the component itself
    /// failed (trapped, overstayed): then nothing about the server is known.
    pub fn for_result(result: &CheckResult) -> i32 {
        match &result.failure {
            Some(failure) if matches!(failure.kind, ErrorKind::ComponentFailed(_)) => UNKNOWN,
            _ => for_status(result.status),
        }
    }
}
