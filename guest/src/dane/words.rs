//! DANE and DNSSEC in plain words, each naming what was looked up and what was seen.

use crate::check::report::one_decimal;
use crate::dates::format_utc;
use crate::tls::dane::{Tlsa, Verified};
use crate::tls::facts::TlsFacts;
use crate::wit::DnssecState;

/// A bogus answer, with the resolver's reason.
pub fn bogus(why: &str) -> String {
    format!("validating resolvers fail it, so senders behind them defer the mail: {why}")
}

/// A bogus answer that carries `what` (the MTA-STS record, say), not the mail.
pub fn bogus_aside(what: &str, why: &str) -> String {
    format!("validating resolvers fail it, so senders behind them go without {what}: {why}")
}

/// A signature that expires within the warning.
pub fn expiring(lookup: &str, expiry: i64, now: i64, warning_seconds: u32) -> String {
    let left = expiry - now;
    let when = if left <= 0 {
        "has expired".to_string()
    } else if left < 86_400 {
        format!("expires in {} hours", left / 3600)
    } else {
        format!("expires in {} days", one_decimal(left as f64 / 86_400.0))
    };
    format!(
        "the signature over {lookup} {when} ({}), within the warning of {} days: re-sign the \
         zone before validating resolvers find it bogus",
        format_utc(expiry),
        warning_seconds / 86_400
    )
}

/// The TLSA lookup failed.
pub fn lookup_failed(why: &str) -> String {
    format!("the TLSA lookup failed, and DANE senders defer the mail until it answers: {why}")
}

/// No TLSA records.
pub fn not_published(name: &str) -> String {
    format!("not in force: no TLSA records at {name}")
}

/// Records DNSSEC does not vouch for.
pub fn not_secure(name: &str) -> String {
    format!(
        "not in force: the TLSA records at {name} are in a zone DNSSEC does not vouch for \
         (unsigned), so senders ignore them (RFC 7672 2.2.3)"
    )
}

/// Only unusable records.
pub fn unusable(name: &str) -> String {
    format!(
        "not in force: the TLSA records at {name} are all of kinds SMTP cannot use (RFC 7672 \
         3.1 allows DANE-TA 2 and DANE-EE 3 only)"
    )
}

/// No second usable record.
pub fn no_standby(name: &str) -> String {
    format!(
        "no standby: {name} has one usable TLSA record, so the next key or certificate \
         change breaks DANE until its record is published (publish the next key's record \
         beside the current one)"
    )
}

/// The record that matched.
pub fn matched(record: &Tlsa, certificate: usize) -> String {
    let what = match certificate {
        0 => "the leaf".to_string(),
        n => format!("certificate {n} of the chain"),
    };
    format!(
        "in force: the TLSA record {} matches {what}",
        short(&record.presentation())
    )
}

/// The most records a mismatch names (each cut short); the result lists them all.
const RECORDS_NAMED: usize = 4;

/// No record matched: the presented key beside the records.
pub fn mismatch(verified: &Verified, facts: &TlsFacts) -> String {
    let presented = match &facts.presented_sha256 {
        Some((key, certificate)) => {
            format!("the presented key's SHA-256 is {key} (the certificate's {certificate})")
        }
        None => "no certificate was presented".into(),
    };
    let count = verified.records.len();
    let mut records: Vec<String> = (verified.records.iter())
        .take(RECORDS_NAMED)
        .map(|r| match count {
            1 => r.presentation(),
            _ => short(&r.presentation()),
        })
        .collect();
    if count > RECORDS_NAMED {
        records.push(format!("and {} more", count - RECORDS_NAMED));
    }
    let mut told = format!(
        "no TLSA record matches: {presented}; the records: {}",
        records.join(", ")
    );
    for (index, why) in verified.unanchored.iter().take(RECORDS_NAMED) {
        told.push_str(&format!(
            "; {} matched a certificate of the chain, but {why}",
            short(&verified.records[*index].presentation())
        ));
    }
    told
}

/// TLSA records, and no TLS: `usable` says whether DANE was in force, else the records
/// were all of kinds SMTP cannot use, which still require TLS (RFC 7672 2.2).
pub fn no_tls(name: &str, usable: bool) -> String {
    let records = match usable {
        true => "TLSA records",
        false => "TLSA records (none of a kind SMTP can use, which still require TLS)",
    };
    format!(
        "DANE senders will not deliver: {records} at {name} require TLS, and the server \
         offered no STARTTLS or its handshake failed before its certificate could be judged"
    )
}

/// In force, but the server was not reached.
pub fn unreached(name: &str) -> String {
    format!("in force at {name}, but the server was not reached to judge it")
}

/// The names DANE rests on are not secure: senders do not look TLSA up. `mx` is the MX
/// answer's state (an MX host's), `addresses` the host's addresses'.
pub fn names_not_secure(name: &str, mx: Option<DnssecState>, addresses: DnssecState) -> String {
    let which = match mx {
        Some(mx) if mx != DnssecState::Secure => format!("the MX records are {}", state(mx)),
        _ => format!("the host's addresses are {}", state(addresses)),
    };
    format!(
        "not in force: {which}, so senders do not look up the TLSA records at {name} (RFC \
         7672 2.2)"
    )
}

/// A DNSSEC state in words.
fn state(state: DnssecState) -> &'static str {
    match state {
        DnssecState::Secure => "DNSSEC-secure",
        DnssecState::Insecure => "DNSSEC-insecure (an unsigned zone)",
        DnssecState::Indeterminate => "not validated (indeterminate)",
        DnssecState::Bogus => "DNSSEC-bogus",
    }
}

/// A record's presentation cut to its start, for messages: `3 1 1 A9F3C2D1…`.
fn short(presentation: &str) -> String {
    match presentation.char_indices().nth(24) {
        Some((at, _)) => format!("{}…", &presentation[..at]),
        None => presentation.to_string(),
    }
}
