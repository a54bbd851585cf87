//! A round trip's account, in the contract's terms: the component hands in each mailbox
//! dialogue's outcome (one for IMAP, one per look for POP3) and each connection's failure;
//! this decides what it all means: found or not, how long delivery took, what failed in
//! which phase, and what only needs attention (the message arrived, but could not be
//! deleted; STARTTLS was refused and the plan allowed plain text).

use super::steps::{Delivered, MailboxOutcome, Step};
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
    /// When the test message was first seen in the mailbox: it had arrived by then.
    pub found_at: Option<Duration>,
    /// When the last look that did not find it began: it arrived after that.
    pub missed_at: Option<Duration>,
    /// How many times the mailbox was searched.
    pub searches: u32,
    /// How many test messages were deleted.
    pub deleted: u32,
    /// How many test messages were flagged `\Deleted` but not expunged (no UIDPLUS):
    /// they wait for the mailbox's own expunge.
    pub left_flagged: u32,
    /// The mailbox server's address, as last connected to.
    pub remote: Option<String>,
    /// Why the round trip failed (the check is `down`).
    pub failure: Option<Failure>,
    /// What needs attention although the message arrived.
    pub warning: Option<Failure>,
    /// What TLS showed on the mailbox connections.
    pub tls: TlsFacts,
    /// Where the test message was found, and what its receiver wrote on it.
    pub delivered: Option<Delivered>,
}

impl Trip {
    /// When the message arrived, as closely as the looks tell: after the acceptance and
    /// the last look that missed it, by the look that found it.
    fn arrival_window(&self) -> Option<(Duration, Duration)> {
        let found = self.found_at?;
        let after = self
            .missed_at
            .map_or(self.accepted_at, |missed| missed.max(self.accepted_at))
            .min(found);
        Some((after, found))
    }

    /// "Delivery Latency": from the acceptance until the message arrived, taken as the
    /// middle of the window the looks leave (see [`Trip::latency_precision`]).
    pub fn latency(&self) -> Option<Duration> {
        let (after, by) = self.arrival_window()?;
        Some((after + (by - after) / 2).saturating_sub(self.accepted_at))
    }

