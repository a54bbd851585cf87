//! SMTP reply parsing (RFC 5321 §4.2), byte by byte, with bounded memory.
//!
//! The parser is fed whatever the socket returned and hands out complete replies. It is
//! lenient where real servers are sloppy (bare LF line ends, a final line with no text, text
//! that is not UTF-8) and strict where leniency would hide a broken or hostile server (bad
//! codes, mixed codes in one reply, over-long lines, endless replies).

use crate::limits::{MAX_REPLY_LINE_LEN, MAX_REPLY_LINES};
use crate::wit::{EnhancedCode, Reply};
use std::fmt;

/// Why a server's bytes are not a valid reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// A line grew past `MAX_REPLY_LINE_LEN` without a line end: a broken or hostile server.
    LineTooLong,
    /// A reply went on past `MAX_REPLY_LINES` lines.
    TooManyLines,
    /// A line does not start with a three-digit reply code; carries the line (shortened).
    Malformed(String),
    /// The lines of one multi-line reply carry different codes.
    CodeChanged {
        /// The code of the reply's first line.
        first: u16,
        /// The differing code.
        later: u16,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong => write!(
                f,
                "the server sent a reply line longer than {MAX_REPLY_LINE_LEN} bytes without a line end"
            ),
            Self::TooManyLines => {
                write!(
                    f,
                    "the server sent a reply of more than {MAX_REPLY_LINES} lines"
                )
            }
            Self::Malformed(line) => {
                write!(
                    f,
                    "the server sent a line that is not an SMTP reply: {line:?}"
                )
            }
            Self::CodeChanged { first, later } => write!(
                f,
                "the server changed the reply code from {first} to {later} within one reply"
            ),
        }
    }
}

/// A line as the server sent it, without its line end, with its parsed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// The reply code.
    pub code: u16,
    /// True for the last line of a reply (`250 ...`, or `250` alone).
    pub last: bool,
    /// The text after the code and separator, lossily decoded.
    pub text: String,
    /// The whole line, lossily decoded, for the transcript.
    pub raw: String,
}

/// Incremental reply parser: `push` bytes, then take replies with `next_reply`.
#[derive(Debug, Default)]
pub struct ReplyParser {
    buf: Vec<u8>,
    lines: Vec<String>,
    code: Option<u16>,
}

impl ReplyParser {
    /// A parser with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the server.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// True when bytes are buffered that are not yet part of a complete reply. After a reply
    /// that ends plain text (the 220 to STARTTLS), any such byte was injected.
    pub fn has_buffered(&self) -> bool {
        !self.buf.is_empty() || !self.lines.is_empty()
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed, with every line seen
    /// handed to `on_line` (for the transcript) as it completes.
    pub fn next_reply(
        &mut self,
        mut on_line: impl FnMut(&ReplyLine),
    ) -> Result<Option<Reply>, ReplyError> {
        loop {
            let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.buf.len() >= MAX_REPLY_LINE_LEN {
                    return Err(ReplyError::LineTooLong);
                }
                return Ok(None);
            };
            if end + 1 > MAX_REPLY_LINE_LEN {
                return Err(ReplyError::LineTooLong);
            }
            let raw: Vec<u8> = self.buf.drain(..=end).collect();
            let line = parse_line(&raw)?;
            on_line(&line);
            let first = *self.code.get_or_insert(line.code);
            if first != line.code {
                return Err(ReplyError::CodeChanged {
                    first,
                    later: line.code,
                });
            }
            self.lines.push(line.text);
            if line.last {
                let lines = std::mem::take(&mut self.lines);
                self.code = None;
                return Ok(Some(make_reply(first, lines)));
            }
            if self.lines.len() >= MAX_REPLY_LINES {
                return Err(ReplyError::TooManyLines);
            }
        }
    }
}

/// Builds a reply from its code and line texts, parsing the enhanced code of the first line.
pub fn make_reply(code: u16, lines: Vec<String>) -> Reply {
    let enhanced_code = lines
        .first()
        .and_then(|text| parse_enhanced_code(code, text));
    Reply {
        code,
        enhanced_code,
        lines,
    }
}

