//! Which addresses a check connects to, and when: Happy Eyeballs (RFC 8305) decided without
//! I/O. The addresses are kept to the allowed IP versions and interleaved by family, the
//! resolver's first choice first (§4); attempts start one [`CONNECTION_ATTEMPT_DELAY`] apart
//! while earlier ones are still pending, or at once when every attempt under way has failed
//! (§5), at most [`MAX_CONNECTION_ATTEMPTS`] at once (the host caps a check's sockets): when
//! the next address is due and that many are pending, the oldest is given up for it once it
//! has run [`ATTEMPT_PATIENCE`], so a list of black-holed addresses is still walked. The first to connect wins; the component's I/O layer closes the rest. Time is
//! passed in, so the race is tested natively.

use crate::limits::MAX_CONNECTION_ATTEMPTS;
use crate::settings::allows;
use crate::wit::IpVersion;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long the other address family's answer is awaited once one lookup gave addresses:
/// RFC 8305's recommended Resolution Delay (section 3). A server that never answers AAAA
/// then costs 50 ms, not the check.
pub const RESOLUTION_DELAY: Duration = Duration::from_millis(50);

/// How long an attempt runs alone before the next address is tried beside it: RFC 8305's
/// recommended Connection Attempt Delay.
pub const CONNECTION_ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// How long an attempt runs before it may be given up to make room for the next address:
/// RFC 8305's longest Connection Attempt Delay, past the first SYN's resend (RFC 6298's one
/// second), so a single lost SYN does not cost a working address.
pub const ATTEMPT_PATIENCE: Duration = Duration::from_secs(2);

/// The order in which to try `addresses` (the resolver's order): those `version` allows,
/// each once, the two families interleaved starting with the family of the first.
pub fn order(addresses: &[IpAddr], version: IpVersion) -> Vec<IpAddr> {
    let mut unique: Vec<IpAddr> = Vec::with_capacity(addresses.len());
    for &address in addresses.iter().filter(|&&a| allows(version, a)) {
        if !unique.contains(&address) {
            unique.push(address);
        }
    }
    let Some(first) = unique.first() else {
        return unique;
    };
    let first_is_v6 = first.is_ipv6();
    let (mut preferred, mut other): (VecDeque<IpAddr>, VecDeque<IpAddr>) =
        unique.iter().partition(|a| a.is_ipv6() == first_is_v6);
    let mut ordered = Vec::with_capacity(unique.len());
    while !preferred.is_empty() || !other.is_empty() {
        ordered.extend(preferred.pop_front());
        ordered.extend(other.pop_front());
    }
    ordered
}

/// How many failed addresses a message lists; the rest are counted.
const FAILURES_LISTED: usize = 4;

/// Every address's failure in words, when all failed: each address with its error, the
/// first [`FAILURES_LISTED`] of them, and how many more.
pub fn failed_everywhere(failures: &[(SocketAddr, String)]) -> String {
    let mut words: Vec<String> = failures
        .iter()
        .take(FAILURES_LISTED)
        .map(|(remote, error)| format!("{remote}: {error}"))
        .collect();
    if failures.len() > FAILURES_LISTED {
        words.push(format!("and {} more", failures.len() - FAILURES_LISTED));
    }
    format!("every address failed: {}", words.join("; "))
}

/// The race of connection attempts, as time passes and attempts fail.
#[derive(Debug, Clone)]
pub struct Race {
    waiting: VecDeque<IpAddr>,
    under_way: usize,
    next_start: Option<Duration>,
    delay: Duration,
}

impl Race {
    /// A race over `addresses`, in the order to try them (see [`order`]), starting now.
    pub fn new(addresses: Vec<IpAddr>, delay: Duration) -> Self {
        let next_start = (!addresses.is_empty()).then_some(Duration::ZERO);
        Self {
            waiting: addresses.into(),
            under_way: 0,
            next_start,
            delay,
        }
    }

    /// The next address to try, if one is due at `now` (time since the race began): the
    /// first at once, each next one `delay` after the one before.
    pub fn due(&mut self, now: Duration) -> Option<IpAddr> {
        if self.next_start? > now || self.under_way >= MAX_CONNECTION_ATTEMPTS {
            return None;
        }
        let address = self.waiting.pop_front()?;
        self.under_way += 1;
        self.next_start = (!self.waiting.is_empty()).then_some(now + self.delay);
        Some(address)
    }

    /// An attempt under way failed at `now`: the next address is due at once.
    pub fn failed(&mut self, now: Duration) {
        self.under_way = self.under_way.saturating_sub(1);
        if !self.waiting.is_empty() {
            self.next_start = Some(self.next_start.map_or(now, |at| at.min(now)));
        }
    }

    /// When the next address is due, if any is left.
    pub fn wake_at(&self) -> Option<Duration> {
        self.next_start
    }

