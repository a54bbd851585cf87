//! The mailbox side of the round trip over POP3 (RFC 1939, RFC 2449, RFC 2595), sans-IO.
//! A POP3 session sees the maildrop as it was at login, so each look is a session of its
//! own: greet, secure (STLS) if asked, USER and PASS, UIDL, then the headers (`TOP n 0`)
//! of messages no earlier session of this run read. Each session reads at most
//! [`FRESH_PER_SESSION`] of the messages new to it, newest first, and at most
//! [`BACKLOG_PER_SESSION`] of those earlier sessions listed but had no time for (half from
//! the latest listings, half from the earliest): a busy mailbox is never read whole in one
//! session, and no message is skipped for good. Once this run's test message is there (and
//! [`READ_AFTER_FOUND`] more headers read, where ended runs' test messages most likely
//! are), `DELE` for it and those of runs that have ended (by the Message-ID the check
//! writes, never other mail), and QUIT, whose `+OK` commits the deletions (they are
//! counted only then). A maildrop locked by another session (`-ERR [IN-USE]`, RFC 2449)
//! is no failure: the next look tries again.

use super::dialogue::{Dialogue, Machine, machine_of};
use super::pop3::{Pop3Parser, Pop3Response};
use super::steps::{Delivered, MailboxOutcome, Progress, Step, Tally};
use super::token::{Kind, Tokens};
use crate::journal::Journal;
use crate::secret::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The most messages new to a session whose headers it reads.
pub const FRESH_PER_SESSION: usize = 200;
/// The most messages listed by earlier sessions, not read yet, whose headers one session
/// reads.
pub const BACKLOG_PER_SESSION: usize = 100;
/// TOPs refused in a session that read no header before the dialogue fails (a server
/// without TOP, RFC 1939 7 makes it optional).
const MAX_TOP_REFUSALS: usize = 3;
/// How many more headers a session reads once it found this run's message: the test
/// messages of ended runs are most likely just before it, and are deleted with it.
pub const READ_AFTER_FOUND: usize = 19;

/// What one run's POP3 sessions remember from one to the next: what each message read is,
/// and in which session each unread one was first listed.
#[derive(Debug, Clone, Default)]
pub struct Pop3Memory {
    /// Each message read, by UID: what it is, and its Message-ID.
    known: BTreeMap<String, (Kind, String)>,
    /// Each message listed but not read yet, by UID: the session that first listed it.
    listed: BTreeMap<String, u32>,
    /// Sessions so far.
    sessions: u32,
}

impl Pop3Memory {
    /// How many messages the run has read the headers of.
    pub fn read(&self) -> usize {
        self.known.len()
    }
}

/// What the session is to do.
#[derive(Debug, Clone)]
pub struct Pop3Plan {
    /// The mailbox's user.
    pub user: String,
    /// Its password; never in the transcript.
    pub password: Secret,
    /// Upgrade the connection with STLS before logging in.
    pub stls: bool,
    /// A refused STLS goes on in plain text (a downgrade, reported); otherwise it fails.
    pub tls_optional: bool,
    /// Which messages are test messages, and whose.
    pub tokens: Tokens,
    /// What earlier sessions of this run learned.
    pub memory: Pop3Memory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    Stls,
    AwaitTls,
    User,
    Pass,
    Uidl,
    Top,
    Dele,
    Quit,
    Done,
}

impl State {
    fn step(self) -> Step {
        match self {
            Self::Greeting => Step::Greeting,
            Self::Stls | Self::AwaitTls => Step::StartTls,
            Self::User | Self::Pass => Step::Login,
            Self::Uidl => Step::Search,
            Self::Top => Step::Fetch,
            Self::Dele => Step::Delete,
            Self::Quit | Self::Done => Step::Logout,
        }
    }
}

/// One POP3 session over one connection.
pub struct Pop3Dialogue {
    plan: Pop3Plan,
    state: State,
    parser: Pop3Parser,
    progress: Progress,
    /// Messages to read the headers of: (number, UID), the next last.
    to_read: Vec<(u32, String)>,
    reading: Option<(u32, String)>,
    /// This session's listing, UID to message number.
    numbers: BTreeMap<String, u32>,
    /// UIDs listed more than once in this session (a broken server): never touched.
    duplicates: BTreeSet<String>,
    /// Headers read, and TOPs refused, in this session.
    tops_read: usize,
    top_refusals: usize,
    /// Whether this session reads every message it has not read before.
    reads_all: bool,
    pass_sent: Duration,
    logged_in: Duration,
    /// Message numbers to delete, and those marked so far.
    doomed: Vec<u32>,
    marked: usize,
    tally: Tally,
}

