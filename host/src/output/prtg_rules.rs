//! What PRTG accepts from any custom sensor, in both of its formats ([`super::prtg`] and
//! [`super::prtg_v2`]): how long a message may be, how many channels a sensor may have, and
//! which channels PRTG keeps itself.

use super::escape::{printable, truncate};
use super::measurements::{Measurement, measurements};
use crate::sensor::Sensor;
use smtp_sensor_guest::limits::channel;

/// PRTG's limit on the sensor message, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// PRTG's limit on the channels of one sensor.
pub const MAX_CHANNELS: usize = 50;

/// A message as PRTG shows it: printable, at most [`MAX_TEXT_CHARS`] characters.
pub fn text(message: &str) -> String {
    truncate(&printable(message), MAX_TEXT_CHARS).into_owned()
}

/// The channels a PRTG custom sensor reports: all of the result's but Downtime. PRTG keeps
/// a Downtime channel for every sensor and computes it from the sensor's status (the spec:
/// "this channel never shows any values. PRTG uses this channel in graphs and reports to
/// show the amount of time in which the sensor was in the Down status"); the script sets
/// that status (`"error": 1`, or `"status": "error"`), and a channel of the same name sent
/// as a value would be a second, different Downtime. Nagios perfdata and Prometheus keep it.
pub fn channels(sensor: &Sensor) -> Vec<Measurement> {
    measurements(&sensor.result, &sensor.thresholds)
        .into_iter()
        .filter(|m| m.name != channel::DOWNTIME)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_printable_and_cut_to_prtg_s_length() {
        assert_eq!(text(&"é".repeat(3000)).chars().count(), MAX_TEXT_CHARS);
        assert!(!text("a\u{1b}[31mb\r\nc").chars().any(char::is_control));
    }
}
