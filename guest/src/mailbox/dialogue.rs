//! What the component needs of a mailbox dialogue, IMAP's or POP3's alike, so that one
//! loop moves the bytes of both (each dialogue implements it in its own file).

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
    /// The dialogue's own deadline, earlier than the check's: once the verdict is known,
    /// the clean-up (deleting, logging out) only gets a grace.
    fn timeout_at(&self) -> Option<Duration>;
    /// The step the dialogue is in, where a timeout is reported.
    fn step(&self) -> Step;
    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]);
    /// The connection failed (closed, TLS failed) at `now`.
    fn handle_close(&mut self, now: Duration, why: &str);
    /// The deadline (or the clean-up's grace) passed at `now` with the server silent:
    /// recorded in the step it happened in, unless a failure came first.
    fn handle_timeout(&mut self, now: Duration);
}
