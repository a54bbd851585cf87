//! A mail domain's check (`settings.domain`): the MX answer from the host's DNS, then every
//! MX host checked as a host check is, all at once within the one deadline, beside the
//! MTA-STS record, the policy fetch and the TLS-RPT record; what was found goes to the
//! core's [`crate::domain::report`]. This file only asks and waits: the reading and the
//! judging are the core's.

use super::dns::{Dns, lookup_failed, tlsa_lookup};
use super::executor::{join, join_all, until};
use super::host_check;
use super::net::{Clock, unix_now};
use super::policy_fetch;
use crate::bindings::smtp_sensor::probe::dns::RecordType;
use crate::check::plan::{self, Plan};
use crate::dane::health::{self, Seen};
use crate::dane::lookup::{settings_of, tlsa_name};
use crate::domain::answers::{self, Exchanges};
use crate::domain::findings::{
    Findings, MxAnswer, MxFinding, PolicyFinding, StsRecordFinding, TlsRptFinding,
};
use crate::domain::{report, sts_record, tlsrpt_record};
use crate::journal::{Journal, millis};
use crate::limits::MAX_MX_TRANSCRIPT_BYTES;
use crate::wit::{CheckResult, ErrorKind, Failure, Phase, PhaseTiming, Settings};
use std::cell::Cell;
use std::net::IpAddr;
use std::time::Duration;

/// Runs the domain check of `settings` (validated into `plan`) on `clock`.
pub(super) async fn run(
    settings: &Settings,
    plan: &Plan<'_>,
    clock: Clock,
    mut journal: Journal,
) -> CheckResult {
    let dns = Dns::new(clock);
    let domain = answers::canonical(&settings.host);
    let keep = settings.keep_transcript;
    let (mut sts_journal, mut tlsrpt_journal) = (Journal::new(keep), Journal::new(keep));
    // Set once every MX host has its verdict: a policy no sender would fetch (there is no
    // `_mta-sts` record) is not waited for past it.
    let mx_done = Cell::new(false);
    let ((mx, hosts, mx_time), (sts, tls_rpt)) = join(
        async {
            let found = mx_hosts(settings, plan, &domain, &dns, clock, &mut journal).await;
            mx_done.set(true);
            found
        },
        join(
            mta_sts(settings, &domain, &dns, clock, &mut sts_journal, &mx_done),
            tls_rpt(&domain, &dns, clock, &mut tlsrpt_journal),
        ),
    )
    .await;
    journal.append(sts_journal);
    journal.append(tlsrpt_journal);
    let (sts_record, sts_time, policy, policy_time) = sts;
    let (tls_rpt, tls_rpt_time) = tls_rpt;
    let timings = [
        (Phase::MxLookup, Some(mx_time)),
        (Phase::MtaStsLookup, Some(sts_time)),
        (Phase::MtaStsFetch, policy_time),
        (Phase::TlsRptLookup, Some(tls_rpt_time)),
    ]
    .into_iter()
    .filter_map(|(phase, took)| {
        took.map(|took| PhaseTiming {
            phase,
            milliseconds: millis(took),
        })
    })
    .collect();
    let (_, transcript) = journal.into_parts();
    // The domain's own answers: all but its MX hosts' addresses and TLSA records.
    let own = |seen: &Seen| match seen.record_type {
        RecordType::Tlsa => false,
        RecordType::A | RecordType::Aaaa => !hosts.iter().any(|h| h.exchange == seen.name),
        _ => true,
    };
    let dnssec = dns.seen().into_iter().filter(own).collect();
    let findings = Findings {
        domain,
        mx,
        hosts,
        sts_record: Some(sts_record),
        policy,
        policy_fetch: policy_time,
        tls_rpt: Some(tls_rpt),
        dnssec,
        timings,
        transcript,
        elapsed: clock.elapsed(),
    };
    report::report(settings, findings, unix_now())
}

