//! From what a user gives (flags, a TOML file of named sensors, a PRTG probe's environment)
//! to the contract's settings, validated by the core's rules before anything runs. `check`
//! and `serve` read sensors alike through this room.
//!
//! - [`options`] is one sensor's options, as flags and as a table of the [`config`] file,
//!   with the [`values`] its flags take (`file_values` reads them as the file writes them);
//!   `layers` lays the flags over a file's keys; `nearest` suggests a misspelt key or value;
//!   [`targets`] is the `targets` key of a `serve` module.
//! - [`into_request`] makes the options a check as a user describes it (a
//!   [`request::CheckRequest`]), which [`request`] turns into the contract's settings,
//!   defaults filled in and validated; an option that cannot be used is [`invalid`], named
//!   by its flag.
//! - [`prtg_probe`] is what a PRTG probe hands the programs it runs (placeholders, folders).

pub mod config;
mod file_values;
pub mod into_request;
pub mod invalid;
mod layers;
mod nearest;
pub mod options;
pub mod prtg_probe;
pub mod request;
pub mod targets;
pub mod values;
