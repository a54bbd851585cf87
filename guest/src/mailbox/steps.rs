//! What a mailbox dialogue (IMAP or POP3) is doing, and how it ends: the steps the round
//! trip times and reports, and a failure in the server's own words. Kept apart from the
//! contract's SMTP phases until the round trip's contract is settled (issue 14).

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
}
