//! A check as a user describes it ([`CheckRequest`]), and from it the contract's settings: defaults filled in, everything
//! validated before anything runs, so bad input is an error naming the setting, not a check.

use crate::wit::{
    AuthMechanism, AuthMethod, Authentication, DaneSettings, DomainSettings, Email, Expectations,
    IpVersion, Mailbox, MailboxProtocol, RelayProbe, Settings, StsMode, TlsSettings, TlsVersion,
    TransportSecurity,
};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use smtp_sensor_guest::Mode;
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::anchors;
use smtp_sensor_guest::limits::{
    DEFAULT_CERT_CRITICAL_DAYS, DEFAULT_CERT_WARNING_DAYS, DEFAULT_PORT_PLAIN,
    DEFAULT_SIGNATURE_WARNING_SECONDS, DEFAULT_STS_MAX_AGE_WARNING_SECONDS,
    DEFAULT_TIMEOUT_SECONDS, DEFAULT_TOKEN_PREFIX,
};
use smtp_sensor_guest::settings::{self as validate, Setting, SettingError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A check as a user describes it; `None` means "the default".
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The server's name or address; with `domain`, the mail domain.
    pub host: String,
    /// Check `host` as a mail domain, when present.
    pub domain: Option<DomainRequest>,
    /// DANE and DNSSEC: a host check's DANE, when present; a domain check's tuning (it
    /// checks DANE always, so its settings always carry it).
    pub dane: Option<DaneRequest>,
    /// The port; the default depends on `security` (a domain check's: 25).
    pub port: Option<u16>,
    /// The timeout in seconds.
    pub timeout_seconds: Option<u32>,
    /// The HELO ident; the default is this machine's name.
    pub helo: Option<String>,
    /// The transport security; the spec's default is implicit TLS.
    pub security: TransportSecurity,
    /// The IP versions the connection may use; by default both, raced.
    pub ip_version: IpVersion,
    /// Keep the dialogue's transcript in the result.
    pub keep_transcript: bool,
    /// Warn when "Response Time" exceeds this.
    pub response_warning: Option<Duration>,
    /// Down when "Response Time" exceeds this.
    pub response_critical: Option<Duration>,
    /// What the server must say beyond answering.
    pub expect: ExpectRequest,
    /// How TLS is verified.
    pub tls: TlsRequest,
    /// Log in, when present.
    pub auth: Option<AuthRequest>,
    /// Send a test email, when present.
    pub email: Option<EmailRequest>,
    /// Run the open-relay probe, when present.
    pub relay_probe: Option<RelayProbeRequest>,
    /// Make the round trip through this mailbox, when present.
    pub mailbox: Option<MailboxRequest>,
}

/// A mail domain's check, as a user describes it.
#[derive(Debug, Clone, Default)]
pub struct DomainRequest {
    /// The weakest MTA-STS mode the domain must publish; none: any.
    pub expect_mta_sts: Option<StsMode>,
    /// Warn when the policy's `max_age` is below this many days (0: never); the default
    /// is the core's, a week.
    pub max_age_warning_days: Option<u32>,
}

impl DomainRequest {
    /// The contract's domain settings, the default filled in.
    fn into_settings(self) -> DomainSettings {
        DomainSettings {
            expect_mta_sts: self.expect_mta_sts,
            // Days beyond what seconds hold are refused by the core's rule all the same.
            max_age_warning_seconds: self
                .max_age_warning_days
                .map_or(DEFAULT_STS_MAX_AGE_WARNING_SECONDS, |days| {
                    days.saturating_mul(SECONDS_PER_DAY)
                }),
        }
    }
}

/// Seconds in a day, for the days a user gives.
const SECONDS_PER_DAY: u32 = 86_400;

/// What DANE and DNSSEC must show, as a user describes it.
#[derive(Debug, Clone, Default)]
pub struct DaneRequest {
    /// DANE must be in force.
    pub expect_dane: bool,
    /// DANE in force needs a standby record.
    pub expect_standby: bool,
    /// Warn when a signature expires within this many days (0: never); the default is the
    /// core's, three days.
    pub signature_warning_days: Option<u32>,
}

impl DaneRequest {
    /// The contract's DANE settings, the default filled in.
    fn into_settings(self) -> DaneSettings {
        DaneSettings {
            expect_dane: self.expect_dane,
            expect_standby: self.expect_standby,
            // Days beyond what seconds hold are refused by the core's rule all the same.
            signature_warning_seconds: self
                .signature_warning_days
                .map_or(DEFAULT_SIGNATURE_WARNING_SECONDS, |days| {
                    days.saturating_mul(SECONDS_PER_DAY)
                }),
        }
    }
}

