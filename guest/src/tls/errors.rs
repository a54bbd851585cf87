//! rustls errors as the contract's error kinds, in plain words: a certificate problem says
//! which one (expired on which date, unknown issuer, wrong name, self-signed); a handshake
//! problem says what the server did.

use super::certificate::Leaf;
use crate::dates::format_utc;
use crate::wit::{ErrorKind, TlsVersion};
use rustls::{AlertDescription, CertificateError, Error};

/// The error kind of a failed handshake. `leaf` is what the server presented, if anything,
/// and `chain` the other certificates it sent; `first_bytes` are the first bytes it sent, to recognise a plain-text server or a
/// ServerHello of an old TLS version; `min_version` is the oldest version the check offered.
pub fn classify(
    error: &Error,
    leaf: Option<&Leaf>,
    chain: &[Leaf],
    first_bytes: &[u8],
    min_version: TlsVersion,
) -> ErrorKind {
    if let Some(version) = server_hello_version(first_bytes)
        && version < 0x0303
    {
        return ErrorKind::TlsFailed(format!(
            "the server speaks only {} (its ServerHello chose it); the check accepts {}",
            version_name(version),
            accepted(min_version)
        ));
    }
    match error {
        Error::AlertReceived(AlertDescription::ProtocolVersion) => ErrorKind::TlsFailed(format!(
            "the server supports none of the TLS versions the check offered ({}): it \
                 answered with a protocol_version alert{}",
            accepted(min_version),
            match min_version {
                TlsVersion::Tls13 => "; it may speak only TLS 1.2 (see --tls-min-version)",
                TlsVersion::Tls12 => "",
            }
        )),
        Error::InvalidCertificate(certificate) => {
            ErrorKind::CertificateRejected(certificate_reason(certificate, leaf, chain))
        }
        Error::AlertReceived(alert) => {
            ErrorKind::TlsFailed(format!("the server sent the TLS alert {alert:?}"))
        }
        Error::InvalidMessage(_) if looks_like_text(first_bytes) => ErrorKind::TlsFailed(format!(
            "the server answered in plain text ({:?}) where TLS was expected: it does not \
             speak implicit TLS on this port (use STARTTLS there, or the implicit-TLS port: \
             465 for SMTP, 993 for IMAP, 995 for POP3); right after STARTTLS, something on \
             the way strips TLS",
            String::from_utf8_lossy(first_line(first_bytes))
        )),
        Error::PeerIncompatible(why) => {
            ErrorKind::TlsFailed(format!("the server is incompatible: {why:?}"))
        }
        other => ErrorKind::TlsFailed(other.to_string()),
    }
}

/// Why a certificate was rejected, with the facts that prove it. An expired or not yet
/// valid certificate is named by its own dates: webpki says which date failed, and the
/// presented certificate (`leaf`, or one of `chain`) with that date is the one.
pub fn certificate_reason(error: &CertificateError, leaf: Option<&Leaf>, chain: &[Leaf]) -> String {
    let subject = leaf
        .map(|l| l.subject.as_str())
        .unwrap_or("the certificate");
    // The presented certificate with this date, and how to call it.
    let named = |date: i64, of: fn(&Leaf) -> i64| -> Option<String> {
        if leaf.is_some_and(|l| of(l) == date) {
            return Some("the certificate".into());
        }
        chain
            .iter()
            .find(|c| of(c) == date)
            .map(|c| format!("the chain's certificate {}", c.subject))
    };
    match error {
        CertificateError::ExpiredContext { not_after, .. } => {
            let date = not_after.as_secs() as i64;
            let which =
                named(date, |c| c.not_after).unwrap_or_else(|| "a certificate of the chain".into());
            format!("{which} expired on {}", format_utc(date))
        }
        CertificateError::Expired => match leaf {
            Some(leaf) => format!("the certificate expired on {}", format_utc(leaf.not_after)),
            None => "the certificate has expired".into(),
        },
        CertificateError::NotValidYetContext { not_before, .. } => {
            let date = not_before.as_secs() as i64;
            let which = named(date, |c| c.not_before)
                .unwrap_or_else(|| "a certificate of the chain".into());
            format!("{which} is not valid yet: not before {}", format_utc(date))
        }
        CertificateError::NotValidYet => match leaf {
            Some(leaf) => {
                format!(
                    "the certificate is not valid yet: not before {}",
                    format_utc(leaf.not_before)
                )
            }
            None => "the certificate is not valid yet".into(),
        },
        CertificateError::UnknownIssuer => match leaf {
            Some(leaf) if leaf.is_self_signed() => {
                format!("the certificate is self-signed ({subject}) and not trusted")
            }
            Some(leaf) => format!(
                "the certificate was issued by an unknown authority ({}); trust its CA to accept \
                 it (--tls-ca FILE, or --tls-roots system when the system trusts it), or \
                 accept any certificate (--tls-no-verify)",
                leaf.issuer
            ),
            None => "the certificate was issued by an unknown authority".into(),
        },
        CertificateError::NotValidForName => {
            format!(
                "the certificate ({subject}) is not valid for this server's name (name mismatch)"
            )
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the certificate is not valid for {} (name mismatch): it names {}; check the host, \
             or give the name it should match (--tls-server-name, or \
             --mailbox-tls-server-name on the mailbox side)",
            expected.to_str(),
            if presented.is_empty() {
                "nothing".to_string()
            } else {
                presented
                    .iter()
                    .map(|name| plain_name(name))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        CertificateError::Revoked => "the certificate has been revoked".into(),
        CertificateError::BadSignature => "the certificate's signature is invalid".into(),
        CertificateError::BadEncoding => "the certificate is malformed".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not meant for TLS servers (wrong extended key usage)".into()
        }
        #[allow(deprecated)] // Still what rustls says for webpki's older variants.
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "the chain is signed with an algorithm this check does not accept (such as SHA-1, \
             or RSA under 2,048 bits)"
                .into()
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(error) => chain_reason(error, subject),
            None => format!("the certificate was rejected: {other}"),
        },
        other => format!("the certificate was rejected: {other:?}"),
    }
}

