//! The values `check`'s flags take, each as the outputs spell it (see [`names`]): the
//! contract's cases wrapped for clap (`--security`, `--ip-version`, `--tls-min-version`,
//! `--mailbox`, `--expect-auth`), the SASL mechanisms, and the durations, folders and spam
//! folders clap's own parsers do not read as users write them. A configuration file takes the same values (`file_values`).

use super::request::mode;
use crate::output::names;
use crate::wit::{
    AuthMechanism, AuthMethod, IpVersion, MailboxProtocol, StsMode, TlsVersion, TransportSecurity,
};
use smtp_sensor_guest::limits::{MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS};
use std::path::PathBuf;
use std::time::Duration;

/// A folder's path, the empty one included (`--store-result` given alone: PRTG's folder),
/// which clap's own path parser refuses.
pub(super) fn folder(value: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(value))
}

/// A duration as people write it: `500ms`, `2s`, `1m 30s`; or a bare number of seconds, as
/// check_smtp's `-w 5` and `-c 0.5` take them.
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| {
            format!("{text} is not a number of seconds; give one such as 5 or 0.5, or 500ms")
        });
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; give a duration such as 500ms or 2s, or seconds such as 5"))
}

/// `--timeout`: whole seconds, written as the thresholds are (`60`, `90s`, `1m 30s`). The
/// contract takes seconds, so a fraction of one (`1500ms`, `0.5`) is refused with the whole
/// seconds around it; the range (1 to 900) is the core's to check, as for a bare number.
pub(super) fn parse_timeout(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let range = format!("whole seconds from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}");
    let duration = parse_duration(text)
        .map_err(|_| format!("{text:?} is not a timeout; give {range}, such as 60, 90s or 2m"))?;
    if duration.subsec_nanos() != 0 {
        let below = duration.as_secs();
        let fix = match below {
            0 => "1s".to_string(),
            _ => format!("{below}s or {}s", below + 1),
        };
        return Err(format!(
            "{text} is not a whole number of seconds, which --timeout takes; give {fix}"
        ));
    }
    u32::try_from(duration.as_secs()).map_err(|_| format!("{text} is too long; give {range}"))
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

/// `--expect-mta-sts`: `enforce`, `testing` or `none`, as RFC 8461 and the policy write
/// the modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StsModeArg(pub StsMode);

impl clap::ValueEnum for StsModeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(StsMode::Enforce),
            Self(StsMode::Testing),
            Self(StsMode::None),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use clap::builder::PossibleValue;
        Some(match self.0 {
            StsMode::Enforce => PossibleValue::new("enforce").help("an enforce policy"),
            StsMode::Testing => {
                PossibleValue::new("testing").help("a testing policy, or an enforce one")
            }
            StsMode::None => PossibleValue::new("none").help("any policy, or none, reported"),
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

/// `--mailbox-folders`: the spam folders a round trip looks in besides INBOX. An empty
/// list is INBOX alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpamFolders(pub Vec<String>);

/// The word `--mailbox-folders` takes for INBOX alone.
pub const NO_SPAM_FOLDERS: &str = "none";

/// `--mailbox-folders`: comma-separated names (`Junk,INBOX.Spam`), each trimmed, or `none`
/// for INBOX alone. A name's own rules (length, INBOX) are the core's to check.
pub(super) fn parse_spam_folders(text: &str) -> Result<SpamFolders, String> {
    if text.trim().eq_ignore_ascii_case(NO_SPAM_FOLDERS) {
        return Ok(SpamFolders(Vec::new()));
    }
    let folders: Vec<String> = text.split(',').map(|f| f.trim().to_string()).collect();
    if folders.iter().any(String::is_empty) {
        return Err(format!(
            "{text:?} has an empty folder name; give the spam folders' names comma-separated \
             (e.g. Junk or INBOX.Junk,INBOX.Spam), or {NO_SPAM_FOLDERS} for INBOX alone"
        ));
    }
    Ok(SpamFolders(folders))
}

/// `--expect-auth`: an email-authentication method, as receivers write it (`dkim`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthMethodArg(pub AuthMethod);

impl clap::ValueEnum for AuthMethodArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(AuthMethod::Spf),
            Self(AuthMethod::Dkim),
            Self(AuthMethod::Dmarc),
            Self(AuthMethod::Arc),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(names::auth_method(self.0));
        Some(match self.0 {
            AuthMethod::Spf => {
                value.help("SPF: the sending host is allowed for the envelope sender")
            }
            AuthMethod::Dkim => value.help("DKIM: a signature on the message verified"),
            AuthMethod::Dmarc => value.help("DMARC: SPF or DKIM passed, aligned with From"),
            AuthMethod::Arc => value.help("ARC: the intermediaries' seals verified"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_is_whole_seconds_written_as_the_thresholds_are() {
        assert_eq!(parse_timeout("60"), Ok(60));
        assert_eq!(parse_timeout("5s"), Ok(5));
        assert_eq!(parse_timeout("1m 30s"), Ok(90));
        assert_eq!(parse_timeout("2000ms"), Ok(2));
        // Out of range is the core's to say (1 to 900), as for a bare number.
        assert_eq!(parse_timeout("0"), Ok(0));
        assert_eq!(parse_timeout("1h"), Ok(3600));
        let error = parse_timeout("1500ms").unwrap_err();
        assert!(error.contains("--timeout"), "{error}");
        assert!(error.contains("whole number of seconds"), "{error}");
        assert!(error.contains("1s or 2s"), "{error}");
        assert!(parse_timeout("0.5").unwrap_err().contains("give 1s"));
        for bad in ["ten", "-1", "NaN", "100000000000"] {
            let error = parse_timeout(bad).unwrap_err();
            assert!(error.contains("1 to 900"), "{bad}: {error}");
        }
    }

    #[test]
    fn spam_folders_comma_separated_or_none() {
        let folders = |text: &str| parse_spam_folders(text).map(|f| f.0);
        assert_eq!(folders("Junk"), Ok(vec!["Junk".to_string()]));
        assert_eq!(
            folders(" INBOX.Junk , [Gmail]/Spam"),
            Ok(vec!["INBOX.Junk".to_string(), "[Gmail]/Spam".to_string()])
        );
        assert_eq!(folders("none"), Ok(vec![]));
        assert_eq!(folders("NONE"), Ok(vec![]));
        for bad in ["", "Junk,", ",Junk", "Junk,,Spam"] {
            let error = folders(bad).unwrap_err();
            assert!(error.contains("empty folder name"), "{bad:?}: {error}");
            assert!(error.contains("none for INBOX alone"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn auth_methods_as_receivers_write_them() {
        use clap::ValueEnum as _;
        let names: Vec<String> = AuthMethodArg::value_variants()
            .iter()
            .map(|v| v.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(names, ["spf", "dkim", "dmarc", "arc"]);
        assert_eq!(
            AuthMethodArg::from_str("DKIM", true),
            Ok(AuthMethodArg(AuthMethod::Dkim))
        );
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
}