/// A round trip's mailbox, as a user describes it.
#[derive(Debug, Clone)]
pub struct MailboxRequest {
    /// IMAP or POP3.
    pub protocol: MailboxProtocol,
    /// The mailbox server; by default the SMTP server's host.
    pub host: Option<String>,
    /// Its port; by default the protocol's for the security.
    pub port: Option<u16>,
    /// How its connection is secured.
    pub security: TransportSecurity,
    /// The name for SNI and verification instead of the mailbox host.
    pub tls_server_name: Option<String>,
    /// The user name.
    pub user: String,
    /// The password; `Debug` prints `[redacted]`.
    pub password: Secret,
    /// Send the password over an unencrypted connection anyway.
    pub allow_plaintext: bool,
    /// What every test message's token starts with.
    pub token_prefix: Option<String>,
    /// Warn when "Delivery Latency" exceeds this.
    pub latency_warning: Option<Duration>,
    /// Down when "Delivery Latency" exceeds this.
    pub latency_critical: Option<Duration>,
    /// The spam folders looked in after INBOX; none: the server's Junk folder, found;
    /// empty: INBOX alone.
    pub spam_folders: Option<Vec<String>>,
    /// Whose Authentication-Results to trust; none: the topmost field's.
    pub authserv_id: Option<String>,
    /// The methods whose result must be `pass`, each once.
    pub expect_auth: Vec<AuthMethod>,
}

/// The open-relay probe, as a user describes it.
#[derive(Debug, Clone)]
pub struct RelayProbeRequest {
    /// The outside sender.
    pub from: String,
    /// The outside recipient, which the server must refuse.
    pub to: String,
}

/// What the server must say beyond answering, as a user describes it.
#[derive(Debug, Clone, Default)]
pub struct ExpectRequest {
    /// A pattern the banner must match.
    pub banner: Option<String>,
    /// EHLO keywords the server must announce.
    pub extensions: Vec<String>,
    /// A miss is a warning, not down.
    pub miss_is_warning: bool,
}

/// Logging in, as a user describes it.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    /// The user name.
    pub user: String,
    /// The password (or XOAUTH2 token); `Debug` prints `[redacted]`.
    pub password: Secret,
    /// The SASL mechanism; none means the strongest the server offers.
    pub mechanism: Option<AuthMechanism>,
    /// Send credentials over an unencrypted connection anyway.
    pub allow_plaintext: bool,
}

/// Where the password comes from, in the order the CLI looks: a file, the flag, the
/// environment. Files and the environment are preferred: process lists show arguments.
#[derive(Debug, Clone)]
pub struct PasswordSources {
    /// Whose password it is: the SMTP log-in's or the mailbox's.
    pub setting: Setting,
    /// The environment variable read last.
    pub variable: &'static str,
    /// A file whose first line is the password.
    pub file: Option<PathBuf>,
    /// The password given directly: `--auth-password` (visible in process lists) or the
    /// variable `--auth-password-env` names.
    pub value: Option<Secret>,
    /// The value of `SMTP_SENSOR_PASSWORD`.
    pub environment: Option<Secret>,
}

impl PasswordSources {
    /// No source yet, for the SMTP log-in's password.
    pub fn smtp() -> Self {
        Self {
            setting: Setting::AuthPassword,
            variable: PASSWORD_VARIABLE,
            file: None,
            value: None,
            environment: None,
        }
    }

    /// No source yet, for a round trip's mailbox password.
    pub fn mailbox() -> Self {
        Self {
            setting: Setting::MailboxPassword,
            variable: MAILBOX_PASSWORD_VARIABLE,
            ..Self::smtp()
        }
    }

    /// The password from the first source that has one.
    pub fn resolve(self) -> Result<Secret, SettingError> {
        if let Some(path) = &self.file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                SettingError::new(
                    self.setting,
                    format!("cannot read {}: {e}; give a readable file", path.display()),
                )
            })?;
            let first = text.lines().next().unwrap_or("");
            return Ok(Secret::new(first));
        }
        let (setting, variable) = (self.setting, self.variable);
        self.value.or(self.environment).ok_or_else(|| {
            // The user is what was given; the message names every way to give its password.
            let (user, flags) = match setting {
                Setting::MailboxPassword => (Setting::MailboxUser, "--mailbox-password"),
                _ => (Setting::AuthUser, "--auth-password"),
            };
            SettingError::new(
                user,
                format!(
                    "a log-in needs its password: give it in a file ({flags}-file FILE), in \
                     the {variable} environment variable, or in a variable you name \
                     ({flags}-env NAME)"
                ),
            )
        })
    }
}

