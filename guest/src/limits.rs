//! Every default and limit of the check, in one place. The host uses these too (it depends
//! on this crate natively), so the CLI, the component and the docs can never disagree.
//! What the host alone allows a component (memory, wall time, resources) is the host's
//! (`smtp_sensor_host::engine::limits`): the component never sees it.

/// The spec's default timeout of a check, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 60;
/// The smallest timeout a check accepts, in seconds.
pub const MIN_TIMEOUT_SECONDS: u32 = 1;
/// The spec's largest timeout, in seconds (15 minutes).
pub const MAX_TIMEOUT_SECONDS: u32 = 900;

/// The default port for plain text and STARTTLS (SMTP, RFC 5321).
pub const DEFAULT_PORT_PLAIN: u16 = 25;
/// The default port for implicit TLS (submissions, RFC 8314).
pub const DEFAULT_PORT_IMPLICIT_TLS: u16 = 465;

/// The default mailbox ports of a round trip: IMAP (RFC 3501) and IMAP over implicit TLS
/// (RFC 8314).
pub const DEFAULT_PORT_IMAP: u16 = 143;
/// IMAP over implicit TLS.
pub const DEFAULT_PORT_IMAPS: u16 = 993;
/// POP3 (RFC 1939).
pub const DEFAULT_PORT_POP3: u16 = 110;
/// POP3 over implicit TLS (RFC 8314).
pub const DEFAULT_PORT_POP3S: u16 = 995;

/// What every round trip's token starts with when none is given.
pub const DEFAULT_TOKEN_PREFIX: &str = "smtp-sensor-roundtrip";

/// Report `warning` when the certificate expires within this many days.
pub const DEFAULT_CERT_WARNING_DAYS: u32 = 14;
/// Report `down` when the certificate expires within this many days (0: once expired).
pub const DEFAULT_CERT_CRITICAL_DAYS: u32 = 0;

/// The largest certificate threshold accepted, in days (ten years).
pub const MAX_CERT_DAYS: u32 = 3650;

/// The largest "Response Time" threshold accepted, in milliseconds: the longest timeout.
pub const MAX_RESPONSE_THRESHOLD_MS: u32 = MAX_TIMEOUT_SECONDS * 1000;

/// The test email's subject when none is given.
pub const DEFAULT_SUBJECT: &str = "smtp-sensor test message";
/// The test email's body when none is given.
pub const DEFAULT_BODY: &str = "This message was sent by smtp-sensor to check this mail server.";

/// The longest banner pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 1024;
/// The most EHLO extensions a check may require.
pub const MAX_EXPECTED_EXTENSIONS: usize = 32;

/// The longest HELO ident accepted (a domain name's limit, RFC 1035).
pub const MAX_HELO_LEN: usize = 255;
/// The longest host name accepted (RFC 1035).
pub const MAX_HOST_LEN: usize = 253;

/// The longest reply line accepted, CRLF included. RFC 5321 allows 512 octets; real servers
/// send longer lines, so allow well over that, but bound what a hostile server can make us
/// buffer.
pub const MAX_REPLY_LINE_LEN: usize = 4096;
/// The most lines one reply may have (EHLO replies are the longest, typically under 30).
pub const MAX_REPLY_LINES: usize = 128;

/// The most spam folders a round trip looks in besides INBOX.
pub const MAX_SPAM_FOLDERS: usize = 4;
/// The longest spam folder name accepted.
pub const MAX_FOLDER_NAME_LEN: usize = 255;
/// The longest line a mailbox server (POP3, IMAP) may send, CRLF included: message lines
/// may reach RFC 5322's 998 octets and servers send longer ones; bounded all the same.
pub const MAX_MAILBOX_LINE_LEN: usize = 16 * 1024;
/// The longest line an IMAP server may send, CRLF included: a SEARCH answer is one line,
/// and a mailbox holding thousands of test messages (an outage's backlog) makes it long;
/// still bounded, within [`MAX_MAILBOX_RESPONSE_BYTES`].
pub const MAX_IMAP_LINE_LEN: usize = 1 << 20;
/// The most bytes one mailbox response may hold (a UIDL or SEARCH of a large mailbox, a
/// fetched header): enough for tens of thousands of messages, bounded against a hostile
/// server.
pub const MAX_MAILBOX_RESPONSE_BYTES: usize = 4 << 20;

/// How many bytes one socket read asks for.
pub const READ_CHUNK: u64 = 16 * 1024;

/// How long QUIT may take once the verdict is known, in milliseconds. QUIT is a courtesy:
/// a server that never answers it must not turn an `up` into a timeout.
pub const QUIT_GRACE_MS: u64 = 2_000;

/// How long deleting the round trip's test messages and logging out may take once its
/// verdict is known (found, or given up), in milliseconds: a courtesy, like QUIT.
pub const MAILBOX_CLEANUP_GRACE_MS: u64 = 5_000;

