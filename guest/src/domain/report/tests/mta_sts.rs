//! MTA-STS: the judgement of the MX hosts, the two halves, `max_age`.

use super::*;
use crate::domain::http::Fetched;
use crate::wit::StsMode;

#[test]
fn an_enforced_policy_every_host_meets_is_up() {
    let mut f = published(findings(), "enforce", &[MX1, "*.example.test"]);
    f.tls_rpt = Some(tls_rpt());
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        result.message,
        "example.test: all 2 MX hosts are up, the slowest in 34.0 ms; MTA-STS mode enforce \
         (id 20260101); TLS-RPT to mailto:tlsrpt@example.test"
    );
    let domain = domain_of(&result);
    let hosts = &domain.mx_hosts;
    assert_eq!(hosts[0].sts_pattern.as_deref(), Some(MX1));
    assert_eq!(hosts[1].sts_pattern.as_deref(), Some("*.example.test"));
    assert!(hosts.iter().all(|h| h.sts_valid == Some(true)));
    assert_eq!(domain.mta_sts.record_id.as_deref(), Some(ID));
    assert_eq!(domain.mta_sts.record_error, None);
    assert_eq!(domain.mta_sts.policy_error, None);
    let policy = domain.mta_sts.policy.as_ref().unwrap();
    assert_eq!(policy.mode, StsMode::Enforce);
    assert_eq!(policy.max_age_seconds, WEEK);
    assert_eq!(policy.mx, vec![MX1.to_string(), "*.example.test".into()]);
    assert!(domain.notes.is_empty(), "{:?}", domain.notes);
    assert_eq!(value(&result, channel::MTA_STS_MODE), Some(2.0));
    assert_eq!(value(&result, channel::MTA_STS_MAX_AGE), Some(7.0));
}

#[test]
fn a_host_outside_the_patterns_is_down_under_enforce_and_a_warning_under_testing() {
    for (mode, status) in [("enforce", Status::Down), ("testing", Status::Warning)] {
        let result = report(&domain_settings(), published(findings(), mode, &[MX1]));
        assert_eq!(result.status, status, "{mode}: {}", result.message);
        let failure = result.failure.as_ref().unwrap();
        assert_eq!(failure.phase, Phase::MtaStsJudge);
        let text = text_of(&result);
        assert!(
            text.starts_with(
                "mx2.example.test is not in the policy's mx patterns (mx1.example.test)"
            ),
            "{text}"
        );
        assert!(text.contains(&format!("mode {mode}")), "{text}");
        assert!(
            result
                .message
                .starts_with("example.test: MTA-STS: mx2.example.test is not"),
            "{}",
            result.message
        );
        let hosts = &domain_of(&result).mx_hosts;
        assert_eq!(
            (hosts[0].sts_valid, hosts[1].sts_valid),
            (Some(true), Some(false))
        );
        assert_eq!(hosts[1].sts_pattern, None);
        let expected_mode = if mode == "enforce" { 2.0 } else { 1.0 };
        assert_eq!(value(&result, channel::MTA_STS_MODE), Some(expected_mode));
    }
}

#[test]
fn a_certificate_not_valid_for_the_name_fails_the_policy_in_the_hosts_words() {
    let rejected = failure(
        Phase::TlsHandshake,
        ErrorKind::CertificateRejected("invalid peer certificate: NotValidForName".into()),
    );
    let mut unverified = verified();
    unverified.verified = false;
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        host(MX2, 20, Status::Down, Some(rejected), Some(unverified), 20),
    ]);
    let result = report(
        &domain_settings(),
        published(f, "enforce", &["*.example.test"]),
    );
    // Down for the policy first, then the MX host's own failure (a warning: one passes).
    assert_eq!(result.status, Status::Down);
    assert_eq!(result.failure.as_ref().unwrap().phase, Phase::MtaStsJudge);
    let text = text_of(&result);
    assert!(
        text.starts_with(
            "mx2.example.test presented no certificate valid for its name: certificate \
             rejected: invalid peer certificate: NotValidForName"
        ),
        "{text}"
    );
    assert!(text.ends_with("will not deliver to it)"), "{text}");
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
    let mx2 = &domain_of(&result).mx_hosts[1];
    assert_eq!(mx2.sts_pattern.as_deref(), Some("*.example.test"));
    assert_eq!(mx2.sts_valid, Some(false));
}

