//! What the `_mta-sts` (RFC 8461 3.1) and `_smtp._tls` (RFC 8460 3) TXT records share: a
//! record's strings are joined without spaces; the records that begin with the version
//! tag are the candidates, and there must be exactly one; the rest is `name=value` fields
//! after `;`, white space allowed around each `;` and nowhere else (both RFCs' ABNF:
//! `field-delim = *WSP ";" *WSP`). Both are read strictly: a record the grammar rejects is
//! one senders must treat as absent, so the check says why.

use std::fmt;

use super::name::{lossy, shown};

/// Which TXT record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `_mta-sts.DOMAIN`, `v=STSv1` (RFC 8461 3.1).
    MtaSts,
    /// `_smtp._tls.DOMAIN`, `v=TLSRPTv1` (RFC 8460 3).
    TlsRpt,
}

impl RecordKind {
    /// The version field every record of this kind begins with.
    pub fn version(self) -> &'static str {
        match self {
            Self::MtaSts => "v=STSv1",
            Self::TlsRpt => "v=TLSRPTv1",
        }
    }

    /// The record's name below the domain.
    pub fn label(self) -> &'static str {
        match self {
            Self::MtaSts => "_mta-sts",
            Self::TlsRpt => "_smtp._tls",
        }
    }

    /// What senders do when the record is not one valid record.
    fn consequence(self) -> &'static str {
        match self {
            Self::MtaSts => "senders take the domain to have no MTA-STS policy (RFC 8461 3.1)",
            Self::TlsRpt => "senders take the domain to want no TLS reports (RFC 8460 3)",
        }
    }
}

/// The most bytes of a record an error keeps.
const KEPT_BYTES: usize = 256;

/// Why a domain's TXT records of one kind are not one valid record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// More than one record begins with the version: senders use none of them.
    Several {
        /// Which record.
        kind: RecordKind,
        /// How many begin with the version.
        count: usize,
        /// The first two, as text (lossy, at most 256 bytes each).
        first: String,
        /// The second.
        second: String,
    },
    /// The one record breaks the grammar.
    Invalid {
        /// Which record.
        kind: RecordKind,
        /// The record, as text (lossy, at most 256 bytes).
        record: String,
        /// What is wrong, in words.
        reason: String,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Several {
                kind,
                count,
                first,
                second,
            } => write!(
                f,
                "{count} TXT records at {} begin with {}, where there must be one ({} and {}); \
                 {}",
                kind.label(),
                kind.version(),
                shown(first),
                shown(second),
                kind.consequence()
            ),
            Self::Invalid {
                kind,
                record,
                reason,
            } => write!(
                f,
                "the {} TXT record {} is not valid: {reason}; {}",
                kind.label(),
                shown(record),
                kind.consequence()
            ),
        }
    }
}

impl std::error::Error for RecordError {}

/// The one record of `kind` among a name's TXT records (each a list of strings, as DNS
/// gives them), its strings joined: `None` when no record begins with the version. A
/// record counts when it begins with the version followed by `;`, white space or nothing
/// (the grammar's `version *WSP ";"`, and a bare version, which is then invalid: RFC 8461
/// 3.1 and RFC 8460 3 say "records which do not begin with `v=...;` are discarded", which
/// the grammar's white space before `;` widens).
pub(super) fn select(
    kind: RecordKind,
    records: &[Vec<Vec<u8>>],
) -> Result<Option<Vec<u8>>, RecordError> {
    let version = kind.version().as_bytes();
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut count = 0;
    for strings in records {
        let joined = strings.concat();
        let Some(rest) = joined.strip_prefix(version) else {
            continue;
        };
        if matches!(rest.first(), None | Some(b';' | b' ' | b'\t')) {
            count += 1;
            if found.len() < 2 {
                found.push(joined);
            }
        }
    }
    match count {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(RecordError::Several {
            kind,
            count,
            first: lossy(&found[0], KEPT_BYTES),
            second: lossy(&found[1], KEPT_BYTES),
        }),
    }
}

/// The error for `record` of `kind`, invalid for `reason`.
pub(super) fn invalid(kind: RecordKind, record: &[u8], reason: String) -> RecordError {
    RecordError::Invalid {
        kind,
        record: lossy(record, KEPT_BYTES),
        reason,
    }
}

/// The `name=value` fields of `record` (which [`select`] picked), in order, each value as
/// written: the grammar's `1*(field-delim field) [field-delim]` after the version, with
/// `field-delim = *WSP ";" *WSP`. Values may hold white space (TLS-RPT's `rua` allows it
/// around its commas); [`is_extension_value`] says whether one is a plain value.
pub(super) fn fields(kind: RecordKind, record: &[u8]) -> Result<Vec<(String, String)>, String> {
    if let Some(at) = record.iter().position(|b| !b.is_ascii()) {
        return Err(format!(
            "byte {} of it (0x{:02x}) is not US-ASCII",
            at + 1,
            record[at]
        ));
    }
    if let Some(at) = record
        .iter()
        .position(|&b| b.is_ascii_control() && b != b'\t')
    {
        return Err(format!(
            "byte {} of it is a control character (0x{:02x})",
            at + 1,
            record[at]
        ));
    }
    // ASCII throughout, so the text is the bytes.
    let text = String::from_utf8_lossy(record);
    let rest = &text[kind.version().len()..];
    let mut pieces = rest.split(';');
    let before = pieces.next().unwrap_or_default();
    if !before.bytes().all(is_wsp) {
        return Err(format!(
            "{} must be followed by \";\", not {}",
            kind.version(),
            shown(before.trim_matches(is_wsp_char))
        ));
    }
    let pieces: Vec<&str> = pieces.collect();
    let last = pieces.len().saturating_sub(1);
    let mut fields = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        let field = piece.trim_matches(is_wsp_char);
        if field.is_empty() {
            // A `;` may end the record (`[field-delim]`).
            if index == last {
                break;
            }
            return Err("it has an empty field (two \";\" with nothing between)".into());
        }
        if index == last && piece.ends_with(is_wsp_char) {
            return Err(format!(
                "white space follows its last field {} (white space is allowed only \
                 around \";\")",
                shown(field)
            ));
        }
        let Some((name, value)) = field.split_once('=') else {
            return Err(format!("the field {} is not name=value", shown(field)));
        };
        if !is_field_name(name) {
            return Err(format!(
                "the field name {} is not one (a letter or digit, then at most 31 letters, \
                 digits, \"_\", \"-\" or \".\")",
                shown(name)
            ));
        }
        fields.push((name.to_string(), value.to_string()));
    }
    Ok(fields)
}

