//! monitoring-plugins' check_smtp's short flags that are no option's own short here: `-4`,
//! `-6`, `-s`, `-S` and `-D`, each standing for a value of one of `check`'s options, and
//! `-q`, which asks for what the check always does. (The
//! others, `-H`, `-p`, `-t`, `-F`, `-w`, `-c`, `-e`, `-A`, `-U` and `-P`, are the short names
//! of the options they mean.) A Nagios command line written for check_smtp keeps its flags:
//! docs/flags.md says where their meanings differ.

use crate::settings::options::{SensorOptions, heading};
use crate::settings::values::{IpVersionArg, Security};
use crate::wit::{IpVersion, TransportSecurity};

/// `-4`, `-6`, `-s`, `-S`, `-D` and `-q`, as check_smtp takes them.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CheckSmtpFlags {
    /// IPv4 only: --ip-version 4 (check_smtp's -4).
    #[arg(
        short = '4',
        conflicts_with_all = ["ip_version", "ipv6_only"],
        help_heading = heading::TARGET
    )]
    ipv4_only: bool,
    /// IPv6 only: --ip-version 6 (check_smtp's -6).
    #[arg(short = '6', conflicts_with = "ip_version", help_heading = heading::TARGET)]
    ipv6_only: bool,
    /// TLS from the first byte: --security tls (check_smtp's -s).
    #[arg(
        short = 's',
        conflicts_with_all = ["security", "starttls"],
        help_heading = heading::TLS
    )]
    tls: bool,
    /// STARTTLS required: --security starttls (check_smtp's -S).
    #[arg(short = 'S', conflicts_with = "security", help_heading = heading::TLS)]
    starttls: bool,
    /// --cert-warning WARN [--cert-critical CRIT] (check_smtp's -D)
    ///
    /// Warn when the certificate expires within WARN days, report down within CRIT days
    /// [default: 0, once it has expired].
    #[arg(
        verbatim_doc_comment,
        short = 'D',
        value_name = "WARN[,CRIT]",
        value_parser = cert_days,
        conflicts_with_all = ["cert_warning", "cert_critical"],
        help_heading = heading::TLS
    )]
    cert_days: Option<CertDays>,
    /// Accepted as check_smtp's -q: QUIT's reply is never judged here
    ///
    /// check_smtp's -q ignores a failure to send QUIT. Here QUIT follows the verdict, as a
    /// courtesy: whatever becomes of it changes nothing.
    #[arg(verbatim_doc_comment, short = 'q', help_heading = heading::EXPECTATIONS)]
    #[allow(dead_code, reason = "accepted, and nothing to do")]
    ignore_quit_failure: bool,
}

/// `-D`'s value: the warning threshold and, when given, the critical one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CertDays {
    warning: u32,
    critical: Option<u32>,
}

/// `WARN[,CRIT]`, two numbers of days.
fn cert_days(text: &str) -> Result<CertDays, String> {
    let days = |text: &str| {
        text.trim().parse::<u32>().map_err(|_| {
            format!("{text:?} is not a number of days; give WARN or WARN,CRIT, such as 30,14")
        })
    };
    Ok(match text.split_once(',') {
        Some((warning, critical)) => CertDays {
            warning: days(warning)?,
            critical: Some(days(critical)?),
        },
        None => CertDays {
            warning: days(text)?,
            critical: None,
        },
    })
}

