//! The contract's names, spelled once: statuses, units, phases, directions, error kinds
//! and DANE's and DNSSEC's states as `wit/smtp-sensor.wit` spells them, and the names and stable ids the outputs give
//! each phase when they report it as a channel.

use crate::wit::{
    AuthMethod, ChannelUnit, DaneState, Direction, DnssecState, ErrorKind, IpVersion,
    MailboxProtocol, MxSource, Phase, Status, StsMode, TlsVersion, TransportSecurity,
};

/// A status as the contract spells it.
pub fn status(status: Status) -> &'static str {
    match status {
        Status::Up => "up",
        Status::Warning => "warning",
        Status::Down => "down",
    }
}

/// A transport-security mode as the contract (and `--security`) spells it.
pub fn security(security: TransportSecurity) -> &'static str {
    match security {
        TransportSecurity::None => "none",
        TransportSecurity::StarttlsIfAvailable => "starttls-if-available",
        TransportSecurity::TlsIfAvailable => "tls-if-available",
        TransportSecurity::Starttls => "starttls",
        TransportSecurity::Tls => "tls",
    }
}

/// An IP version as `--ip-version` spells it (check_smtp's `-4` and `-6`); the contract's
/// cases are `any`, `ipv4` and `ipv6`.
pub fn ip_version(version: IpVersion) -> &'static str {
    match version {
        IpVersion::Any => "auto",
        IpVersion::Ipv4 => "4",
        IpVersion::Ipv6 => "6",
    }
}

/// A TLS version as `--tls-min-version` spells it; the contract's cases are `tls12` and
/// `tls13`.
pub fn tls_version(version: TlsVersion) -> &'static str {
    match version {
        TlsVersion::Tls12 => "1.2",
        TlsVersion::Tls13 => "1.3",
    }
}

/// A round trip's protocol as the contract spells it.
pub fn mailbox_protocol(protocol: MailboxProtocol) -> &'static str {
    match protocol {
        MailboxProtocol::Imap => "imap",
        MailboxProtocol::Pop3 => "pop3",
    }
}

/// An email-authentication method as the contract (and `--expect-auth`) spells it, which
/// is also how receivers write it in Authentication-Results (`dkim=pass`).
pub fn auth_method(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Spf => "spf",
        AuthMethod::Dkim => "dkim",
        AuthMethod::Dmarc => "dmarc",
        AuthMethod::Arc => "arc",
    }
}

/// Every authentication method, in the order the contract lists them.
pub const AUTH_METHODS: [AuthMethod; 4] = [
    AuthMethod::Spf,
    AuthMethod::Dkim,
    AuthMethod::Dmarc,
    AuthMethod::Arc,
];

/// The flag channel that says whether the receiver's result for a method was `pass`.
pub fn auth_channel(method: AuthMethod) -> &'static str {
    use smtp_sensor_guest::limits::channel;
    match method {
        AuthMethod::Spf => channel::SPF_PASS,
        AuthMethod::Dkim => channel::DKIM_PASS,
        AuthMethod::Dmarc => channel::DMARC_PASS,
        AuthMethod::Arc => channel::ARC_PASS,
    }
}

/// An MTA-STS policy's mode as the contract (and `--expect-mta-sts`, and the policy's own
/// `mode` line) spells it.
pub fn sts_mode(mode: StsMode) -> &'static str {
    match mode {
        StsMode::Enforce => "enforce",
        StsMode::Testing => "testing",
        StsMode::None => "none",
    }
}

/// Where a domain check's MX hosts came from, as the contract spells it.
pub fn mx_source(source: MxSource) -> &'static str {
    match source {
        MxSource::MxRecords => "mx-records",
        MxSource::Implicit => "implicit",
        MxSource::NullMx => "null-mx",
        MxSource::LookupFailed => "lookup-failed",
    }
}

