//! DANE and DNSSEC in words, a line each, for people: what DANE made of a host (its state,
//! the record that matched, how many there are, and when nothing matched the key a record
//! would have to hold) and whether DNSSEC vouched for the answers, until when. The text
//! output indents them under a host check's TLS lines and a domain check's MX hosts; they
//! are Nagios' long output too. What DNS or the server wrote is made printable here.

use super::dane::Records;
use super::escape::{printable, truncate};
use super::names;
use crate::wit::{CheckResult, DaneResult, DaneState, DnssecHealth, DnssecState};
use smtp_sensor_guest::format_utc;

/// How much of a record's presentation a line shows: usage, selector, matching type and
/// the start of the data, enough to tell records apart.
const PRESENTATION_CHARS: usize = 24;

/// A host check's DANE lines: `DANE ...` and `DNSSEC: ...`; none without `--dane` (a
/// domain check's are among its MX hosts' lines).
pub fn lines(result: &CheckResult) -> Vec<String> {
    match (&result.dane, &result.domain) {
        (Some(dane), None) => vec![line(dane), format!("DNSSEC: {}", dnssec(&dane.dnssec))],
        _ => Vec::new(),
    }
}

/// `DANE _25._tcp.mx.example.com: matched 3 1 1 8D02536C... (the leaf), 3 records (1
/// standby, 1 unusable)`: the state, the matching record, the count, and for a chain no
/// record matched the key's SHA-256 (what a `3 1 1` record would hold).
pub fn line(dane: &DaneResult) -> String {
    let mut line = format!(
        "DANE {}: {}",
        printable(&dane.tlsa_name),
        names::dane_state(dane.state)
    );
    let first_match = dane
        .records
        .iter()
        .find_map(|r| r.matched_certificate.map(|at| (r, at)));
    if let Some((record, at)) = first_match {
        let which = match at {
            0 => "the leaf".to_string(),
            n => format!("certificate {n} of the chain"),
        };
        line.push_str(&format!(
            " {} ({which})",
            printable(&truncate(&record.presentation, PRESENTATION_CHARS))
        ));
    }
    if !dane.records.is_empty() {
        let counts = Records::of(dane);
        let mut kinds = Vec::new();
        if counts.standby > 0 {
            kinds.push(format!("{} standby", counts.standby));
        }
        if counts.unusable > 0 {
            kinds.push(format!("{} unusable", counts.unusable));
        }
        let plural = if dane.records.len() == 1 { "" } else { "s" };
        line.push_str(&format!(", {} record{plural}", dane.records.len()));
        if !kinds.is_empty() {
            line.push_str(&format!(" ({})", kinds.join(", ")));
        }
    }
    if matches!(dane.state, DaneState::NotMatched)
        && let Some(key) = &dane.presented_key_sha256
    {
        line.push_str(&format!(
            "; the presented key's SHA-256 (3 1 1): {}",
            printable(key)
        ));
    }
    line
}

/// `secure, signatures until 2026-01-06 12:00:00 UTC (MX example.com)`, `insecure`, or
/// `bogus: why`.
pub fn dnssec(health: &DnssecHealth) -> String {
    let mut words = names::dnssec_state(health.state).to_string();
    match (&health.reason, health.state) {
        (Some(reason), DnssecState::Bogus | DnssecState::Indeterminate) => {
            words.push_str(&format!(": {}", printable(reason)));
        }
        _ => {
            if let Some(expiry) = health.earliest_signature_expiry {
                words.push_str(&format!(", signatures until {}", format_utc(expiry)));
                if let Some(lookup) = &health.earliest_signature_lookup {
                    words.push_str(&format!(" ({})", printable(lookup)));
                }
            }
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn a_match_names_its_record_and_the_standby() {
        let result = fixtures::up_dane().result;
        assert_eq!(
            lines(&result),
            [
                "DANE _25._tcp.mail.example.com: matched 3 1 1 8D02536C887482B... (the leaf), \
                 3 records (1 standby, 1 unusable)",
                "DNSSEC: secure, signatures until 2026-01-06 12:00:00 UTC \
                 (TLSA _25._tcp.mail.example.com)",
            ]
        );
    }

    #[test]
    fn no_match_gives_the_key_a_record_would_hold() {
        let mut dane = fixtures::up_dane().result.dane.unwrap();
        dane.state = DaneState::NotMatched;
        dane.records
            .iter_mut()
            .for_each(|r| r.matched_certificate = None);
        let words = line(&dane);
        assert!(
            words.contains("not-matched, 3 records (2 standby, 1 unusable)"),
            "{words}"
        );
        assert!(
            words.ends_with(
                "(3 1 1): 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d"
            ),
            "{words}"
        );
    }

    #[test]
    fn a_bogus_answer_says_why_printably() {
        let health = DnssecHealth {
            state: DnssecState::Bogus,
            reason: Some("TLSA _25._tcp.mx: expired\r\nFAKE".into()),
            earliest_signature_expiry: None,
            earliest_signature_lookup: None,
        };
        assert_eq!(
            dnssec(&health),
            "bogus: TLSA _25._tcp.mx: expired\\r\\nFAKE"
        );
    }
}
