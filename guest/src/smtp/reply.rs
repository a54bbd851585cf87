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
mod tests;

#[cfg(test)]
mod properties;