/// Whether `name` is a field name: `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
fn is_field_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.len() <= 32
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// Whether `value` is an extension field's value: `1*(%x21-3A / %x3C / %x3E-7E)`, printable
/// ASCII without `=`, `;` or space.
pub(super) fn is_extension_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'=' && b != b';')
}

/// The error for an extension field whose value is not one.
pub(super) fn bad_extension(name: &str, value: &str) -> String {
    format!(
        "the value {} of the field {name:?} is not one (printable characters without \"=\", \
         \";\" or space, at least one)",
        shown(value)
    )
}

/// `WSP`: space or tab.
fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// [`is_wsp`] for characters.
fn is_wsp_char(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> Vec<Vec<u8>> {
        vec![text.as_bytes().to_vec()]
    }

    #[test]
    fn strings_are_joined_without_spaces() {
        let split = vec![b"v=STSv1; id=2016".to_vec(), b"0831085700Z;".to_vec()];
        assert_eq!(
            select(RecordKind::MtaSts, &[split]).unwrap().unwrap(),
            b"v=STSv1; id=20160831085700Z;"
        );
    }

    #[test]
    fn only_records_beginning_with_the_version_count() {
        let records = [
            record("v=spf1 -all"),
            record("v=STSv10; id=1"),
            record("V=STSv1; id=1"),
            record(" v=STSv1; id=1"),
            record("google-site-verification=abc"),
        ];
        assert_eq!(select(RecordKind::MtaSts, &records).unwrap(), None);
        assert_eq!(select(RecordKind::MtaSts, &[]).unwrap(), None);
        for counted in ["v=STSv1", "v=STSv1;", "v=STSv1 ;id=1", "v=STSv1\t;id=1"] {
            assert!(
                select(RecordKind::MtaSts, &[record(counted)])
                    .unwrap()
                    .is_some(),
                "{counted}"
            );
        }
    }

    #[test]
    fn two_records_name_both() {
        let records = [
            record("v=STSv1; id=a"),
            record("v=spf1 -all"),
            record("v=STSv1; id=b"),
            record("v=STSv1; id=c"),
        ];
        let error = select(RecordKind::MtaSts, &records).unwrap_err();
        assert_eq!(
            error,
            RecordError::Several {
                kind: RecordKind::MtaSts,
                count: 3,
                first: "v=STSv1; id=a".into(),
                second: "v=STSv1; id=b".into(),
            }
        );
        let words = error.to_string();
        assert!(words.contains("3 TXT records at _mta-sts"), "{words}");
        assert!(words.contains("\"v=STSv1; id=b\""), "{words}");
        assert!(words.contains("no MTA-STS policy"), "{words}");
    }

    #[test]
    fn fields_follow_the_grammar() {
        let kind = RecordKind::MtaSts;
        let ok = |text: &str| fields(kind, text.as_bytes()).unwrap();
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ok("v=STSv1; id=1;"), pairs(&[("id", "1")]));
        assert_eq!(ok("v=STSv1;id=1"), pairs(&[("id", "1")]));
        assert_eq!(
            ok("v=STSv1 \t; id=1 ;\tx.y-z=a ;  "),
            pairs(&[("id", "1"), ("x.y-z", "a")])
        );
        assert_eq!(ok("v=STSv1"), pairs(&[]));
        let err = |text: &str| fields(kind, text.as_bytes()).unwrap_err();
        assert!(err("v=STSv1 id=1").contains("followed by \";\""));
        assert!(err("v=STSv1;; id=1").contains("empty field"));
        assert!(err("v=STSv1; id=1 ").contains("white space follows"));
        assert!(err("v=STSv1; id").contains("not name=value"));
        assert!(err("v=STSv1; _x=1").contains("field name"));
        assert!(err("v=STSv1; id=1\r\n").contains("control character"));
        assert!(err("v=STSv1; id=\u{e9}").contains("not US-ASCII"));
        let long_name = format!("v=STSv1; {}=1", "a".repeat(33));
        assert!(err(&long_name).contains("field name"));
    }

    #[test]
    fn extension_values_are_printable_without_separators() {
        assert!(is_extension_value("abc:/!~"));
        for bad in ["", "a b", "a=b", "a;b", "a\tb"] {
            assert!(!is_extension_value(bad), "{bad:?}");
        }
    }
}