/// The MX answer and every MX host's check, and how long the MX lookup took.
async fn mx_hosts(
    settings: &Settings,
    plan: &Plan<'_>,
    domain: &str,
    dns: &Dns,
    clock: Clock,
    journal: &mut Journal,
) -> (MxAnswer, Vec<MxFinding>, Duration) {
    let started = clock.elapsed();
    let answer = dns.lookup(domain, RecordType::Mx, journal).await;
    let took = clock.elapsed().saturating_sub(started);
    let failed = |kind| {
        MxAnswer::Failed(Failure {
            phase: Phase::MxLookup,
            kind,
        })
    };
    let (exchanges, mx) = match answer.as_ref().map(answers::exchanges) {
        Err(error) => return (failed(lookup_failed(error)), Vec::new(), took),
        Ok(Exchanges::Null) => return (MxAnswer::Null, Vec::new(), took),
        Ok(Exchanges::NoDomain) => {
            let why = format!("MX {domain}: the domain does not exist (NXDOMAIN)");
            return (failed(ErrorKind::NameLookupFailed(why)), Vec::new(), took);
        }
        Ok(Exchanges::None) => (vec![(0, domain.to_string())], MxAnswer::Implicit),
        Ok(Exchanges::Hosts(hosts, beyond, null_beside)) => (
            hosts,
            MxAnswer::Records {
                beyond,
                null_beside,
            },
        ),
    };
    let checks = exchanges.into_iter().map(|(preference, exchange)| {
        mx_host(settings, plan, domain, preference, exchange, dns, clock)
    });
    (mx, join_all(checks.collect()).await, took)
}

/// One MX host: its addresses, then its check as a host check on the domain's clock.
async fn mx_host(
    settings: &Settings,
    domain_plan: &Plan<'_>,
    domain: &str,
    preference: u16,
    exchange: String,
    dns: &Dns,
    clock: Clock,
) -> MxFinding {
    // Its DANE is the domain check's to judge (as a sender's, over whatever the security
    // setting allows), not a host check's rules.
    let host_settings = Settings {
        host: exchange.clone(),
        domain: None,
        dane: None,
        ..settings.clone()
    };
    let mut journal = Journal::within(settings.keep_transcript, MAX_MX_TRANSCRIPT_BYTES);
    // The host ends before it connects: in its lookup's phase, reported as a host check is.
    let failed = |kind, journal| {
        let failure = Failure {
            phase: Phase::MxLookup,
            kind,
        };
        let result = host_check::failed(
            &host_settings,
            &domain_plan.expect,
            failure,
            clock.elapsed(),
            journal,
        );
        finding(exchange.clone(), preference, Vec::new(), result, clock)
    };
    if exchange.parse::<IpAddr>().is_ok() {
        // RFC 5321 5.1 asks for a host name; an address is no name to look up.
        let why = format!(
            "the MX record names an address, {exchange}, where RFC 5321 asks for a host name: \
             senders look it up as a name and find none"
        );
        return failed(ErrorKind::NameLookupFailed(why), journal);
    }
    let random = wasip2::random::random::get_random_bytes(16);
    let random: [u8; 16] = random.try_into().unwrap_or([0; 16]);
    // An exchange's name the settings' rules refuse (the host's DNS gave it) fails here.
    let plan = match plan::prepare(&host_settings, unix_now(), random) {
        Ok(plan) => plan,
        Err(kind) => return failed(kind, journal),
    };
    // Its addresses and its TLSA records, asked together.
    let tlsa = tlsa_name(settings.port, &exchange);
    let mut tlsa_journal = Journal::new(settings.keep_transcript);
    let dane_settings = settings_of(settings);
    let (found, mut dane) = join(
        async {
            let started = clock.elapsed();
            let found = dns
                .addresses(&exchange, settings.ip_version, &mut journal)
                .await;
            journal.timing(Phase::MxLookup, started, clock.elapsed());
            found
        },
        tlsa_lookup(
            dns,
            tlsa,
            dane_settings,
            Phase::MxLookup,
            clock,
            &mut tlsa_journal,
        ),
    )
    .await;
    journal.append(tlsa_journal);
    // DANE rests on the MX answer and the host's addresses as much as on its TLSA records
    // (RFC 7672 2.2.1, 2.2.2).
    let seen = dns.seen();
    dane.addresses = health::of_addresses(&seen, &exchange);
    dane.mx = seen
        .iter()
        .find(|seen| seen.record_type == RecordType::Mx && seen.name == domain)
        .map(|seen| seen.state);
    // A check that uses no TLS judges no DANE: it would only say the check's own choice.
    let dane = plan.mode.may_use_tls().then_some(dane);
    match found {
        Ok(addresses) => {
            let given = Some(addresses.clone());
            let result =
                host_check::check(&host_settings, &plan, given, dane, clock, journal).await;
            finding(exchange, preference, addresses, result, clock)
        }
        Err(kind) => failed(kind, journal),
    }
}

