//! `nagios`: the Monitoring Plugins Development Guidelines' output, read by Nagios, Icinga,
//! Naemon, Sensu, Telegraf and Zabbix: one line `SMTP OK - <message>|<perfdata>`, with
//! the exit code 0, 1, 2 or 3 for OK, WARNING, CRITICAL and UNKNOWN.
//!
//! Perfdata has every channel, even when down: `'label'=value[UOM];warn;crit;min;max`,
//! times in seconds (`s`), Downtime in `%`, Certificate Expiry in days without a unit, the
//! round trip's flags ("In Spam Folder", "DKIM Pass", ...) unitless from 0 to 1, a domain
//! check's "MX Hosts" and "MX Hosts Up" unitless from 0, its "MTA-STS Mode" from 0 to 2
//! and "MTA-STS Max Age" in days; "DANE" and "DNSSEC" from 0 to 2, "DANE Matched" and
//! "DANE Standby" unitless from 0, "DNSSEC Signature Expiry" in days (fractional). A domain
//! check's MX hosts and policies, and a host check's DANE, follow the line as the long
//! output, a line each, as the text output has them (printable, no `|`). The
//! thresholds are written as the guidelines' ranges: `0.5` alerts above 0.5 s, `14:` below
//! 14 days. The message is made printable and holds no `|`, so a server cannot forge
//! perfdata or a second line. After a round trip the message also says what the receiver
//! did that did not pass ([`super::verdicts`]).

use super::dane_lines;
use super::domain_lines;
use super::escape::printable;
use super::measurements::{Limits, Measurement, Quantity, measurements};
use super::verdicts;
use crate::exit_code;
use crate::sensor::Sensor;
use crate::wit::ChannelUnit;

/// The plugin's name at the start of the line.
const SERVICE: &str = "SMTP";

/// The status word of a result's exit code: OK, WARNING, CRITICAL, or UNKNOWN (a component
/// that failed could not check).
pub fn status_word(sensor: &Sensor) -> &'static str {
    match exit_code::for_result(&sensor.result) {
        exit_code::UP => "OK",
        exit_code::WARNING => "WARNING",
        exit_code::DOWN => "CRITICAL",
        _ => "UNKNOWN",
    }
}

/// The plugin output: its line, then the long output: for a domain check a line for each
/// MX host (and its DANE) and for the policies, for a host check with DANE its DANE and
/// DNSSEC.
pub fn render(sensor: &Sensor) -> String {
    let perfdata: Vec<String> = measurements(&sensor.result, &sensor.thresholds)
        .iter()
        .map(perfdata)
        .collect();
    let mut out = format!(
        "{SERVICE} {} - {}|{}\n",
        status_word(sensor),
        text(&verdicts::message(&sensor.result)),
        perfdata.join(" ")
    );
    let domain = sensor.result.domain.iter().flat_map(domain_lines::lines);
    for line in domain.chain(dane_lines::lines(&sensor.result)) {
        out.push_str(&text(&line));
        out.push('\n');
    }
    out
}

/// The UNKNOWN line for settings that could not be used.
pub fn unknown(message: &str) -> String {
    format!("{SERVICE} UNKNOWN - {}\n", text(message))
}

/// The text part: printable, and `|` (the perfdata separator) shown as `/`.
fn text(message: &str) -> String {
    printable(message).replace('|', "/")
}

/// One perfdata item.
fn perfdata(m: &Measurement) -> String {
    let label = printable(&m.name).replace('\'', "''").replace('=', "-");
    let level_max;
    let (value, unit, min, max, scale) = match (m.quantity, m.unit) {
        (Quantity::Level { max }, _) => {
            level_max = max.to_string();
            (m.value, "", "0", level_max.as_str(), 1.0)
        }
        (Quantity::Measured, ChannelUnit::Milliseconds) => (m.value / 1000.0, "s", "0", "", 1000.0),
        (Quantity::Measured, ChannelUnit::Percent) => (m.value, "%", "0", "100", 1.0),
        (Quantity::Measured, ChannelUnit::Days) => (m.value, "", "", "", 1.0),
        (Quantity::Measured, ChannelUnit::Flag) => (m.value, "", "0", "1", 1.0),
        (Quantity::Measured, ChannelUnit::Count) => (m.value, "", "0", "", 1.0),
    };
    let (warn, crit) = match m.limits {
        Limits::None => (String::new(), String::new()),
        Limits::Above { warning, critical } => (
            warning.map(|w| number(w / scale)).unwrap_or_default(),
            critical.map(|c| number(c / scale)).unwrap_or_default(),
        ),
        Limits::Below { warning, critical } => (
            format!("{}:", number(warning / scale)),
            format!("{}:", number(critical / scale)),
        ),
    };
    let item = format!(
        "'{label}'={}{unit};{warn};{crit};{min};{max}",
        number(value)
    );
    item.trim_end_matches(';').to_string()
}

