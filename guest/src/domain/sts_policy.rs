//! The MTA-STS policy file (RFC 8461 3.2), served at
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`: `key: value` lines ending in LF or
//! CRLF, which say how senders must treat the domain's MX hosts:
//!
//! ```text
//! version: STSv1
//! mode: enforce
//! mx: mail.example.com
//! mx: *.example.net
//! max_age: 604800
//! ```
//!
//! [`parse`] reads one by the section's ABNF: `version` (`STSv1`), `mode` (`enforce`,
//! `testing` or `none`) and `max_age` (0 to 31557600 seconds, at most 10 digits) required,
//! `mx` (a host name or a `*.` wildcard pattern) once or more unless the mode is `none`;
//! keys and values case-sensitive (`%s`); other keys ignored. As the section says, a key
//! other than `mx` given twice keeps its first value and the later ones are ignored: not
//! an error, but a [`PolicyNote`] the check can pass on, as is a `version` line that is not
//! the first (the grammar allows any order; Google's guide to policies asks for it
//! first). Lenient only where it costs nothing: blank lines are skipped, and an `mx`
//! pattern may end in a dot. Bounded: at most [`MAX_STS_POLICY_BYTES`] bytes and
//! [`MAX_STS_MX_PATTERNS`] `mx` lines.
//!
//! [`matches`] is RFC 8461 4.1's MX host validation: `*.example.com` matches
//! `mx.example.com`, not `a.b.example.com` nor `example.com`.

use std::fmt;

use super::name::{domain_problem, lossy, shown};
use crate::limits::{MAX_STS_MAX_AGE_SECONDS, MAX_STS_MX_PATTERNS, MAX_STS_POLICY_BYTES};

/// What a policy asks of senders when an MX host fails validation (RFC 8461 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsMode {
    /// Do not deliver to an MX host that fails.
    Enforce,
    /// Deliver anyway, and report the failure (TLS-RPT).
    Testing,
    /// No policy: the domain is withdrawing MTA-STS.
    None,
}

impl StsMode {
    /// The mode as the policy writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

/// A valid policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsPolicy {
    /// Its mode.
    pub mode: StsMode,
    /// How long senders may cache it, in seconds (0 to 31557600).
    pub max_age: u32,
    /// Its `mx` patterns as written, in order: host names and `*.` wildcards.
    pub mx: Vec<String>,
    /// What senders tolerate but the domain's postmaster may want to know.
    pub notes: Vec<PolicyNote>,
}

impl StsPolicy {
    /// The first of the policy's `mx` patterns that `mx_host` matches ([`matches`]).
    pub fn matching(&self, mx_host: &str) -> Option<&str> {
        self.mx
            .iter()
            .map(String::as_str)
            .find(|pattern| matches(pattern, mx_host))
    }
}

/// Something in a valid policy that senders tolerate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyNote {
    /// A key other than `mx` given again: senders keep its first value and ignore this one
    /// (RFC 8461 3.2). Noted once per key, at its first repetition.
    Repeated {
        /// The key: `version`, `mode` or `max_age`.
        key: &'static str,
        /// The line (from 1) of the value senders use.
        first_line: usize,
        /// The line of the value they ignore.
        line: usize,
        /// That value (at most 256 bytes of it).
        ignored: String,
    },
    /// The `version` line is not the first line.
    VersionNotFirst {
        /// Its line (from 1).
        line: usize,
    },
}

impl fmt::Display for PolicyNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Repeated {
                key,
                first_line,
                line,
                ignored,
            } => write!(
                f,
                "the policy gives {key} again on line {line} ({}); senders use the first, on \
                 line {first_line}, and ignore it (RFC 8461 3.2)",
                shown(ignored)
            ),
            Self::VersionNotFirst { line } => write!(
                f,
                "the policy's version line is line {line}, not the first: RFC 8461 allows any \
                 order, but Google's guide asks for version first"
            ),
        }
    }
}

