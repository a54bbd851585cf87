//! The settings as the rules read them: a borrowed view that both the host and the
//! component lend their own generated `settings` record to, and [`settings`], every rule
//! in the order the flags are listed.

use super::dane::{DaneView, dane};
use super::domain::domain;
use super::names::{Setting, SettingError};
use super::rules::*;
use super::target::{Target, host, ip_version, port};
use regex_lite::Regex;

/// The settings as the rules read them, borrowed from the contract's `settings` record. The
/// host and the component each have the record as their own generated type; both lend it
/// to [`settings`] through this view, so the rules are written, and kept, once.
#[derive(Debug, Clone, Copy)]
pub struct SettingsView<'a> {
    /// `host`.
    pub host: &'a str,
    /// `port`.
    pub port: u16,
    /// `ip-version`.
    pub ip_version: crate::wit::IpVersion,
    /// `timeout-seconds`.
    pub timeout_seconds: u32,
    /// `helo`.
    pub helo: &'a str,
    /// `tls.server-name`.
    pub tls_server_name: Option<&'a str>,
    /// `tls.verify`.
    pub tls_verify: bool,
    /// `tls.certificate-warning-days`.
    pub certificate_warning_days: u32,
    /// `tls.certificate-critical-days`.
    pub certificate_critical_days: u32,
    /// `response-time-warning-ms`.
    pub response_time_warning_ms: Option<u32>,
    /// `response-time-critical-ms`.
    pub response_time_critical_ms: Option<u32>,
    /// `authentication`: user and password.
    pub credentials: Option<(&'a str, &'a str)>,
    /// `email`: sender, recipients and subject.
    pub email: Option<(&'a str, &'a [String], &'a str)>,
    /// `expect.banner`.
    pub expect_banner: Option<&'a str>,
    /// `expect.extensions`.
    pub expect_extensions: &'a [String],
    /// `security` upgrades with STARTTLS (`starttls`, `starttls-if-available`): the EHLO
    /// that expectations are judged on comes after TLS.
    pub upgrades_with_starttls: bool,
    /// `relay-probe`: sender and outside recipient.
    pub relay_probe: Option<(&'a str, &'a str)>,
    /// `mailbox`, and whether `email` sends a message it can look for.
    pub mailbox: Option<(MailboxView<'a>, bool)>,
    /// `domain`: `host` is a mail domain.
    pub domain: Option<DomainView>,
    /// `dane`.
    pub dane: Option<DaneView>,
    /// `security` is `none`.
    pub no_tls: bool,
}

/// A mail domain's check's settings (`domain`) as the rules read them.
#[derive(Debug, Clone, Copy)]
pub struct DomainView {
    /// `domain.max-age-warning-seconds`.
    pub max_age_warning_seconds: u32,
}

/// The round trip's `mailbox` settings as the rules read them.
#[derive(Debug, Clone, Copy)]
pub struct MailboxView<'a> {
    /// `mailbox.host`.
    pub host: &'a str,
    /// `mailbox.port`.
    pub port: u16,
    /// `mailbox.tls.server-name`.
    pub tls_server_name: Option<&'a str>,
    /// `mailbox.user`.
    pub user: &'a str,
    /// `mailbox.password`.
    pub password: &'a str,
    /// `mailbox.token-prefix`.
    pub token_prefix: &'a str,
    /// `mailbox.tls.certificate-warning-days`.
    pub certificate_warning_days: u32,
    /// `mailbox.tls.certificate-critical-days`.
    pub certificate_critical_days: u32,
    /// `mailbox.latency-warning-ms`.
    pub latency_warning_ms: Option<u32>,
    /// `mailbox.latency-critical-ms`.
    pub latency_critical_ms: Option<u32>,
    /// `mailbox.security` is `none` and `mailbox.allow-plaintext` is false: the password
    /// would travel in the clear.
    pub password_in_clear: bool,
    /// `mailbox.spam-folders`.
    pub spam_folders: Option<&'a [String]>,
    /// `mailbox.authserv-id`.
    pub authserv_id: Option<&'a str>,
}

