//! The mailbox side of the round trip over POP3, sans-IO. A POP3 session sees the maildrop
//! as it was at login, so each poll is a session of its own: greet, secure (STLS) if
//! asked, USER and PASS, UIDL, then the headers (`TOP n 0`) of messages not read in an
//! earlier poll, newest first and at most [`MAX_TOPS_PER_SESSION`] a session, so a
//! mailbox of thousands is never read whole; once this run's test message is there, `DELE`
//! for it and any an earlier run left behind (by the token's prefix, never other mail),
//! and QUIT, which commits the deletions.

use super::dialogue::Dialogue;
use super::pop3::{Pop3Parser, Pop3Response};
use super::steps::{MailboxOutcome, Progress, Step};
use crate::journal::Journal;
use crate::secret::Secret;
use std::time::Duration;

/// The most messages whose headers one session reads.
pub const MAX_TOPS_PER_SESSION: usize = 20;

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
    /// This run's token, in the test message's subject and Message-ID.
    pub token: String,
    /// The prefix every test message's token starts with.
    pub prefix: String,
    /// UIDs whose headers an earlier session of this run read (and that were not ours).
    pub checked: Vec<String>,
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
#[derive(Debug)]
pub struct Pop3Dialogue {
    plan: Pop3Plan,
    state: State,
    parser: Pop3Parser,
    progress: Progress,
    /// Messages to read the headers of: (number, UID), in the order to read them.
    to_read: Vec<(u32, String)>,
    reading: Option<(u32, String)>,
    /// Message numbers to delete.
    doomed: Vec<u32>,
    found_at: Option<Duration>,
    deleted: usize,
}

impl Pop3Dialogue {
    /// A session that begins at `now`, waiting for the greeting.
    pub fn new(plan: Pop3Plan, journal: Journal, now: Duration) -> Self {
        Self {
            state: State::Greeting,
            parser: Pop3Parser::new(),
            progress: Progress::new(journal, plan.password.clone(), now),
            to_read: Vec::new(),
            reading: None,
            doomed: Vec::new(),
            found_at: None,
            deleted: 0,
            plan,
        }
    }

    /// Whether this session found this run's test message.
    pub fn found(&self) -> bool {
        self.found_at.is_some()
    }

    /// The UIDs read in this session and earlier ones: the next session's `checked`.
    pub fn checked(&self) -> &[String] {
        &self.plan.checked
    }

    /// How it ended.
    pub fn into_outcome(self) -> (MailboxOutcome, Journal, Vec<String>) {
        let (outcome, journal) = self.progress.into_outcome(self.found_at, self.deleted);
        (outcome, journal, self.plan.checked)
    }

    fn handle_response(&mut self, now: Duration, response: Pop3Response) {
        let status = if response.ok { "+OK" } else { "-ERR" };
        self.progress
            .server(now, &format!("{status} {}", response.text));
        if !response.ok {
            if self.state == State::Quit {
                return self.finish(now);
            }
            if self.state == State::Stls && self.plan.tls_optional {
                self.progress
                    .downgrade(now, &format!("-ERR {}", response.text));
                return self.user(now);
            }
            self.fail(format!(
                "{} was refused: -ERR {}",
                command_of(self.state),
                response.text
            ));
            return if self.state == State::Greeting {
                self.finish(now)
            } else {
                self.quit(now)
            };
        }
        match self.state {
            State::Greeting if self.plan.stls => self.send(now, State::Stls, "STLS", false),
            State::Greeting => self.user(now),
            State::Stls => self.enter(now, State::AwaitTls),
            State::User => {
                let wire = format!("PASS {}", self.plan.password.expose());
                self.progress.send(now, "PASS [redacted]", &wire);
                self.parser.expect(false);
                self.enter(now, State::Pass);
            }
            State::Pass => self.send(now, State::Uidl, "UIDL", true),
            State::Uidl => {
                let mut listed: Vec<(u32, String)> = response
                    .lines
                    .iter()
                    .filter_map(|line| {
                        let (number, uid) = line.split_once(' ')?;
                        Some((number.parse().ok()?, uid.trim().to_string()))
                    })
                    .filter(|(_, uid)| !self.plan.checked.contains(uid))
                    .collect();
                listed.sort_by_key(|entry| std::cmp::Reverse(entry.0));
                listed.truncate(MAX_TOPS_PER_SESSION);
                listed.reverse();
                self.to_read = listed;
                self.read_next(now);
            }
            State::Top => {
                if let Some((number, uid)) = self.reading.take() {
                    let headers = response.lines.join("\n");
                    if headers.contains(&self.plan.prefix) {
                        if headers.contains(&self.plan.token) {
                            self.found_at.get_or_insert(now);
                        }
                        // Read again in later sessions: deleted only with this run's.
                        self.doomed.push(number);
                    } else {
                        self.plan.checked.push(uid);
                    }
                }
                self.read_next(now);
            }
            State::Dele => {
                self.deleted += 1;
                self.delete_next(now);
            }
            State::Quit => self.finish(now),
            State::AwaitTls | State::Done => {}
        }
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
            // Test messages are deleted once this run's is there, as IMAP does.
            None if self.found_at.is_some() => self.delete_next(now),
            None => self.quit(now),
        }
    }

    fn delete_next(&mut self, now: Duration) {
        match self.doomed.pop() {
            Some(number) => self.send(now, State::Dele, &format!("DELE {number}"), false),
            None => self.quit(now),
        }
    }

    fn quit(&mut self, now: Duration) {
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
}

