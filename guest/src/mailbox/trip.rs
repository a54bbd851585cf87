//! A round trip's account, in the contract's terms: the component hands in each mailbox
//! dialogue's outcome (one for IMAP, one per look for POP3) and each connection's failure;
//! this decides what it all means: found or not, how long delivery took, what failed in
//! which phase, and what only needs attention (the message arrived, but could not be
//! deleted; STARTTLS was refused and the plan allowed plain text).

use super::steps::MailboxOutcome;
use crate::journal::Journal;
use crate::tls::facts::TlsFacts;
use crate::wit::{ErrorKind, Failure, MailboxProtocol, Phase};
use std::time::Duration;

/// What a round trip found. Times are since the check began.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// IMAP or POP3, for the channel's name.
    pub protocol: MailboxProtocol,
    /// When the SMTP server accepted the test email.
    pub accepted_at: Duration,
    /// When the round trip began (the first mailbox connection).
    pub started: Duration,
    /// When its verdict was known: the message seen, or the search given up or failed.
    pub verdict_at: Duration,
    /// When the test message was first seen in the mailbox.
    pub found_at: Option<Duration>,
    /// How many times the mailbox was searched.
    pub searches: u32,
    /// How many test messages were deleted.
    pub deleted: u32,
    /// The mailbox server's address, as last connected to.
    pub remote: Option<String>,
    /// Why the round trip failed (the check is `down`).
    pub failure: Option<Failure>,
    /// What needs attention although the message arrived.
    pub warning: Option<Failure>,
    /// What TLS showed on the mailbox connections.
    pub tls: TlsFacts,
}

impl Trip {
    /// "Delivery Latency": from the acceptance until the message was seen.
    pub fn latency(&self) -> Option<Duration> {
        self.found_at
            .map(|found| found.saturating_sub(self.accepted_at))
    }

    /// The mailbox side's time ("IMAP Time", "POP3 Time"): from its first connection until
    /// its verdict; the deletion and log-out after it are a courtesy, as SMTP's QUIT is.
    pub fn mailbox_time(&self) -> Duration {
        self.verdict_at.saturating_sub(self.started)
    }
}

/// A round trip being run: what the component learns, kept until [`Account::finish`].
#[derive(Debug)]
pub struct Account {
    trip: Trip,
    downgraded: bool,
    fallback: Option<Failure>,
    /// Timings the component measured itself (a STARTTLS handshake), until the dialogue
    /// they happened in is handed in.
    timed: Vec<(Phase, Duration, Duration)>,
}

impl Account {
    /// A round trip over `protocol` for a message accepted at `accepted_at`, beginning at
    /// `started`.
    pub fn new(protocol: MailboxProtocol, accepted_at: Duration, started: Duration) -> Self {
        Self {
            trip: Trip {
                protocol,
                accepted_at,
                started,
                verdict_at: started,
                found_at: None,
                searches: 0,
                deleted: 0,
                remote: None,
                failure: None,
                warning: None,
                tls: TlsFacts::default(),
            },
            downgraded: false,
            fallback: None,
            timed: Vec::new(),
        }
    }

    /// Implicit TLS failed with `failure` and the plan allowed plain text: the round trip
    /// goes on, and the failure is its warning (unless a worse one comes).
    pub fn fell_back(&mut self, failure: Failure) {
        self.fallback.get_or_insert(failure);
    }

    /// Whether the message was seen.
    pub fn found(&self) -> bool {
        self.trip.found_at.is_some()
    }

    /// Whether something failed: no further look is worth making.
    pub fn failed(&self) -> bool {
        self.trip.failure.is_some()
    }

    /// The mailbox was searched once more.
    pub fn searched(&mut self) {
        self.trip.searches += 1;
    }

    /// What TLS shows on the mailbox connections, for the component's handshakes to fill.
    pub fn tls(&mut self) -> &mut TlsFacts {
        &mut self.trip.tls
    }

    /// The component timed `phase` itself, inside a dialogue (a STARTTLS handshake).
    pub fn timed(&mut self, phase: Phase, started: Duration, ended: Duration) {
        self.timed.push((phase, started, ended));
    }

    /// A connection to `remote` was made.
    pub fn connected(&mut self, remote: String) {
        self.trip.remote = Some(remote);
    }

    /// A dialogue ended with `outcome`: its steps are timed in `journal`, what it found and
    /// deleted is counted, and its failure is kept (the first one stands).
    pub fn dialogue(&mut self, outcome: MailboxOutcome, journal: &mut Journal) {
        let mut timings: Vec<(Phase, Duration, Duration)> = outcome
            .timings
            .iter()
            .map(|&(step, started, ended)| (step.phase(), started, ended))
            .chain(self.timed.drain(..))
            .collect();
        timings.sort_by_key(|&(_, started, _)| started);
        for (phase, started, ended) in timings {
            journal.timing(phase, started, ended);
        }
        if let Some(found) = outcome.found_at {
            self.trip.found_at.get_or_insert(found);
            self.trip.verdict_at = found;
        }
        self.trip.deleted += u32::try_from(outcome.deleted).unwrap_or(u32::MAX);
        self.downgraded |= outcome.downgraded;
        if let Some(failure) = outcome.failure {
            self.fail(Failure {
                phase: failure.step.phase(),
                kind: ErrorKind::MailboxFailed(failure.why),
            });
        }
    }

