//! `prtg`: the JSON of PRTG's "EXE/Script Advanced" sensor (also read by the SSH Script
//! Advanced and HTTP Push Data Advanced sensors): `{"prtg":{"result":[...],"text":...}}`.
//! "Response Time" comes first, as the primary channel; times are `TimeResponse` floats,
//! Certificate Expiry a `Custom` channel in days, a round trip's flags ("In Spam Folder",
//! "DKIM Pass", ...) `Custom` channels of 0 or 1, a domain check's "MX Hosts" and "MX
//! Hosts Up" `Count` channels, its "MTA-STS Mode" a `Custom` channel of 0 to 2 and "MTA-STS
//! Max Age" one in days; "DANE" and "DNSSEC" `Custom` channels of 0 to 2, "DANE Matched"
//! and "DANE Standby" `Count` channels, "DNSSEC Signature Expiry" a `Custom` float in days
//! (a warning days ahead needs the hours); Downtime is PRTG's own (see
//! [`super::prtg_rules::channels`]). The thresholds become
//! the channels' limits; a down check sets `"error":1` with the reason in `text`. PRTG
//! fixes a channel's settings when it first sees it, so every run describes each channel
//! the same way. The command exits 0 whatever the status: PRTG reads the status from here.

use super::escape::printable;
use super::measurements::{Limits, Measurement, Quantity, fractional};
use super::prtg_rules::{MAX_CHANNELS, channels, text};
use super::verdicts;
use crate::sensor::Sensor;
use crate::wit::{ChannelUnit, ErrorKind, Failure, Phase, Status};
use serde_json::{Map, Value, json};
use smtp_sensor_guest::limits::channel;

/// The sensor's result as PRTG reads it.
pub fn render(sensor: &Sensor) -> String {
    let result = &sensor.result;
    let measurements: Vec<Measurement> = channels(sensor).into_iter().take(MAX_CHANNELS).collect();
    let warned = result
        .failure
        .as_ref()
        .filter(|_| result.status == Status::Warning)
        .map(|failure| {
            // PRTG has no warning for the sensor as such: a channel in warning puts the
            // sensor in warning. So a cause that is no channel's value (a missed
            // expectation, a TLS fallback), or whose channel is not sent, warns on the
            // primary channel, and the text says why.
            cause(failure)
                .filter(|name| measurements.iter().any(|m| m.name == *name))
                .unwrap_or(channel::RESPONSE_TIME)
        });
    let channels: Vec<Value> = measurements
        .iter()
        .map(|m| channel(m, warned == Some(m.name.as_str())))
        .collect();
    let mut prtg = Map::new();
    prtg.insert("result".into(), Value::Array(channels));
    prtg.insert("text".into(), json!(text(&verdicts::message(result))));
    if result.status == Status::Down {
        prtg.insert("error".into(), json!(1));
    }
    format!("{}\n", json!({ "prtg": prtg }))
}

/// What PRTG shows when the check could not run at all (bad settings): an error with the
/// reason, so the sensor says why instead of failing as a script.
pub fn error(message: &str) -> String {
    format!(
        "{}\n",
        json!({ "prtg": { "error": 1, "text": text(message) } })
    )
}

/// The channel whose value is beyond its warning threshold, when that is what the warning
/// is about: each threshold judges one channel.
fn cause(failure: &Failure) -> Option<&'static str> {
    match failure.kind {
        ErrorKind::CertificateExpiring(_) if failure.phase == Phase::MailboxTlsHandshake => {
            Some(channel::MAILBOX_CERTIFICATE_EXPIRY)
        }
        ErrorKind::CertificateExpiring(_) => Some(channel::CERTIFICATE_EXPIRY),
        ErrorKind::ResponseTimeExceeded(_) => Some(channel::RESPONSE_TIME),
        ErrorKind::DeliveryLatencyExceeded(_) => Some(channel::DELIVERY_LATENCY),
        ErrorKind::DeliveredToSpam(_) => Some(channel::IN_SPAM_FOLDER),
        ErrorKind::MxHostsFailed(_) => Some(channel::MX_HOSTS_UP),
        ErrorKind::MtaStsFailed(_) => Some(channel::MTA_STS_MODE),
        ErrorKind::DaneMismatch(_) | ErrorKind::DaneFailed(_) | ErrorKind::DaneWeak(_) => {
            Some(channel::DANE)
        }
        ErrorKind::DnssecBogus(_) => Some(channel::DNSSEC),
        ErrorKind::DnssecSignaturesExpiring(_) => Some(channel::DNSSEC_SIGNATURE_EXPIRY),
        _ => None,
    }
}

