//! What the component needs of a mailbox dialogue, IMAP's or POP3's alike, so that one
//! loop moves the bytes of both. What both do alike is written once here, from the little
//! each tells of itself ([`Machine`]); each dialogue's file implements the rest.

use super::steps::{Progress, Step};
use std::time::Duration;

/// What a dialogue tells of itself, from which [`Dialogue`]'s shared methods are made.
pub trait Machine {
    /// Its progress: the bytes to send, the steps' times, the failure, the deadline.
    fn progress(&self) -> &Progress;
    /// The same, to change.
    fn progress_mut(&mut self) -> &mut Progress;
    /// The step it is in.
    fn current_step(&self) -> Step;
    /// It waits for the caller's TLS handshake.
    fn awaits_tls(&self) -> bool;
    /// It has ended.
    fn has_ended(&self) -> bool;
    /// Ends it at `now`, recording the step it ended in.
    fn finish(&mut self, now: Duration);
}

/// Implements [`Machine`] for a dialogue that keeps `progress: Progress` and
/// `state: State`, where its own `State` has `AwaitTls`, `Done` and `step()`: as both
/// dialogues keep them.
macro_rules! machine_of {
    ($dialogue:ty) => {
        impl $crate::mailbox::dialogue::Machine for $dialogue {
            fn progress(&self) -> &$crate::mailbox::steps::Progress {
                &self.progress
            }

            fn progress_mut(&mut self) -> &mut $crate::mailbox::steps::Progress {
                &mut self.progress
            }

            fn current_step(&self) -> $crate::mailbox::steps::Step {
                self.state.step()
            }

            fn awaits_tls(&self) -> bool {
                self.state == State::AwaitTls
            }

            fn has_ended(&self) -> bool {
                self.state == State::Done
            }

            fn finish(&mut self, now: std::time::Duration) {
                if self.state != State::Done {
                    self.progress.ended(now, self.state.step());
                    self.state = State::Done;
                }
            }
        }
    };
}
pub(super) use machine_of;

/// A sans-IO mailbox dialogue over one connection.
pub trait Dialogue: Machine {
    /// The bytes to send now, if any.
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.progress_mut().take_outgoing()
    }
    /// The caller is to run the TLS handshake now (after the server agreed to STARTTLS
    /// or STLS).
    fn wants_tls(&self) -> bool {
        self.awaits_tls()
    }
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
    fn is_done(&self) -> bool {
        self.has_ended()
    }
    /// The dialogue's own deadline, earlier than the check's: once the verdict is known,
    /// the clean-up (deleting, logging out) only gets a grace.
    fn timeout_at(&self) -> Option<Duration> {
        self.progress().timeout_at()
    }
    /// The step the dialogue is in, where a timeout is reported.
    fn step(&self) -> Step {
        self.current_step()
    }
    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]);
    /// The connection failed (closed, TLS failed) at `now`.
    fn handle_close(&mut self, now: Duration, why: &str);
    /// The deadline (or the clean-up's grace) passed at `now` with the server silent:
    /// recorded in the step it happened in, unless a failure came first.
    fn handle_timeout(&mut self, now: Duration) {
        if !self.has_ended() {
            let step = self.current_step();
            self.progress_mut().fail_timeout(step);
        }
        self.finish(now);
    }
}
