//! The `_smtp._tls.DOMAIN` TXT record (RFC 8460 3): `v=TLSRPTv1; rua=mailto:reports@example.com`,
//! where senders send their daily TLS reports. Exactly one record may begin with
//! `v=TLSRPTv1` ([`find`]); it is read by the section's ABNF:
//!
//! ```text
//! tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim      = *WSP ";" *WSP
//! tlsrpt-field     = tlsrpt-rua / tlsrpt-extension   ; tlsrpt-rua is required
//! tlsrpt-version   = %s"v=TLSRPTv1"
//! tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri       = URI      ; RFC 3986; ",", "!" and ";" MUST be percent-encoded
//! tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//! ```
//!
//! Each `rua` URI must be `mailto:` (an address, RFC 6068) or `https:` (a host, reports are
//! POSTed there): "Two URI schemes are supported". A DMARC-style size limit (`!10m`) is not
//! part of TLS-RPT, and its `!` must be encoded, so it is an error here.

use super::name::{domain_problem, shown};
pub use super::txt::RecordError;
use super::txt::{self, RecordKind};

/// A valid `_smtp._tls` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRptRecord {
    /// Where reports go, in the record's order: one or more.
    pub rua: Vec<ReportUri>,
    /// Any other fields, name and value, in order (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

/// How reports reach a `rua` destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScheme {
    /// By mail, to an address (`mailto:`).
    Mailto,
    /// By an HTTPS POST (`https:`).
    Https,
}

/// One `rua` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportUri {
    /// How reports reach it.
    pub scheme: ReportScheme,
    /// The URI as written.
    pub uri: String,
    /// The address (`reports@example.com`) of a `mailto:` URI; the host (lower-cased) of
    /// an `https:` one.
    pub destination: String,
}

/// The domain's TLS-RPT record among the TXT records at `_smtp._tls.DOMAIN` (each a list of
/// strings, as DNS gives them, joined without spaces): `None` when no record begins with
/// `v=TLSRPTv1`; an error when several do (senders then send no reports, RFC 8460 3) or
/// the one that does is invalid.
pub fn find(records: &[Vec<Vec<u8>>]) -> Result<Option<TlsRptRecord>, RecordError> {
    let Some(record) = txt::select(RecordKind::TlsRpt, records)? else {
        return Ok(None);
    };
    parse(&record)
        .map(Some)
        .map_err(|reason| txt::invalid(RecordKind::TlsRpt, &record, reason))
}

/// Reads one record that begins with `v=TLSRPTv1`; the error is why it is invalid.
fn parse(record: &[u8]) -> Result<TlsRptRecord, String> {
    let mut rua: Option<Vec<ReportUri>> = None;
    let mut extensions = Vec::new();
    for (name, value) in txt::fields(RecordKind::TlsRpt, record)? {
        if name == "rua" {
            if rua.is_some() {
                return Err(
                    "it has two rua fields (list every URI in one, comma-separated)".into(),
                );
            }
            rua = Some(uris(&value)?);
        } else if txt::is_extension_value(&value) {
            extensions.push((name, value));
        } else {
            return Err(txt::bad_extension(&name, &value));
        }
    }
    let Some(rua) = rua else {
        let hint = extensions
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("rua"))
            .map(|(name, _)| format!(" ({name:?} is not \"rua\": field names are case-sensitive)"))
            .unwrap_or_default();
        return Err(format!("it has no rua field{hint}"));
    };
    Ok(TlsRptRecord { rua, extensions })
}

/// The URIs of a `rua` value: `tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)`.
fn uris(value: &str) -> Result<Vec<ReportUri>, String> {
    if value.starts_with([' ', '\t']) {
        return Err("white space follows \"rua=\"".into());
    }
    value
        .split(',')
        .map(|piece| uri(piece.trim_matches([' ', '\t'])))
        .collect()
}

/// One `rua` URI, checked.
fn uri(text: &str) -> Result<ReportUri, String> {
    if text.is_empty() {
        return Err("its rua field has an empty URI (a comma too many?)".into());
    }
    let bad = |why: String| Err(format!("the rua URI {} {why}", shown(text)));
    if let Some(problem) = uri_chars_problem(text) {
        return bad(problem);
    }
    let Some((scheme, rest)) = text.split_once(':') else {
        return bad("is not a URI (it has no scheme, such as mailto:)".into());
    };
    match scheme.to_ascii_lowercase().as_str() {
        "mailto" => {
            let to = rest.split('?').next().unwrap_or_default();
            let Some((local, domain)) = to.split_once('@') else {
                return bad("names no address (local-part@domain)".into());
            };
            if local.is_empty() {
                return bad("has an address with an empty local part".into());
            }
            if let Some(problem) = domain_problem(domain) {
                return bad(format!(
                    "has an address whose domain {} is not one: {problem}",
                    shown(domain)
                ));
            }
            Ok(ReportUri {
                scheme: ReportScheme::Mailto,
                uri: text.to_string(),
                destination: to.to_string(),
            })
        }
        "https" => {
            let Some(rest) = rest.strip_prefix("//") else {
                return bad("has no host (https://host/...)".into());
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let (host, port) = match host_port.strip_prefix('[') {
                Some(literal) => match literal.split_once(']') {
                    Some((address, port)) => {
                        if address.parse::<std::net::Ipv6Addr>().is_err() {
                            return bad(format!(
                                "has an IP literal {} that is not one",
                                shown(address)
                            ));
                        }
                        (address, port.strip_prefix(':'))
                    }
                    None => return bad("has an unclosed \"[\"".into()),
                },
                None => match host_port.split_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (host_port, None),
                },
            };
            if host.is_empty() {
                return bad("has no host (https://host/...)".into());
            }
            if !host_port.starts_with('[')
                && let Some(problem) = domain_problem(host)
            {
                return bad(format!(
                    "has a host {} that is not one: {problem}",
                    shown(host)
                ));
            }
            // RFC 3986 3.2.3: `port = *DIGIT`, so it may be empty (`host:/`).
            if let Some(port) = port
                && !port.is_empty()
                && port.parse::<u16>().is_err()
            {
                return bad(format!("has a port {} that is not one", shown(port)));
            }
            Ok(ReportUri {
                scheme: ReportScheme::Https,
                uri: text.to_string(),
                destination: host.to_ascii_lowercase(),
            })
        }
        _ => bad("is neither mailto: nor https:, the two schemes RFC 8460 3 allows".into()),
    }
}

/// Why `text` holds a character no URI may hold (RFC 3986: unreserved, reserved and
/// percent-encoded octets), or one TLS-RPT wants encoded (`!`); `None` when it holds none.
fn uri_chars_problem(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'!' => {
                return Some(
                    "holds \"!\", which must be percent-encoded (RFC 8460 3; a DMARC-style \
                     size limit such as !10m is not part of TLS-RPT)"
                        .into(),
                );
            }
            b'%' => {
                let hex = bytes.get(at + 1..at + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return Some("holds a \"%\" not followed by two hex digits".into());
                }
            }
            b if b.is_ascii_alphanumeric() || b"-._~:/?#[]@$&'()*+=".contains(&b) => {}
            b' ' | b'\t' => return Some("holds white space".into()),
            other => return Some(format!("holds {:?}, which no URI may hold", other as char)),
        }
    }
    None
}

#[cfg(test)]
mod tests;
