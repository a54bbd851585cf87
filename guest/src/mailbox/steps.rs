//! What a mailbox dialogue (IMAP or POP3) is doing, and how it ends: the steps the round
//! trip times and reports, and a failure in the server's own words.

use super::fields;
use super::imap::quoted;
use super::lines::MailboxError;
use crate::journal::Journal;
use crate::limits::MAILBOX_CLEANUP_GRACE_MS;
use crate::secret::{Secret, redact_all};
use crate::wit::Phase;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
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
    /// The deadline (or the clean-up's grace) passed: the server said nothing more.
    pub timed_out: bool,
}

/// What a dialogue's looks found and its deletions did, as it goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// When the answer that showed this run's test message came (the search's, or the
    /// header's that proved it ours); none if never.
    pub found_at: Option<Duration>,
    /// When the last look that did not find it was sent: the message arrived after it.
    pub missed_at: Option<Duration>,
    /// Test messages deleted for good: this run's and those whose runs have ended.
    pub deleted: usize,
    /// Test messages flagged `\Deleted` but not expunged (an IMAP server without
    /// UIDPLUS): they wait for the mailbox's own expunge.
    pub left_flagged: usize,
    /// The Message-IDs of the test messages deleted or flagged, as their headers said.
    pub removed: Vec<String>,
    /// Where this run's test message was found, and what its receiver wrote on it.
    pub delivered: Option<Delivered>,
}

/// Where this run's test message was found, and the receiver's fields on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The folder, as the server names it: `INBOX` (POP3 sees no other) or a spam folder.
    pub folder: String,
    /// The folder is a spam folder.
    pub spam: bool,
    /// Its Authentication-Results field values, unfolded, topmost first.
    pub auth_results: Vec<String>,
    /// Its ARC-Authentication-Results field values, likewise.
    pub arc_results: Vec<String>,
}

impl Delivered {
    /// A message found in `folder` (`spam` or not) whose header section is `headers`.
    pub fn read(folder: &str, spam: bool, headers: &str) -> Self {
        Self {
            folder: folder.to_string(),
            spam,
            auth_results: fields::all(headers, "Authentication-Results"),
            arc_results: fields::all(headers, "ARC-Authentication-Results"),
        }
    }
}

/// How a mailbox dialogue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxOutcome {
    /// When the test message was first seen, since the check began; none if never.
    pub found_at: Option<Duration>,
    /// When the last look that did not find it was sent.
    pub missed_at: Option<Duration>,
    /// Test messages deleted: this run's and those whose runs have ended.
    pub deleted: usize,
    /// Test messages flagged `\Deleted` that wait for the mailbox's own expunge.
    pub left_flagged: usize,
    /// The Message-IDs of the test messages deleted or flagged.
    pub removed: Vec<String>,
    /// The maildrop was locked by another session (POP3 `[IN-USE]`, RFC 2449): not a
    /// failure, the next look tries again.
    pub busy: bool,
    /// The failure, if the dialogue failed.
    pub failure: Option<MailboxFailure>,
    /// Each step's start and end, in the order they ran.
    pub timings: Vec<(Step, Duration, Duration)>,
    /// The server refused STARTTLS (STLS) and the plan allowed going on in plain text.
    pub downgraded: bool,
    /// Where this run's test message was found, and what its receiver wrote on it.
    pub delivered: Option<Delivered>,
}

/// Every form the password takes on the wire, or in a server's echo of it: as given (a
/// POP3 `PASS`, an IMAP literal), inside an IMAP quoted string (`\"` and `\\` escaped),
/// in base64 (a SASL exchange), and as Rust's debug escaping would show it.
pub fn wire_forms(password: &Secret) -> Vec<Secret> {
    let raw = password.expose();
    let quoted = quoted(raw);
    let debug = format!("{raw:?}");
    let mut forms = vec![
        password.clone(),
        Secret::new(&quoted[1..quoted.len() - 1]),
        Secret::new(BASE64.encode(raw)),
        Secret::new(&debug[1..debug.len() - 1]),
    ];
    forms.dedup();
    forms
}

/// The most server lines one mailbox dialogue writes into the transcript: a server that
/// floods untagged lines while the check waits cannot grow it without bound.
const MAX_TRANSCRIBED_LINES: usize = 2000;
/// The longest server line a transcript keeps whole (a SEARCH answer may reach a megabyte).
const MAX_TRANSCRIBED_LINE_LEN: usize = 2000;

/// What a mailbox dialogue keeps whatever its protocol: the bytes to send, the transcript
/// (every form of the password redacted from everything in it), each step's time, the
/// first failure, and when the verdict was known (the clean-up after it has a grace).
pub struct Progress {
    outgoing: Vec<u8>,
    journal: Journal,
    secrets: Vec<Secret>,
    step_started: Duration,
    timings: Vec<(Step, Duration, Duration)>,
    failure: Option<MailboxFailure>,
    downgraded: bool,
    cleanup_since: Option<Duration>,
    busy: bool,
    transcribed: usize,
}

/// Written by hand: the bytes waiting to be sent may hold the password.
impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("outgoing", &format_args!("{} bytes", self.outgoing.len()))
            .field("failure", &self.failure)
            .field("downgraded", &self.downgraded)
            .field("cleanup_since", &self.cleanup_since)
            .finish_non_exhaustive()
    }
}

