//! The MTA-STS judgement (RFC 8461 4): with a policy in mode `enforce` or `testing`, every
//! MX host must match one of its `mx` patterns and present, over TLS 1.2 or later, a
//! certificate valid for its name. A host that never got as far as TLS (its connection
//! failed or timed out before STARTTLS) is not judged on TLS: its failure is already an MX
//! host's failure. A policy without a valid record is judged all the same (the postmaster
//! learns whether it would hold), but senders do not apply it, so it only warns.

use super::super::findings::MxFinding;
use super::super::sts_policy::{StsMode, StsPolicy};
use super::cause::{Area, Cause};
use super::words::failure_words;
use crate::check::report::server_label;
use crate::wit::{ErrorKind, Failure, Phase, Status};

/// One MX host against the policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Judged {
    /// The policy's `mx` pattern it matches.
    pub pattern: Option<String>,
    /// Whether it meets the policy; none when not judged.
    pub valid: Option<bool>,
    /// Why it does not, in words.
    pub reasons: Vec<String>,
}

/// What TLS showed of a host, for the policy.
enum Tls {
    /// The host never got as far as TLS.
    NotReached,
    /// A verified certificate over TLS 1.2 or later.
    Valid,
    /// Anything else, in words.
    Invalid(String),
}

/// Each host judged against `policy` (none, or mode `none`: nobody is judged), and the
/// cause when one fails it: `down` under `enforce` announced by a valid record, else
/// `warning`.
pub(super) fn judge(
    policy: Option<&StsPolicy>,
    announced: bool,
    hosts: &[MxFinding],
    port: u16,
    timeout_seconds: u32,
) -> (Vec<Judged>, Option<Cause>) {
    let Some(policy) = policy.filter(|policy| policy.mode != StsMode::None) else {
        return (vec![Judged::default(); hosts.len()], None);
    };
    let judged: Vec<Judged> = hosts
        .iter()
        .map(|host| judge_host(policy, host, port, timeout_seconds))
        .collect();
    let reasons: Vec<&str> = judged
        .iter()
        .flat_map(|j| j.reasons.iter().map(String::as_str))
        .collect();
    if reasons.is_empty() {
        return (judged, None);
    }
    let failed = judged.iter().filter(|j| j.valid == Some(false)).count();
    let them = if failed == 1 { "it" } else { "them" };
    let consequence = match (policy.mode, announced) {
        (StsMode::Enforce, true) => {
            format!("mode enforce: senders that apply the policy will not deliver to {them}")
        }
        (StsMode::Enforce, false) => {
            "mode enforce, but without a valid _mta-sts record senders do not apply it".to_string()
        }
        _ => format!("mode testing: senders deliver anyway and report {them}"),
    };
    let status = if policy.mode == StsMode::Enforce && announced {
        Status::Down
    } else {
        Status::Warning
    };
    let cause = Cause {
        status,
        area: Area::MtaSts,
        failure: Failure {
            phase: Phase::MtaStsJudge,
            kind: ErrorKind::MtaStsFailed(format!("{} ({consequence})", reasons.join("; "))),
        },
    };
    (judged, Some(cause))
}

/// One host against `policy`: its pattern, and its TLS.
fn judge_host(policy: &StsPolicy, host: &MxFinding, port: u16, timeout_seconds: u32) -> Judged {
    let name = &host.exchange;
    let pattern = policy.matching(name).map(str::to_string);
    let mut reasons = Vec::new();
    // Whether it matches is known without reaching it: a sender would refuse it too.
    if pattern.is_none() {
        reasons.push(format!(
            "{name} is not in the policy's mx patterns ({})",
            policy.mx.join(", ")
        ));
    }
    let tls = tls_of(host, port, timeout_seconds);
    if let Tls::Invalid(why) = &tls {
        reasons.push(format!("{name} {why}"));
    }
    let valid = match tls {
        Tls::NotReached if pattern.is_some() => None,
        _ => Some(reasons.is_empty()),
    };
    Judged {
        pattern,
        valid,
        reasons,
    }
}

/// What the host's TLS was, for the policy: its failure in the STARTTLS or handshake
/// phases (a certificate that only expires soon, a slow answer and a missed expectation
/// are not TLS failures), else what the handshake showed.
fn tls_of(host: &MxFinding, port: u16, timeout_seconds: u32) -> Tls {
    let result = &host.result;
    if let Some(failure) = &result.failure {
        let tls_phase = matches!(failure.phase, Phase::Starttls | Phase::TlsHandshake);
        match &failure.kind {
            _ if !tls_phase => {}
            ErrorKind::CertificateExpiring(days) if *days >= 0 => {}
            ErrorKind::ResponseTimeExceeded(_) | ErrorKind::ExpectationMissed(_) => {}
            // DANE refused the chain; MTA-STS senders judge it by the CA roots, whose
            // verdict the handshake recorded beside (RFC 8461 2).
            ErrorKind::DaneMismatch(_) => {}
            // The connection, not TLS, failed: the MX host's failure says it.
            ErrorKind::Timeout | ErrorKind::ConnectionClosed => return Tls::NotReached,
            _ => {
                let server = server_label(&host.exchange, port);
                return Tls::Invalid(format!(
                    "presented no certificate valid for its name: {}",
                    failure_words(failure, &server, timeout_seconds)
                ));
            }
        }
    }
    match &result.tls {
        Some(tls) if !tls.verified => {
            Tls::Invalid("presented a certificate that was not verified".to_string())
        }
        Some(tls) if matches!(tls.version.as_str(), "TLSv1.2" | "TLSv1.3") => Tls::Valid,
        Some(tls) => Tls::Invalid(format!(
            "negotiated {}, where MTA-STS requires TLS 1.2 or later",
            if tls.version.is_empty() {
                "no TLS version"
            } else {
                &tls.version
            }
        )),
        // Failed before TLS.
        None if result.failure.is_some() => Tls::NotReached,
        None => Tls::Invalid("did not use TLS".to_string()),
    }
}
