//! The measurements every format reports, gathered once from a result: the component's
//! channels ("Response Time" first), then the time spent in each phase, each with its
//! stable id and the thresholds that judge it.

use super::names::{PHASES, channel_id, phase_channel};
use crate::wit::{ChannelUnit, CheckResult, Phase};
use smtp_sensor_guest::Thresholds;
use smtp_sensor_guest::limits::channel;

/// What a measurement measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One of the component's channels.
    Channel,
    /// The time spent in a phase (the sum, when a phase ran twice, as on a fallback).
    Phase(Phase),
}

/// The thresholds of a measurement, in its own unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limits {
    /// None.
    None,
    /// Bad when the value is above these ("Response Time").
    Above {
        /// `warning` above this.
        warning: Option<f64>,
        /// `down` above this.
        critical: Option<f64>,
    },
    /// Bad when the value is below these ("Certificate Expiry").
    Below {
        /// `warning` below this.
        warning: f64,
        /// `down` below this.
        critical: f64,
    },
}

/// What a channel's number is, when its unit does not say all: a domain check's "MTA-STS
/// Mode", "DANE" and "DNSSEC" are counts (the contract's unit) that are also levels with a
/// highest value, known by name. Counts ("MX Hosts") are their unit's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Its unit says what it is.
    Measured,
    /// A level from 0 to `max` ("MTA-STS Mode": 0 none or no policy, 1 testing, 2 enforce).
    Level {
        /// The highest level.
        max: u8,
    },
}

/// What the channel `name`'s number is.
pub fn quantity(name: &str) -> Quantity {
    match name {
        // "DANE": 2 in force and matched, 1 not in force, 0 failed; "DNSSEC": 2 secure,
        // 1 insecure, 0 bogus or indeterminate.
        channel::MTA_STS_MODE | channel::DANE | channel::DNSSEC => Quantity::Level { max: 2 },
        _ => Quantity::Measured,
    }
}

/// Whether the channel `name` counts days in fractions: DNSSEC signatures expire within
/// days, and a warning days ahead needs the hours (a certificate's days are whole).
pub fn fractional(name: &str) -> bool {
    name == channel::DNSSEC_SIGNATURE_EXPIRY
}

/// One value for a monitoring system.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The channel's name, e.g. "Response Time" or "Connect".
    pub name: String,
    /// The stable PRTG Script v2 channel id; none for a channel this host does not know
    /// (a newer component's).
    pub id: Option<u32>,
    /// The value, in `unit`.
    pub value: f64,
    /// The unit.
    pub unit: ChannelUnit,
    /// What the number is, when the unit does not say.
    pub quantity: Quantity,
    /// What it measures.
    pub source: Source,
    /// What judges it.
    pub limits: Limits,
}

/// The result's measurements: its channels in order, then one per phase that ran, in the
/// order a check runs them. A TLS handshake timing joins the "TLS Handshake" channel rather
/// than repeating it.
pub fn measurements(result: &CheckResult, thresholds: &Thresholds) -> Vec<Measurement> {
    let domain = result.domain.is_some();
    let mut out: Vec<Measurement> = result
        .channels
        .iter()
        .map(|c| Measurement {
            name: c.name.clone(),
            id: channel_id(&c.name),
            value: c.value,
            unit: c.unit,
            quantity: quantity(&c.name),
            source: Source::Channel,
            limits: limits_of(&c.name, thresholds, domain),
        })
        .collect();
    for (phase, value) in phase_totals(result) {
        let (name, id) = phase_channel(phase);
        if out.iter().any(|m| m.name == name) {
            continue;
        }
        out.push(Measurement {
            name: name.to_string(),
            id: Some(id),
            value,
            unit: ChannelUnit::Milliseconds,
            quantity: Quantity::Measured,
            source: Source::Phase(phase),
            limits: Limits::None,
        });
    }
    out
}

/// The time spent in each phase that ran, summed, in the order a check runs them.
pub fn phase_totals(result: &CheckResult) -> Vec<(Phase, f64)> {
    PHASES
        .iter()
        .filter_map(|&phase| {
            let mut spent = result
                .timings
                .iter()
                .filter(|t| t.phase == phase)
                .peekable();
            spent.peek()?;
            Some((phase, spent.map(|t| t.milliseconds).sum()))
        })
        .collect()
}

/// The thresholds that judge the channel `name`. A domain check's "Response Time" is its
/// slowest MX host's, and a failed host's time until it failed counts among them: limits
/// there would judge the domain again by one host's timeout, which its verdict already
/// counts as a failed MX host (in PRTG, a channel beyond its error limit puts the sensor
/// down while the domain is in warning). So it has none; the verdict is the component's.
fn limits_of(name: &str, thresholds: &Thresholds, domain: bool) -> Limits {
    match name {
        channel::RESPONSE_TIME if domain => Limits::None,
        channel::RESPONSE_TIME => Limits::Above {
            warning: thresholds.response_warning_ms.map(f64::from),
            critical: thresholds.response_critical_ms.map(f64::from),
        },
        channel::DELIVERY_LATENCY => Limits::Above {
            warning: thresholds.latency_warning_ms.map(f64::from),
            critical: thresholds.latency_critical_ms.map(f64::from),
        },
        channel::CERTIFICATE_EXPIRY => Limits::Below {
            warning: f64::from(thresholds.warning_days),
            critical: f64::from(thresholds.critical_days),
        },
        channel::MAILBOX_CERTIFICATE_EXPIRY => Limits::Below {
            warning: f64::from(thresholds.mailbox_warning_days),
            critical: f64::from(thresholds.mailbox_critical_days),
        },
        _ => Limits::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn channels_first_then_phases_once_each() {
        let sensor = fixtures::up_with_tls();
        let names: Vec<String> = measurements(&sensor.result, &sensor.thresholds)
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(
            names,
            [
                "Response Time",
                "Downtime",
                "TLS Handshake",
                "Certificate Expiry",
                "Name Lookup",
                "Connect",
                "Banner",
                "EHLO",
                "STARTTLS",
                "EHLO after STARTTLS",
                "QUIT"
            ]
        );
    }

    #[test]
    fn a_phase_that_ran_twice_is_summed() {
        let sensor = fixtures::warning_after_fallback();
        let all = measurements(&sensor.result, &sensor.thresholds);
        let connect = all.iter().find(|m| m.name == "Connect").unwrap();
        assert_eq!(connect.value, 1.5 + 0.25);
        assert_eq!(connect.source, Source::Phase(Phase::Connect));
        assert_eq!(connect.id, Some(22));
    }
}
