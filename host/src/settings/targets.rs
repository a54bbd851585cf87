//! Which targets a `serve` module may probe: its `targets` list. Deny by default: a module
//! without the key probes nothing, so an exposed prober cannot be turned on any host that
//! someone names in a URL (blackbox_exporter's `/probe` probes whatever it is given).
//!
//! A pattern is `HOST:PORT`. HOST is a host-name glob (`mx*.example.com`: `*` stands for
//! any run of characters within one label; `*` alone for any name), an IP address, or a
//! CIDR block (`10.0.0.0/8`); IPv6 goes in brackets (`[2001:db8::/32]:25`). PORT is a number
//! or `*`. A mail domain's module (its table has `domain`) probes domains, which have no
//! port: its patterns are name globs, with a port (matched against the module's) or
//! without one (`*.example.com`); a host module refuses a pattern without a port
//! ([`TargetPattern::has_port`]). Names match names and addresses match addresses: a name is not resolved to be
//! matched against CIDR blocks (the sandbox then keeps the check to what that name
//! resolves to).

use serde::{Deserialize, Deserializer};
use smtp_sensor_guest::settings::Target;
use std::fmt;
use std::net::IpAddr;

/// One `targets` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPattern {
    host: HostPattern,
    /// `None` for `*`, or for no port written.
    port: Option<u16>,
    /// Whether a port was written: a pattern without one names mail domains only.
    port_written: bool,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// Lower-case labels, each a glob (`*` any run of characters within the label).
    Name(Vec<String>),
    /// Any host name (`*`).
    AnyName,
    /// An address block: the network and its prefix length.
    Block(IpAddr, u8),
}

impl TargetPattern {
    /// Reads a pattern; the error says what is wrong and shows the forms that work.
    pub fn parse(text: &str) -> Result<Self, String> {
        let fail = |why: &str| {
            Err(format!(
                "{text:?} {why}; write HOST:PORT, such as \"mx*.example.com:25\", \
                 \"10.0.0.0/8:587\", \"[2001:db8::/32]:*\" or \"127.0.0.1:*\""
            ))
        };
        let (host, port, port_written) = match split_host_port(text) {
            Some((host, Some(port))) => (host, port, true),
            // A mail domain's pattern: a name glob alone.
            Some((host, None)) if host.parse::<IpAddr>().is_err() && !host.contains('/') => {
                (host, "*", false)
            }
            Some((_, None)) => return fail(NO_PORT),
            None => return fail("is not HOST:PORT"),
        };
        let port = match port {
            "*" => None,
            digits => match digits.parse::<u16>() {
                Ok(port) if port > 0 => Some(port),
                _ => return fail("has a port that is neither 1 to 65535 nor *"),
            },
        };
        let host = if host == "*" {
            HostPattern::AnyName
        } else if let Some((address, prefix)) = host.split_once('/') {
            let Ok(address) = address.parse::<IpAddr>() else {
                return fail("has a CIDR block whose address is not an IP address");
            };
            let max = if address.is_ipv4() { 32 } else { 128 };
            match prefix.parse::<u8>() {
                Ok(prefix) if prefix <= max => HostPattern::Block(address, prefix),
                _ => return fail("has a CIDR prefix length out of range"),
            }
        } else if let Ok(address) = host.parse::<IpAddr>() {
            let full = if address.is_ipv4() { 32 } else { 128 };
            HostPattern::Block(address, full)
        } else {
            let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
            let valid = !name.is_empty()
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
                });
            if !valid {
                return fail("has a host that is neither a name glob, an address nor a block");
            }
            HostPattern::Name(name.split('.').map(str::to_string).collect())
        };
        Ok(Self {
            host,
            port,
            port_written,
            text: text.to_string(),
        })
    }

    /// Whether the pattern has a port: one without names mail domains only, and a module
    /// that probes servers refuses it ([`no_port`]).
    pub fn has_port(&self) -> bool {
        self.port_written
    }

    /// Whether the pattern allows probing `target` on `port`.
    pub fn allows(&self, target: &Target, port: u16) -> bool {
        if self.port.is_some_and(|allowed| allowed != port) {
            return false;
        }
        match (&self.host, target) {
            (HostPattern::AnyName, Target::Name(_)) => true,
            (HostPattern::Name(labels), Target::Name(name)) => {
                let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
                let parts: Vec<&str> = name.split('.').collect();
                parts.len() == labels.len()
                    && labels
                        .iter()
                        .zip(parts)
                        .all(|(pattern, label)| glob(pattern.as_bytes(), label.as_bytes()))
            }
            (HostPattern::Block(network, prefix), Target::Address(address)) => {
                in_block(address.to_canonical(), *network, *prefix)
            }
            _ => false,
        }
    }
}

impl fmt::Display for TargetPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for TargetPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What a pattern without a port lacks, for a module that probes servers.
const NO_PORT: &str = "has no port (give a number, or * for any port)";

/// What is wrong with `pattern`, which has no port, in a module that probes servers (not
/// mail domains): the forms that work.
pub fn no_port(pattern: &TargetPattern) -> String {
    format!(
        "{:?} {NO_PORT}; write HOST:PORT, such as \"mx*.example.com:25\" (a pattern without a \
         port is for a module with domain, which probes mail domains)",
        pattern.text
    )
}