#[test]
fn a_host_that_never_reached_tls_is_not_judged_on_it() {
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        down(MX2, 20, Phase::Banner, ErrorKind::Timeout),
        down(
            "mx3.example.test",
            30,
            Phase::TlsHandshake,
            ErrorKind::Timeout,
        ),
    ]);
    let result = report(
        &domain_settings(),
        published(f, "enforce", &["*.example.test"]),
    );
    // The MX hosts' failures only: a warning, two of three failed.
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::MxHostsFailed(_)
    ));
    assert!(
        !result.message.contains("other problem"),
        "{}",
        result.message
    );
    let hosts = &domain_of(&result).mx_hosts;
    assert_eq!(hosts[1].sts_valid, None);
    assert_eq!(hosts[2].sts_valid, None);
    assert_eq!(hosts[1].sts_pattern.as_deref(), Some("*.example.test"));
}

#[test]
fn an_unreached_host_outside_the_patterns_fails_the_policy_all_the_same() {
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        down(MX2, 20, Phase::Connect, ErrorKind::ConnectionRefused),
    ]);
    let result = report(&domain_settings(), published(f, "testing", &[MX1]));
    assert_eq!(domain_of(&result).mx_hosts[1].sts_valid, Some(false));
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
}

#[test]
fn a_host_without_starttls_fails_the_policy() {
    let not_offered = failure(Phase::Starttls, ErrorKind::TlsNotOffered);
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        host(MX2, 20, Status::Warning, Some(not_offered), None, 20),
    ]);
    let result = report(
        &domain_settings(),
        published(f, "testing", &["*.example.test"]),
    );
    // The host's own warning comes first; the policy's miss is the other problem.
    assert_eq!(result.status, Status::Warning);
    assert!(
        text_of(&result).starts_with("1 of 2 MX hosts has a warning: mx2.example.test"),
        "{}",
        result.message
    );
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
    assert_eq!(domain_of(&result).mx_hosts[1].sts_valid, Some(false));
}

#[test]
fn an_unverified_certificate_or_an_old_version_fails_the_policy() {
    let mut unverified = verified();
    unverified.verified = false;
    let mut old = verified();
    old.version = "TLSv1_1".into();
    let f = with_hosts(vec![
        host(MX1, 10, Status::Up, None, Some(unverified), 5),
        host(MX2, 20, Status::Up, None, Some(old), 5),
    ]);
    let result = report(
        &domain_settings(),
        published(f, "enforce", &["*.example.test"]),
    );
    assert_eq!(result.status, Status::Down);
    let text = text_of(&result);
    assert!(
        text.contains("mx1.example.test presented a certificate that was not verified; ")
            && text.contains("mx2.example.test negotiated TLSv1_1, where MTA-STS requires TLS 1.2")
            && text.ends_with("will not deliver to them)"),
        "{text}"
    );
}

#[test]
fn a_certificate_expiring_soon_still_meets_the_policy() {
    let expiring = failure(Phase::TlsHandshake, ErrorKind::CertificateExpiring(3));
    let f = with_hosts(vec![host(
        MX1,
        10,
        Status::Warning,
        Some(expiring),
        Some(verified()),
        5,
    )]);
    let result = report(&domain_settings(), published(f, "enforce", &[MX1]));
    // A warning of the host's own (its certificate), not the policy's.
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(
        !result.message.contains("other problem"),
        "{}",
        result.message
    );
    assert_eq!(domain_of(&result).mx_hosts[0].sts_valid, Some(true));
}

