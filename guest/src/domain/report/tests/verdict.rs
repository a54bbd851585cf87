//! `expect-mta-sts`, and the verdict from several causes.

use super::*;
use crate::wit::StsMode;

/// `domain_settings` expecting `mode`.
fn expecting(mode: Option<StsMode>, miss_is_warning: bool) -> Settings {
    let mut s = domain_settings();
    s.domain.as_mut().unwrap().expect_mta_sts = mode;
    s.expect.miss_is_warning = miss_is_warning;
    s
}

const ALL: &[&str] = &["*.example.test"];

#[test]
fn expected_enforce_needs_enforce() {
    let testing = || published(findings(), "testing", ALL);
    let result = report(&expecting(Some(StsMode::Enforce), false), testing());
    assert_eq!(result.status, Status::Down);
    let failure = result.failure.as_ref().unwrap();
    assert_eq!(failure.phase, Phase::MtaStsFetch);
    assert_eq!(
        failure.kind,
        ErrorKind::ExpectationMissed(
            "MTA-STS mode enforce was expected, but its policy's mode is testing".into()
        )
    );
    assert_eq!(
        result.message,
        "example.test: MTA-STS mode enforce was expected, but its policy's mode is testing"
    );
    let result = report(&expecting(Some(StsMode::Enforce), true), testing());
    assert_eq!(result.status, Status::Warning);
    let enforce = published(findings(), "enforce", ALL);
    assert_eq!(
        report(&expecting(Some(StsMode::Enforce), false), enforce).status,
        Status::Up
    );
}

#[test]
fn expected_testing_takes_testing_or_enforce() {
    for (mode, status) in [
        ("enforce", Status::Up),
        ("testing", Status::Up),
        ("none", Status::Down),
    ] {
        let result = report(
            &expecting(Some(StsMode::Testing), false),
            published(findings(), mode, ALL),
        );
        assert_eq!(result.status, status, "{mode}: {}", result.message);
    }
}

#[test]
fn no_expectation_takes_anything() {
    for expected in [None, Some(StsMode::None)] {
        let result = report(&expecting(expected, false), findings());
        assert_eq!(result.status, Status::Up, "{}", result.message);
    }
}

#[test]
fn a_miss_says_what_the_domain_lacks() {
    let expect = expecting(Some(StsMode::Testing), false);
    let nothing = report(&expect, findings());
    assert_eq!(nothing.failure.as_ref().unwrap().phase, Phase::MtaStsLookup);
    assert!(
        text_of(&nothing).ends_with("but it publishes no MTA-STS policy"),
        "{}",
        nothing.message
    );
    // A policy that senders never fetch, without its record, does not count.
    let mut unannounced = published(findings(), "enforce", ALL);
    unannounced.sts_record = Some(StsRecordFinding::Answered(Ok(None)));
    let result = report(&expect, unannounced);
    assert_eq!(result.status, Status::Down);
    let failure = result.failure.as_ref().unwrap();
    assert_eq!(failure.phase, Phase::MtaStsLookup);
    assert!(
        matches!(&failure.kind, ErrorKind::ExpectationMissed(t) if t.contains("has no valid _mta-sts.example.test record")),
        "{failure:?}"
    );
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
    // A record whose policy did not come.
    let mut unfetched = findings();
    unfetched.sts_record = Some(record());
    let result = report(&expect, unfetched);
    assert!(
        result
            .message
            .contains("its policy could not be fetched (the _mta-sts record's id is 20260101)"),
        "{}",
        result.message
    );
}

#[test]
fn down_causes_come_before_warnings_whatever_their_area() {
    // An MX host failing (warning) and a missed expectation (down).
    let f = with_hosts(vec![
        up(MX1, 10, 1),
        down(MX2, 20, Phase::Connect, ErrorKind::ConnectionRefused),
    ]);
    let result = report(&expecting(Some(StsMode::Enforce), false), f);
    assert_eq!(result.status, Status::Down);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::ExpectationMissed(_)
    ));
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
}

#[test]
fn among_equals_mx_hosts_then_mta_sts_then_expectations() {
    // All down: every MX host, the enforced policy (mx2 outside it), the expectation.
    let f = with_hosts(vec![
        down(MX1, 10, Phase::Connect, ErrorKind::ConnectionRefused),
        down(MX2, 20, Phase::Connect, ErrorKind::ConnectionRefused),
    ]);
    let f = published(f, "testing", &[MX1]);
    let result = report(&expecting(Some(StsMode::Enforce), false), f);
    assert_eq!(result.status, Status::Down);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::MxHostsFailed(_)
    ));
    // The judgement (a warning under testing) and the expectation.
    assert!(
        result.message.ends_with("; and 2 other problems"),
        "{}",
        result.message
    );
    // Warnings only: the MX host first, then the policy's judgement.
    let f = with_hosts(vec![
        up(MX1, 10, 1),
        down(MX2, 20, Phase::Connect, ErrorKind::ConnectionRefused),
    ]);
    let result = report(&domain_settings(), published(f, "testing", &[MX1]));
    assert_eq!(result.status, Status::Warning);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::MxHostsFailed(_)
    ));
    // MTA-STS before expectations, both warnings.
    let f = published(findings(), "testing", &[MX1]);
    let result = report(&expecting(Some(StsMode::Enforce), true), f);
    assert_eq!(result.status, Status::Warning);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::MtaStsFailed(_)
    ));
}

