//! DANE's and DNSSEC's families: a host check's `smtp_dane_*` and `smtp_dnssec_*` (with
//! `--dane`), and a domain check's `smtp_domain_mx_dane_*` and `smtp_domain_mx_dnssec_*`, a
//! series per MX host by `mx` and `preference` labels, with `smtp_domain_dnssec_*` for the
//! domain's own answers. Levels are the channels': DANE 2 in force and matched, 1 not in
//! force, 0 failed; DNSSEC 2 secure, 1 insecure, 0 bogus or indeterminate.

use super::round_trip::Sample;
use crate::output::dane::{Records, dnssec_level, level};
use crate::output::names;
use crate::wit::{CheckResult, DaneResult, DnssecHealth};

/// The families, in the order they are written.
pub(super) const FAMILIES: [(&str, &str); 11] = [
    (
        "smtp_dane_state",
        "DANE (RFC 7672) of the host: 2 in force and a TLSA record matched the presented \
         chain, 1 not in force (no TLSA records, records DNSSEC does not vouch for, or none \
         SMTP can use), 0 failed (no record matched, no TLS, bogus, lookup failed).",
    ),
    (
        "smtp_dane_info",
        "DANE of the host: its state in words and the name its TLSA records were looked up at.",
    ),
    (
        "smtp_dane_records",
        "DANE of the host: TLSA records that matched the presented chain, usable ones that \
         matched nothing presented (standby keys, when DANE is in force), and ones SMTP \
         cannot use.",
    ),
    (
        "smtp_dnssec_status",
        "DNSSEC of the answers DANE rests on: 2 secure, 1 insecure, 0 bogus or indeterminate.",
    ),
    (
        "smtp_dnssec_signature_expiry_timestamp_seconds",
        "When the earliest DNSSEC signature (RRSIG) over the answers DANE rests on expires, \
         in seconds since the Unix epoch.",
    ),
    (
        "smtp_domain_mx_dane_state",
        "Domain check: the MX host's DANE, 2 in force and matched, 1 not in force, 0 failed \
         (as smtp_dane_state).",
    ),
    (
        "smtp_domain_mx_dane_records",
        "Domain check: the MX host's TLSA records that matched, standby and unusable (as \
         smtp_dane_records).",
    ),
    (
        "smtp_domain_mx_dnssec_status",
        "Domain check: the DNSSEC of the MX host's TLSA and address answers, 2 secure, 1 \
         insecure, 0 bogus or indeterminate.",
    ),
    (
        "smtp_domain_mx_dnssec_signature_expiry_timestamp_seconds",
        "Domain check: when the earliest DNSSEC signature over the MX host's TLSA and address \
         answers expires, in seconds since the Unix epoch.",
    ),
    (
        "smtp_domain_dnssec_status",
        "Domain check: the DNSSEC of the domain's own answers (MX, _mta-sts, _smtp._tls), 2 \
         secure, 1 insecure, 0 bogus or indeterminate.",
    ),
    (
        "smtp_domain_dnssec_signature_expiry_timestamp_seconds",
        "Domain check: when the earliest DNSSEC signature over the domain's own answers \
         expires, in seconds since the Unix epoch.",
    ),
];

/// The samples of a host check's DANE, or of a domain check's MX hosts and answers.
pub(super) fn samples(result: &CheckResult) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    if let Some(domain) = &result.domain {
        for mx in super::domain::distinct_hosts(domain) {
            let Some(dane) = &mx.dane else {
                continue;
            };
            let host = || {
                vec![
                    ("mx", mx.exchange.clone()),
                    ("preference", mx.preference.to_string()),
                ]
            };
            out.push(("smtp_domain_mx_dane_state", host(), level(dane.state)));
            for (kind, count) in Records::of(dane).labelled() {
                let mut labels = host();
                labels.push(("match", kind.to_string()));
                out.push(("smtp_domain_mx_dane_records", labels, f64::from(count)));
            }
            dnssec(
                &dane.dnssec,
                "smtp_domain_mx_dnssec_status",
                "smtp_domain_mx_dnssec_signature_expiry_timestamp_seconds",
                &host,
                &mut out,
            );
        }
        dnssec(
            &domain.dnssec,
            "smtp_domain_dnssec_status",
            "smtp_domain_dnssec_signature_expiry_timestamp_seconds",
            &Vec::new,
            &mut out,
        );
    } else if let Some(dane) = &result.dane {
        host(dane, &mut out);
    }
    out
}

/// A host check's DANE.
fn host(dane: &DaneResult, out: &mut Vec<Sample>) {
    out.push(("smtp_dane_state", vec![], level(dane.state)));
    out.push((
        "smtp_dane_info",
        vec![
            ("state", names::dane_state(dane.state).to_string()),
            ("tlsa_name", dane.tlsa_name.clone()),
        ],
        1.0,
    ));
    for (kind, count) in Records::of(dane).labelled() {
        out.push((
            "smtp_dane_records",
            vec![("match", kind.to_string())],
            f64::from(count),
        ));
    }
    dnssec(
        &dane.dnssec,
        "smtp_dnssec_status",
        "smtp_dnssec_signature_expiry_timestamp_seconds",
        &Vec::new,
        out,
    );
}

/// A set of answers' DNSSEC: its status, and its earliest signature's expiry when seen.
fn dnssec(
    health: &DnssecHealth,
    status: &'static str,
    expiry: &'static str,
    labels: &dyn Fn() -> Vec<(&'static str, String)>,
    out: &mut Vec<Sample>,
) {
    out.push((status, labels(), dnssec_level(health.state)));
    if let Some(at) = health.earliest_signature_expiry {
        out.push((expiry, labels(), at as f64));
    }
}
