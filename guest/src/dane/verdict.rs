//! A host's DANE after its handshake: the contract's `dane-result`, the causes it adds to
//! the host's verdict (RFC 7672 2.2 and 3.1), and its channels.

use super::health::{self, days_left, level};
use super::lookup::{DaneLookup, TlsaAnswer};
use super::words;
use crate::check::report::{Context, for_failure};
use crate::limits::channel;
use crate::tls::dane::{Verified, screen};
use crate::tls::facts::TlsFacts;
use crate::wit::{
    Channel, ChannelUnit, CheckResult, DaneResult, DaneState, DnssecHealth, DnssecState, ErrorKind,
    Failure, Phase, Status, TlsaJudged,
};

/// What a host's DANE comes to: the result, and the causes it adds to the host's verdict.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The contract's result.
    pub result: DaneResult,
    /// The causes, worst first.
    pub causes: Vec<(Status, Failure)>,
}

/// Judges `lookup` against what the handshakes showed (`facts`); `reached` says whether
/// the server greeted (a host never reached has no certificate to judge), `tls_phase`
/// where TLS begins (`starttls`, or `tls-handshake` for implicit TLS); `now` in Unix
/// seconds. RFC 7672 2.2: senders look TLSA up only on secure names, and a failed or
/// unvalidated TLSA answer there defers the mail.
pub fn judge(
    lookup: &DaneLookup,
    facts: &TlsFacts,
    reached: bool,
    tls_phase: Phase,
    now: i64,
) -> Judged {
    let name = &lookup.tlsa_name;
    let settings = &lookup.settings;
    let fails = |phase, kind| (Status::Down, Failure { phase, kind });
    let weak = |why: String| {
        let kind = ErrorKind::DaneWeak(why);
        (
            Status::Warning,
            Failure {
                phase: Phase::TlsaLookup,
                kind,
            },
        )
    };
    let verified = facts.dane.as_ref();
    let mut causes = Vec::new();
    let records = match &lookup.answer {
        TlsaAnswer::Records(records) => records.as_slice(),
        _ => &[],
    };
    let (state, message) = if lookup.addresses.state == DnssecState::Bogus {
        let why = lookup.addresses.reason.clone().unwrap_or_default();
        let told = words::bogus(&why);
        causes.push(fails(
            lookup.address_phase,
            ErrorKind::DnssecBogus(told.clone()),
        ));
        (DaneState::Bogus, told)
    } else if !lookup.names_secure() {
        let told = words::names_not_secure(name, lookup.mx, lookup.addresses.state);
        if settings.expect_dane {
            causes.push(weak(told.clone()));
        }
        let state = match records.is_empty() {
            true => DaneState::NotPublished,
            false => DaneState::NotSecure,
        };
        (state, told)
    } else {
        match (&lookup.answer, lookup.tlsa.state) {
            (TlsaAnswer::Failed(why), _) => {
                let told = words::lookup_failed(why);
                causes.push(fails(
                    Phase::TlsaLookup,
                    ErrorKind::DaneFailed(told.clone()),
                ));
                (DaneState::LookupFailed, told)
            }
            (_, DnssecState::Bogus) => {
                let why = lookup.tlsa.reason.clone().unwrap_or_default();
                let told = words::bogus(&why);
                causes.push(fails(
                    Phase::TlsaLookup,
                    ErrorKind::DnssecBogus(told.clone()),
                ));
                (DaneState::Bogus, told)
            }
            (_, DnssecState::Indeterminate) => {
                let why = lookup.tlsa.reason.clone().unwrap_or_default();
                let told = words::lookup_failed(&why);
                causes.push(fails(
                    Phase::TlsaLookup,
                    ErrorKind::DaneFailed(told.clone()),
                ));
                (DaneState::LookupFailed, told)
            }
            (TlsaAnswer::NoRecords, _) => {
                let told = words::not_published(name);
                if settings.expect_dane {
                    causes.push(weak(told.clone()));
                }
                (DaneState::NotPublished, told)
            }
            (TlsaAnswer::Records(_), DnssecState::Insecure) => {
                let told = words::not_secure(name);
                if settings.expect_dane {
                    causes.push(weak(told.clone()));
                }
                (DaneState::NotSecure, told)
            }
            (TlsaAnswer::Records(_), DnssecState::Secure) => match verified {
                Some(verified) => match verified.passed {
                    Some(passed) => {
                        let standby = verified.judged.unmatched.len();
                        if settings.expect_standby && standby == 0 {
                            causes.push(weak(words::no_standby(name)));
                        }
                        let record = &verified.records[passed.record];
                        (
                            DaneState::Matched,
                            words::matched(record, passed.certificate),
                        )
                    }
                    None => {
                        let told = words::mismatch(verified, facts);
                        let kind = ErrorKind::DaneMismatch(told.clone());
                        causes.push(fails(Phase::TlsHandshake, kind));
                        (DaneState::NotMatched, told)
                    }
                },
                // Secure records, even of no usable kind, require TLS (RFC 7672 2.2).
                None if reached && !facts.established => {
                    let told = words::no_tls(name, lookup.in_force().is_some());
                    causes.push(fails(tls_phase, ErrorKind::DaneFailed(told.clone())));
                    (DaneState::NoTls, told)
                }
                None if lookup.in_force().is_none() => {
                    let told = words::unusable(name);
                    causes.push(weak(told.clone()));
                    (DaneState::Unusable, told)
                }
                None => (DaneState::NoTls, words::unreached(name)),
            },
        }
    };
    // The earliest signature DANE rests on, in the phase of its lookup.
    let earliest = lookup.health();
    let phase = match earliest.earliest_signature_expiry == lookup.tlsa.earliest_signature_expiry {
        true => Phase::TlsaLookup,
        false => lookup.address_phase,
    };
    causes.extend(health::expiring(
        &earliest,
        settings.signature_warning_seconds,
        now,
        phase,
    ));
    crate::sort::sort_by_key(&mut causes, |(status, _)| {
        std::cmp::Reverse(severity(*status))
    });
    Judged {
        result: DaneResult {
            tlsa_name: name.clone(),
            state,
            records: judged_records(&lookup.answer, verified),
            presented_key_sha256: facts.presented_sha256.as_ref().map(|(k, _)| k.clone()),
            presented_certificate_sha256: facts.presented_sha256.as_ref().map(|(_, c)| c.clone()),
            dnssec: lookup.health(),
            message,
        },
        causes,
    }
}