/// The longest line of a composed message, CRLF excluded (RFC 5322 allows 998; quoted-
/// printable keeps body lines to 76).
pub const MAX_MESSAGE_LINE_LEN: usize = 76;

/// The most bytes of text a check's transcript keeps (both dialogues together): past it,
/// later lines are left out, and a note says so. Keeps every result well within what a
/// host copies out of the component for one call (this crate's host: 4 MiB).
pub const MAX_TRANSCRIPT_BYTES: usize = 1 << 20;

/// The most bytes of text each MX host's transcript keeps in a domain check: ten of them
/// and the domain's own stay well within what the host copies out of one check.
pub const MAX_MX_TRANSCRIPT_BYTES: usize = MAX_TRANSCRIPT_BYTES / 8;

/// The most name lookups a check may make: the host refuses more (a hostile component
/// could otherwise flood the resolver). The component looks up each target once however
/// often it connects: the SMTP server, and a round trip's mailbox server.
pub const MAX_LOOKUPS_PER_CHECK: usize = 8;

/// The most name lookups a check may have under way at once: the host starts another only
/// when one ends. The component waits for each before it goes on.
pub const MAX_LOOKUPS_IN_FLIGHT: usize = 2;

/// The most DNS lookups (the contract's `dns`) one check may have under way at once: the
/// host refuses one more (`over-budget`) rather than queue it, and the component queues its
/// own beyond this. A domain check asks for its MX hosts' addresses (and TLSA records)
/// together: 8 keeps the queue short and one slow answer from holding the others.
pub const MAX_DNS_LOOKUPS_IN_FLIGHT: usize = 8;

/// The most MX hosts a domain check checks (the most preferred first): the host's DNS
/// sandbox permits the addresses of this many exchanges, and no more.
pub const MAX_MX_HOSTS: usize = 10;

/// A domain check's default warning threshold for an MTA-STS policy's `max_age`: a week,
/// in seconds (a short `max_age` leaves senders without the policy soon after an outage).
pub const DEFAULT_STS_MAX_AGE_WARNING_SECONDS: u32 = 7 * 24 * 3600;

/// The HTTPS port of the MTA-STS policy host (RFC 8461 3.3: always 443).
pub const MTA_STS_PORT: u16 = 443;
/// Warn when a DNSSEC signature over an answer the check used expires within this many
/// seconds (3 days): time to notice a signer that stopped before the zone goes bogus.
pub const DEFAULT_SIGNATURE_WARNING_SECONDS: u32 = 3 * 24 * 3600;
/// The longest signature warning: signatures rarely live longer than a month (Knot signs
/// for 14 days, BIND for 30), so a longer warning would warn always.
pub const MAX_SIGNATURE_WARNING_SECONDS: u32 = 90 * 24 * 3600;

/// The most DNS lookups (the contract's `dns`: MX, TXT, TLSA, A, AAAA) a check may make:
/// the host refuses more (`over-budget`). A domain check needs at most 38: the domain's MX,
/// A, AAAA and TLSA (an implicit MX), `_mta-sts` and `_smtp._tls` TXT, `mta-sts`'s A and
/// AAAA, and for each of at most 10 MX hosts its A, AAAA and TLSA.
pub const MAX_DNS_LOOKUPS_PER_CHECK: usize = 48;

/// The most TCP sockets a check may hold open at once: the host refuses to create more
/// (`new-socket-limit`). The component holds one connection, and while connecting at most
/// [`MAX_CONNECTION_ATTEMPTS`] attempts, besides one it may keep from before.
pub const MAX_OPEN_SOCKETS: usize = 8;

/// The most connection attempts the component's Happy Eyeballs race has under way at
/// once; later addresses wait for one to fail. Within [`MAX_OPEN_SOCKETS`].
pub const MAX_CONNECTION_ATTEMPTS: usize = 4;

/// The most TCP sockets a domain check may hold open at once: every MX host's race at its
/// widest, all at once (a black-holed IPv6 holds its attempts), and the policy fetch's, and
/// one spare. Its MX hosts must not take each other's sockets.
pub const MAX_OPEN_SOCKETS_DOMAIN: usize = (MAX_MX_HOSTS + 1) * MAX_CONNECTION_ATTEMPTS + 1;

/// The most TCP sockets a check may hold open at once: a domain check's, or one host's.
pub const fn max_open_sockets(domain: bool) -> usize {
    if domain {
        MAX_OPEN_SOCKETS_DOMAIN
    } else {
        MAX_OPEN_SOCKETS
    }
}

/// What every redacted secret is replaced by in transcripts and messages.
pub const REDACTED: &str = "[redacted]";

/// The shortest secret scrubbed from what a server says. A shorter one (a one-letter test
/// password) would turn every occurrence of those letters in the server's words into
/// `[redacted]`, unreadable and no safer; the base64 forms of a log-in are always longer.
pub const MIN_REDACTED_LEN: usize = 4;

