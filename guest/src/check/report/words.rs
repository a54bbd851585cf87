//! The result's one-line message, in plain words, with the server's own text. Monitoring
//! systems show this line to a person at 3 a.m.: it says what happened, where, and what the
//! server said.

use crate::smtp::reply::reply_text;
use crate::wit::{ErrorKind, Failure, Phase, Reply};

/// What a message needs to know about the check.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The server as the user named it, with the port: `mail.example:25`.
    pub server: &'a str,
    /// The check's timeout, in seconds.
    pub timeout_seconds: u32,
    /// What to try when the server stays silent instead of greeting: set when the check
    /// spoke plain text first, which a server of implicit TLS never answers.
    pub silent_greeting_hint: Option<&'a str>,
}

/// The message of a successful check.
pub fn for_success(context: Context, banner: Option<&Reply>, response_ms: f64) -> String {
    let greeting = banner
        .map(|b| format!(": {}", reply_text(b)))
        .unwrap_or_default();
    format!(
        "{} answered in {} ms{greeting}",
        context.server,
        one_decimal(response_ms)
    )
}

/// A non-negative number with one decimal (`12.3`), formatted with integers: Rust's float
/// formatting would add some 25 KB of tables and code to the component for this one use.
pub fn one_decimal(value: f64) -> String {
    let tenths = (value.max(0.0) * 10.0).round();
    let tenths = if tenths.is_finite() { tenths as u64 } else { 0 };
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The message of a check that worked, but with something degraded.
pub fn for_warning(
    context: Context,
    banner: Option<&Reply>,
    response_ms: f64,
    degraded: &Failure,
) -> String {
    let success = for_success(context, banner, response_ms);
    let unencrypted = "the connection was not encrypted";
    let why = match &degraded.kind {
        ErrorKind::TlsNotOffered => format!("the server does not offer STARTTLS: {unencrypted}"),
        ErrorKind::UnexpectedReply(reply) if degraded.phase == Phase::Starttls => {
            format!(
                "STARTTLS was refused ({}): {unencrypted}",
                reply_text(reply)
            )
        }
        ErrorKind::TlsFailed(why) | ErrorKind::CertificateRejected(why) => {
            format!(
                "implicit TLS failed ({why}), so the check went on in plain text: {unencrypted}"
            )
        }
        ErrorKind::CertificateExpiring(days) => expiry(*days),
        ErrorKind::ResponseTimeExceeded(limit) => slower_than(*limit),
        ErrorKind::ExpectationMissed(why) => why.clone(),
        _ => for_failure(context, degraded),
    };
    format!("{success}; but {why}")
}

/// The message of a check that fell back to plain text after implicit TLS failed
/// (`fallback`, the reason) and then failed: what went wrong, then why TLS was given up.
pub fn after_fallback(message: String, fallback: &Failure) -> String {
    match &fallback.kind {
        ErrorKind::TlsFailed(why) | ErrorKind::CertificateRejected(why) => {
            format!("{message} (after implicit TLS failed: {why}; the check went on in plain text)")
        }
        _ => message,
    }
}

/// A response time over a threshold, in words.
fn slower_than(limit_ms: u32) -> String {
    format!("the response took longer than the threshold of {limit_ms} ms")
}

/// The message of a check that worked but too slowly for its critical threshold: the
/// success, and why it is down anyway.
pub fn for_slow(
    context: Context,
    banner: Option<&Reply>,
    response_ms: f64,
    limit_ms: u32,
) -> String {
    format!(
        "{}; but {}",
        for_success(context, banner, response_ms),
        slower_than(limit_ms)
    )
}

/// The certificate's remaining life in words.
fn expiry(days: i64) -> String {
    match days {
        d if d < 0 => format!("the certificate expired {} days ago", -d),
        0 => "the certificate expires today".to_string(),
        d => format!("the certificate expires in {d} days"),
    }
}

/// The message of a failed check.
pub fn for_failure(context: Context, failure: &Failure) -> String {
    let server = context.server;
    let doing = doing(failure.phase);
    match &failure.kind {
        ErrorKind::InvalidSettings(what) => what.clone(),
        ErrorKind::NameLookupFailed(why) => format!("{server}: name lookup failed: {why}"),
        ErrorKind::ConnectionRefused => {
            format!("{server}: connection refused (nothing is listening on that port)")
        }
        ErrorKind::ConnectFailed(why) => format!("{server}: could not connect: {why}"),
        ErrorKind::AccessDenied(why) => {
            format!("{server}: the sandbox denied the connection: {why}")
        }
        ErrorKind::Timeout => {
            let hint = match (failure.phase, context.silent_greeting_hint) {
                (Phase::Banner | Phase::MailboxGreeting, Some(hint)) => format!("; {hint}"),
                _ => String::new(),
            };
            format!(
                "{server}: timed out after {} s {doing}{hint}",
                context.timeout_seconds
            )
        }
        ErrorKind::ConnectionClosed => {
            format!("{server}: the server closed the connection {doing}")
        }
        ErrorKind::UnexpectedReply(reply) => {
            format!(
                "{server}: {} was refused: {}",
                command_of(failure.phase),
                reply_text(reply)
            )
        }
        ErrorKind::ProtocolViolation(what) => format!("{server}: protocol error {doing}: {what}"),
        ErrorKind::TlsNotOffered => format!("{server}: the server does not offer STARTTLS"),
        ErrorKind::TlsFailed(why) => format!("{server}: TLS handshake failed: {why}"),
        ErrorKind::CertificateRejected(why) => format!("{server}: certificate rejected: {why}"),
        ErrorKind::CertificateExpiring(days) => format!("{server}: {}", expiry(*days)),
        ErrorKind::ResponseTimeExceeded(limit) => format!("{server}: {}", slower_than(*limit)),
        ErrorKind::AuthUnavailable(why) => format!("{server}: cannot log in: {why}"),
        ErrorKind::ExpectationMissed(why) => format!("{server}: {why}"),
        ErrorKind::OpenRelay(reply) => format!(
            "{server}: the server relays: it accepted RCPT TO an outside recipient without \
             authentication: {}",
            reply_text(reply)
        ),
        ErrorKind::PlaintextAuthRefused => format!(
            "{server}: refused to send credentials over an unencrypted connection \
             (use a TLS mode, or allow plain-text authentication explicitly)"
        ),
        ErrorKind::AuthFailed(reply) => {
            format!("{server}: authentication failed: {}", reply_text(reply))
        }
        ErrorKind::NotSupported(what) => what.clone(),
        ErrorKind::MailboxFailed(why) => format!("{server}: {why}"),
        ErrorKind::DeliveredToSpam(folder) => format!(
            "{server}: the test email was delivered to spam: it arrived in the folder {folder:?}"
        ),
        ErrorKind::MessageNotDelivered(waited_ms) => format!(
            "{server}: the test email did not arrive in the mailbox: waited {} after the SMTP \
             server accepted it",
            seconds(*waited_ms)
        ),
        ErrorKind::DeliveryLatencyExceeded(limit) => format!(
            "{server}: the test email took longer than {} to arrive in the mailbox",
            seconds(*limit)
        ),
        ErrorKind::NullMx => {
            format!("{server}: the domain accepts no mail: it publishes a null MX (RFC 7505)")
        }
        ErrorKind::MxHostsFailed(why) => format!("{server}: {why}"),
        ErrorKind::MtaStsFailed(why) => format!("{server}: MTA-STS: {why}"),
        ErrorKind::DnsUnavailable(why) => format!("{server}: no DNS for a domain check: {why}"),
        ErrorKind::DaneMismatch(why) => {
            format!("{server}: DANE senders will not deliver: {why}")
        }
        ErrorKind::DaneFailed(why) => format!("{server}: DANE: {why}"),
        ErrorKind::DaneWeak(why) => format!("{server}: DANE: {why}"),
        ErrorKind::DnssecBogus(why) => format!("{server}: DNSSEC bogus: {why}"),
        ErrorKind::DnssecSignaturesExpiring(why) => format!("{server}: DNSSEC: {why}"),
        ErrorKind::ComponentFailed(why) => format!("{server}: the check itself failed: {why}"),
    }
}

/// The server as `host:port`, an IPv6 literal in brackets (`[::1]:25`), as messages name it.
pub fn server_label(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What the check was doing in a phase, to follow "timed out after 5 s".
fn doing(phase: Phase) -> &'static str {
    match phase {
        Phase::Settings => "checking the settings",
        Phase::NameLookup => "looking up the host name",
        Phase::Connect => "connecting",
        Phase::TlsHandshake => "during the TLS handshake",
        Phase::Banner => "waiting for the greeting (banner)",
        Phase::Ehlo => "waiting for the reply to EHLO/HELO",
        Phase::Starttls => "waiting for the reply to STARTTLS",
        Phase::EhloAfterTls => "waiting for the reply to EHLO after STARTTLS",
        Phase::Auth => "during authentication",
        Phase::MailFrom => "waiting for the reply to MAIL FROM",
        Phase::RcptTo => "waiting for the reply to RCPT TO",
        Phase::Data => "sending the message (DATA)",
        Phase::Quit => "waiting for the reply to QUIT",
        Phase::MailboxConnect => "connecting to the mailbox",
        Phase::MailboxTlsHandshake => "during the mailbox's TLS handshake",
        Phase::MailboxGreeting => "waiting for the mailbox's greeting",
        Phase::MailboxStarttls => "waiting for the mailbox's answer to STARTTLS",
        Phase::MailboxLogin => "logging in to the mailbox",
        Phase::MailboxSearch => "looking for the test email in the mailbox",
        Phase::MailboxFetch => "reading the mailbox's headers",
        Phase::MailboxDelete => "deleting the test email",
        Phase::MailboxLogout => "logging out of the mailbox",
        Phase::MxLookup => "looking up the MX hosts",
        Phase::MtaStsLookup => "looking up the _mta-sts record",
        Phase::MtaStsFetch => "fetching the MTA-STS policy",
        Phase::TlsRptLookup => "looking up the _smtp._tls record",
        Phase::MtaStsJudge => "judging the MTA-STS policy",
        Phase::TlsaLookup => "looking up the TLSA records",
    }
}

/// Milliseconds as seconds in words, e.g. `2.5 s`.
fn seconds(ms: u32) -> String {
    format!("{} s", one_decimal(f64::from(ms) / 1000.0))
}

/// What a refusal in a phase refused.
fn command_of(phase: Phase) -> &'static str {
    match phase {
        Phase::Banner => "the connection",
        Phase::Ehlo => "EHLO/HELO",
        Phase::Starttls => "STARTTLS",
        Phase::EhloAfterTls => "EHLO after STARTTLS",
        Phase::Auth => "AUTH",
        Phase::MailFrom => "MAIL FROM",
        Phase::RcptTo => "RCPT TO",
        Phase::Data => "DATA",
        Phase::Quit => "QUIT",
        Phase::MailboxConnect => "connecting to the mailbox",
        Phase::MailboxTlsHandshake => "the mailbox's TLS handshake",
        Phase::MailboxGreeting => "the mailbox's greeting",
        Phase::MailboxStarttls => "the mailbox's STARTTLS",
        Phase::MailboxLogin => "the mailbox log-in",
        Phase::MailboxSearch => "the mailbox search",
        Phase::MailboxFetch => "reading the mailbox's headers",
        Phase::MailboxDelete => "deleting the test email",
        Phase::MailboxLogout => "the mailbox log-out",
        Phase::MtaStsFetch => "the MTA-STS policy fetch",
        Phase::TlsaLookup
        | Phase::Settings
        | Phase::NameLookup
        | Phase::Connect
        | Phase::TlsHandshake
        | Phase::MxLookup
        | Phase::MtaStsLookup
        | Phase::TlsRptLookup
        | Phase::MtaStsJudge => "the check",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::make_reply;

    const CONTEXT: Context = Context {
        server: "mail.example:25",
        timeout_seconds: 5,
        silent_greeting_hint: None,
    };

    #[test]
    fn refusal_carries_the_servers_words() {
        let reply = make_reply(554, vec!["5.3.2 no service".into(), "try later".into()]);
        let failure = Failure {
            phase: Phase::Banner,
            kind: ErrorKind::UnexpectedReply(reply),
        };
        assert_eq!(
            for_failure(CONTEXT, &failure),
            "mail.example:25: the connection was refused: 554 5.3.2 no service | try later"
        );
    }

    #[test]
    fn timeout_names_phase_and_seconds() {
        let failure = Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        };
        let message = for_failure(CONTEXT, &failure);
        assert!(
            message.contains("timed out after 5 s waiting for the greeting"),
            "{message}"
        );
    }

    #[test]
    fn refused_connection_says_refused() {
        let failure = Failure {
            phase: Phase::Connect,
            kind: ErrorKind::ConnectionRefused,
        };
        assert!(for_failure(CONTEXT, &failure).contains("refused"));
    }

    #[test]
    fn warnings_say_what_was_degraded() {
        let banner = make_reply(220, vec!["mail.example".into()]);
        let not_offered = Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::TlsNotOffered,
        };
        let message = for_warning(CONTEXT, Some(&banner), 1.0, &not_offered);
        assert_eq!(
            message,
            "mail.example:25 answered in 1.0 ms: 220 mail.example; but the server does not \
             offer STARTTLS: the connection was not encrypted"
        );
        let refused = Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::UnexpectedReply(make_reply(454, vec!["4.7.0 no TLS".into()])),
        };
        let message = for_warning(CONTEXT, None, 1.0, &refused);
        assert!(
            message.contains("STARTTLS was refused (454 4.7.0 no TLS)"),
            "{message}"
        );
        let soon = Failure {
            phase: Phase::TlsHandshake,
            kind: ErrorKind::CertificateExpiring(3),
        };
        assert!(for_warning(CONTEXT, None, 1.0, &soon).ends_with("expires in 3 days"));
        let gone = Failure {
            phase: Phase::TlsHandshake,
            kind: ErrorKind::CertificateExpiring(-2),
        };
        assert!(for_failure(CONTEXT, &gone).ends_with("expired 2 days ago"));
    }

    #[test]
    fn slow_responses_say_the_threshold() {
        let banner = make_reply(220, vec!["mail.example".into()]);
        let slow = Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ResponseTimeExceeded(500),
        };
        assert_eq!(
            for_warning(CONTEXT, Some(&banner), 612.0, &slow),
            "mail.example:25 answered in 612.0 ms: 220 mail.example; but the response took \
             longer than the threshold of 500 ms"
        );
        assert_eq!(
            for_slow(CONTEXT, None, 2100.0, 2000),
            "mail.example:25 answered in 2100.0 ms; but the response took longer than the \
             threshold of 2000 ms"
        );
    }

    #[test]
    fn server_labels_bracket_ipv6() {
        assert_eq!(server_label("::1", 25), "[::1]:25");
        assert_eq!(server_label("[::1]", 25), "[::1]:25");
        assert_eq!(server_label("mail.example", 587), "mail.example:587");
    }

    #[test]
    fn one_decimal_as_float_formatting_would() {
        for value in [0.0, 0.04, 0.05, 1.0, 12.345, 99.96, 612.0, 1234.56] {
            assert_eq!(one_decimal(value), format!("{value:.1}"), "{value}");
        }
        assert_eq!(one_decimal(-1.0), "0.0");
        assert_eq!(one_decimal(f64::NAN), "0.0");
    }

    #[test]
    fn bare_code_reply() {
        assert_eq!(reply_text(&make_reply(250, vec![String::new()])), "250");
    }

    #[test]
    fn success_shows_time_and_greeting() {
        let banner = make_reply(220, vec!["mail.example ESMTP".into()]);
        assert_eq!(
            for_success(CONTEXT, Some(&banner), 12.345),
            "mail.example:25 answered in 12.3 ms: 220 mail.example ESMTP"
        );
    }
}