impl Progress {
    /// A dialogue's progress from `now`, logging in with `password`.
    pub(super) fn new(journal: Journal, password: &Secret, now: Duration) -> Self {
        Self {
            outgoing: Vec::new(),
            journal,
            secrets: wire_forms(password),
            step_started: now,
            timings: Vec::new(),
            failure: None,
            downgraded: false,
            cleanup_since: None,
            busy: false,
            transcribed: 0,
        }
    }

    /// The verdict is known at `now` (found, or given up): what follows is clean-up.
    pub(super) fn cleanup_from(&mut self, now: Duration) {
        self.cleanup_since.get_or_insert(now);
    }

    /// The dialogue's own deadline, earlier than the check's: clean-up after the verdict
    /// (deleting, logging out) only gets a grace, as SMTP's QUIT does.
    pub(super) fn timeout_at(&self) -> Option<Duration> {
        self.cleanup_since
            .map(|since| since + Duration::from_millis(MAILBOX_CLEANUP_GRACE_MS))
    }

    /// The maildrop is locked by another session: the look is to be tried again.
    pub(super) fn busy(&mut self) {
        self.busy = true;
    }

    /// The server refused STARTTLS (STLS) at `now` and the plan allows plain text: noted,
    /// and reported as a downgrade.
    pub(super) fn downgrade(&mut self, now: Duration, refusal: &str) {
        self.downgraded = true;
        // The refusal is the server's words, which may echo the password.
        self.note(
            now,
            &format!("the mailbox server refused STARTTLS ({refusal}): going on in plain text"),
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

    /// Records the command line `shown` (secrets already redacted) in the transcript;
    /// its bytes go by [`Progress::send_raw`].
    pub(super) fn client_line(&mut self, now: Duration, shown: &str) {
        self.journal.client(now, shown);
    }

    /// Queues `bytes` as they are (a command in pieces, a literal).
    pub(super) fn send_raw(&mut self, bytes: &[u8]) {
        self.outgoing.extend_from_slice(bytes);
    }

    /// What the server said, for the transcript.
    pub(super) fn server(&mut self, now: Duration, text: &str) {
        self.transcribed += 1;
        if self.transcribed > MAX_TRANSCRIBED_LINES {
            if self.transcribed == MAX_TRANSCRIBED_LINES + 1 {
                self.journal.note(
                    now,
                    format!("the server said more than {MAX_TRANSCRIBED_LINES} lines: the rest is not kept"),
                );
            }
            return;
        }
        let mut text = redact_all(text, &self.secrets);
        if text.len() > MAX_TRANSCRIBED_LINE_LEN {
            let cut = text.floor_char_boundary(MAX_TRANSCRIBED_LINE_LEN);
            let length = text.len();
            text.truncate(cut);
            text.push_str(&format!(" ... ({length} bytes in all)"));
        }
        self.journal.server(now, text);
    }

    /// A note in the transcript; it may quote the server, so it is redacted too.
    pub(super) fn note(&mut self, now: Duration, text: &str) {
        self.journal.note(now, redact_all(text, &self.secrets));
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
        let why = redact_all(why, &self.secrets);
        self.failure.get_or_insert(MailboxFailure {
            step,
            why,
            timed_out: false,
        });
    }

    /// The deadline (or the clean-up's grace) passed in `step`; an earlier failure stands.
    pub(super) fn fail_timeout(&mut self, step: Step) {
        self.failure.get_or_insert(MailboxFailure {
            step,
            why: "the deadline passed".into(),
            timed_out: true,
        });
    }

    /// Records a broken response in `step`: the password is taken out of the line it
    /// carries before the line is shortened and escaped for the message.
    pub(super) fn fail_with(&mut self, step: Step, error: MailboxError) {
        let error = error.redacted(&self.secrets);
        self.fail(step, &error.to_string());
    }

    /// How the dialogue ended, and its transcript.
    pub(super) fn into_outcome(self, tally: Tally) -> (MailboxOutcome, Journal) {
        let outcome = MailboxOutcome {
            found_at: tally.found_at,
            missed_at: tally.missed_at,
            deleted: tally.deleted,
            left_flagged: tally.left_flagged,
            removed: tally.removed,
            busy: self.busy,
            failure: self.failure,
            timings: self.timings,
            downgraded: self.downgraded,
            delivered: tally.delivered,
        };
        (outcome, self.journal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_form_of_the_password_is_redacted_before_it_is_cut_or_escaped() {
        let password = Secret::new("pa\"ss\\word");
        let mut progress = Progress::new(Journal::new(true), &password, Duration::ZERO);
        // An echo of the quoted LOGIN line, of a base64 exchange, and of the raw form.
        progress.server(
            Duration::ZERO,
            "* a1 LOGIN \"probe\" \"pa\\\"ss\\\\word\" cGEic3Ncd29yZA== pa\"ss\\word",
        );
        // A refusal of STARTTLS that echoes it, noted as a downgrade.
        progress.downgrade(Duration::ZERO, "-ERR what is pa\"ss\\word?");
        // A malformed line longer than is shown, the password past the cut.
        let line = format!("{} LOGIN \"pa\\\"ss\\\\word\"", "x".repeat(70));
        progress.fail_with(Step::Login, MailboxError::Malformed(line));
        let (outcome, journal) = progress.into_outcome(Tally::default());
        let why = outcome.failure.unwrap().why;
        let (_, transcript) = journal.into_parts();
        for text in transcript.iter().map(|l| &l.text).chain([&why]) {
            for leak in ["pa\"ss", "ss\\\\word", "pa\\\"ss", "cGEic3Nc", "ss\\word"] {
                assert!(!text.contains(leak), "{leak} in {text}");
            }
        }
        assert!(why.contains("xxxx"), "{why}");
    }
}
