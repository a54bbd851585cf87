//! The command line itself: [`commands`] is `smtp-sensor` (its subcommands, exit codes and
//! output), with [`check_smtp`]'s short flags beside `check`'s own and [`dns_args`]' DNS
//! flags, which `serve` takes too, and [`docs`] makes its man pages and shell completions. What a sensor's flags and configuration keys mean is
//! [`crate::settings`]'s.

pub mod check_smtp;
pub mod commands;
pub mod dns_args;
pub mod docs;

pub use commands::main;
