//! The result record from what a check found. Pure: the time is passed in, so it is tested
//! natively. By job: [`findings`] gathers what the verdict judges and the figures;
//! `check::verdict` decides the status; [`message`] tells it in [`words`]; [`channels`]
//! lists the measurements; [`report`] puts the record together with everything seen on
//! the way (banner, capabilities, TLS, recipients, transcript, the mailbox's result).

mod channels;
mod findings;
mod message;
mod words;

/// A domain check's report tells its verdict in the same words (`crate::domain`).
pub(crate) use channels::channel_of;
pub use words::server_label;
pub(crate) use words::{Context, for_failure, one_decimal};

use crate::check::expect::Expect;
use crate::check::verdict::{self, Thresholds};
use crate::journal::millis;
use crate::mailbox::auth_results::{self, Trusted};
use crate::mailbox::trip::Trip;
use crate::smtp::session::Outcome;
use crate::tls::facts::TlsFacts;
use crate::wit::{
    AuthProperty, AuthResult, AuthResults, CheckResult, MailboxResult, Phase, Settings, TlsInfo,
};
use findings::{Figures, Said};
use message::Told;

/// The result of a check of `settings` whose dialogue ended with `outcome` and whose round
/// trip (if one was made) with `trip`, connected to `remote`, with what TLS showed in
/// `tls`, judged by `expect` (the plan's; none for settings that failed); `now` (Unix
/// seconds) counts the certificates' days.
pub fn report(
    settings: &Settings,
    expect: &Expect,
    outcome: Outcome,
    trip: Option<Trip>,
    remote: Option<String>,
    tls: &TlsFacts,
    now: i64,
) -> CheckResult {
    let Outcome {
        verdict,
        warning,
        verdict_at,
        banner,
        last_reply,
        capabilities,
        recipients,
        relay_answer,
        message_reply,
        send_time,
        journal,
        ..
    } = outcome;
    let ran: Vec<Phase> = journal.ran().collect();
    let (timings, transcript) = journal.into_parts();
    let figures = Figures::of(verdict_at, trip.as_ref(), tls, now);
    let fallback = warning
        .clone()
        .filter(|warning| warning.phase == Phase::TlsHandshake);
    let said = Said {
        verdict,
        warning,
        banner: banner.as_ref(),
        capabilities: &capabilities,
        ran: &ran,
    };
    let authserv_id = settings
        .mailbox
        .as_ref()
        .and_then(|m| m.authserv_id.as_deref());
    let trusted = trip
        .as_ref()
        .and_then(|trip| trip.delivered.as_ref())
        .and_then(|d| auth_results::trusted(&d.auth_results, &d.arc_results, authserv_id));
    let findings = findings::gather(expect, said, trip.as_ref(), trusted.as_ref(), &figures, tls);
    let (status, failure) = verdict::decide(findings, Thresholds::of(&settings.into()));
    let message = message::compose(Told {
        settings,
        status,
        failure: failure.as_ref(),
        figures: &figures,
        banner: banner.as_ref(),
        relay_answer: relay_answer.as_ref(),
        message_reply: message_reply.as_ref(),
        fallback: fallback.as_ref(),
        trip: trip.as_ref(),
        trusted: trusted.as_ref(),
        tls,
        now,
    });
    let channels = channels::list(
        &figures,
        status,
        tls,
        trip.as_ref(),
        channels::Verdicts {
            trusted: trusted.as_ref(),
            expected: expect.auth(),
        },
        send_time,
    );
    let mailbox = trip.map(|trip| MailboxResult {
        remote_address: trip.remote.clone(),
        found: trip.found_at.is_some(),
        searches: trip.searches,
        deleted: trip.deleted,
        left_flagged: trip.left_flagged,
        latency_precision_ms: trip.latency_precision().map(millis),
        tls: tls_info(&trip.tls),
        folder: trip.delivered.as_ref().map(|d| d.folder.clone()),
        in_spam: trip.delivered.as_ref().is_some_and(|d| d.spam),
        authentication: trusted.map(auth_results_of),
    });
    CheckResult {
        status,
        message,
        channels,
        timings,
        remote_address: remote,
        banner,
        last_reply,
        capabilities,
        tls: tls_info(tls),
        recipients,
        message_reply,
        failure,
        transcript,
        mailbox,
        domain: None,
        dane: None,
    }
}

/// The receiver's verdicts in the contract's terms.
fn auth_results_of(mut trusted: Trusted) -> AuthResults {
    AuthResults {
        authserv_id: std::mem::take(&mut trusted.authserv_id),
        fields: std::mem::take(&mut trusted.fields),
        from_arc: trusted.from_arc,
        results: trusted
            .into_results()
            .map(|r| AuthResult {
                method: r.method,
                result: r.result,
                reason: r.reason,
                properties: r
                    .properties
                    .into_iter()
                    .map(|(name, value)| AuthProperty { name, value })
                    .collect(),
            })
            .collect(),
    }
}

/// What TLS showed, when a handshake got far enough to show anything.
fn tls_info(tls: &TlsFacts) -> Option<TlsInfo> {
    let leaf = tls.leaf.as_ref();
    let earliest = tls.earliest();
    let judged = tls.judged();
    (tls.attempted && (tls.version.is_some() || leaf.is_some())).then(|| TlsInfo {
        version: tls.version.clone().unwrap_or_default(),
        cipher_suite: tls.cipher_suite.clone().unwrap_or_default(),
        subject: leaf.map(|l| l.subject.clone()).unwrap_or_default(),
        issuer: leaf.map(|l| l.issuer.clone()).unwrap_or_default(),
        not_after: leaf.map_or(0, |l| l.not_after),
        earliest_subject: earliest.map(|e| e.subject.clone()).unwrap_or_default(),
        earliest_not_after: earliest.map_or(0, |e| e.not_after),
        chain_subject: judged.map(|e| e.subject.clone()).unwrap_or_default(),
        chain_not_after: judged.map_or(0, |e| e.not_after),
        verified: tls.verified,
    })
}

#[cfg(test)]
mod tests;
