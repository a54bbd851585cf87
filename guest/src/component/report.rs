//! The result record: status from the verdict and the certificate, the message, the
//! channels, and everything the check saw on the way.

use super::check::{TlsFacts, TlsPlan};
use crate::journal::millis;
use crate::limits::channel;
use crate::message::{self, Context};
use crate::session::Outcome;
use crate::tls::certificate::Leaf;
use crate::tls::verifier::Record;
use crate::verdict::{self, Findings, Thresholds};
use crate::wit::{Channel, ChannelUnit, CheckResult, ErrorKind, Phase, Settings, Status, TlsInfo};
use std::time::{SystemTime, UNIX_EPOCH};

/// The leaf certificate the server presented, if any.
pub(super) fn leaf(record: &Record) -> Option<Leaf> {
    let presented = record
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    presented.leaf.as_deref().and_then(Leaf::parse)
}

/// Seconds since the Unix epoch, from the wall clock.
pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The result record: status, message, channels, and everything seen on the way.
pub(super) fn report(
    settings: &Settings,
    context: Context,
    outcome: Outcome,
    remote: Option<String>,
    plan: Option<&TlsPlan>,
    facts: &TlsFacts,
) -> CheckResult {
    let response_ms = millis(outcome.verdict_at);
    let leaf = plan.and_then(|plan| leaf(&plan.record));
    let days_left = leaf.as_ref().map(|leaf| leaf.days_left(unix_now()));
    let thresholds = Thresholds {
        warning_days: settings.tls.certificate_warning_days,
        critical_days: settings.tls.certificate_critical_days,
        response_warning_ms: settings.response_time_warning_ms,
        response_critical_ms: settings.response_time_critical_ms,
    };
    let (timings, transcript) = outcome.journal.into_parts();
    let last_phase = timings
        .iter()
        .rev()
        .map(|t| t.phase)
        .find(|&phase| phase != Phase::Quit)
        .unwrap_or(Phase::Settings);
    let findings = Findings {
        verdict: outcome.verdict,
        warning: outcome.warning,
        // Thresholds judge the certificate of a connection that was actually secured.
        certificate_days_left: days_left.filter(|_| facts.established),
        response_ms,
        last_phase,
    };
    let (status, failure) = verdict::decide(findings, thresholds);
    let banner = outcome.banner.as_ref();
    let mut message = match (&status, &failure) {
        (Status::Down, Some(failure)) => match failure.kind {
            ErrorKind::ResponseTimeExceeded(limit) => {
                message::for_slow(context, banner, response_ms, limit)
            }
            _ => message::for_failure(context, failure),
        },
        (Status::Warning, Some(degraded)) => {
            message::for_warning(context, banner, response_ms, degraded)
        }
        _ => message::for_success(context, banner, response_ms),
    };
    let verified = plan.is_some_and(|plan| plan.record.lock().map(|r| r.verified).unwrap_or(false));
    if facts.established && plan.is_some_and(|plan| !plan.verify) {
        message.push_str(" (certificate not verified: verification is off)");
    }

    let downtime = if status == Status::Down { 100.0 } else { 0.0 };
    let mut channels = vec![
        Channel {
            name: channel::RESPONSE_TIME.into(),
            value: response_ms,
            unit: ChannelUnit::Milliseconds,
        },
        Channel {
            name: channel::DOWNTIME.into(),
            value: downtime,
            unit: ChannelUnit::Percent,
        },
    ];
    if let Some(handshake) = facts.handshake {
        channels.push(Channel {
            name: channel::TLS_HANDSHAKE.into(),
            value: millis(handshake),
            unit: ChannelUnit::Milliseconds,
        });
    }
    if let Some(send_time) = outcome.send_time {
        channels.push(Channel {
            name: channel::SEND_TIME.into(),
            value: millis(send_time),
            unit: ChannelUnit::Milliseconds,
        });
    }
    if let Some(days) = days_left {
        channels.push(Channel {
            name: channel::CERTIFICATE_EXPIRY.into(),
            value: days as f64,
            unit: ChannelUnit::Days,
        });
    }
    let tls = (facts.attempted && (facts.version.is_some() || leaf.is_some())).then(|| TlsInfo {
        version: facts.version.clone().unwrap_or_default(),
        cipher_suite: facts.cipher_suite.clone().unwrap_or_default(),
        subject: leaf.as_ref().map(|l| l.subject.clone()).unwrap_or_default(),
        issuer: leaf.as_ref().map(|l| l.issuer.clone()).unwrap_or_default(),
        not_after: leaf.as_ref().map_or(0, |l| l.not_after),
        verified,
    });
    CheckResult {
        status,
        message,
        channels,
        timings,
        remote_address: remote,
        banner: outcome.banner,
        last_reply: outcome.last_reply,
        capabilities: outcome.capabilities,
        tls,
        recipients: outcome.recipients,
        failure,
        transcript,
    }
}
