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
mod tests {
    use super::*;

    const DEFAULTS: Thresholds = Thresholds {
        warning_days: 14,
        critical_days: 0,
        response_warning_ms: None,
        response_critical_ms: None,
        latency_warning_ms: None,
        latency_critical_ms: None,
        mailbox_warning_days: 14,
        mailbox_critical_days: 0,
    };

    fn not_offered() -> Failure {
        Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::TlsNotOffered,
        }
    }

    fn found(verdict: Verdict, warning: Option<Failure>, days: Option<i64>) -> Findings {
        Findings {
            verdict,
            warning,
            certificate_days_left: days,
            response_ms: 10.0,
            last_phase: Phase::Ehlo,
            missed: None,
            miss_is_warning: false,
            latency_ms: None,
            mailbox_certificate_days_left: None,
        }
    }

    #[test]
    fn the_mailbox_servers_certificate_is_judged_like_the_smtp_servers() {
        let with = |days| Findings {
            mailbox_certificate_days_left: Some(days),
            ..found(Ok(()), None, Some(90))
        };
        assert_eq!(decide(with(60), DEFAULTS).0, Status::Up);
        let (status, failure) = decide(with(10), DEFAULTS);
        assert_eq!(status, Status::Warning);
        let failure = failure.unwrap();
        assert_eq!(failure.phase, Phase::MailboxTlsHandshake);
        assert_eq!(failure.kind, ErrorKind::CertificateExpiring(10));
        let (status, failure) = decide(with(-2), DEFAULTS);
        assert_eq!(status, Status::Down);
        assert_eq!(failure.unwrap().phase, Phase::MailboxTlsHandshake);
    }

    #[test]
    fn delivery_latency_is_judged_like_the_response_time() {
        let limits = Thresholds {
            latency_warning_ms: Some(1_000),
            latency_critical_ms: Some(5_000),
            ..DEFAULTS
        };
        let with = |ms: Option<f64>| Findings {
            latency_ms: ms,
            ..found(Ok(()), None, None)
        };
        assert_eq!(decide(with(None), limits).0, Status::Up);
        assert_eq!(decide(with(Some(900.0)), limits).0, Status::Up);
        let (status, failure) = decide(with(Some(1_500.0)), limits);
        assert_eq!(status, Status::Warning);
        assert_eq!(
            failure.unwrap().kind,
            ErrorKind::DeliveryLatencyExceeded(1_000)
        );
        let (status, failure) = decide(with(Some(6_000.0)), limits);
        assert_eq!(status, Status::Down);
        assert_eq!(
            failure.unwrap().kind,
            ErrorKind::DeliveryLatencyExceeded(5_000)
        );
    }

    #[test]
    fn table() {
        let down = Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        };
        let cases = [
            (Err(down.clone()), None, Some(100), Status::Down),
            (Ok(()), None, None, Status::Up),
            (Ok(()), None, Some(100), Status::Up),
            (Ok(()), None, Some(14), Status::Up),
            (Ok(()), None, Some(13), Status::Warning),
            (Ok(()), None, Some(0), Status::Warning),
            (Ok(()), None, Some(-1), Status::Down),
            (Ok(()), Some(not_offered()), None, Status::Warning),
            (Ok(()), Some(not_offered()), Some(-5), Status::Down),
        ];
        for (verdict, warning, days, status) in cases {
            let (got, _) = decide(found(verdict.clone(), warning.clone(), days), DEFAULTS);
            assert_eq!(got, status, "{verdict:?} {warning:?} {days:?}");
        }
    }

    #[test]
    fn reports_what_decided() {
        let (_, failure) = decide(found(Ok(()), None, Some(3)), DEFAULTS);
        assert_eq!(failure.unwrap().kind, ErrorKind::CertificateExpiring(3));
        let (_, failure) = decide(found(Ok(()), Some(not_offered()), Some(3)), DEFAULTS);
        assert_eq!(failure.unwrap(), not_offered());
        let strict = Thresholds {
            warning_days: 60,
            critical_days: 30,
            ..DEFAULTS
        };
        assert_eq!(
            decide(found(Ok(()), None, Some(29)), strict).0,
            Status::Down
        );
        assert_eq!(
            decide(found(Ok(()), None, Some(45)), strict).0,
            Status::Warning
        );
    }

    #[test]
    fn response_time_thresholds() {
        let limits = |warning, critical| Thresholds {
            response_warning_ms: warning,
            response_critical_ms: critical,
            ..DEFAULTS
        };
        let at = |ms: f64| Findings {
            response_ms: ms,
            ..found(Ok(()), None, None)
        };
        // Exceeding, not reaching, a threshold counts, as with check_smtp.
        assert_eq!(decide(at(10.0), limits(Some(10), None)).0, Status::Up);
        let (status, failure) = decide(at(10.5), limits(Some(10), Some(20)));
        assert_eq!(status, Status::Warning);
        assert_eq!(
            failure.unwrap(),
            Failure {
                phase: Phase::Ehlo,
                kind: ErrorKind::ResponseTimeExceeded(10)
            }
        );
        let (status, failure) = decide(at(25.0), limits(Some(10), Some(20)));
        assert_eq!(status, Status::Down);
        assert_eq!(failure.unwrap().kind, ErrorKind::ResponseTimeExceeded(20));
        assert_eq!(decide(at(25.0), limits(None, Some(30))).0, Status::Up);
        // A failed dialogue wins over a slow one; a slow one over a degradation.
        let down = Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        };
        let failed = Findings {
            verdict: Err(down.clone()),
            ..at(99.0)
        };
        assert_eq!(decide(failed, limits(Some(1), Some(2))).1, Some(down));
        let degraded = Findings {
            warning: Some(not_offered()),
            ..at(99.0)
        };
        assert_eq!(
            decide(degraded.clone(), limits(Some(1), Some(2))).0,
            Status::Down
        );
        assert_eq!(
            decide(degraded, limits(Some(1), None)).1.unwrap(),
            not_offered()
        );
    }

    #[test]
    fn a_missed_expectation_is_down_or_a_warning_as_the_settings_say() {
        let missed = Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ExpectationMissed("no SMTPUTF8".into()),
        };
        let findings = |miss_is_warning| Findings {
            missed: Some(missed.clone()),
            miss_is_warning,
            ..found(Ok(()), None, Some(100))
        };
        assert_eq!(
            decide(findings(false), DEFAULTS),
            (Status::Down, Some(missed.clone()))
        );
        assert_eq!(
            decide(findings(true), DEFAULTS),
            (Status::Warning, Some(missed.clone()))
        );
        // A failed dialogue is reported as itself; a degradation comes before a warned miss.
        let timeout = Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        };
        let failed = Findings {
            verdict: Err(timeout.clone()),
            ..findings(false)
        };
        assert_eq!(decide(failed, DEFAULTS).1, Some(timeout));
        let degraded = Findings {
            warning: Some(not_offered()),
            ..findings(true)
        };
        assert_eq!(decide(degraded, DEFAULTS).1, Some(not_offered()));
    }
}
