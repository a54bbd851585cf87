//! A sensor's options, as `check` flags and as a table of a configuration file: one struct
//! for both, so every flag is a key (the long name with `_` for `-`) and one table in the
//! docs/flags.md documents both. Flags given on the command line override the file's keys.

use super::prtg_probe;
use super::request::mode;
use super::request::{
    AuthRequest, CheckRequest, EmailRequest, ExpectRequest, MAILBOX_PASSWORD_VARIABLE,
    MailboxRequest, PASSWORD_VARIABLE, PasswordSources, RelayProbeRequest, TlsRequest, TlsRoots,
    split_recipients,
};
use super::targets::TargetPattern;
use crate::output::names;
use crate::wit::{
    AuthMechanism, IpVersion, MailboxProtocol, Settings, TlsVersion, TransportSecurity,
};
use serde::{Deserialize, Deserializer};
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::limits::{DEFAULT_BODY, DEFAULT_SUBJECT};
use smtp_sensor_guest::settings::{Setting, SettingError};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that describes one sensor. Unset options take their defaults.
#[derive(clap::Args, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SensorOptions {
    /// The mail server: a DNS name, or an IPv4 or IPv6 address [default: $prtg_host].
    #[arg(long)]
    pub host: Option<String>,
    /// The port [default: 465 for tls and tls-if-available, else 25].
    #[arg(long, allow_negative_numbers = true)]
    pub port: Option<u16>,
    /// Give up after this many seconds, 1 to 900 [default: 60].
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub timeout: Option<u32>,
    /// The name to send with EHLO/HELO [default: this machine's name].
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// How to secure the connection [default: tls].
    #[arg(long, value_enum, ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub security: Option<Security>,
    /// Connect over IPv4 only (4), IPv6 only (6), or both, raced (Happy Eyeballs) [default:
    /// auto].
    #[arg(long, value_enum, value_name = "VERSION", ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub ip_version: Option<IpVersionArg>,
    /// Warn when the Response Time exceeds this: 500ms, 2s, or seconds as check_smtp's -w
    /// takes them (5, 0.5).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "duration")]
    pub warning: Option<Duration>,
    /// Report down when the Response Time exceeds this: 2s, or seconds (check_smtp's -c).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "duration")]
    pub critical: Option<Duration>,
    /// The banner must match this regular expression, e.g. "^220 .*ESMTP" (check_smtp's
    /// -e; matched against the code and text as one line).
    #[arg(long, value_name = "PATTERN", visible_alias = "expect")]
    pub expect_banner: Option<String>,
    /// The EHLO reply must announce these extensions, e.g. STARTTLS,SIZE,SMTPUTF8
    /// (comma-separated; in a file, a list).
    #[arg(long, value_name = "KEYWORD[,KEYWORD...]", value_delimiter = ',')]
    #[serde(default, deserialize_with = "one_or_many")]
    pub expect_extensions: Vec<String>,
    /// A missed expectation is a warning, not down.
    #[arg(long)]
    #[serde(default)]
    pub expect_warning: bool,
    /// Include the transcript of the dialogue in the output.
    #[arg(long)]
    #[serde(default)]
    pub transcript: bool,
    /// Also trust the CA certificates in this PEM (or DER) file; may be repeated.
    #[arg(long, value_name = "FILE")]
    #[serde(default)]
    pub tls_ca: Vec<PathBuf>,
    /// Which CAs to trust besides --tls-ca: the built-in Mozilla roots, the system's, or
    /// both [default: mozilla].
    #[arg(long, value_enum, value_name = "ROOTS", ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub tls_roots: Option<TlsRoots>,
    /// The oldest TLS version accepted: 1.2 or 1.3 [default: 1.2].
    #[arg(long, value_enum, value_name = "VERSION")]
    #[serde(default, deserialize_with = "value_enum")]
    pub tls_min_version: Option<TlsVersionArg>,
    /// Verify the certificate against this name (and send it as SNI) instead of --host.
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// Do not verify the certificate (the result says so). Expiry is still reported.
    #[arg(long)]
    #[serde(default)]
    pub tls_no_verify: bool,
    /// Warn when the certificate expires within this many days [default: 14].
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub cert_warning: Option<u32>,
    /// Report down when the certificate expires within this many days [default: 0].
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub cert_critical: Option<u32>,
    /// Log in as this user (SMTP AUTH).
    #[arg(long, value_name = "USER")]
    pub auth_user: Option<String>,
    /// Read the password (or XOAUTH2 token) from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub auth_password_file: Option<PathBuf>,
    /// Read the password (or XOAUTH2 token) from this environment variable.
    #[arg(long, value_name = "VARIABLE")]
    pub auth_password_env: Option<String>,
    /// The password itself. Prefer --auth-password-file or SMTP_SENSOR_PASSWORD: process
    /// lists show arguments. Never accepted in a configuration file.
    #[arg(long, value_name = "PASSWORD")]
    #[serde(default, deserialize_with = "refuse_inline_password")]
    pub auth_password: Option<Secret>,
    /// The SASL mechanism [default: the strongest the server offers of CRAM-MD5, PLAIN, LOGIN].
    #[arg(long, value_enum, value_name = "MECHANISM", ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub auth_mechanism: Option<Mechanism>,
    /// Send credentials even over an unencrypted connection.
    #[arg(long)]
    #[serde(default)]
    pub allow_plaintext_auth: bool,
    /// Send a test email from this address.
    #[arg(long, value_name = "ADDR")]
    pub mail_from: Option<String>,
    /// ... to these addresses (comma-separated; in a file, a list).
    #[arg(long, value_name = "ADDR[,ADDR...]", value_delimiter = ',')]
    #[serde(default, deserialize_with = "one_or_many")]
    pub mail_to: Vec<String>,
    /// Stop after RCPT TO and QUIT: an envelope probe that leaves no mail behind (with
    /// --mail-from and --mail-to; no DATA is sent).
    #[arg(long)]
    #[serde(default)]
    pub envelope_only: bool,
    /// The open-relay probe's sender: MAIL FROM this outside address, without logging in.
    #[arg(long, value_name = "ADDR", requires = "relay_probe_to")]
    pub relay_probe_from: Option<String>,
    /// The open-relay probe's outside recipient: RCPT TO it must be refused (5xx); an
    /// acceptance is down, saying the server relays.
    #[arg(long, value_name = "ADDR", requires = "relay_probe_from")]
    pub relay_probe_to: Option<String>,
    /// The test email's subject [default: "smtp-sensor test message"].
    #[arg(long)]
    pub subject: Option<String>,
    /// The test email's body [default: a sentence saying what sent it].
    #[arg(long)]
    pub body: Option<String>,
    /// Store the result and the transcript in this folder (the spec's "Store result"); with
    /// no folder, in PRTG's: the Logs\sensors subfolder of the PRTG data directory (Windows).
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = folder
    )]
    pub store_result: Option<PathBuf>,
    /// The sensor's ID, for the stored files' names [default: $prtg_sensorid].
    #[arg(long, value_name = "N")]
    pub sensor_id: Option<u32>,
    /// Make the round trip (PRTG's SMTP&IMAP and SMTP&POP3 Round Trip sensors): after the
    /// test email is accepted, look for it in this kind of mailbox until it arrives, then
    /// delete it. Needs --mail-from, --mail-to and --mailbox-user.
    #[arg(long, value_enum, value_name = "PROTOCOL", ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub mailbox: Option<MailboxProtocolArg>,
    /// The mailbox server [default: --host].
    #[arg(long, value_name = "HOST")]
    pub mailbox_host: Option<String>,
    /// The mailbox server's port [default: 993 (IMAP) or 995 (POP3) for tls and
    /// tls-if-available, else 143 or 110].
    #[arg(long, value_name = "PORT", allow_negative_numbers = true)]
    pub mailbox_port: Option<u16>,
    /// How to secure the mailbox connection, as --security [default: tls].
    #[arg(long, value_enum, value_name = "SECURITY", ignore_case = true)]
    #[serde(default, deserialize_with = "value_enum")]
    pub mailbox_security: Option<Security>,
    /// Verify the mailbox server's certificate against this name instead of its host (the
    /// other TLS options are the SMTP connection's).
    #[arg(long, value_name = "NAME")]
    pub mailbox_tls_server_name: Option<String>,
    /// The mailbox's user: a dedicated account, whose test messages the check deletes.
    #[arg(long, value_name = "USER")]
    pub mailbox_user: Option<String>,
    /// Read the mailbox's password from the first line of this file [default: the
    /// SMTP_SENSOR_MAILBOX_PASSWORD environment variable].
    #[arg(long, value_name = "FILE")]
    pub mailbox_password_file: Option<PathBuf>,
    /// Read the mailbox's password from this environment variable.
    #[arg(long, value_name = "VARIABLE")]
    pub mailbox_password_env: Option<String>,
    /// Send the mailbox password even over an unencrypted connection.
    #[arg(long)]
    #[serde(default)]
    pub mailbox_allow_plaintext: bool,
    /// What every test message's token starts with (in its subject and Message-ID); test
    /// messages with it that an earlier, timed-out run left are deleted too [default:
    /// smtp-sensor-roundtrip].
    #[arg(long, value_name = "PREFIX")]
    pub mailbox_token_prefix: Option<String>,
    /// Warn when the Delivery Latency (acceptance to arrival) exceeds this: 5s, 500ms, or
    /// seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "duration")]
    pub latency_warning: Option<Duration>,
    /// Report down when the Delivery Latency exceeds this.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "duration")]
    pub latency_critical: Option<Duration>,
    /// `serve` only: the targets a `/probe` with this module may name (see
    /// [`crate::settings::targets`]); none by default. `check` ignores it.
    #[arg(skip)]
    #[serde(default)]
    pub targets: Vec<TargetPattern>,
}

