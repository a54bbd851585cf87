//! The mailbox side of the round trip over IMAP, sans-IO: greet, secure (STARTTLS) if
//! asked, LOGIN, SELECT INBOX, then look for test messages by the token's prefix
//! (`UID SEARCH HEADER Subject`), read only their headers (`BODY.PEEK[HEADER.FIELDS]`),
//! and once this run's message is there delete it and any an earlier run left behind,
//! by UID (`UID STORE +FLAGS.SILENT (\Deleted)`, then `UID EXPUNGE`, which touches those
//! UIDs alone; without UIDPLUS they stay flagged, never expunged with others' mail). Until
//! it is there the dialogue waits; the caller searches again after a back-off.

use super::dialogue::Dialogue;
use super::imap::{ImapParser, ImapResponse, ImapStatus};
use super::steps::{MailboxOutcome, Progress, Step};
use crate::journal::Journal;
use crate::secret::Secret;
use std::time::Duration;

/// What the dialogue is to do.
#[derive(Debug, Clone)]
pub struct ImapPlan {
    /// The mailbox's user.
    pub user: String,
    /// Its password; never in the transcript.
    pub password: Secret,
    /// Upgrade the connection with STARTTLS before logging in.
    pub starttls: bool,
    /// A refused STARTTLS goes on in plain text (a downgrade, reported); otherwise it fails.
    pub tls_optional: bool,
    /// This run's token, in the test message's subject and Message-ID.
    pub token: String,
    /// The prefix every test message's token starts with: earlier runs' are deleted too.
    pub prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    StartTls,
    AwaitTls,
    Login,
    Select,
    Search,
    Waiting,
    Fetch,
    Store,
    Expunge,
    Logout,
    Done,
}

impl State {
    fn step(self) -> Step {
        match self {
            Self::Greeting => Step::Greeting,
            Self::StartTls | Self::AwaitTls => Step::StartTls,
            Self::Login => Step::Login,
            Self::Select => Step::Select,
            Self::Search | Self::Waiting => Step::Search,
            Self::Fetch => Step::Fetch,
            Self::Store | Self::Expunge => Step::Delete,
            Self::Logout | Self::Done => Step::Logout,
        }
    }
}

/// One IMAP dialogue over one connection.
#[derive(Debug)]
pub struct ImapDialogue {
    plan: ImapPlan,
    state: State,
    parser: ImapParser,
    progress: Progress,
    next_tag: u32,
    tag: String,
    uidplus: bool,
    candidates: Vec<u32>,
    ours: Option<u32>,
    doomed: Vec<u32>,
    found_at: Option<Duration>,
    deleted: usize,
}

impl ImapDialogue {
    /// A dialogue that begins at `now`, waiting for the greeting.
    pub fn new(plan: ImapPlan, journal: Journal, now: Duration) -> Self {
        Self {
            state: State::Greeting,
            parser: ImapParser::new(),
            progress: Progress::new(journal, plan.password.clone(), now),
            next_tag: 1,
            tag: String::new(),
            uidplus: false,
            candidates: Vec::new(),
            ours: None,
            doomed: Vec::new(),
            found_at: None,
            deleted: 0,
            plan,
        }
    }

    /// How it ended.
    pub fn into_outcome(self) -> (MailboxOutcome, Journal) {
        self.progress.into_outcome(self.found_at, self.deleted)
    }

    fn handle_response(&mut self, now: Duration, response: ImapResponse) {
        let shown = match &response {
            ImapResponse::Tagged { tag, status, text } => format!("{tag} {status:?} {text}"),
            ImapResponse::Untagged { text, .. } => format!("* {text}"),
            ImapResponse::Continuation { text } => format!("+ {text}"),
        };
        self.progress.server(now, &shown);
        match response {
            ImapResponse::Untagged { text, literals } => {
                self.handle_untagged(now, &text, &literals)
            }
            ImapResponse::Tagged { tag, status, text } if tag == self.tag => {
                self.note_capabilities(&text);
                self.handle_tagged(now, status, &text);
            }
            ImapResponse::Tagged { .. } | ImapResponse::Continuation { .. } => {
                self.fail(format!("the server answered out of turn: {shown}"));
                self.logout(now);
            }
        }
    }

