//! Domain names as MTA-STS and TLS-RPT write them: RFC 5321 4.1.2's `Domain` (letters,
//! digits and hyphens in dot-separated labels, A-labels for international names), and how
//! a value is shown in an error.

use crate::limits::MAX_HOST_LEN;

/// The longest label of a domain name (RFC 1035 2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Why `name` is not a domain name in RFC 5321 4.1.2's `Domain` syntax (no trailing dot,
/// no wildcard): `None` when it is one.
pub(super) fn domain_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > MAX_HOST_LEN {
        return Some(format!("it is longer than {MAX_HOST_LEN} characters"));
    }
    if !name.is_ascii() {
        return Some(
            "it is not ASCII: an international name must be written as its A-label \
             (xn--...)"
                .into(),
        );
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Some("it has an empty label (two dots, or a dot at an end)".into());
        }
        if label.len() > MAX_LABEL_LEN {
            return Some(format!(
                "its label {} is longer than {MAX_LABEL_LEN} characters",
                shown(label)
            ));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
        {
            return Some(format!(
                "it holds {bad:?}, where only letters, digits, hyphens and dots are allowed"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!(
                "its label {} starts or ends with a hyphen",
                shown(label)
            ));
        }
    }
    None
}

/// How many characters of a value an error message shows.
const SHOWN_CHARS: usize = 80;

/// `text` quoted for an error message, control characters escaped, shortened to
/// [`SHOWN_CHARS`] characters (and `...` when it was longer).
pub(super) fn shown(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(SHOWN_CHARS).collect();
    if chars.next().is_some() {
        format!("{head:?}...")
    } else {
        format!("{head:?}")
    }
}

/// Bytes as text for an error message: lossy, at most `longest` bytes of them kept.
pub(super) fn lossy(bytes: &[u8], longest: usize) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(longest)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_follow_rfc_5321() {
        for good in [
            "example.com",
            "mx1.example.com",
            "xn--bcher-kva.example",
            "a",
            "1.2",
        ] {
            assert_eq!(domain_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "example..com",
            ".example.com",
            "example.com.",
            "-mx.example.com",
            "mx-.example.com",
            "mx_1.example.com",
            "mx example.com",
            "bücher.example",
            "*.example.com",
        ] {
            assert!(domain_problem(bad).is_some(), "{bad}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(domain_problem(&long_label).unwrap().contains("63"));
        let long_name = ["abcdefghi"; 30].join(".");
        assert!(domain_problem(&long_name).unwrap().contains("253"));
    }

    #[test]
    fn shown_values_are_quoted_escaped_and_short() {
        assert_eq!(shown("a\"b"), r#""a\"b""#);
        assert_eq!(shown("a\r\n"), r#""a\r\n""#);
        let long = "x".repeat(200);
        assert_eq!(shown(&long), format!("{:?}...", "x".repeat(80)));
        assert_eq!(lossy(b"ab\xffcd", 4), "ab\u{fffd}c");
    }
}