/// A folder's path, the empty one included (`--store-result` given alone: PRTG's folder),
/// which clap's own path parser refuses.
fn folder(value: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(value))
}

/// Where "Store result" writes, from `--store-result` (an empty path: PRTG's folder) and
/// `--sensor-id` (by default PRTG's `prtg_sensorid`, when storing).
fn store_target(
    folder: Option<PathBuf>,
    sensor_id: Option<u32>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<StoreTarget>, Invalid> {
    let invalid = |flag, problem: String| Invalid { flag, problem };
    let Some(folder) = folder else {
        return match sensor_id {
            None => Ok(None),
            Some(_) => Err(invalid(
                "--store-result",
                "give the folder with --sensor-id".into(),
            )),
        };
    };
    let sensor_id = match sensor_id {
        Some(id) => id,
        None => prtg_probe::sensor_id(env)
            .map_err(|problem| invalid("--sensor-id", problem))?
            .ok_or_else(|| {
                invalid(
                    "--sensor-id",
                    "give the sensor's ID with --store-result (PRTG sets prtg_sensorid when \
                     the script runs with placeholders as environment values)"
                        .into(),
                )
            })?,
    };
    let dir = if folder.as_os_str().is_empty() {
        prtg_probe::store_folder(env).map_err(|problem| invalid("--store-result", problem))?
    } else {
        folder
    };
    // A folder that is missing (or full, or read-only) when the check ends is said then,
    // after the check: its result is printed all the same.
    Ok(Some(StoreTarget { dir, sensor_id }))
}

/// `--security`: the contract's transport-security cases, by the names every output gives
/// them ([`names::security`]), each described as the core describes its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Security(pub TransportSecurity);

impl clap::ValueEnum for Security {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(TransportSecurity::None),
            Self(TransportSecurity::StarttlsIfAvailable),
            Self(TransportSecurity::TlsIfAvailable),
            Self(TransportSecurity::Starttls),
            Self(TransportSecurity::Tls),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = mode(self.0).describe();
        Some(clap::builder::PossibleValue::new(names::security(self.0)).help(help))
    }
}