/// The environment variable the CLI reads the password from.
pub const PASSWORD_VARIABLE: &str = "SMTP_SENSOR_PASSWORD";

/// The environment variable the CLI reads a round trip's mailbox password from.
pub const MAILBOX_PASSWORD_VARIABLE: &str = "SMTP_SENSOR_MAILBOX_PASSWORD";

/// A test email, as a user describes it.
#[derive(Debug, Clone)]
pub struct EmailRequest {
    /// The sender address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// Send the message (DATA); false: an envelope probe.
    pub send_data: bool,
}

/// The recipients of a comma-separated list, as the spec's "To" setting takes them.
pub fn split_recipients(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// TLS verification as a user describes it.
#[derive(Debug, Clone)]
pub struct TlsRequest {
    /// Files of extra trusted CA certificates (PEM, or one DER certificate each).
    pub ca_files: Vec<PathBuf>,
    /// The name for SNI and verification instead of the host.
    pub server_name: Option<String>,
    /// The oldest TLS version accepted.
    pub min_version: TlsVersion,
    /// Which roots are trusted besides the CA files.
    pub roots: TlsRoots,
    /// Verify the certificate chain and name.
    pub verify: bool,
    /// Warn when the certificate expires within this many days.
    pub warning_days: Option<u32>,
    /// Down when the certificate expires within this many days.
    pub critical_days: Option<u32>,
}

impl Default for TlsRequest {
    fn default() -> Self {
        Self {
            ca_files: Vec::new(),
            server_name: None,
            min_version: TlsVersion::Tls12,
            roots: TlsRoots::Mozilla,
            verify: true,
            warning_days: None,
            critical_days: None,
        }
    }
}

impl TlsRequest {
    /// The contract's TLS settings, CA files read (the component reads no files); the rules
    /// are checked with the rest, in [`CheckRequest::into_settings`].
    /// The contract's TLS settings; the system's CAs are read only when `secured` (the
    /// connection may use TLS) and the certificate is verified: a check that verifies none
    /// needs no CA bundle on the machine.
    pub fn into_settings(self, secured: bool) -> Result<TlsSettings, SettingError> {
        let mut trusted_certificates = Vec::new();
        for path in &self.ca_files {
            trusted_certificates.extend(read_certificates(path)?);
        }
        if self.roots != TlsRoots::Mozilla && secured && self.verify {
            trusted_certificates.extend(system_roots()?);
        }
        Ok(TlsSettings {
            trusted_certificates,
            builtin_roots: self.roots != TlsRoots::System,
            server_name: self.server_name,
            verify: self.verify,
            certificate_warning_days: self.warning_days.unwrap_or(DEFAULT_CERT_WARNING_DAYS),
            certificate_critical_days: self.critical_days.unwrap_or(DEFAULT_CERT_CRITICAL_DAYS),
            min_version: self.min_version,
        })
    }
}

/// Which CAs a check trusts, besides the `--tls-ca` files (`--tls-roots`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsRoots {
    /// The Mozilla roots built into the component (the default).
    #[default]
    Mozilla,
    /// The operating system's trusted CAs (Debian's ca-certificates, the RHEL bundle, the
    /// Windows certificate store), as check_smtp and blackbox_exporter trust them.
    System,
    /// Both.
    Both,
}

/// The operating system's trusted CAs, as DER certificates: read by the host (the
/// component reads no files) and handed in as extra CAs. Certificates that cannot be trust
/// anchors (`anchors::check`) are skipped, and said once per process with their count; a
/// store with none usable is an error naming `--tls-roots`.
pub fn system_roots() -> Result<Vec<Vec<u8>>, SettingError> {
    let found = rustls_native_certs::load_native_certs();
    let read_error = found.errors.first().map(|e| e.to_string());
    let total = found.certs.len();
    let (usable, skipped, parse_error) =
        anchors::usable(found.certs.into_iter().map(|c| c.to_vec()).collect());
    if usable.is_empty() {
        let why = match (total, read_error, parse_error) {
            (0, Some(error), _) => error,
            (0, None, _) => "none found".to_string(),
            (_, _, error) => format!(
                "none of its {total} certificates can be used: {}",
                error.unwrap_or_default()
            ),
        };
        return Err(SettingError::new(
            Setting::TlsRoots,
            format!(
                "cannot read this system's trusted CAs ({why}); install them (Debian: \
                 ca-certificates), give --tls-ca files, or use the built-in roots (--tls-roots \
                 mozilla)"
            ),
        ));
    }
    if skipped > 0 {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            eprintln!(
                "smtp-sensor: skipped {skipped} of this system's {total} trusted CA \
                 certificates that cannot be used ({}); the other {} are trusted",
                parse_error.unwrap_or_default(),
                usable.len()
            )
        });
    }
    Ok(usable)
}

