//! The SMTP dialogue as a state machine with no I/O (in the manner of quinn-proto): the
//! caller feeds it the server's bytes with `handle_*`, takes the bytes to send with
//! `poll_transmit`, asks `timeout_at` how long to wait, and passes the time in. It never
//! touches a socket or a clock, so every path is unit-tested natively.
//!
//! Replies are data: a refusal is recorded with the server's code and text and ends the
//! check as a failure of the phase it happened in, never as a lost error.

use crate::journal::Journal;
use crate::limits::QUIT_GRACE_MS;
use crate::secret::{Secret, redact_all};
use crate::smtp::capabilities;
use crate::smtp::command::Command;
use crate::smtp::email;
use crate::smtp::reply::{ReplyError, ReplyParser};
use crate::smtp::sasl::{self, Exchange};
use crate::wit::{AuthMechanism, Capability, ErrorKind, Failure, Phase, RecipientReply, Reply};
use std::time::Duration;

/// The outcome of the dialogue: `Ok` when the server did all that was asked.
pub type Verdict = Result<(), Failure>;

/// Whether the dialogue upgrades to TLS with STARTTLS (RFC 3207).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Never: plain text, or TLS from the first byte (handled before the dialogue).
    Never,
    /// When the server offers it; otherwise go on in plain text, with a warning.
    IfAvailable,
    /// Always: a server that does not offer it, or refuses it, fails the check.
    Required,
}

/// Where the dialogue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the 220 greeting.
    Banner,
    /// EHLO sent.
    Ehlo,
    /// EHLO was refused; HELO sent.
    Helo,
    /// STARTTLS sent.
    Starttls,
    /// The server agreed to STARTTLS; the caller is to do the TLS handshake.
    AwaitTls,
    /// EHLO sent again over TLS.
    EhloAfterTls,
    /// AUTH (or a SASL response) sent.
    Auth,
    /// MAIL FROM sent.
    MailFrom,
    /// RCPT TO sent for the recipient at this index.
    RcptTo(usize),
    /// DATA sent.
    Data,
    /// The message sent; waiting for the final reply.
    Message,
    /// The verdict is in; QUIT sent, waiting (briefly) for its reply.
    Quit,
    /// Nothing more to send or read.
    Closed,
}

impl State {
    fn phase(self) -> Phase {
        match self {
            State::Banner => Phase::Banner,
            State::Ehlo | State::Helo => Phase::Ehlo,
            State::Starttls => Phase::Starttls,
            State::AwaitTls => Phase::TlsHandshake,
            State::EhloAfterTls => Phase::EhloAfterTls,
            State::Auth => Phase::Auth,
            State::MailFrom => Phase::MailFrom,
            State::RcptTo(_) => Phase::RcptTo,
            State::Data | State::Message => Phase::Data,
            State::Quit | State::Closed => Phase::Quit,
        }
    }
}

/// What the dialogue found, for the result.
#[derive(Debug)]
pub struct Outcome {
    /// Success, or the failure and its phase.
    pub verdict: Verdict,
    /// With a successful verdict: what was degraded (e.g. no encryption), if anything.
    pub warning: Option<Failure>,
    /// When the verdict was reached (QUIT excluded), since the check started.
    pub verdict_at: Duration,
    /// The server's greeting.
    pub banner: Option<Reply>,
    /// The server's last reply.
    pub last_reply: Option<Reply>,
    /// The extensions of the EHLO reply.
    pub capabilities: Vec<Capability>,
    /// The server's reply to each recipient, when mail was sent.
    pub recipients: Vec<RecipientReply>,
    /// The open-relay probe's deciding reply and where it came: the refusal of the outside
    /// sender at MAIL FROM, or the outside recipient's reply.
    pub relay_answer: Option<(Phase, Reply)>,
    /// The reply to the test email's content, when it was sent: the proof of delivery.
    pub message_reply: Option<Reply>,
    /// From MAIL FROM to the server's acceptance of the message, when it was accepted.
    pub send_time: Option<Duration>,
    /// When the server accepted the test message, since the check started.
    pub accepted_at: Option<Duration>,
    /// Timings and transcript, including what the caller recorded before the session
    /// and, with a round trip, after it.
    pub journal: Journal,
}