/// `--ip-version`: `auto`, `4` or `6` (as [`names::ip_version`] spells them); also
/// `ip4`/`ip6` (blackbox_exporter's words) and `ipv4`/`ipv6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpVersionArg(pub IpVersion);

impl clap::ValueEnum for IpVersionArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(IpVersion::Any),
            Self(IpVersion::Ipv4),
            Self(IpVersion::Ipv6),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(names::ip_version(self.0));
        Some(match self.0 {
            IpVersion::Any => value
                .alias("any")
                .help("IPv6 and IPv4, raced (Happy Eyeballs)"),
            IpVersion::Ipv4 => value.aliases(["ip4", "ipv4"]).help("IPv4 only"),
            IpVersion::Ipv6 => value.aliases(["ip6", "ipv6"]).help("IPv6 only"),
        })
    }
}

/// `--tls-min-version`: `1.2` or `1.3` (as [`names::tls_version`] spells them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsVersionArg(pub TlsVersion);

impl clap::ValueEnum for TlsVersionArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self(TlsVersion::Tls12), Self(TlsVersion::Tls13)]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(names::tls_version(self.0));
        Some(match self.0 {
            TlsVersion::Tls12 => value.alias("tls1.2").help("TLS 1.2 or 1.3"),
            TlsVersion::Tls13 => value.alias("tls1.3").help("TLS 1.3 only"),
        })
    }
}

