//! DANE and DNSSEC as JSON: a host's `dane` (a host check's, and each MX host's) and the
//! `dnssec` of a set of answers, their enums spelled as the contract spells them.

use crate::output::names;
use crate::wit::{DaneResult, DnssecHealth};
use serde_json::{Value, json};
use smtp_sensor_guest::format_utc;

/// `{tlsa_name, state, records: [{presentation, unusable, matched_certificate}],
/// presented_key_sha256, presented_certificate_sha256, dnssec, message}`.
pub fn dane(dane: &DaneResult) -> Value {
    json!({
        "tlsa_name": dane.tlsa_name,
        "state": names::dane_state(dane.state),
        "records": dane.records.iter().map(|r| json!({
            "presentation": r.presentation,
            "unusable": r.unusable,
            "matched_certificate": r.matched_certificate,
        })).collect::<Vec<_>>(),
        "presented_key_sha256": dane.presented_key_sha256,
        "presented_certificate_sha256": dane.presented_certificate_sha256,
        "dnssec": dnssec(&dane.dnssec),
        "message": dane.message,
    })
}

/// `{state, reason, earliest_signature_expiry, earliest_signature_expiry_utc,
/// earliest_signature_lookup}`, the expiry in seconds since the Unix epoch.
pub fn dnssec(health: &DnssecHealth) -> Value {
    json!({
        "state": names::dnssec_state(health.state),
        "reason": health.reason,
        "earliest_signature_expiry": health.earliest_signature_expiry,
        "earliest_signature_expiry_utc": health.earliest_signature_expiry.map(format_utc),
        "earliest_signature_lookup": health.earliest_signature_lookup,
    })
}
