//! What a mailbox dialogue (IMAP or POP3) is doing, and how it ends: the steps the round
//! trip times and reports, and a failure in the server's own words.

use crate::journal::Journal;
use crate::secret::{Secret, redact_all};
use crate::wit::Phase;
use std::time::Duration;

/// A step of a mailbox dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Waiting for the server's greeting.
    Greeting,
    /// STARTTLS (IMAP) or STLS (POP3) sent.
    StartTls,
    /// The credentials sent.
    Login,
    /// Opening the mailbox (IMAP SELECT).
    Select,
    /// Looking for the test message (IMAP UID SEARCH, POP3 UIDL).
    Search,
    /// Reading the candidates' headers (IMAP UID FETCH, POP3 TOP).
    Fetch,
    /// Deleting the test messages (IMAP UID STORE and UID EXPUNGE, POP3 DELE).
    Delete,
    /// Saying goodbye (LOGOUT, QUIT).
    Logout,
}

impl Step {
    /// The contract's phase of this step (SELECT counts as part of logging in).
    pub fn phase(self) -> Phase {
        match self {
            Self::Greeting => Phase::MailboxGreeting,
            Self::StartTls => Phase::MailboxStarttls,
            Self::Login | Self::Select => Phase::MailboxLogin,
            Self::Search => Phase::MailboxSearch,
            Self::Fetch => Phase::MailboxFetch,
            Self::Delete => Phase::MailboxDelete,
            Self::Logout => Phase::MailboxLogout,
        }
    }
}

/// Why a mailbox dialogue failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxFailure {
    /// The step it failed in.
    pub step: Step,
    /// What happened, with the server's words where it said any (secrets redacted).
    pub why: String,
}

/// How a mailbox dialogue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxOutcome {
    /// When the test message was first seen, since the dialogue began; none if never.
    pub found_at: Option<Duration>,
    /// Test messages deleted: this run's and any an earlier run left behind.
    pub deleted: usize,
    /// The failure, if the dialogue failed.
    pub failure: Option<MailboxFailure>,
    /// Each step's start and end, in the order they ran.
    pub timings: Vec<(Step, Duration, Duration)>,
    /// The server refused STARTTLS (STLS) and the plan allowed going on in plain text.
    pub downgraded: bool,
}

/// What a mailbox dialogue keeps whatever its protocol: the bytes to send, the transcript
/// (the password redacted from everything in it), each step's time and the first failure.
#[derive(Debug)]
pub(super) struct Progress {
    outgoing: Vec<u8>,
    journal: Journal,
    password: Secret,
    step_started: Duration,
    timings: Vec<(Step, Duration, Duration)>,
    failure: Option<MailboxFailure>,
    downgraded: bool,
}

impl Progress {
    /// A dialogue's progress from `now`, logging in with `password`.
    pub(super) fn new(journal: Journal, password: Secret, now: Duration) -> Self {
        Self {
            outgoing: Vec::new(),
            journal,
            password,
            step_started: now,
            timings: Vec::new(),
            failure: None,
            downgraded: false,
        }
    }

    /// The server refused STARTTLS (STLS) at `now` and the plan allows plain text: noted,
    /// and reported as a downgrade.
    pub(super) fn downgrade(&mut self, now: Duration, refusal: &str) {
        self.downgraded = true;
        self.journal.note(
            now,
            format!("the mailbox server refused STARTTLS ({refusal}): going on in plain text"),
        );
    }

    /// The bytes to send now, if any.
    pub(super) fn take_outgoing(&mut self) -> Option<Vec<u8>> {
        (!self.outgoing.is_empty()).then(|| std::mem::take(&mut self.outgoing))
    }

    /// Queues the command line `wire` (CRLF added), shown in the transcript as `shown`.
    pub(super) fn send(&mut self, now: Duration, shown: &str, wire: &str) {
        self.journal.client(now, shown);
        self.outgoing.extend_from_slice(wire.as_bytes());
        self.outgoing.extend_from_slice(b"\r\n");
    }

    /// What the server said, for the transcript.
    pub(super) fn server(&mut self, now: Duration, text: &str) {
        let text = redact_all(text, std::slice::from_ref(&self.password));
        self.journal.server(now, text);
    }

    /// A note in the transcript.
    pub(super) fn note(&mut self, now: Duration, text: &str) {
        self.journal.note(now, text);
    }

    /// The dialogue moves from step `from` to step `to` at `now`: `from` is timed when
    /// they differ.
    pub(super) fn moved(&mut self, now: Duration, from: Step, to: Step) {
        if from != to {
            self.timings.push((from, self.step_started, now));
            self.step_started = now;
        }
    }

    /// The dialogue ends at `now` in `step`: it is timed, and nothing more is sent.
    pub(super) fn ended(&mut self, now: Duration, step: Step) {
        self.timings.push((step, self.step_started, now));
        self.outgoing.clear();
    }

    /// Records a failure in `step`; the first one stands.
    pub(super) fn fail(&mut self, step: Step, why: &str) {
        let why = redact_all(why, std::slice::from_ref(&self.password));
        self.failure.get_or_insert(MailboxFailure { step, why });
    }

    /// How the dialogue ended, and its transcript.
    pub(super) fn into_outcome(
        self,
        found_at: Option<Duration>,
        deleted: usize,
    ) -> (MailboxOutcome, Journal) {
        let outcome = MailboxOutcome {
            found_at,
            deleted,
            failure: self.failure,
            timings: self.timings,
            downgraded: self.downgraded,
        };
        (outcome, self.journal)
    }
}