/// `--mailbox`: the protocol a round trip reads the mailbox with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailboxProtocolArg(pub MailboxProtocol);

impl clap::ValueEnum for MailboxProtocolArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self(MailboxProtocol::Imap), Self(MailboxProtocol::Pop3)]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(names::mailbox_protocol(self.0));
        Some(match self.0 {
            MailboxProtocol::Imap => value.help("IMAP: stays logged in and searches again"),
            MailboxProtocol::Pop3 => value.help("POP3: a session for each look"),
        })
    }
}

/// The SASL mechanisms.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// PLAIN (RFC 4616).
    Plain,
    /// LOGIN.
    Login,
    /// CRAM-MD5 (RFC 2195).
    CramMd5,
    /// XOAUTH2: the password is an OAuth 2.0 access token.
    Xoauth2,
}

impl From<Mechanism> for AuthMechanism {
    fn from(mechanism: Mechanism) -> Self {
        match mechanism {
            Mechanism::Plain => AuthMechanism::Plain,
            Mechanism::Login => AuthMechanism::Login,
            Mechanism::CramMd5 => AuthMechanism::CramMd5,
            Mechanism::Xoauth2 => AuthMechanism::Xoauth2,
        }
    }
}

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
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.flag, self.problem)
    }
}

/// Where to keep the spec's "Store result" files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreTarget {
    /// The folder.
    pub dir: PathBuf,
    /// The sensor's ID, in the files' names.
    pub sensor_id: u32,
}

/// How one option of a higher layer (the command line) sits over a lower one (a file).
trait Layer: Sized {
    /// The value in force, and whether it came from below.
    fn over(self, below: Self) -> (Self, bool);
}

impl<T> Layer for Option<T> {
    fn over(self, below: Self) -> (Self, bool) {
        match self {
            Some(value) => (Some(value), false),
            None => {
                let from_below = below.is_some();
                (below, from_below)
            }
        }
    }
}

impl<T> Layer for Vec<T> {
    fn over(self, below: Self) -> (Self, bool) {
        if self.is_empty() {
            let from_below = !below.is_empty();
            (below, from_below)
        } else {
            (self, false)
        }
    }
}

/// A switch is on when either layer turns it on.
impl Layer for bool {
    fn over(self, below: Self) -> (Self, bool) {
        (self || below, !self && below)
    }
}

/// Lays `$top` over `$below` field by field; the struct literal makes sure none is missed.
macro_rules! layered {
    ($top:ident over $below:ident, $from_below:ident: $($field:ident),+ $(,)?) => {
        SensorOptions {
            $($field: {
                let (value, below) = Layer::over($top.$field, $below.$field);
                if below {
                    $from_below.push(stringify!($field));
                }
                value
            }),+
        }
    };
}

impl SensorOptions {
    /// These options (the command line's) over `file`'s, and the keys whose values came
    /// from the file.
    pub fn over(self, file: SensorOptions) -> (SensorOptions, Vec<&'static str>) {
        let mut from_file = Vec::new();
        let top = self;
        let options = layered!(top over file, from_file:
            host, port, timeout, helo, security, ip_version, warning, critical, expect_banner,
            expect_extensions, expect_warning, transcript, tls_ca, tls_roots, tls_min_version,
            tls_server_name, tls_no_verify, cert_warning, cert_critical, auth_user,
            auth_password_file, auth_password_env, auth_password, auth_mechanism,
            allow_plaintext_auth, mail_from, mail_to, envelope_only, relay_probe_from,
            relay_probe_to, subject, body, store_result, sensor_id, mailbox, mailbox_host,
            mailbox_port, mailbox_security, mailbox_tls_server_name, mailbox_user,
            mailbox_password_file, mailbox_password_env, mailbox_allow_plaintext,
            mailbox_token_prefix, latency_warning, latency_critical,
            targets,
        );
        (options, from_file)
    }

    /// The validated settings these options describe (see [`SensorOptions::into_request`]).
    pub fn into_settings(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Settings, Option<StoreTarget>), Invalid> {
        let (request, store) = self.into_request(env)?;
        Ok((request.into_settings()?, store))
    }

