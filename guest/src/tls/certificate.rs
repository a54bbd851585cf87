//! What the server's certificate says: subject, issuer and validity. Recorded before the
//! certificate is judged, so a rejected one is still described.
//!
//! A few dozen lines of DER reading (X.690) rather than a general X.509 crate: the check
//! needs four fields of the TBSCertificate, and a general reader with its OID database
//! was a tenth of the component. Trust decisions are rustls-webpki's, never this reader's.

use crate::dates::{DAY, days_from_civil};
use std::fmt::Write as _;

/// The facts of a leaf certificate that a monitoring engineer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The subject, as an RFC 4514 string (`CN=mail.example.com,O=Example`).
    pub subject: String,
    /// The issuer, as an RFC 4514 string.
    pub issuer: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
}

impl Leaf {
    /// Reads a DER certificate; `None` when it is not one.
    pub fn parse(der: &[u8]) -> Option<Leaf> {
        let (certificate, rest) = Der::read(der, SEQUENCE)?;
        if !rest.is_empty() {
            return None;
        }
        let (tbs, _) = Der::read(certificate, SEQUENCE)?;
        let mut fields = tbs;
        if fields.first() == Some(&EXPLICIT_0) {
            fields = Der::read(fields, EXPLICIT_0)?.1; // version
        }
        let (_serial, fields) = Der::read(fields, INTEGER)?;
        let (_signature, fields) = Der::read(fields, SEQUENCE)?;
        let (issuer, fields) = Der::read(fields, SEQUENCE)?;
        let (validity, fields) = Der::read(fields, SEQUENCE)?;
        let (subject, _) = Der::read(fields, SEQUENCE)?;
        let (not_before, validity) = time(validity)?;
        let (not_after, _) = time(validity)?;
        Some(Leaf {
            subject: name(subject)?,
            issuer: name(issuer)?,
            not_before,
            not_after,
        })
    }

    /// The certificate's SubjectPublicKeyInfo, DER-encoded whole (its tag and length
    /// included), as a TLSA record of selector 1 hashes it (RFC 6698 2.1.2); `None` when
    /// `der` is not a certificate.
    pub fn public_key_info(der: &[u8]) -> Option<&[u8]> {
        let (certificate, _) = Der::read(der, SEQUENCE)?;
        let (tbs, _) = Der::read(certificate, SEQUENCE)?;
        let mut fields = tbs;
        if fields.first() == Some(&EXPLICIT_0) {
            fields = Der::read(fields, EXPLICIT_0)?.1; // version
        }
        // serial, signature, issuer, validity, subject: then the key.
        let (_, mut fields) = Der::read(fields, INTEGER)?;
        for _ in 0..4 {
            fields = Der::read(fields, SEQUENCE)?.1;
        }
        let (tag, _, rest) = Der::next(fields)?;
        (tag == SEQUENCE).then(|| &fields[..fields.len() - rest.len()])
    }

    /// True when the certificate names itself as its issuer.
    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }

    /// Whole days until the certificate expires, counted down from `now`; negative once it
    /// has expired (-1 on the day after expiry).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(DAY)
    }
}

const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const UTF8_STRING: u8 = 0x0c;
const PRINTABLE_STRING: u8 = 0x13;
const TELETEX_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const BMP_STRING: u8 = 0x1e;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const EXPLICIT_0: u8 = 0xa0;

/// One DER element: its tag, its contents, and the bytes after it.
struct Der;

impl Der {
    /// The element at the start of `input`: tag, contents and what follows.
    fn next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags: none in the fields read here
        }
        let (&first, rest) = rest.split_first()?;
        let (length, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (bytes, rest) = rest.split_at(count);
            let length = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
            (length, rest)
        };
        if rest.len() < length {
            return None;
        }
        let (contents, rest) = rest.split_at(length);
        Some((tag, contents, rest))
    }

    /// The element at the start of `input`, which must have `tag`.
    fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (found, contents, rest) = Self::next(input)?;
        (found == tag).then_some((contents, rest))
    }
}