/// What DANE makes of a host, as the contract spells it.
pub fn dane_state(state: DaneState) -> &'static str {
    match state {
        DaneState::NotPublished => "not-published",
        DaneState::NotSecure => "not-secure",
        DaneState::Unusable => "unusable",
        DaneState::Matched => "matched",
        DaneState::NotMatched => "not-matched",
        DaneState::NoTls => "no-tls",
        DaneState::Bogus => "bogus",
        DaneState::LookupFailed => "lookup-failed",
    }
}

/// A DNSSEC status, as the contract spells it.
pub fn dnssec_state(state: DnssecState) -> &'static str {
    match state {
        DnssecState::Secure => "secure",
        DnssecState::Insecure => "insecure",
        DnssecState::Indeterminate => "indeterminate",
        DnssecState::Bogus => "bogus",
    }
}

/// A unit's short name, as the text and JSON outputs show it.
pub fn unit(unit: ChannelUnit) -> &'static str {
    match unit {
        ChannelUnit::Milliseconds => "ms",
        ChannelUnit::Days => "days",
        ChannelUnit::Percent => "%",
        ChannelUnit::Flag => "flag",
        ChannelUnit::Count => "count",
    }
}

/// A phase as the contract spells it.
pub fn phase(phase: Phase) -> &'static str {
    match phase {
        Phase::Settings => "settings",
        Phase::NameLookup => "name-lookup",
        Phase::Connect => "connect",
        Phase::TlsHandshake => "tls-handshake",
        Phase::Banner => "banner",
        Phase::Ehlo => "ehlo",
        Phase::Starttls => "starttls",
        Phase::EhloAfterTls => "ehlo-after-tls",
        Phase::Auth => "auth",
        Phase::MailFrom => "mail-from",
        Phase::RcptTo => "rcpt-to",
        Phase::Data => "data",
        Phase::Quit => "quit",
        Phase::MailboxConnect => "mailbox-connect",
        Phase::MailboxTlsHandshake => "mailbox-tls-handshake",
        Phase::MailboxGreeting => "mailbox-greeting",
        Phase::MailboxStarttls => "mailbox-starttls",
        Phase::MailboxLogin => "mailbox-login",
        Phase::MailboxSearch => "mailbox-search",
        Phase::MailboxFetch => "mailbox-fetch",
        Phase::MailboxDelete => "mailbox-delete",
        Phase::MailboxLogout => "mailbox-logout",
        Phase::MxLookup => "mx-lookup",
        Phase::MtaStsLookup => "mta-sts-lookup",
        Phase::MtaStsFetch => "mta-sts-fetch",
        Phase::TlsRptLookup => "tls-rpt-lookup",
        Phase::MtaStsJudge => "mta-sts-judge",
        Phase::TlsaLookup => "tlsa-lookup",
    }
}

/// Every phase, in the order a check runs them.
pub const PHASES: [Phase; 28] = [
    Phase::Settings,
    Phase::NameLookup,
    Phase::TlsaLookup,
    Phase::Connect,
    Phase::TlsHandshake,
    Phase::Banner,
    Phase::Ehlo,
    Phase::Starttls,
    Phase::EhloAfterTls,
    Phase::Auth,
    Phase::MailFrom,
    Phase::RcptTo,
    Phase::Data,
    Phase::Quit,
    Phase::MailboxConnect,
    Phase::MailboxTlsHandshake,
    Phase::MailboxGreeting,
    Phase::MailboxStarttls,
    Phase::MailboxLogin,
    Phase::MailboxSearch,
    Phase::MailboxFetch,
    Phase::MailboxDelete,
    Phase::MailboxLogout,
    Phase::MxLookup,
    Phase::MtaStsLookup,
    Phase::MtaStsFetch,
    Phase::TlsRptLookup,
    Phase::MtaStsJudge,
];