    /// The check these options describe, with the environment (`env`) for the defaults
    /// that come from it: the host from `prtg_host`, the password from a variable.
    pub fn into_request(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(CheckRequest, Option<StoreTarget>), Invalid> {
        let invalid = |flag, problem: &str| Invalid {
            flag,
            problem: problem.to_string(),
        };
        let host = self
            .host
            .or_else(|| env(prtg_probe::HOST_VARIABLE))
            .ok_or_else(|| {
                invalid(
                    "--host",
                    "no mail server; give --host (or host in the sensor's table; PRTG sets \
                 prtg_host when the script runs with placeholders as environment values)",
                )
            })?;
        let auth = match self.auth_user {
            None => None,
            Some(user) => {
                let named = named_password(&env, self.auth_password_env, "--auth-password-env")?;
                let sources = PasswordSources {
                    file: self.auth_password_file,
                    value: self.auth_password.or(named),
                    environment: env(PASSWORD_VARIABLE).map(Secret::new),
                    ..PasswordSources::smtp()
                };
                Some(AuthRequest {
                    user,
                    password: sources.resolve()?,
                    mechanism: self.auth_mechanism.map(Into::into),
                    allow_plaintext: self.allow_plaintext_auth,
                })
            }
        };
        let mail_to: Vec<String> = self
            .mail_to
            .iter()
            .flat_map(|to| split_recipients(to))
            .collect();
        // Either end given makes a test email; one without the other is the core's to refuse.
        let email = match (self.mail_from, mail_to.is_empty()) {
            (None, true) if self.envelope_only => {
                return Err(invalid(
                    "--envelope-only",
                    "give the envelope with it: --mail-from and --mail-to",
                ));
            }
            (None, true) => None,
            (from, _) => Some(EmailRequest {
                from: from.unwrap_or_default(),
                to: mail_to,
                subject: self.subject.unwrap_or_else(|| DEFAULT_SUBJECT.into()),
                body: self.body.unwrap_or_else(|| DEFAULT_BODY.into()),
                send_data: !self.envelope_only,
            }),
        };
        // A file may give one key of the pair without the other; clap checks the flags.
        let relay_probe = match (self.relay_probe_from, self.relay_probe_to) {
            (None, None) => None,
            (Some(from), Some(to)) => Some(RelayProbeRequest { from, to }),
            (None, Some(_)) => {
                return Err(invalid(
                    "--relay-probe-from",
                    "give the probe's sender with it",
                ));
            }
            (Some(_), None) => {
                return Err(invalid(
                    "--relay-probe-to",
                    "give the probe's outside recipient with it",
                ));
            }
        };
        let mailbox = match (self.mailbox, self.mailbox_user) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    "--mailbox",
                    "a mailbox user without a protocol; give --mailbox imap or pop3",
                ));
            }
            (Some(_), None) => {
                return Err(invalid(
                    "--mailbox-user",
                    "give the mailbox's user for the round trip",
                ));
            }
            (Some(protocol), Some(user)) => {
                let named =
                    named_password(&env, self.mailbox_password_env, "--mailbox-password-env")?;
                let sources = PasswordSources {
                    file: self.mailbox_password_file,
                    value: named,
                    environment: env(MAILBOX_PASSWORD_VARIABLE).map(Secret::new),
                    ..PasswordSources::mailbox()
                };
                Some(MailboxRequest {
                    protocol: protocol.0,
                    host: self.mailbox_host,
                    port: self.mailbox_port,
                    security: self
                        .mailbox_security
                        .map_or(TransportSecurity::Tls, |s| s.0),
                    tls_server_name: self.mailbox_tls_server_name,
                    user,
                    password: sources.resolve()?,
                    allow_plaintext: self.mailbox_allow_plaintext,
                    token_prefix: self.mailbox_token_prefix,
                    latency_warning: self.latency_warning,
                    latency_critical: self.latency_critical,
                })
            }
        };
        let store = store_target(self.store_result, self.sensor_id, &env)?;
        let request = CheckRequest {
            host,
            port: self.port,
            timeout_seconds: self.timeout,
            helo: self.helo,
            security: self.security.map_or(TransportSecurity::Tls, |s| s.0),
            ip_version: self.ip_version.map_or(IpVersion::Any, |v| v.0),
            keep_transcript: self.transcript || store.is_some(),
            expect: ExpectRequest {
                banner: self.expect_banner,
                extensions: self.expect_extensions,
                miss_is_warning: self.expect_warning,
            },
            response_warning: self.warning,
            response_critical: self.critical,
            tls: TlsRequest {
                ca_files: self.tls_ca,
                server_name: self.tls_server_name,
                min_version: self.tls_min_version.map_or(TlsVersion::Tls12, |v| v.0),
                roots: self.tls_roots.unwrap_or_default(),
                verify: !self.tls_no_verify,
                warning_days: self.cert_warning,
                critical_days: self.cert_critical,
            },
            auth,
            email,
            relay_probe,
            mailbox,
        };
        Ok((request, store))
    }
}

