//! The round trip's token, and which mail it makes a test message. A token is
//! `PREFIX-ENDS-RANDOM`: the configured prefix, the Unix second by which the run that wrote
//! it has ended for certain (its start plus the longest it may take), and 16 hex digits of
//! randomness. It is the local part of the test email's Message-ID (`<TOKEN@helo>`), and
//! stands at the end of its subject.
//!
//! Only the Message-ID decides: a message is a test message when its Message-ID is exactly
//! `<TOKEN@domain>` with a whole token of this prefix. A reply or forward that quotes a token
//! in its subject or body has a Message-ID of its own and is never touched. A run deletes
//! its own test message, and another run's only once that run must have ended (its `ENDS`
//! plus [`CLOCK_MARGIN_SECONDS`] for clocks that disagree): runs that overlap on one mailbox
//! (Prometheus replicas scraping together) never take each other's message.

/// How far the clocks of two runs on different machines may disagree, in seconds: another
/// run's test message is left alone until this long after its run must have ended.
pub const CLOCK_MARGIN_SECONDS: i64 = 120;

use super::fields;

/// The longest Message-ID kept (RFC 5322's line limit).
pub const MAX_MESSAGE_ID_LEN: usize = 998;

/// The number of hex digits of a token's random part.
const RANDOM_DIGITS: usize = 16;

/// What a message is to this run, by its Message-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// This run's test message.
    Ours,
    /// A test message of a run that has certainly ended: deleted with this run's.
    Leftover,
    /// A test message of a run that may still be looking for it: left alone.
    InFlight,
    /// Not a test message: never touched.
    Other,
}

/// The token of a run that starts at `now` (Unix seconds) and may take `longest` seconds,
/// with `random` bytes (the first eight are used).
pub fn make(prefix: &str, now: i64, longest: u64, random: &[u8]) -> String {
    let ends = now.saturating_add(i64::try_from(longest).unwrap_or(i64::MAX));
    let hex: String = random
        .iter()
        .take(RANDOM_DIGITS / 2)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}-{ends}-{hex:0<RANDOM_DIGITS$}")
}

/// What tells this run's test messages from everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The prefix every run's token starts with.
    pub prefix: String,
    /// This run's token.
    pub own: String,
    /// When this run started, in Unix seconds: a run whose end is older than this (with
    /// the margin) has ended.
    pub now: i64,
}

impl Tokens {
    /// What a message with the Message-ID header value `message_id` is (the value as sent,
    /// with its angle brackets; folding whitespace and a trailing comment are allowed).
    pub fn kind(&self, message_id: &str) -> Kind {
        let Some(local) = message_id_local_part(message_id) else {
            return Kind::Other;
        };
        let Some(ends) = token_end(local, &self.prefix) else {
            return Kind::Other;
        };
        if local == self.own {
            Kind::Ours
        } else if ends.saturating_add(CLOCK_MARGIN_SECONDS) < self.now {
            Kind::Leftover
        } else {
            Kind::InFlight
        }
    }

    /// What a message is, by its header section (`headers`, as a server sends it: lines
    /// ending in CRLF or LF, continuation lines folded), and its Message-ID (at most
    /// [`MAX_MESSAGE_ID_LEN`] bytes kept: a hostile header costs no more).
    pub fn read(&self, headers: &str) -> (Kind, String) {
        let mut message_id = fields::first(headers, "Message-ID").unwrap_or_default();
        message_id.truncate(message_id.floor_char_boundary(MAX_MESSAGE_ID_LEN));
        (self.kind(&message_id), message_id)
    }
}

/// The local part of a Message-ID's value `<local@domain>`, when it has exactly that form.
fn message_id_local_part(value: &str) -> Option<&str> {
    let value = value.trim();
    let inner = value.strip_prefix('<')?;
    let close = inner.find('>')?;
    let rest = inner[close + 1..].trim();
    if !(rest.is_empty() || rest.starts_with('(')) {
        return None;
    }
    let (local, domain) = inner[..close].split_once('@')?;
    (!domain.is_empty() && !domain.contains(['@', '<'])).then_some(local)
}

/// When the run of the whole token `text` (of `prefix`) ends; none if `text` is not one.
fn token_end(text: &str, prefix: &str) -> Option<i64> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('-')?;
    let (ends, random) = rest.split_once('-')?;
    let digits_ok =
        !ends.is_empty() && ends.len() <= 12 && ends.bytes().all(|b| b.is_ascii_digit());
    let random_ok = random.len() == RANDOM_DIGITS
        && random
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !(digits_ok && random_ok) {
        return None;
    }
    ends.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "smtp-sensor-rt";
    const NOW: i64 = 1_800_000_000;

    fn tokens() -> Tokens {
        Tokens {
            prefix: PREFIX.into(),
            own: make(PREFIX, NOW, 60, &[0xab; 16]),
            now: NOW,
        }
    }

    #[test]
    fn a_token_carries_when_its_run_ends() {
        let own = tokens().own;
        assert_eq!(own, "smtp-sensor-rt-1800000060-abababababababab");
        assert_eq!(token_end(&own, PREFIX), Some(NOW + 60));
        assert_eq!(token_end(&own, "smtp-sensor"), None, "a whole prefix");
    }

    #[test]
    fn only_a_whole_token_as_the_message_id_makes_a_test_message() {
        let t = tokens();
        let id = |local: &str| format!("<{local}@probe.test>");
        assert_eq!(t.kind(&id(&t.own)), Kind::Ours);
        assert_eq!(t.kind(&format!(" {} (comment)", id(&t.own))), Kind::Ours);
        // Another run that may still be looking for its message; one long over.
        let other = make(PREFIX, NOW - 30, 60, &[1; 8]);
        assert_eq!(t.kind(&id(&other)), Kind::InFlight);
        let over = make(PREFIX, NOW - 60 - CLOCK_MARGIN_SECONDS - 1, 60, &[1; 8]);
        assert_eq!(t.kind(&id(&over)), Kind::Leftover);
        // Within the clocks' margin: not yet.
        let margin = make(PREFIX, NOW - 60 - CLOCK_MARGIN_SECONDS + 1, 60, &[1; 8]);
        assert_eq!(t.kind(&id(&margin)), Kind::InFlight);
        for other in [
            id(&format!("{}x", t.own)),
            id(&format!("re-{}", t.own)),
            id(&format!("{PREFIX}-1700000000-abab")),
            id(&format!("{PREFIX}-1700000000-ABABABABABABABAB")),
            id(&format!("{PREFIX}-x-abababababababab")),
            id(&format!("{PREFIX}-abababababababab")),
            format!("<{}>", t.own),
            format!("{}@probe.test", t.own),
            format!("<x@y> {}", id(&t.own)),
            String::new(),
        ] {
            assert_eq!(t.kind(&other), Kind::Other, "{other}");
        }
    }

    #[test]
    fn the_message_id_is_read_from_the_headers_alone() {
        let t = tokens();
        let ours = format!(
            "Subject: smtp-sensor test message\r\nMessage-ID:\r\n <{}@probe.test>\r\n\r\n",
            t.own
        );
        assert_eq!(t.read(&ours).0, Kind::Ours);
        // A forward that quotes the token in its subject and body is someone's mail.
        let forward = format!(
            "Subject: Fwd: what is {}?\nmessage-id: <CAF00@mail.test>\n\nMessage-ID: <{}@x>\n",
            t.own, t.own
        );
        assert_eq!(t.read(&forward).0, Kind::Other);
    }
}