/// An MX host's DANE in `state`, its names' DNSSEC `dnssec`.
fn with_dane(mut host: MxFinding, state: crate::wit::DaneState) -> MxFinding {
    use crate::wit::{DaneResult, DnssecHealth, DnssecState};
    host.result.dane = Some(DaneResult {
        tlsa_name: format!("_25._tcp.{}", host.exchange),
        state,
        records: Vec::new(),
        presented_key_sha256: None,
        presented_certificate_sha256: None,
        dnssec: DnssecHealth {
            state: DnssecState::Secure,
            reason: None,
            earliest_signature_expiry: Some(NOW + 30 * 86_400),
            earliest_signature_lookup: Some(format!("TLSA _25._tcp.{}", host.exchange)),
        },
        message: "DANE".into(),
    });
    host
}

#[test]
fn a_domain_whose_every_greeting_host_dane_senders_refuse_is_down() {
    use crate::wit::DaneState;
    let refused = |exchange, preference| {
        let mut host = with_dane(up(exchange, preference, 5), DaneState::NotMatched);
        host.result.status = Status::Down;
        host.result.message =
            format!("{exchange}:25: DANE senders will not deliver: no TLSA record matches");
        host.result.failure = Some(failure(
            Phase::TlsHandshake,
            ErrorKind::DaneMismatch("no TLSA record matches".into()),
        ));
        host
    };
    let all = report(
        &domain_settings(),
        with_hosts(vec![refused(MX1, 10), refused(MX2, 20)]),
    );
    assert_eq!(all.status, Status::Down, "{}", all.message);
    assert!(
        all.message.contains("no TLSA record matches"),
        "{}",
        all.message
    );
    assert_eq!(value(&all, channel::DANE), Some(0.0));
    // One host DANE senders can still deliver to: a warning, naming the other.
    let one = report(
        &domain_settings(),
        with_hosts(vec![
            refused(MX1, 10),
            with_dane(up(MX2, 20, 5), DaneState::Matched),
        ]),
    );
    assert_eq!(one.status, Status::Warning, "{}", one.message);
    assert_eq!(value(&one, channel::DANE), Some(0.0));
    assert_eq!(value(&one, channel::DNSSEC_SIGNATURE_EXPIRY), Some(30.0));
}

#[test]
fn a_bogus_answer_of_the_domain_is_down_and_an_expiring_signature_warns() {
    use crate::bindings::smtp_sensor::probe::dns::RecordType;
    use crate::dane::health::Seen;
    use crate::wit::DnssecState;
    let seen = |state, expiry| Seen {
        lookup: "MX example.test".into(),
        name: DOMAIN.into(),
        record_type: RecordType::Mx,
        state,
        reason: Some("MX example.test: the signatures expired".into()),
        expiry,
    };
    let mut bogus = findings();
    bogus.dnssec = vec![seen(DnssecState::Bogus, None)];
    let result = report(&domain_settings(), bogus);
    assert_eq!(result.status, Status::Down);
    let failure = result.failure.clone().unwrap();
    assert_eq!(failure.phase, Phase::MxLookup);
    assert!(matches!(&failure.kind, ErrorKind::DnssecBogus(w) if w.contains("signatures expired")));
    assert_eq!(value(&result, channel::DNSSEC), Some(0.0));
    let mut soon = findings();
    soon.dnssec = vec![seen(DnssecState::Secure, Some(NOW + 86_400))];
    let result = report(&domain_settings(), soon);
    assert_eq!(result.status, Status::Warning);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::DnssecSignaturesExpiring(_)
    ));
    assert_eq!(value(&result, channel::DNSSEC), Some(2.0));
    assert_eq!(value(&result, channel::DNSSEC_SIGNATURE_EXPIRY), Some(1.0));
}

#[test]
fn a_bogus_answer_that_carries_no_mail_only_warns_in_its_own_phase() {
    use crate::bindings::smtp_sensor::probe::dns::RecordType;
    use crate::dane::health::Seen;
    use crate::wit::DnssecState;
    let mut bogus = findings();
    bogus.dnssec = vec![Seen {
        lookup: "TXT _mta-sts.example.test".into(),
        name: "_mta-sts.example.test".into(),
        record_type: RecordType::Txt,
        state: DnssecState::Bogus,
        reason: Some("TXT _mta-sts.example.test: the signatures expired".into()),
        expiry: None,
    }];
    let result = report(&domain_settings(), bogus);
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    let failure = result.failure.unwrap();
    assert_eq!(failure.phase, Phase::MtaStsLookup);
    assert!(matches!(&failure.kind, ErrorKind::DnssecBogus(w) if w.contains("the MTA-STS record")));
}
