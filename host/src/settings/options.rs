//! A sensor's options, as `check` flags and as a table of a configuration file: one struct
//! for both, so every flag is a key (the long name with `_` for `-`) and one table in the
//! docs/flags.md documents both. Only the struct stands here: the values its flags take are
//! [`super::values`] (and `file_values` reads them as a file writes them); flags given on
//! the command line override the file's keys ([`SensorOptions::over`]), and
//! [`SensorOptions::into_request`] makes the check they describe.

use super::file_values::{
    duration, one_or_many, refuse_inline_password, spam_folders, timeout, value_enum,
    value_enum_list,
};
use super::request::TlsRoots;
use super::targets::TargetPattern;
use super::values::{
    AuthMethodArg, IpVersionArg, MailboxProtocolArg, Mechanism, Security, SpamFolders, StsModeArg,
    TlsVersionArg, folder, parse_duration, parse_spam_folders, parse_timeout,
};
use serde::Deserialize;
use smtp_sensor_guest::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// The headings `check --help` groups its options under. clap shows a heading where its
/// first option stands: the sensor's options below, then `check`'s own (`--config`,
/// `--format`, check_smtp's `-4`, `-6`, `-s`, `-S` and `-D`), each joining its group.
pub mod heading {
    /// Where to connect, and how long to wait.
    pub const TARGET: &str = "Target";
    /// `--security`, the certificate's verification and its expiry thresholds.
    pub const TLS: &str = "Transport security and TLS";
    /// What makes a reachable server a warning or down.
    pub const EXPECTATIONS: &str = "Expectations and thresholds";
    /// What is printed and written, and sensors from a file.
    pub const OUTPUT: &str = "Output and files";
    /// SMTP AUTH.
    pub const LOGIN: &str = "Login (SMTP AUTH)";
    /// MAIL FROM, RCPT TO and DATA: the test email, the envelope and the open-relay probes.
    pub const TEST_EMAIL: &str = "Test email and relay probe";
    /// `--mailbox` and the mailbox's settings.
    pub const ROUND_TRIP: &str = "Round trip (--mailbox)";
    /// `--domain` and what a mail domain's check judges.
    pub const DOMAIN: &str = "Mail domain (--domain)";
    /// `--dane` and what DANE and DNSSEC must show.
    pub const DANE: &str = "DANE and DNSSEC";
}

