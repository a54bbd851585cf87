//! What the component needs of a mailbox dialogue, IMAP's or POP3's alike, so that one
//! loop moves the bytes of both.

use super::imap_dialogue::ImapDialogue;
use super::pop3_dialogue::Pop3Dialogue;
use super::steps::Step;
use std::time::Duration;

/// A sans-IO mailbox dialogue over one connection.
pub trait Dialogue {
    /// The bytes to send now, if any.
    fn poll_transmit(&mut self) -> Option<Vec<u8>>;
    /// The caller is to run the TLS handshake now.
    fn wants_tls(&self) -> bool;
    /// The handshake succeeded.
    fn handle_tls_established(&mut self, now: Duration);
    /// The message is not there yet, and this dialogue can look again on the same
    /// connection after a wait (IMAP; a POP3 session cannot).
    fn is_waiting(&self) -> bool {
        false
    }
    /// Looks again after a wait.
    fn search_again(&mut self, _now: Duration) {}
    /// The wait would pass the deadline: end politely.
    fn give_up(&mut self, _now: Duration) {}
    /// Nothing more to send or read.
    fn is_done(&self) -> bool;
    /// The step the dialogue is in, where a timeout is reported.
    fn step(&self) -> Step;
    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]);
    /// The connection failed (closed, timed out, TLS failed) at `now`.
    fn handle_close(&mut self, now: Duration, why: &str);
}

impl Dialogue for ImapDialogue {
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        ImapDialogue::poll_transmit(self)
    }
    fn wants_tls(&self) -> bool {
        ImapDialogue::wants_tls(self)
    }
    fn handle_tls_established(&mut self, now: Duration) {
        ImapDialogue::handle_tls_established(self, now)
    }
    fn is_waiting(&self) -> bool {
        ImapDialogue::is_waiting(self)
    }
    fn search_again(&mut self, now: Duration) {
        ImapDialogue::search_again(self, now)
    }
    fn give_up(&mut self, now: Duration) {
        ImapDialogue::give_up(self, now)
    }
    fn is_done(&self) -> bool {
        ImapDialogue::is_done(self)
    }
    fn step(&self) -> Step {
        ImapDialogue::step(self)
    }
    fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        ImapDialogue::handle_input(self, now, bytes)
    }
    fn handle_close(&mut self, now: Duration, why: &str) {
        ImapDialogue::handle_close(self, now, why)
    }
}

impl Dialogue for Pop3Dialogue {
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        Pop3Dialogue::poll_transmit(self)
    }
    fn wants_tls(&self) -> bool {
        Pop3Dialogue::wants_tls(self)
    }
    fn handle_tls_established(&mut self, now: Duration) {
        Pop3Dialogue::handle_tls_established(self, now)
    }
    fn is_done(&self) -> bool {
        Pop3Dialogue::is_done(self)
    }
    fn step(&self) -> Step {
        Pop3Dialogue::step(self)
    }
    fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        Pop3Dialogue::handle_input(self, now, bytes)
    }
    fn handle_close(&mut self, now: Duration, why: &str) {
        Pop3Dialogue::handle_close(self, now, why)
    }
}
