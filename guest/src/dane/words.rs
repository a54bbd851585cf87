//! DANE and DNSSEC in plain words, each naming what was looked up and what was seen.

use crate::dates::format_utc;
use crate::tls::dane::{Tlsa, Verified};
use crate::tls::facts::TlsFacts;
use crate::wit::{DnssecHealth, DnssecState};

/// A bogus answer, with the resolver's reason.
pub fn bogus(why: &str) -> String {
    format!("validating resolvers fail it, so senders behind them defer the mail: {why}")
}

/// A signature that expires within the warning.
pub fn expiring(lookup: &str, expiry: i64, now: i64, warning_seconds: u32) -> String {
    let left = expiry - now;
    let when = if left <= 0 {
        "has expired".to_string()
    } else if left < 86_400 {
        format!("expires in {} hours", left / 3600)
    } else {
        format!("expires in {:.1} days", left as f64 / 86_400.0)
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
pub fn not_secure(name: &str, health: &DnssecHealth) -> String {
    let state = match health.state {
        DnssecState::Insecure => "DNSSEC-insecure (an unsigned zone)".to_string(),
        _ => format!(
            "not validated ({})",
            health.reason.as_deref().unwrap_or("indeterminate")
        ),
    };
    format!(
        "not in force: the TLSA records at {name} or the names they rest on are {state}, so senders ignore them (RFC 7672 2.2)"
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

/// No record matched: the presented key beside the records.
pub fn mismatch(verified: &Verified, facts: &TlsFacts) -> String {
    let presented = match &facts.presented_sha256 {
        Some((key, certificate)) => {
            format!("the presented key's SHA-256 is {key} (the certificate's {certificate})")
        }
        None => "no certificate was presented".into(),
    };
    let records: Vec<String> = verified.records.iter().map(Tlsa::presentation).collect();
    let mut told = format!(
        "no TLSA record matches: {presented}; the records: {}",
        records.join(", ")
    );
    for (index, why) in &verified.unanchored {
        told.push_str(&format!(
            "; {} matched a certificate of the chain, but {why}",
            short(&verified.records[*index].presentation())
        ));
    }
    told
}

/// In force, without TLS to judge.
pub fn no_tls(name: &str, reached: bool) -> String {
    match reached {
        true => format!(
            "DANE senders will not deliver: TLSA records at {name} require TLS, and the \
             server offered no STARTTLS or its handshake failed before its certificate \
             could be judged"
        ),
        false => format!("in force at {name}, but the server was not reached to judge it"),
    }
}

/// A record's presentation cut to its start, for messages: `3 1 1 A9F3C2D1…`.
fn short(presentation: &str) -> String {
    match presentation.char_indices().nth(24) {
        Some((at, _)) => format!("{}…", &presentation[..at]),
        None => presentation.to_string(),
    }
}