/// Everything that describes one sensor. Unset options take their defaults.
///
/// Each doc comment's first paragraph is the one line `check -h` shows; the whole comment
/// is what `check --help` shows.
#[derive(clap::Args, Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SensorOptions {
    /// The mail server: a DNS name or an IP address [default: $prtg_host]
    ///
    /// IPv6 addresses with or without brackets. A name whose last label is a number (127.1,
    /// 0x7f.1) is the IPv4 address resolvers read it as. Required unless PRTG sets prtg_host.
    /// (check_smtp's -H.)
    #[arg(verbatim_doc_comment, short = 'H', long, help_heading = heading::TARGET)]
    pub host: Option<String>,
    /// Check a mail domain: every MX host, its MTA-STS policy and TLS-RPT record
    ///
    /// Instead of --host. The domain's MX records are looked up (none: the domain itself,
    /// RFC 5321), and every MX host, at most 10, is checked at once within --timeout, on
    /// --port (default 25) with --security (default starttls), its certificate verified for
    /// its own name, as a sending MTA reaches it: no log-in, no test email. The MTA-STS
    /// policy (RFC 8461) is fetched from mta-sts.DOMAIN over HTTPS and judged against what
    /// the MX hosts presented; the TLS-RPT record (RFC 8460) is read. DNS goes through the host
    /// (--dns-server).
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DOMAIN",
        conflicts_with = "host",
        help_heading = heading::DOMAIN
    )]
    pub domain: Option<String>,
    /// The weakest MTA-STS mode the domain must publish: enforce, testing or none
    ///
    /// A weaker policy, or none, is down (a warning with --expect-warning). By default any
    /// mode, or none, will do; it is reported all the same.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "MODE",
        ignore_case = true,
        hide_possible_values = true,
        help_heading = heading::DOMAIN
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub expect_mta_sts: Option<StsModeArg>,
    /// Warn when the MTA-STS policy's max_age is under this many days [default: 7]
    ///
    /// A short max_age leaves senders without the policy soon after an outage. 0: never; at
    /// most 365.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DAYS",
        help_heading = heading::DOMAIN
    )]
    pub mta_sts_max_age_warning: Option<u32>,
    /// Check DANE: verify the certificate by the host's TLSA records (RFC 7672)
    ///
    /// The TLSA records at _PORT._tcp.HOST are looked up through the host's DNS (DNSSEC
    /// validated, --dns-server) before connecting; when DNSSEC vouches for them, the
    /// certificate must match one, and DANE must be in force (no records, or records DNSSEC
    /// does not vouch for, is a warning). A host name, not an address. A domain check always
    /// checks DANE for every MX host; there it needs no flag.
    #[arg(verbatim_doc_comment, long, help_heading = heading::DANE)]
    #[serde(default)]
    pub dane: bool,
    /// DANE must be in force: no TLSA records, or records DNSSEC does not vouch for, warn
    ///
    /// With --domain, for every MX host; for one host it implies --dane.
    #[arg(verbatim_doc_comment, long, help_heading = heading::DANE)]
    #[serde(default)]
    pub expect_dane: bool,
    /// Warn when DANE is in force with a single usable TLSA record
    ///
    /// A certificate or key rollover needs a standby record published ahead of it. Implies
    /// --dane for one host.
    #[arg(verbatim_doc_comment, long, help_heading = heading::DANE)]
    #[serde(default)]
    pub dane_expect_standby: bool,
    /// Warn when a DNSSEC signature the check relied on expires within DAYS [default: 3]
    ///
    /// Expired signatures make the zone bogus: validating resolvers then fail its names. 0:
    /// never; at most 90. With --domain, or with --dane.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DAYS",
        help_heading = heading::DANE
    )]
    pub dnssec_signature_warning: Option<u32>,
    /// The port [default: 465 for tls and tls-if-available, else 25]
    ///
    /// (check_smtp's -p.)
    #[arg(
        verbatim_doc_comment,
        short = 'p',
        long,
        allow_negative_numbers = true,
        help_heading = heading::TARGET
    )]
    pub port: Option<u16>,
    /// Give up after this long: 30s, 2m, or seconds, 1 to 900 [default: 60]
    ///
    /// Whole seconds (1500ms is refused); bounds the whole check, every phase included.
    /// (check_smtp's -t.)
    #[arg(
        verbatim_doc_comment,
        short = 't',
        long,
        value_name = "DURATION",
        allow_negative_numbers = true,
        value_parser = parse_timeout,
        help_heading = heading::TARGET
    )]
    #[serde(default, deserialize_with = "timeout")]
    pub timeout: Option<u32>,
    /// The name to greet with (EHLO/HELO) [default: this machine's name]
    ///
    /// Printable ASCII, no spaces. (check_smtp's -F.)
    #[arg(
        verbatim_doc_comment,
        short = 'F',
        long,
        value_name = "NAME",
        help_heading = heading::TARGET
    )]
    pub helo: Option<String>,
    /// tls, starttls, none, or starttls-/tls-if-available [default: tls]
    ///
    /// How to secure the connection. tls: TLS from the first byte (port 465; the spec's
    /// default). starttls: STARTTLS required (ports 25 and 587); down when the server offers
    /// none. none: plain SMTP only. starttls-if-available: STARTTLS when offered, else on in
    /// plain text, a warning. tls-if-available: TLS from the first byte; when the server speaks
    /// no TLS at all, again in plain text, a warning.
    ///
    /// (check_smtp's -S is starttls, its -s tls; check_smtp speaks plain SMTP without them.)
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "MODE",
        ignore_case = true,
        hide_possible_values = true,
        help_heading = heading::TLS
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub security: Option<Security>,
    /// Only IPv4 or IPv6 [default: auto]
    ///
    /// 4 or 6: connect over that IP version only. auto tries every address the name has, IPv6
    /// and IPv4 interleaved and raced as Happy Eyeballs does (RFC 8305): the next address 250
    /// ms after the one before, or at once when it failed. (check_smtp's -4 and -6.)
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "VERSION",
        ignore_case = true,
        help_heading = heading::TARGET
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub ip_version: Option<IpVersionArg>,
    /// Warn above this Response Time: 500ms, 2s, or seconds
    ///
    /// A bare number is seconds, as check_smtp's -w takes it (-w 5 is --warning 5). It may not
    /// exceed --timeout, which the check never outlasts.
    #[arg(
        verbatim_doc_comment,
        short = 'w',
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = heading::EXPECTATIONS
    )]
    #[serde(default, deserialize_with = "duration")]
    pub warning: Option<Duration>,
    /// Report down above this Response Time: 2s, or seconds
    ///
    /// At or above --warning. (check_smtp's -c.)
    #[arg(
        verbatim_doc_comment,
        short = 'c',
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = heading::EXPECTATIONS
    )]
    #[serde(default, deserialize_with = "duration")]
    pub critical: Option<Duration>,
    /// A regular expression the banner must match
    ///
    /// For example "^220 .*ESMTP".
    ///
    /// Matched against the banner's code and text as one line (a multi-line banner's lines
    /// joined by " | "). check_smtp's -e looks for a plain string (-e 220 works the same) and
    /// warns when it is missing; here a miss is down unless --expect-warning.
    #[arg(
        verbatim_doc_comment,
        short = 'e',
        long,
        value_name = "PATTERN",
        visible_alias = "expect",
        help_heading = heading::EXPECTATIONS
    )]
    pub expect_banner: Option<String>,
    /// The EHLO reply must announce these extensions
    ///
    /// For example STARTTLS,SIZE,SMTPUTF8. Comma-separated (in a file, a list), in any case;
    /// judged on the last EHLO reply (over TLS after STARTTLS).
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "KEYWORDS",
        value_delimiter = ',',
        help_heading = heading::EXPECTATIONS
    )]
    #[serde(default, deserialize_with = "one_or_many")]
    pub expect_extensions: Vec<String>,
    /// A missed expectation is a warning, not down.
    #[arg(long, help_heading = heading::EXPECTATIONS)]
    #[serde(default)]
    pub expect_warning: bool,
    /// Include the transcript of the dialogue in the output
    ///
    /// The client's and the server's lines, timed; secrets redacted.
    #[arg(verbatim_doc_comment, long, help_heading = heading::OUTPUT)]
    #[serde(default)]
    pub transcript: bool,
    /// Also trust the CAs in this PEM or DER file; repeatable.
    #[arg(long, value_name = "FILE", help_heading = heading::TLS)]
    #[serde(default, deserialize_with = "one_or_many")]
    pub tls_ca: Vec<PathBuf>,
    /// Trust mozilla's roots, the system's, or both [default: mozilla]
    ///
    /// mozilla: the Mozilla roots built into the component. system: the operating system's
    /// trusted CAs, as check_smtp and blackbox_exporter trust them: where SSL_CERT_FILE and
    /// SSL_CERT_DIR say, else the distribution's bundle (on Windows, the certificate store).
    /// both: the two.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "ROOTS",
        ignore_case = true,
        hide_possible_values = true,
        help_heading = heading::TLS
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub tls_roots: Option<TlsRoots>,
    /// The oldest TLS accepted [default: 1.2].
    #[arg(long, value_enum, value_name = "VER", help_heading = heading::TLS)]
    #[serde(default, deserialize_with = "value_enum")]
    pub tls_min_version: Option<TlsVersionArg>,
    /// The name the certificate must match (and SNI) [default: --host]
    ///
    /// It is sent as SNI too (an IP address is not).
    #[arg(verbatim_doc_comment, long, value_name = "NAME", help_heading = heading::TLS)]
    pub tls_server_name: Option<String>,
    /// Do not verify the certificate (the result says so)
    ///
    /// Its expiry is still reported and judged (the leaf's alone, as there is no verified
    /// chain).
    #[arg(verbatim_doc_comment, long, help_heading = heading::TLS)]
    #[serde(default)]
    pub tls_no_verify: bool,
    /// Warn when the certificate has fewer days left [default: 14]
    ///
    /// The first to expire on the verified chain clients use: the leaf or an intermediate,
    /// never the root. (check_smtp's -D WARN.)
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        help_heading = heading::TLS
    )]
    pub cert_warning: Option<u32>,
    /// Report down when the certificate has fewer days left [default: 0]
    ///
    /// 0: once it has expired. (check_smtp's -D WARN,CRIT.)
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        help_heading = heading::TLS
    )]
    pub cert_critical: Option<u32>,
    /// Log in as this user
    ///
    /// The password is read from --auth-password-file, --auth-password-env, or else the
    /// SMTP_SENSOR_PASSWORD environment variable. (check_smtp's -U.)
    #[arg(
        verbatim_doc_comment,
        short = 'U',
        long,
        value_name = "USER",
        help_heading = heading::LOGIN
    )]
    pub auth_user: Option<String>,
    /// Read the password from this file's first line
    ///
    /// The password, or the XOAUTH2 token.
    #[arg(verbatim_doc_comment, long, value_name = "FILE", help_heading = heading::LOGIN)]
    pub auth_password_file: Option<PathBuf>,
    /// Read the password from this environment variable
    ///
    /// The password, or the XOAUTH2 token.
    #[arg(verbatim_doc_comment, long, value_name = "VAR", help_heading = heading::LOGIN)]
    pub auth_password_env: Option<String>,
    /// The password itself, where process lists show it
    ///
    /// Prefer --auth-password-file or SMTP_SENSOR_PASSWORD. Never accepted in a configuration
    /// file. (check_smtp's -P.)
    #[arg(
        verbatim_doc_comment,
        short = 'P',
        long,
        value_name = "PASSWORD",
        // A password may start with '-': it is taken whole, never said back as a flag.
        allow_hyphen_values = true,
        help_heading = heading::LOGIN
    )]
    #[serde(default, deserialize_with = "refuse_inline_password")]
    pub auth_password: Option<Secret>,
    /// SASL mechanism
    ///
    /// By default the strongest the server offers of CRAM-MD5, PLAIN and LOGIN. XOAUTH2
    /// (Microsoft 365, Gmail) is used only when named. (check_smtp's -A, which takes only
    /// LOGIN.)
    #[arg(
        verbatim_doc_comment,
        short = 'A',
        long,
        value_enum,
        value_name = "MECH",
        ignore_case = true,
        help_heading = heading::LOGIN
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub auth_mechanism: Option<Mechanism>,
    /// Send credentials even over an unencrypted connection
    ///
    /// Without it, a check that would do so is down instead.
    #[arg(verbatim_doc_comment, long, help_heading = heading::LOGIN)]
    #[serde(default)]
    pub allow_plaintext_auth: bool,
    /// Send a test email from this address (MAIL FROM).
    #[arg(long, value_name = "ADDR", help_heading = heading::TEST_EMAIL)]
    pub mail_from: Option<String>,
    /// ... to these addresses (RCPT TO; comma-separated, in a file a list).
    #[arg(
        long,
        value_name = "ADDR,...",
        value_delimiter = ',',
        help_heading = heading::TEST_EMAIL
    )]
    #[serde(default, deserialize_with = "one_or_many")]
    pub mail_to: Vec<String>,
    /// Stop after RCPT TO: an envelope probe that leaves no mail behind
    ///
    /// With --mail-from and --mail-to; no DATA is sent, QUIT ends the transaction. The
    /// recipients' replies are in the result.
    #[arg(verbatim_doc_comment, long, help_heading = heading::TEST_EMAIL)]
    #[serde(default)]
    pub envelope_only: bool,
    /// The open-relay probe's sender, an outside address (no log-in)
    ///
    /// Use a sender in a domain that exists: a server that verifies senders refuses one that
    /// does not before it is asked to relay. Not with a log-in or a test email.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "ADDR",
        requires = "relay_probe_to",
        help_heading = heading::TEST_EMAIL
    )]
    pub relay_probe_from: Option<String>,
    /// The open-relay probe's outside recipient, which must be refused
    ///
    /// A refusal (5xx) is up; an acceptance is down, saying the server relays; a temporary
    /// refusal (4xx) proves neither and is a warning. DATA is never sent.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "ADDR",
        requires = "relay_probe_from",
        help_heading = heading::TEST_EMAIL
    )]
    pub relay_probe_to: Option<String>,
    /// The test email's subject [default: "smtp-sensor test message"].
    #[arg(long, help_heading = heading::TEST_EMAIL)]
    pub subject: Option<String>,
    /// The test email's body [default: a sentence saying what sent it].
    #[arg(long, help_heading = heading::TEST_EMAIL)]
    pub body: Option<String>,
    /// Write the result and the transcript into this folder
    ///
    /// PRTG's "Store result": writes "Result of Sensor N.txt" and "Result of Sensor
    /// N.Data.txt", replaced atomically. With no folder, PRTG's: the Logs\sensors subfolder of
    /// the PRTG data directory (Windows).
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = folder,
        help_heading = heading::OUTPUT
    )]
    pub store_result: Option<PathBuf>,
    /// The sensor's ID, for the stored files' names [default: $prtg_sensorid].
    #[arg(long, value_name = "N", help_heading = heading::OUTPUT)]
    pub sensor_id: Option<u32>,
    /// Make the round trip
    ///
    /// PRTG's SMTP&IMAP and SMTP&POP3 Round Trip sensors: after the test email is accepted,
    /// look for it in this kind of mailbox until it arrives, then delete it, and report the
    /// Delivery Latency. Needs --mail-from, --mail-to and --mailbox-user.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "PROTOCOL",
        ignore_case = true,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub mailbox: Option<MailboxProtocolArg>,
    /// The mailbox server [default: --host].
    #[arg(long, value_name = "HOST", help_heading = heading::ROUND_TRIP)]
    pub mailbox_host: Option<String>,
    /// Its port [default: 993 (IMAP), 995 (POP3)]
    ///
    /// 993 or 995 for tls and tls-if-available, else 143 or 110.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "PORT",
        allow_negative_numbers = true,
        help_heading = heading::ROUND_TRIP
    )]
    pub mailbox_port: Option<u16>,
    /// As --security, for the mailbox [default: tls]
    ///
    /// STARTTLS is IMAP's STARTTLS and POP3's STLS. The certificate is verified with the same
    /// --tls-ca, --tls-roots, --tls-min-version and --tls-no-verify.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "MODE",
        ignore_case = true,
        hide_possible_values = true,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "value_enum")]
    pub mailbox_security: Option<Security>,
    /// Verify its certificate against this name
    ///
    /// By default the mailbox server's name, --mailbox-host.
    #[arg(verbatim_doc_comment, long, value_name = "NAME", help_heading = heading::ROUND_TRIP)]
    pub mailbox_tls_server_name: Option<String>,
    /// The mailbox's user: a dedicated account
    ///
    /// The check deletes its test messages there.
    #[arg(verbatim_doc_comment, long, value_name = "USER", help_heading = heading::ROUND_TRIP)]
    pub mailbox_user: Option<String>,
    /// Read the mailbox's password from this file
    ///
    /// Its first line. Without this or --mailbox-password-env, the SMTP_SENSOR_MAILBOX_PASSWORD
    /// environment variable is read.
    #[arg(verbatim_doc_comment, long, value_name = "FILE", help_heading = heading::ROUND_TRIP)]
    pub mailbox_password_file: Option<PathBuf>,
    /// ... or from this environment variable.
    #[arg(long, value_name = "VAR", help_heading = heading::ROUND_TRIP)]
    pub mailbox_password_env: Option<String>,
    /// Send its password even without TLS
    ///
    /// Needed with --mailbox-security none, and for a refused STARTTLS under
    /// starttls-if-available; the if-available modes require TLS without it.
    #[arg(verbatim_doc_comment, long, help_heading = heading::ROUND_TRIP)]
    #[serde(default)]
    pub mailbox_allow_plaintext: bool,
    /// What the test messages' tokens start with
    ///
    /// By default smtp-sensor-roundtrip: letters, digits, - and _, up to 64. In its subject and
    /// Message-ID. Test messages with it that an earlier, timed-out run left are deleted too.
    #[arg(verbatim_doc_comment, long, value_name = "PREFIX", help_heading = heading::ROUND_TRIP)]
    pub mailbox_token_prefix: Option<String>,
    /// Warn above this Delivery Latency: 5s, or seconds
    ///
    /// From the test email's acceptance to its arrival in the mailbox.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "duration")]
    pub latency_warning: Option<Duration>,
    /// Report down above this Delivery Latency.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "duration")]
    pub latency_critical: Option<Duration>,
    /// Spam folders besides INBOX; none: INBOX alone [default: found]
    ///
    /// Comma-separated, as the server's folder list names them (INBOX.Junk, [Gmail]/Spam),
    /// at most 4. By default the folder the server marks \Junk (RFC 6154), else the first
    /// named Junk, Spam, Junk E-mail or Bulk Mail. IMAP only: POP3 sees INBOX alone. A test
    /// email found in a spam folder is a warning (delivered-to-spam).
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "LIST",
        value_parser = parse_spam_folders,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "spam_folders")]
    pub mailbox_folders: Option<SpamFolders>,
    /// The receiver's authserv-id [default: the topmost field's]
    ///
    /// The name the receiving server writes first in its Authentication-Results fields
    /// (mx.example.com), compared without case. By default the topmost field's, as a
    /// receiver adds its own above those already there (RFC 8601 section 5). Name it when
    /// the receiver may write none: the topmost field would then be whoever wrote it.
    #[arg(verbatim_doc_comment, long, value_name = "ID", help_heading = heading::ROUND_TRIP)]
    pub mailbox_authserv_id: Option<String>,
    /// Methods that must pass at the receiver, comma-separated
    ///
    /// For example dkim,dmarc. Judged on the receiver's Authentication-Results on the test
    /// email (see --mailbox-authserv-id): a result other than pass, or none, is down
    /// (a warning with --expect-warning), expectation-missed.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        value_name = "LIST",
        value_delimiter = ',',
        ignore_case = true,
        help_heading = heading::ROUND_TRIP
    )]
    #[serde(default, deserialize_with = "value_enum_list")]
    pub expect_auth: Vec<AuthMethodArg>,
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
    fn the_receiver_s_flags_on_the_command_line() {
        use crate::wit::AuthMethod;
        use clap::Parser;
        #[derive(Parser, Debug)]
        struct Flags {
            #[command(flatten)]
            options: SensorOptions,
        }
        let parse = |args: &[&str]| Flags::try_parse_from(args).map(|f| f.options);
        let options = parse(&[
            "x",
            "--mailbox-folders",
            "INBOX.Junk, [Gmail]/Spam",
            "--mailbox-authserv-id",
            "mx.example.com",
            "--expect-auth",
            "dkim,DMARC",
        ])
        .unwrap();
        assert_eq!(
            options.mailbox_folders,
            Some(SpamFolders(vec![
                "INBOX.Junk".into(),
                "[Gmail]/Spam".into()
            ]))
        );
        assert_eq!(
            options.mailbox_authserv_id.as_deref(),
            Some("mx.example.com")
        );
        assert_eq!(
            options.expect_auth,
            [
                AuthMethodArg(AuthMethod::Dkim),
                AuthMethodArg(AuthMethod::Dmarc)
            ]
        );
        let none = parse(&["x", "--mailbox-folders", "none"]).unwrap();
        assert_eq!(none.mailbox_folders, Some(SpamFolders(vec![])));
        assert_eq!(parse(&["x"]).unwrap().mailbox_folders, None);
        // A method that is none: the flag, the value, the methods and the nearest.
        let error = parse(&["x", "--expect-auth", "spf,dkm"])
            .unwrap_err()
            .to_string();
        for part in ["--expect-auth", "'dkm'", "spf, dkim, dmarc, arc", "'dkim'"] {
            assert!(error.contains(part), "{part} in {error}");
        }
        let error = parse(&["x", "--mailbox-folders", "Junk,"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--mailbox-folders"), "{error}");
        assert!(error.contains("empty folder name"), "{error}");
    }

    #[test]
    fn the_receiver_s_keys_in_a_file() {
        use crate::wit::AuthMethod;
        let file: SensorOptions = toml::from_str(
            "mailbox_folders = \"Junk,INBOX.Spam\"\nmailbox_authserv_id = \"mx.example.com\"\n\
             expect_auth = \"dkim, dmarc\"",
        )
        .unwrap();
        assert_eq!(
            file.mailbox_folders,
            Some(SpamFolders(vec!["Junk".into(), "INBOX.Spam".into()]))
        );
        assert_eq!(
            file.expect_auth,
            [
                AuthMethodArg(AuthMethod::Dkim),
                AuthMethodArg(AuthMethod::Dmarc)
            ]
        );
        let file: SensorOptions =
            toml::from_str("mailbox_folders = []\nexpect_auth = [\"SPF\", \"arc\"]").unwrap();
        assert_eq!(file.mailbox_folders, Some(SpamFolders(vec![])));
        assert_eq!(
            file.expect_auth,
            [
                AuthMethodArg(AuthMethod::Spf),
                AuthMethodArg(AuthMethod::Arc)
            ]
        );
        // A list names folders as written: a folder called none is one.
        let file: SensorOptions = toml::from_str("mailbox_folders = [\"none\"]").unwrap();
        assert_eq!(file.mailbox_folders, Some(SpamFolders(vec!["none".into()])));
        let file: SensorOptions = toml::from_str("mailbox_folders = \"none\"").unwrap();
        assert_eq!(file.mailbox_folders, Some(SpamFolders(vec![])));
        let error = toml::from_str::<SensorOptions>("expect_auth = \"dkim,dmark\"").unwrap_err();
        assert!(
            error
                .message()
                .contains("\"dmark\" is not one of spf, dkim, dmarc, arc; did you mean dmarc?"),
            "{error}"
        );
        let error = toml::from_str::<SensorOptions>("mailbox_folders = 4").unwrap_err();
        assert!(
            error.message().contains("\"none\" for INBOX alone"),
            "{error}"
        );
    }

    #[test]
    fn a_mail_domain_on_the_command_line_and_in_a_file() {
        use crate::wit::StsMode;
        use clap::Parser;
        #[derive(Parser, Debug)]
        struct Flags {
            #[command(flatten)]
            options: SensorOptions,
        }
        let parse = |args: &[&str]| Flags::try_parse_from(args).map(|f| f.options);
        let options = parse(&[
            "x",
            "--domain",
            "example.com",
            "--expect-mta-sts",
            "ENFORCE",
            "--mta-sts-max-age-warning",
            "14",
        ])
        .unwrap();
        assert_eq!(options.domain.as_deref(), Some("example.com"));
        assert_eq!(options.expect_mta_sts, Some(StsModeArg(StsMode::Enforce)));
        assert_eq!(options.mta_sts_max_age_warning, Some(14));
        let error = parse(&["x", "--domain", "example.com", "--host", "mx.example.com"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--domain") && error.contains("--host"),
            "{error}"
        );
        let error = parse(&["x", "--domain", "example.com", "-H", "mx.example.com"]);
        assert!(error.is_err(), "check_smtp's -H is --host");
        let error = parse(&["x", "--expect-mta-sts", "strict"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("enforce, testing, none"), "{error}");
        let file: SensorOptions = toml::from_str(
            "domain = \"example.com\"\nexpect_mta_sts = \"testing\"\n\
             mta_sts_max_age_warning = 30",
        )
        .unwrap();
        assert_eq!(file.domain.as_deref(), Some("example.com"));
        assert_eq!(file.expect_mta_sts, Some(StsModeArg(StsMode::Testing)));
        assert_eq!(file.mta_sts_max_age_warning, Some(30));
        let options = parse(&[
            "x",
            "--host",
            "mx.example.com",
            "--dane",
            "--expect-dane",
            "--dane-expect-standby",
            "--dnssec-signature-warning",
            "5",
        ])
        .unwrap();
        assert!(options.dane && options.expect_dane && options.dane_expect_standby);
        assert_eq!(options.dnssec_signature_warning, Some(5));
        let file: SensorOptions = toml::from_str(
            "host = \"mx.example.com\"\ndane = true\nexpect_dane = true\n\
             dane_expect_standby = true\ndnssec_signature_warning = 0",
        )
        .unwrap();
        assert!(file.dane && file.expect_dane && file.dane_expect_standby);
        assert_eq!(file.dnssec_signature_warning, Some(0));
        let error = toml::from_str::<SensorOptions>("expect_mta_sts = \"enforced\"").unwrap_err();
        assert!(error.message().contains("did you mean enforce?"), "{error}");
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
            Setting::MailboxSpamFolders,
            Setting::MailboxAuthservId,
            Setting::ExpectAuth,
            Setting::Domain,
            Setting::MtaStsMaxAgeWarning,
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