    fn handle_untagged(&mut self, now: Duration, text: &str, literals: &[Vec<u8>]) {
        self.note_capabilities(text);
        let upper = text.to_ascii_uppercase();
        match self.state {
            State::Greeting => {
                if upper.starts_with("OK") {
                    self.after_greeting(now);
                } else if upper.starts_with("PREAUTH") {
                    self.select(now);
                } else {
                    self.fail(format!("the server refused the connection: * {text}"));
                    self.finish(now);
                }
            }
            State::Search if upper.starts_with("SEARCH") => {
                self.candidates.extend(
                    text["SEARCH".len()..]
                        .split_ascii_whitespace()
                        .filter_map(|uid| uid.parse::<u32>().ok()),
                );
            }
            State::Fetch if upper.contains("FETCH") => {
                let Some(uid) = fetched_uid(text) else {
                    return;
                };
                let headers = literals
                    .iter()
                    .map(|l| String::from_utf8_lossy(l))
                    .collect::<Vec<_>>()
                    .join("\n");
                if !headers.contains(&self.plan.prefix) {
                    return; // not a test message of ours: never touched
                }
                if headers.contains(&self.plan.token) {
                    self.ours = Some(uid);
                }
                self.doomed.push(uid);
            }
            _ if upper.starts_with("BYE") && self.state != State::Logout => {
                self.fail(format!("the server closed the session: * {text}"));
                self.finish(now);
            }
            _ => {}
        }
    }

    fn handle_tagged(&mut self, now: Duration, status: ImapStatus, text: &str) {
        if status != ImapStatus::Ok && self.state == State::StartTls && self.plan.tls_optional {
            self.progress.downgrade(now, &format!("{status:?} {text}"));
            return self.login(now);
        }
        if status != ImapStatus::Ok && self.state != State::Logout {
            let step = self.state.step();
            self.fail(format!(
                "{} was refused: {status:?} {text}",
                command_of(step)
            ));
            return self.logout(now);
        }
        match self.state {
            State::StartTls => self.enter(now, State::AwaitTls),
            State::Login => self.select(now),
            State::Select => self.search(now),
            State::Search => {
                let candidates = std::mem::take(&mut self.candidates);
                if candidates.is_empty() {
                    self.enter(now, State::Waiting);
                } else {
                    self.fetch(now, &candidates);
                }
            }
            State::Fetch => match self.ours {
                Some(_) => {
                    self.found_at.get_or_insert(now);
                    self.store(now);
                }
                None => {
                    self.doomed.clear();
                    self.enter(now, State::Waiting);
                }
            },
            State::Store if self.uidplus => {
                let set = uid_set(&self.doomed);
                self.send(now, State::Expunge, &format!("UID EXPUNGE {set}"));
            }
            State::Store => {
                self.progress.note(
                    now,
                    "the server lacks UIDPLUS: the test messages stay flagged \\Deleted, \
                     not expunged (a plain EXPUNGE would remove others' deleted mail too)",
                );
                self.deleted = self.doomed.len();
                self.logout(now);
            }
            State::Expunge => {
                self.deleted = self.doomed.len();
                self.logout(now);
            }
            State::Logout => self.finish(now),
            State::Greeting | State::AwaitTls | State::Waiting | State::Done => {}
        }
    }

    fn after_greeting(&mut self, now: Duration) {
        if self.plan.starttls {
            self.send(now, State::StartTls, "STARTTLS");
        } else {
            self.login(now);
        }
    }

    fn login(&mut self, now: Duration) {
        let tag = self.new_tag();
        let user = quoted(&self.plan.user);
        let wire = format!("{tag} LOGIN {user} {}", quoted(self.plan.password.expose()));
        let shown = format!("{tag} LOGIN {user} [redacted]");
        self.progress.send(now, &shown, &wire);
        self.enter(now, State::Login);
    }

