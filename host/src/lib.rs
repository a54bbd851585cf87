//! The smtp-sensor host: runs the smtp-sensor WebAssembly component in a sandbox.
//!
//! - [`cache`] keeps compiled components on disk for a fast start.
//! - [`runner`] loads the component (embedded, or another build of it) and runs checks.
//! - [`sandbox`] decides what a check may reach: only the configured port, no files, no
//!   environment, bounded memory and wall time.
//! - [`settings`] turns what a user gave into the contract's settings, validated.
//! - [`store`] writes the spec's "Store result" files.
//! - [`output`] renders a result for people (`text`) and programs (`json`).
//! - [`cli`] is the `smtp-sensor` command line.
//! - [`demo`] checks a small SMTP responder inside the process, for newcomers.
//!
//! Monitoring systems embed this library or call the `smtp-sensor` binary; the contract
//! types are those of `wit/smtp-sensor.wit`, in [`wit`].

pub mod cache;
pub mod cli;
pub mod demo;
pub mod output;
pub mod runner;
pub mod sandbox;
pub mod settings;
pub mod store;

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
    use crate::wit::Status;

    /// The check is up.
    pub const UP: i32 = 0;
    /// The check is up with a warning.
    pub const WARNING: i32 = 1;
    /// The check is down.
    pub const DOWN: i32 = 2;
    /// Bad usage or settings: nothing was checked.
    pub const USAGE: i32 = 3;

    /// The exit code for a check's status.
    pub fn for_status(status: Status) -> i32 {
        match status {
            Status::Up => UP,
            Status::Warning => WARNING,
            Status::Down => DOWN,
        }
    }
}