/// A phase's duration as a channel: its name and its stable PRTG Script v2 id. The TLS
/// handshake shares the name and id of the component's "TLS Handshake" channel.
pub fn phase_channel(phase: Phase) -> (&'static str, u32) {
    match phase {
        Phase::Settings => ("Settings", 20),
        Phase::NameLookup => ("Name Lookup", 21),
        Phase::Connect => ("Connect", 22),
        Phase::TlsHandshake => (smtp_sensor_guest::limits::channel::TLS_HANDSHAKE, 12),
        Phase::Banner => ("Banner", 23),
        Phase::Ehlo => ("EHLO", 24),
        Phase::Starttls => ("STARTTLS", 25),
        Phase::EhloAfterTls => ("EHLO after STARTTLS", 26),
        Phase::Auth => ("Authentication", 27),
        Phase::MailFrom => ("MAIL FROM", 28),
        Phase::RcptTo => ("RCPT TO", 29),
        Phase::Data => ("DATA", 30),
        Phase::Quit => ("QUIT", 31),
        Phase::MailboxConnect => ("Mailbox Connect", 32),
        Phase::MailboxTlsHandshake => ("Mailbox TLS Handshake", 33),
        Phase::MailboxGreeting => ("Mailbox Greeting", 34),
        Phase::MailboxStarttls => ("Mailbox STARTTLS", 35),
        Phase::MailboxLogin => ("Mailbox Login", 36),
        Phase::MailboxSearch => ("Mailbox Search", 37),
        Phase::MailboxFetch => ("Mailbox Fetch", 38),
        Phase::MailboxDelete => ("Mailbox Delete", 39),
        Phase::MailboxLogout => ("Mailbox Logout", 40),
        Phase::MxLookup => ("MX Lookup", 50),
        Phase::MtaStsLookup => ("MTA-STS Lookup", 51),
        Phase::MtaStsFetch => ("MTA-STS Fetch", 52),
        Phase::TlsRptLookup => ("TLS-RPT Lookup", 53),
        Phase::MtaStsJudge => ("MTA-STS Judge", 54),
        Phase::TlsaLookup => ("TLSA Lookup", 55),
    }
}

/// The stable PRTG Script v2 id of one of the component's channels, by name.
pub fn channel_id(name: &str) -> Option<u32> {
    use smtp_sensor_guest::limits::channel;
    match name {
        channel::RESPONSE_TIME => Some(10),
        channel::DOWNTIME => Some(11),
        channel::TLS_HANDSHAKE => Some(12),
        channel::CERTIFICATE_EXPIRY => Some(13),
        channel::SEND_TIME => Some(14),
        channel::SMTP_TIME => Some(15),
        channel::IMAP_TIME => Some(16),
        channel::POP3_TIME => Some(17),
        channel::DELIVERY_LATENCY => Some(18),
        channel::MAILBOX_CERTIFICATE_EXPIRY => Some(19),
        channel::IN_SPAM_FOLDER => Some(41),
        channel::SPF_PASS => Some(42),
        channel::DKIM_PASS => Some(43),
        channel::DMARC_PASS => Some(44),
        channel::ARC_PASS => Some(45),
        channel::MX_HOSTS => Some(46),
        channel::MX_HOSTS_UP => Some(47),
        channel::MTA_STS_MODE => Some(48),
        channel::MTA_STS_MAX_AGE => Some(49),
        channel::DANE => Some(56),
        channel::DANE_MATCHED => Some(57),
        channel::DANE_STANDBY => Some(58),
        channel::DNSSEC => Some(59),
        channel::DNSSEC_SIGNATURE_EXPIRY => Some(60),
        _ => None,
    }
}

/// A transcript line's direction as the contract spells it.
pub fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "client",
        Direction::Server => "server",
        Direction::Note => "note",
    }
}

/// A transcript line's marker in text: `C:` sent, `S:` received, `--` a note.
pub fn direction_marker(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "C:",
        Direction::Server => "S:",
        Direction::Note => "--",
    }
}