    fn select(&mut self, now: Duration) {
        self.send(now, State::Select, "SELECT INBOX");
    }

    fn search(&mut self, now: Duration) {
        let prefix = quoted(&self.plan.prefix);
        self.send(
            now,
            State::Search,
            &format!("UID SEARCH HEADER Subject {prefix}"),
        );
    }

    fn fetch(&mut self, now: Duration, uids: &[u32]) {
        let set = uid_set(uids);
        self.send(
            now,
            State::Fetch,
            &format!("UID FETCH {set} (UID BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)])"),
        );
    }

    fn store(&mut self, now: Duration) {
        let set = uid_set(&self.doomed);
        self.send(
            now,
            State::Store,
            &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
        );
    }

    fn logout(&mut self, now: Duration) {
        self.send(now, State::Logout, "LOGOUT");
    }

    fn send(&mut self, now: Duration, next: State, command: &str) {
        let tag = self.new_tag();
        let line = format!("{tag} {command}");
        self.progress.send(now, &line, &line);
        self.enter(now, next);
    }

    fn new_tag(&mut self) -> String {
        self.tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        self.tag.clone()
    }

    fn enter(&mut self, now: Duration, next: State) {
        self.progress.moved(now, self.state.step(), next.step());
        self.state = next;
    }

    fn finish(&mut self, now: Duration) {
        if self.state != State::Done {
            self.progress.ended(now, self.state.step());
            self.state = State::Done;
        }
    }

    /// Records a failure of the current step; the first one stands.
    fn fail(&mut self, why: String) {
        self.progress.fail(self.state.step(), &why);
    }

    fn note_capabilities(&mut self, text: &str) {
        let upper = text.to_ascii_uppercase();
        if upper.contains("CAPABILITY")
            && upper
                .split_ascii_whitespace()
                .any(|w| w.trim_end_matches(']') == "UIDPLUS")
        {
            self.uidplus = true;
        }
    }
}

impl Dialogue for ImapDialogue {
    /// The bytes to send now, if any.
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.progress.take_outgoing()
    }

    /// The caller is to run the TLS handshake now (after the server agreed to STARTTLS).
    fn wants_tls(&self) -> bool {
        self.state == State::AwaitTls
    }

    /// The handshake succeeded: log in over TLS.
    fn handle_tls_established(&mut self, now: Duration) {
        if self.state == State::AwaitTls {
            self.login(now);
        }
    }

    /// The test message is not there yet: the caller waits, then calls [`search_again`].
    ///
    /// [`search_again`]: ImapDialogue::search_again
    fn is_waiting(&self) -> bool {
        self.state == State::Waiting
    }

    /// Looks again for the test message, after a wait.
    fn search_again(&mut self, now: Duration) {
        if self.state == State::Waiting {
            self.search(now);
        }
    }

    /// The step the dialogue is in.
    fn step(&self) -> Step {
        self.state.step()
    }

    /// Nothing more to send or read.
    fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The dialogue ends now without the message (the deadline passed): logs out politely.
    fn give_up(&mut self, now: Duration) {
        if !matches!(self.state, State::Logout | State::Done) {
            self.logout(now);
        }
    }

    /// The connection failed (closed, timed out) at `now`, in whatever step it was.
    fn handle_close(&mut self, now: Duration, why: &str) {
        if self.state != State::Done && self.state != State::Logout {
            self.fail(why.to_string());
        }
        self.finish(now);
    }

    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        self.parser.push(bytes);
        loop {
            match self.parser.next_response() {
                Ok(Some(response)) => self.handle_response(now, response),
                Ok(None) => return,
                Err(error) => {
                    self.fail(error.to_string());
                    return self.finish(now);
                }
            }
            if self.state == State::Done || self.state == State::AwaitTls {
                return;
            }
        }
    }
}

/// The command a step sends, for messages.
fn command_of(step: Step) -> &'static str {
    match step {
        Step::Greeting => "the connection",
        Step::StartTls => "STARTTLS",
        Step::Login => "LOGIN",
        Step::Select => "SELECT INBOX",
        Step::Search => "UID SEARCH",
        Step::Fetch => "UID FETCH",
        Step::Delete => "deleting the test message",
        Step::Logout => "LOGOUT",
    }
}