impl Dialogue for Pop3Dialogue {
    /// The bytes to send now, if any.
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.progress.take_outgoing()
    }

    /// The caller is to run the TLS handshake now (after the server agreed to STLS).
    fn wants_tls(&self) -> bool {
        self.state == State::AwaitTls
    }

    /// The handshake succeeded: log in over TLS.
    fn handle_tls_established(&mut self, now: Duration) {
        if self.state == State::AwaitTls {
            self.user(now);
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

    /// The connection failed (closed, timed out) at `now`.
    fn handle_close(&mut self, now: Duration, why: &str) {
        if self.state != State::Done && self.state != State::Quit {
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
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const TOKEN: &str = "smtp-sensor-rt-5f2c";

    fn plan(checked: &[&str]) -> Pop3Plan {
        Pop3Plan {
            user: "probe".into(),
            password: Secret::new("s3cret-pw"),
            stls: false,
            tls_optional: false,
            token: TOKEN.into(),
            prefix: "smtp-sensor-rt-".into(),
            checked: checked.iter().map(|s| s.to_string()).collect(),
        }
    }

    struct Harness {
        dialogue: Pop3Dialogue,
        now: Duration,
    }

    impl Harness {
        fn new(plan: Pop3Plan) -> Self {
            Self {
                dialogue: Pop3Dialogue::new(plan, Journal::new(true), Duration::ZERO),
                now: Duration::ZERO,
            }
        }

        fn server(&mut self, text: &str) -> String {
            self.now += MS;
            self.dialogue.handle_input(self.now, text.as_bytes());
            String::from_utf8(self.dialogue.poll_transmit().unwrap_or_default()).unwrap()
        }
    }

    fn login(h: &mut Harness) {
        assert_eq!(h.server("+OK Dovecot ready.\r\n"), "USER probe\r\n");
        assert_eq!(h.server("+OK\r\n"), "PASS s3cret-pw\r\n");
        assert_eq!(h.server("+OK Logged in.\r\n"), "UIDL\r\n");
    }

    #[test]
    fn reads_new_headers_only_and_deletes_test_messages_alone() {
        let mut h = Harness::new(plan(&["u1"]));
        login(&mut h);
        // u1 was read in an earlier poll: skipped; the rest newest first.
        assert_eq!(
            h.server("+OK\r\n1 u1\r\n2 u2\r\n3 u3\r\n4 u4\r\n.\r\n"),
            "TOP 4 0\r\n"
        );
        let ours = format!("+OK\r\nSubject: {TOKEN} round trip\r\n\r\n.\r\n");
        assert_eq!(h.server(&ours), "TOP 3 0\r\n");
        assert_eq!(
            h.server("+OK\r\nSubject: smtp-sensor-rt-0001 left behind\r\n.\r\n"),
            "TOP 2 0\r\n"
        );
        assert_eq!(
            h.server("+OK\r\nSubject: lunch?\r\n..dotted body line\r\n.\r\n"),
            "DELE 3\r\n"
        );
        assert_eq!(h.server("+OK Marked to be deleted.\r\n"), "DELE 4\r\n");
        assert_eq!(h.server("+OK Marked to be deleted.\r\n"), "QUIT\r\n");
        assert_eq!(h.server("+OK Logging out, messages deleted.\r\n"), "");
        assert!(h.dialogue.is_done() && h.dialogue.found());
        let (outcome, journal, checked) = h.dialogue.into_outcome();
        assert_eq!(outcome.failure, None);
        assert_eq!(outcome.deleted, 2);
        // Test messages are read again by later sessions; other mail is not.
        assert_eq!(checked, ["u1", "u2"]);
        let (_, transcript) = journal.into_parts();
        assert!(transcript.iter().all(|l| !l.text.contains("s3cret")));
    }

    #[test]
    fn a_leftover_stays_until_this_runs_message_is_there() {
        let mut h = Harness::new(plan(&[]));
        login(&mut h);
        assert_eq!(h.server("+OK\r\n1 u1\r\n.\r\n"), "TOP 1 0\r\n");
        assert_eq!(
            h.server("+OK\r\nSubject: smtp-sensor-rt-0001 left behind\r\n.\r\n"),
            "QUIT\r\n"
        );
        h.server("+OK bye\r\n");
        let (outcome, _, checked) = h.dialogue.into_outcome();
        assert_eq!((outcome.deleted, outcome.found_at), (0, None));
        assert!(checked.is_empty(), "read again next time: {checked:?}");
    }

    #[test]
    fn a_large_mailbox_is_read_only_at_its_newest() {
        let mut h = Harness::new(plan(&[]));
        login(&mut h);
        let mut listing = String::from("+OK\r\n");
        for n in 1..=5000 {
            listing.push_str(&format!("{n} uid{n}\r\n"));
        }
        listing.push_str(".\r\n");
        assert_eq!(h.server(&listing), "TOP 5000 0\r\n");
        let mut tops = 1;
        loop {
            let sent = h.server("+OK\r\nSubject: other mail\r\n.\r\n");
            if !sent.starts_with("TOP") {
                assert_eq!(sent, "QUIT\r\n");
                break;
            }
            tops += 1;
        }
        assert_eq!(tops, MAX_TOPS_PER_SESSION);
        assert!(!h.dialogue.found());
    }

    #[test]
    fn wrong_credentials_say_why_without_the_password() {
        let mut h = Harness::new(plan(&[]));
        h.server("+OK ready\r\n");
        h.server("+OK\r\n");
        assert_eq!(
            h.server("-ERR [AUTH] Authentication failed.\r\n"),
            "QUIT\r\n"
        );
        let (outcome, _, _) = h.dialogue.into_outcome();
        let failure = outcome.failure.unwrap();
        assert_eq!(failure.step, Step::Login);
        assert!(
            failure.why.contains("PASS was refused: -ERR [AUTH]"),
            "{}",
            failure.why
        );
    }

    #[test]
    fn stls_comes_before_the_user() {
        let mut h = Harness::new(Pop3Plan {
            stls: true,
            tls_optional: false,
            ..plan(&[])
        });
        assert_eq!(h.server("+OK ready\r\n"), "STLS\r\n");
        assert_eq!(h.server("+OK Begin TLS negotiation\r\n"), "");
        assert!(h.dialogue.wants_tls());
        h.dialogue.handle_tls_established(h.now);
        assert_eq!(
            String::from_utf8(h.dialogue.poll_transmit().unwrap()).unwrap(),
            "USER probe\r\n"
        );
    }

    #[test]
    fn a_server_that_is_not_pop3_fails_the_session() {
        let mut h = Harness::new(plan(&[]));
        h.server("* OK IMAP4rev1 ready\r\n");
        assert!(h.dialogue.is_done());
        assert!(h.dialogue.into_outcome().0.failure.is_some());
    }
}
