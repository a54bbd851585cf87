//! A domain check's result from its [`Findings`], sans-IO: the contract's `check-result`
//! with `domain` filled in. By job: [`mx`] judges the MX answer and hosts, [`published`]
//! the two halves of MTA-STS (record and policy), its `max_age` and what `expect-mta-sts`
//! asks, [`judge`] the MX hosts against the policy; [`cause`] decides the verdict from
//! all their causes, [`message`] tells it (in [`words`]), [`channels`] measures, [`notes`]
//! keeps what changes no verdict.

mod cause;
mod channels;
mod dnssec;
mod judge;
mod message;
mod mx;
mod notes;
mod published;
mod words;

use super::findings::{Findings, MxAnswer};
use crate::dane::health::health;
use crate::dane::lookup::settings_of;
use crate::dane::verdict;
use crate::wit::{CheckResult, DaneResult, DomainResult, Settings};
use published::Published;

/// The result of the domain check of `settings` (whose `host` is the domain) that found
/// `findings`.
/// `now` (Unix seconds) dates the signatures' expiry.
pub fn report(settings: &Settings, findings: Findings, now: i64) -> CheckResult {
    let Findings {
        domain,
        mx,
        hosts,
        sts_record,
        policy,
        policy_fetch,
        tls_rpt,
        dnssec,
        timings,
        transcript,
        elapsed,
    } = findings;
    let dane_settings = settings_of(settings);
    let seen = dnssec;
    let dnssec = health(&seen);
    let (port, timeout) = (settings.port, settings.timeout_seconds);
    let published = Published {
        record: sts_record.as_ref(),
        policy: policy.as_ref(),
    };
    let max_age_warning = settings
        .domain
        .as_ref()
        .map_or(0, |d| d.max_age_warning_seconds);
    let announced = published.record().is_some();
    let (judged, judgement) = judge::judge(published.policy(), announced, &hosts, port, timeout);
    let dnssec_causes =
        dnssec::causes(&seen, &domain, dane_settings.signature_warning_seconds, now);
    let causes = [
        mx::cause(&mx, &hosts, port),
        judgement,
        published.halves(&domain, timeout),
        published.short_max_age(max_age_warning),
        published.expectation(settings, &domain),
    ];
    let verdict = cause::decide(causes.into_iter().flatten().chain(dnssec_causes).collect());
    let message = message::compose(message::Told {
        domain: &domain,
        port,
        timeout_seconds: timeout,
        verdict: &verdict,
        answer: &mx,
        hosts: &hosts,
        published: &published,
        tls_rpt: tls_rpt.as_ref(),
    });
    let mut channels = channels::list(
        verdict.status,
        &hosts,
        elapsed,
        published.mode(),
        published.policy(),
    );
    let danes: Vec<&DaneResult> = hosts
        .iter()
        .filter_map(|h| h.result.dane.as_ref())
        .collect();
    channels.extend(verdict::channels(&danes, Some(&dnssec), now));
    let notes = notes::list(&domain, &mx, &published, tls_rpt.as_ref());
    let result = DomainResult {
        mx_source: mx::source(&mx),
        mx_not_checked: match mx {
            MxAnswer::Records { beyond, .. } => beyond,
            _ => 0,
        },
        mta_sts: published.result(&domain, policy_fetch, timeout),
        tls_rpt: notes::tls_rpt_result(tls_rpt.as_ref()),
        notes,
        mx_hosts: hosts
            .into_iter()
            .zip(judged)
            .map(|(host, judged)| mx::host_result(host, judged))
            .collect(),
        name: domain,
        dnssec,
    };
    CheckResult {
        status: verdict.status,
        message,
        channels,
        timings,
        remote_address: None,
        banner: None,
        last_reply: None,
        capabilities: Vec::new(),
        tls: None,
        recipients: Vec::new(),
        message_reply: None,
        failure: verdict.failure,
        transcript,
        mailbox: None,
        domain: Some(result),
        dane: None,
    }
}

#[cfg(test)]
mod tests;