/// The channel names, as the spec and users see them.
pub mod channel {
    /// The primary channel: how long the check took until its verdict.
    pub const RESPONSE_TIME: &str = "Response Time";
    /// The spec's Downtime channel: 100 when this check is down, else 0.
    pub const DOWNTIME: &str = "Downtime";
    /// How long the TLS handshake took, in milliseconds.
    pub const TLS_HANDSHAKE: &str = "TLS Handshake";
    /// Whole days until the server's certificate expires; negative once expired.
    pub const CERTIFICATE_EXPIRY: &str = "Certificate Expiry";
    /// Whole days until the round trip's mailbox server's certificate expires.
    pub const MAILBOX_CERTIFICATE_EXPIRY: &str = "Mailbox Certificate Expiry";
    /// From MAIL FROM until the server accepted the test email, in milliseconds.
    pub const SEND_TIME: &str = "Send Time";
    /// A round trip's SMTP side: the SMTP dialogue until its verdict (PRTG's round-trip
    /// sensors' "SMTP Time").
    pub const SMTP_TIME: &str = "SMTP Time";
    /// A round trip's mailbox side over IMAP: from the first connection until the message
    /// was seen (or the search given up), waits included.
    pub const IMAP_TIME: &str = "IMAP Time";
    /// The same over POP3.
    pub const POP3_TIME: &str = "POP3 Time";
    /// From the SMTP server's acceptance of the test email until it was seen in the
    /// mailbox.
    pub const DELIVERY_LATENCY: &str = "Delivery Latency";
    /// A round trip over IMAP found the test email in a spam folder: 1, else 0.
    pub const IN_SPAM_FOLDER: &str = "In Spam Folder";
    /// The receiver's SPF result was `pass`: 1, else 0.
    pub const SPF_PASS: &str = "SPF Pass";
    /// The receiver's DKIM result (one of them) was `pass`: 1, else 0.
    pub const DKIM_PASS: &str = "DKIM Pass";
    /// The receiver's DMARC result was `pass`: 1, else 0.
    pub const DMARC_PASS: &str = "DMARC Pass";
    /// The receiver's ARC result was `pass`: 1, else 0.
    pub const ARC_PASS: &str = "ARC Pass";
    /// A domain check: how many MX hosts were checked.
    pub const MX_HOSTS: &str = "MX Hosts";
    /// A domain check: how many of them passed (up or warning).
    pub const MX_HOSTS_UP: &str = "MX Hosts Up";
    /// A domain check: the MTA-STS policy's mode, 2 enforce, 1 testing, 0 none or no policy.
    pub const MTA_STS_MODE: &str = "MTA-STS Mode";
    /// A domain check: the MTA-STS policy's `max_age`, in days.
    pub const MTA_STS_MAX_AGE: &str = "MTA-STS Max Age";
    /// DANE: 2 in force and matched, 1 not in force, 0 failed (a domain: its weakest MX
    /// host's).
    pub const DANE: &str = "DANE";
    /// DANE: usable TLSA records that match the presented chain (a domain: the fewest of
    /// its MX hosts in force).
    pub const DANE_MATCHED: &str = "DANE Matched";
    /// DANE: usable TLSA records that match nothing presented, a standby key for a
    /// rollover (a domain: the fewest of its MX hosts in force).
    pub const DANE_STANDBY: &str = "DANE Standby";
    /// DNSSEC of the answers used: 2 secure, 1 insecure, 0 bogus or indeterminate.
    pub const DNSSEC: &str = "DNSSEC";
    /// Days until the earliest DNSSEC signature over the answers used expires.
    pub const DNSSEC_SIGNATURE_EXPIRY: &str = "DNSSEC Signature Expiry";
}

/// The largest MTA-STS policy read, in bytes, and so the largest body the policy fetch
/// accepts: RFC 8461 3.3 suggests 64 KiB ("a suggested maximum policy size 64 kilobytes").
pub const MAX_STS_POLICY_BYTES: usize = 64 * 1024;
/// The most `mx` lines an MTA-STS policy may have. RFC 8461 sets none; real policies have
/// a handful (one per MX host or a wildcard). Bounds the matching a hostile policy costs.
pub const MAX_STS_MX_PATTERNS: usize = 256;
/// The largest `max_age` of an MTA-STS policy, in seconds (a year, RFC 8461 3.2).
pub const MAX_STS_MAX_AGE_SECONDS: u64 = 31_557_600;

/// The most bytes of an HTTP response's head (status line and header fields, interim 1xx
/// responses' heads and a chunked body's trailer fields included) the policy fetch reads.
pub const MAX_HTTP_HEAD_BYTES: usize = 16 * 1024;
/// The most header field lines (trailers included) an HTTP response may have.
pub const MAX_HTTP_FIELDS: usize = 100;
/// The longest chunk size line (`1f4;ext=...`) of a chunked body, line end included.
pub const MAX_HTTP_CHUNK_LINE: usize = 1024;
