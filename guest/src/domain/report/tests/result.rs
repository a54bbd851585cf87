//! The result's other fields: channels, timings, transcript, each MX host's result,
//! TLS-RPT and the notes.

use super::*;
use crate::wit::{Direction, TranscriptLine};

const ALL: &[&str] = &["*.example.test"];

#[test]
fn the_channels_come_in_order_with_the_hosts_figures() {
    let f = published(findings(), "testing", &["*.example.test"]);
    let result = report(&domain_settings(), f);
    let names: Vec<&str> = result.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            channel::RESPONSE_TIME,
            channel::DOWNTIME,
            channel::MX_HOSTS,
            channel::MX_HOSTS_UP,
            channel::CERTIFICATE_EXPIRY,
            channel::MTA_STS_MODE,
            channel::MTA_STS_MAX_AGE,
            channel::DNSSEC,
        ]
    );
    // The slowest host; the earliest certificate (MX 10's: 40 days).
    assert_eq!(value(&result, channel::RESPONSE_TIME), Some(34.0));
    assert_eq!(value(&result, channel::CERTIFICATE_EXPIRY), Some(40.0));
    assert_eq!(value(&result, channel::MTA_STS_MODE), Some(1.0));
    let unit = |name: &str| {
        result
            .channels
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .unit
    };
    assert_eq!(unit(channel::RESPONSE_TIME), ChannelUnit::Milliseconds);
    assert_eq!(unit(channel::CERTIFICATE_EXPIRY), ChannelUnit::Days);
    assert_eq!(unit(channel::MTA_STS_MAX_AGE), ChannelUnit::Days);
}

#[test]
fn hosts_without_tls_give_no_certificate_channel() {
    let f = with_hosts(vec![down(
        MX1,
        10,
        Phase::Connect,
        ErrorKind::ConnectionRefused,
    )]);
    let result = report(&domain_settings(), f);
    assert_eq!(value(&result, channel::CERTIFICATE_EXPIRY), None);
    assert_eq!(value(&result, channel::RESPONSE_TIME), Some(40.0));
}

#[test]
fn the_result_is_the_domains_with_every_hosts_own() {
    let mut f = published(findings(), "enforce", &["*.example.test"]);
    let line = TranscriptLine {
        at_milliseconds: 1.0,
        direction: Direction::Note,
        text: "MX example.test: 10 mx1.example.test, 20 mx2.example.test".into(),
    };
    f.transcript = vec![line.clone()];
    let hosts = f.hosts.clone();
    let result = report(&domain_settings(), f);
    assert_eq!(
        result.timings,
        vec![PhaseTiming {
            phase: Phase::MxLookup,
            milliseconds: 3.0
        }]
    );
    assert_eq!(result.transcript, vec![line]);
    assert_eq!(result.remote_address, None);
    assert_eq!(result.banner, None);
    assert_eq!(result.last_reply, None);
    assert!(result.capabilities.is_empty() && result.recipients.is_empty());
    assert_eq!(
        (result.tls, result.message_reply, result.mailbox),
        (None, None, None)
    );
    let domain = result.domain.unwrap();
    assert_eq!(domain.name, DOMAIN);
    assert_eq!(domain.mta_sts.fetch_milliseconds, Some(5.0));
    assert_eq!(domain.tls_rpt, None);
    for (got, host) in domain.mx_hosts.iter().zip(&hosts) {
        assert_eq!(got.exchange, host.exchange);
        assert_eq!(got.preference, host.preference);
        assert_eq!(
            got.addresses,
            vec!["192.0.2.1".to_string(), "2001:db8::1".into()]
        );
        assert_eq!(got.status, host.result.status);
        assert_eq!(got.message, host.result.message);
        assert_eq!(got.failure, host.result.failure);
        assert_eq!(got.response_milliseconds, host.elapsed.as_millis() as f64);
        assert_eq!(got.timings, host.result.timings);
        assert_eq!(got.remote_address, host.result.remote_address);
        assert_eq!(got.banner, host.result.banner);
        assert_eq!(got.capabilities, host.result.capabilities);
        assert_eq!(got.tls, host.result.tls);
        assert_eq!(got.transcript, host.result.transcript);
    }
}

#[test]
fn tls_rpt_never_changes_the_verdict() {
    let several = tlsrpt_record::find(&[
        vec![b"v=TLSRPTv1; rua=mailto:a@example.test".to_vec()],
        vec![b"v=TLSRPTv1; rua=mailto:b@example.test".to_vec()],
    ]);
    let malformed = tlsrpt_record::find(&[vec![b"v=TLSRPTv1; rua=ftp://x".to_vec()]]);
    assert!(several.is_err() && malformed.is_err());
    let cases = [
        (
            TlsRptFinding::Answered(several),
            true,
            "2 TXT records at _smtp._tls",
        ),
        (TlsRptFinding::Answered(malformed), true, "is not valid"),
        (
            TlsRptFinding::LookupFailed("timed out".into()),
            false,
            "the lookup of the _smtp._tls.example.test TXT record failed: timed out",
        ),
    ];
    for (finding, reported, words) in cases {
        let mut f = published(findings(), "enforce", &["*.example.test"]);
        f.tls_rpt = Some(finding);
        let result = report(&domain_settings(), f);
        assert_eq!(result.status, Status::Up, "{}", result.message);
        assert!(
            result.message.ends_with("; no TLS-RPT"),
            "{}",
            result.message
        );
        let domain = domain_of(&result);
        assert!(
            domain.notes.iter().any(|n| n.contains(words)),
            "{:?}",
            domain.notes
        );
        assert_eq!(domain.notes.len(), 1, "{:?}", domain.notes);
        match &domain.tls_rpt {
            Some(found) if reported => {
                assert!(found.rua.is_empty());
                assert!(found.error.as_ref().unwrap().contains(words));
            }
            None if !reported => {}
            other => panic!("{other:?}"),
        }
    }
    let mut f = findings();
    f.tls_rpt = Some(tls_rpt());
    let result = report(&domain_settings(), f);
    let found = domain_of(&result).tls_rpt.clone().unwrap();
    assert_eq!(found.rua, vec!["mailto:tlsrpt@example.test".to_string()]);
    assert_eq!(found.error, None);
}

#[test]
fn mta_sts_without_tls_rpt_is_noted() {
    let result = report(
        &domain_settings(),
        published(findings(), "enforce", &["*.example.test"]),
    );
    assert_eq!(result.status, Status::Up);
    assert_eq!(
        domain_of(&result).notes,
        vec![
            "the domain publishes MTA-STS but no TLS-RPT record (_smtp._tls.example.test): \
             senders cannot report the deliveries its policy fails (RFC 8460)"
                .to_string()
        ]
    );
    // A record alone counts (its policy missing is a warning of its own).
    let mut f = findings();
    f.sts_record = Some(record());
    let result = report(&domain_settings(), f);
    assert!(
        domain_of(&result)
            .notes
            .iter()
            .any(|n| n.contains("no TLS-RPT record"))
    );
}

#[test]
fn the_policys_notes_are_passed_on() {
    let body =
        b"version: STSv1\nmode: enforce\nmode: testing\nmax_age: 604800\nmx: *.example.test\n";
    let mut f = published(findings(), "enforce", ALL);
    f.policy = Some(PolicyFinding::Policy(sts_policy::parse(body).unwrap()));
    f.tls_rpt = Some(tls_rpt());
    let result = report(&domain_settings(), f);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    let notes = &domain_of(&result).notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("the policy gives mode again on line 3"),
        "{notes:?}"
    );
}
