//! The MX answer and the MX hosts.

use super::*;
use crate::wit::MxSource;

#[test]
fn a_failed_mx_lookup_is_down_with_its_failure() {
    let mut f = with_hosts(Vec::new());
    let lookup = failure(
        Phase::MxLookup,
        ErrorKind::NameLookupFailed("SERVFAIL".into()),
    );
    f.mx = MxAnswer::Failed(lookup.clone());
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Down);
    assert_eq!(result.failure, Some(lookup));
    assert_eq!(result.message, "example.test: name lookup failed: SERVFAIL");
    assert_eq!(domain_of(&result).mx_source, MxSource::LookupFailed);
    assert!(domain_of(&result).mx_hosts.is_empty());
    // Without hosts, the whole check's time.
    assert_eq!(value(&result, channel::RESPONSE_TIME), Some(100.0));
    assert_eq!(value(&result, channel::DOWNTIME), Some(100.0));
    assert_eq!(value(&result, channel::MX_HOSTS), Some(0.0));
}

#[test]
fn a_null_mx_accepts_no_mail() {
    let mut f = with_hosts(Vec::new());
    f.mx = MxAnswer::Null;
    (f.sts_record, f.policy, f.policy_fetch, f.tls_rpt) = (None, None, None, None);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Down);
    assert_eq!(
        result.failure,
        Some(failure(Phase::MxLookup, ErrorKind::NullMx))
    );
    assert!(
        result.message.starts_with("example.test: ") && result.message.contains("accepts no mail"),
        "{}",
        result.message
    );
    let domain = domain_of(&result);
    assert_eq!(domain.mx_source, MxSource::NullMx);
    assert_eq!(domain.mta_sts.record_error, None);
    assert_eq!(domain.mta_sts.fetch_milliseconds, None);
}

#[test]
fn no_mx_host_passing_is_down_naming_each_with_its_preference_and_words() {
    let f = with_hosts(vec![
        down(MX1, 10, Phase::Connect, ErrorKind::ConnectionRefused),
        down(MX2, 20, Phase::Banner, ErrorKind::Timeout),
    ]);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Down);
    let failure = result.failure.as_ref().unwrap();
    // The first failing host's phase.
    assert_eq!(failure.phase, Phase::Connect);
    let text = text_of(&result);
    assert_eq!(
        text,
        "all 2 MX hosts failed: mx1.example.test:25 (MX 10): connection refused (nothing is \
         listening on that port); mx2.example.test:25 (MX 20): timed out after 60 s waiting \
         for the greeting (banner)"
    );
    assert_eq!(result.message, format!("example.test: {text}"));
    assert_eq!(value(&result, channel::MX_HOSTS_UP), Some(0.0));
}

#[test]
fn every_mx_host_greeting_but_failing_its_certificate_is_a_warning_without_a_policy() {
    // Senders without a policy to enforce deliver over such a certificate all the same.
    let rejected = || ErrorKind::CertificateRejected("self-signed certificate".into());
    let f = with_hosts(vec![
        down(MX1, 10, Phase::TlsHandshake, rejected()),
        down(MX2, 20, Phase::TlsHandshake, rejected()),
    ]);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(text_of(&result).starts_with("all 2 MX hosts failed: "));
}

#[test]
fn some_mx_hosts_failing_is_a_warning() {
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        down(MX2, 20, Phase::Ehlo, ErrorKind::ConnectionClosed),
    ]);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Warning);
    assert_eq!(result.failure.as_ref().unwrap().phase, Phase::Ehlo);
    let text = text_of(&result);
    assert!(
        text.starts_with("1 of 2 MX hosts failed: mx2.example.test:25 (MX 20): the server closed"),
        "{text}"
    );
    assert!(!text.contains(MX1), "{text}");
    assert_eq!(value(&result, channel::MX_HOSTS), Some(2.0));
    assert_eq!(value(&result, channel::MX_HOSTS_UP), Some(1.0));
    assert_eq!(value(&result, channel::DOWNTIME), Some(0.0));
}

#[test]
fn the_only_mx_host_failing_says_so() {
    let f = with_hosts(vec![down(
        MX1,
        10,
        Phase::Connect,
        ErrorKind::ConnectionRefused,
    )]);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Down);
    assert!(
        text_of(&result).starts_with("its only MX host failed: mx1.example.test:25 (MX 10)"),
        "{}",
        result.message
    );
}

#[test]
fn a_host_message_without_its_label_is_named_all_the_same() {
    let mut lost = down(
        MX2,
        20,
        Phase::MxLookup,
        ErrorKind::NameLookupFailed("NXDOMAIN".into()),
    );
    lost.result.message = "no address".into();
    let result = report(&domain_settings(), with_hosts(vec![up(MX1, 10, 1), lost]));
    assert!(
        text_of(&result).ends_with("mx2.example.test (MX 20): no address"),
        "{}",
        result.message
    );
    assert_eq!(result.failure.unwrap().phase, Phase::MxLookup);
}

#[test]
fn a_host_with_a_warning_passes_and_the_domain_warns_naming_it() {
    let expiring = failure(Phase::TlsHandshake, ErrorKind::CertificateExpiring(5));
    let f = with_hosts(vec![
        up(MX1, 10, 12),
        host(
            MX2,
            20,
            Status::Warning,
            Some(expiring),
            Some(verified()),
            30,
        ),
    ]);
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert_eq!(result.failure.as_ref().unwrap().phase, Phase::TlsHandshake);
    let text = text_of(&result);
    assert!(
        text.starts_with("1 of 2 MX hosts has a warning: mx2.example.test:25 (MX 20) answered"),
        "{text}"
    );
    assert_eq!(value(&result, channel::MX_HOSTS_UP), Some(2.0));
}

#[test]
fn an_implicit_mx_is_the_domain_itself() {
    let mut f = with_hosts(vec![up(DOMAIN, 0, 8)]);
    f.mx = MxAnswer::Implicit;
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Up);
    assert!(
        result
            .message
            .starts_with("example.test: no MX record, so example.test itself (the implicit MX)"),
        "{}",
        result.message
    );
    assert_eq!(domain_of(&result).mx_source, MxSource::Implicit);
}

#[test]
fn mx_records_beyond_the_limit_are_counted_and_noted() {
    let mut f = findings();
    f.mx = MxAnswer::Records {
        beyond: 3,
        null_beside: true,
    };
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Up);
    let domain = domain_of(&result);
    assert_eq!(domain.mx_source, MxSource::MxRecords);
    assert_eq!(domain.mx_not_checked, 3);
    assert!(
        domain.notes[0].starts_with("3 more MX records beyond the first 10"),
        "{:?}",
        domain.notes
    );
    assert!(
        domain.notes[1].starts_with("a null MX (\"MX 0 .\") stands beside"),
        "{:?}",
        domain.notes
    );
}
