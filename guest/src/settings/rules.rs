//! One rule per setting: the timeout, the HELO, TLS, the thresholds, the addresses, the
//! expectations, the relay probe, the round trip's mailbox and the credentials. Each names
//! the broken setting and the fix.

use super::names::{Setting, SettingError};
use super::target::host;
use crate::limits::{
    MAX_CERT_DAYS, MAX_EXPECTED_EXTENSIONS, MAX_FOLDER_NAME_LEN, MAX_HELO_LEN, MAX_HOST_LEN,
    MAX_PATTERN_LEN, MAX_RESPONSE_THRESHOLD_MS, MAX_SPAM_FOLDERS, MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
};
use regex_lite::Regex;
use std::net::IpAddr;

/// Checks the timeout: the spec allows 1 to 900 seconds.
pub fn timeout(seconds: u32) -> Result<u32, SettingError> {
    if (MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(SettingError::new(
            Setting::Timeout,
            format!(
                "{seconds} seconds is out of range; give {MIN_TIMEOUT_SECONDS} to \
                 {MAX_TIMEOUT_SECONDS} whole seconds (1s to {}m)",
                MAX_TIMEOUT_SECONDS / 60
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

/// Checks that thresholds in milliseconds can be crossed: a check stops at its timeout, so a
/// threshold above it could never fire.
pub(super) fn within_timeout(
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
pub(super) fn after_starttls(extensions: &[String]) -> Result<(), SettingError> {
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

/// Checks the spam folders: at most [`MAX_SPAM_FOLDERS`] names, each on one line, of at
/// most [`MAX_FOLDER_NAME_LEN`] bytes, and none of them INBOX (looked in anyway, and never
/// spam).
pub fn spam_folders(folders: &[String]) -> Result<(), SettingError> {
    let invalid = |problem: String| Err(SettingError::new(Setting::MailboxSpamFolders, problem));
    if folders.len() > MAX_SPAM_FOLDERS {
        return invalid(format!(
            "{} folders given; give at most {MAX_SPAM_FOLDERS}, e.g. Junk",
            folders.len()
        ));
    }
    for folder in folders {
        if folder.is_empty() || folder.len() > MAX_FOLDER_NAME_LEN {
            return invalid(format!(
                "{folder:?} is not a folder name; give 1 to {MAX_FOLDER_NAME_LEN} bytes, as \
                 the server's folder list shows it, e.g. Junk or INBOX.Junk"
            ));
        }
        // IMAP names folders in modified UTF-7 (RFC 3501 5.1.3): ASCII on the wire.
        if !folder.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return invalid(format!(
                "{folder:?} is not a folder name as IMAP spells it; give it as the server's \
                 folder list shows it, in ASCII (modified UTF-7: Unerwünscht is \
                 Unerw&APw-nscht)"
            ));
        }
        if folder.eq_ignore_ascii_case("INBOX") {
            return invalid(
                "INBOX is always looked in, and is not spam; name only the spam folders, e.g. \
                 Junk"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Checks an authserv-id: 1 to [`MAX_HOST_LEN`] printable ASCII characters without spaces
/// or `;` (a host name, as receivers write it: `mx.google.com`).
pub fn authserv_id(id: &str) -> Result<(), SettingError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_HOST_LEN
        && id.bytes().all(|b| b.is_ascii_graphic() && b != b';');
    if ok {
        Ok(())
    } else {
        Err(SettingError::new(
            Setting::MailboxAuthservId,
            format!(
                "{id:?} is not an authserv-id; give the name the receiver writes first in its \
                 Authentication-Results fields, e.g. mx.example.com"
            ),
        ))
    }
}