/// The password in the environment variable `variable` names, when one is named (`flag`
/// names it); an unset variable is an error naming the flag.
fn named_password(
    env: &impl Fn(&str) -> Option<String>,
    variable: Option<String>,
    flag: &'static str,
) -> Result<Option<Secret>, Invalid> {
    let Some(variable) = variable else {
        return Ok(None);
    };
    env(&variable)
        .map(Secret::new)
        .map(Some)
        .ok_or_else(|| Invalid {
            flag,
            problem: format!(
                "the environment variable {variable} is not set; set it to the password or name \
             another"
            ),
        })
}

/// A duration as people write it: `500ms`, `2s`, `1m 30s`; or a bare number of seconds, as
/// check_smtp's `-w 5` and `-c 0.5` take them.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| {
            format!("{text} is not a number of seconds; give one such as 5 or 0.5, or 500ms")
        });
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; give a duration such as 500ms or 2s, or seconds such as 5"))
}

/// A value in a file as text, whether quoted or a bare number (`"2s"`, `5`, `1.3`): the
/// file takes what the command line takes.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Whole(i64),
        Number(f64),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Whole(number) => number.to_string(),
        TextOrNumber::Number(number) => number.to_string(),
    })
}

/// A duration in a file: `"500ms"`, `"2s"`, or seconds, quoted or not (`5`, `0.5`).
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    parse_duration(&text_or_number(deserializer)?)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// One of a flag's values, spelled as on the command line, in any case (`PLAIN`,
/// `cram-md5`), quoted or a bare number (`ip_version = 4`, `tls_min_version = 1.3`).
fn value_enum<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: clap::ValueEnum,
{
    let text = text_or_number(deserializer)?;
    T::from_str(&text, true).map(Some).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        serde::de::Error::custom(format!("{text:?} is not one of {}", names.join(", ")))
    })
}

