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

/// The health of `host`'s address answers (A and AAAA), what DANE rests on besides its
/// TLSA records (RFC 7672 2.2.2).
pub fn of_addresses(seen: &[Seen], host: &str) -> DnssecHealth {
    health(seen.iter().filter(|seen| {
        seen.name == host && matches!(seen.record_type, RecordType::A | RecordType::Aaaa)
    }))
}

/// The weaker of two healths, with the earlier signature of the two.
pub fn combine(first: &DnssecHealth, second: &DnssecHealth) -> DnssecHealth {
    let mut combined = first.clone();
    if weakness(second.state) > weakness(first.state) {
        combined.state = second.state;
        combined.reason = second.reason.clone();
    }
    if let Some(expiry) = second.earliest_signature_expiry
        && first.earliest_signature_expiry.is_none_or(|e| expiry < e)
    {
        combined.earliest_signature_expiry = Some(expiry);
        combined.earliest_signature_lookup = second.earliest_signature_lookup.clone();
    }
    combined
}

/// The "DNSSEC" channel's level: 2 secure, 1 insecure, 0 bogus or indeterminate.
pub fn level(state: DnssecState) -> f64 {
    crate::dnssec_level!(state, DnssecState)
}

/// Days from `now` until the earliest signature expires (negative once expired).
pub fn days_left(health: &DnssecHealth, now: i64) -> Option<f64> {
    let expiry = health.earliest_signature_expiry?;
    Some((expiry - now) as f64 / 86_400.0)
}

/// `warning` in `phase` when a signature of `health` expires within `warning_seconds`
/// (0: never).
pub fn expiring(
    health: &DnssecHealth,
    warning_seconds: u32,
    now: i64,
    phase: Phase,
) -> Option<(Status, Failure)> {
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