fn channel(m: &Measurement, warning: bool) -> Value {
    let mut c = Map::new();
    c.insert("channel".into(), json!(printable(&m.name)));
    match (m.quantity, m.unit) {
        (Quantity::Measured, ChannelUnit::Count) => {
            c.insert("value".into(), json!(m.value.round() as i64));
            c.insert("unit".into(), json!("Count"));
        }
        // No value lookup, as for the flags below: a lookup's states would judge the mode
        // a second time, and PRTG needs its file installed on the core server first.
        // `--expect-mta-sts` judges it, and the warning lands on this channel.
        (Quantity::Level { .. }, _) => {
            c.insert("value".into(), json!(m.value.round() as i64));
            c.insert("unit".into(), json!("Custom"));
        }
        (Quantity::Measured, ChannelUnit::Milliseconds) => {
            c.insert("value".into(), json!(m.value));
            c.insert("unit".into(), json!("TimeResponse"));
            c.insert("float".into(), json!(1));
        }
        (Quantity::Measured, ChannelUnit::Percent) => {
            c.insert("value".into(), json!(m.value.round() as i64));
            c.insert("unit".into(), json!("Percent"));
        }
        (Quantity::Measured, ChannelUnit::Days) if fractional(&m.name) => {
            c.insert("value".into(), json!(m.value));
            c.insert("unit".into(), json!("Custom"));
            c.insert("customunit".into(), json!("days"));
            c.insert("float".into(), json!(1));
        }
        (Quantity::Measured, ChannelUnit::Days) => {
            c.insert("value".into(), json!(m.value.round() as i64));
            c.insert("unit".into(), json!("Custom"));
            c.insert("customunit".into(), json!("days"));
        }
        // No value lookup: PRTG's boolean ones (`prtg.standardlookups.boolean.statetrueok`,
        // `...statefalseok`) put the channel in error on the bad value, which would make
        // PRTG's status differ from the check's: an unexpected DKIM failure is no failure
        // of the check (only `--expect-auth` makes it one), and a test email in spam is a
        // warning. The check's own status, and the warning on "In Spam Folder", say it.
        (Quantity::Measured, ChannelUnit::Flag) => {
            c.insert("value".into(), json!(m.value.round() as i64));
            c.insert("unit".into(), json!("Custom"));
        }
    }
    match m.limits {
        Limits::None => {}
        Limits::Above { warning, critical } if warning.is_some() || critical.is_some() => {
            c.insert("limitmode".into(), json!(1));
            if let Some(w) = warning {
                c.insert("limitmaxwarning".into(), json!(w));
                c.insert("limitwarningmsg".into(), json!(format!("above {w} ms")));
            }
            if let Some(e) = critical {
                c.insert("limitmaxerror".into(), json!(e));
                c.insert("limiterrormsg".into(), json!(format!("above {e} ms")));
            }
        }
        Limits::Above { .. } => {}
        Limits::Below { warning, critical } => {
            c.insert("limitmode".into(), json!(1));
            c.insert("limitminwarning".into(), json!(warning));
            c.insert("limitminerror".into(), json!(critical));
            c.insert(
                "limitwarningmsg".into(),
                json!(format!("fewer than {warning} days left")),
            );
            let error = if critical == 0.0 {
                "the certificate has expired".to_string()
            } else {
                format!("fewer than {critical} days left")
            };
            c.insert("limiterrormsg".into(), json!(error));
        }
    }
    if warning {
        c.insert("warning".into(), json!(1));
    }
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn snapshots() {
        for (name, sensor) in fixtures::all() {
            fixtures::snapshot("prtg", name, &render(&sensor));
        }
    }

    fn parse(out: &str) -> Value {
        serde_json::from_str(out).unwrap()
    }

    #[test]
    fn response_time_first_with_limits() {
        let value = parse(&render(&fixtures::up_with_tls()));
        let first = &value["prtg"]["result"][0];
        assert_eq!(first["channel"], "Response Time");
        assert_eq!(first["unit"], "TimeResponse");
        assert_eq!(first["float"], 1);
        assert_eq!(first["limitmaxwarning"], 500.0);
        assert_eq!(first["limitmaxerror"], 2000.0);
        assert!(value["prtg"].get("error").is_none());
        let expiry = value["prtg"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == "Certificate Expiry")
            .unwrap();
        assert_eq!(expiry["customunit"], "days");
        assert_eq!(expiry["limitminwarning"], 14.0);
        assert_eq!(expiry["value"], 89);
    }

    #[test]
    fn down_is_an_error_with_the_reason() {
        let sensor = fixtures::down_before_connect();
        let value = parse(&render(&sensor));
        assert_eq!(value["prtg"]["error"], 1);
        assert_eq!(value["prtg"]["text"], sensor.result.message.as_str());
    }

    #[test]
    fn downtime_is_left_to_prtg() {
        for (name, sensor) in fixtures::all() {
            let value = parse(&render(&sensor));
            let channels = value["prtg"]["result"].as_array().unwrap();
            assert!(
                channels.iter().all(|c| c["channel"] != "Downtime"),
                "{name}: PRTG computes Downtime from the sensor's status"
            );
        }
    }

    /// The names of the channels that carry `"warning":1`.
    fn warned(sensor: &Sensor) -> Vec<String> {
        let value = parse(&render(sensor));
        assert!(value["prtg"].get("error").is_none());
        value["prtg"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.get("warning").is_some())
            .map(|c| c["channel"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn warning_marks_the_channel_that_caused_it() {
        assert_eq!(warned(&fixtures::warning_slow()), ["Response Time"]);
        assert!(warned(&fixtures::up_with_tls()).is_empty());
    }

    #[test]
    fn dane_and_dnssec_warnings_land_on_their_channels() {
        for (kind, channel) in [
            (ErrorKind::DaneWeak("no standby".into()), "DANE"),
            (
                ErrorKind::DnssecSignaturesExpiring("MX example.com".into()),
                "DNSSEC Signature Expiry",
            ),
        ] {
            let mut sensor = fixtures::up_dane();
            sensor.result.status = Status::Warning;
            sensor.result.failure = Some(Failure {
                phase: Phase::TlsaLookup,
                kind,
            });
            assert_eq!(warned(&sensor), [channel]);
        }
        let value = parse(&render(&fixtures::up_dane()));
        let expiry = value["prtg"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == "DNSSEC Signature Expiry")
            .unwrap();
        assert_eq!(
            (&expiry["value"], &expiry["float"]),
            (&json!(5.5), &json!(1))
        );
    }

    #[test]
    fn a_late_delivery_warns_on_delivery_latency_not_response_time() {
        let mut sensor = fixtures::up_round_trip();
        sensor.thresholds.latency_warning_ms = Some(500);
        sensor.result.status = Status::Warning;
        sensor.result.failure = Some(Failure {
            phase: Phase::MailboxSearch,
            kind: ErrorKind::DeliveryLatencyExceeded(500),
        });
        assert_eq!(warned(&sensor), ["Delivery Latency"]);
    }

    #[test]
    fn delivered_to_spam_warns_on_its_flag_and_says_the_verdicts() {
        let sensor = fixtures::warning_delivered_to_spam();
        assert_eq!(warned(&sensor), ["In Spam Folder"]);
        let value = parse(&render(&sensor));
        let text = value["prtg"]["text"].as_str().unwrap();
        assert!(text.contains("delivered to spam"), "{text}");
        assert!(text.ends_with("dkim=fail, dmarc=fail"), "{text}");
        let dkim = value["prtg"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == "DKIM Pass")
            .unwrap();
        assert_eq!(
            dkim,
            &json!({"channel": "DKIM Pass", "value": 0, "unit": "Custom"})
        );
    }

    #[test]
    fn a_warning_no_channel_measures_still_warns_on_the_primary_channel() {
        // PRTG puts a sensor in warning only through a channel; the text says why.
        let mut sensor = fixtures::up_with_tls();
        sensor.result.status = Status::Warning;
        sensor.result.failure = Some(Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ExpectationMissed("the server does not announce SMTPUTF8".into()),
        });
        assert_eq!(warned(&sensor), ["Response Time"]);
        // A threshold's channel that is not sent: the primary channel carries the warning.
        let mut sensor = fixtures::warning_slow();
        sensor.result.failure = Some(Failure {
            phase: Phase::MailboxSearch,
            kind: ErrorKind::DeliveryLatencyExceeded(500),
        });
        assert_eq!(warned(&sensor), ["Response Time"]);
    }

    #[test]
    fn a_domain_check_counts_and_warns_on_its_mx_hosts() {
        let sensor = fixtures::warning_domain();
        assert_eq!(warned(&sensor), ["MX Hosts Up"]);
        let value = parse(&render(&sensor));
        let channels = value["prtg"]["result"].as_array().unwrap();
        let find = |name: &str| channels.iter().find(|c| c["channel"] == name).unwrap();
        assert_eq!(
            find("MX Hosts"),
            &json!({"channel": "MX Hosts", "value": 2, "unit": "Count"})
        );
        assert_eq!(
            find("MTA-STS Mode"),
            &json!({"channel": "MTA-STS Mode", "value": 2, "unit": "Custom"})
        );
        assert_eq!(find("MTA-STS Max Age")["customunit"], "days");
        // The slowest MX host (here one that timed out) has no limits: the MX hosts were
        // judged one by one, and the domain is in warning, not down.
        let first = &channels[0];
        assert_eq!(first["channel"], "Response Time");
        assert!(first.get("limitmode").is_none(), "{first}");
        // A broken policy warns on the mode.
        let mut sensor = fixtures::warning_domain();
        sensor.result.failure = Some(Failure {
            phase: Phase::MtaStsJudge,
            kind: ErrorKind::MtaStsFailed("mx2.example.com fails the policy".into()),
        });
        assert_eq!(warned(&sensor), ["MTA-STS Mode"]);
    }

    #[test]
    fn text_is_cut_to_prtgs_limit_and_channels_to_fifty() {
        let mut sensor = fixtures::hostile();
        sensor.result.message = "x".repeat(5000);
        sensor.result.channels = (0..80)
            .map(|i| crate::wit::Channel {
                name: format!("extra {i}"),
                value: 1.0,
                unit: ChannelUnit::Milliseconds,
            })
            .collect();
        let value = parse(&render(&sensor));
        assert_eq!(
            value["prtg"]["text"].as_str().unwrap().chars().count(),
            2000
        );
        assert_eq!(value["prtg"]["result"].as_array().unwrap().len(), 50);
    }

    #[test]
    fn hostile_text_is_printable() {
        let out = render(&fixtures::hostile());
        let text = parse(&out)["prtg"]["text"].as_str().unwrap().to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("\\x1b[31m"), "{text}");
    }

    #[test]
    fn settings_errors_are_prtg_errors() {
        let value = parse(&error("invalid --port: 0 is not a usable port"));
        assert_eq!(value["prtg"]["error"], 1);
        assert!(value["prtg"]["text"].as_str().unwrap().contains("--port"));
    }
}
