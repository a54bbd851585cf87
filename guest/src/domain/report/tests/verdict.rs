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
