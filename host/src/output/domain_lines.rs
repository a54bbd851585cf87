//! A domain check's findings in words, a line each, for people: where the MX hosts came
//! from (unless from MX records), every MX host (and its DANE), the MTA-STS record and
//! policy, the TLS-RPT record, the DNSSEC of the domain's own answers, then the notes. The text output indents them under its verdict line; they are
//! Nagios' long output (the lines after the first). Everything a server or DNS wrote is
//! made printable here.

use super::dane_lines;
use super::escape::printable;
use super::names;
use crate::wit::{DomainResult, MtaStsResult, MxHostResult, MxSource, Status, TlsRptResult};
use smtp_sensor_guest::format_utc;

/// Seconds in a day, for `max_age` in days.
const DAY_SECONDS: f64 = 86_400.0;

/// The lines, in order.
pub fn lines(domain: &DomainResult) -> Vec<String> {
    let mut out = Vec::with_capacity(2 * domain.mx_hosts.len() + domain.notes.len() + 4);
    match domain.mx_source {
        MxSource::MxRecords | MxSource::LookupFailed => {}
        MxSource::Implicit => out.push(format!(
            "no MX record: {} is its own implicit MX",
            printable(&domain.name)
        )),
        MxSource::NullMx => out.push(format!(
            "null MX: {} accepts no mail",
            printable(&domain.name)
        )),
    }
    for mx in &domain.mx_hosts {
        out.push(mx_host(mx));
        if let Some(dane) = &mx.dane {
            out.push(format!(
                "{}; DNSSEC {}",
                dane_lines::line(dane),
                dane_lines::dnssec(&dane.dnssec)
            ));
        }
    }
    if domain.mx_not_checked > 0 {
        out.push(format!(
            "{} more MX records not checked",
            domain.mx_not_checked
        ));
    }
    out.push(mta_sts(&domain.mta_sts));
    out.push(tls_rpt(domain.tls_rpt.as_ref()));
    out.push(format!("DNSSEC: {}", dane_lines::dnssec(&domain.dnssec)));
    out.extend(
        domain
            .notes
            .iter()
            .map(|note| format!("note: {}", printable(note))),
    );
    out
}

/// `MX 10 mx1.example.com: up, 192.0.2.25:25, TLSv1.3, certificate until ..., MTA-STS ...`:
/// its preference and name, its status, where it was reached, its TLS and certificate, its
/// message when it is not up, and how it fares against the MTA-STS policy.
fn mx_host(mx: &MxHostResult) -> String {
    let address = match (&mx.remote_address, mx.addresses.as_slice()) {
        (Some(remote), _) => printable(remote).into_owned(),
        (None, []) => "no address".to_string(),
        (None, all) => format!("not connected to {}", printable(&all.join(" "))),
    };
    let mut line = format!(
        "MX {} {}: {}, {address}",
        mx.preference,
        printable(&mx.exchange),
        names::status(mx.status)
    );
    match &mx.tls {
        None => line.push_str(", no TLS"),
        Some(tls) => {
            let version = match tls.version.as_str() {
                "" => "TLS not negotiated",
                version => version,
            };
            line.push_str(&format!(", {}", printable(version)));
            if !tls.subject.is_empty() {
                let verified = if tls.verified { "" } else { " (NOT verified)" };
                line.push_str(&format!(
                    ", certificate until {}{verified}",
                    format_utc(tls.chain_not_after)
                ));
            }
        }
    }
    if mx.status != Status::Up {
        line.push_str(&format!(": {}", printable(&mx.message)));
    }
    match (&mx.sts_pattern, mx.sts_valid) {
        (_, None) => {}
        (None, Some(_)) => line.push_str("; MTA-STS: matches no mx pattern"),
        (Some(pattern), Some(valid)) => {
            let meets = if valid { "meets it" } else { "FAILS it" };
            line.push_str(&format!(
                "; MTA-STS: matches {}, {meets}",
                printable(pattern)
            ));
        }
    }
    line
}