/// An IMAP quoted string: `"` and `\` escaped (the settings allow no line breaks).
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// UIDs as an IMAP sequence set: `4,7,9`.
fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The UID in a FETCH response's text: `3 FETCH (UID 9 ...`.
fn fetched_uid(text: &str) -> Option<u32> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find("UID ")?;
    text[at + 4..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const TOKEN: &str = "smtp-sensor-rt-5f2c";
    const PREFIX: &str = "smtp-sensor-rt-";

    struct Harness {
        dialogue: ImapDialogue,
        now: Duration,
    }

    impl Harness {
        fn new(starttls: bool) -> Self {
            let plan = ImapPlan {
                user: "probe".into(),
                password: Secret::new("s3cret\"pw"),
                starttls,
                tls_optional: false,
                token: TOKEN.into(),
                prefix: PREFIX.into(),
            };
            Self {
                dialogue: ImapDialogue::new(plan, Journal::new(true), Duration::ZERO),
                now: Duration::ZERO,
            }
        }

        fn server(&mut self, text: &str) -> String {
            self.now += MS;
            self.dialogue.handle_input(self.now, text.as_bytes());
            String::from_utf8(self.dialogue.poll_transmit().unwrap_or_default()).unwrap()
        }
    }

    fn fetched(uid: u32, subject: &str) -> String {
        let header = format!("Subject: {subject}\r\nMessage-ID: <x@y>\r\n\r\n");
        format!(
            "* {uid} FETCH (UID {uid} BODY[HEADER.FIELDS (SUBJECT MESSAGE-ID)] {{{}}}\r\n{header})\r\n",
            header.len()
        )
    }

    #[test]
    fn finds_deletes_and_leaves_others_alone() {
        let mut h = Harness::new(false);
        assert_eq!(
            h.server("* OK [CAPABILITY IMAP4rev1 UIDPLUS] Dovecot ready.\r\n"),
            "a1 LOGIN \"probe\" \"s3cret\\\"pw\"\r\n"
        );
        assert_eq!(h.server("a1 OK Logged in\r\n"), "a2 SELECT INBOX\r\n");
        assert_eq!(
            h.server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n"),
            "a3 UID SEARCH HEADER Subject \"smtp-sensor-rt-\"\r\n"
        );
        // Not there yet: the caller waits and searches again.
        assert_eq!(h.server("* SEARCH\r\na3 OK done\r\n"), "");
        assert!(h.dialogue.is_waiting());
        h.now += MS;
        h.dialogue.search_again(h.now);
        assert_eq!(
            String::from_utf8(h.dialogue.poll_transmit().unwrap()).unwrap(),
            "a4 UID SEARCH HEADER Subject \"smtp-sensor-rt-\"\r\n"
        );
        // Three candidates: this run's, an earlier run's, and someone else's that merely
        // matched the search loosely: only the first two are deleted.
        assert_eq!(
            h.server("* SEARCH 7 9 11\r\na4 OK done\r\n"),
            "a5 UID FETCH 7,9,11 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)])\r\n"
        );
        let fetches = format!(
            "{}{}{}a5 OK done\r\n",
            fetched(7, "smtp-sensor-rt-0001 stale"),
            fetched(9, &format!("{TOKEN} round trip")),
            fetched(11, "Re: what is smtp-sensor?")
        );
        assert_eq!(
            h.server(&fetches),
            "a6 UID STORE 7,9 +FLAGS.SILENT (\\Deleted)\r\n"
        );
        assert_eq!(h.server("a6 OK done\r\n"), "a7 UID EXPUNGE 7,9\r\n");
        assert_eq!(
            h.server("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na7 OK done\r\n"),
            "a8 LOGOUT\r\n"
        );
        assert_eq!(h.server("* BYE Logging out\r\na8 OK done\r\n"), "");
        assert!(h.dialogue.is_done());
        let (outcome, journal) = h.dialogue.into_outcome();
        assert_eq!(outcome.failure, None);
        assert_eq!(outcome.deleted, 2);
        assert!(outcome.found_at.is_some());
        let (_, transcript) = journal.into_parts();
        let text: Vec<String> = transcript.iter().map(|l| l.text.clone()).collect();
        assert!(text.iter().all(|l| !l.contains("s3cret")), "{text:?}");
        assert!(
            text.contains(&"a1 LOGIN \"probe\" [redacted]".to_string()),
            "{text:?}"
        );
        let steps: Vec<Step> = outcome.timings.iter().map(|t| t.0).collect();
        assert_eq!(
            steps,
            [
                Step::Greeting,
                Step::Login,
                Step::Select,
                Step::Search,
                Step::Fetch,
                Step::Delete,
                Step::Logout
            ]
        );
    }

    #[test]
    fn starttls_comes_before_the_login() {
        let mut h = Harness::new(true);
        assert_eq!(h.server("* OK ready\r\n"), "a1 STARTTLS\r\n");
        assert_eq!(h.server("a1 OK Begin TLS negotiation now.\r\n"), "");
        assert!(h.dialogue.wants_tls());
        h.dialogue.handle_tls_established(h.now);
        assert!(
            String::from_utf8(h.dialogue.poll_transmit().unwrap())
                .unwrap()
                .starts_with("a2 LOGIN")
        );
    }

    #[test]
    fn a_refused_starttls_fails_unless_plain_text_is_allowed() {
        let mut required = Harness::new(true);
        required.server("* OK ready\r\n");
        assert_eq!(required.server("a1 BAD no TLS here\r\n"), "a2 LOGOUT\r\n");
        let mut optional = Harness::new(true);
        optional.dialogue.plan.tls_optional = true;
        optional.server("* OK ready\r\n");
        let sent = optional.server("a1 BAD no TLS here\r\n");
        assert!(sent.starts_with("a2 LOGIN"), "{sent}");
        optional.dialogue.handle_close(optional.now, "closed");
        let (outcome, _) = optional.dialogue.into_outcome();
        assert!(outcome.downgraded);
    }

    #[test]
    fn a_refused_login_says_why_without_the_password() {
        let mut h = Harness::new(false);
        h.server("* OK ready\r\n");
        assert_eq!(
            h.server("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
            "a2 LOGOUT\r\n"
        );
        let (outcome, _) = h.dialogue.into_outcome();
        let failure = outcome.failure.unwrap();
        assert_eq!(failure.step, Step::Login);
        assert!(
            failure.why.contains("AUTHENTICATIONFAILED"),
            "{}",
            failure.why
        );
    }

    #[test]
    fn without_uidplus_nothing_is_expunged() {
        let mut h = Harness::new(false);
        h.server("* OK ready\r\n");
        h.server("a1 OK in\r\n");
        h.server("a2 OK selected\r\n");
        h.server("* SEARCH 5\r\na3 OK\r\n");
        let answer = format!("{}a4 OK\r\n", fetched(5, TOKEN));
        assert_eq!(
            h.server(&answer),
            "a5 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n"
        );
        assert_eq!(h.server("a5 OK\r\n"), "a6 LOGOUT\r\n", "no plain EXPUNGE");
    }

    #[test]
    fn hostile_servers_end_the_dialogue_with_a_failure() {
        let mut h = Harness::new(false);
        h.server("* BYE too busy\r\n");
        assert!(h.dialogue.is_done());
        let (outcome, _) = h.dialogue.into_outcome();
        assert!(outcome.failure.unwrap().why.contains("too busy"));
        let mut h = Harness::new(false);
        h.server("220 this is SMTP\r\n");
        assert!(h.dialogue.is_done());
        assert!(h.dialogue.into_outcome().0.failure.is_some());
    }

    #[test]
    fn helpers() {
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(uid_set(&[1, 5]), "1,5");
        assert_eq!(fetched_uid("3 FETCH (UID 9 BODY[] {1}"), Some(9));
        assert_eq!(fetched_uid("3 FETCH (FLAGS ())"), None);
    }
}
