//! The test email as it goes over the wire: RFC 5322 headers (the subject encoded per RFC
//! 2047 when it is not ASCII), a text/plain UTF-8 body in quoted-printable (so every line
//! stays short and 7-bit whatever the user wrote), CRLF line ends, and SMTP dot-stuffing.

use crate::dates;
use crate::limits::MAX_MESSAGE_LINE_LEN;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// What the message says, and the facts the caller brings (time, a unique id).
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// The sender address.
    pub from: &'a str,
    /// The recipient addresses.
    pub to: &'a [String],
    /// The subject, any text.
    pub subject: &'a str,
    /// The body, any text; LF or CRLF line ends.
    pub body: &'a str,
    /// When it is sent, seconds since the Unix epoch.
    pub date: i64,
    /// The Message-ID, without angle brackets.
    pub message_id: &'a str,
}

/// The message, CRLF line ends, not yet dot-stuffed.
pub fn compose(draft: &Draft) -> Vec<u8> {
    let headers = [
        format!("From: {}", draft.from),
        fold_list("To: ", draft.to),
        format!("Subject: {}", header_text(draft.subject)),
        format!("Date: {}", dates::rfc5322(draft.date)),
        format!("Message-ID: <{}>", draft.message_id),
        "MIME-Version: 1.0".to_string(),
        "Content-Type: text/plain; charset=UTF-8".to_string(),
        "Content-Transfer-Encoding: quoted-printable".to_string(),
        "X-Mailer: smtp-sensor".to_string(),
    ];
    let mut message = headers.join("\r\n");
    message.push_str("\r\n\r\n");
    message.push_str(&quoted_printable(draft.body));
    message.push_str("\r\n");
    message.into_bytes()
}

/// The message as DATA sends it: a '.' doubled at the start of a line (RFC 5321
/// §4.5.2), then the terminating `.` line.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut line_start = true;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        line_start = byte == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// True when an address needs SMTPUTF8 (RFC 6531): it is not ASCII.
pub fn needs_smtputf8(address: &str) -> bool {
    !address.is_ascii()
}

