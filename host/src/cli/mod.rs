//! The command line: what a user types or writes, turned into the contract's settings.
//!
//! - [`commands`] is `smtp-sensor` itself: its subcommands, exit codes and output;
//!   [`docs`] makes its man pages and shell completions.
//! - [`options`] is one sensor's options, as flags and as a table of the [`config`] file;
//!   [`targets`] is the `targets` key of a `serve` module.
//! - [`request`] is a check as a user describes it (a [`request::CheckRequest`]), turned
//!   into the contract's settings, defaults filled in and validated.
//! - [`prtg_probe`] is what a PRTG probe hands the programs it runs (placeholders, folders).

pub mod commands;
pub mod config;
pub mod docs;
pub mod options;
pub mod prtg_probe;
pub mod request;
pub mod targets;

pub use commands::main;