/// A UTCTime or GeneralizedTime (RFC 5280 4.1.2.5: UTC, seconds, `Z`) as Unix seconds.
fn time(input: &[u8]) -> Option<(i64, &[u8])> {
    let (tag, contents, rest) = Der::next(input)?;
    let text = std::str::from_utf8(contents).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, digits) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let field = |i: usize| digits[i..i + 2].parse::<u32>().ok();
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    Some((seconds, rest))
}

/// A Name as RFC 4514 writes it: the last RDN first, `,` between RDNs, `+` within one.
fn name(mut rdns: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    while !rdns.is_empty() {
        let (set, rest) = Der::read(rdns, SET)?;
        rdns = rest;
        let mut attributes = Vec::new();
        let mut set = set;
        while !set.is_empty() {
            let (attribute, rest) = Der::read(set, SEQUENCE)?;
            set = rest;
            attributes.push(attribute_text(attribute)?);
        }
        parts.push(attributes.join("+"));
    }
    parts.reverse();
    Some(parts.join(","))
}

/// One `type=value`: a known type by its short name with the value as text, any other as
/// its dotted OID with the value's DER in hex (`1.2.3=#0c0161`), as RFC 4514 says.
fn attribute_text(attribute: &[u8]) -> Option<String> {
    let (oid, value) = Der::read(attribute, OID)?;
    let (tag, contents, _) = Der::next(value)?;
    let text = match tag {
        UTF8_STRING | PRINTABLE_STRING | IA5_STRING => {
            std::str::from_utf8(contents).ok().map(str::to_string)
        }
        TELETEX_STRING => Some(contents.iter().map(|&b| char::from(b)).collect()),
        BMP_STRING if contents.len() % 2 == 0 => {
            let units = contents.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    };
    match (short_name(oid), text) {
        (Some(key), Some(text)) => Some(format!("{key}={}", escape(&text))),
        _ => {
            let mut out = dotted(oid)? + "=#";
            for byte in &value[..value.len() - Der::next(value)?.2.len()] {
                let _ = write!(out, "{byte:02x}");
            }
            Some(out)
        }
    }
}

/// The short names of the attribute types certificates use (RFC 4514, RFC 4519, RFC 2985).
fn short_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x04] => "SN",
        [0x55, 0x04, 0x05] => "SERIALNUMBER",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "STREET",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x0c] => "TITLE",
        [0x55, 0x04, 0x0f] => "BUSINESSCATEGORY",
        [0x55, 0x04, 0x11] => "POSTALCODE",
        [0x55, 0x04, 0x2a] => "GIVENNAME",
        [0x55, 0x04, 0x61] => "ORGANIZATIONIDENTIFIER",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "EMAILADDRESS",
        _ => return None,
    })
}

/// An OID's contents in dotted form.
fn dotted(oid: &[u8]) -> Option<String> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for &byte in oid {
        value = value.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    let first = *arcs.first()?;
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in &arcs[1..] {
        let _ = write!(out, ".{arc}");
    }
    Some(out)
}

