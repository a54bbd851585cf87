//! The settings' names as the contract spells them, and the error that names the broken
//! one with the fix: every rule below answers in these terms, and each host names the
//! setting its own way (the CLI by its flag).

use std::fmt;

/// A setting, with the name the contract gives it (a host names it its own way: the CLI
/// by its flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The server's name or address.
    Host,
    /// The TCP port.
    Port,
    /// The timeout in seconds.
    Timeout,
    /// The HELO ident.
    Helo,
    /// Extra trusted CA certificates.
    TlsCa,
    /// Which roots are trusted: the built-in ones, the system's, or both.
    TlsRoots,
    /// The name for SNI and certificate verification.
    TlsServerName,
    /// Whether certificates are verified.
    TlsVerify,
    /// Days before certificate expiry that make a warning.
    CertWarning,
    /// Days before certificate expiry that make the check down.
    CertCritical,
    /// Days before the mailbox server's certificate expires that make a warning.
    MailboxCertWarning,
    /// Days before the mailbox server's certificate expires that make the check down.
    MailboxCertCritical,
    /// The user name for SMTP AUTH.
    AuthUser,
    /// The password (or token) for SMTP AUTH.
    AuthPassword,
    /// The sender address of the test email.
    MailFrom,
    /// The recipient addresses of the test email.
    MailTo,
    /// The subject of the test email.
    Subject,
    /// "Response Time" above which the check warns.
    Warning,
    /// "Response Time" above which the check is down.
    Critical,
    /// The IP versions the connection may use.
    IpVersion,
    /// The pattern the banner must match.
    ExpectBanner,
    /// The EHLO extensions the server must announce.
    ExpectExtensions,
    /// The open-relay probe's sender and outside recipient.
    RelayProbe,
    /// The round trip's mailbox as a whole (it needs a test email to look for).
    Mailbox,
    /// The mailbox server's name or address.
    MailboxHost,
    /// The mailbox server's TCP port.
    MailboxPort,
    /// The name for SNI and certificate verification of the mailbox server.
    MailboxTlsServerName,
    /// How the mailbox connection is secured.
    MailboxSecurity,
    /// The mailbox's user name.
    MailboxUser,
    /// The mailbox's password.
    MailboxPassword,
    /// What every test message's token starts with.
    MailboxTokenPrefix,
    /// "Delivery Latency" above which the check warns.
    LatencyWarning,
    /// "Delivery Latency" above which the check is down.
    LatencyCritical,
    /// The spam folders the round trip looks in besides INBOX.
    MailboxSpamFolders,
    /// Whose Authentication-Results fields to trust.
    MailboxAuthservId,
    /// The authentication methods that must pass.
    ExpectAuth,
    /// A mail domain's check: `host` is then the domain.
    Domain,
    /// The shortest MTA-STS `max_age` that is not a warning.
    MtaStsMaxAgeWarning,
    /// DANE for a host check.
    Dane,
    /// How soon a DNSSEC signature's expiry warns.
    DnssecSignatureWarning,
}

impl Setting {
    /// The field of the WIT `settings` record, e.g. `timeout-seconds`.
    pub fn field(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Port => "port",
            Self::Timeout => "timeout-seconds",
            Self::Helo => "helo",
            Self::TlsCa => "tls.trusted-certificates",
            Self::TlsRoots => "tls.builtin-roots",
            Self::TlsServerName => "tls.server-name",
            Self::TlsVerify => "tls.verify",
            Self::CertWarning => "tls.certificate-warning-days",
            Self::CertCritical => "tls.certificate-critical-days",
            Self::MailboxCertWarning => "mailbox.tls.certificate-warning-days",
            Self::MailboxCertCritical => "mailbox.tls.certificate-critical-days",
            Self::AuthUser => "authentication.user",
            Self::AuthPassword => "authentication.password",
            Self::MailFrom => "email.from",
            Self::MailTo => "email.to",
            Self::Subject => "email.subject",
            Self::Warning => "response-time-warning-ms",
            Self::Critical => "response-time-critical-ms",
            Self::IpVersion => "ip-version",
            Self::ExpectBanner => "expect.banner",
            Self::ExpectExtensions => "expect.extensions",
            Self::RelayProbe => "relay-probe",
            Self::Mailbox => "mailbox",
            Self::MailboxHost => "mailbox.host",
            Self::MailboxPort => "mailbox.port",
            Self::MailboxTlsServerName => "mailbox.tls.server-name",
            Self::MailboxSecurity => "mailbox.security",
            Self::MailboxUser => "mailbox.user",
            Self::MailboxPassword => "mailbox.password",
            Self::MailboxTokenPrefix => "mailbox.token-prefix",
            Self::LatencyWarning => "mailbox.latency-warning-ms",
            Self::LatencyCritical => "mailbox.latency-critical-ms",
            Self::MailboxSpamFolders => "mailbox.spam-folders",
            Self::MailboxAuthservId => "mailbox.authserv-id",
            Self::ExpectAuth => "mailbox.expect-auth",
            Self::Domain => "domain",
            Self::MtaStsMaxAgeWarning => "domain.max-age-warning-seconds",
            Self::Dane => "dane",
            Self::DnssecSignatureWarning => "dane.signature-warning-seconds",
        }
    }
}

/// A setting that cannot be used, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// Which setting.
    pub setting: Setting,
    /// What is wrong and what to give instead, in plain words.
    pub problem: String,
}

impl SettingError {
    /// An error of `setting`; `problem` says what is wrong and what to give instead.
    pub fn new(setting: Setting, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
        }
    }
}

/// Names the setting as the contract does; the CLI names it by its flag instead.
impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid setting {}: {}",
            self.setting.field(),
            self.problem
        )
    }
}

impl std::error::Error for SettingError {}
