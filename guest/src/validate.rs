//! Validation of the settings, shared by the component and the host: the host rejects bad
//! settings before anything runs (exit 3), and the component rejects them again, since any
//! host may call it.

use crate::limits::{
    MAX_CERT_DAYS, MAX_EXPECTED_EXTENSIONS, MAX_HELO_LEN, MAX_HOST_LEN, MAX_PATTERN_LEN,
    MAX_RESPONSE_THRESHOLD_MS, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS,
};
use regex_lite::Regex;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

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

/// What the host setting names: an address to connect to directly, or a name to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An IPv4 or IPv6 literal: no name lookup.
    Address(IpAddr),
    /// A DNS name to resolve.
    Name(String),
}

/// Checks the host: an IP literal (IPv6 with or without brackets) or a DNS name. A name
/// whose last label is a number (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`) is the IPv4
/// address `inet_aton` and resolvers read it as (the WHATWG URL rule): it is that address to
/// the allow-list and the sandbox, never a name that a `*` rule would match.
pub fn host(host: &str) -> Result<Target, SettingError> {
    let err = |problem: String| Err(SettingError::new(Setting::Host, problem));
    if host.is_empty() {
        return err("it is empty; give the mail server's name or IP address".into());
    }
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(address) = unbracketed.parse::<IpAddr>() {
        return Ok(Target::Address(address));
    }
    match numeric_ipv4(host) {
        Some(Some(address)) => return Ok(Target::Address(address.into())),
        Some(None) => {
            return err(format!(
                "{host:?} ends in a number, so resolvers read it as an IPv4 address, but it is \
                 not a valid one; write the address as four numbers (127.0.0.1) or give a name"
            ));
        }
        None => {}
    }
    if host.len() > MAX_HOST_LEN {
        return err(format!(
            "it is longer than {MAX_HOST_LEN} characters; give a DNS name"
        ));
    }
    let valid = host.split('.').enumerate().all(|(i, label)| {
        let trailing_dot = i > 0 && label.is_empty() && host.ends_with('.');
        trailing_dot
            || (!label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    });
    if !valid {
        return err(format!(
            "{host:?} is neither an IP address nor a DNS name; use letters, digits, '-' and '.' \
             (internationalised names in their xn-- form)"
        ));
    }
    Ok(Target::Name(host.to_string()))
}

/// The host as the outputs show it: an IPv4 address written in a numeric form (see
/// [`host`]) as the four numbers it means, anything else as given.
pub fn canonical_host(host: &str) -> String {
    match numeric_ipv4(host) {
        Some(Some(address)) if host.parse::<IpAddr>().is_err() => address.to_string(),
        _ => host.to_string(),
    }
}

/// The IPv4 address a host in a numeric form means, as `inet_aton` reads it: one to four
/// parts, each decimal, octal (a leading 0) or hexadecimal (0x), the last filling the bytes
/// left. `None`: not a numeric form (its last label is not a number); `Some(None)`: a
/// numeric form that is no valid address (`1.2.3.4.5`, `256.1`, `08`).
fn numeric_ipv4(host: &str) -> Option<Option<Ipv4Addr>> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next()?;
    let is_number = |label: &str| match label.strip_prefix("0x").or(label.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()),
    };
    if !is_number(last) {
        return None;
    }
    let parts: Vec<u64> = match host.split('.').map(number_part).collect() {
        Some(parts) => parts,
        None => return Some(None),
    };
    if parts.is_empty() || parts.len() > 4 {
        return Some(None);
    }
    let (last, leading) = parts.split_last()?;
    if leading.iter().any(|&part| part > 255) || *last >= 1 << (8 * (5 - parts.len())) {
        return Some(None);
    }
    let value = leading
        .iter()
        .enumerate()
        .fold(*last, |value, (i, &part)| value | part << (8 * (3 - i)));
    Some(u32::try_from(value).ok().map(Ipv4Addr::from))
}

