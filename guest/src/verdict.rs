//! The status of a check from everything it found: the dialogue's verdict, what was
//! degraded, and how long the certificate has left against the thresholds.

use crate::session::Verdict;
use crate::wit::{ErrorKind, Failure, Phase, Status};

/// The certificate thresholds, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `warning` when fewer days than this are left.
    pub warning_days: u32,
    /// `down` when fewer days than this are left.
    pub critical_days: u32,
}

/// The status and the failure (for `down`) or degradation (for `warning`) to report.
pub fn decide(
    verdict: Verdict,
    warning: Option<Failure>,
    certificate_days_left: Option<i64>,
    thresholds: Thresholds,
) -> (Status, Option<Failure>) {
    if let Err(failure) = verdict {
        return (Status::Down, Some(failure));
    }
    let expiring = |days| Failure {
        phase: Phase::TlsHandshake,
        kind: ErrorKind::CertificateExpiring(days),
    };
    match certificate_days_left {
        Some(days) if days < i64::from(thresholds.critical_days) => {
            return (Status::Down, Some(expiring(days)));
        }
        _ => {}
    }
    if let Some(warning) = warning {
        return (Status::Warning, Some(warning));
    }
    match certificate_days_left {
        Some(days) if days < i64::from(thresholds.warning_days) => {
            (Status::Warning, Some(expiring(days)))
        }
        _ => (Status::Up, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Thresholds = Thresholds {
        warning_days: 14,
        critical_days: 0,
    };

    fn not_offered() -> Failure {
        Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::TlsNotOffered,
        }
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
            let (got, _) = decide(verdict.clone(), warning.clone(), days, DEFAULTS);
            assert_eq!(got, status, "{verdict:?} {warning:?} {days:?}");
        }
    }

    #[test]
    fn reports_what_decided() {
        let (_, failure) = decide(Ok(()), None, Some(3), DEFAULTS);
        assert_eq!(failure.unwrap().kind, ErrorKind::CertificateExpiring(3));
        let (_, failure) = decide(Ok(()), Some(not_offered()), Some(3), DEFAULTS);
        assert_eq!(failure.unwrap(), not_offered());
        let strict = Thresholds {
            warning_days: 60,
            critical_days: 30,
        };
        assert_eq!(decide(Ok(()), None, Some(29), strict).0, Status::Down);
        assert_eq!(decide(Ok(()), None, Some(45), strict).0, Status::Warning);
    }
}
