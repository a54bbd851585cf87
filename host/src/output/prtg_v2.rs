//! `prtg-v2`: the JSON of PRTG's "Script v2" sensor: `version` 2, `status` (ok, warning,
//! error), `message` (at most 2,000 characters) and `channels`, each with a stable numeric
//! id (see [`super::names::channel_id`] and [`super::names::phase_channel`]): PRTG matches
//! channels by id across runs. Times are floats in milliseconds, and so is DNSSEC Signature
//! Expiry in days; Certificate Expiry, the round trip's flags, a domain check's counts,
//! MTA-STS mode and max age, and DANE's and DNSSEC's levels and counts integers; Downtime is
//! PRTG's own (see [`super::prtg_rules::channels`]). `tests/prtg-script-v2.schema.json`
//! holds Paessler's rules; every snapshot is validated against it.

use super::escape::printable;
use super::measurements::{Quantity, fractional};
use super::prtg_rules::{MAX_CHANNELS, channels, text};
use super::verdicts;
use crate::sensor::Sensor;
use crate::wit::{ChannelUnit, Status};
use serde_json::{Value, json};

/// The sensor's result as Script v2 reads it.
pub fn render(sensor: &Sensor) -> String {
    let result = &sensor.result;
    let status = match result.status {
        Status::Up => "ok",
        Status::Warning => "warning",
        Status::Down => "error",
    };
    let channels: Vec<Value> = channels(sensor)
        .into_iter()
        .filter_map(|m| {
            let id = m.id?;
            let name = printable(&m.name).into_owned();
            Some(match (m.quantity, m.unit) {
                (Quantity::Measured, ChannelUnit::Milliseconds) => {
                    json!({ "id": id, "name": name, "type": "float", "value": m.value })
                }
                (Quantity::Measured, ChannelUnit::Days) if fractional(&m.name) => {
                    json!({ "id": id, "name": name, "type": "float", "value": m.value })
                }
                _ => {
                    json!({ "id": id, "name": name, "type": "integer", "value": m.value.round() as i64 })
                }
            })
        })
        .take(MAX_CHANNELS)
        .collect();
    let out = json!({
        "version": 2,
        "status": status,
        "message": text(&verdicts::message(result)),
        "channels": channels,
    });
    format!("{out}\n")
}

/// What Script v2 shows when the check could not run at all (bad settings).
pub fn error(message_text: &str) -> String {
    let out = json!({ "version": 2, "status": "error", "message": text(message_text) });
    format!("{out}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn snapshots() {
        for (name, sensor) in fixtures::all() {
            fixtures::snapshot("prtg-v2", name, &render(&sensor));
        }
    }

    #[test]
    fn ids_are_stable_across_results() {
        let ids = |sensor: &Sensor| -> Vec<(String, u64)> {
            let value: Value = serde_json::from_str(&render(sensor)).unwrap();
            value["channels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap().into(),
                        c["id"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        let mut seen = std::collections::HashMap::new();
        for (_, sensor) in fixtures::all() {
            for (name, id) in ids(&sensor) {
                assert!(id >= 10);
                assert_eq!(*seen.entry(name.clone()).or_insert(id), id, "{name}");
            }
        }
        assert_eq!(seen["Response Time"], 10);
        assert!(
            !seen.contains_key("Downtime"),
            "PRTG computes Downtime from the sensor's status"
        );
    }

    #[test]
    fn statuses() {
        let status = |sensor: &Sensor| {
            serde_json::from_str::<Value>(&render(sensor)).unwrap()["status"].clone()
        };
        assert_eq!(status(&fixtures::up_with_tls()), "ok");
        assert_eq!(status(&fixtures::warning_slow()), "warning");
        assert_eq!(status(&fixtures::down_after_tls()), "error");
    }
}