/// Written by hand: the parser's bytes may hold an echo of the password.
impl std::fmt::Debug for Pop3Dialogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Dialogue")
            .field("state", &self.state)
            .field("progress", &self.progress)
            .field("to_read", &self.to_read.len())
            .finish_non_exhaustive()
    }
}

impl Pop3Dialogue {
    /// A session that begins at `now`, waiting for the greeting.
    pub fn new(plan: Pop3Plan, journal: Journal, now: Duration) -> Self {
        let mut plan = plan;
        plan.memory.sessions += 1;
        Self {
            state: State::Greeting,
            parser: Pop3Parser::new(),
            progress: Progress::new(journal, &plan.password, now),
            to_read: Vec::new(),
            reading: None,
            numbers: BTreeMap::new(),
            duplicates: BTreeSet::new(),
            tops_read: 0,
            top_refusals: 0,
            reads_all: false,
            pass_sent: now,
            logged_in: now,
            doomed: Vec::new(),
            marked: 0,
            tally: Tally::default(),
            plan,
        }
    }

    /// Whether this session found this run's test message.
    pub fn found(&self) -> bool {
        self.tally.found_at.is_some()
    }

    /// How it ended, and what the next session is to remember.
    pub fn into_outcome(self) -> (MailboxOutcome, Journal, Pop3Memory) {
        let (outcome, journal) = self.progress.into_outcome(self.tally);
        (outcome, journal, self.plan.memory)
    }

    fn handle_response(&mut self, now: Duration, response: Pop3Response) {
        let status = if response.ok { "+OK" } else { "-ERR" };
        self.progress
            .server(now, &format!("{status} {}", response.text));
        if !response.ok {
            return self.refused(now, &response.text);
        }
        match self.state {
            State::Greeting if self.plan.stls => self.send(now, State::Stls, "STLS", false),
            State::Greeting => self.user(now),
            State::Stls => self.enter(now, State::AwaitTls),
            State::User => {
                let wire = format!("PASS {}", self.plan.password.expose());
                self.progress.send(now, "PASS [redacted]", &wire);
                self.parser.expect(false);
                self.pass_sent = now;
                self.enter(now, State::Pass);
            }
            State::Pass => {
                // The maildrop as it is now is what this session sees.
                self.logged_in = now;
                self.send(now, State::Uidl, "UIDL", true);
            }
            State::Uidl => {
                self.plan_reading(&response.lines);
                self.read_next(now);
            }
            State::Top => {
                if let Some((_, uid)) = self.reading.take() {
                    self.tops_read += 1;
                    let headers = response.lines.join("\n");
                    let (kind, message_id) = self.plan.tokens.read(&headers);
                    if kind == Kind::Ours && self.tally.delivered.is_none() {
                        // POP3 sees the inbox alone: never a spam folder.
                        self.tally.delivered = Some(Delivered::read("INBOX", false, &headers));
                    }
                    self.plan.memory.listed.remove(&uid);
                    self.plan.memory.known.insert(uid, (kind, message_id));
                    if kind == Kind::Ours && self.tally.found_at.is_none() {
                        self.tally.found_at = Some(self.logged_in);
                        self.progress.cleanup_from(now);
                        // Only a few more: where ended runs' test messages most likely are.
                        let beyond = self.to_read.len().saturating_sub(READ_AFTER_FOUND);
                        self.to_read.drain(..beyond);
                    }
                }
                self.read_next(now);
            }
            State::Dele => {
                self.marked += 1;
                self.delete_next(now);
            }
            State::Quit => {
                // Deletions take effect only now (the UPDATE state, RFC 1939 6).
                self.tally.deleted = self.marked;
                self.finish(now);
            }
            State::AwaitTls | State::Done => {}
        }
    }