/// `MTA-STS: enforce, id ..., max_age 604800 s (7 days), mx a, b`, or what is missing.
fn mta_sts(sts: &MtaStsResult) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(policy) = &sts.policy {
        parts.push(names::sts_mode(policy.mode).to_string());
    }
    match (&sts.record_id, &sts.record_error) {
        (Some(id), _) => parts.push(format!("id {}", printable(id))),
        (None, Some(error)) => parts.push(format!("record: {}", printable(error))),
        (None, None) => parts.push("no record".to_string()),
    }
    match (&sts.policy, &sts.policy_error) {
        (Some(policy), _) => {
            parts.push(format!(
                "max_age {} s ({} days)",
                policy.max_age_seconds,
                days(policy.max_age_seconds)
            ));
            let mx: Vec<String> = policy
                .mx
                .iter()
                .map(|p| printable(p).into_owned())
                .collect();
            parts.push(format!("mx {}", mx.join(" ")));
        }
        (None, Some(error)) => parts.push(format!("no policy: {}", printable(error))),
        (None, None) => {}
    }
    format!("MTA-STS: {}", parts.join(", "))
}

/// `TLS-RPT: rua mailto:...`, what is wrong with the record, or that there is none.
fn tls_rpt(record: Option<&TlsRptResult>) -> String {
    match record {
        None => "TLS-RPT: no record".to_string(),
        Some(TlsRptResult {
            error: Some(error), ..
        }) => format!("TLS-RPT: {}", printable(error)),
        Some(record) => format!("TLS-RPT: rua {}", printable(&record.rua.join(" "))),
    }
}

/// Seconds as days, with at most one decimal.
fn days(seconds: u32) -> String {
    let days = format!("{:.1}", f64::from(seconds) / DAY_SECONDS);
    days.strip_suffix(".0").unwrap_or(&days).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn domain() -> DomainResult {
        fixtures::warning_domain().result.domain.unwrap()
    }

    #[test]
    fn a_line_for_each_mx_host_then_the_policies_and_notes() {
        assert_eq!(
            lines(&domain()),
            [
                "MX 10 mx1.example.com: up, 192.0.2.25:25, TLSv1.3, certificate until \
                 2027-02-20 00:00:00 UTC; MTA-STS: matches mx1.example.com, meets it",
                "DANE _25._tcp.mx1.example.com: matched 3 1 1 8D02536C887482B... (the leaf), \
                 3 records (1 standby, 1 unusable); DNSSEC secure, signatures until \
                 2026-01-06 12:00:00 UTC (TLSA _25._tcp.mx1.example.com)",
                "MX 20 mx2.example.com: down, 192.0.2.26:25, no TLS: mx2.example.com:25: the \
                 server sent no greeting within 10.0 s; MTA-STS: matches *.example.com, FAILS it",
                "DANE _25._tcp.mx2.example.com: not-published; DNSSEC insecure",
                "MTA-STS: enforce, id 20261201T000000, max_age 604800 s (7 days), mx \
                 mx1.example.com *.example.com",
                "TLS-RPT: rua mailto:tlsrpt@example.com",
                "DNSSEC: secure, signatures until 2026-01-06 12:00:00 UTC (MX example.com)",
                "note: the MTA-STS policy repeats max_age; the first one counts",
            ]
        );
    }

    #[test]
    fn what_is_missing_is_said() {
        let mut domain = domain();
        domain.mx_source = MxSource::Implicit;
        domain.mx_hosts.truncate(1);
        let mx = &mut domain.mx_hosts[0];
        mx.remote_address = None;
        mx.tls = None;
        mx.status = Status::Warning;
        mx.message = "slow\r\nFAKE".into();
        mx.sts_pattern = None;
        mx.sts_valid = None;
        mx.dane = None;
        domain.dnssec.state = crate::wit::DnssecState::Indeterminate;
        domain.dnssec.reason = Some("MX example.com: no answer".into());
        domain.mx_not_checked = 3;
        domain.mta_sts = MtaStsResult {
            record_id: None,
            record_error: Some("no _mta-sts record".into()),
            policy: None,
            policy_error: None,
            fetch_milliseconds: None,
        };
        domain.tls_rpt = None;
        domain.notes.clear();
        assert_eq!(
            lines(&domain),
            [
                "no MX record: example.com is its own implicit MX",
                "MX 10 mx1.example.com: warning, not connected to 192.0.2.25 2001:db8::25, \
                 no TLS: slow\\r\\nFAKE",
                "3 more MX records not checked",
                "MTA-STS: record: no _mta-sts record",
                "TLS-RPT: no record",
                "DNSSEC: indeterminate: MX example.com: no answer",
            ]
        );
        let mut with_record = domain.mta_sts.clone();
        with_record.record_id = Some("1".into());
        with_record.record_error = None;
        with_record.policy_error = Some("HTTP 404".into());
        assert_eq!(mta_sts(&with_record), "MTA-STS: id 1, no policy: HTTP 404");
        assert_eq!(days(86_400 + 43_200), "1.5");
    }
}
