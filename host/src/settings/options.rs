//! A sensor's options, as `check` flags and as a table of a configuration file: one struct
//! for both, so every flag is a key (the long name with `_` for `-`) and one table in the
//! docs/flags.md documents both. Only the struct stands here: the values its flags take are
//! [`super::values`] (and `file_values` reads them as a file writes them); flags given on
//! the command line override the file's keys ([`SensorOptions::over`]), and
//! [`SensorOptions::into_request`] makes the check they describe.

use super::file_values::{duration, one_or_many, refuse_inline_password, timeout, value_enum};
use super::request::TlsRoots;
use super::targets::TargetPattern;
use super::values::{
    IpVersionArg, MailboxProtocolArg, Mechanism, Security, TlsVersionArg, folder, parse_duration,
    parse_timeout,
};
use serde::Deserialize;
use smtp_sensor_guest::Secret;
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
    #[arg(value_parser = parse_timeout)]
    #[serde(default, deserialize_with = "timeout")]
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
    #[serde(default, deserialize_with = "one_or_many")]
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
    #[serde(default, deserialize_with = "one_or_many")]
    pub targets: Vec<TargetPattern>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::invalid::flag;
    use crate::wit::{IpVersion, TlsVersion, TransportSecurity};
    use smtp_sensor_guest::settings::Setting;

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