/// Whether any of `patterns` allows `target` on `port`.
pub fn allowed(patterns: &[TargetPattern], target: &Target, port: u16) -> bool {
    patterns.iter().any(|p| p.allows(target, port))
}

/// Splits `HOST[:PORT]`: IPv6 in brackets (`[::1]:25`), or bare without a port (`::1`).
/// `None` when the text cannot be read that way.
pub fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match text.matches(':').count() {
        0 => Some((text, None)),
        1 => {
            let (host, port) = text.split_once(':')?;
            Some((host, Some(port)))
        }
        _ => Some((text, None)),
    }
}

/// `*` matches any run of bytes; everything else matches itself.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((&c, rest)) => text.first() == Some(&c) && glob(rest, &text[1..]),
    }
}

/// Whether `address` lies in `network/prefix` (of the same family).
fn in_block(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let mask = |bits: u32, prefix: u8| -> u128 {
        if prefix == 0 {
            0
        } else {
            u128::MAX << (bits - u32::from(prefix))
        }
    };
    match (address, network.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32, prefix);
            (u128::from(u32::from(a)) & m) == (u128::from(u32::from(n)) & m)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128, prefix);
            (u128::from(a) & m) == (u128::from(n) & m)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_sensor_guest::settings as validate;

    fn allows(pattern: &str, target: &str, port: u16) -> bool {
        let target = validate::host(target).unwrap();
        TargetPattern::parse(pattern).unwrap().allows(&target, port)
    }

    #[test]
    fn name_globs_match_within_a_label_in_any_case() {
        assert!(allows("mx*.example.com:25", "mx1.example.com", 25));
        assert!(allows("mx*.example.com:25", "MX.Example.COM.", 25));
        assert!(!allows("mx*.example.com:25", "mx1.example.com", 587));
        assert!(!allows("mx*.example.com:25", "mx1.evil.example.com", 25));
        assert!(!allows("mx*.example.com:25", "mx1.example.com.evil", 25));
        assert!(!allows("*.example.com:*", "example.com", 25));
        assert!(allows("*.example.com:*", "a.example.com", 2525));
        assert!(allows("*:25", "anything.example", 25));
        assert!(
            !allows("*:25", "127.0.0.1", 25),
            "* is any name, not any address"
        );
    }

    #[test]
    fn addresses_match_blocks_of_their_family() {
        assert!(allows("10.0.0.0/8:587", "10.1.2.3", 587));
        assert!(!allows("10.0.0.0/8:587", "11.0.0.1", 587));
        assert!(allows("127.0.0.1:*", "127.0.0.1", 2525));
        assert!(!allows("127.0.0.1:*", "127.0.0.2", 2525));
        assert!(allows("[::1]:25", "::1", 25));
        assert!(allows("[2001:db8::/32]:*", "[2001:db8::5]", 25));
        assert!(!allows("[2001:db8::/32]:*", "10.0.0.1", 25));
        assert!(allows("0.0.0.0/0:25", "192.0.2.1", 25));
        assert!(
            allows("127.0.0.0/8:25", "::ffff:127.0.0.9", 25),
            "mapped IPv4"
        );
        assert!(
            !allows("127.0.0.1:25", "localhost", 25),
            "names are not resolved"
        );
    }

    #[test]
    fn a_pattern_without_a_port_names_mail_domains() {
        let domains = TargetPattern::parse("*.example.com").unwrap();
        assert!(!domains.has_port());
        let target = validate::host("mail.example.com").unwrap();
        assert!(domains.allows(&target, 25));
        assert!(!domains.allows(&validate::host("example.org").unwrap(), 25));
        assert!(TargetPattern::parse("example.com:25").unwrap().has_port());
        assert!(TargetPattern::parse("*.example.com:*").unwrap().has_port());
        assert!(TargetPattern::parse("[::1]:25").unwrap().has_port());
        assert!(no_port(&domains).contains("has no port"));
        // Addresses and blocks are never domains: their port is still required.
        for bad in ["127.0.0.1", "[::1]", "10.0.0.0/8"] {
            let error = TargetPattern::parse(bad).unwrap_err();
            assert!(error.contains("has no port"), "{bad}: {error}");
        }
    }

    #[test]
    fn bad_patterns_say_what_works() {
        for bad in [
            "mx.example.com:0",
            "mx.example.com:smtp",
            "10.0.0.0/33:25",
            "10.0.0/8:25",
            "mx_1.example.com:25",
            "[::1:25",
            ":25",
        ] {
            let error = TargetPattern::parse(bad).unwrap_err();
            assert!(error.contains("HOST:PORT"), "{bad}: {error}");
        }
    }

    #[test]
    fn host_and_port_split_as_urls_write_them() {
        assert_eq!(
            split_host_port("a.example:25"),
            Some(("a.example", Some("25")))
        );
        assert_eq!(split_host_port("a.example"), Some(("a.example", None)));
        assert_eq!(split_host_port("[::1]:25"), Some(("::1", Some("25"))));
        assert_eq!(split_host_port("[::1]"), Some(("::1", None)));
        assert_eq!(split_host_port("::1"), Some(("::1", None)));
        assert_eq!(split_host_port("[::1]x"), None);
    }
}