impl Outcome {
    /// The outcome of a check that failed before any dialogue (settings, lookup, connect).
    pub fn failed_early(failure: Failure, at: Duration, journal: Journal) -> Self {
        Outcome {
            verdict: Err(failure),
            warning: None,
            verdict_at: at,
            banner: None,
            last_reply: None,
            capabilities: Vec::new(),
            recipients: Vec::new(),
            relay_answer: None,
            message_reply: None,
            send_time: None,
            accepted_at: None,
            journal,
        }
    }
}

/// What the dialogue is to do, decided before it starts.
#[derive(Debug, Clone)]
pub struct Agenda {
    /// The EHLO/HELO ident, validated.
    pub helo: String,
    /// Whether to upgrade with STARTTLS.
    pub starttls: StartTls,
    /// True when the connection is TLS from the first byte (implicit TLS).
    pub encrypted: bool,
    /// Log in, when present.
    pub auth: Option<AuthPlan>,
    /// Send this message, when present.
    pub mail: Option<MailPlan>,
}

impl Agenda {
    /// Greet and quit: no TLS upgrade, no login, no mail.
    pub fn greet(helo: &str, starttls: StartTls) -> Self {
        Self {
            helo: helo.to_string(),
            starttls,
            encrypted: false,
            auth: None,
            mail: None,
        }
    }
}

/// How to log in.
#[derive(Debug, Clone)]
pub struct AuthPlan {
    /// The user name.
    pub user: String,
    /// The password or token; never logged.
    pub password: Secret,
    /// The mechanism; none means the strongest the server offers.
    pub mechanism: Option<AuthMechanism>,
    /// Send credentials without TLS anyway.
    pub allow_plaintext: bool,
}

/// A mail transaction to run: its envelope, and what it is for.
#[derive(Debug, Clone)]
pub struct MailPlan {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients, one RCPT TO each.
    pub to: Vec<String>,
    /// What the transaction is for.
    pub transaction: Transaction,
}

/// What a mail transaction is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transaction {
    /// Deliver this message (CRLF line ends, not dot-stuffed) with DATA.
    Deliver(Vec<u8>),
    /// Stop once every recipient is accepted and QUIT (which ends the transaction): an
    /// envelope probe that leaves no mail behind.
    Envelope,
    /// The open-relay probe: one outside recipient, unauthenticated. A refusal (5xx) is
    /// the success; an acceptance means the server relays.
    RelayProbe,
}

/// One SMTP dialogue over one connection.
#[derive(Debug)]
pub struct Session {
    helo: String,
    starttls: StartTls,
    encrypted: bool,
    auth: Option<AuthPlan>,
    exchange: Option<Exchange>,
    mail: Option<MailPlan>,
    recipients: Vec<RecipientReply>,
    relay_answer: Option<(Phase, Reply)>,
    message_reply: Option<Reply>,
    send_started: Option<Duration>,
    send_time: Option<Duration>,
    accepted_at: Option<Duration>,
    state: State,
    parser: ReplyParser,
    outgoing: Vec<u8>,
    /// A command has been handed to the caller and its reply is due.
    awaiting_reply: bool,
    phase_started: Duration,
    verdict: Option<(Verdict, Duration)>,
    warning: Option<Failure>,
    banner: Option<Reply>,
    last_reply: Option<Reply>,
    capabilities: Vec<Capability>,
    journal: Journal,
    /// The forms of the password on the wire, scrubbed from everything the server says.
    secrets: Vec<Secret>,
}

