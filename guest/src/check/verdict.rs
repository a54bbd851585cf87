//! The status of a check from everything it found: the dialogue's verdict, what was
//! degraded, how long the certificate has left, and how long the check took, against the
//! thresholds.

use crate::settings::SettingsView;
use crate::smtp::session::Verdict;
use crate::wit::{ErrorKind, Failure, Phase, Status};

/// The thresholds a check is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `warning` when fewer days than this are left on the certificate.
    pub warning_days: u32,
    /// `down` when fewer days than this are left on the certificate.
    pub critical_days: u32,
    /// `warning` when "Response Time" exceeds this many milliseconds.
    pub response_warning_ms: Option<u32>,
    /// `down` when "Response Time" exceeds this many milliseconds.
    pub response_critical_ms: Option<u32>,
    /// `warning` when "Delivery Latency" exceeds this many milliseconds.
    pub latency_warning_ms: Option<u32>,
    /// `down` when "Delivery Latency" exceeds this many milliseconds.
    pub latency_critical_ms: Option<u32>,
    /// `warning` when fewer days than this are left on the mailbox server's certificate.
    pub mailbox_warning_days: u32,
    /// `down` when fewer days than this are left on the mailbox server's certificate.
    pub mailbox_critical_days: u32,
}

impl Thresholds {
    /// The thresholds a check's settings give, whichever side generated their type: the
    /// component's report and the host's outputs (PRTG limits, Nagios perfdata) read them
    /// here alike.
    pub fn of(settings: &SettingsView) -> Self {
        Self {
            warning_days: settings.certificate_warning_days,
            critical_days: settings.certificate_critical_days,
            response_warning_ms: settings.response_time_warning_ms,
            response_critical_ms: settings.response_time_critical_ms,
            latency_warning_ms: settings.mailbox.and_then(|(m, _)| m.latency_warning_ms),
            latency_critical_ms: settings.mailbox.and_then(|(m, _)| m.latency_critical_ms),
            mailbox_warning_days: settings
                .mailbox
                .map_or(settings.certificate_warning_days, |(m, _)| {
                    m.certificate_warning_days
                }),
            mailbox_critical_days: settings
                .mailbox
                .map_or(settings.certificate_critical_days, |(m, _)| {
                    m.certificate_critical_days
                }),
        }
    }
}

/// What a check found, to be judged.
#[derive(Debug, Clone)]
pub struct Findings {
    /// The dialogue's verdict.
    pub verdict: Verdict,
    /// With a successful verdict: what was degraded, if anything.
    pub warning: Option<Failure>,
    /// Whole days left on the certificate of a secured connection.
    pub certificate_days_left: Option<i64>,
    /// "Response Time", in milliseconds.
    pub response_ms: f64,
    /// The last phase that ran before the verdict, where a slow response is reported.
    pub last_phase: Phase,
    /// With a successful verdict: the first expectation the server missed, if any.
    pub missed: Option<Failure>,
    /// Whether a missed expectation is a warning rather than down.
    pub miss_is_warning: bool,
    /// "Delivery Latency", in milliseconds, when a round trip saw its message.
    pub latency_ms: Option<f64>,
    /// Whole days left on the mailbox server's certificate, when a round trip secured
    /// its connection with it.
    pub mailbox_certificate_days_left: Option<i64>,
}

/// The status and the failure (for `down`) or degradation (for `warning`) to report.
/// Precedence: a failed dialogue, then a missed expectation (unless it is only a warning),
/// then the critical thresholds (certificate, response time, delivery latency), then what
/// was degraded, then a missed expectation that is a warning, then the warning thresholds
/// (certificate, response time, delivery latency).
pub fn decide(findings: Findings, thresholds: Thresholds) -> (Status, Option<Failure>) {
    let Findings {
        verdict,
        warning,
        certificate_days_left,
        response_ms,
        last_phase,
        missed,
        miss_is_warning,
        latency_ms,
        mailbox_certificate_days_left: mailbox_days,
    } = findings;
    if let Err(failure) = verdict {
        return (Status::Down, Some(failure));
    }
    let (missed_down, missed_warning) = if miss_is_warning {
        (None, missed)
    } else {
        (missed, None)
    };
    if let Some(missed) = missed_down {
        return (Status::Down, Some(missed));
    }
    let expiring = |days| Failure {
        phase: Phase::TlsHandshake,
        kind: ErrorKind::CertificateExpiring(days),
    };
    let mailbox_expiring = |days| Failure {
        phase: Phase::MailboxTlsHandshake,
        kind: ErrorKind::CertificateExpiring(days),
    };
    let slow = |limit: Option<u32>| {
        limit
            .filter(|&limit| response_ms > f64::from(limit))
            .map(|limit| Failure {
                phase: last_phase,
                kind: ErrorKind::ResponseTimeExceeded(limit),
            })
    };
    if let Some(days) = certificate_days_left
        && days < i64::from(thresholds.critical_days)
    {
        return (Status::Down, Some(expiring(days)));
    }
    if let Some(days) = mailbox_days
        && days < i64::from(thresholds.mailbox_critical_days)
    {
        return (Status::Down, Some(mailbox_expiring(days)));
    }
    let late = |limit: Option<u32>| {
        limit
            .zip(latency_ms)
            .filter(|&(limit, ms)| ms > f64::from(limit))
            .map(|(limit, _)| Failure {
                phase: Phase::MailboxSearch,
                kind: ErrorKind::DeliveryLatencyExceeded(limit),
            })
    };
    if let Some(failure) = slow(thresholds.response_critical_ms) {
        return (Status::Down, Some(failure));
    }
    if let Some(failure) = late(thresholds.latency_critical_ms) {
        return (Status::Down, Some(failure));
    }
    if let Some(warning) = warning.or(missed_warning) {
        return (Status::Warning, Some(warning));
    }
    if let Some(days) = certificate_days_left
        && days < i64::from(thresholds.warning_days)
    {
        return (Status::Warning, Some(expiring(days)));
    }
    if let Some(days) = mailbox_days
        && days < i64::from(thresholds.mailbox_warning_days)
    {
        return (Status::Warning, Some(mailbox_expiring(days)));
    }
    match slow(thresholds.response_warning_ms).or_else(|| late(thresholds.latency_warning_ms)) {
        Some(failure) => (Status::Warning, Some(failure)),
        None => (Status::Up, None),
    }
}

#[cfg(test)]
mod tests;
