//! Renders results for the systems that read them, one module per format:
//!
//! - [`text`] for people, [`json`] for programs;
//! - [`prtg`] (EXE/Script Advanced) and [`prtg_v2`] (Script v2) for PRTG;
//! - [`nagios`] for Nagios, Icinga and everything that reads plugin output;
//! - [`prometheus`] for Prometheus (node_exporter's textfile collector, or a scrape).
//!
//! They share [`names`] (the contract's names and the channels' stable ids, spelled once),
//! [`measurements`] (a result's channels and phase timings, with their thresholds) and
//! [`escape`] (the server's words made harmless); [`verdicts`] says a round trip's
//! receiver in words for the formats with one line, [`domain_lines`] a domain check's MX
//! hosts and policies a line each for text and Nagios' long output, [`dane_lines`] DANE
//! and DNSSEC so; [`dane`] counts DANE and DNSSEC as the channels do.

pub mod dane;
pub mod dane_lines;
pub mod domain_lines;
pub mod escape;
pub mod exposition;
pub mod json;
pub mod measurements;
pub mod nagios;
pub mod names;
pub mod prometheus;
pub mod prtg;
pub mod prtg_rules;
pub mod prtg_v2;
pub mod store_result;
pub mod text;
pub mod verdicts;

use crate::exit_code;
use crate::sensor::Sensor;

/// An output format (`--format`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A summary for people.
    Text,
    /// One JSON object (an array of them for several sensors).
    Json,
    /// PRTG's EXE/Script Advanced JSON.
    Prtg,
    /// PRTG's Script v2 JSON.
    PrtgV2,
    /// A Nagios plugin's line with perfdata.
    Nagios,
    /// Prometheus' text exposition format.
    Prometheus,
}

impl Format {
    /// Whether the format can hold several sensors' results (`--all`). PRTG and Nagios run
    /// one check per sensor and read one result.
    pub fn holds_many(self) -> bool {
        matches!(self, Self::Text | Self::Json | Self::Prometheus)
    }

    /// The results in this format. `many` is set for `--all`: JSON is then an array even
    /// for one sensor. Formats that hold one result render the first.
    pub fn render(self, sensors: &[Sensor], many: bool) -> String {
        let Some(first) = sensors.first() else {
            return String::new();
        };
        match self {
            Self::Text => text::render(sensors),
            Self::Json => json::render(sensors, many),
            Self::Prometheus => prometheus::render(sensors),
            Self::Prtg => prtg::render(first),
            Self::PrtgV2 => prtg_v2::render(first),
            Self::Nagios => nagios::render(first),
        }
    }

    /// The exit code for these results: 0 for PRTG's formats whatever the status (PRTG reads
    /// the status from the output; a non-zero exit is a broken script to it), else the
    /// worst sensor's, as a Nagios plugin's.
    pub fn exit_code(self, sensors: &[Sensor]) -> i32 {
        match self {
            Self::Prtg | Self::PrtgV2 => exit_code::UP,
            _ => sensors
                .iter()
                .map(|s| exit_code::for_result(&s.result))
                .max()
                .unwrap_or(exit_code::UNKNOWN),
        }
    }

    /// What to print on stdout, and the exit code, when the settings cannot be used (the
    /// message also goes to stderr): PRTG's formats report an error PRTG shows, Nagios an
    /// UNKNOWN line; the others print nothing and exit 3.
    pub fn settings_error(self, message: &str) -> (Option<String>, i32) {
        match self {
            Self::Prtg => (Some(prtg::error(message)), exit_code::UP),
            Self::PrtgV2 => (Some(prtg_v2::error(message)), exit_code::UP),
            Self::Nagios => (Some(nagios::unknown(message)), exit_code::UNKNOWN),
            Self::Text | Self::Json | Self::Prometheus => (None, exit_code::USAGE),
        }
    }
}
