//! From what a user gives (flags, a TOML file of named sensors, a PRTG probe's environment)
//! to the contract's settings, validated by the core's rules before anything runs. `check`
//! and `serve` read sensors alike through this room.
//!
//! - [`options`] is one sensor's options, as flags and as a table of the [`config`] file;
//!   [`targets`] is the `targets` key of a `serve` module.
//! - [`request`] is a check as a user describes it (a [`request::CheckRequest`]), turned
//!   into the contract's settings, defaults filled in and validated.
//! - [`prtg_probe`] is what a PRTG probe hands the programs it runs (placeholders, folders).

pub mod config;
pub mod options;
pub mod prtg_probe;
pub mod request;
pub mod targets;