/// How bad a status is, to order causes.
fn severity(status: Status) -> u8 {
    match status {
        Status::Up => 0,
        Status::Warning => 1,
        Status::Down => 2,
    }
}

/// Each record of the answer, judged where DANE verification ran.
fn judged_records(answer: &TlsaAnswer, verified: Option<&Verified>) -> Vec<TlsaJudged> {
    let TlsaAnswer::Records(records) = answer else {
        return Vec::new();
    };
    records
        .iter()
        .zip(screen(records))
        .map(|(record, unusable)| {
            let matched = verified.and_then(|v| {
                let index = v.records.iter().position(|r| r == record)?;
                v.judged
                    .matched
                    .iter()
                    .find(|m| m.record == index)
                    .map(|m| m.certificate as u32)
            });
            TlsaJudged {
                presentation: record.presentation(),
                unusable,
                matched_certificate: matched,
            }
        })
        .collect()
}

/// The level of the "DANE" channel: 2 in force and matched, 1 not in force, 0 failed.
pub fn dane_level(state: DaneState) -> f64 {
    crate::dane_level!(state, DaneState)
}

/// Whether DANE senders refuse the host: in force and failed, or its names bogus.
pub fn refuses(state: DaneState) -> bool {
    dane_level(state) == 0.0
}

/// The usable records that match the presented chain and that do not (standby), when
/// DANE was in force and judged.
pub fn counts(result: &DaneResult) -> Option<(u32, u32)> {
    let (matched, standby, _) = crate::dane_counts!(result, DaneState);
    matches!(result.state, DaneState::Matched | DaneState::NotMatched).then_some((matched, standby))
}

/// The DANE and DNSSEC channels of `results` (one host's, or a domain's MX hosts') with
/// `others` (a domain's own answers): "DANE" the weakest host's, the counts the fewest
/// of the hosts in force, "DNSSEC" the weakest, the expiry the earliest.
pub fn channels(results: &[&DaneResult], others: Option<&DnssecHealth>, now: i64) -> Vec<Channel> {
    let count = |name: &str, value: f64| Channel {
        name: name.into(),
        value,
        unit: ChannelUnit::Count,
    };
    let mut list = Vec::new();
    if let Some(weakest) = results
        .iter()
        .map(|r| dane_level(r.state))
        .min_by(f64::total_cmp)
    {
        list.push(count(channel::DANE, weakest));
    }
    let counts: Vec<(u32, u32)> = results.iter().filter_map(|r| counts(r)).collect();
    if !counts.is_empty() {
        let fewest = |pick: fn(&(u32, u32)) -> u32| counts.iter().map(pick).min().unwrap_or(0);
        list.push(count(channel::DANE_MATCHED, f64::from(fewest(|c| c.0))));
        list.push(count(channel::DANE_STANDBY, f64::from(fewest(|c| c.1))));
    }
    let healths: Vec<&DnssecHealth> = results.iter().map(|r| &r.dnssec).chain(others).collect();
    if let Some(weakest) = healths
        .iter()
        .map(|h| level(h.state))
        .min_by(f64::total_cmp)
    {
        list.push(count(channel::DNSSEC, weakest));
    }
    if let Some(days) = healths
        .iter()
        .filter_map(|h| days_left(h, now))
        .min_by(f64::total_cmp)
    {
        list.push(Channel {
            name: channel::DNSSEC_SIGNATURE_EXPIRY.into(),
            value: (days * 10.0).round() / 10.0,
            unit: ChannelUnit::Days,
        });
    }
    list
}

/// `result` (a host check's) with its DANE: the `dane` field, the channels, and the worst
/// cause when it is worse than the verdict (then in the message, in the host's words).
pub fn apply(mut result: CheckResult, judged: Judged, context: Context, now: i64) -> CheckResult {
    result
        .channels
        .extend(channels(&[&judged.result], None, now));
    if let Some((status, failure)) = judged.causes.into_iter().next()
        && severity(status) > severity(result.status)
    {
        result.message = for_failure(context, &failure);
        result.status = status;
        result.failure = Some(failure);
        if let Some(downtime) = result
            .channels
            .iter_mut()
            .find(|c| c.name == channel::DOWNTIME)
        {
            downtime.value = if status == Status::Down { 100.0 } else { 0.0 };
        }
    }
    result.dane = Some(judged.result);
    result
}
