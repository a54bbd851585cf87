//! The round trip's mailbox side over WASI sockets: connect to the mailbox server (with
//! implicit TLS, or STARTTLS when the dialogue asks), move the dialogue's bytes, wait
//! between looks as the core's polling schedule says, and hand everything to the core's
//! account. IMAP stays logged in and searches again; POP3 opens a session per look.

use super::connect::{MAILBOX, connect, look_up};
use super::net::{Clock, Connection, IoError};
use super::secure::handshake;
use super::tls_stream::Transport;
use crate::check::mode::Mode;
use crate::check::plan::MailboxPlan;
use crate::journal::Journal;
use crate::mailbox::dialogue::Dialogue;
use crate::mailbox::imap_dialogue::ImapDialogue;
use crate::mailbox::polling::Polling;
use crate::mailbox::pop3_dialogue::{Pop3Dialogue, Pop3Memory};
use crate::mailbox::trip::{Account, Trip};
use crate::wit::{Failure, IpVersion, MailboxProtocol, Phase};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The shortest time one more look is assumed to take, when deciding whether it fits
/// before the deadline.
const SHORTEST_LOOK: Duration = Duration::from_millis(100);

/// Looks for the test email accepted at `accepted_at` until it is there, fails, or the
/// deadline passes; deletes it (and earlier runs' leftovers). The dialogue's transcript
/// and step timings go into `journal`.
pub(super) async fn run(
    plan: &MailboxPlan<'_>,
    ip_version: IpVersion,
    accepted_at: Duration,
    clock: Clock,
    journal: &mut Journal,
) -> Trip {
    let mut account = Account::new(plan.protocol, accepted_at, clock.elapsed());
    let mut looking = Looking {
        plan,
        ip_version,
        clock,
        polling: Polling::new(),
        addresses: None,
    };
    match plan.protocol {
        MailboxProtocol::Imap => looking.imap(journal, &mut account).await,
        MailboxProtocol::Pop3 => looking.pop3(journal, &mut account).await,
    }
    account.finish(clock.elapsed())
}

/// One round trip under way: what every step of it needs.
struct Looking<'a> {
    plan: &'a MailboxPlan<'a>,
    ip_version: IpVersion,
    clock: Clock,
    polling: Polling,
    /// The mailbox server's addresses, looked up at the first connect: POP3 connects once
    /// a look, and a check may make only a few lookups.
    addresses: Option<Vec<IpAddr>>,
}