/// The certificates in a file: every one in a PEM file, or the file itself if it is DER.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, SettingError> {
    let invalid = |problem: String| SettingError::new(Setting::TlsCa, problem);
    let bytes = std::fs::read(path).map_err(|e| {
        invalid(format!(
            "cannot read {}: {e}; give a readable file",
            path.display()
        ))
    })?;
    if bytes.starts_with(&[0x30]) {
        // DER: an ASN.1 SEQUENCE
        anchors::check(&bytes).map_err(|e| {
            invalid(format!(
                "{} cannot be a trusted CA ({e}); give an X.509 CA certificate",
                path.display()
            ))
        })?;
        return Ok(vec![bytes]);
    }
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("{} is not valid PEM ({e})", path.display())))?;
    if certificates.is_empty() {
        return Err(invalid(format!(
            "{} holds no certificate; give a PEM file with BEGIN CERTIFICATE blocks",
            path.display()
        )));
    }
    for (i, der) in certificates.iter().enumerate() {
        anchors::check(der).map_err(|e| {
            invalid(format!(
                "certificate {} of {} cannot be a trusted CA ({e}); give X.509 CA certificates",
                i + 1,
                path.display()
            ))
        })?;
    }
    Ok(certificates)
}

impl CheckRequest {
    /// A request for `host` with every other setting at its default.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            domain: None,
            dane: None,
            port: None,
            timeout_seconds: None,
            helo: None,
            security: default_security(false),
            ip_version: IpVersion::Any,
            keep_transcript: false,
            response_warning: None,
            response_critical: None,
            expect: ExpectRequest::default(),
            tls: TlsRequest::default(),
            auth: None,
            email: None,
            relay_probe: None,
            mailbox: None,
        }
    }

    /// The validated settings, or the first invalid setting: defaults filled in, CA files
    /// read, then every rule checked by the core's [`validate::settings`], the same function
    /// the component runs.
    pub fn into_settings(self) -> Result<Settings, SettingError> {
        let mailbox = match self.mailbox {
            None => None,
            Some(mailbox) => {
                let tls = TlsRequest {
                    server_name: mailbox.tls_server_name.clone(),
                    ..self.tls.clone()
                };
                Some(mailbox.into_settings(&self.host, tls)?)
            }
        };
        let tls = self
            .tls
            .into_settings(self.security != TransportSecurity::None)?;
        let port = match &self.domain {
            Some(_) => DOMAIN_PORT,
            None => default_port(self.security),
        };
        // A domain check checks DANE always: its settings say so, defaults or not.
        let dane = match (&self.domain, self.dane) {
            (Some(_), dane) => Some(dane.unwrap_or_default().into_settings()),
            (None, dane) => dane.map(DaneRequest::into_settings),
        };
        let settings = Settings {
            mailbox,
            domain: self.domain.map(DomainRequest::into_settings),
            port: self.port.unwrap_or(port),
            timeout_seconds: self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            helo: self.helo.unwrap_or_else(machine_name),
            // `127.1` is shown as the 127.0.0.1 it means (see `validate::host`).
            host: validate::canonical_host(&self.host),
            security: self.security,
            ip_version: self.ip_version,
            authentication: self.auth.map(|auth| Authentication {
                user: auth.user,
                password: auth.password.expose().to_string(),
                mechanism: auth.mechanism,
                allow_plaintext: auth.allow_plaintext,
            }),
            email: self.email.map(|email| Email {
                from: email.from,
                to: email.to,
                subject: email.subject,
                content: email.body,
                send_data: email.send_data,
            }),
            relay_probe: self.relay_probe.map(|probe| RelayProbe {
                from: probe.from,
                to: probe.to,
            }),
            tls,
            response_time_warning_ms: self.response_warning.map(whole_milliseconds),
            response_time_critical_ms: self.response_critical.map(whole_milliseconds),
            keep_transcript: self.keep_transcript,
            expect: Expectations {
                banner: self.expect.banner,
                extensions: self.expect.extensions,
                miss_is_warning: self.expect.miss_is_warning,
            },
            dane,
        };
        let view = crate::settings_view(&settings);
        validate::settings(&view)?;
        validate::reachable_thresholds(&view)?;
        Ok(settings)
    }
}

