//! The server's words are untrusted input: its banner, replies and capability keywords
//! reach every output. These make them harmless: a terminal never receives the server's
//! escape sequences, a server's CR or LF never starts an output line, and no text can pass
//! for another field.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character (C0, DEL, C1) and every bidirectional formatting
/// character shown as an escape (`\r`, `\n`, `\t`, `\x1b`, `\u{202e}`), so that what is
/// printed is what the server sent, visibly, and nothing a terminal acts on.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the Unicode bidirectional controls that can make a line read
/// differently from what it holds.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters of `text`, ending in "..." when cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    Cow::Owned(kept + "...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(
            printable("220 mail.example ESMTP"),
            "220 mail.example ESMTP"
        );
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[31mred\u{1b}]0;title\u{7}\r\nb\0c\u{9b}d\u{7f}"),
            "a\\x1b[31mred\\x1b]0;title\\x07\\r\\nb\\x00c\\x9bd\\x7f"
        );
        assert_eq!(printable("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert_eq!(printable("grüße | ok"), "grüße | ok");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("äöüäöüäöüä", 10), "äöüäöüäöüä");
        assert_eq!(truncate("äöüäöüäöüäö", 10), "äöüäöüä...");
    }
}
