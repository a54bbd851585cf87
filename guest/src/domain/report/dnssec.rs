//! The DNSSEC of the domain's own answers: a bogus MX answer (or, without MX records, a
//! bogus address of the domain) fails the mail itself, `down`; a bogus `_mta-sts`,
//! `_smtp._tls` or policy host answer fails only what it carries, a `warning` in its own
//! phase; a signature about to expire warns in its lookup's phase.

use super::cause::{Area, Cause};
use crate::bindings::smtp_sensor::probe::dns::RecordType;
use crate::dane::health::{self, Seen, health};
use crate::dane::words;
use crate::wit::{ErrorKind, Failure, Phase, Status};

/// What an answer of the domain carries, and the phase it was asked in.
fn carries(seen: &Seen, domain: &str) -> (Phase, Option<&'static str>) {
    match seen.record_type {
        RecordType::Mx | RecordType::A | RecordType::Aaaa if seen.name == domain => {
            (Phase::MxLookup, None)
        }
        RecordType::Txt if seen.name.starts_with("_smtp._tls.") => {
            (Phase::TlsRptLookup, Some("the TLS-RPT record"))
        }
        RecordType::Txt => (Phase::MtaStsLookup, Some("the MTA-STS record")),
        _ => (Phase::MtaStsFetch, Some("the MTA-STS policy host")),
    }
}

/// The causes the domain's own answers (`seen`) give: each bogus answer (`down` for the
/// mail's, else `warning`), then the earliest signature within `warning_seconds`.
pub(super) fn causes(seen: &[Seen], domain: &str, warning_seconds: u32, now: i64) -> Vec<Cause> {
    let cause = |status, failure| Cause {
        status,
        area: Area::Dnssec,
        failure,
    };
    let mut causes = Vec::new();
    for answer in seen
        .iter()
        .filter(|s| s.state == crate::wit::DnssecState::Bogus)
    {
        let why = answer.reason.clone().unwrap_or_default();
        let (phase, aside) = carries(answer, domain);
        let (status, told) = match aside {
            None => (Status::Down, words::bogus(&why)),
            Some(what) => (Status::Warning, words::bogus_aside(what, &why)),
        };
        let kind = ErrorKind::DnssecBogus(told);
        causes.push(cause(status, Failure { phase, kind }));
    }
    let in_date: Vec<&Seen> = seen.iter().filter(|s| s.expiry.is_some()).collect();
    if let Some(earliest) = in_date.iter().min_by_key(|s| s.expiry) {
        let (phase, _) = carries(earliest, domain);
        let expiring = health::expiring(
            &health(in_date.iter().copied()),
            warning_seconds,
            now,
            phase,
        );
        causes.extend(expiring.map(|(status, failure)| cause(status, failure)));
    }
    causes
}
