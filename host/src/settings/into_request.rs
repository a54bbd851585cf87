//! From a sensor's options to the check they describe (a [`CheckRequest`]) and where to
//! store its result: the defaults that come from the environment (the host from PRTG's
//! `prtg_host`, passwords from variables, PRTG's folder and sensor ID), and the pairs of
//! options that must come together, each refused naming its flag.

use super::invalid::Invalid;
use super::options::SensorOptions;
use super::prtg_probe;
use super::request::{
    AuthRequest, CheckRequest, DaneRequest, DomainRequest, EmailRequest, ExpectRequest,
    MAILBOX_PASSWORD_VARIABLE, MailboxRequest, PASSWORD_VARIABLE, PasswordSources,
    RelayProbeRequest, TlsRequest, default_security, split_recipients,
};
use super::values::SpamFolders;
use crate::wit::{IpVersion, MailboxProtocol, Settings, TlsVersion, TransportSecurity};
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::limits::{DEFAULT_BODY, DEFAULT_SUBJECT};
use std::path::PathBuf;

/// Where to keep the spec's "Store result" files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreTarget {
    /// The folder.
    pub dir: PathBuf,
    /// The sensor's ID, in the files' names.
    pub sensor_id: u32,
}

impl SensorOptions {
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
        let domain = match (&self.domain, &self.host) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "--domain",
                    "give --domain or --host, not both: --domain checks a mail domain's MX \
                     hosts, --host one server",
                ));
            }
            (Some(_), None) => Some(DomainRequest {
                expect_mta_sts: self.expect_mta_sts.map(|m| m.0),
                max_age_warning_days: self.mta_sts_max_age_warning,
            }),
            (None, _) => {
                if let Some(flag) = domain_only(
                    self.expect_mta_sts.is_some(),
                    self.mta_sts_max_age_warning.is_some(),
                ) {
                    return Err(invalid(
                        flag,
                        "it judges a mail domain's MTA-STS policy; give --domain with it",
                    ));
                }
                None
            }
        };
        let dane = dane_request(
            domain.is_some(),
            self.dane,
            self.expect_dane,
            self.dane_expect_standby,
            self.dnssec_signature_warning,
        )?;
        let host = match self.domain {
            Some(domain) => domain,
            None => self
                .host
                .or_else(|| env(prtg_probe::HOST_VARIABLE))
                .ok_or_else(|| {
                    invalid(
                        "--host",
                        "no mail server; give --host, or --domain for a mail domain (or host \
                         in the sensor's table; PRTG sets prtg_host when the script runs with \
                         placeholders as environment values)",
                    )
                })?,
        };
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
            (None, None) => {
                if let Some(flag) = round_trip_only(
                    self.mailbox_folders.is_some(),
                    self.mailbox_authserv_id.is_some(),
                    !self.expect_auth.is_empty(),
                ) {
                    return Err(invalid(
                        flag,
                        "it judges the round trip's test email; give --mailbox imap (or pop3) \
                         and --mailbox-user with it",
                    ));
                }
                None
            }
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
                    spam_folders: spam_folders(protocol.0, self.mailbox_folders)?,
                    authserv_id: self.mailbox_authserv_id,
                    expect_auth: each_once(self.expect_auth.into_iter().map(|m| m.0)),
                })
            }
        };
        let store = store_target(self.store_result, self.sensor_id, &env)?;
        let security = self
            .security
            .map_or(default_security(domain.is_some()), |s| s.0);
        let request = CheckRequest {
            host,
            domain,
            dane,
            port: self.port,
            timeout_seconds: self.timeout,
            helo: self.helo,
            security,
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

/// The first of a domain check's own flags given (the expected MTA-STS mode, the `max_age`
/// warning), which mean nothing without `--domain`.
fn domain_only(expect_mta_sts: bool, max_age_warning: bool) -> Option<&'static str> {
    [
        (expect_mta_sts, "--expect-mta-sts"),
        (max_age_warning, "--mta-sts-max-age-warning"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// DANE's settings from its flags: a domain check's always (it checks DANE anyway); a host
/// check's when `--dane` or a flag that implies it is given, DANE then expected in force
/// (what asking a host for DANE means). The signature warning alone asks for nothing.
fn dane_request(
    domain: bool,
    dane: bool,
    expect_dane: bool,
    expect_standby: bool,
    signature_warning_days: Option<u32>,
) -> Result<Option<DaneRequest>, Invalid> {
    let request = DaneRequest {
        expect_dane: expect_dane || (!domain && (dane || expect_standby)),
        expect_standby,
        signature_warning_days,
    };
    if domain || dane || expect_dane || expect_standby {
        return Ok(Some(request));
    }
    if signature_warning_days.is_some() {
        return Err(Invalid {
            flag: "--dnssec-signature-warning",
            problem: "it judges the DNSSEC signatures DANE relies on; give --dane (or \
                      --domain) with it"
                .to_string(),
        });
    }
    Ok(None)
}

/// The first of the round trip's own flags given (spam folders, authserv-id, expected
/// methods), which mean nothing without a round trip.
fn round_trip_only(folders: bool, authserv_id: bool, expect_auth: bool) -> Option<&'static str> {
    [
        (folders, "--mailbox-folders"),
        (authserv_id, "--mailbox-authserv-id"),
        (expect_auth, "--expect-auth"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// The spam folders for `protocol`: POP3 sees INBOX alone, so folders named for it are
/// refused rather than never looked in.
fn spam_folders(
    protocol: MailboxProtocol,
    folders: Option<SpamFolders>,
) -> Result<Option<Vec<String>>, Invalid> {
    match folders {
        Some(SpamFolders(names)) if protocol == MailboxProtocol::Pop3 && !names.is_empty() => {
            Err(Invalid {
                flag: "--mailbox-folders",
                problem: format!(
                    "POP3 sees INBOX alone, so {} would never be looked in; use --mailbox imap, \
                     or leave --mailbox-folders out",
                    names.join(",")
                ),
            })
        }
        folders => Ok(folders.map(|f| f.0)),
    }
}

/// `items` in order, each once (`--expect-auth dkim,dkim` asks for DKIM once).
fn each_once<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut once = Vec::new();
    for item in items {
        if !once.contains(&item) {
            once.push(item);
        }
    }
    once
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

/// The password in the environment variable `variable` names, when one is named (`flag`
/// names it); an unset variable is an error naming the flag. The name is said only when it
/// is written as variables are (`MX1_PASSWORD`): what else is given where a name belongs may
/// be the password itself, and an error is printed, logged and shown to PRTG.
fn named_password(
    env: &impl Fn(&str) -> Option<String>,
    variable: Option<String>,
    flag: &'static str,
) -> Result<Option<Secret>, Invalid> {
    let Some(variable) = variable else {
        return Ok(None);
    };
    if let Some(password) = env(&variable) {
        return Ok(Some(Secret::new(password)));
    }
    let problem = match variable_name(&variable) {
        Name::Conventional => format!(
            "the environment variable {variable} is not set; set it to the password or name \
             another"
        ),
        Name::Unconventional => "no environment variable of the name given is set (the name is \
             not repeated here, in case it is the password itself); give the NAME of a \
             variable that holds the password, such as MX1_PASSWORD"
            .into(),
        Name::Not => "the value given is not a variable name (did you pass the password \
             itself? give the NAME of a variable that holds it, such as MX1_PASSWORD)"
            .into(),
    };
    Err(Invalid { flag, problem })
}

/// How a value given for a variable's name looks.
#[derive(Debug, PartialEq, Eq)]
enum Name {
    /// As environment variables are named: capitals, digits and `_` (POSIX's convention),
    /// not starting with a digit, at most 64 characters.
    Conventional,
    /// A name the shell takes (`[A-Za-z_][A-Za-z0-9_]*`) with small letters, as a password
    /// may be (`s3cret`).
    Unconventional,
    /// No name a shell could set: a password, most likely.
    Not,
}

fn variable_name(text: &str) -> Name {
    let mut chars = text.chars();
    let name = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.len() <= 64;
    match name {
        false => Name::Not,
        true if text.bytes().any(|b| b.is_ascii_lowercase()) => Name::Unconventional,
        true => Name::Conventional,
    }
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
    fn a_domain_check_from_its_flags() {
        use crate::settings::values::StsModeArg;
        use crate::wit::StsMode;
        let options = SensorOptions {
            domain: Some("example.com".into()),
            expect_mta_sts: Some(StsModeArg(StsMode::Testing)),
            mta_sts_max_age_warning: Some(30),
            ..SensorOptions::default()
        };
        let (settings, _) = options.into_settings(no_env).unwrap();
        assert_eq!(settings.host, "example.com");
        assert_eq!(
            (settings.port, settings.security),
            (25, TransportSecurity::Starttls)
        );
        let domain = settings.domain.unwrap();
        assert_eq!(domain.expect_mta_sts, Some(StsMode::Testing));
        assert_eq!(domain.max_age_warning_seconds, 30 * 86_400);
        // Security given: it stands, and the port stays 25.
        let options = SensorOptions {
            domain: Some("example.com".into()),
            security: Some(crate::settings::values::Security(TransportSecurity::None)),
            ..SensorOptions::default()
        };
        let (settings, _) = options.into_settings(no_env).unwrap();
        assert_eq!(
            (settings.port, settings.security),
            (25, TransportSecurity::None)
        );
        // PRTG's host placeholder is one server's: a domain check never takes it.
        let prtg = |name: &str| (name == prtg_probe::HOST_VARIABLE).then(|| "192.0.2.7".into());
        let options = SensorOptions {
            domain: Some("example.com".into()),
            ..SensorOptions::default()
        };
        assert_eq!(options.into_request(prtg).unwrap().0.host, "example.com");
    }

    #[test]
    fn a_domain_check_refuses_what_it_cannot_use_naming_the_flag() {
        let refused = |options: SensorOptions| options.into_settings(no_env).unwrap_err();
        let domain = || SensorOptions {
            domain: Some("example.com".into()),
            ..SensorOptions::default()
        };
        let both = refused(SensorOptions {
            host: Some("mx.example.com".into()),
            ..domain()
        });
        assert_eq!(both.flag, "--domain");
        assert!(both.problem.contains("not both"), "{both}");
        let address = refused(SensorOptions {
            domain: Some("192.0.2.1".into()),
            ..domain()
        });
        assert_eq!(
            address.to_string(),
            "invalid --domain: 192.0.2.1 is an address: --domain takes a mail domain, not an \
             address; use --host for one server"
        );
        let cases = [
            (
                SensorOptions {
                    mail_from: Some("a@example.com".into()),
                    mail_to: vec!["b@example.com".into()],
                    ..domain()
                },
                "--mail-from",
            ),
            (
                SensorOptions {
                    relay_probe_from: Some("a@outside.example".into()),
                    relay_probe_to: Some("b@elsewhere.example".into()),
                    ..domain()
                },
                "--relay-probe-to",
            ),
            (
                SensorOptions {
                    tls_server_name: Some("mx.example.com".into()),
                    ..domain()
                },
                "--tls-server-name",
            ),
            (
                SensorOptions {
                    tls_no_verify: true,
                    ..domain()
                },
                "--tls-no-verify",
            ),
            (
                SensorOptions {
                    mta_sts_max_age_warning: Some(400),
                    ..domain()
                },
                "--mta-sts-max-age-warning",
            ),
        ];
        for (options, flag) in cases {
            let error = refused(options);
            assert_eq!(error.flag, flag, "{error}");
        }
        let login = SensorOptions {
            auth_user: Some("probe".into()),
            ..domain()
        };
        let env = |name: &str| (name == PASSWORD_VARIABLE).then(|| "pw".to_string());
        let error = login.into_settings(env).unwrap_err();
        assert_eq!(error.flag, "--auth-user");
        assert!(error.problem.contains("logs in nowhere"), "{error}");
        // A domain check's own flags without --domain.
        for (options, flag) in [
            (
                SensorOptions {
                    expect_mta_sts: Some(crate::settings::values::StsModeArg(
                        crate::wit::StsMode::Enforce,
                    )),
                    host: Some("mx.example.com".into()),
                    ..SensorOptions::default()
                },
                "--expect-mta-sts",
            ),
            (
                SensorOptions {
                    mta_sts_max_age_warning: Some(7),
                    host: Some("mx.example.com".into()),
                    ..SensorOptions::default()
                },
                "--mta-sts-max-age-warning",
            ),
        ] {
            let error = refused(options);
            assert_eq!(error.flag, flag);
            assert!(error.problem.contains("give --domain"), "{error}");
        }
    }

    #[test]
    fn dane_from_its_flags() {
        use smtp_sensor_guest::limits::DEFAULT_SIGNATURE_WARNING_SECONDS;
        let dane = |options: SensorOptions| options.into_settings(no_env).unwrap().0.dane;
        let host = || SensorOptions {
            host: Some("mx.example.com".into()),
            security: Some(crate::settings::values::Security(
                TransportSecurity::Starttls,
            )),
            ..SensorOptions::default()
        };
        // A host check without DANE's flags has none; --dane expects it in force.
        assert_eq!(dane(host()), None);
        let asked = dane(SensorOptions {
            dane: true,
            ..host()
        })
        .unwrap();
        assert!(asked.expect_dane && !asked.expect_standby);
        assert_eq!(
            asked.signature_warning_seconds,
            DEFAULT_SIGNATURE_WARNING_SECONDS
        );
        // --expect-dane and --dane-expect-standby imply it.
        let standby = dane(SensorOptions {
            dane_expect_standby: true,
            dnssec_signature_warning: Some(0),
            ..host()
        })
        .unwrap();
        assert!(standby.expect_dane && standby.expect_standby);
        assert_eq!(standby.signature_warning_seconds, 0, "0: never");
        assert!(
            dane(SensorOptions {
                expect_dane: true,
                ..host()
            })
            .unwrap()
            .expect_dane
        );
        // The signature warning alone asks for no DANE.
        let error = SensorOptions {
            dnssec_signature_warning: Some(7),
            ..host()
        }
        .into_request(no_env)
        .unwrap_err();
        assert_eq!(error.flag, "--dnssec-signature-warning");
        // A domain check always carries it, nothing expected unless asked.
        let domain = || SensorOptions {
            domain: Some("example.com".into()),
            ..SensorOptions::default()
        };
        let plain = dane(domain()).unwrap();
        assert!(!plain.expect_dane && !plain.expect_standby);
        assert_eq!(
            plain.signature_warning_seconds,
            DEFAULT_SIGNATURE_WARNING_SECONDS
        );
        let flagged = dane(SensorOptions {
            dane: true,
            ..domain()
        })
        .unwrap();
        assert!(
            !flagged.expect_dane,
            "--dane is what a domain check does anyway"
        );
        let expected = dane(SensorOptions {
            expect_dane: true,
            dnssec_signature_warning: Some(10),
            ..domain()
        })
        .unwrap();
        assert!(expected.expect_dane);
        assert_eq!(expected.signature_warning_seconds, 10 * 86_400);
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
    fn a_password_given_for_a_variable_s_name_is_not_printed_back() {
        let smtp = |named: &str| SensorOptions {
            host: Some("mail.example".into()),
            auth_user: Some("probe".into()),
            auth_password_env: Some(named.into()),
            ..Default::default()
        };
        let mailbox = |named: &str| SensorOptions {
            mailbox: Some(crate::settings::values::MailboxProtocolArg(
                crate::wit::MailboxProtocol::Pop3,
            )),
            mailbox_user: Some("probe".into()),
            mailbox_password_env: Some(named.into()),
            ..smtp("MX1_PASSWORD")
        };
        let set = |name: &str| (name == "MX1_PASSWORD").then(|| "pw".to_string());
        for password in [
            "s3cret",
            "hunter2!",
            "Tr0ub4dor&3",
            "correct horse",
            "p@ss-word",
        ] {
            for (options, flag) in [
                (smtp(password), "--auth-password-env"),
                (mailbox(password), "--mailbox-password-env"),
            ] {
                let error = options.into_request(set).unwrap_err();
                assert_eq!(error.flag, flag);
                assert!(!error.to_string().contains(password), "{error}");
                assert!(error.problem.contains("the NAME of a variable"), "{error}");
            }
        }
        let error = mailbox("p@ss-word").into_request(set).unwrap_err();
        assert!(error.problem.contains("not a variable name"), "{error}");
        // A name as variables are named is said, to find the typo by.
        let error = mailbox("MX1_PASSWROD").into_request(set).unwrap_err();
        assert!(error.problem.contains("MX1_PASSWROD is not set"), "{error}");
        assert_eq!(variable_name("prtg_password"), Name::Unconventional);
        assert_eq!(variable_name("_X9"), Name::Conventional);
        assert_eq!(variable_name("9X"), Name::Not);
        assert_eq!(variable_name(""), Name::Not);
        assert_eq!(variable_name(&"X".repeat(65)), Name::Not);
    }

    /// A round trip over `protocol`, its password in the environment, with `options`.
    fn round_trip(protocol: crate::wit::MailboxProtocol, options: SensorOptions) -> SensorOptions {
        SensorOptions {
            host: Some("mail.example".into()),
            mail_from: Some("probe@example.com".into()),
            mail_to: vec!["roundtrip@example.com".into()],
            mailbox: Some(crate::settings::values::MailboxProtocolArg(protocol)),
            mailbox_user: Some("roundtrip".into()),
            ..options
        }
    }

    fn mailbox_password(name: &str) -> Option<String> {
        (name == MAILBOX_PASSWORD_VARIABLE).then(|| "pw".to_string())
    }

    #[test]
    fn the_receiver_s_settings_reach_the_contract() {
        use crate::settings::values::AuthMethodArg;
        use crate::wit::{AuthMethod, MailboxProtocol};
        let options = round_trip(
            MailboxProtocol::Imap,
            SensorOptions {
                mailbox_folders: Some(SpamFolders(vec!["INBOX.Junk".into()])),
                mailbox_authserv_id: Some("MX.example.com".into()),
                expect_auth: [AuthMethod::Dkim, AuthMethod::Dmarc, AuthMethod::Dkim]
                    .map(AuthMethodArg)
                    .to_vec(),
                ..Default::default()
            },
        );
        let (settings, _) = options.into_settings(mailbox_password).unwrap();
        let mailbox = settings.mailbox.unwrap();
        assert_eq!(mailbox.spam_folders, Some(vec!["INBOX.Junk".to_string()]));
        assert_eq!(mailbox.authserv_id.as_deref(), Some("MX.example.com"));
        assert_eq!(mailbox.expect_auth, [AuthMethod::Dkim, AuthMethod::Dmarc]);
        // Unset: the server's Junk folder found, the topmost field trusted, nothing expected.
        let (settings, _) = round_trip(MailboxProtocol::Pop3, SensorOptions::default())
            .into_settings(mailbox_password)
            .unwrap();
        let mailbox = settings.mailbox.unwrap();
        assert_eq!(mailbox.spam_folders, None);
        assert_eq!(mailbox.authserv_id, None);
        assert!(mailbox.expect_auth.is_empty());
    }

    #[test]
    fn the_receiver_s_settings_are_refused_naming_their_flag() {
        use crate::wit::MailboxProtocol;
        let refused = |protocol, options| {
            round_trip(protocol, options)
                .into_settings(mailbox_password)
                .unwrap_err()
        };
        let folders = |names: &[&str]| SensorOptions {
            mailbox_folders: Some(SpamFolders(names.iter().map(|n| n.to_string()).collect())),
            ..Default::default()
        };
        let error = refused(MailboxProtocol::Pop3, folders(&["Junk"]));
        assert_eq!(error.flag, "--mailbox-folders");
        assert!(error.problem.contains("POP3 sees INBOX alone"), "{error}");
        // INBOX alone is what POP3 does anyway.
        let options = round_trip(MailboxProtocol::Pop3, folders(&[]));
        assert!(options.into_settings(mailbox_password).is_ok());
        // The core's rules, named by the flag.
        let error = refused(MailboxProtocol::Imap, folders(&["a", "b", "c", "d", "e"]));
        assert_eq!(error.flag, "--mailbox-folders");
        assert!(error.problem.contains("at most 4"), "{error}");
        let error = refused(MailboxProtocol::Imap, folders(&["inbox"]));
        assert_eq!(error.flag, "--mailbox-folders");
        assert!(
            error.problem.contains("INBOX is always looked in"),
            "{error}"
        );
        let authserv_id = SensorOptions {
            mailbox_authserv_id: Some("mx.example.com; spf=pass".into()),
            ..Default::default()
        };
        let error = refused(MailboxProtocol::Imap, authserv_id);
        assert_eq!(error.flag, "--mailbox-authserv-id");
        assert!(error.problem.contains("not an authserv-id"), "{error}");
    }

    #[test]
    fn the_receiver_s_flags_need_a_round_trip() {
        use crate::settings::values::AuthMethodArg;
        use crate::wit::AuthMethod;
        let host = || Some("mail.example".to_string());
        for (options, flag) in [
            (
                SensorOptions {
                    host: host(),
                    expect_auth: vec![AuthMethodArg(AuthMethod::Dkim)],
                    ..Default::default()
                },
                "--expect-auth",
            ),
            (
                SensorOptions {
                    host: host(),
                    mailbox_folders: Some(SpamFolders(vec![])),
                    ..Default::default()
                },
                "--mailbox-folders",
            ),
            (
                SensorOptions {
                    host: host(),
                    mailbox_authserv_id: Some("mx.example.com".into()),
                    ..Default::default()
                },
                "--mailbox-authserv-id",
            ),
        ] {
            let error = options.into_request(no_env).unwrap_err();
            assert_eq!(error.flag, flag);
            assert!(error.problem.contains("give --mailbox imap"), "{error}");
        }
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
}
