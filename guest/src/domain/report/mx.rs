//! The MX hosts: the MX answer's own failures (a failed lookup, a null MX), the hosts
//! that failed their checks, and each host's result in the contract's terms.

use super::super::findings::{MxAnswer, MxFinding};
use super::cause::{Area, Cause};
use super::judge::Judged;
use super::words::{count, host_said};
use crate::dane::verdict;
use crate::journal::millis;
use crate::wit::{ErrorKind, Failure, MxHostResult, MxSource, Phase, Status};

/// Whether an MX host passes: it works (`up`), perhaps degraded (`warning`).
pub(super) fn passes(host: &MxFinding) -> bool {
    matches!(host.result.status, Status::Up | Status::Warning)
}

/// Whether senders can deliver to an MX host: it greeted (220), whatever else failed, and
/// DANE does not make senders refuse it (a DANE sender will not deliver to a host whose
/// records match nothing, and no validating sender finds a host behind a bogus answer).
fn takes_mail(host: &MxFinding) -> bool {
    let greeted = host
        .result
        .banner
        .as_ref()
        .is_some_and(|banner| banner.code == 220);
    let refused = host
        .result
        .dane
        .as_ref()
        .is_some_and(|dane| verdict::refuses(dane.state));
    greeted && !refused
}

/// Where the hosts came from, in the contract's terms.
pub(super) fn source(answer: &MxAnswer) -> MxSource {
    match answer {
        MxAnswer::Records { .. } => MxSource::MxRecords,
        MxAnswer::Implicit => MxSource::Implicit,
        MxAnswer::Null => MxSource::NullMx,
        MxAnswer::Failed(_) => MxSource::LookupFailed,
    }
}

/// The MX side's cause: the lookup's failure, a null MX, or the hosts that failed
/// (`down` when none greets, else `warning`), each named with its preference and its own
/// message.
pub(super) fn cause(answer: &MxAnswer, hosts: &[MxFinding], port: u16) -> Option<Cause> {
    let down = |failure| Cause {
        status: Status::Down,
        area: Area::Mx,
        failure,
    };
    match answer {
        MxAnswer::Failed(failure) => return Some(down(failure.clone())),
        MxAnswer::Null => {
            return Some(down(Failure {
                phase: Phase::MxLookup,
                kind: ErrorKind::NullMx,
            }));
        }
        MxAnswer::Records { .. } | MxAnswer::Implicit => {}
    }
    if hosts.is_empty() {
        return Some(down(Failure {
            phase: Phase::MxLookup,
            kind: ErrorKind::MxHostsFailed("no MX host was checked".into()),
        }));
    }
    let failed: Vec<&MxFinding> = hosts.iter().filter(|host| !passes(host)).collect();
    if failed.is_empty() {
        return warned(hosts, port);
    }
    let which = match (failed.len(), hosts.len()) {
        (1, 1) => "its only MX host failed".to_string(),
        (f, n) if f == n => format!("all {n} MX hosts failed"),
        (f, n) => format!("{f} of {} failed", count(n, "MX host", "MX hosts")),
    };
    // Mail still goes where a host greets: a sender without a policy to enforce delivers
    // over a certificate it cannot verify (RFC 8461 §5 and opportunistic STARTTLS), so
    // the domain is down only when no host takes mail at all (none greets, or DANE makes
    // senders refuse every one that does); the policy judges the rest.
    let status = if hosts.iter().any(takes_mail) {
        Status::Warning
    } else {
        Status::Down
    };
    Some(named(status, &which, &failed, port))
}

/// The hosts that pass with a warning (a certificate that expires soon, a slow answer, a
/// TLS downgrade): the domain warns with them, each named, as a postmaster must hear of
/// the MX host whose certificate runs out before mail does.
fn warned(hosts: &[MxFinding], port: u16) -> Option<Cause> {
    let warned: Vec<&MxFinding> = hosts
        .iter()
        .filter(|host| host.result.status == Status::Warning)
        .collect();
    if warned.is_empty() {
        return None;
    }
    let which = match (warned.len(), hosts.len()) {
        (1, 1) => "its only MX host has a warning".to_string(),
        (w, n) => format!(
            "{w} of {} {}",
            count(n, "MX host", "MX hosts"),
            if w == 1 {
                "has a warning"
            } else {
                "have warnings"
            }
        ),
    };
    Some(named(Status::Warning, &which, &warned, port))
}

/// The MX side's cause of `status`: `which` hosts, then each named in its own words; the
/// phase the first of them failed in.
fn named(status: Status, which: &str, hosts: &[&MxFinding], port: u16) -> Cause {
    let said: Vec<String> = hosts.iter().map(|host| host_said(host, port)).collect();
    let phase = hosts
        .first()
        .and_then(|host| host.result.failure.as_ref())
        .map_or(Phase::MxLookup, |f| f.phase);
    Cause {
        status,
        area: Area::Mx,
        failure: Failure {
            phase,
            kind: ErrorKind::MxHostsFailed(format!("{which}: {}", said.join("; "))),
        },
    }
}

/// One host's result, with its judgement against the policy.
pub(super) fn host_result(host: MxFinding, judged: Judged) -> MxHostResult {
    let result = host.result;
    MxHostResult {
        exchange: host.exchange,
        preference: host.preference,
        addresses: host.addresses.iter().map(ToString::to_string).collect(),
        status: result.status,
        message: result.message,
        failure: result.failure,
        response_milliseconds: millis(host.elapsed),
        timings: result.timings,
        remote_address: result.remote_address,
        banner: result.banner,
        capabilities: result.capabilities,
        tls: result.tls,
        sts_pattern: judged.pattern,
        sts_valid: judged.valid,
        transcript: result.transcript,
        dane: result.dane,
    }
}