fn finding(
    exchange: String,
    preference: u16,
    addresses: Vec<IpAddr>,
    result: CheckResult,
    clock: Clock,
) -> MxFinding {
    MxFinding {
        exchange,
        preference,
        addresses,
        result,
        elapsed: clock.elapsed(),
    }
}

/// The `_mta-sts` record and the policy, fetched together (a policy without its record
/// is reported too), with how long each took. Without a record the fetch is given up once
/// the MX hosts are done (`mx_done`): no sender fetches that policy, so it must not hold the
/// check to its deadline (a silent `mta-sts` host behind wildcard DNS); it is then none.
async fn mta_sts(
    settings: &Settings,
    domain: &str,
    dns: &Dns,
    clock: Clock,
    journal: &mut Journal,
    mx_done: &Cell<bool>,
) -> (
    StsRecordFinding,
    Duration,
    Option<PolicyFinding>,
    Option<Duration>,
) {
    let mut fetch_journal = Journal::new(settings.keep_transcript);
    let absent = Cell::new(false);
    let ((record, record_time), (policy, policy_time)) = join(
        async {
            let started = clock.elapsed();
            let name = format!("_mta-sts.{domain}");
            let record = match dns.lookup(&name, RecordType::Txt, journal).await {
                Ok(answer) => {
                    StsRecordFinding::Answered(sts_record::find(&answers::txt_records(&answer)))
                }
                Err(error) => StsRecordFinding::LookupFailed(answers::describe(&error)),
            };
            absent.set(matches!(record, StsRecordFinding::Answered(Ok(None))));
            (record, clock.elapsed().saturating_sub(started))
        },
        async {
            let started = clock.elapsed();
            let fetch = policy_fetch::fetch(settings, domain, dns, clock, &mut fetch_journal);
            let policy = until(fetch, || absent.get() && mx_done.get()).await;
            if policy.is_none() {
                fetch_journal.note(
                    clock.elapsed(),
                    "the policy fetch given up: there is no _mta-sts record, so no sender \
                     fetches it, and the MX hosts are done",
                );
            }
            let took = policy
                .is_some()
                .then(|| clock.elapsed().saturating_sub(started));
            (policy, took)
        },
    )
    .await;
    journal.append(fetch_journal);
    (record, record_time, policy, policy_time)
}

/// The `_smtp._tls` record, and how long its lookup took.
async fn tls_rpt(
    domain: &str,
    dns: &Dns,
    clock: Clock,
    journal: &mut Journal,
) -> (TlsRptFinding, Duration) {
    let started = clock.elapsed();
    let name = format!("_smtp._tls.{domain}");
    let finding = match dns.lookup(&name, RecordType::Txt, journal).await {
        Ok(answer) => TlsRptFinding::Answered(tlsrpt_record::find(&answers::txt_records(&answer))),
        Err(error) => TlsRptFinding::LookupFailed(answers::describe(&error)),
    };
    (finding, clock.elapsed().saturating_sub(started))
}