/// Why a policy is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// It is longer than the policy fetch reads.
    TooLarge {
        /// Its size, in bytes.
        size: usize,
    },
    /// A line is not a `key: value` line.
    Malformed {
        /// The line's number, from 1.
        line: usize,
        /// The line (lossy, at most 256 bytes).
        text: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// A key's value is not one it may have.
    BadValue {
        /// The line's number, from 1.
        line: usize,
        /// The key.
        key: &'static str,
        /// The value (at most 256 bytes).
        value: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// A required key is missing.
    Missing {
        /// The key.
        key: &'static str,
        /// A hint (a key written in other case), or empty.
        hint: String,
    },
    /// It has more than [`MAX_STS_MX_PATTERNS`] `mx` lines.
    TooManyMx,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size } => write!(
                f,
                "the policy is {size} bytes long, more than the {MAX_STS_POLICY_BYTES} read \
                 (RFC 8461 3.3 suggests at most 64 KiB)"
            ),
            Self::Malformed { line, text, reason } => {
                write!(f, "line {line} of the policy ({}) {reason}", shown(text))
            }
            Self::BadValue {
                line,
                key,
                value,
                reason,
            } => write!(
                f,
                "line {line} of the policy: {key} {} {reason}",
                shown(value)
            ),
            Self::Missing { key, hint } => {
                write!(f, "the policy has no {key} line{hint} (RFC 8461 3.2)")
            }
            Self::TooManyMx => write!(
                f,
                "the policy has more than {MAX_STS_MX_PATTERNS} mx lines, more than the check \
                 reads"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

/// The most bytes of a line or value an error or note keeps.
const KEPT_BYTES: usize = 256;

/// The keys the policy defines.
const KEYS: [&str; 4] = ["version", "mode", "max_age", "mx"];

/// Reads a policy file's bytes (the response body).
pub fn parse(body: &[u8]) -> Result<StsPolicy, PolicyError> {
    if body.len() > MAX_STS_POLICY_BYTES {
        return Err(PolicyError::TooLarge { size: body.len() });
    }
    let mut version: Option<usize> = None;
    let mut mode: Option<(usize, StsMode)> = None;
    let mut max_age: Option<(usize, u32)> = None;
    let mut mx = Vec::new();
    let mut notes = Vec::new();
    let mut first_field = None;
    // A known key seen in another case (`Mode`), for the error when the key is missing.
    let mut other_case: [Option<String>; 4] = Default::default();
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        let (key, value) = field(number, raw)?;
        first_field.get_or_insert(number);
        let bad = |reason: String| PolicyError::BadValue {
            line: number,
            key: KEYS.into_iter().find(|k| *k == key).unwrap_or("mx"),
            value: lossy(value.as_bytes(), KEPT_BYTES),
            reason,
        };
        let mut repeated = |key: &'static str, first_line: usize| {
            let noted = notes
                .iter()
                .any(|n| matches!(n, PolicyNote::Repeated { key: k, .. } if *k == key));
            if !noted {
                notes.push(PolicyNote::Repeated {
                    key,
                    first_line,
                    line: number,
                    ignored: lossy(value.as_bytes(), KEPT_BYTES),
                });
            }
        };
        match key {
            "version" => match version {
                Some(first) => repeated("version", first),
                None if value == "STSv1" => version = Some(number),
                None => return Err(bad("is not STSv1, the only version there is".into())),
            },
            "mode" => match mode {
                Some((first, _)) => repeated("mode", first),
                None => mode = Some((number, mode_value(value).map_err(bad)?)),
            },
            "max_age" => match max_age {
                Some((first, _)) => repeated("max_age", first),
                None => max_age = Some((number, max_age_value(value).map_err(bad)?)),
            },
            "mx" => {
                if mx.len() == MAX_STS_MX_PATTERNS {
                    return Err(PolicyError::TooManyMx);
                }
                if let Some(reason) = pattern_problem(value) {
                    return Err(bad(reason));
                }
                mx.push(value.to_string());
            }
            other => {
                if let Some(known) = KEYS.iter().position(|k| k.eq_ignore_ascii_case(other)) {
                    other_case[known].get_or_insert_with(|| other.to_string());
                }
            }
        }
    }
    let missing = |key: &'static str, extra: &str| {
        let known = KEYS.iter().position(|k| *k == key).unwrap_or_default();
        let hint = match &other_case[known] {
            Some(written) => format!(" ({written:?} is not {key:?}: keys are case-sensitive)"),
            None => extra.to_string(),
        };
        PolicyError::Missing { key, hint }
    };
    let version = version.ok_or_else(|| missing("version", ""))?;
    let (_, mode) = mode.ok_or_else(|| missing("mode", ""))?;
    let (_, max_age) = max_age.ok_or_else(|| missing("max_age", ""))?;
    if mx.is_empty() && mode != StsMode::None {
        return Err(missing("mx", ", which every mode but none requires"));
    }
    if first_field != Some(version) {
        notes.insert(0, PolicyNote::VersionNotFirst { line: version });
    }
    Ok(StsPolicy {
        mode,
        max_age,
        mx,
        notes,
    })
}