    /// A connection or its TLS failed (`failure`), or the deadline passed in its phase.
    pub fn fail(&mut self, failure: Failure) {
        if self.trip.failure.is_none() && self.trip.warning.is_none() {
            if self.found() {
                // The message arrived: what failed after that is cleanup, a warning.
                self.trip.warning = Some(failure);
            } else {
                self.trip.failure = Some(failure);
            }
        }
    }

    /// The round trip ends at `now`: a message never seen, without another failure, is
    /// `message-not-delivered`, counted from the acceptance.
    pub fn finish(mut self, now: Duration) -> Trip {
        let timed_out = matches!(
            self.trip.failure,
            Some(Failure {
                kind: ErrorKind::Timeout,
                ..
            })
        );
        if !self.found() && (self.trip.failure.is_none() || timed_out) {
            let waited = now.saturating_sub(self.trip.accepted_at).as_millis();
            self.trip.failure = Some(Failure {
                phase: Phase::MailboxSearch,
                kind: ErrorKind::MessageNotDelivered(u32::try_from(waited).unwrap_or(u32::MAX)),
            });
        }
        if !self.found() {
            self.trip.verdict_at = now;
        }
        if self.trip.warning.is_none() && self.trip.failure.is_none() {
            let refused_starttls = self.downgraded.then_some(Failure {
                phase: Phase::MailboxStarttls,
                kind: ErrorKind::TlsNotOffered,
            });
            self.trip.warning = self.fallback.take().or(refused_starttls);
        }
        self.trip
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::steps::{MailboxFailure, Step};

    const S: Duration = Duration::from_secs(1);

    fn outcome(found_at: Option<Duration>, failure: Option<MailboxFailure>) -> MailboxOutcome {
        MailboxOutcome {
            found_at,
            deleted: usize::from(found_at.is_some()),
            failure,
            timings: vec![(Step::Login, S, 2 * S), (Step::Search, 2 * S, 3 * S)],
            downgraded: false,
        }
    }

    #[test]
    fn latency_counts_from_the_acceptance_and_the_mailbox_time_from_its_start() {
        let mut journal = Journal::new(false);
        let mut account = Account::new(MailboxProtocol::Imap, S, 2 * S);
        account.searched();
        account.dialogue(outcome(Some(5 * S), None), &mut journal);
        let trip = account.finish(7 * S);
        assert_eq!(trip.latency(), Some(4 * S));
        assert_eq!(trip.mailbox_time(), 3 * S);
        assert_eq!((trip.failure, trip.warning, trip.deleted), (None, None, 1));
        let (timings, _) = journal.into_parts();
        assert_eq!(
            timings.iter().map(|t| t.phase).collect::<Vec<_>>(),
            [Phase::MailboxLogin, Phase::MailboxSearch]
        );
    }

    #[test]
    fn a_message_never_seen_is_not_delivered_with_the_wait() {
        let mut account = Account::new(MailboxProtocol::Pop3, S, 2 * S);
        account.dialogue(outcome(None, None), &mut Journal::new(false));
        account.fail(Failure {
            phase: Phase::MailboxSearch,
            kind: ErrorKind::Timeout,
        });
        let trip = account.finish(31 * S);
        assert_eq!(
            trip.failure.unwrap().kind,
            ErrorKind::MessageNotDelivered(30_000)
        );
        assert_eq!(trip.verdict_at, 31 * S);
    }

    #[test]
    fn a_refused_log_in_is_down_and_a_failed_cleanup_only_a_warning() {
        let refused = MailboxFailure {
            step: Step::Login,
            why: "LOGIN was refused: NO [AUTHENTICATIONFAILED]".into(),
        };
        let mut account = Account::new(MailboxProtocol::Imap, S, S);
        account.dialogue(
            outcome(None, Some(refused.clone())),
            &mut Journal::new(false),
        );
        let failure = account.finish(2 * S).failure.unwrap();
        assert_eq!(failure.phase, Phase::MailboxLogin);
        assert!(matches!(failure.kind, ErrorKind::MailboxFailed(ref why) if why.contains("NO")));
        let cleanup = MailboxFailure {
            step: Step::Delete,
            why: "UID STORE was refused".into(),
        };
        let mut account = Account::new(MailboxProtocol::Imap, S, S);
        account.dialogue(
            outcome(Some(2 * S), Some(cleanup)),
            &mut Journal::new(false),
        );
        let trip = account.finish(3 * S);
        assert_eq!(trip.failure, None);
        assert_eq!(trip.warning.unwrap().phase, Phase::MailboxDelete);
    }
}