/// Parses one line (with its LF, and CR if any) into code, continuation flag and text.
fn parse_line(raw: &[u8]) -> Result<ReplyLine, ReplyError> {
    let line = raw.strip_suffix(b"\n").unwrap_or(raw);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let lossy = String::from_utf8_lossy(line).into_owned();
    let malformed = || ReplyError::Malformed(shorten(&lossy));
    let digits = line.get(..3).ok_or_else(malformed)?;
    let valid_code = matches!(digits[0], b'2'..=b'5')
        && matches!(digits[1], b'0'..=b'5')
        && digits[2].is_ascii_digit();
    if !valid_code {
        return Err(malformed());
    }
    let code = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let (last, text) = match line.get(3) {
        None => (true, &[][..]),
        Some(b' ') => (true, &line[4..]),
        Some(b'-') => (false, &line[4..]),
        Some(_) => return Err(malformed()),
    };
    Ok(ReplyLine {
        code,
        last,
        text: String::from_utf8_lossy(text).into_owned(),
        raw: lossy,
    })
}

/// Parses an RFC 3463 enhanced status code (`5.7.1 ...`) at the start of `text`, accepted
/// only when its class matches the reply code's first digit.
fn parse_enhanced_code(code: u16, text: &str) -> Option<EnhancedCode> {
    let token = text.split(' ').next()?;
    let mut parts = token.split('.');
    let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |s: &str, max_len: usize| -> Option<u16> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let class = number(class, 1)?;
    if !matches!(class, 2 | 4 | 5) || class != code / 100 {
        return None;
    }
    Some(EnhancedCode {
        class: class as u8,
        subject: number(subject, 3)?,
        detail: number(detail, 3)?,
    })
}

/// Shortens a line for an error message.
fn shorten(line: &str) -> String {
    const MAX: usize = 80;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}

/// A reply as one line: code, then every line's text joined, e.g.
/// `554 5.3.2 no service | try later`.
pub fn reply_text(reply: &Reply) -> String {
    reply_words(reply.code, &reply.lines)
}