/// One part of a numeric IPv4 form: decimal, octal (leading 0) or hexadecimal (0x; `0x`
/// alone is 0, as URL parsers read it). `None`: not a number, or too large to matter.
fn number_part(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or(part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    // Digits of the radix only (`from_str_radix` would take a sign); leading zeros say
    // nothing of the size.
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 12 {
        return None;
    }
    Some(u64::from_str_radix(significant, radix).unwrap_or(0))
}

/// Checks the port: 0 is not a port anything listens on.
pub fn port(port: u16) -> Result<u16, SettingError> {
    match port {
        0 => Err(SettingError::new(
            Setting::Port,
            "0 is not a usable port; give 1 to 65535",
        )),
        p => Ok(p),
    }
}

/// Checks that an address given as the host is of a version the check may use.
pub fn ip_version(target: &Target, version: crate::wit::IpVersion) -> Result<(), SettingError> {
    match target {
        Target::Address(address) if !crate::eyeballs::allows(version, *address) => {
            Err(SettingError::new(
                Setting::IpVersion,
                format!(
                    "the host {address} is not an {} address; give a host of that version, \
                     or another IP version",
                    crate::eyeballs::describe(version)
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Checks the timeout: the spec allows 1 to 900 seconds.
pub fn timeout(seconds: u32) -> Result<u32, SettingError> {
    if (MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(SettingError::new(
            Setting::Timeout,
            format!(
                "{seconds} seconds is out of range; give a whole number of seconds from \
                 {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}"
            ),
        ))
    }
}

/// Checks the HELO ident: the spec allows ASCII only; CR, LF or a space would let it inject
/// commands or split the EHLO line.
pub fn helo(ident: &str) -> Result<&str, SettingError> {
    let err = |problem: &str| Err(SettingError::new(Setting::Helo, problem));
    if ident.is_empty() {
        return err("it is empty; give this machine's DNS name, e.g. probe.example.com");
    }
    if ident.len() > MAX_HELO_LEN {
        return err("it is longer than 255 characters; give a DNS name");
    }
    if ident.bytes().any(|b| b == b'\r' || b == b'\n') {
        return err("it contains a line break (CR or LF); give a single DNS name");
    }
    if !ident.is_ascii() {
        return err("it contains non-ASCII characters; the spec allows ASCII only");
    }
    if !ident.bytes().all(|b| b.is_ascii_graphic()) {
        return err("it contains spaces or control characters; give a single DNS name");
    }
    Ok(ident)
}

/// Checks the TLS server name override: a DNS name or an IP address, like the host.
pub fn tls_server_name(name: &str) -> Result<&str, SettingError> {
    host(name)
        .map(|_| name)
        .map_err(|e| SettingError::new(Setting::TlsServerName, e.problem))
}

/// Checks the certificate thresholds: the critical one may not exceed the warning one.
pub fn certificate_days(warning: u32, critical: u32) -> Result<(u32, u32), SettingError> {
    if critical > warning {
        return Err(SettingError::new(
            Setting::CertCritical,
            format!(
                "{critical} days is more than the warning threshold ({warning} days); give a \
                 critical threshold at or below the warning one"
            ),
        ));
    }
    if warning > MAX_CERT_DAYS {
        return Err(SettingError::new(
            Setting::CertWarning,
            format!("{warning} days is more than {MAX_CERT_DAYS}; give fewer days"),
        ));
    }
    Ok((warning, critical))
}

/// Checks the "Response Time" thresholds in milliseconds: each from 1 ms to the longest
/// timeout, and the critical one not below the warning one.
pub fn response_time(
    warning: Option<u32>,
    critical: Option<u32>,
) -> Result<(Option<u32>, Option<u32>), SettingError> {
    millisecond_thresholds((Setting::Warning, warning), (Setting::Critical, critical))
}

/// Checks the "Delivery Latency" thresholds, by the same rules as the "Response Time" ones.
pub fn delivery_latency(
    warning: Option<u32>,
    critical: Option<u32>,
) -> Result<(Option<u32>, Option<u32>), SettingError> {
    millisecond_thresholds(
        (Setting::LatencyWarning, warning),
        (Setting::LatencyCritical, critical),
    )
}

/// A pair of thresholds in milliseconds: each from 1 ms to the longest timeout, and the
/// critical one not below the warning one.
fn millisecond_thresholds(
    (warning_setting, warning): (Setting, Option<u32>),
    (critical_setting, critical): (Setting, Option<u32>),
) -> Result<(Option<u32>, Option<u32>), SettingError> {
    for (setting, value) in [(warning_setting, warning), (critical_setting, critical)] {
        if let Some(ms) = value
            && !(1..=MAX_RESPONSE_THRESHOLD_MS).contains(&ms)
        {
            return Err(SettingError::new(
                setting,
                format!(
                    "{ms} ms is out of range; give a duration from 1ms to {}s, e.g. 500ms or 2s",
                    MAX_RESPONSE_THRESHOLD_MS / 1000
                ),
            ));
        }
    }
    if let (Some(w), Some(c)) = (warning, critical)
        && c < w
    {
        return Err(SettingError::new(
            critical_setting,
            format!(
                "{c} ms is below the warning threshold ({w} ms); give a critical threshold at \
                 or above the warning one"
            ),
        ));
    }
    Ok((warning, critical))
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

/// Checks that thresholds in milliseconds can be crossed: a check stops at its timeout, so a
/// threshold above it could never fire.
fn within_timeout(
    timeout_seconds: u32,
    thresholds: [(Setting, Option<u32>); 2],
) -> Result<(), SettingError> {
    let timeout_ms = u64::from(timeout_seconds) * 1000;
    for (setting, value) in thresholds {
        if let Some(ms) = value
            && u64::from(ms) > timeout_ms
        {
            return Err(SettingError::new(
                setting,
                format!(
                    "{ms} ms is above the timeout ({timeout_seconds} s), so it could never be \
                     crossed: the check stops at its timeout; give less, such as 500ms or 2s \
                     (a bare number is seconds), or a longer timeout"
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that STARTTLS is not among the expected extensions when the check upgrades with
/// STARTTLS: expectations are judged on the EHLO after TLS, where RFC 3207 (4.2) forbids
/// announcing it, so the check could never pass.
fn after_starttls(extensions: &[String]) -> Result<(), SettingError> {
    if extensions
        .iter()
        .any(|k| k.eq_ignore_ascii_case("STARTTLS"))
    {
        return Err(SettingError::new(
            Setting::ExpectExtensions,
            "STARTTLS cannot be expected when the check upgrades with it: extensions are \
             judged on the EHLO after TLS, where a server must no longer announce it (RFC \
             3207); leave it out (--security starttls already requires it)",
        ));
    }
    Ok(())
}

/// Checks a value that goes into one protocol line or header: a CR or LF in it would inject
/// commands or headers, other control characters break it.
pub fn single_line(setting: Setting, value: &str) -> Result<(), SettingError> {
    if value.chars().any(|c| c == '\r' || c == '\n') {
        return Err(SettingError::new(
            setting,
            "it contains a line break (CR or LF); remove it",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(SettingError::new(
            setting,
            "it contains control characters; remove them",
        ));
    }
    Ok(())
}

/// Checks a mailbox address (`local@domain`, RFC 5321 §4.1.2): no display name, no angle
/// brackets, no spaces. Non-ASCII is allowed (it needs SMTPUTF8 at the server).
pub fn address(setting: Setting, value: &str) -> Result<(), SettingError> {
    single_line(setting, value)?;
    let err = |problem: String| Err(SettingError::new(setting, problem));
    let Some((local, domain)) = value.rsplit_once('@') else {
        return err(format!(
            "{value:?} is not an address; give one like probe@example.com"
        ));
    };
    let bad_char = |c: char| c.is_whitespace() || "<>()[],;:\\\"".contains(c);
    if local.is_empty() || local.len() > 64 || local.chars().any(bad_char) {
        return err(format!(
            "{value:?} has an invalid local part (before the @); give one like probe@example.com"
        ));
    }
    let literal = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']'));
    let domain_ok = match literal {
        Some(ip) => ip
            .strip_prefix("IPv6:")
            .unwrap_or(ip)
            .parse::<IpAddr>()
            .is_ok(),
        None => {
            !domain.is_empty()
                && domain.len() <= MAX_HOST_LEN
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                })
        }
    };
    if !domain_ok {
        return err(format!("{value:?} has an invalid domain (after the @)"));
    }
    Ok(())
}

/// Checks a banner pattern: a regular expression of bounded length that compiles.
fn banner_pattern(pattern: &str) -> Result<Regex, SettingError> {
    let invalid = |problem: String| SettingError::new(Setting::ExpectBanner, problem);
    if pattern.is_empty() {
        return Err(invalid(
            "the pattern is empty, which matches every banner; give one such as \
             \"^220 .*ESMTP\", or leave it out"
                .into(),
        ));
    }
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(invalid(format!(
            "the pattern is longer than {MAX_PATTERN_LEN} characters; give a shorter one"
        )));
    }
    Regex::new(pattern).map_err(|e| {
        invalid(format!(
            "{pattern:?} is not a valid regular expression ({}); give one such as \
             \"^220 .*ESMTP\"",
            e.to_string().lines().last().unwrap_or("invalid").trim()
        ))
    })
}

/// Checks an extension keyword: letters, digits and `-`, as RFC 5321's `ehlo-keyword`.
fn extension(keyword: &str) -> Result<(), SettingError> {
    let valid = !keyword.is_empty()
        && keyword.len() <= 64
        && keyword.starts_with(|c: char| c.is_ascii_alphanumeric())
        && keyword
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(SettingError::new(
            Setting::ExpectExtensions,
            format!(
                "{keyword:?} is not an EHLO keyword; give one such as STARTTLS, SIZE or \
                 SMTPUTF8 (letters, digits and -)"
            ),
        ))
    }
}

/// Checks the expectations: a banner pattern that compiles (returned compiled), and a
/// bounded list of EHLO keywords.
pub fn expectations(
    banner: Option<&str>,
    extensions: &[String],
) -> Result<Option<Regex>, SettingError> {
    if extensions.len() > MAX_EXPECTED_EXTENSIONS {
        return Err(SettingError::new(
            Setting::ExpectExtensions,
            format!("more than {MAX_EXPECTED_EXTENSIONS} extensions; give fewer"),
        ));
    }
    for keyword in extensions {
        extension(keyword)?;
    }
    banner.map(banner_pattern).transpose()
}

/// Checks the open-relay probe: two valid addresses, and neither a log-in nor a test email
/// beside it (the probe is what a stranger can do).
pub fn relay_probe(
    from: &str,
    to: &str,
    logs_in: bool,
    sends_email: bool,
) -> Result<(), SettingError> {
    let invalid = |problem: &str| Err(SettingError::new(Setting::RelayProbe, problem));
    if logs_in {
        return invalid(
            "the relay probe runs without logging in, as a stranger would; run it as a \
             sensor of its own, without a user",
        );
    }
    if sends_email {
        return invalid(
            "the relay probe and a test email are two checks; run the relay probe as a sensor \
             of its own",
        );
    }
    for address_value in [from, to] {
        address(Setting::RelayProbe, address_value)?;
    }
    Ok(())
}

/// The longest token prefix accepted.
pub const MAX_TOKEN_PREFIX_LEN: usize = 64;

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
    Ok(target)
}

/// Checks the token prefix: 1 to 64 letters, digits, `-` or `_`, so that it is one word of a
/// subject and of a Message-ID, and a search for it finds only test messages.
pub fn token_prefix(prefix: &str) -> Result<(), SettingError> {
    let ok = !prefix.is_empty()
        && prefix.len() <= MAX_TOKEN_PREFIX_LEN
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SettingError::new(
            Setting::MailboxTokenPrefix,
            format!(
                "{prefix:?} is not a token prefix; give 1 to {MAX_TOKEN_PREFIX_LEN} letters, \
                 digits, '-' or '_', e.g. smtp-sensor-roundtrip"
            ),
        ))
    }
}

/// Checks log-in settings: both given, each on one line.
pub fn credentials(user: &str, password: &str) -> Result<(), SettingError> {
    if user.is_empty() {
        return Err(SettingError::new(
            Setting::AuthUser,
            "it is empty; give the user name to log in as",
        ));
    }
    single_line(Setting::AuthUser, user)?;
    if password.is_empty() {
        return Err(SettingError::new(
            Setting::AuthPassword,
            "the password is empty; give the password (or token) to log in with",
        ));
    }
    single_line(Setting::AuthPassword, password)
}

/// Checks the test email's settings: a valid sender, at least one valid recipient, and a
/// subject on one line. A sender without recipients, or recipients without a sender, is
/// refused here, for every host alike. (The body may have lines: it is encoded, never sent raw.)
pub fn email(from: &str, to: &[String], subject: &str) -> Result<(), SettingError> {
    if from.is_empty() {
        return Err(SettingError::new(
            Setting::MailFrom,
            "no sender; give the sender's address with the recipients",
        ));
    }
    address(Setting::MailFrom, from)?;
    if to.is_empty() {
        return Err(SettingError::new(
            Setting::MailTo,
            "no recipient; give at least one address",
        ));
    }
    for recipient in to {
        address(Setting::MailTo, recipient)?;
    }
    single_line(Setting::Subject, subject)
}

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
}

/// The [`SettingsView`] of a `settings` record, whichever side generated its type: the host
/// and the component name the fields alike, so this one expansion serves both
/// (`$ip_version_type` and `$security_type` name the caller's `ip-version` and
/// `transport-security` types, in scope).
#[macro_export]
macro_rules! settings_view {
    ($settings:expr, $ip_version_type:ident, $security_type:ident) => {{
        let settings = $settings;
        $crate::validate::SettingsView {
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
                let view = $crate::validate::MailboxView {
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
                };
                let sends_message = settings.email.as_ref().is_some_and(|e| e.send_data);
                (view, sends_message)
            }),
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
    let target = host(view.host)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SettingsView<'static> {
        SettingsView {
            host: "mail.example.com",
            port: 25,
            ip_version: crate::wit::IpVersion::Any,
            timeout_seconds: 60,
            helo: "probe.example",
            tls_server_name: None,
            certificate_warning_days: 14,
            certificate_critical_days: 0,
            response_time_warning_ms: None,
            response_time_critical_ms: None,
            credentials: None,
            email: None,
            expect_banner: None,
            expect_extensions: &[],
            upgrades_with_starttls: false,
            relay_probe: None,
            mailbox: None,
        }
    }

    #[test]
    fn settings_that_could_never_pass_are_refused() {
        let starttls = ["STARTTLS".to_string()];
        let lower = ["SIZE".to_string(), "starttls".to_string()];
        for extensions in [&starttls[..], &lower[..]] {
            let error = settings(&SettingsView {
                expect_extensions: extensions,
                upgrades_with_starttls: true,
                ..valid()
            })
            .unwrap_err();
            assert_eq!(error.setting, Setting::ExpectExtensions);
            assert!(error.problem.contains("RFC 3207"), "{error}");
        }
        // Without an upgrade, the plain-text EHLO is judged: expecting STARTTLS is sound.
        let plain = SettingsView {
            expect_extensions: &starttls,
            ..valid()
        };
        assert!(settings(&plain).is_ok());
        // A threshold the check can never reach: 500 "seconds" against a 60 s timeout.
        for (view, setting) in [
            (
                SettingsView {
                    response_time_warning_ms: Some(500_000),
                    ..valid()
                },
                Setting::Warning,
            ),
            (
                SettingsView {
                    response_time_critical_ms: Some(60_001),
                    ..valid()
                },
                Setting::Critical,
            ),
            (
                SettingsView {
                    mailbox: Some((
                        MailboxView {
                            latency_critical_ms: Some(90_000),
                            ..mailbox_view()
                        },
                        true,
                    )),
                    ..valid()
                },
                Setting::LatencyCritical,
            ),
        ] {
            assert!(settings(&view).is_ok(), "not a rule of the component's");
            let error = reachable_thresholds(&view).unwrap_err();
            assert_eq!(error.setting, setting);
            assert!(
                error.problem.contains("above the timeout (60 s)"),
                "{error}"
            );
        }
        let within = SettingsView {
            response_time_critical_ms: Some(60_000),
            ..valid()
        };
        assert!(reachable_thresholds(&within).is_ok());
        let error = settings(&SettingsView {
            expect_banner: Some(""),
            ..valid()
        })
        .unwrap_err();
        assert_eq!(error.setting, Setting::ExpectBanner);
        assert!(error.problem.contains("matches every banner"), "{error}");
    }

    fn mailbox_view() -> MailboxView<'static> {
        MailboxView {
            host: "imap.example.com",
            port: 993,
            tls_server_name: None,
            user: "probe",
            password: "secret",
            token_prefix: "smtp-sensor-roundtrip",
            certificate_warning_days: 14,
            certificate_critical_days: 0,
            latency_warning_ms: Some(5_000),
            latency_critical_ms: Some(30_000),
            password_in_clear: false,
        }
    }

    #[test]
    fn a_round_trip_needs_a_message_a_log_in_and_a_safe_prefix() {
        let with = |m: MailboxView<'static>, sends: bool| {
            settings(&SettingsView {
                mailbox: Some((m, sends)),
                ..valid()
            })
            .map(|v| v.mailbox)
        };
        assert_eq!(
            with(mailbox_view(), true),
            Ok(Some(Target::Name("imap.example.com".into())))
        );
        let setting_of = |m, sends| with(m, sends).unwrap_err().setting;
        assert_eq!(setting_of(mailbox_view(), false), Setting::Mailbox);
        let cases: [(MailboxView, Setting); 8] = [
            (
                MailboxView {
                    password_in_clear: true,
                    ..mailbox_view()
                },
                Setting::MailboxSecurity,
            ),
            (
                MailboxView {
                    host: "",
                    ..mailbox_view()
                },
                Setting::MailboxHost,
            ),
            (
                MailboxView {
                    port: 0,
                    ..mailbox_view()
                },
                Setting::MailboxPort,
            ),
            (
                MailboxView {
                    user: "",
                    ..mailbox_view()
                },
                Setting::MailboxUser,
            ),
            (
                MailboxView {
                    password: "a\r\nb",
                    ..mailbox_view()
                },
                Setting::MailboxPassword,
            ),
            (
                MailboxView {
                    token_prefix: "smtp sensor",
                    ..mailbox_view()
                },
                Setting::MailboxTokenPrefix,
            ),
            (
                MailboxView {
                    token_prefix: "",
                    ..mailbox_view()
                },
                Setting::MailboxTokenPrefix,
            ),
            (
                MailboxView {
                    latency_warning_ms: Some(10_000),
                    latency_critical_ms: Some(5_000),
                    ..mailbox_view()
                },
                Setting::LatencyCritical,
            ),
        ];
        for (view, setting) in cases {
            let error = with(view, true).unwrap_err();
            assert_eq!(error.setting, setting, "{error}");
            assert!(!error.to_string().contains("secret"), "{error}");
        }
    }

    #[test]
    fn every_rule_in_one_place() {
        assert_eq!(
            settings(&valid()).map(|v| v.target),
            Ok(Target::Name("mail.example.com".into()))
        );
        let recipients = ["a@example.com".to_string()];
        let full = SettingsView {
            credentials: Some(("probe", "secret")),
            email: Some(("p@example.com", &recipients, "subject")),
            tls_server_name: Some("mx.example.com"),
            ..valid()
        };
        assert!(settings(&full).is_ok());
        let broken: [(SettingsView, Setting); 8] = [
            (SettingsView { port: 0, ..valid() }, Setting::Port),
            (
                SettingsView {
                    timeout_seconds: 901,
                    ..valid()
                },
                Setting::Timeout,
            ),
            (
                SettingsView {
                    helo: "a b",
                    ..valid()
                },
                Setting::Helo,
            ),
            (
                SettingsView {
                    tls_server_name: Some("a b"),
                    ..valid()
                },
                Setting::TlsServerName,
            ),
            (
                SettingsView {
                    certificate_critical_days: 30,
                    ..valid()
                },
                Setting::CertCritical,
            ),
            (
                SettingsView {
                    response_time_warning_ms: Some(9),
                    response_time_critical_ms: Some(1),
                    ..valid()
                },
                Setting::Critical,
            ),
            (
                SettingsView {
                    credentials: Some(("", "x")),
                    ..valid()
                },
                Setting::AuthUser,
            ),
            (
                SettingsView {
                    email: Some(("nobody", &recipients, "")),
                    ..valid()
                },
                Setting::MailFrom,
            ),
        ];
        for (view, setting) in broken {
            assert_eq!(settings(&view).unwrap_err().setting, setting, "{view:?}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host("127.0.0.1"),
            Ok(Target::Address([127, 0, 0, 1].into()))
        );
        assert_eq!(host("::1"), Ok(Target::Address("::1".parse().unwrap())));
        assert_eq!(host("[::1]"), Ok(Target::Address("::1".parse().unwrap())));
        assert_eq!(
            host("mail.example.com"),
            Ok(Target::Name("mail.example.com".into()))
        );
        assert_eq!(
            host("mail.example.com."),
            Ok(Target::Name("mail.example.com.".into()))
        );
        for bad in [
            "",
            "mail example",
            "a..b",
            ".a",
            "mail\r\n.example",
            "mäil.example",
        ] {
            let e = host(bad).unwrap_err();
            assert_eq!(e.setting, Setting::Host, "{bad:?}");
        }
        assert!(host(&"a".repeat(300)).is_err());
    }

    #[test]
    fn numeric_forms_are_the_addresses_resolvers_read() {
        let loopback = Ok(Target::Address([127, 0, 0, 1].into()));
        for form in [
            "127.1",
            "127.0.1",
            "2130706433",
            "0x7f.1",
            "0x7F000001",
            "0177.0.0.1",
            "0177.0.0.01",
            "127.000.000.001",
            "127.0.0.1.",
            "0x7f.0.0x0.1",
            "0x00000000000000000007f.1",
        ] {
            assert_eq!(host(form), loopback, "{form}");
            assert_eq!(canonical_host(form), "127.0.0.1", "{form}");
        }
        for bad in [
            "1.2.3.4.5",
            "256.1",
            "08",
            "127.0.0.256",
            "4294967296",
            "mail.0x",
            "a..1",
            "1.+2.3.4",
            "0x+7f.1",
            "1.2.3.09",
        ] {
            let error = host(bad).unwrap_err();
            assert_eq!(error.setting, Setting::Host, "{bad}");
            assert!(
                error
                    .problem
                    .contains("resolvers read it as an IPv4 address"),
                "{bad}: {error}"
            );
        }
        // Names whose last label is not a number stay names, whatever the others are.
        for name in ["127.0.0.1.example", "0x7f.example", "1e100.net", "0x1.0xg"] {
            assert_eq!(host(name), Ok(Target::Name(name.into())), "{name}");
            assert_eq!(canonical_host(name), name);
        }
        assert_eq!(
            canonical_host("[::1]"),
            "[::1]",
            "a literal stays as written"
        );
        assert_eq!(canonical_host("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn an_address_host_must_be_of_an_allowed_version() {
        use crate::wit::IpVersion;
        let v6 = host("::1").unwrap();
        assert_eq!(ip_version(&v6, IpVersion::Any), Ok(()));
        assert_eq!(ip_version(&v6, IpVersion::Ipv6), Ok(()));
        let error = ip_version(&v6, IpVersion::Ipv4).unwrap_err();
        assert_eq!(error.setting, Setting::IpVersion);
        assert!(
            error.problem.contains("not an IPv4 address"),
            "{}",
            error.problem
        );
        let name = host("mail.example.com").unwrap();
        assert_eq!(
            ip_version(&name, IpVersion::Ipv4),
            Ok(()),
            "names are looked up"
        );
    }

    #[test]
    fn ports() {
        assert!(port(0).unwrap_err().problem.contains("1 to 65535"));
        assert_eq!(port(25), Ok(25));
    }

    #[test]
    fn timeouts() {
        assert!(timeout(0).is_err());
        assert!(timeout(901).unwrap_err().problem.contains("1 to 900"));
        assert_eq!(timeout(1), Ok(1));
        assert_eq!(timeout(900), Ok(900));
    }

    #[test]
    fn helos() {
        assert_eq!(helo("probe.example"), Ok("probe.example"));
        assert_eq!(helo("[127.0.0.1]"), Ok("[127.0.0.1]"));
        for bad in ["", "a\r\nMAIL FROM:<x>", "a b", "prübe", "a\tb"] {
            assert_eq!(helo(bad).unwrap_err().setting, Setting::Helo, "{bad:?}");
        }
        assert!(helo("a\nb").unwrap_err().problem.contains("line break"));
    }

    #[test]
    fn tls_settings() {
        assert_eq!(tls_server_name("mail.example.com"), Ok("mail.example.com"));
        assert_eq!(
            tls_server_name("bad name").unwrap_err().setting,
            Setting::TlsServerName
        );
        assert_eq!(certificate_days(14, 0), Ok((14, 0)));
        assert_eq!(certificate_days(14, 14), Ok((14, 14)));
        assert_eq!(
            certificate_days(7, 14).unwrap_err().setting,
            Setting::CertCritical
        );
        assert_eq!(
            certificate_days(99_999, 0).unwrap_err().setting,
            Setting::CertWarning
        );
    }

    #[test]
    fn response_time_thresholds() {
        assert_eq!(response_time(None, None), Ok((None, None)));
        assert_eq!(
            response_time(Some(500), Some(500)),
            Ok((Some(500), Some(500)))
        );
        assert_eq!(response_time(None, Some(1)), Ok((None, Some(1))));
        let e = response_time(Some(2000), Some(1000)).unwrap_err();
        assert_eq!(e.setting, Setting::Critical);
        assert!(e.problem.contains("below the warning"), "{}", e.problem);
        assert_eq!(
            response_time(Some(0), None).unwrap_err().setting,
            Setting::Warning
        );
        assert_eq!(
            response_time(None, Some(900_001)).unwrap_err().setting,
            Setting::Critical
        );
    }

    #[test]
    fn addresses() {
        for good in [
            "probe@example.com",
            "a.b+tag@mail.example.co.uk",
            "jörg@exämple.de",
            "x@[127.0.0.1]",
            "x@[IPv6:::1]",
        ] {
            assert_eq!(address(Setting::MailFrom, good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "probe",
            "@example.com",
            "probe@",
            "pro be@example.com",
            "<probe@example.com>",
            "probe@example.com\r\nRCPT TO:<x@y>",
            "probe@exa mple.com",
            "probe@example..com",
            "Probe <probe@example.com>",
            "probe@[not-an-ip]",
        ] {
            assert_eq!(
                address(Setting::MailTo, bad).unwrap_err().setting,
                Setting::MailTo,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_email_needs_a_sender_and_a_recipient() {
        let to = ["a@example.com".to_string()];
        assert_eq!(email("p@example.com", &to, "s"), Ok(()));
        let no_sender = email("", &to, "s").unwrap_err();
        assert_eq!(no_sender.setting, Setting::MailFrom);
        assert!(
            no_sender.problem.contains("no sender"),
            "{}",
            no_sender.problem
        );
        let no_recipient = email("p@example.com", &[], "s").unwrap_err();
        assert_eq!(no_recipient.setting, Setting::MailTo);
        assert!(no_recipient.problem.contains("no recipient"));
    }

    #[test]
    fn a_relay_probe_is_a_strangers_check() {
        assert_eq!(
            relay_probe("a@outside.example", "b@elsewhere.example", false, false),
            Ok(())
        );
        for (logs_in, sends) in [(true, false), (false, true)] {
            let error = relay_probe("a@x.example", "b@y.example", logs_in, sends).unwrap_err();
            assert_eq!(error.setting, Setting::RelayProbe);
        }
        assert!(relay_probe("nobody", "b@y.example", false, false).is_err());
    }

    #[test]
    fn single_lines() {
        assert_eq!(
            single_line(Setting::Subject, "Grüße from the probe"),
            Ok(())
        );
        assert!(
            single_line(Setting::Subject, "a\r\nBcc: x@y")
                .unwrap_err()
                .problem
                .contains("line break")
        );
        assert!(single_line(Setting::AuthUser, "a\u{0}b").is_err());
    }

    #[test]
    fn error_names_the_setting() {
        let e = timeout(0).unwrap_err();
        assert!(e.to_string().contains("timeout-seconds"));
    }
}