impl Session {
    /// A dialogue on a connection opened at `now`; the first thing due is the banner.
    pub fn new(plan: Agenda, journal: Journal, now: Duration) -> Self {
        let secrets = plan
            .auth
            .as_ref()
            .map(|auth| sasl::wire_forms(&auth.user, &auth.password))
            .unwrap_or_default();
        Self {
            secrets,
            helo: plan.helo,
            starttls: plan.starttls,
            encrypted: plan.encrypted,
            auth: plan.auth,
            exchange: None,
            mail: plan.mail,
            recipients: Vec::new(),
            relay_answer: None,
            message_reply: None,
            send_started: None,
            send_time: None,
            accepted_at: None,
            state: State::Banner,
            parser: ReplyParser::new(),
            outgoing: Vec::new(),
            awaiting_reply: true,
            phase_started: now,
            verdict: None,
            warning: None,
            banner: None,
            last_reply: None,
            capabilities: Vec::new(),
            journal,
        }
    }

    /// The phase the dialogue is in, for attributing a failure of the caller's.
    pub fn phase(&self) -> Phase {
        self.state.phase()
    }

    /// True when the server has agreed to STARTTLS: the caller is to do the TLS handshake
    /// now, then report it with `handle_tls_established` or `handle_tls_failed`.
    pub fn wants_tls(&self) -> bool {
        self.state == State::AwaitTls
    }

    /// The TLS handshake after STARTTLS succeeded: forget what was said in plain text and
    /// greet again over TLS (RFC 3207 §4.2).
    pub fn handle_tls_established(&mut self, now: Duration) {
        if self.state == State::AwaitTls {
            self.encrypted = true;
            self.capabilities.clear();
            self.send(now, State::EhloAfterTls, Command::Ehlo(&self.helo.clone()));
        }
    }

    /// The TLS handshake after STARTTLS failed; the connection is unusable.
    pub fn handle_tls_failed(&mut self, now: Duration, kind: ErrorKind) {
        if self.state == State::AwaitTls {
            self.fail(now, kind);
            self.close(now);
        }
    }

    /// Records that something was degraded though the check may still succeed (e.g. the
    /// caller fell back to plain text after implicit TLS failed). The first warning stands.
    pub fn warn(&mut self, failure: Failure) {
        self.warning.get_or_insert(failure);
    }

    /// Adds a note of the caller's to the transcript.
    pub fn note(&mut self, now: Duration, text: impl Into<String>) {
        self.journal.note(now, text);
    }

