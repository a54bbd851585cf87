//! What the verdict judges, gathered from what the check saw: the dialogue's verdict with
//! the round trip's folded in (the SMTP side's failure first, then the mailbox's), the
//! figures the thresholds compare (response time, delivery latency, the certificates'
//! days), the phase the check ended in, and the expectations (the receiver's verdicts
//! among them).

use crate::check::expect::Expect;
use crate::check::verdict::Findings;
use crate::journal::millis;
use crate::mailbox::auth_results::Trusted;
use crate::mailbox::trip::Trip;
use crate::smtp::session::Verdict;
use crate::tls::facts::TlsFacts;
use crate::wit::{Capability, Failure, Phase, Reply};
use std::time::Duration;

/// The figures a check produced, computed once for the verdict, the message and the
/// channels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Figures {
    /// The SMTP dialogue, until its verdict, in milliseconds.
    pub smtp_ms: f64,
    /// Response Time: the SMTP dialogue and a round trip's mailbox dialogue together.
    pub response_ms: f64,
    /// A round trip's Delivery Latency, when the message arrived.
    pub latency_ms: Option<f64>,
    /// Days left on the SMTP server's judged certificate, if it presented one.
    pub days_left: Option<i64>,
    /// Days left on the mailbox server's judged certificate, if a round trip got one.
    pub mailbox_days_left: Option<i64>,
}

impl Figures {
    /// The figures of a dialogue whose verdict came `verdict_at`, with its round trip
    /// and TLS; `now` (Unix seconds) counts the certificates' days.
    pub fn of(verdict_at: Duration, trip: Option<&Trip>, tls: &TlsFacts, now: i64) -> Self {
        let smtp_ms = millis(verdict_at);
        // The thresholds judge the verified path's certificate that expires first.
        let judged_days = |tls: &TlsFacts| tls.judged().map(|first| first.days_left(now));
        Self {
            smtp_ms,
            response_ms: smtp_ms + trip.map_or(0.0, |t| millis(t.mailbox_time())),
            latency_ms: trip.and_then(Trip::latency).map(millis),
            days_left: judged_days(tls),
            mailbox_days_left: trip.and_then(|trip| judged_days(&trip.tls)),
        }
    }
}

/// What the dialogue said, for the verdict.
pub(super) struct Said<'a> {
    pub verdict: Verdict,
    pub warning: Option<Failure>,
    pub banner: Option<&'a Reply>,
    pub capabilities: &'a [Capability],
    /// The phases in the order they ran, repeats included.
    pub ran: &'a [Phase],
}

/// The findings the verdict judges: a round trip's verdict is the SMTP dialogue's, then
/// the mailbox's, and its warning counts when the dialogue had none; thresholds judge the
/// certificate of a connection that was actually secured.
pub(super) fn gather(
    expect: &Expect,
    said: Said,
    trip: Option<&Trip>,
    trusted: Option<&Trusted>,
    figures: &Figures,
    tls: &TlsFacts,
) -> Findings {
    let Said {
        mut verdict,
        mut warning,
        banner,
        capabilities,
        ran,
    } = said;
    if let Some(trip) = trip {
        if let (Ok(()), Some(failure)) = (&verdict, &trip.failure) {
            verdict = Err(failure.clone());
        }
        if warning.is_none() {
            warning = trip.warning.clone();
        }
    }
    let mailbox_secured = trip.is_some_and(|trip| trip.tls.established);
    Findings {
        // The receiver's verdicts are judged on a test email that arrived.
        missed: expect.judge(banner, capabilities).or_else(|| {
            trip.filter(|trip| trip.found_at.is_some())
                .and_then(|_| expect.judge_auth(trusted))
        }),
        miss_is_warning: expect.miss_is_warning(),
        verdict,
        warning,
        // A leaf DANE-EE verified is judged by its key alone (RFC 7672 3.1.1).
        certificate_days_left: figures
            .days_left
            .filter(|_| tls.established && !tls.verified_by_dane_ee()),
        response_ms: figures.response_ms,
        last_phase: last_phase(ran),
        latency_ms: figures.latency_ms,
        mailbox_certificate_days_left: figures.mailbox_days_left.filter(|_| mailbox_secured),
    }
}

/// The last phase that ran before the verdict: the clean-up after it (QUIT, the mailbox's
/// delete and log-out) does not count.
fn last_phase(ran: &[Phase]) -> Phase {
    ran.iter()
        .rev()
        .copied()
        .find(|&phase| {
            !matches!(
                phase,
                Phase::Quit | Phase::MailboxDelete | Phase::MailboxLogout
            )
        })
        .unwrap_or(Phase::Settings)
}
