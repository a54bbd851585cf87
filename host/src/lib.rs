//! The smtp-sensor host: runs the smtp-sensor WebAssembly component in a sandbox.
//!
//! - [`cache`] keeps compiled components on disk for a fast start.
//! - [`runner`] loads the component (embedded, or another build of it) and runs checks.
//! - [`linker`] offers the component the WASI interfaces a check uses, and no others.
//! - [`name_lookup`] answers lookups of the configured host name only.
//! - [`sandbox`] decides what a check may reach: only the configured port, no files, no
//!   environment, bounded memory and wall time.
//! - [`options`] is one sensor's options, as flags and as a configuration table.
//! - [`settings`] turns what a user gave into the contract's settings, validated.
//! - [`store`] writes the spec's "Store result" files, by default where a PRTG probe keeps
//!   them ([`prtg_probe`], with the environment values a probe sets).
//! - [`output`] renders results for people (`text`), programs (`json`), PRTG (`prtg`,
//!   `prtg-v2`), Nagios and Icinga (`nagios`) and Prometheus (`prometheus`).
//! - [`config`] reads named sensors from a TOML file.
//! - [`cli`] is the `smtp-sensor` command line, and [`docs`] its man pages and completions.
//! - [`serve`] is `smtp-sensor serve`, a Prometheus prober like blackbox_exporter's, and
//!   [`targets`] the lists of targets its modules may probe.
//! - [`demo`] checks a small SMTP responder inside the process, for newcomers.
//!
//! Monitoring systems embed this library or call the `smtp-sensor` binary; the contract
//! types are those of `wit/smtp-sensor.wit`, in [`wit`].

/// musl's allocator is slow for loading a component (thousands of small allocations);
/// the static musl build (`scripts/release`) uses dlmalloc (pure Rust: no C to build for
/// musl). glibc builds keep glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

pub mod cache;
pub mod cli;
pub mod config;
pub mod demo;
pub mod docs;
mod key_agreement;
pub mod linker;
pub mod name_lookup;
pub mod options;
pub mod output;
pub mod pool;
pub mod prtg_probe;
pub mod runner;
pub mod sandbox;
pub mod serve;
pub mod settings;
mod signatures;
pub mod store;
pub mod targets;

mod bindings {
    wasmtime::component::bindgen!({
        world: "smtp-sensor",
        path: "../wit",
        exports: { default: async },
        additional_derives: [PartialEq],
    });
}

/// The contract's types (`wit/smtp-sensor.wit`), as the host sees them.
pub use bindings::smtp_sensor::probe::types as wit;

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