impl CheckSmtpFlags {
    /// `options` with these flags' values set (clap refuses them beside the options they
    /// set, so nothing is overridden).
    pub fn apply(&self, mut options: SensorOptions) -> SensorOptions {
        if self.ipv4_only {
            options.ip_version = Some(IpVersionArg(IpVersion::Ipv4));
        }
        if self.ipv6_only {
            options.ip_version = Some(IpVersionArg(IpVersion::Ipv6));
        }
        if self.tls {
            options.security = Some(Security(TransportSecurity::Tls));
        }
        if self.starttls {
            options.security = Some(Security(TransportSecurity::Starttls));
        }
        if let Some(days) = self.cert_days {
            options.cert_warning = Some(days.warning);
            if let Some(critical) = days.critical {
                options.cert_critical = Some(critical);
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        options: SensorOptions,
        #[command(flatten)]
        check_smtp: CheckSmtpFlags,
    }

    fn parse(args: &[&str]) -> Result<SensorOptions, clap::Error> {
        let flags = Flags::try_parse_from([&["check"], args].concat())?;
        Ok(flags.check_smtp.apply(flags.options))
    }

    #[test]
    fn check_smtps_flags_set_the_options_they_stand_for() {
        let options = parse(&[
            "-H",
            "mx.test",
            "-p",
            "2525",
            "-t",
            "10",
            "-F",
            "probe.test",
            "-w",
            "5",
            "-c",
            "0.5",
            "-e",
            "220",
            "-A",
            "LOGIN",
            "-U",
            "user",
            "-P",
            "pass",
            "-4",
            "-S",
            "-D",
            "30,14",
            "-q",
        ])
        .unwrap();
        assert_eq!(options.host.as_deref(), Some("mx.test"));
        assert_eq!(options.port, Some(2525));
        assert!(options.timeout.is_some());
        assert_eq!(options.helo.as_deref(), Some("probe.test"));
        assert_eq!(options.warning, Some(std::time::Duration::from_secs(5)));
        assert_eq!(
            options.critical,
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(options.expect_banner.as_deref(), Some("220"));
        assert_eq!(
            options.auth_mechanism,
            Some(crate::settings::values::Mechanism::Login)
        );
        assert_eq!(options.auth_user.as_deref(), Some("user"));
        assert!(options.auth_password.is_some());
        assert_eq!(options.ip_version, Some(IpVersionArg(IpVersion::Ipv4)));
        assert_eq!(
            options.security,
            Some(Security(TransportSecurity::Starttls))
        );
        assert_eq!(
            (options.cert_warning, options.cert_critical),
            (Some(30), Some(14))
        );

        let options = parse(&["-6", "-s", "-D", "21"]).unwrap();
        assert_eq!(options.ip_version, Some(IpVersionArg(IpVersion::Ipv6)));
        assert_eq!(options.security, Some(Security(TransportSecurity::Tls)));
        assert_eq!(
            (options.cert_warning, options.cert_critical),
            (Some(21), None)
        );
    }

    #[test]
    fn each_refused_beside_the_option_it_sets_or_its_opposite() {
        for args in [
            &["-4", "--ip-version", "6"][..],
            &["-4", "-6"],
            &["-S", "--security", "tls"],
            &["-s", "-S"],
            &["-D", "30", "--cert-critical", "3"],
            &["-D", "30", "--cert-warning", "3"],
        ] {
            let error = parse(args).err().unwrap_or_else(|| panic!("{args:?}"));
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{args:?}"
            );
        }
    }

    #[test]
    fn certificate_days_as_check_smtp_reads_them() {
        assert_eq!(
            cert_days("30,14"),
            Ok(CertDays {
                warning: 30,
                critical: Some(14)
            })
        );
        assert_eq!(
            cert_days("7"),
            Ok(CertDays {
                warning: 7,
                critical: None
            })
        );
        for bad in ["", "x", "30,", ",14", "-1", "30,14,7"] {
            assert!(cert_days(bad).unwrap_err().contains("WARN,CRIT"), "{bad}");
        }
    }

    /// check_smtp's getopt takes `-P -abc` as the password `-abc`; so does this check, and
    /// never says it back as an unknown flag.
    #[test]
    fn a_password_that_starts_with_a_dash_is_taken_whole() {
        let options = parse(&["-H", "mx.test", "-U", "probe", "-P", "-abc"]).unwrap();
        let password = options.auth_password.expect("a password");
        assert_eq!(password.expose(), "-abc");
    }
}