    /// The server said `-ERR` in the current state.
    fn refused(&mut self, now: Duration, text: &str) {
        match self.state {
            State::Quit if self.marked > 0 => {
                self.fail(format!(
                    "QUIT was refused, so the deletions were not committed: -ERR {text}"
                ));
                return self.finish(now);
            }
            State::Quit => return self.finish(now),
            State::Stls if self.plan.tls_optional => {
                self.progress.downgrade(now, &format!("-ERR {text}"));
                return self.user(now);
            }
            State::Top => {
                // Gone since the listing (another run's session deleted it), or refused for
                // now: not recorded, so a later look reads it if it is still there.
                self.reading = None;
                self.reads_all = false;
                self.top_refusals += 1;
                if self.top_refusals >= MAX_TOP_REFUSALS && self.tops_read == 0 {
                    self.fail(format!(
                        "TOP was refused for every message tried (is TOP supported?): -ERR {text}"
                    ));
                    return self.quit(now);
                }
                self.progress.note(
                    now,
                    "the message could not be read (gone since the listing, or refused for \
                     now): a later look tries again",
                );
                return self.read_next(now);
            }
            State::Dele => {
                // Most likely deleted by an overlapping run already: not counted.
                self.progress
                    .note(now, "the test message could not be marked: left as it is");
                return self.delete_next(now);
            }
            State::User | State::Pass if text.to_ascii_uppercase().starts_with("[IN-USE]") => {
                // Another session holds the maildrop's lock (RFC 2449 8.1.1): look later.
                self.progress.busy();
                self.progress.note(
                    now,
                    "the maildrop is locked by another session ([IN-USE]): trying again at \
                     the next look",
                );
                return self.quit(now);
            }
            _ => {}
        }
        self.fail(format!(
            "{} was refused: -ERR {text}",
            command_of(self.state)
        ));
        if self.state == State::Greeting {
            self.finish(now)
        } else {
            self.quit(now)
        }
    }

    /// Chooses which headers this session reads, from its UIDL listing: at most
    /// [`FRESH_PER_SESSION`] of the messages first listed now, newest first, and at most
    /// [`BACKLOG_PER_SESSION`] of those earlier sessions listed and left: half from the
    /// latest listings, half from the earliest (newest first within one listing).
    fn plan_reading(&mut self, lines: &[String]) {
        let session = self.plan.memory.sessions;
        let memory = &mut self.plan.memory;
        let mut fresh = Vec::new();
        let mut backlog = Vec::new();
        for line in lines {
            let Some((number, uid)) = line.split_once(' ') else {
                continue;
            };
            let (Ok(number), uid) = (number.parse::<u32>(), uid.trim().to_string()) else {
                continue;
            };
            if self.numbers.insert(uid.clone(), number).is_some() {
                // RFC 1939 7 wants unique ids; a server that repeats one cannot be trusted
                // to say which message a deletion hits.
                self.duplicates.insert(uid.clone());
            }
            if memory.known.contains_key(&uid) {
                continue;
            }
            let first = *memory.listed.entry(uid.clone()).or_insert(session);
            if first == session {
                fresh.push((number, uid));
            } else {
                backlog.push((first, number, uid));
            }
        }
        // Forget what is no longer listed (deleted by someone else), and never read a
        // repeated id.
        memory
            .listed
            .retain(|uid, _| self.numbers.contains_key(uid));
        fresh.retain(|(_, uid)| !self.duplicates.contains(uid));
        backlog.retain(|(_, _, uid)| !self.duplicates.contains(uid));
        crate::sort::sort_by_key(&mut fresh, |entry| std::cmp::Reverse(entry.0));
        // Half the backlog's share goes to the earliest listings (so nothing waits for
        // good), half to the latest (where an overflow of recent arrivals is).
        crate::sort::sort_by_key(&mut backlog, |&(first, number, _)| {
            (first, std::cmp::Reverse(number))
        });
        let half = BACKLOG_PER_SESSION / 2;
        let earliest: Vec<_> = backlog.drain(..backlog.len().min(half)).collect();
        crate::sort::sort_by_key(&mut backlog, |&(first, number, _)| {
            (std::cmp::Reverse(first), std::cmp::Reverse(number))
        });
        self.reads_all = fresh.len() <= FRESH_PER_SESSION && backlog.len() <= half;
        let mut order: Vec<(u32, String)> = fresh.into_iter().take(FRESH_PER_SESSION).collect();
        order.extend(
            backlog
                .into_iter()
                .take(half)
                .chain(earliest)
                .map(|(_, number, uid)| (number, uid)),
        );
        order.reverse();
        self.to_read = order;
    }