#[test]
fn mode_none_is_not_judged_and_is_noted() {
    let f = with_hosts(vec![
        up(MX1, 10, 1),
        down(MX2, 20, Phase::Starttls, ErrorKind::TlsNotOffered),
    ]);
    let result = report(&domain_settings(), published(f, "none", &[]));
    // The MX host's failure only: nothing judged against a withdrawn policy.
    assert_eq!(result.status, Status::Warning);
    assert!(matches!(
        result.failure.as_ref().unwrap().kind,
        ErrorKind::MxHostsFailed(_)
    ));
    let domain = domain_of(&result);
    assert!(
        domain
            .mx_hosts
            .iter()
            .all(|h| h.sts_valid.is_none() && h.sts_pattern.is_none())
    );
    assert!(
        domain.notes.iter().any(|n| n.contains("mode is none")),
        "{:?}",
        domain.notes
    );
    assert_eq!(value(&result, channel::MTA_STS_MODE), Some(0.0));
    assert_eq!(domain.mta_sts.policy.as_ref().unwrap().mode, StsMode::None);
}

#[test]
fn a_record_without_a_policy_warns_in_the_fetchs_words() {
    let cases = [
        (
            PolicyFinding::NoPolicy(Fetched::Status {
                status: 404,
                reason: "Not Found".into(),
            }),
            "https://mta-sts.example.test/.well-known/mta-sts.txt answered 404 Not Found",
        ),
        (
            PolicyFinding::NoPolicy(Fetched::Redirect {
                status: 301,
                reason: String::new(),
                location: Some("https://www.example.test/".into()),
            }),
            "https://mta-sts.example.test/.well-known/mta-sts.txt answered 301 to \
             https://www.example.test/, a redirect, which senders never follow",
        ),
        (
            PolicyFinding::Unreachable(failure(
                Phase::MtaStsFetch,
                ErrorKind::CertificateRejected("unknown issuer".into()),
            )),
            "mta-sts.example.test:443: certificate rejected: unknown issuer",
        ),
        (
            PolicyFinding::Invalid(
                sts_policy::parse(b"version: STSv1\nmode: enforce\n").unwrap_err(),
            ),
            "the policy at https://mta-sts.example.test/.well-known/mta-sts.txt is not valid: \
             the policy has no ",
        ),
        (
            PolicyFinding::Http(crate::domain::http::HttpError::WrongContentType {
                found: Some("text/html".into()),
            }),
            "https://mta-sts.example.test/.well-known/mta-sts.txt: ",
        ),
    ];
    for (policy, words) in cases {
        let mut f = findings();
        f.sts_record = Some(record());
        f.policy = Some(policy);
        let result = report(&domain_settings(), f);
        assert_eq!(result.status, Status::Warning, "{}", result.message);
        assert_eq!(result.failure.as_ref().unwrap().phase, Phase::MtaStsFetch);
        let text = text_of(&result);
        let expected =
            format!("the _mta-sts record is there (id {ID}), but the policy is not: {words}");
        assert!(text.starts_with(&expected), "{text}\n{expected}");
        let mta_sts = &domain_of(&result).mta_sts;
        assert_eq!(mta_sts.record_id.as_deref(), Some(ID));
        assert!(mta_sts.policy_error.as_ref().unwrap().starts_with(words));
        assert_eq!(mta_sts.policy, None);
        assert_eq!(mta_sts.fetch_milliseconds, Some(5.0));
        assert_eq!(value(&result, channel::MTA_STS_MODE), Some(0.0));
        assert_eq!(value(&result, channel::MTA_STS_MAX_AGE), None);
    }
}

#[test]
fn a_policy_without_a_record_warns_and_is_not_enforced() {
    let mut f = published(findings(), "enforce", &[MX1]);
    f.sts_record = Some(StsRecordFinding::Answered(Ok(None)));
    let result = report(&domain_settings(), f);
    // MX2 is outside the patterns, but senders never apply the policy: warnings only.
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    let failure = result.failure.as_ref().unwrap();
    assert_eq!(failure.phase, Phase::MtaStsJudge);
    assert!(text_of(&result).contains("without a valid _mta-sts record senders do not apply it"));
    assert!(
        result.message.ends_with("; and 1 other problem"),
        "{}",
        result.message
    );
    let mut f = published(findings(), "enforce", &["*.example.test"]);
    f.sts_record = Some(StsRecordFinding::Answered(Ok(None)));
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Warning);
    assert_eq!(result.failure.as_ref().unwrap().phase, Phase::MtaStsLookup);
    assert_eq!(
        text_of(&result),
        "the policy at https://mta-sts.example.test/.well-known/mta-sts.txt (mode enforce) is \
         there, but the _mta-sts.example.test record is not: senders never fetch the policy \
         without it"
    );
    assert_eq!(value(&result, channel::MTA_STS_MODE), Some(0.0));
    assert_eq!(value(&result, channel::MTA_STS_MAX_AGE), Some(7.0));
}