/// An error kind as the contract spells it.
pub fn error_kind(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSettings(_) => "invalid-settings",
        ErrorKind::NameLookupFailed(_) => "name-lookup-failed",
        ErrorKind::ConnectionRefused => "connection-refused",
        ErrorKind::ConnectFailed(_) => "connect-failed",
        ErrorKind::AccessDenied(_) => "access-denied",
        ErrorKind::Timeout => "timeout",
        ErrorKind::ConnectionClosed => "connection-closed",
        ErrorKind::UnexpectedReply(_) => "unexpected-reply",
        ErrorKind::ProtocolViolation(_) => "protocol-violation",
        ErrorKind::TlsNotOffered => "tls-not-offered",
        ErrorKind::TlsFailed(_) => "tls-failed",
        ErrorKind::CertificateRejected(_) => "certificate-rejected",
        ErrorKind::CertificateExpiring(_) => "certificate-expiring",
        ErrorKind::ResponseTimeExceeded(_) => "response-time-exceeded",
        ErrorKind::AuthUnavailable(_) => "auth-unavailable",
        ErrorKind::ExpectationMissed(_) => "expectation-missed",
        ErrorKind::OpenRelay(_) => "open-relay",
        ErrorKind::PlaintextAuthRefused => "plaintext-auth-refused",
        ErrorKind::AuthFailed(_) => "auth-failed",
        ErrorKind::NotSupported(_) => "not-supported",
        ErrorKind::MailboxFailed(_) => "mailbox-failed",
        ErrorKind::MessageNotDelivered(_) => "message-not-delivered",
        ErrorKind::DeliveryLatencyExceeded(_) => "delivery-latency-exceeded",
        ErrorKind::DeliveredToSpam(_) => "delivered-to-spam",
        ErrorKind::NullMx => "null-mx",
        ErrorKind::MxHostsFailed(_) => "mx-hosts-failed",
        ErrorKind::MtaStsFailed(_) => "mta-sts-failed",
        ErrorKind::DnsUnavailable(_) => "dns-unavailable",
        ErrorKind::DaneMismatch(_) => "dane-mismatch",
        ErrorKind::DaneFailed(_) => "dane-failed",
        ErrorKind::DaneWeak(_) => "dane-weak",
        ErrorKind::DnssecBogus(_) => "dnssec-bogus",
        ErrorKind::DnssecSignaturesExpiring(_) => "dnssec-signatures-expiring",
        ErrorKind::ComponentFailed(_) => "component-failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_channels_have_unique_names_and_ids() {
        let mut names: Vec<_> = PHASES.iter().map(|&p| phase_channel(p).0).collect();
        let mut ids: Vec<_> = PHASES.iter().map(|&p| phase_channel(p).1).collect();
        names.sort_unstable();
        names.dedup();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!((names.len(), ids.len()), (PHASES.len(), PHASES.len()));
    }

    #[test]
    fn channel_ids_are_unique_and_apart_from_the_phases() {
        use smtp_sensor_guest::limits::channel;
        let channels = [
            channel::RESPONSE_TIME,
            channel::DOWNTIME,
            channel::TLS_HANDSHAKE,
            channel::CERTIFICATE_EXPIRY,
            channel::SEND_TIME,
            channel::SMTP_TIME,
            channel::IMAP_TIME,
            channel::POP3_TIME,
            channel::DELIVERY_LATENCY,
            channel::MAILBOX_CERTIFICATE_EXPIRY,
            channel::IN_SPAM_FOLDER,
            channel::SPF_PASS,
            channel::DKIM_PASS,
            channel::DMARC_PASS,
            channel::ARC_PASS,
            channel::MX_HOSTS,
            channel::MX_HOSTS_UP,
            channel::MTA_STS_MODE,
            channel::MTA_STS_MAX_AGE,
            channel::DANE,
            channel::DANE_MATCHED,
            channel::DANE_STANDBY,
            channel::DNSSEC,
            channel::DNSSEC_SIGNATURE_EXPIRY,
        ];
        let mut ids: Vec<u32> = channels.iter().map(|c| channel_id(c).unwrap()).collect();
        // The TLS handshake's phase shares its channel's id on purpose.
        ids.extend(
            PHASES
                .iter()
                .filter(|&&p| p != Phase::TlsHandshake)
                .map(|&p| phase_channel(p).1),
        );
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        for method in AUTH_METHODS {
            assert!(channels.contains(&auth_channel(method)));
        }
    }
}