/// The [`SettingsView`] of a `settings` record, whichever side generated its type: the host
/// and the component name the fields alike, so this one expansion serves both
/// (`$ip_version_type` and `$security_type` name the caller's `ip-version` and
/// `transport-security` types, in scope).
#[macro_export]
macro_rules! settings_view {
    ($settings:expr, $ip_version_type:ident, $security_type:ident) => {{
        let settings = $settings;
        $crate::settings::SettingsView {
            host: &settings.host,
            port: settings.port,
            ip_version: match settings.ip_version {
                $ip_version_type::Any => $crate::wit::IpVersion::Any,
                $ip_version_type::Ipv4 => $crate::wit::IpVersion::Ipv4,
                $ip_version_type::Ipv6 => $crate::wit::IpVersion::Ipv6,
            },
            timeout_seconds: settings.timeout_seconds,
            helo: &settings.helo,
            tls_server_name: settings.tls.server_name.as_deref(),
            tls_verify: settings.tls.verify,
            certificate_warning_days: settings.tls.certificate_warning_days,
            certificate_critical_days: settings.tls.certificate_critical_days,
            response_time_warning_ms: settings.response_time_warning_ms,
            response_time_critical_ms: settings.response_time_critical_ms,
            credentials: settings
                .authentication
                .as_ref()
                .map(|a| (a.user.as_str(), a.password.as_str())),
            email: settings
                .email
                .as_ref()
                .map(|e| (e.from.as_str(), e.to.as_slice(), e.subject.as_str())),
            expect_banner: settings.expect.banner.as_deref(),
            expect_extensions: settings.expect.extensions.as_slice(),
            upgrades_with_starttls: matches!(
                settings.security,
                $security_type::Starttls | $security_type::StarttlsIfAvailable
            ),
            relay_probe: settings
                .relay_probe
                .as_ref()
                .map(|p| (p.from.as_str(), p.to.as_str())),
            mailbox: settings.mailbox.as_ref().map(|m| {
                let view = $crate::settings::MailboxView {
                    host: &m.host,
                    port: m.port,
                    tls_server_name: m.tls.server_name.as_deref(),
                    user: &m.user,
                    password: &m.password,
                    token_prefix: &m.token_prefix,
                    certificate_warning_days: m.tls.certificate_warning_days,
                    certificate_critical_days: m.tls.certificate_critical_days,
                    latency_warning_ms: m.latency_warning_ms,
                    latency_critical_ms: m.latency_critical_ms,
                    password_in_clear: matches!(m.security, $security_type::None)
                        && !m.allow_plaintext,
                    spam_folders: m.spam_folders.as_deref(),
                    authserv_id: m.authserv_id.as_deref(),
                };
                let sends_message = settings.email.as_ref().is_some_and(|e| e.send_data);
                (view, sends_message)
            }),
            domain: settings
                .domain
                .as_ref()
                .map(|d| $crate::settings::DomainView {
                    max_age_warning_seconds: d.max_age_warning_seconds,
                }),
            dane: settings.dane.as_ref().map(|d| $crate::settings::DaneView {
                signature_warning_seconds: d.signature_warning_seconds,
            }),
            no_tls: matches!(settings.security, $security_type::None),
        }
    }};
}

impl<'a> From<&'a crate::wit::Settings> for SettingsView<'a> {
    fn from(settings: &'a crate::wit::Settings) -> Self {
        use crate::wit::{IpVersion, TransportSecurity};
        settings_view!(settings, IpVersion, TransportSecurity)
    }
}

/// Settings that passed every rule, with what checking them made: what the host names,
/// and the banner pattern compiled (so the component compiles it once).
#[derive(Debug, Clone)]
pub struct Valid {
    /// What the host setting names.
    pub target: Target,
    /// The expected banner's pattern, compiled.
    pub banner: Option<Regex>,
    /// What the mailbox host names, for a round trip.
    pub mailbox: Option<Target>,
}

