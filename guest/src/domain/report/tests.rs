//! The domain report's tests: findings built by hand, as the component's I/O layer would
//! gather them, and the result checked rule by rule.

mod mta_sts;
mod mx;
mod result;
mod verdict;

use super::super::findings::{
    Findings, MxAnswer, MxFinding, PolicyFinding, StsRecordFinding, TlsRptFinding,
};
use super::super::{sts_policy, sts_record, tlsrpt_record};
use crate::check::report::{Context, for_failure, server_label};
use crate::limits::channel;
use crate::smtp::reply::make_reply;
use crate::testing::settings;
use crate::wit::{
    Capability, Channel, ChannelUnit, CheckResult, DomainResult, DomainSettings, ErrorKind,
    Failure, Phase, PhaseTiming, Settings, Status, TlsInfo, TransportSecurity,
};
use std::time::Duration;

const DOMAIN: &str = "example.test";
/// The tests' now, in Unix seconds.
const NOW: i64 = 1_800_000_000;

/// The report of `findings`, now.
fn report(settings: &Settings, findings: Findings) -> CheckResult {
    super::report(settings, findings, NOW)
}
const MX1: &str = "mx1.example.test";
const MX2: &str = "mx2.example.test";
const WEEK: u32 = 604_800;
const ID: &str = "20260101";

/// A domain check's settings: port 25, STARTTLS, no expectation, a week's `max_age`
/// warning.
fn domain_settings() -> Settings {
    let mut s = settings(DOMAIN, TransportSecurity::Starttls);
    s.domain = Some(DomainSettings {
        expect_mta_sts: None,
        max_age_warning_seconds: WEEK,
    });
    s
}

/// What a verified TLS 1.3 handshake showed.
fn verified() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        subject: "CN=mx".into(),
        issuer: "CN=CA".into(),
        not_after: 0,
        earliest_subject: "CN=mx".into(),
        earliest_not_after: 0,
        chain_subject: "CN=mx".into(),
        chain_not_after: 0,
        verified: true,
    }
}

/// A failure.
fn failure(phase: Phase, kind: ErrorKind) -> Failure {
    Failure { phase, kind }
}