/// A header's text: printable ASCII as is, folded at its spaces onto lines within the
/// limit (RFC 5322 2.2.3: unfolded, it reads as written, so filters that match the raw
/// header, such as a receiver's header checks, see the words); else RFC 2047 encoded words
/// (UTF-8, base64), each within the 75-character limit, folded onto lines of their own.
pub fn header_text(text: &str) -> String {
    let printable = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !text.contains("=?")
        && !text.starts_with(' ');
    if printable && let Some(folded) = folded_at_spaces(text) {
        return folded;
    }
    // 45 bytes of UTF-8 make 60 base64 characters: 72 with the "=?UTF-8?B?" and "?=".
    const CHUNK: usize = 45;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > CHUNK {
            words.push(format!("=?UTF-8?B?{}?=", BASE64.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", BASE64.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// `text` folded before spaces so that no line is longer than the limit less the room of
/// a header's name (`Subject: `); none when a word alone is longer.
fn folded_at_spaces(text: &str) -> Option<String> {
    const ROOM: usize = MAX_MESSAGE_LINE_LEN - 10;
    if text.split(' ').any(|word| word.len() + 1 > ROOM) {
        return None;
    }
    Some(fold(0, text.split(' '), "", ROOM))
}

/// A list of addresses for a header, folded so no line gets long.
fn fold_list(name: &str, addresses: &[String]) -> String {
    let list = fold(
        name.len(),
        addresses.iter().map(String::as_str),
        ",",
        MAX_MESSAGE_LINE_LEN,
    );
    format!("{name}{list}")
}

/// `words` joined by `joint` and a space, folded before the space (RFC 5322 2.2.3: unfolded,
/// it reads as written) so that no line passes `limit`, the first starting `start` in.
fn fold<'a>(
    start: usize,
    words: impl Iterator<Item = &'a str>,
    joint: &str,
    limit: usize,
) -> String {
    let mut out = String::new();
    let mut line_len = start;
    for (i, word) in words.enumerate() {
        if i > 0 {
            out.push_str(joint);
            if line_len + joint.len() + 1 + word.len() > limit {
                out.push_str("\r\n");
                line_len = 0;
            }
            out.push(' ');
            line_len += joint.len() + 1;
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, lines joined with CRLF, every encoded
/// line at most 76 characters.
pub fn quoted_printable(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut out = String::new();
        let mut len = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal =
                (b.is_ascii_graphic() && b != b'=') || ((b == b' ' || b == b'\t') && !last);
            let piece = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            // Leave room for the soft break's "=".
            if len + piece.len() > MAX_MESSAGE_LINE_LEN - 1 {
                out.push_str("=\r\n");
                len = 0;
            }
            len += piece.len();
            out.push_str(&piece);
        }
        lines.push(out);
    }
    lines.join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>(to: &'a [String], subject: &'a str, body: &'a str) -> Draft<'a> {
        Draft {
            from: "probe@example.com",
            to,
            subject,
            body,
            date: 1_795_795_199,
            message_id: "abc@probe.test",
        }
    }

    #[test]
    fn headers_and_body() {
        let to = vec!["a@example.com".to_string(), "b@example.com".to_string()];
        let message =
            String::from_utf8(compose(&draft(&to, "Hello", "line one\nline two"))).unwrap();
        let (head, body) = message.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("From: probe@example.com\r\n"));
        assert!(head.contains("To: a@example.com, b@example.com\r\n"));
        assert!(head.contains("Subject: Hello\r\n"));
        assert!(head.contains("Date: Fri, 27 Nov 2026 15:59:59 +0000\r\n"));
        assert!(head.contains("Message-ID: <abc@probe.test>\r\n"));
        assert!(head.contains("Content-Type: text/plain; charset=UTF-8"));
        assert_eq!(body, "line one\r\nline two\r\n");
        assert!(!message.replace("\r\n", "").contains('\n'), "CRLF only");
    }

    #[test]
    fn a_long_ascii_subject_is_folded_not_encoded() {
        let subject = "smtp-sensor test message smtp-sensor-roundtrip-1796643529-64c5a4a60c120ba1";
        let folded = header_text(subject);
        assert_eq!(
            folded,
            "smtp-sensor test message\r\n smtp-sensor-roundtrip-1796643529-64c5a4a60c120ba1"
        );
        assert_eq!(folded.replace("\r\n", ""), subject, "unfolds as written");
        for line in format!("Subject: {folded}").split("\r\n") {
            assert!(line.len() <= MAX_MESSAGE_LINE_LEN, "{line}");
        }
        assert_eq!(header_text("Hello"), "Hello");
        // A word too long to fold is encoded.
        assert!(header_text(&"x".repeat(80)).starts_with("=?UTF-8?B?"));
    }

    #[test]
    fn non_ascii_subject_is_encoded() {
        assert_eq!(header_text("Grüße"), "=?UTF-8?B?R3LDvMOfZQ==?=");
        let long = "é".repeat(100);
        let encoded = header_text(&long);
        for line in encoded.split("\r\n") {
            assert!(line.trim_start().len() <= 75, "{line}");
        }
        assert_eq!(encoded.matches("=?UTF-8?B?").count(), 5);
        assert_eq!(header_text(""), "");
        assert_eq!(
            header_text("=?x?= looks encoded"),
            "=?UTF-8?B?PT94Pz0gbG9va3MgZW5jb2RlZA==?="
        );
    }

    #[test]
    fn quoted_printable_keeps_lines_short_and_7bit() {
        let body = format!("{}\ncafé = 1 \nend", "x".repeat(200));
        let encoded = quoted_printable(&body);
        for line in encoded.split("\r\n") {
            assert!(line.len() <= 76, "{} chars: {line}", line.len());
            assert!(line.is_ascii());
        }
        assert!(encoded.contains("caf=C3=A9 =3D 1=20\r\nend"), "{encoded}");
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(
            dot_stuff(b"a\r\n.hidden\r\n..two\r\n"),
            b"a\r\n..hidden\r\n...two\r\n.\r\n"
        );
        assert_eq!(dot_stuff(b".first"), b"..first\r\n.\r\n");
        assert_eq!(dot_stuff(b"mid.dle\r\n"), b"mid.dle\r\n.\r\n");
    }

    #[test]
    fn long_recipient_lists_fold() {
        let to: Vec<String> = (0..10)
            .map(|i| format!("recipient{i}@example.com"))
            .collect();
        let header = fold_list("To: ", &to);
        assert!(header.split("\r\n").all(|l| l.len() <= 78), "{header}");
        assert_eq!(header.matches('@').count(), 10);
    }

    #[test]
    fn smtputf8_needed_for_non_ascii_addresses() {
        assert!(needs_smtputf8("jörg@example.com"));
        assert!(!needs_smtputf8("joerg@example.com"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// What a receiver does with DATA (RFC 5321 §4.5.2): lines up to the lone `.`, each
    /// leading `.` removed. Returns the message and what followed the end, if anything.
    fn unstuff(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut message = Vec::new();
        let mut rest = data;
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n")?;
            let (line, tail) = (&rest[..end], &rest[end + 2..]);
            if line == b"." {
                return Some((message, tail.to_vec()));
            }
            message.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
            message.extend_from_slice(b"\r\n");
            rest = tail;
        }
    }

    proptest! {
        #[test]
        fn dot_stuffing_round_trips(lines in prop::collection::vec("[.]{0,3}[^\r\n]{0,20}", 1..12)) {
            let message: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\r\n").into_bytes()).collect();
            let (received, after) = unstuff(&dot_stuff(&message)).expect("the data ends");
            prop_assert_eq!(received, message);
            prop_assert!(after.is_empty(), "nothing after the end");
        }

        #[test]
        fn no_message_ends_the_data_early(message in prop::collection::vec(prop::sample::select(b".\r\nab".to_vec()), 0..40)) {
            // Whatever the bytes (bare CR, bare LF, dots), the only lone `.` line a receiver
            // sees is the terminator, and nothing follows it.
            let (_, after) = unstuff(&dot_stuff(&message)).expect("the data ends");
            prop_assert!(after.is_empty(), "data went on after a premature end: {after:?}");
            let stuffed = dot_stuff(&message);
            let body = &stuffed[..stuffed.len() - 3];
            prop_assert!(!body.windows(3).any(|w| w == b"\n.\n" || w == b"\n.\r"), "{body:?}");
        }
    }
}