/// `"a@x"` or `["a@x", "b@x"]`.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// A password written into a configuration file is refused, whatever its value: files are
/// copied, committed and backed up. The error names the ways that keep it out.
fn refuse_inline_password<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    let _ = serde::de::IgnoredAny::deserialize(deserializer)?;
    Err(serde::de::Error::custom(
        "a password is never read from the configuration file; use auth_password_file \
         (a file holding it) or auth_password_env (an environment variable's name)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_sensor_id_defaults_to_prtg_s_when_storing() {
        let dir = std::env::temp_dir();
        let prtg = |name: &str| (name == prtg_probe::SENSOR_ID_VARIABLE).then(|| "61".into());
        let target = store_target(Some(dir.clone()), None, &prtg)
            .unwrap()
            .unwrap();
        assert_eq!(target.sensor_id, 61);
        // A flag wins over the environment; without storing, prtg_sensorid is not needed.
        let target = store_target(Some(dir.clone()), Some(5), &prtg)
            .unwrap()
            .unwrap();
        assert_eq!(target.sensor_id, 5);
        assert_eq!(store_target(None, None, &prtg).unwrap(), None);
        let missing = store_target(Some(dir), None, &no_env).unwrap_err();
        assert_eq!(missing.flag, "--sensor-id");
        assert!(missing.problem.contains("prtg_sensorid"), "{missing}");
    }

    #[cfg(not(windows))]
    #[test]
    fn a_bare_store_result_needs_prtg_s_folder_which_only_windows_has() {
        let error = store_target(Some(PathBuf::new()), Some(1), &no_env).unwrap_err();
        assert_eq!(error.flag, "--store-result");
        assert!(error.problem.contains("give the folder"), "{error}");
    }

    #[test]
    fn store_result_takes_an_optional_folder_on_the_command_line() {
        use clap::Parser;
        #[derive(Parser)]
        struct Flags {
            #[command(flatten)]
            options: SensorOptions,
        }
        let parse = |args: &[&str]| Flags::try_parse_from(args).unwrap().options.store_result;
        assert_eq!(parse(&["x", "--store-result"]), Some(PathBuf::new()));
        assert_eq!(
            parse(&["x", "--store-result", "/d"]),
            Some(PathBuf::from("/d"))
        );
        assert_eq!(parse(&["x"]), None);
    }

    #[test]
    fn flags_override_the_file_and_say_what_came_from_it() {
        let cli = SensorOptions {
            port: Some(2525),
            ..Default::default()
        };
        let file = SensorOptions {
            host: Some("mail.example".into()),
            port: Some(25),
            mail_to: vec!["a@example.com".into()],
            transcript: true,
            ..Default::default()
        };
        let (options, from_file) = cli.over(file);
        assert_eq!(options.port, Some(2525));
        assert_eq!(options.host.as_deref(), Some("mail.example"));
        assert!(options.transcript);
        assert_eq!(from_file, ["host", "transcript", "mail_to"]);
    }

    #[test]
    fn host_defaults_to_prtgs_placeholder() {
        let env = |name: &str| (name == prtg_probe::HOST_VARIABLE).then(|| "192.0.2.7".to_string());
        let (request, _) = SensorOptions::default().into_request(env).unwrap();
        assert_eq!(request.host, "192.0.2.7");
        let missing = SensorOptions::default().into_request(no_env).unwrap_err();
        assert_eq!(missing.flag, "--host");
    }

    #[test]
    fn password_from_a_named_variable() {
        let options = SensorOptions {
            host: Some("mail.example".into()),
            auth_user: Some("probe".into()),
            auth_password_env: Some("MX1_PASSWORD".into()),
            ..Default::default()
        };
        let env = |name: &str| (name == "MX1_PASSWORD").then(|| "s3cret".to_string());
        let (request, _) = options.clone().into_request(env).unwrap();
        assert_eq!(request.auth.unwrap().password.expose(), "s3cret");
        let unset = options.into_request(no_env).unwrap_err();
        assert_eq!(unset.flag, "--auth-password-env");
        assert!(unset.problem.contains("MX1_PASSWORD"));
    }

    #[test]
    fn pairs_must_come_together() {
        let with = |options: SensorOptions| {
            SensorOptions {
                host: Some("mail.example".into()),
                ..options
            }
            .into_request(no_env)
            .unwrap_err()
            .flag
        };
        let id = SensorOptions {
            sensor_id: Some(4),
            ..Default::default()
        };
        assert_eq!(with(id), "--store-result");
        // A test email's two ends: the core's rule, named by the flag that is missing.
        let settings_error = |options: SensorOptions| {
            SensorOptions {
                host: Some("mail.example".into()),
                ..options
            }
            .into_settings(no_env)
            .unwrap_err()
        };
        let from = SensorOptions {
            mail_from: Some("a@example.com".into()),
            ..Default::default()
        };
        let error = settings_error(from);
        assert_eq!(error.flag, "--mail-to");
        assert!(error.problem.contains("no recipient"), "{error}");
        let to = SensorOptions {
            mail_to: vec!["a@example.com".into()],
            ..Default::default()
        };
        let error = settings_error(to);
        assert_eq!(error.flag, "--mail-from");
        assert!(error.problem.contains("no sender"), "{error}");
    }

    #[test]
    fn mechanism_names_in_any_case() {
        use clap::ValueEnum as _;
        assert_eq!(Mechanism::from_str("PLAIN", true), Ok(Mechanism::Plain));
        assert_eq!(
            Mechanism::from_str("CRAM-MD5", true),
            Ok(Mechanism::CramMd5)
        );
        let file: SensorOptions =
            toml::from_str("auth_mechanism = \"CRAM-MD5\"\nsecurity = \"STARTTLS\"").unwrap();
        assert_eq!(file.auth_mechanism, Some(Mechanism::CramMd5));
        assert_eq!(file.security, Some(Security(TransportSecurity::Starttls)));
        let error = toml::from_str::<SensorOptions>("security = \"ssl\"").unwrap_err();
        assert!(error.message().contains("starttls-if-available"), "{error}");
    }

    #[test]
    fn security_values_are_the_outputs_names_described_by_their_modes() {
        use clap::ValueEnum as _;
        let names: Vec<String> = Security::value_variants()
            .iter()
            .map(|v| v.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "none",
                "starttls-if-available",
                "tls-if-available",
                "starttls",
                "tls"
            ]
        );
        for value in Security::value_variants() {
            let name = names::security(value.0);
            assert_eq!(Security::from_str(&name.to_uppercase(), true), Ok(*value));
        }
        let tls = Security(TransportSecurity::Tls)
            .to_possible_value()
            .unwrap();
        assert!(
            tls.get_help()
                .unwrap()
                .to_string()
                .contains("spec's default")
        );
    }

    #[test]
    fn every_setting_is_named_by_a_flag_of_check() {
        use clap::CommandFactory as _;
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            options: SensorOptions,
        }
        let command = Flags::command();
        let settings = [
            Setting::Host,
            Setting::Port,
            Setting::Timeout,
            Setting::Helo,
            Setting::TlsCa,
            Setting::TlsRoots,
            Setting::TlsServerName,
            Setting::CertWarning,
            Setting::CertCritical,
            Setting::MailboxCertWarning,
            Setting::MailboxCertCritical,
            Setting::AuthUser,
            Setting::AuthPassword,
            Setting::MailFrom,
            Setting::MailTo,
            Setting::Subject,
            Setting::Warning,
            Setting::Critical,
            Setting::IpVersion,
            Setting::ExpectBanner,
            Setting::ExpectExtensions,
            Setting::RelayProbe,
            Setting::Mailbox,
            Setting::MailboxHost,
            Setting::MailboxPort,
            Setting::MailboxTlsServerName,
            Setting::MailboxSecurity,
            Setting::MailboxUser,
            Setting::MailboxPassword,
            Setting::MailboxTokenPrefix,
            Setting::LatencyWarning,
            Setting::LatencyCritical,
        ];
        for setting in settings {
            let long = flag(setting).trim_start_matches("--");
            assert!(
                command.get_arguments().any(|a| a.get_long() == Some(long)),
                "{setting:?}: no --{long}"
            );
        }
    }

    #[test]
    fn ip_versions_as_check_smtp_and_blackbox_users_write_them() {
        use clap::ValueEnum as _;
        for (text, version) in [
            ("auto", IpVersion::Any),
            ("4", IpVersion::Ipv4),
            ("ip6", IpVersion::Ipv6),
            ("IPv4", IpVersion::Ipv4),
        ] {
            assert_eq!(
                IpVersionArg::from_str(text, true),
                Ok(IpVersionArg(version))
            );
        }
        for (toml, version) in [
            ("ip_version = 4", IpVersion::Ipv4),
            ("ip_version = \"6\"", IpVersion::Ipv6),
            ("ip_version = \"auto\"", IpVersion::Any),
        ] {
            let file: SensorOptions = toml::from_str(toml).unwrap();
            assert_eq!(file.ip_version, Some(IpVersionArg(version)), "{toml}");
        }
        let error = toml::from_str::<SensorOptions>("ip_version = 5").unwrap_err();
        assert!(error.message().contains("auto, 4, 6"), "{error}");
        let file: SensorOptions = toml::from_str("tls_min_version = 1.3").unwrap();
        assert_eq!(file.tls_min_version, Some(TlsVersionArg(TlsVersion::Tls13)));
        let file: SensorOptions = toml::from_str("tls_min_version = \"1.2\"").unwrap();
        assert_eq!(file.tls_min_version, Some(TlsVersionArg(TlsVersion::Tls12)));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("fast").unwrap_err().contains("500ms"));
        // Bare numbers are seconds, as in check_smtp's -w 5 -c 10.
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration(" 0.25 "), Ok(Duration::from_millis(250)));
        assert!(
            parse_duration("-1")
                .unwrap_err()
                .contains("number of seconds")
        );
        assert!(parse_duration("NaN").is_err());
        let file: SensorOptions = toml::from_str("warning = \"5\"\ncritical = 10").unwrap();
        assert_eq!(file.warning, Some(Duration::from_secs(5)));
        assert_eq!(file.critical, Some(Duration::from_secs(10)));
        let file: SensorOptions = toml::from_str("warning = 0.5").unwrap();
        assert_eq!(file.warning, Some(Duration::from_millis(500)));
    }
}