    /// Whether the next address is due at `now` but as many attempts as may be are
    /// pending: the caller gives up the oldest ([`Race::failed`]) to make room.
    pub fn is_full(&self, now: Duration) -> bool {
        self.under_way >= MAX_CONNECTION_ATTEMPTS && self.next_start.is_some_and(|at| at <= now)
    }

    /// Every address was tried and every attempt failed.
    pub fn lost(&self) -> bool {
        self.under_way == 0 && self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn families_interleave_from_the_resolvers_first_choice() {
        let resolved = [
            ip("2001:db8::1"),
            ip("2001:db8::2"),
            ip("192.0.2.1"),
            ip("192.0.2.2"),
            ip("2001:db8::1"),
        ];
        assert_eq!(
            order(&resolved, IpVersion::Any),
            [
                ip("2001:db8::1"),
                ip("192.0.2.1"),
                ip("2001:db8::2"),
                ip("192.0.2.2")
            ]
        );
        let v4_first = [ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.2")];
        assert_eq!(
            order(&v4_first, IpVersion::Any),
            [ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.2")]
        );
        assert_eq!(
            order(&resolved, IpVersion::Ipv4),
            [ip("192.0.2.1"), ip("192.0.2.2")]
        );
        assert_eq!(
            order(&resolved, IpVersion::Ipv6),
            [ip("2001:db8::1"), ip("2001:db8::2")]
        );
        assert!(order(&[ip("192.0.2.1")], IpVersion::Ipv6).is_empty());
    }

    #[test]
    fn a_pending_attempt_gets_company_after_the_delay() {
        let delay = CONNECTION_ATTEMPT_DELAY;
        let mut race = Race::new(vec![ip("::1"), ip("127.0.0.1")], delay);
        assert_eq!(race.due(Duration::ZERO), Some(ip("::1")));
        assert_eq!(race.due(Duration::from_millis(100)), None, "still alone");
        assert_eq!(race.wake_at(), Some(delay));
        assert_eq!(race.due(delay), Some(ip("127.0.0.1")), "both under way");
        assert_eq!(race.wake_at(), None);
        assert!(!race.lost());
        race.failed(delay * 2);
        assert!(!race.lost(), "one is still under way");
        race.failed(delay * 3);
        assert!(race.lost());
    }

    #[test]
    fn a_failure_starts_the_next_attempt_at_once() {
        let mut race = Race::new(
            vec![ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")],
            Duration::from_millis(250),
        );
        assert_eq!(race.due(Duration::ZERO), Some(ip("192.0.2.1")));
        race.failed(Duration::from_millis(10));
        assert_eq!(race.wake_at(), Some(Duration::from_millis(10)));
        assert_eq!(
            race.due(Duration::from_millis(10)),
            Some(ip("192.0.2.2")),
            "not 250 ms later"
        );
        assert_eq!(race.due(Duration::from_millis(11)), None);
        assert_eq!(race.due(Duration::from_millis(260)), Some(ip("192.0.2.3")));
    }

    #[test]
    fn attempts_under_way_stay_within_the_cap() {
        let addresses: Vec<IpAddr> = (1..=10).map(|i| IpAddr::from([192, 0, 2, i])).collect();
        let delay = Duration::from_millis(250);
        let mut race = Race::new(addresses.clone(), delay);
        let mut started = Vec::new();
        for step in 0..4 {
            assert!(!race.is_full(delay * step));
            started.extend(race.due(delay * step));
        }
        assert_eq!(started, addresses[..MAX_CONNECTION_ATTEMPTS]);
        // The fifth is due a delay later: the race is full, the oldest is given up.
        assert_eq!(race.due(delay * 4), None, "no room");
        assert!(race.is_full(delay * 4));
        race.failed(delay * 4);
        assert!(!race.is_full(delay * 4));
        assert_eq!(
            race.due(delay * 4),
            Some(addresses[MAX_CONNECTION_ATTEMPTS])
        );
        assert!(
            !race.is_full(delay * 4 + delay / 2),
            "the next is not due yet"
        );
        assert!(race.is_full(delay * 5));
        assert!(!race.lost());
    }

    #[test]
    fn every_failed_address_is_listed_up_to_a_bound() {
        let failures: Vec<(SocketAddr, String)> = (1..=6)
            .map(|i| (SocketAddr::from(([192, 0, 2, i], 25)), format!("error {i}")))
            .collect();
        assert_eq!(
            failed_everywhere(&failures[..2]),
            "every address failed: 192.0.2.1:25: error 1; 192.0.2.2:25: error 2"
        );
        let all = failed_everywhere(&failures);
        assert!(all.contains("192.0.2.4:25: error 4; and 2 more"), "{all}");
        assert!(!all.contains("192.0.2.5"), "{all}");
    }

    #[test]
    fn no_address_is_a_lost_race() {
        let mut race = Race::new(Vec::new(), CONNECTION_ATTEMPT_DELAY);
        assert!(race.lost());
        assert_eq!(race.due(Duration::ZERO), None);
        assert_eq!(race.wake_at(), None);
    }
}