    /// How far the true delivery latency may be from [`Trip::latency`] either way: half
    /// the time between the last look that missed the message and the one that found it.
    pub fn latency_precision(&self) -> Option<Duration> {
        let (after, by) = self.arrival_window()?;
        Some((by - after) / 2)
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
    /// The last look found the maildrop locked by another session (POP3 `[IN-USE]`).
    locked: bool,
    /// The step of a dialogue the deadline passed in, for the words of its failure.
    timed_out: Option<Step>,
    /// A look got as far as searching: the mailbox answered.
    looked: bool,
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
                missed_at: None,
                searches: 0,
                deleted: 0,
                left_flagged: 0,
                remote: None,
                failure: None,
                warning: None,
                tls: TlsFacts::default(),
                delivered: None,
            },
            downgraded: false,
            fallback: None,
            locked: false,
            timed_out: None,
            looked: false,
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
        crate::sort::sort_by_key(&mut timings, |&(_, started, _)| started);
        for (phase, started, ended) in timings {
            journal.timing(phase, started, ended);
        }
        if let Some(found) = outcome.found_at {
            self.trip.found_at.get_or_insert(found);
            self.trip.verdict_at = found;
        }
        if let Some(delivered) = outcome.delivered {
            self.trip.delivered.get_or_insert(delivered);
        }
        if let Some(missed) = outcome.missed_at
            && self.trip.found_at.is_none_or(|found| missed <= found)
        {
            self.trip.missed_at = Some(missed);
        }
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.trip.deleted = self.trip.deleted.saturating_add(count(outcome.deleted));
        self.trip.left_flagged = self
            .trip
            .left_flagged
            .saturating_add(count(outcome.left_flagged));
        self.locked = outcome.busy;
        self.downgraded |= outcome.downgraded;
        if outcome
            .timings
            .iter()
            .any(|&(step, ..)| step == Step::Search)
        {
            self.looked = true;
        }
        match outcome.failure {
            Some(failure) if failure.timed_out => self.timed_out(failure.step),
            Some(failure) => self.fail(Failure {
                phase: failure.step.phase(),
                kind: ErrorKind::MailboxFailed(failure.why),
            }),
            None => {}
        }
    }

    /// The deadline (or the clean-up's grace) passed while a dialogue was in `step`.
    pub fn timed_out(&mut self, step: Step) {
        if self.trip.failure.is_none() {
            self.timed_out = Some(step);
        }
        self.fail(Failure {
            phase: step.phase(),
            kind: ErrorKind::Timeout,
        });
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

    /// The round trip ends at `now`. A message never seen is `message-not-delivered`,
    /// counted from the acceptance, only when the mailbox answered: without another
    /// failure, or with the deadline passing while it was searched. A refusal or the
    /// deadline while connecting, securing, greeting or logging in is the mailbox
    /// server's failure in that phase, in words that name what it did not do.
    pub fn finish(mut self, now: Duration) -> Trip {
        let protocol = protocol_name(self.trip.protocol);
        if !self.found() && self.trip.failure.is_none() && self.locked {
            let why = if self.looked {
                "the maildrop was locked by another session ([IN-USE]) at the last look \
                 before the deadline"
                    .to_string()
            } else {
                format!(
                    "the maildrop stayed locked by another session ([IN-USE]) until the \
                     deadline: the {protocol} server let no look in"
                )
            };
            self.trip.failure = Some(Failure {
                phase: Phase::MailboxLogin,
                kind: ErrorKind::MailboxFailed(why),
            });
        }
        // The deadline while searching, or in a later look after an earlier one answered
        // (POP3's last look may start just before it), means the message was not there.
        let searching = match &self.trip.failure {
            Some(Failure {
                kind: ErrorKind::Timeout,
                phase,
            }) => {
                self.looked
                    || matches!(
                        phase,
                        Phase::MailboxSearch
                            | Phase::MailboxFetch
                            | Phase::MailboxDelete
                            | Phase::MailboxLogout
                    )
            }
            _ => false,
        };
        if !self.found() && (self.trip.failure.is_none() || searching) {
            let waited = now.saturating_sub(self.trip.accepted_at).as_millis();
            self.trip.failure = Some(Failure {
                phase: Phase::MailboxSearch,
                kind: ErrorKind::MessageNotDelivered(u32::try_from(waited).unwrap_or(u32::MAX)),
            });
        }
        if let Some(failure) = self.trip.failure.as_mut() {
            *failure = in_the_servers_terms(failure.clone(), protocol, self.timed_out);
        }
        if !self.found() {
            self.trip.verdict_at = now;
        }
        // Delivered to spam is the news, before a clean-up that failed after it.
        if let Some(delivered) = self.trip.delivered.as_ref().filter(|d| d.spam)
            && self.trip.failure.is_none()
        {
            self.trip.warning = Some(Failure {
                phase: Phase::MailboxSearch,
                kind: ErrorKind::DeliveredToSpam(delivered.folder.clone()),
            });
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

/// "IMAP" or "POP3", for messages.
fn protocol_name(protocol: MailboxProtocol) -> &'static str {
    match protocol {
        MailboxProtocol::Imap => "IMAP",
        MailboxProtocol::Pop3 => "POP3",
    }
}

/// A connection's failure before the mailbox answered, as the mailbox server's: a refusal
/// or the deadline while connecting, securing, greeting or logging in is `mailbox-failed`
/// in its phase, saying what the server did not do. Everything else is kept as it is.
fn in_the_servers_terms(failure: Failure, protocol: &str, step: Option<Step>) -> Failure {
    let server = format!("the {protocol} server");
    let why = match (&failure.kind, failure.phase) {
        (ErrorKind::ConnectionRefused, _) => {
            format!("{server} refused the connection: nothing listens on its port")
        }
        (ErrorKind::ConnectFailed(why), _) => format!("could not connect to {server}: {why}"),
        (ErrorKind::Timeout, Phase::MailboxConnect) => format!(
            "{server} did not accept the connection before the deadline (no answer to the \
             connection attempt: a firewall that drops it, or a server that is down)"
        ),
        (ErrorKind::Timeout, Phase::MailboxTlsHandshake) => {
            format!("{server} did not complete the TLS handshake before the deadline")
        }
        (ErrorKind::Timeout, Phase::MailboxGreeting) => {
            format!("{server} accepted the connection but sent no greeting before the deadline")
        }
        (ErrorKind::Timeout, Phase::MailboxStarttls) => {
            format!("{server} did not answer STARTTLS before the deadline")
        }
        (ErrorKind::Timeout, Phase::MailboxLogin) if step == Some(Step::Select) => {
            format!(
                "{server} did not list its folders or open the mailbox (LIST, SELECT INBOX) \
                 before the deadline"
            )
        }
        (ErrorKind::Timeout, Phase::MailboxLogin) => {
            format!("{server} did not answer the log-in before the deadline")
        }
        _ => return failure,
    };
    Failure {
        phase: failure.phase,
        kind: ErrorKind::MailboxFailed(why),
    }
}

#[cfg(test)]
mod tests;