/// An attribute value escaped as RFC 4514 2.4 says.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_counts_down_and_goes_negative() {
        let leaf = Leaf {
            subject: "CN=a".into(),
            issuer: "CN=a".into(),
            not_before: 0,
            not_after: 10 * DAY,
        };
        assert_eq!(leaf.days_left(0), 10);
        assert_eq!(leaf.days_left(9 * DAY + 1), 0);
        assert_eq!(leaf.days_left(10 * DAY + 1), -1);
        assert!(leaf.is_self_signed());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(Leaf::parse(b"not DER"), None);
        assert_eq!(Leaf::parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(Leaf::parse(&[0x30, 0x03, 0x30, 0x01]), None);
        assert_eq!(Leaf::parse(&[]), None);
    }

    /// Certificates made by rcgen, read by this reader and by x509-cert (a dev-dependency
    /// only): the same subject, issuer and validity.
    #[test]
    fn reads_what_x509_cert_reads() {
        use rcgen::{CertificateParams, DnType, DnValue, KeyPair};
        use x509_cert::der::Decode;
        let cases: Vec<Vec<(DnType, DnValue)>> = vec![
            vec![(DnType::CommonName, "mail.example.com".into())],
            vec![
                (
                    DnType::CountryName,
                    DnValue::PrintableString("DE".try_into().unwrap()),
                ),
                (
                    DnType::OrganizationName,
                    "Example, Inc. + \"friends\"".into(),
                ),
                (DnType::OrganizationalUnitName, " spaced ".into()),
                (DnType::LocalityName, "Zürich".into()),
                (DnType::StateOrProvinceName, "#hash".into()),
                (DnType::CommonName, "mx1.example.com".into()),
            ],
            vec![
                (
                    DnType::CustomDnType(vec![2, 5, 4, 15]),
                    "Private Organization".into(),
                ),
                (
                    DnType::CustomDnType(vec![1, 3, 6, 1, 4, 1, 311, 60, 2, 1, 3]),
                    DnValue::PrintableString("US".try_into().unwrap()),
                ),
                (DnType::CommonName, "ev.example.com".into()),
            ],
        ];
        let key = KeyPair::generate().unwrap();
        for (i, dn) in cases.into_iter().enumerate() {
            let mut params = CertificateParams::default();
            for (kind, value) in dn {
                params.distinguished_name.push(kind, value);
            }
            params.not_before = rcgen::date_time_ymd(2024, 2, 29);
            params.not_after = rcgen::date_time_ymd(2051, 12, 31);
            let der = params.self_signed(&key).unwrap().der().to_vec();
            let ours = Leaf::parse(&der).expect("our reader reads it");
            let theirs = x509_cert::Certificate::from_der(&der).unwrap();
            let tbs = &theirs.tbs_certificate;
            let seconds = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
            assert_eq!(
                ours.not_before,
                seconds(&tbs.validity.not_before),
                "case {i}"
            );
            assert_eq!(ours.not_after, seconds(&tbs.validity.not_after), "case {i}");
            assert_eq!(ours.not_before, days_from_civil(2024, 2, 29) * DAY);
            let expected = tbs.subject.to_string();
            if i < 2 {
                assert_eq!(ours.subject, expected, "case {i}");
            } else {
                // Types outside our short-name table are written as dotted OIDs with
                // the value in hex, as RFC 4514 says; x509-cert names more of them.
                assert_eq!(
                    ours.subject,
                    "1.3.6.1.4.1.311.60.2.1.3=#13025553,BUSINESSCATEGORY=Private \
                     Organization,CN=ev.example.com"
                );
                assert!(
                    expected.ends_with("BUSINESSCATEGORY=Private Organization,CN=ev.example.com"),
                    "{expected}"
                );
            }
            assert_eq!(ours.issuer, ours.subject, "self-signed: case {i}");
        }
    }

    #[test]
    fn times_in_both_encodings() {
        let utc = [&[UTC_TIME, 13][..], b"491231235959Z"].concat();
        assert_eq!(
            time(&utc).unwrap().0,
            days_from_civil(2049, 12, 31) * DAY + 86_399
        );
        let old = [&[UTC_TIME, 13][..], b"500101000000Z"].concat();
        assert_eq!(time(&old).unwrap().0, days_from_civil(1950, 1, 1) * DAY);
        let general = [&[GENERALIZED_TIME, 15][..], b"20510101000000Z"].concat();
        assert_eq!(time(&general).unwrap().0, days_from_civil(2051, 1, 1) * DAY);
        let local = [&[GENERALIZED_TIME, 14][..], b"20510101000000"].concat();
        assert_eq!(time(&local), None);
    }

    #[test]
    fn oids_in_dotted_form() {
        assert_eq!(dotted(&[0x55, 0x04, 0x03]).unwrap(), "2.5.4.3");
        assert_eq!(
            dotted(&[
                0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03
            ])
            .unwrap(),
            "1.3.6.1.4.1.311.60.2.1.3"
        );
    }
}