    /// True when nothing more is to be sent or read.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The bytes to send now, if any. Handing them out means their reply is now due.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.outgoing.is_empty() {
            return None;
        }
        self.awaiting_reply = true;
        Some(std::mem::take(&mut self.outgoing))
    }

    /// The dialogue's own deadline, earlier than the check's: QUIT only gets a short grace.
    pub fn timeout_at(&self) -> Option<Duration> {
        (self.state == State::Quit)
            .then(|| self.phase_started + Duration::from_millis(QUIT_GRACE_MS))
    }

    /// Bytes from the server.
    pub fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        if self.state == State::Closed {
            return;
        }
        self.parser.push(bytes);
        while self.state != State::Closed {
            // What the server says may quote the password (an unknown-command reply that
            // repeats the AUTH line): it is scrubbed here, before anything keeps it.
            let (journal, secrets) = (&mut self.journal, &self.secrets);
            let next = self
                .parser
                .next_reply(|line| journal.server(now, redact_all(&line.raw, secrets)));
            match next {
                Ok(Some(mut reply)) => {
                    for line in &mut reply.lines {
                        *line = redact_all(line, &self.secrets);
                    }
                    self.handle_reply(now, reply);
                }
                Ok(None) => break,
                Err(error) => self.handle_parse_error(now, error),
            }
        }
    }

    /// The server closed the connection (or it broke; `why` says how, for the transcript).
    pub fn handle_close(&mut self, now: Duration, why: &str) {
        self.journal.note(now, format!("connection closed: {why}"));
        if self.state != State::Quit && self.state != State::Closed {
            self.fail(now, ErrorKind::ConnectionClosed);
        }
        self.close(now);
    }

    /// The caller's deadline (the check's, or `timeout_at`) passed with no reply.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.journal.note(now, "timed out waiting for the server");
        if self.state != State::Quit && self.state != State::Closed {
            self.fail(now, ErrorKind::Timeout);
        }
        self.close(now);
    }

    /// Ends the dialogue and hands over what it found.
    pub fn into_outcome(self) -> Outcome {
        let (verdict, verdict_at) = self.verdict.unwrap_or_else(|| {
            // Only reachable if the caller stops early; say so rather than claim success.
            let kind = ErrorKind::ProtocolViolation("the dialogue ended before a verdict".into());
            (
                Err(Failure {
                    phase: self.state.phase(),
                    kind,
                }),
                self.phase_started,
            )
        });
        Outcome {
            verdict,
            warning: self.warning,
            verdict_at,
            banner: self.banner,
            last_reply: self.last_reply,
            capabilities: self.capabilities,
            recipients: self.recipients,
            relay_answer: self.relay_answer,
            message_reply: self.message_reply,
            send_time: self.send_time,
            accepted_at: self.accepted_at,
            journal: self.journal,
        }
    }

    fn handle_reply(&mut self, now: Duration, reply: Reply) {
        self.last_reply = Some(reply.clone());
        if !self.awaiting_reply {
            let what = format!(
                "the server sent a reply ({}) before the check's command",
                reply.code
            );
            self.fail(now, ErrorKind::ProtocolViolation(what));
            return self.close(now);
        }
        self.awaiting_reply = false;
        if self.state == State::Banner {
            self.banner = Some(reply.clone());
        }
        if reply.code == 421 && self.state != State::Quit {
            // 421: the server is closing the connection; QUIT would go nowhere.
            self.fail(now, ErrorKind::UnexpectedReply(reply));
            return self.close(now);
        }
        match self.state {
            State::Banner => {
                if reply.code == 220 {
                    self.send(now, State::Ehlo, Command::Ehlo(&self.helo.clone()));
                } else {
                    self.fail_and_quit(now, reply);
                }
            }
            State::Ehlo => match reply.code {
                250 => {
                    self.capabilities = capabilities::parse_ehlo(&reply);
                    self.after_greeting(now);
                }
                // Command not recognised / not implemented: an old server; try HELO.
                500 | 502 => self.send(now, State::Helo, Command::Helo(&self.helo.clone())),
                _ => self.fail_and_quit(now, reply),
            },
            State::Helo => match reply.code {
                250 => self.after_greeting(now),
                _ => self.fail_and_quit(now, reply),
            },
            State::Starttls => match (reply.code, self.starttls) {
                (220, _) if self.parser.has_buffered() => {
                    // Plain text after the 220 and before the handshake: an attacker (or a
                    // broken server) injecting replies that would later pass as protected.
                    let what = "the server sent data after its 220 to STARTTLS, before the TLS \
                                handshake (possible response injection); it was discarded";
                    self.fail(now, ErrorKind::ProtocolViolation(what.into()));
                    self.close(now);
                }
                (220, _) => self.enter(now, State::AwaitTls),
                (_, StartTls::Required) => self.fail_and_quit(now, reply),
                _ => {
                    let refused = ErrorKind::UnexpectedReply(reply);
                    self.warning.get_or_insert(Failure {
                        phase: Phase::Starttls,
                        kind: refused,
                    });
                    self.proceed(now);
                }
            },
            State::EhloAfterTls => match reply.code {
                250 => {
                    self.capabilities = capabilities::parse_ehlo(&reply);
                    self.proceed(now);
                }
                _ => self.fail_and_quit(now, reply),
            },
            State::Auth => self.handle_auth_reply(now, reply),
            State::MailFrom => match reply.code {
                250 => self.send_rcpt(now, 0),
                _ if self.probes_relay() => self.judge_relay(now, Phase::MailFrom, reply),
                _ => self.fail_and_quit(now, reply),
            },
            State::RcptTo(index) => self.handle_rcpt_reply(now, index, reply),
            State::Data => match reply.code {
                354 => self.send_message(now),
                _ => self.fail_and_quit(now, reply),
            },
            State::Message => {
                // Kept as the proof of delivery (the queue ID), accepted or not.
                self.message_reply = Some(reply.clone());
                match reply.code {
                    250 => {
                        self.send_time =
                            self.send_started.map(|started| now.saturating_sub(started));
                        self.accepted_at = Some(now);
                        self.succeed_and_quit(now);
                    }
                    _ => self.fail_and_quit(now, reply),
                }
            }
            // No reply is due while the caller runs the handshake: one here is the server
            // speaking out of turn, never a silent success.
            State::AwaitTls => {
                let why = "the server sent a reply while the TLS handshake was due";
                self.fail(now, ErrorKind::ProtocolViolation(why.into()));
                self.close(now);
            }
            State::Quit => self.close(now),
            State::Closed => {}
        }
    }

    fn handle_parse_error(&mut self, now: Duration, error: ReplyError) {
        // The error may quote the server's line: scrubbed like every other server text.
        let text = redact_all(&error.to_string(), &self.secrets);
        self.journal.note(now, text.clone());
        if self.state != State::Quit {
            self.fail(now, ErrorKind::ProtocolViolation(text));
        }
        self.close(now);
    }

    /// Queues `command` and moves to `next`, timing the phase that ends here if it changes.
    fn send(&mut self, now: Duration, next: State, command: Command) {
        self.journal.client(now, command.to_string());
        self.outgoing.extend_from_slice(&command.to_wire());
        self.enter(now, next);
    }

    fn enter(&mut self, now: Duration, next: State) {
        if next.phase() != self.state.phase() {
            self.journal
                .timing(self.state.phase(), self.phase_started, now);
            self.phase_started = now;
        }
        self.state = next;
    }

    /// After a successful EHLO/HELO in plain text: upgrade if asked and offered.
    fn after_greeting(&mut self, now: Duration) {
        let offered = capabilities::find(&self.capabilities, "STARTTLS").is_some();
        match (self.starttls, offered) {
            (StartTls::Never, _) => self.proceed(now),
            (_, true) => self.send(now, State::Starttls, Command::StartTls),
            (StartTls::Required, false) => {
                let failure = Failure {
                    phase: Phase::Starttls,
                    kind: ErrorKind::TlsNotOffered,
                };
                self.verdict.get_or_insert((Err(failure), now));
                self.send(now, State::Quit, Command::Quit);
            }
            (StartTls::IfAvailable, false) => {
                let failure = Failure {
                    phase: Phase::Starttls,
                    kind: ErrorKind::TlsNotOffered,
                };
                self.warning.get_or_insert(failure);
                self.proceed(now);
            }
        }
    }

    /// Greeted (and secured, if asked): log in if asked, then send mail if asked, then quit.
    fn proceed(&mut self, now: Duration) {
        if let Some(auth) = self.auth.take() {
            self.start_auth(now, auth);
        } else if self.mail.is_some() {
            self.start_mail(now);
        } else {
            self.succeed_and_quit(now);
        }
    }

    fn start_auth(&mut self, now: Duration, auth: AuthPlan) {
        if !self.encrypted && !auth.allow_plaintext {
            return self.fail_in_and_quit(now, Phase::Auth, ErrorKind::PlaintextAuthRefused);
        }
        match sasl::choose(auth.mechanism, &sasl::offered(&self.capabilities)) {
            Err(why) => self.fail_in_and_quit(now, Phase::Auth, ErrorKind::AuthUnavailable(why)),
            Ok(mechanism) => {
                let exchange = Exchange::new(mechanism, &auth.user, auth.password);
                let line = exchange.start();
                self.exchange = Some(exchange);
                self.send_line(now, State::Auth, line);
            }
        }
    }

    fn handle_auth_reply(&mut self, now: Duration, reply: Reply) {
        match reply.code {
            235 => {
                self.exchange = None;
                self.proceed(now);
            }
            334 => {
                let challenge = reply.lines.first().map_or("", String::as_str);
                let answer = match self.exchange.as_mut() {
                    Some(exchange) => exchange.respond(challenge),
                    None => Err("an AUTH challenge outside an AUTH exchange".into()),
                };
                match answer {
                    Ok(line) => self.send_line(now, State::Auth, line),
                    Err(why) => {
                        // Mid-exchange the server would read QUIT as a SASL answer: hang up.
                        self.fail(now, ErrorKind::ProtocolViolation(why));
                        self.close(now);
                    }
                }
            }
            _ => {
                self.exchange = None;
                self.fail(now, ErrorKind::AuthFailed(reply));
                self.send(now, State::Quit, Command::Quit);
            }
        }
    }

    fn start_mail(&mut self, now: Duration) {
        let Some(mail) = &self.mail else {
            return self.succeed_and_quit(now);
        };
        let smtputf8 = std::iter::once(&mail.from)
            .chain(&mail.to)
            .any(|a| email::needs_smtputf8(a));
        if smtputf8 && capabilities::find(&self.capabilities, "SMTPUTF8").is_none() {
            let why = "an address is not ASCII, which needs SMTPUTF8, and the server does not \
                       offer SMTPUTF8";
            return self.fail_in_and_quit(
                now,
                Phase::MailFrom,
                ErrorKind::NotSupported(why.into()),
            );
        }
        let from = mail.from.clone();
        self.send_started = Some(now);
        self.send(
            now,
            State::MailFrom,
            Command::MailFrom {
                address: &from,
                smtputf8,
            },
        );
    }

    fn send_rcpt(&mut self, now: Duration, index: usize) {
        let Some(address) = self.mail.as_ref().and_then(|m| m.to.get(index)).cloned() else {
            return self.succeed_and_quit(now);
        };
        self.send(now, State::RcptTo(index), Command::RcptTo(&address));
    }

    fn handle_rcpt_reply(&mut self, now: Duration, index: usize, reply: Reply) {
        let count = self.mail.as_ref().map_or(0, |m| m.to.len());
        if let Some(address) = self.mail.as_ref().and_then(|m| m.to.get(index)) {
            self.recipients.push(RecipientReply {
                address: address.clone(),
                reply,
            });
        }
        if index + 1 < count {
            return self.send_rcpt(now, index + 1);
        }
        if self.probes_relay()
            && let Some(answer) = self.recipients.first().map(|r| r.reply.clone())
        {
            return self.judge_relay(now, Phase::RcptTo, answer);
        }
        let transaction = self.mail.as_ref().map(|m| m.transaction.clone());
        let refused = self
            .recipients
            .iter()
            .find(|r| !matches!(r.reply.code, 250 | 251));
        match (refused, transaction) {
            (Some(refused), _) => {
                let kind = ErrorKind::UnexpectedReply(refused.reply.clone());
                self.fail_in_and_quit(now, Phase::RcptTo, kind);
            }
            (None, Some(Transaction::Envelope)) => {
                self.journal.note(
                    now,
                    "every recipient accepted; QUIT ends the transaction unsent",
                );
                self.succeed_and_quit(now);
            }
            (None, _) => self.send(now, State::Data, Command::Data),
        }
    }

    /// Whether this transaction is the open-relay probe.
    fn probes_relay(&self) -> bool {
        self.mail
            .as_ref()
            .is_some_and(|m| m.transaction == Transaction::RelayProbe)
    }

    /// The open-relay probe's verdict from the server's `answer` in `phase`: a refusal
    /// (5xx) of the outside sender at MAIL FROM (sender verification, SPF, "authentication
    /// required") or of the outside recipient is the success; a recipient accepted (250,
    /// 251, or 252: "cannot verify, but will accept") means the server relays; a temporary
    /// refusal (4xx) at either proves neither, and is a warning. Not refusals of the
    /// stranger: a syntax or sequence error (500 to 504, 555: the probe's own command was
    /// not understood), 552, and 421 (the server is closing) are `down`; 530 in plain
    /// text from a server that offers STARTTLS ("must issue a STARTTLS command first",
    /// RFC 3207) leaves relaying after TLS untested: a warning.
    fn judge_relay(&mut self, now: Duration, phase: Phase, answer: Reply) {
        self.relay_answer = Some((phase, answer.clone()));
        let wants_tls_first = answer.code == 530
            && !self.encrypted
            && capabilities::find(&self.capabilities, "STARTTLS").is_some();
        match (answer.code, phase) {
            (421 | 500..=504 | 552 | 555, _) => {
                self.fail_in_and_quit(now, phase, ErrorKind::UnexpectedReply(answer))
            }
            (530, Phase::MailFrom) if wants_tls_first => self.inconclusive(now, phase, answer),
            (500..=599, Phase::MailFrom) => {
                self.journal.note(
                    now,
                    "the outside sender was refused: the server does not relay for strangers",
                );
                self.succeed_and_quit(now);
            }
            (500..=599, _) => {
                self.journal.note(
                    now,
                    "the outside recipient was refused: the server does not relay",
                );
                self.succeed_and_quit(now);
            }
            (250..=252, Phase::RcptTo) => {
                self.fail_in_and_quit(now, phase, ErrorKind::OpenRelay(answer))
            }
            (400..=499, _) => self.inconclusive(now, phase, answer),
            _ => self.fail_in_and_quit(now, phase, ErrorKind::UnexpectedReply(answer)),
        }
    }

    /// The relay probe proves neither refusal nor relaying: a warning quoting `answer`.
    fn inconclusive(&mut self, now: Duration, phase: Phase, answer: Reply) {
        self.warning.get_or_insert(Failure {
            phase,
            kind: ErrorKind::UnexpectedReply(answer),
        });
        self.succeed_and_quit(now);
    }

    fn send_message(&mut self, now: Duration) {
        let Some(mail) = self.mail.take() else {
            return self.succeed_and_quit(now);
        };
        let Transaction::Deliver(message) = &mail.transaction else {
            return self.succeed_and_quit(now);
        };
        let text = String::from_utf8_lossy(message);
        for line in text.trim_end_matches("\r\n").split("\r\n") {
            self.journal.client(now, line);
        }
        self.journal.client(now, ".");
        self.outgoing.extend_from_slice(&email::dot_stuff(message));
        self.enter(now, State::Message);
    }

    /// Queues a line that may carry credentials: the transcript gets its redacted form.
    fn send_line(&mut self, now: Duration, next: State, line: sasl::Line) {
        self.journal.client(now, line.shown);
        self.outgoing
            .extend_from_slice(line.wire.expose().as_bytes());
        self.enter(now, next);
    }

    fn fail_in_and_quit(&mut self, now: Duration, phase: Phase, kind: ErrorKind) {
        self.verdict
            .get_or_insert((Err(Failure { phase, kind }), now));
        self.send(now, State::Quit, Command::Quit);
    }

    fn succeed_and_quit(&mut self, now: Duration) {
        self.verdict.get_or_insert((Ok(()), now));
        self.send(now, State::Quit, Command::Quit);
    }

    fn fail_and_quit(&mut self, now: Duration, reply: Reply) {
        self.fail(now, ErrorKind::UnexpectedReply(reply));
        self.send(now, State::Quit, Command::Quit);
    }

    /// Records a failure of the current phase; the first verdict stands.
    fn fail(&mut self, now: Duration, kind: ErrorKind) {
        let failure = Failure {
            phase: self.state.phase(),
            kind,
        };
        self.verdict.get_or_insert((Err(failure), now));
    }

    /// Ends the dialogue, timing the phase it ends in.
    fn close(&mut self, now: Duration) {
        if self.state != State::Closed {
            self.journal
                .timing(self.state.phase(), self.phase_started, now);
            self.state = State::Closed;
            self.phase_started = now;
        }
        self.outgoing.clear();
    }
}

#[cfg(test)]
mod tests;
