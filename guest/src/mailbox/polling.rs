//! When to look in the mailbox again while the test message has not arrived: soon at
//! first (a healthy server delivers in well under a second), then less and less often, so
//! a slow delivery costs the mailbox server a few searches, not hundreds; never past the
//! check's deadline, with time left there for the last look.

use std::time::Duration;

/// The first wait after a search that did not find the message.
pub const FIRST_WAIT: Duration = Duration::from_millis(250);
/// The longest wait between two searches.
pub const LONGEST_WAIT: Duration = Duration::from_secs(5);

/// The schedule of one round trip's searches.
#[derive(Debug, Clone)]
pub struct Polling {
    next_wait: Duration,
    searches: u32,
}

impl Default for Polling {
    fn default() -> Self {
        Self {
            next_wait: FIRST_WAIT,
            searches: 0,
        }
    }
}

impl Polling {
    /// A schedule before the first search.
    pub fn new() -> Self {
        Self::default()
    }

    /// After a search at `now` that did not find the message: when to search again, or
    /// `None` when a wait would leave less than `one_search` before `deadline` (the round
    /// trip then reports that the message did not arrive). Waits double from
    /// [`FIRST_WAIT`] up to [`LONGEST_WAIT`], and the last is cut to fit the deadline.
    pub fn next_search(
        &mut self,
        now: Duration,
        deadline: Duration,
        one_search: Duration,
    ) -> Option<Duration> {
        self.searches += 1;
        let latest = deadline.checked_sub(one_search)?;
        if latest <= now {
            return None;
        }
        let at = (now + self.next_wait).min(latest);
        self.next_wait = (self.next_wait * 2).min(LONGEST_WAIT);
        Some(at)
    }

    /// How many searches found nothing so far.
    #[cfg(test)]
    pub fn searches(&self) -> u32 {
        self.searches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_a_ceiling_and_never_pass_the_deadline() {
        let mut polling = Polling::new();
        let deadline = Duration::from_secs(60);
        let search = Duration::from_millis(100);
        let mut now = Duration::ZERO;
        let mut waits = Vec::new();
        while let Some(at) = polling.next_search(now, deadline, search) {
            assert!(at > now && at + search <= deadline, "{at:?}");
            waits.push(at - now);
            now = at + search;
        }
        assert_eq!(waits[0], FIRST_WAIT);
        assert_eq!(waits[1], FIRST_WAIT * 2);
        assert!(waits.iter().all(|w| *w <= LONGEST_WAIT));
        assert!(
            waits.len() < 20,
            "a minute costs a handful of searches: {}",
            waits.len()
        );
        assert_eq!(polling.searches() as usize, waits.len() + 1);
        // No time left for one more search: give up at once.
        let mut late = Polling::new();
        assert_eq!(
            late.next_search(Duration::from_secs(59), deadline, Duration::from_secs(2)),
            None
        );
    }
}