impl Looking<'_> {
    /// IMAP: one session, searching again after each wait.
    async fn imap(&mut self, journal: &mut Journal, account: &mut Account) {
        let Some(transport) = self.connect(journal, account).await else {
            return;
        };
        let started = self.clock.elapsed();
        account.searched();
        let mut dialogue = ImapDialogue::new(self.plan.imap(), std::mem::take(journal), started);
        self.converse(&mut dialogue, transport, account).await;
        let (outcome, returned) = dialogue.into_outcome();
        *journal = returned;
        account.dialogue(outcome, journal);
    }

    /// POP3: a session per look, each reading only messages earlier ones did not; a look
    /// that found the maildrop locked (`[IN-USE]`) is tried again at the next.
    async fn pop3(&mut self, journal: &mut Journal, account: &mut Account) {
        let mut memory = Pop3Memory::default();
        loop {
            let look_started = self.clock.elapsed();
            account.searched();
            let Some(transport) = self.connect(journal, account).await else {
                return;
            };
            let mut dialogue = Pop3Dialogue::new(
                self.plan.pop3(memory),
                std::mem::take(journal),
                self.clock.elapsed(),
            );
            self.converse(&mut dialogue, transport, account).await;
            let (outcome, returned, learned) = dialogue.into_outcome();
            *journal = returned;
            memory = learned;
            account.dialogue(outcome, journal);
            if account.found() || account.failed() {
                return;
            }
            let now = self.clock.elapsed();
            let one_look = now.saturating_sub(look_started).max(SHORTEST_LOOK);
            match self
                .polling
                .next_search(now, self.clock.deadline_offset(), one_look)
            {
                Some(at) => self.clock.sleep_until(at).await,
                None => return,
            }
        }
    }

    /// Connects to the mailbox server, with implicit TLS when the mode says so (falling
    /// back to plain text only where the plan allows it); failures go to `account`.
    async fn connect(&mut self, journal: &mut Journal, account: &mut Account) -> Option<Transport> {
        let clock = self.clock;
        let plan = self.plan;
        let (connection, remote) = self.open(journal, account).await?;
        journal.note(
            clock.elapsed(),
            format!("connected to the mailbox server {remote}"),
        );
        account.connected(remote.to_string());
        let (Mode::ImplicitTls { .. }, Some(tls)) = (plan.mode, plan.tls.as_ref()) else {
            return Some(Transport::Plain(connection));
        };
        let started = clock.elapsed();
        let secured = handshake(connection, tls, clock, account.tls()).await;
        journal.timing(Phase::MailboxTlsHandshake, started, clock.elapsed());
        match secured {
            Ok(stream) => {
                journal.note(clock.elapsed(), account.tls().established_note());
                Some(Transport::Tls(Box::new(stream)))
            }
            Err(kind) => {
                let failure = Failure {
                    phase: Phase::MailboxTlsHandshake,
                    kind,
                };
                if !plan.falls_back_after(&account.tls().server_first_bytes) {
                    account.fail(failure);
                    return None;
                }
                journal.note(
                    clock.elapsed(),
                    "the mailbox server spoke no TLS; reconnecting in plain text",
                );
                account.fell_back(failure);
                // The server that spoke, again.
                let connection = connect(vec![remote.ip()], remote.port(), clock, journal, MAILBOX)
                    .await
                    .map_err(|failure| account.fail(failure))
                    .ok()?
                    .0;
                Some(Transport::Plain(connection))
            }
        }
    }

    /// Connects to the mailbox server, looking it up at the first connect; a failure goes
    /// to `account`.
    async fn open(
        &mut self,
        journal: &mut Journal,
        account: &mut Account,
    ) -> Option<(Connection, SocketAddr)> {
        let plan = self.plan;
        let addresses = match &self.addresses {
            Some(known) => known.clone(),
            None => {
                let found = look_up(&plan.target, self.ip_version, self.clock, journal, MAILBOX)
                    .await
                    .map_err(|failure| account.fail(failure))
                    .ok()?;
                self.addresses.insert(found).clone()
            }
        };
        connect(addresses, plan.port, self.clock, journal, MAILBOX)
            .await
            .map_err(|failure| account.fail(failure))
            .ok()
    }

    /// Moves bytes between `dialogue` and the connection until it is done: upgrades the
    /// connection when it asks (STARTTLS, STLS), and while it waits for the message,
    /// searches again when the polling schedule says (or gives up before the deadline).
    async fn converse(
        &mut self,
        dialogue: &mut impl Dialogue,
        mut transport: Transport,
        account: &mut Account,
    ) {
        let clock = self.clock;
        let mut look_started = clock.elapsed();
        let mut next_look: Option<Duration> = None;
        loop {
            // The clean-up after the verdict has a grace of its own, as QUIT has.
            let own = dialogue
                .timeout_at()
                .map(|at| clock.at(at).min(clock.deadline));
            if let Some(bytes) = dialogue.poll_transmit()
                && let Err(error) = transport
                    .write_all(&bytes, own.unwrap_or(clock.deadline))
                    .await
            {
                fail_io(dialogue, clock, error);
            }
            if dialogue.is_done() {
                return;
            }
            if dialogue.wants_tls() {
                let (Transport::Plain(connection), Some(tls)) = (transport, self.plan.tls.as_ref())
                else {
                    dialogue.handle_close(clock.elapsed(), "STARTTLS over a TLS connection");
                    return;
                };
                let started = clock.elapsed();
                let secured = handshake(connection, tls, clock, account.tls()).await;
                account.timed(Phase::MailboxTlsHandshake, started, clock.elapsed());
                match secured {
                    Ok(stream) => {
                        transport = Transport::Tls(Box::new(stream));
                        dialogue.handle_tls_established(clock.elapsed());
                    }
                    Err(kind) => {
                        account.fail(Failure {
                            phase: Phase::MailboxTlsHandshake,
                            kind,
                        });
                        dialogue.handle_close(clock.elapsed(), "the TLS handshake failed");
                        return;
                    }
                }
                continue;
            }
            let mut until = own.unwrap_or(clock.deadline);
            let mut wake = None;
            if dialogue.is_waiting() {
                let now = clock.elapsed();
                let at = match next_look {
                    Some(at) => Some(at),
                    None => {
                        let one_look = now.saturating_sub(look_started).max(SHORTEST_LOOK);
                        self.polling
                            .next_search(now, clock.deadline_offset(), one_look)
                    }
                };
                match at {
                    Some(at) if at <= now => {
                        next_look = None;
                        look_started = now;
                        account.searched();
                        dialogue.search_again(now);
                        continue;
                    }
                    Some(at) => {
                        next_look = Some(at);
                        wake = Some(clock.at(at));
                        until = until.min(clock.at(at));
                    }
                    None => {
                        dialogue.give_up(now);
                        continue;
                    }
                }
            }
            match transport.read(until).await {
                Ok(bytes) => dialogue.handle_input(clock.elapsed(), &bytes),
                // The wait between looks is over: the next pass searches again.
                Err(IoError::Timeout) if wake == Some(until) => {}
                Err(error) => fail_io(dialogue, clock, error),
            }
        }
    }
}

/// A read or write failed: the dialogue ends, a timeout recorded in the step it happened
/// in (unless the dialogue failed before), where the account judges it with what the
/// dialogue found.
fn fail_io(dialogue: &mut impl Dialogue, clock: Clock, error: IoError) {
    match error {
        IoError::Timeout => dialogue.handle_timeout(clock.elapsed()),
        IoError::Closed => {
            dialogue.handle_close(clock.elapsed(), "the mailbox server closed the connection")
        }
        IoError::Failed(why) => dialogue.handle_close(clock.elapsed(), &why),
    }
}
