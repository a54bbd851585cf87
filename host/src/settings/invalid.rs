//! An option that cannot be used, named by the flag that gives it (its configuration key
//! too): the table of which flag gives each of the contract's settings, so the core's
//! errors, which name settings, reach the user as flags and keys.

use smtp_sensor_guest::settings::{Setting, SettingError};
use std::fmt;

/// An option that cannot be used: which one (its flag) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The flag, e.g. `--port`; its configuration key is [`Invalid::key`].
    pub flag: &'static str,
    /// What is wrong and what to give instead.
    pub problem: String,
}

impl Invalid {
    /// The configuration file's key for the flag: `--auth-user` is `auth_user`.
    pub fn key(&self) -> String {
        self.flag.trim_start_matches("--").replace('-', "_")
    }
}

impl From<SettingError> for Invalid {
    fn from(error: SettingError) -> Self {
        Self {
            flag: flag(error.setting),
            problem: error.problem,
        }
    }
}

/// The flag that gives a contract setting (its configuration key is [`Invalid::key`]).
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Host => "--host",
        Setting::Port => "--port",
        Setting::Timeout => "--timeout",
        Setting::Helo => "--helo",
        Setting::TlsCa => "--tls-ca",
        Setting::TlsRoots => "--tls-roots",
        Setting::TlsServerName => "--tls-server-name",
        Setting::TlsVerify => "--tls-no-verify",
        Setting::CertWarning => "--cert-warning",
        Setting::CertCritical => "--cert-critical",
        // The mailbox server's certificate is judged by the same thresholds.
        Setting::MailboxCertWarning => "--cert-warning",
        Setting::MailboxCertCritical => "--cert-critical",
        Setting::AuthUser => "--auth-user",
        Setting::AuthPassword => "--auth-password-file",
        Setting::MailFrom => "--mail-from",
        Setting::MailTo => "--mail-to",
        Setting::Subject => "--subject",
        Setting::Warning => "--warning",
        Setting::Critical => "--critical",
        Setting::IpVersion => "--ip-version",
        Setting::ExpectBanner => "--expect-banner",
        Setting::ExpectExtensions => "--expect-extensions",
        Setting::RelayProbe => "--relay-probe-to",
        Setting::Mailbox => "--mailbox",
        Setting::MailboxHost => "--mailbox-host",
        Setting::MailboxPort => "--mailbox-port",
        Setting::MailboxTlsServerName => "--mailbox-tls-server-name",
        Setting::MailboxSecurity => "--mailbox-security",
        Setting::MailboxUser => "--mailbox-user",
        Setting::MailboxPassword => "--mailbox-password-file",
        Setting::MailboxTokenPrefix => "--mailbox-token-prefix",
        Setting::LatencyWarning => "--latency-warning",
        Setting::LatencyCritical => "--latency-critical",
        Setting::MailboxSpamFolders => "--mailbox-folders",
        Setting::MailboxAuthservId => "--mailbox-authserv-id",
        Setting::ExpectAuth => "--expect-auth",
        Setting::Domain => "--domain",
        Setting::MtaStsMaxAgeWarning => "--mta-sts-max-age-warning",
        Setting::Dane => "--dane",
        Setting::DnssecSignatureWarning => "--dnssec-signature-warning",
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.flag, self.problem)
    }
}