/// An MX host's check as the host-check report makes it: its status, its failure (or
/// warning), its TLS, answered `ms` after the start; a certificate `days` from expiry
/// when it has TLS.
fn host(
    exchange: &str,
    preference: u16,
    status: Status,
    failure: Option<Failure>,
    tls: Option<TlsInfo>,
    ms: u64,
) -> MxFinding {
    let label = server_label(exchange, 25);
    let answered = format!("{label} answered in {ms}.0 ms: 220 {exchange} ESMTP");
    let message = match (&failure, status) {
        (None, _) => answered,
        (Some(f), Status::Warning) => format!("{answered}; but {:?}", f.kind),
        (Some(f), _) => for_failure(
            Context {
                server: &label,
                timeout_seconds: 60,
                silent_greeting_hint: None,
            },
            f,
        ),
    };
    let mut channels = vec![Channel {
        name: channel::RESPONSE_TIME.into(),
        value: ms as f64,
        unit: ChannelUnit::Milliseconds,
    }];
    if tls.is_some() {
        channels.push(Channel {
            name: channel::CERTIFICATE_EXPIRY.into(),
            value: 30.0 + f64::from(preference),
            unit: ChannelUnit::Days,
        });
    }
    // A host that failed before or at its greeting sent none.
    let greeted = !matches!(
        failure,
        Some(Failure {
            phase: Phase::Connect | Phase::Banner | Phase::MxLookup | Phase::NameLookup,
            ..
        })
    );
    MxFinding {
        exchange: exchange.into(),
        preference,
        addresses: vec!["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()],
        result: CheckResult {
            status,
            message,
            channels,
            timings: vec![PhaseTiming {
                phase: Phase::Banner,
                milliseconds: 1.0,
            }],
            remote_address: Some("192.0.2.1:25".into()),
            banner: greeted.then(|| make_reply(220, vec![format!("{exchange} ESMTP")])),
            last_reply: None,
            capabilities: vec![Capability {
                keyword: "STARTTLS".into(),
                params: Vec::new(),
            }],
            tls,
            recipients: Vec::new(),
            message_reply: None,
            failure,
            transcript: Vec::new(),
            mailbox: None,
            domain: None,
            dane: None,
        },
        elapsed: Duration::from_millis(ms),
    }
}

/// A host that passed over verified TLS 1.3.
fn up(exchange: &str, preference: u16, ms: u64) -> MxFinding {
    host(exchange, preference, Status::Up, None, Some(verified()), ms)
}

/// A host that failed with `kind` in `phase`, without TLS.
fn down(exchange: &str, preference: u16, phase: Phase, kind: ErrorKind) -> MxFinding {
    host(
        exchange,
        preference,
        Status::Down,
        Some(failure(phase, kind)),
        None,
        40,
    )
}

/// Findings of two MX hosts that passed, no MTA-STS (no record, the policy host
/// unknown), no TLS-RPT.
fn findings() -> Findings {
    with_hosts(vec![up(MX1, 10, 12), up(MX2, 20, 34)])
}

/// The same with `hosts`.
fn with_hosts(hosts: Vec<MxFinding>) -> Findings {
    Findings {
        domain: DOMAIN.into(),
        mx: MxAnswer::Records {
            beyond: 0,
            null_beside: false,
        },
        hosts,
        sts_record: Some(StsRecordFinding::Answered(Ok(None))),
        policy: Some(PolicyFinding::Unreachable(failure(
            Phase::MtaStsFetch,
            ErrorKind::NameLookupFailed("no such domain (NXDOMAIN)".into()),
        ))),
        policy_fetch: Some(Duration::from_millis(5)),
        tls_rpt: Some(TlsRptFinding::Answered(Ok(None))),
        dnssec: Vec::new(),
        timings: vec![PhaseTiming {
            phase: Phase::MxLookup,
            milliseconds: 3.0,
        }],
        transcript: Vec::new(),
        elapsed: Duration::from_millis(100),
    }
}

/// A valid `_mta-sts` record with `ID`.
fn record() -> StsRecordFinding {
    let txt = format!("v=STSv1; id={ID}");
    StsRecordFinding::Answered(sts_record::find(&[vec![txt.into_bytes()]]))
}

/// A policy of `mode` and `max_age` with these `mx` patterns.
fn policy(mode: &str, max_age: u32, mx: &[&str]) -> PolicyFinding {
    let mut text = format!("version: STSv1\nmode: {mode}\nmax_age: {max_age}\n");
    for pattern in mx {
        text.push_str(&format!("mx: {pattern}\n"));
    }
    PolicyFinding::Policy(sts_policy::parse(text.as_bytes()).expect("a valid policy"))
}

/// `findings` with a record and a policy of `mode` (a week) covering `mx`.
fn published(mut findings: Findings, mode: &str, mx: &[&str]) -> Findings {
    findings.sts_record = Some(record());
    findings.policy = Some(policy(mode, WEEK, mx));
    findings
}

/// A valid TLS-RPT record sending reports to `tlsrpt@example.test`.
fn tls_rpt() -> TlsRptFinding {
    TlsRptFinding::Answered(tlsrpt_record::find(&[vec![
        b"v=TLSRPTv1; rua=mailto:tlsrpt@example.test".to_vec(),
    ]]))
}

/// The domain's result.
fn domain_of(result: &CheckResult) -> &DomainResult {
    result.domain.as_ref().expect("a domain result")
}

/// The failure's text, for the kinds that carry one.
fn text_of(result: &CheckResult) -> String {
    match &result.failure.as_ref().expect("a failure").kind {
        ErrorKind::MxHostsFailed(text)
        | ErrorKind::MtaStsFailed(text)
        | ErrorKind::ExpectationMissed(text) => text.clone(),
        other => panic!("no text in {other:?}"),
    }
}

/// A channel's value.
fn value(result: &CheckResult, name: &str) -> Option<f64> {
    result
        .channels
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value)
}
