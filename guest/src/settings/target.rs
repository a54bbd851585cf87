//! Where a check goes: the host (an IP literal, a DNS name, or a numeric IPv4 form that
//! resolvers read as an address), the port, and the IP versions it may use.

use super::names::{Setting, SettingError};
use crate::limits::MAX_HOST_LEN;
use crate::wit::IpVersion;
use std::net::{IpAddr, Ipv4Addr};

/// Whether `address` may be used under `version`.
pub fn allows(version: IpVersion, address: IpAddr) -> bool {
    match version {
        IpVersion::Any => true,
        IpVersion::Ipv4 => address.is_ipv4(),
        IpVersion::Ipv6 => address.is_ipv6(),
    }
}

/// The IP version's name in words, for messages ("IPv4").
pub fn describe(version: IpVersion) -> &'static str {
    match version {
        IpVersion::Any => "IPv4 or IPv6",
        IpVersion::Ipv4 => "IPv4",
        IpVersion::Ipv6 => "IPv6",
    }
}

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
        // `name:port` or `[v6]:port`: the port goes in its own setting.
        if let Some((name, port)) = host.rsplit_once(':')
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && (!name.contains(':') || name.starts_with('['))
        {
            return err(format!(
                "{host:?} holds a port: give the host alone and the port in its own setting \
                 (--host {name} --port {port})"
            ));
        }
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
        Target::Address(address) if !allows(version, *address) => Err(SettingError::new(
            Setting::IpVersion,
            format!(
                "the host {address} is not an {} address; give a host of that version, \
                     or another IP version",
                describe(version)
            ),
        )),
        _ => Ok(()),
    }
}
