//! What one check may use of the host's shared resources besides memory and time: name
//! lookups (each a blocking `getaddrinfo` on the process's shared pool of threads) and
//! sockets (each a descriptor of the process's). A prober runs hundreds of checks in one
//! process: one hostile component must not starve the others' lookups or use up the
//! descriptors. The numbers are the core's (`smtp_sensor_guest::limits`), which the
//! component keeps within.

use smtp_sensor_guest::limits::{MAX_LOOKUPS_IN_FLIGHT, MAX_LOOKUPS_PER_CHECK};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// One check's budget.
#[derive(Debug)]
pub struct Budget {
    lookups_made: usize,
    lookups_in_flight: Arc<Semaphore>,
    deadline: Instant,
    /// The handles of the TCP sockets the check created that may still be open.
    sockets: Vec<u32>,
    /// The most it may hold open at once (`limits::max_open_sockets`).
    max_sockets: usize,
}

impl Budget {
    /// A fresh budget for a check the host stops at `deadline`, which may hold
    /// `max_sockets` sockets open at once.
    pub fn new(deadline: Instant, max_sockets: usize) -> Self {
        Self {
            lookups_made: 0,
            lookups_in_flight: Arc::new(Semaphore::new(MAX_LOOKUPS_IN_FLIGHT)),
            deadline,
            sockets: Vec::new(),
            max_sockets,
        }
    }

    /// Takes one lookup from the budget; false when the check has made all it may.
    pub fn take_lookup(&mut self) -> bool {
        if self.lookups_made >= MAX_LOOKUPS_PER_CHECK {
            return false;
        }
        self.lookups_made += 1;
        true
    }

    /// The permits of the check's lookups under way: a lookup holds one until its
    /// `getaddrinfo` returns, even when the component dropped it before.
    pub fn lookups_in_flight(&self) -> Arc<Semaphore> {
        self.lookups_in_flight.clone()
    }

    /// When the host stops the check: a lookup that has not begun by then never does.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the check may create one more socket, given which of the ones it created
    /// are still open (`is_open` of a handle).
    pub fn may_open_socket(&mut self, is_open: impl Fn(u32) -> bool) -> bool {
        self.sockets.retain(|&handle| is_open(handle));
        self.sockets.len() < self.max_sockets
    }

    /// Why the sandbox refused a socket past the budget, in words.
    pub fn sockets_spent(&self) -> String {
        format!(
            "a socket beyond the {} a check may hold open at once",
            self.max_sockets
        )
    }

    /// Notes a socket the check created.
    pub fn opened_socket(&mut self, handle: u32) {
        self.sockets.push(handle);
    }
}

/// Why the sandbox refused a lookup past the budget, in words.
pub fn lookups_spent() -> String {
    format!("a lookup beyond the {MAX_LOOKUPS_PER_CHECK} a check may make")
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_sensor_guest::limits::MAX_OPEN_SOCKETS;

    #[test]
    fn lookups_end_at_the_budget() {
        let mut budget = Budget::new(Instant::now(), MAX_OPEN_SOCKETS);
        for _ in 0..MAX_LOOKUPS_PER_CHECK {
            assert!(budget.take_lookup());
        }
        assert!(!budget.take_lookup());
        assert!(!budget.take_lookup(), "and stay spent");
    }

    #[test]
    fn only_open_sockets_count() {
        let mut budget = Budget::new(Instant::now(), MAX_OPEN_SOCKETS);
        for handle in 0..MAX_OPEN_SOCKETS as u32 {
            assert!(budget.may_open_socket(|_| true));
            budget.opened_socket(handle);
        }
        assert!(!budget.may_open_socket(|_| true), "all still open");
        assert!(
            budget.may_open_socket(|handle| handle != 3),
            "one was closed"
        );
        budget.opened_socket(100);
        assert!(!budget.may_open_socket(|handle| handle != 3));
    }
}