impl MailboxRequest {
    /// The contract's mailbox: defaults filled in (the SMTP server's `smtp_host`, the
    /// protocol's port), verified with `tls` (the SMTP connection's CAs and rules).
    fn into_settings(self, smtp_host: &str, tls: TlsRequest) -> Result<Mailbox, SettingError> {
        let imap = self.protocol == MailboxProtocol::Imap;
        Ok(Mailbox {
            protocol: self.protocol,
            host: validate::canonical_host(self.host.as_deref().unwrap_or(smtp_host)),
            port: self
                .port
                .unwrap_or_else(|| mode(self.security).default_mailbox_port(imap)),
            security: self.security,
            tls: tls.into_settings(self.security != TransportSecurity::None)?,
            user: self.user,
            password: self.password.expose().to_string(),
            allow_plaintext: self.allow_plaintext,
            token_prefix: self
                .token_prefix
                .unwrap_or_else(|| DEFAULT_TOKEN_PREFIX.to_string()),
            latency_warning_ms: self.latency_warning.map(whole_milliseconds),
            latency_critical_ms: self.latency_critical.map(whole_milliseconds),
            spam_folders: self.spam_folders,
            authserv_id: self.authserv_id,
            expect_auth: self.expect_auth,
        })
    }
}

/// A duration in whole milliseconds (as the contract takes thresholds), saturating.
fn whole_milliseconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// The transport security a check defaults to: TLS from the first byte (the spec's) for
/// one server; STARTTLS for a mail domain's MX hosts, as sending MTAs reach them (RFC 3207).
pub fn default_security(domain: bool) -> TransportSecurity {
    if domain {
        TransportSecurity::Starttls
    } else {
        TransportSecurity::Tls
    }
}

/// A mail domain's check's default port, whatever the security: MX hosts receive on 25
/// (RFC 5321).
pub const DOMAIN_PORT: u16 = DEFAULT_PORT_PLAIN;

/// The spec's default port: 465 for implicit TLS, 25 otherwise (the core's rule).
pub fn default_port(security: TransportSecurity) -> u16 {
    mode(security).default_port()
}

/// What a transport-security setting means, decoded by the core's one rule.
pub fn mode(security: TransportSecurity) -> Mode {
    smtp_sensor_guest::mode_of!(security, TransportSecurity)
}