/// Every rule the contract states for `settings`, in the order the flags are listed: the
/// first broken one, or what passing them made.
pub fn settings(view: &SettingsView) -> Result<Valid, SettingError> {
    // A domain check's `host` is the domain: what is wrong with it is the domain's.
    let target = host(view.host).map_err(|e| match view.domain {
        Some(_) => SettingError::new(Setting::Domain, e.problem),
        None => e,
    })?;
    if let Some(domain_view) = view.domain {
        let beside = [
            (Setting::AuthUser, view.credentials.is_some()),
            (Setting::MailFrom, view.email.is_some()),
            (Setting::RelayProbe, view.relay_probe.is_some()),
            (Setting::Mailbox, view.mailbox.is_some()),
            (Setting::TlsServerName, view.tls_server_name.is_some()),
            (Setting::TlsVerify, !view.tls_verify),
        ];
        let given: Vec<Setting> = beside
            .into_iter()
            .filter_map(|(setting, given)| given.then_some(setting))
            .collect();
        domain(&target, &given, domain_view.max_age_warning_seconds)?;
    }
    if let Some(dane_view) = view.dane {
        dane(
            dane_view,
            &target,
            view.domain.is_none(),
            view.no_tls,
            !view.tls_verify,
            view.tls_server_name.is_some(),
        )?;
    }
    port(view.port)?;
    ip_version(&target, view.ip_version)?;
    timeout(view.timeout_seconds)?;
    helo(view.helo)?;
    if let Some(name) = view.tls_server_name {
        tls_server_name(name)?;
    }
    certificate_days(
        view.certificate_warning_days,
        view.certificate_critical_days,
    )?;
    response_time(
        view.response_time_warning_ms,
        view.response_time_critical_ms,
    )?;
    if let Some((user, password)) = view.credentials {
        credentials(user, password)?;
    }
    if let Some((from, to, subject)) = view.email {
        email(from, to, subject)?;
    }
    let banner = expectations(view.expect_banner, view.expect_extensions)?;
    if view.upgrades_with_starttls {
        after_starttls(view.expect_extensions)?;
    }
    if let Some((from, to)) = view.relay_probe {
        relay_probe(from, to, view.credentials.is_some(), view.email.is_some())?;
    }
    let mailbox = view
        .mailbox
        .map(|(mailbox_view, sends)| mailbox(&mailbox_view, sends))
        .transpose()?;
    if let Some(mailbox_target) = &mailbox {
        ip_version(mailbox_target, view.ip_version)?;
    }
    Ok(Valid {
        target,
        banner,
        mailbox,
    })
}

/// Checks that the Response Time and Delivery Latency thresholds can be crossed within the
/// timeout the user configured (`--warning 500` meant as milliseconds is 500 s). Not one of
/// [`settings`]' rules: the host checks it where it reads the user's settings, since a
/// prober then shortens a probe's timeout to fit the scraper's, which must not turn a
/// sound threshold into invalid settings.
pub fn reachable_thresholds(view: &SettingsView) -> Result<(), SettingError> {
    within_timeout(
        view.timeout_seconds,
        [
            (Setting::Warning, view.response_time_warning_ms),
            (Setting::Critical, view.response_time_critical_ms),
        ],
    )?;
    if let Some((mailbox_view, _)) = &view.mailbox {
        within_timeout(
            view.timeout_seconds,
            [
                (Setting::LatencyWarning, mailbox_view.latency_warning_ms),
                (Setting::LatencyCritical, mailbox_view.latency_critical_ms),
            ],
        )?;
    }
    Ok(())
}

/// Checks the round trip's mailbox: a test email to look for, a server, a log-in, a token
/// prefix that can only ever match the check's own messages, and the latency thresholds.
/// Returns what the mailbox host names.
pub fn mailbox(view: &MailboxView, sends_message: bool) -> Result<Target, SettingError> {
    if !sends_message {
        return Err(SettingError::new(
            Setting::Mailbox,
            "a round trip looks for the test email, and none is sent; give the test email's \
             sender and recipients (and do not ask for an envelope-only check)",
        ));
    }
    let target = host(view.host).map_err(|e| SettingError::new(Setting::MailboxHost, e.problem))?;
    port(view.port).map_err(|e| SettingError::new(Setting::MailboxPort, e.problem))?;
    if let Some(name) = view.tls_server_name {
        host(name).map_err(|e| SettingError::new(Setting::MailboxTlsServerName, e.problem))?;
    }
    if view.user.is_empty() {
        return Err(SettingError::new(
            Setting::MailboxUser,
            "it is empty; give the mailbox's user name",
        ));
    }
    single_line(Setting::MailboxUser, view.user)?;
    if view.password.is_empty() {
        return Err(SettingError::new(
            Setting::MailboxPassword,
            "the password is empty; give the mailbox's password",
        ));
    }
    single_line(Setting::MailboxPassword, view.password)?;
    if view.password_in_clear {
        return Err(SettingError::new(
            Setting::MailboxSecurity,
            "none would send the mailbox password in plain text; choose a TLS mode, or \
             allow plain-text log-in explicitly",
        ));
    }
    token_prefix(view.token_prefix)?;
    certificate_days(
        view.certificate_warning_days,
        view.certificate_critical_days,
    )
    .map_err(|e| match e.setting {
        Setting::CertCritical => SettingError::new(Setting::MailboxCertCritical, e.problem),
        _ => SettingError::new(Setting::MailboxCertWarning, e.problem),
    })?;
    delivery_latency(view.latency_warning_ms, view.latency_critical_ms)?;
    if let Some(folders) = view.spam_folders {
        spam_folders(folders)?;
    }
    if let Some(id) = view.authserv_id {
        authserv_id(id)?;
    }
    Ok(target)
}