/// The verifier's reasons that rustls passes on unnamed, in words: what is wrong with the
/// chain and what fixes it.
fn chain_reason(error: &webpki::Error, subject: &str) -> String {
    use webpki::Error::*;
    match error {
        CaUsedAsEndEntity => format!(
            "the certificate ({subject}) is a CA certificate (basic constraints CA:TRUE), which \
             may not identify a server even where it is trusted: reissue it without CA:TRUE \
             (openssl req -x509 -addext basicConstraints=critical,CA:FALSE) or turn \
             verification off"
        ),
        EndEntityUsedAsCa => "the chain has a server certificate as an issuer (an \
                              intermediate without CA:TRUE)"
            .into(),
        PathLenConstraintViolated => {
            "the chain is longer than one of its CAs allows (path length constraint)".into()
        }
        MaximumPathDepthExceeded => "the chain is too long to verify".into(),
        NameConstraintViolation => {
            format!(
                "the certificate ({subject}) names a host its CA may not certify (name constraints)"
            )
        }
        UnsupportedCertVersion => {
            format!("the certificate ({subject}) is not an X.509 version 3 certificate")
        }
        UnsupportedCriticalExtension => {
            format!("the certificate ({subject}) has a critical extension this check does not know")
        }
        other => format!("the certificate was rejected: {other}"),
    }
}

fn first_line(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(bytes.len());
    &bytes[..end.min(80)]
}

/// A name the certificate holds as webpki writes it (`DnsName("mail.test")`,
/// `IpAddress(127.0.0.1)`), as a person writes it.
fn plain_name(name: &str) -> &str {
    for (open, close) in [("DnsName(\"", "\")"), ("IpAddress(", ")")] {
        if let Some(inner) = name.strip_prefix(open).and_then(|n| n.strip_suffix(close)) {
            return inner;
        }
    }
    name
}

/// The versions a check with this minimum accepts, in words.
fn accepted(min_version: TlsVersion) -> &'static str {
    match min_version {
        TlsVersion::Tls12 => "TLS 1.2 and 1.3",
        TlsVersion::Tls13 => "TLS 1.3 only",
    }
}

/// The protocol version a ServerHello chose, when `bytes` begin with one: a handshake
/// record (22) whose first message is a ServerHello (2); its `legacy_version` follows the
/// record header (5 bytes) and the handshake header (4). TLS 1.3 also says 1.2 there.
fn server_hello_version(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < 11 || bytes[0] != 22 || bytes[1] != 3 || bytes[5] != 2 {
        return None;
    }
    Some(u16::from_be_bytes([bytes[9], bytes[10]]))
}

/// A protocol version number's name.
fn version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        other => format!("protocol version 0x{other:04x}"),
    }
}

/// A plain-text greeting (SMTP's `220`, POP3's `+OK`, IMAP's `* OK`) starts with a line of
/// printable text; a TLS record never does (its first byte is a content type, 20 to 24).
fn looks_like_text(bytes: &[u8]) -> bool {
    let line = first_line(bytes);
    line.len() >= 3 && line.iter().all(|b| (0x20..0x7f).contains(b))
}

#[cfg(test)]
mod tests;