/// A decimal number without exponent and without trailing zeros.
fn number(value: f64) -> String {
    let fixed = format!("{value:.6}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" { "0" } else { trimmed }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn snapshots() {
        for (name, sensor) in fixtures::all() {
            fixtures::snapshot("nagios", name, &render(&sensor));
        }
    }

    #[test]
    fn status_words() {
        assert!(render(&fixtures::up_with_tls()).starts_with("SMTP OK - "));
        assert!(render(&fixtures::warning_slow()).starts_with("SMTP WARNING - "));
        assert!(render(&fixtures::down_before_connect()).starts_with("SMTP CRITICAL - "));
        assert!(render(&fixtures::component_failed()).starts_with("SMTP UNKNOWN - "));
        assert_eq!(unknown("invalid --port"), "SMTP UNKNOWN - invalid --port\n");
    }

    #[test]
    fn perfdata_has_thresholds_and_units() {
        let out = render(&fixtures::up_with_tls());
        let (_, perf) = out.trim_end().split_once('|').unwrap();
        // Items start with a quoted label: split before each space-quote.
        let items: Vec<String> = perf
            .split(" '")
            .enumerate()
            .map(|(i, item)| {
                if i == 0 {
                    item.into()
                } else {
                    format!("'{item}")
                }
            })
            .collect();
        assert_eq!(items[0], "'Response Time'=0.042125s;0.5;2;0");
        assert_eq!(items[1], "'Downtime'=0%;;;0;100");
        assert!(
            items.contains(&"'Certificate Expiry'=89;14:;0:".to_string()),
            "{items:?}"
        );
        // Perfdata even when down, where values exist.
        let down = render(&fixtures::down_before_connect());
        assert!(down.contains("|'Response Time'="), "{down}");
        assert!(down.contains("'Downtime'=100%"), "{down}");
    }

    #[test]
    fn a_round_trip_s_flags_and_the_receiver_s_verdicts() {
        let out = render(&fixtures::warning_delivered_to_spam());
        let (line, perf) = out.trim_end().split_once('|').unwrap();
        assert!(line.starts_with("SMTP WARNING - "), "{line}");
        assert!(line.contains("delivered to spam"), "{line}");
        assert!(
            line.ends_with("the receiver's verdicts: dkim=fail, dmarc=fail"),
            "{line}"
        );
        for item in [
            "'In Spam Folder'=1;;;0;1",
            "'SPF Pass'=1;;;0;1",
            "'DKIM Pass'=0;;;0;1",
        ] {
            assert!(perf.contains(item), "{item} in {perf}");
        }
        let up = render(&fixtures::up_round_trip_verdicts());
        assert!(!up.contains("verdicts"), "{up}");
        assert!(up.contains("'DKIM Pass'=1;;;0;1"), "{up}");
    }

    #[test]
    fn a_domain_check_s_counts_and_its_mx_hosts_in_the_long_output() {
        let out = render(&fixtures::warning_domain());
        let mut lines = out.lines();
        let (line, perf) = lines.next().unwrap().split_once('|').unwrap();
        assert!(line.starts_with("SMTP WARNING - example.com: "), "{line}");
        for item in [
            "'Response Time'=10.0045s;;;0",
            "'MX Hosts'=2;;;0",
            "'MX Hosts Up'=1;;;0",
            "'MTA-STS Mode'=2;;;0;2",
            "'MTA-STS Max Age'=7",
            "'MX Lookup'=0.0035s;;;0",
        ] {
            assert!(
                format!(" {perf} ").contains(&format!(" {item} ")),
                "{item} in {perf}"
            );
        }
        let long: Vec<&str> = lines.collect();
        assert!(
            long[0].starts_with("MX 10 mx1.example.com: up, "),
            "{long:?}"
        );
        assert!(
            long[1].starts_with("DANE _25._tcp.mx1.example.com: matched "),
            "{long:?}"
        );
        assert!(
            long[2].starts_with("MX 20 mx2.example.com: down, "),
            "{long:?}"
        );
        assert!(long[4].starts_with("MTA-STS: enforce, "), "{long:?}");
        // A server's words in the long output forge no line and no perfdata.
        let mut sensor = fixtures::warning_domain();
        let domain = sensor.result.domain.as_mut().unwrap();
        domain.mx_hosts[1].message = "x|'MX Hosts Up'=2\r\nSMTP OK - fine".into();
        let out = render(&sensor);
        assert_eq!(out.matches('|').count(), 1, "{out}");
        assert!(out.lines().all(|l| !l.starts_with("SMTP OK")), "{out}");
    }

    #[test]
    fn the_server_cannot_forge_perfdata_or_lines() {
        let out = render(&fixtures::hostile());
        assert_eq!(out.matches('|').count(), 1, "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.trim_end().chars().any(char::is_control), "{out:?}");
    }
}