/// The spec's default HELO ident: this machine's name, when it is a valid ident.
pub fn machine_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    match validate::helo(&name) {
        Ok(_) => name,
        Err(_) => "localhost".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_and_passwords() {
        assert_eq!(
            split_recipients(" a@x.example, b@x.example,,"),
            ["a@x.example", "b@x.example"]
        );
        let file =
            std::env::temp_dir().join(format!("smtp-sensor-password-{}", std::process::id()));
        std::fs::write(&file, "s3cret\nignored\n").unwrap();
        let sources = PasswordSources {
            file: Some(file.clone()),
            environment: Some(Secret::new("env")),
            ..PasswordSources::smtp()
        };
        assert_eq!(sources.resolve().unwrap().expose(), "s3cret");
        std::fs::remove_file(&file).unwrap();
        let env_only = PasswordSources {
            environment: Some(Secret::new("env")),
            ..PasswordSources::smtp()
        };
        assert_eq!(env_only.clone().resolve().unwrap().expose(), "env");
        // No password: the user given is named, with the three ways to give its password.
        let missing = PasswordSources::smtp().resolve().unwrap_err();
        assert_eq!(missing.setting, Setting::AuthUser);
        assert!(
            missing.problem.contains("--auth-password-file FILE")
                && missing.problem.contains("SMTP_SENSOR_PASSWORD")
                && missing.problem.contains("--auth-password-env NAME"),
            "{missing}"
        );
        let missing = PasswordSources::mailbox().resolve().unwrap_err();
        assert_eq!(missing.setting, Setting::MailboxUser);
        assert!(
            missing.problem.contains("--mailbox-password-env NAME"),
            "{missing}"
        );
        assert!(
            format!("{env_only:?}").contains("[redacted]")
                && !format!("{env_only:?}").contains("env\"")
        );
    }

    #[test]
    fn a_numeric_host_is_shown_as_the_address_it_means() {
        let mut request = CheckRequest::new("0x7f.1");
        request.security = TransportSecurity::None;
        let settings = request.into_settings().unwrap();
        assert_eq!(settings.host, "127.0.0.1");
        let settings = CheckRequest::new("[::1]").into_settings().unwrap();
        assert_eq!(settings.host, "[::1]", "a literal stays as written");
    }

    #[test]
    fn defaults_follow_the_spec() {
        let settings = CheckRequest::new("mail.example").into_settings().unwrap();
        assert_eq!(settings.port, 465);
        assert_eq!(settings.timeout_seconds, 60);
        assert_eq!(settings.security, TransportSecurity::Tls);
        assert!(!settings.helo.is_empty());

        let mut plain = CheckRequest::new("mail.example");
        plain.security = TransportSecurity::StarttlsIfAvailable;
        assert_eq!(plain.into_settings().unwrap().port, 25);
    }

    #[test]
    fn a_domain_check_defaults_to_starttls_on_25_and_a_week() {
        let mut request = CheckRequest::new("Example.com");
        request.domain = Some(DomainRequest::default());
        request.security = default_security(true);
        let settings = request.clone().into_settings().unwrap();
        assert_eq!(settings.port, 25);
        assert_eq!(settings.security, TransportSecurity::Starttls);
        let domain = settings.domain.unwrap();
        assert_eq!(domain.max_age_warning_seconds, 7 * 86_400);
        assert_eq!(domain.expect_mta_sts, None);
        // TLS from the first byte on a domain's MX hosts is still port 25 unless told.
        request.security = TransportSecurity::Tls;
        assert_eq!(request.clone().into_settings().unwrap().port, 25);
        request.port = Some(2525);
        request.domain = Some(DomainRequest {
            expect_mta_sts: Some(StsMode::Enforce),
            max_age_warning_days: Some(0),
        });
        let settings = request.clone().into_settings().unwrap();
        assert_eq!(settings.port, 2525);
        let domain = settings.domain.unwrap();
        assert_eq!(domain.max_age_warning_seconds, 0, "0: never");
        assert_eq!(domain.expect_mta_sts, Some(StsMode::Enforce));
        // Days beyond a year, and beyond what seconds hold, are the core's to refuse.
        for days in [366, u32::MAX] {
            request.domain = Some(DomainRequest {
                max_age_warning_days: Some(days),
                ..DomainRequest::default()
            });
            let error = request.clone().into_settings().unwrap_err();
            assert_eq!(error.setting, Setting::MtaStsMaxAgeWarning, "{days}");
        }
        // An address is no domain.
        let mut address = CheckRequest::new("192.0.2.1");
        address.domain = Some(DomainRequest::default());
        assert_eq!(
            address.into_settings().unwrap_err().setting,
            Setting::Domain
        );
    }

    #[test]
    fn invalid_settings_name_the_setting() {
        let with = |f: fn(&mut CheckRequest)| {
            let mut request = CheckRequest::new("mail.example");
            f(&mut request);
            request.into_settings().unwrap_err().setting
        };
        assert_eq!(with(|r| r.host = String::new()), Setting::Host);
        assert_eq!(with(|r| r.port = Some(0)), Setting::Port);
        assert_eq!(with(|r| r.timeout_seconds = Some(0)), Setting::Timeout);
        assert_eq!(with(|r| r.timeout_seconds = Some(901)), Setting::Timeout);
        assert_eq!(with(|r| r.helo = Some("a\r\nRSET".into())), Setting::Helo);
        assert_eq!(with(|r| r.helo = Some("prübe".into())), Setting::Helo);
        assert_eq!(
            with(|r| r.tls.ca_files = vec!["/nonexistent.pem".into()]),
            Setting::TlsCa
        );
        assert_eq!(
            with(|r| r.tls.ca_files = vec!["/etc/hostname".into()]),
            Setting::TlsCa
        );
        assert_eq!(
            with(|r| r.tls.server_name = Some("a b".into())),
            Setting::TlsServerName
        );
        assert_eq!(
            with(|r| r.tls.critical_days = Some(30)),
            Setting::CertCritical
        );
        assert_eq!(
            with(|r| {
                r.response_warning = Some(Duration::from_secs(2));
                r.response_critical = Some(Duration::from_secs(1));
            }),
            Setting::Critical
        );
        assert_eq!(
            with(|r| r.response_warning = Some(Duration::from_micros(500))),
            Setting::Warning
        );
    }
}
