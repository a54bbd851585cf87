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