    fn user(&mut self, now: Duration) {
        let command = format!("USER {}", self.plan.user);
        self.send(now, State::User, &command, false);
    }

    fn read_next(&mut self, now: Duration) {
        match self.to_read.pop() {
            Some((number, uid)) => {
                self.reading = Some((number, uid));
                self.send(now, State::Top, &format!("TOP {number} 0"), true);
            }
            None if self.found() => {
                self.progress.cleanup_from(now);
                // By this session's listing (ids are for good, RFC 1939 7), and never a
                // repeated id: a deletion hits the message that was read.
                let known = &self.plan.memory.known;
                let mut doomed: Vec<(u32, String)> = self
                    .numbers
                    .iter()
                    .filter(|(uid, _)| !self.duplicates.contains(*uid))
                    .filter_map(|(uid, &number)| match known.get(uid) {
                        Some((Kind::Ours | Kind::Leftover, id)) => Some((number, id.clone())),
                        _ => None,
                    })
                    .collect();
                crate::sort::sort_by_key(&mut doomed, |entry| std::cmp::Reverse(entry.0));
                self.tally.removed = doomed.iter().map(|(_, id)| id.clone()).collect();
                self.doomed = doomed.into_iter().map(|(number, _)| number).collect();
                self.delete_next(now);
            }
            None => {
                if self.reads_all {
                    // Every message of this session's maildrop was read: it was not there.
                    self.tally.missed_at = Some(self.pass_sent);
                }
                self.quit(now)
            }
        }
    }

    fn delete_next(&mut self, now: Duration) {
        match self.doomed.pop() {
            Some(number) => self.send(now, State::Dele, &format!("DELE {number}"), false),
            None => self.quit(now),
        }
    }

    fn quit(&mut self, now: Duration) {
        self.progress.cleanup_from(now);
        self.send(now, State::Quit, "QUIT", false);
    }

    fn send(&mut self, now: Duration, next: State, command: &str, multi_line: bool) {
        self.progress.send(now, command, command);
        self.parser.expect(multi_line);
        self.enter(now, next);
    }

    fn enter(&mut self, now: Duration, next: State) {
        self.progress.moved(now, self.state.step(), next.step());
        self.state = next;
    }

    /// Records a failure of the current step; the first one stands.
    fn fail(&mut self, why: String) {
        self.progress.fail(self.state.step(), &why);
    }
}

machine_of!(Pop3Dialogue);

impl Dialogue for Pop3Dialogue {
    /// The handshake succeeded: log in over TLS.
    fn handle_tls_established(&mut self, now: Duration) {
        if self.state == State::AwaitTls {
            self.user(now);
        }
    }

    /// The connection failed (closed, timed out) at `now`.
    fn handle_close(&mut self, now: Duration, why: &str) {
        if self.state != State::Done && (self.state != State::Quit || self.marked > 0) {
            self.fail(why.to_string());
        }
        self.finish(now);
    }

    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        if self.state == State::Done {
            return;
        }
        self.parser.push(bytes);
        loop {
            match self.parser.next_response() {
                Ok(Some(response)) => self.handle_response(now, response),
                Ok(None) => return,
                Err(error) => {
                    self.progress.fail_with(self.state.step(), error);
                    return self.finish(now);
                }
            }
            if self.state == State::AwaitTls && self.parser.has_buffered() {
                self.fail(
                    "the server sent more after STLS's +OK, before the TLS handshake: bytes \
                     that would be taken as sent over TLS (a command injection, \
                     CVE-2011-0411's class)"
                        .into(),
                );
                return self.finish(now);
            }
            if self.state == State::Done || self.state == State::AwaitTls {
                return;
            }
        }
    }
}

/// The command a state sent, for messages.
fn command_of(state: State) -> &'static str {
    match state {
        State::Greeting => "the connection",
        State::Stls | State::AwaitTls => "STLS",
        State::User => "USER",
        State::Pass => "PASS",
        State::Uidl => "UIDL",
        State::Top => "TOP",
        State::Dele => "DELE",
        State::Quit | State::Done => "QUIT",
    }
}

#[cfg(test)]
mod tests;
