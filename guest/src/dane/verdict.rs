//! A host's DANE after its handshake: the contract's `dane-result`, the causes it adds to
//! the host's verdict (RFC 7672 2.2 and 3.1), and its channels.

use super::health::{self, days_left, level};
use super::lookup::{DaneLookup, TlsaAnswer};
use super::words;
use crate::check::report::{Context, channel_of, for_failure};
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
    let settings = &lookup.settings;
    let verified = facts.dane.as_ref();
    let found = by_names(lookup)
        .unwrap_or_else(|| by_handshake(lookup, facts, verified, reached, tls_phase));
    let mut causes: Vec<(Status, Failure)> = found.cause.into_iter().collect();
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
            tlsa_name: lookup.tlsa_name.clone(),
            state: found.state,
            records: judged_records(&lookup.answer, verified),
            presented_key_sha256: facts.presented_sha256.as_ref().map(|(k, _)| k.clone()),
            presented_certificate_sha256: facts.presented_sha256.as_ref().map(|(_, c)| c.clone()),
            dnssec: lookup.health(),
            message: found.message,
        },
        causes,
    }
}

/// A state DANE came to, in words, and the cause it adds, if any.
struct Found {
    state: DaneState,
    message: String,
    cause: Option<(Status, Failure)>,
}

impl Found {
    /// `state`, said in `message`, that adds no cause.
    fn quiet(state: DaneState, message: String) -> Self {
        Self {
            state,
            message,
            cause: None,
        }
    }

    /// `state`, said in `message`, that is `down` with `kind` in `phase`.
    fn down(state: DaneState, message: String, phase: Phase, kind: ErrorKind) -> Self {
        let cause = Some((Status::Down, Failure { phase, kind }));
        Self {
            state,
            message,
            cause,
        }
    }

    /// `state`, said in `message`, that warns (`dane-weak`) when `warns`.
    fn weak(state: DaneState, message: String, warns: bool) -> Self {
        let cause = warns.then(|| {
            let kind = ErrorKind::DaneWeak(message.clone());
            let phase = Phase::TlsaLookup;
            (Status::Warning, Failure { phase, kind })
        });
        Self {
            state,
            message,
            cause,
        }
    }
}

/// What the answers alone decide, before any handshake counts: bogus addresses, names
/// senders look no TLSA up behind, a failed or unvalidated TLSA answer, no records,
/// records in an unsigned zone. None: secure records, judged by the handshake.
fn by_names(lookup: &DaneLookup) -> Option<Found> {
    let name = &lookup.tlsa_name;
    let expect = lookup.settings.expect_dane;
    if lookup.addresses.state == DnssecState::Bogus {
        let why = lookup.addresses.reason.clone().unwrap_or_default();
        let told = words::bogus(&why);
        let kind = ErrorKind::DnssecBogus(told.clone());
        return Some(Found::down(
            DaneState::Bogus,
            told,
            lookup.address_phase,
            kind,
        ));
    }
    if !lookup.names_secure() {
        let told = words::names_not_secure(name, lookup.mx, lookup.addresses.state);
        let state = match &lookup.answer {
            TlsaAnswer::Records(records) if !records.is_empty() => DaneState::NotSecure,
            _ => DaneState::NotPublished,
        };
        return Some(Found::weak(state, told, expect));
    }
    let unvalidated = |why: &str| {
        let told = words::lookup_failed(why);
        let kind = ErrorKind::DaneFailed(told.clone());
        Found::down(DaneState::LookupFailed, told, Phase::TlsaLookup, kind)
    };
    let reason = || lookup.tlsa.reason.clone().unwrap_or_default();
    Some(match (&lookup.answer, lookup.tlsa.state) {
        (TlsaAnswer::Failed(why), _) => unvalidated(why),
        (_, DnssecState::Bogus) => {
            let told = words::bogus(&reason());
            let kind = ErrorKind::DnssecBogus(told.clone());
            Found::down(DaneState::Bogus, told, Phase::TlsaLookup, kind)
        }
        (_, DnssecState::Indeterminate) => unvalidated(&reason()),
        (TlsaAnswer::NoRecords, _) => {
            Found::weak(DaneState::NotPublished, words::not_published(name), expect)
        }
        (TlsaAnswer::Records(_), DnssecState::Insecure) => {
            Found::weak(DaneState::NotSecure, words::not_secure(name), expect)
        }
        (TlsaAnswer::Records(_), DnssecState::Secure) => return None,
    })
}

/// Secure records against what the handshake showed: matched, not matched, no TLS (which
/// secure records require, even of no usable kind: RFC 7672 2.2), or only unusable kinds.
fn by_handshake(
    lookup: &DaneLookup,
    facts: &TlsFacts,
    verified: Option<&Verified>,
    reached: bool,
    tls_phase: Phase,
) -> Found {
    let name = &lookup.tlsa_name;
    match verified {
        Some(verified) => match verified.passed {
            Some(passed) => {
                let record = &verified.records[passed.record];
                let told = words::matched(record, passed.certificate);
                // A standby: a usable record matching nothing presented.
                let no_standby = verified.judged.unmatched.is_empty();
                let mut found = Found::quiet(DaneState::Matched, told);
                if lookup.settings.expect_standby && no_standby {
                    let weak = Found::weak(DaneState::Matched, words::no_standby(name), true);
                    found.cause = weak.cause;
                }
                found
            }
            None => {
                let told = words::mismatch(verified, facts);
                let kind = ErrorKind::DaneMismatch(told.clone());
                Found::down(DaneState::NotMatched, told, Phase::TlsHandshake, kind)
            }
        },
        None if reached && !facts.established => {
            let told = words::no_tls(name, lookup.in_force().is_some());
            let kind = ErrorKind::DaneFailed(told.clone());
            Found::down(DaneState::NoTls, told, tls_phase, kind)
        }
        None if lookup.in_force().is_none() => {
            Found::weak(DaneState::Unusable, words::unusable(name), true)
        }
        None => Found::quiet(DaneState::NoTls, words::unreached(name)),
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
    let count = |name: &str, value: f64| channel_of(name, value, ChannelUnit::Count);
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
        let days = (days * 10.0).round() / 10.0;
        list.push(channel_of(
            channel::DNSSEC_SIGNATURE_EXPIRY,
            days,
            ChannelUnit::Days,
        ));
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
