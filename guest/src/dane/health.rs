//! The DNSSEC of the answers a check used: each answer as seen, and their health (the
//! weakest status, the earliest signature), judged against the signature warning.

use crate::bindings::smtp_sensor::probe::dns::{Answer, DnssecStatus, RecordType};
use crate::domain::answers::type_name;
use crate::wit::{DnssecHealth, DnssecState, ErrorKind, Failure, Phase, Status};

/// One answer's DNSSEC, as the check saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The lookup, `TYPE name`.
    pub lookup: String,
    /// The name asked, as the answer gives it.
    pub name: String,
    /// The type asked.
    pub record_type: RecordType,
    /// The answer's status, and why when bogus or indeterminate.
    pub state: DnssecState,
    /// The reason the host gave, for bogus and indeterminate.
    pub reason: Option<String>,
    /// When its earliest signature expires (Unix seconds).
    pub expiry: Option<i64>,
}

impl Seen {
    /// What `answer` says of its DNSSEC.
    pub fn of(answer: &Answer) -> Self {
        let (state, reason) = match &answer.dnssec {
            DnssecStatus::Secure => (DnssecState::Secure, None),
            DnssecStatus::Insecure => (DnssecState::Insecure, None),
            DnssecStatus::Bogus(why) => (DnssecState::Bogus, Some(why.clone())),
            DnssecStatus::Indeterminate(why) => (DnssecState::Indeterminate, Some(why.clone())),
        };
        Self {
            lookup: format!("{} {}", type_name(answer.record_type), answer.name),
            name: answer.name.clone(),
            record_type: answer.record_type,
            state,
            reason,
            expiry: answer.earliest_signature_expiry,
        }
    }
}

/// How weak a state is: the health of several answers is their weakest.
fn weakness(state: DnssecState) -> u8 {
    match state {
        DnssecState::Secure => 0,
        DnssecState::Insecure => 1,
        DnssecState::Indeterminate => 2,
        DnssecState::Bogus => 3,
    }
}

/// The health of `seen`: the weakest status (the first of its kind gives the reason) and
/// the earliest signature. No answer at all is indeterminate.
pub fn health<'a>(seen: impl IntoIterator<Item = &'a Seen>) -> DnssecHealth {
    let mut health = DnssecHealth {
        state: DnssecState::Indeterminate,
        reason: Some("no DNS answer was used".into()),
        earliest_signature_expiry: None,
        earliest_signature_lookup: None,
    };
    let mut any = false;
    for answer in seen {
        if !any || weakness(answer.state) > weakness(health.state) {
            health.state = answer.state;
            health.reason = answer.reason.clone();
        }
        any = true;
        if let Some(expiry) = answer.expiry
            && health.earliest_signature_expiry.is_none_or(|e| expiry < e)
        {
            health.earliest_signature_expiry = Some(expiry);
            health.earliest_signature_lookup = Some(answer.lookup.clone());
        }
    }
    health
}

/// The health a host's DANE rests on (RFC 7672 2.2): its TLSA answer at `tlsa_name`, its
/// addresses (`host`'s A and AAAA), and, for an MX host, the MX answer of `mx_of`.
pub fn of_host(seen: &[Seen], host: &str, tlsa_name: &str, mx_of: Option<&str>) -> DnssecHealth {
    health(seen.iter().filter(|seen| match seen.record_type {
        RecordType::Tlsa => seen.name == tlsa_name,
        RecordType::A | RecordType::Aaaa => seen.name == host,
        RecordType::Mx => Some(seen.name.as_str()) == mx_of,
        RecordType::Txt => false,
    }))
}

/// The "DNSSEC" channel's level: 2 secure, 1 insecure, 0 bogus or indeterminate.
pub fn level(state: DnssecState) -> f64 {
    match state {
        DnssecState::Secure => 2.0,
        DnssecState::Insecure => 1.0,
        DnssecState::Indeterminate | DnssecState::Bogus => 0.0,
    }
}

/// Days from `now` until the earliest signature expires (negative once expired).
pub fn days_left(health: &DnssecHealth, now: i64) -> Option<f64> {
    let expiry = health.earliest_signature_expiry?;
    Some((expiry - now) as f64 / 86_400.0)
}

/// What `health` makes of the check, in `phase`: `down` when bogus, `warning` when a
/// signature expires within `warning_seconds` (0: never).
pub fn cause(
    health: &DnssecHealth,
    warning_seconds: u32,
    now: i64,
    phase: Phase,
) -> Option<(Status, Failure)> {
    if health.state == DnssecState::Bogus {
        let why = health.reason.clone().unwrap_or_default();
        let kind = ErrorKind::DnssecBogus(super::words::bogus(&why));
        return Some((Status::Down, Failure { phase, kind }));
    }
    let expiry = health.earliest_signature_expiry?;
    if warning_seconds == 0 || expiry - now > i64::from(warning_seconds) {
        return None;
    }
    let lookup = health.earliest_signature_lookup.as_deref().unwrap_or("");
    let kind = ErrorKind::DnssecSignaturesExpiring(super::words::expiring(
        lookup,
        expiry,
        now,
        warning_seconds,
    ));
    Some((Status::Warning, Failure { phase, kind }))
}