/// A reply's code and lines as one line, empty lines left out. The host formats replies with
/// this too (its contract types are its own), so both say a reply the same way.
pub fn reply_words(code: u16, lines: &[String]) -> String {
    let text: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .collect();
    if text.is_empty() {
        code.to_string()
    } else {
        format!("{code} {}", text.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Reply>, ReplyError> {
        let mut parser = ReplyParser::new();
        parser.push(input);
        let mut replies = Vec::new();
        while let Some(reply) = parser.next_reply(|_| {})? {
            replies.push(reply);
        }
        Ok(replies)
    }

    #[test]
    fn single_line() {
        let replies = parse_all(b"220 mail.example ESMTP ready\r\n").unwrap();
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].code, 220);
        assert_eq!(replies[0].lines, ["mail.example ESMTP ready"]);
        assert_eq!(replies[0].enhanced_code, None);
    }

    #[test]
    fn multi_line_keeps_every_line() {
        let replies = parse_all(b"220-first\r\n220-second\r\n220 third\r\n").unwrap();
        assert_eq!(replies[0].lines, ["first", "second", "third"]);
    }

    #[test]
    fn final_line_without_text() {
        let replies = parse_all(b"250-mail.example\r\n250\r\n").unwrap();
        assert_eq!(replies[0].code, 250);
        assert_eq!(replies[0].lines, ["mail.example", ""]);
    }

    #[test]
    fn bare_lf_and_split_input() {
        let mut parser = ReplyParser::new();
        for byte in b"250-a\n250 b\n" {
            assert!(parser.next_reply(|_| {}).unwrap().is_none());
            parser.push(&[*byte]);
        }
        let reply = parser.next_reply(|_| {}).unwrap().unwrap();
        assert_eq!(reply.lines, ["a", "b"]);
        assert!(!parser.has_buffered());
    }

    #[test]
    fn non_utf8_text_is_kept_lossily() {
        let replies = parse_all(b"220 caf\xe9\r\n").unwrap();
        assert_eq!(replies[0].lines, ["caf\u{fffd}"]);
    }

    #[test]
    fn enhanced_code_parsed_when_class_matches() {
        let replies = parse_all(b"550 5.7.1 Relaying denied\r\n451 5.1.1 mismatch\r\n").unwrap();
        assert_eq!(
            replies[0].enhanced_code,
            Some(EnhancedCode {
                class: 5,
                subject: 7,
                detail: 1
            })
        );
        assert_eq!(replies[0].lines, ["5.7.1 Relaying denied"]);
        assert_eq!(replies[1].enhanced_code, None);
    }

    #[test]
    fn enhanced_code_rejects_near_misses() {
        for text in ["2.0", "2.0.0.0", "2.1000.0", "x.0.0", "2..0", "20.0.0"] {
            assert_eq!(parse_enhanced_code(250, text), None, "{text}");
        }
        assert_eq!(
            parse_enhanced_code(250, "2.0.0"),
            Some(EnhancedCode {
                class: 2,
                subject: 0,
                detail: 0
            })
        );
    }

    #[test]
    fn malformed_lines_are_errors() {
        for input in [
            &b"hello\r\n"[..],
            b"22\r\n",
            b"620 x\r\n",
            b"2x0 x\r\n",
            b"250x\r\n",
        ] {
            assert!(
                matches!(parse_all(input), Err(ReplyError::Malformed(_))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn code_change_within_reply_is_an_error() {
        assert_eq!(
            parse_all(b"250-a\r\n251 b\r\n"),
            Err(ReplyError::CodeChanged {
                first: 250,
                later: 251
            })
        );
    }

    #[test]
    fn overlong_line_without_newline_is_caught_early() {
        let mut parser = ReplyParser::new();
        parser.push(&[b'2'; MAX_REPLY_LINE_LEN]);
        assert_eq!(parser.next_reply(|_| {}), Err(ReplyError::LineTooLong));
    }

    #[test]
    fn overlong_line_with_newline_is_an_error() {
        let mut input = b"250 ".to_vec();
        input.extend(std::iter::repeat_n(b'a', MAX_REPLY_LINE_LEN));
        input.extend(b"\r\n");
        assert_eq!(parse_all(&input), Err(ReplyError::LineTooLong));
    }

    #[test]
    fn endless_reply_is_an_error() {
        let input = b"250-x\r\n".repeat(MAX_REPLY_LINES + 1);
        assert_eq!(parse_all(&input), Err(ReplyError::TooManyLines));
    }

    #[test]
    fn lines_are_reported_with_raw_text() {
        let mut parser = ReplyParser::new();
        parser.push(b"250-a\r\n250 b\r\n");
        let mut seen = Vec::new();
        parser
            .next_reply(|line| seen.push(line.raw.clone()))
            .unwrap();
        assert_eq!(seen, ["250-a", "250 b"]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Every reply, then the first error, as text, from `chunks` fed in turn.
    fn events(chunks: &[&[u8]]) -> Vec<String> {
        let mut parser = ReplyParser::new();
        let mut events = Vec::new();
        for chunk in chunks {
            parser.push(chunk);
            loop {
                match parser.next_reply(|_| {}) {
                    Ok(Some(reply)) => events.push(format!("{reply:?}")),
                    Ok(None) => break,
                    Err(error) => {
                        events.push(format!("error: {error}"));
                        return events;
                    }
                }
            }
        }
        events
    }

    /// A server's stream: replies of one to four lines, mostly well formed.
    fn stream() -> impl Strategy<Value = Vec<u8>> {
        let line = ("[2-5][0-5][0-9]", "[ -~]{0,40}", prop::bool::ANY);
        prop::collection::vec(prop::collection::vec(line, 1..4), 0..6).prop_map(|replies| {
            let mut bytes = Vec::new();
            for reply in replies {
                let last = reply.len() - 1;
                for (i, (code, text, bare_lf)) in reply.into_iter().enumerate() {
                    let separator = if i == last { ' ' } else { '-' };
                    let end = if bare_lf { "\n" } else { "\r\n" };
                    bytes.extend_from_slice(format!("{code}{separator}{text}{end}").as_bytes());
                }
            }
            bytes
        })
    }

    proptest! {
        #[test]
        fn a_stream_split_at_any_byte_parses_the_same(bytes in stream(), cuts in prop::collection::vec(0usize..64, 0..8)) {
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut rest = &bytes[..];
            for cut in cuts {
                let (chunk, tail) = rest.split_at(cut.min(rest.len()));
                chunks.push(chunk);
                rest = tail;
            }
            chunks.push(rest);
            prop_assert_eq!(events(&[&bytes]), events(&chunks));
        }

        #[test]
        fn byte_by_byte_parses_the_same(bytes in stream()) {
            let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(events(&[&bytes]), events(&chunks));
        }
    }
}