#[test]
fn a_broken_record_or_a_failed_lookup_warns_naming_the_problem() {
    let two = sts_record::find(&[
        vec![b"v=STSv1; id=a1".to_vec()],
        vec![b"v=STSv1; id=b2".to_vec()],
    ]);
    let malformed = sts_record::find(&[vec![b"v=STSv1; id=no-dashes".to_vec()]]);
    let cases = [
        (StsRecordFinding::Answered(two), "2 TXT records at _mta-sts"),
        (StsRecordFinding::Answered(malformed), "is not valid"),
        (
            StsRecordFinding::LookupFailed("SERVFAIL".into()),
            "the lookup of the _mta-sts.example.test TXT record failed: SERVFAIL",
        ),
    ];
    for (record, words) in cases {
        for policy in [
            policy("enforce", WEEK, &["*.example.test"]),
            PolicyFinding::NoPolicy(Fetched::Status {
                status: 404,
                reason: String::new(),
            }),
        ] {
            let mut f = findings();
            f.sts_record = Some(record.clone());
            f.policy = Some(policy);
            let result = report(&domain_settings(), f);
            assert_eq!(result.status, Status::Warning, "{}", result.message);
            assert_eq!(result.failure.as_ref().unwrap().phase, Phase::MtaStsLookup);
            assert!(text_of(&result).contains(words), "{}", result.message);
            let mta_sts = &domain_of(&result).mta_sts;
            assert!(mta_sts.record_error.as_ref().unwrap().contains(words));
            assert_eq!(mta_sts.record_id, None);
        }
    }
}

#[test]
fn neither_half_is_no_mta_sts_and_fine() {
    let result = report(&domain_settings(), findings());
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        result.message,
        "example.test: all 2 MX hosts are up, the slowest in 34.0 ms; no MTA-STS; no TLS-RPT"
    );
    let domain = domain_of(&result);
    assert!(domain.notes.is_empty(), "{:?}", domain.notes);
    assert!(domain.mx_hosts.iter().all(|h| h.sts_valid.is_none()));
    assert_eq!(
        domain.mta_sts.record_error.as_deref(),
        Some("_mta-sts.example.test has no MTA-STS (v=STSv1) TXT record")
    );
    assert!(
        domain
            .mta_sts
            .policy_error
            .as_ref()
            .unwrap()
            .contains("NXDOMAIN"),
        "{:?}",
        domain.mta_sts.policy_error
    );
    assert_eq!(value(&result, channel::MTA_STS_MODE), Some(0.0));
    assert_eq!(value(&result, channel::MTA_STS_MAX_AGE), None);
}

#[test]
fn a_short_max_age_warns() {
    let mut f = published(findings(), "enforce", &["*.example.test"]);
    f.policy = Some(policy("enforce", 86_400, &["*.example.test"]));
    let result = report(&domain_settings(), f.clone());
    assert_eq!(result.status, Status::Warning);
    assert_eq!(result.failure.as_ref().unwrap().phase, Phase::MtaStsFetch);
    assert!(
        text_of(&result).starts_with("the policy's max_age 86400 s (1 day) is under 7 days"),
        "{}",
        result.message
    );
    assert_eq!(value(&result, channel::MTA_STS_MAX_AGE), Some(1.0));
    // 0: never.
    let mut never = domain_settings();
    never.domain.as_mut().unwrap().max_age_warning_seconds = 0;
    assert_eq!(report(&never, f).status, Status::Up);
}