/// One line's key and value: `key ":" *WSP value *WSP`, the key an extension name
/// (`(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`), the value printable UTF-8
/// with inner spaces.
fn field(number: usize, raw: &[u8]) -> Result<(&str, &str), PolicyError> {
    let malformed = |reason: &str| PolicyError::Malformed {
        line: number,
        text: lossy(raw, KEPT_BYTES),
        reason: reason.to_string(),
    };
    if number == 1 && raw.starts_with(b"\xef\xbb\xbf") {
        return Err(malformed(
            "starts with a byte order mark, which senders read as part of the first key",
        ));
    }
    let Ok(line) = std::str::from_utf8(raw) else {
        return Err(malformed("is not UTF-8 text"));
    };
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(malformed("holds a control character"));
    }
    let Some((key, value)) = line.split_once(':') else {
        return Err(malformed(if line.starts_with('<') {
            "is not a \"key: value\" line (is the policy an HTML page?)"
        } else {
            "is not a \"key: value\" line"
        }));
    };
    if key.ends_with([' ', '\t']) {
        return Err(malformed("has white space before its \":\""));
    }
    let mut bytes = key.bytes();
    let is_key = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && key.len() <= 32
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !is_key {
        return Err(malformed(
            "does not start with a key (a letter or digit, then at most 31 letters, digits, \
             \"_\", \"-\" or \".\", then \":\")",
        ));
    }
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err(malformed("has no value after its \":\""));
    }
    if value.contains('\t') {
        return Err(malformed("has a tab inside its value"));
    }
    Ok((key, value))
}

/// A `mode` value.
fn mode_value(value: &str) -> Result<StsMode, String> {
    match value {
        "enforce" => Ok(StsMode::Enforce),
        "testing" => Ok(StsMode::Testing),
        "none" => Ok(StsMode::None),
        _ if ["enforce", "testing", "none"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(value)) =>
        {
            Err("is not enforce, testing or none: modes are case-sensitive".into())
        }
        _ => Err("is not enforce, testing or none".into()),
    }
}

/// A `max_age` value: `1*10(DIGIT)`, at most [`MAX_STS_MAX_AGE_SECONDS`].
fn max_age_value(value: &str) -> Result<u32, String> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a whole number of seconds".into());
    }
    if value.len() > 10 {
        return Err(format!(
            "has more than 10 digits; the most is {MAX_STS_MAX_AGE_SECONDS} seconds (a year)"
        ));
    }
    let seconds: u64 = value.parse().map_err(|_| "is not a number".to_string())?;
    if seconds > MAX_STS_MAX_AGE_SECONDS {
        return Err(format!(
            "is more than {MAX_STS_MAX_AGE_SECONDS} seconds (a year), the most RFC 8461 3.2 \
             allows"
        ));
    }
    u32::try_from(seconds).map_err(|_| "is too large".into())
}

/// Why `pattern` is not an `mx` pattern (`["*."] Domain`, a trailing dot tolerated), if
/// it is not.
fn pattern_problem(pattern: &str) -> Option<String> {
    let name = pattern.strip_suffix('.').unwrap_or(pattern);
    let name = name.strip_prefix("*.").unwrap_or(name);
    if name.contains('*') {
        return Some(
            "is not a pattern: a wildcard may only be the whole leftmost label \
             (*.example.com)"
                .into(),
        );
    }
    domain_problem(name).map(|problem| format!("is not a host name or *. pattern: {problem}"))
}

/// Whether the MX host `mx_host` matches the policy's `mx` pattern `pattern` (RFC 8461
/// 4.1): equal, or for `*.suffix` one label (any, but not empty) before `.suffix`: `*`
/// stands for the whole leftmost label only, so `*.example.com` matches
/// `mail.example.com` but neither `example.com` nor `foo.bar.example.com`. Case does not
/// matter, nor a trailing dot on either.
pub fn matches(pattern: &str, mx_host: &str) -> bool {
    let plain = |name: &str| name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let (pattern, host) = (plain(pattern), plain(mx_host));
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(label, rest)| {
            !label.is_empty() && label != "*" && !suffix.is_empty() && rest == suffix
        }),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests;
