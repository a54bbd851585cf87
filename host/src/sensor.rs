//! One sensor's result, with what the outputs need to know beside it: the sensor's name and
//! the thresholds it was judged by. `check` and `serve` make them and every output format
//! renders them, so it stands below [`crate::output`]: the formats (and the tests'
//! fixtures) take it from here, not from the room that picks among them.

use crate::wit::{CheckResult, Settings};
use smtp_sensor_guest::Thresholds;

/// One sensor's result, with what the outputs need to know beside it.
#[derive(Debug, Clone)]
pub struct Sensor {
    /// The sensor's name, from a configuration file; none for a check from flags alone.
    pub name: Option<String>,
    /// The thresholds the check was judged by (PRTG limits, Nagios perfdata).
    pub thresholds: Thresholds,
    /// The result.
    pub result: CheckResult,
}

impl Sensor {
    /// The result of a check run with `settings`.
    pub fn new(name: Option<String>, settings: &Settings, result: CheckResult) -> Self {
        Self {
            name,
            thresholds: Thresholds::of(&crate::settings_view(settings)),
            result,
        }
    }
}
