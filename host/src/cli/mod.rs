//! The command line: what a user types or writes, turned into the contract's settings.
//!
//! - [`commands`] is `smtp-sensor` itself: its subcommands, exit codes and output;
//!   [`docs`] makes its man pages and shell completions.
//! - [`options`] is one sensor's options, as flags and as a table of the [`config`] file;
//!   [`targets`] is the `targets` key of a `serve` module.
//! - [`settings`] turns what a user gave into the contract's settings, validated.
//! - [`prtg_probe`] is what a PRTG probe hands the programs it runs (placeholders, folders).

pub mod commands;
pub mod config;
pub mod docs;
pub mod options;
pub mod prtg_probe;
pub mod settings;
pub mod targets;

pub use commands::main;
