//! POP3 responses (RFC 1939, RFC 2449): a status line, `+OK` or `-ERR` with its text, and
//! for the commands that have one (CAPA, LIST, UIDL, TOP, RETR) a multi-line body ended by
//! a line holding only `.`, each line dot-unstuffed. Whether a body follows depends on the
//! command, so the caller says what it expects before the response arrives.

use super::lines::{MailboxError, take_line, whole};
use crate::limits::{MAX_MAILBOX_LINE_LEN, MAX_MAILBOX_RESPONSE_BYTES};

/// A complete POP3 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pop3Response {
    /// `+OK` (true) or `-ERR` (false).
    pub ok: bool,
    /// The status line's text after the indicator.
    pub text: String,
    /// The body's lines, dot-unstuffed, for a multi-line `+OK`; empty otherwise.
    pub lines: Vec<String>,
}

/// Incremental POP3 response parser: say what the next response is with [`expect`], push
/// bytes, take responses.
///
/// [`expect`]: Pop3Parser::expect
#[derive(Default)]
pub struct Pop3Parser {
    buf: Vec<u8>,
    multi_line: bool,
    status: Option<(bool, String)>,
    lines: Vec<String>,
    size: usize,
}

/// Written by hand: the buffered bytes are the server's, and may echo the password.
impl std::fmt::Debug for Pop3Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Parser")
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Pop3Parser {
    /// A parser expecting a single-line response (the greeting).
    pub fn new() -> Self {
        Self::default()
    }

    /// Says whether the next response has a multi-line body when it is `+OK`.
    pub fn expect(&mut self, multi_line: bool) {
        self.multi_line = multi_line;
    }

    /// Adds bytes received from the server.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Whether bytes are waiting that no complete response took yet: after STLS's `+OK`
    /// there must be none, since they came before the handshake.
    pub fn has_buffered(&self) -> bool {
        !self.buf.is_empty() || self.status.is_some()
    }

    /// The next complete response; `Ok(None)` while more bytes are needed.
    pub fn next_response(&mut self) -> Result<Option<Pop3Response>, MailboxError> {
        while let Some(line) = take_line(&mut self.buf, MAX_MAILBOX_LINE_LEN)? {
            self.size += line.len() + 2;
            if self.size > MAX_MAILBOX_RESPONSE_BYTES {
                return Err(MailboxError::ResponseTooLong);
            }
            if self.status.is_none() {
                let (ok, text) = status(&line)?;
                if !ok || !self.multi_line {
                    self.size = 0;
                    return Ok(Some(Pop3Response {
                        ok,
                        text,
                        lines: Vec::new(),
                    }));
                }
                self.status = Some((ok, text));
                continue;
            }
            if line == b"." {
                let (ok, text) = self.status.take().unwrap_or((true, String::new()));
                self.size = 0;
                return Ok(Some(Pop3Response {
                    ok,
                    text,
                    lines: std::mem::take(&mut self.lines),
                }));
            }
            let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
            self.lines
                .push(String::from_utf8_lossy(unstuffed).into_owned());
        }
        Ok(None)
    }
}

/// A status line: `+OK text` or `-ERR text` (the text may be missing).
fn status(line: &[u8]) -> Result<(bool, String), MailboxError> {
    let (ok, rest) = if let Some(rest) = line.strip_prefix(b"+OK") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix(b"-ERR") {
        (false, rest)
    } else {
        return Err(MailboxError::Malformed(whole(line)));
    };
    if !(rest.is_empty() || rest[0] == b' ') {
        return Err(MailboxError::Malformed(whole(line)));
    }
    let text = String::from_utf8_lossy(rest.strip_prefix(b" ").unwrap_or(rest)).into_owned();
    Ok((ok, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(parser: &mut Pop3Parser, bytes: &[u8]) -> Vec<Pop3Response> {
        parser.push(bytes);
        let mut out = Vec::new();
        while let Some(response) = parser.next_response().unwrap() {
            out.push(response);
        }
        out
    }

    #[test]
    fn single_line_responses() {
        let mut parser = Pop3Parser::new();
        let got = parse(
            &mut parser,
            b"+OK Dovecot ready.\r\n-ERR [AUTH] Authentication failed.\r\n",
        );
        assert_eq!(got.len(), 2);
        assert!(got[0].ok && got[0].text == "Dovecot ready.");
        assert!(!got[1].ok && got[1].text == "[AUTH] Authentication failed.");
        assert_eq!(parse(&mut parser, b"+OK\n")[0].text, "", "bare LF, no text");
    }

    #[test]
    fn multi_line_bodies_are_dot_unstuffed() {
        let mut parser = Pop3Parser::new();
        parser.expect(true);
        let got = parse(
            &mut parser,
            b"+OK 2 messages\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n..dotted\r\n.\r\n",
        );
        assert_eq!(
            got,
            [Pop3Response {
                ok: true,
                text: "2 messages".into(),
                lines: vec!["1 whqtswO00WBw418f9t5JxYwZ".into(), ".dotted".into()],
            }]
        );
        // -ERR to a multi-line command has no body.
        let got = parse(&mut parser, b"-ERR no such message\r\n");
        assert_eq!(got[0].lines, Vec::<String>::new());
        assert!(!got[0].ok);
        // An empty body.
        assert_eq!(parse(&mut parser, b"+OK\r\n.\r\n")[0].lines.len(), 0);
    }

    #[test]
    fn broken_and_hostile_servers_are_errors() {
        let mut parser = Pop3Parser::new();
        parser.push(b"220 this is SMTP\r\n");
        assert!(matches!(
            parser.next_response(),
            Err(MailboxError::Malformed(_))
        ));
        let mut parser = Pop3Parser::new();
        parser.push(b"+OKAY\r\n");
        assert!(parser.next_response().is_err());
        let mut parser = Pop3Parser::new();
        parser.push(&vec![b'a'; MAX_MAILBOX_LINE_LEN + 1]);
        assert_eq!(
            parser.next_response(),
            Err(MailboxError::LineTooLong(MAX_MAILBOX_LINE_LEN))
        );
        let mut parser = Pop3Parser::new();
        parser.expect(true);
        parser.push(b"+OK\r\n");
        let line = vec![b'x'; 1000];
        let mut result = Ok(None);
        for _ in 0..(MAX_MAILBOX_RESPONSE_BYTES / 1000 + 2) {
            parser.push(&line);
            parser.push(b"\r\n");
            result = parser.next_response();
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(MailboxError::ResponseTooLong));
    }

    proptest! {
        /// However the bytes are split, the same responses come out.
        #[test]
        fn split_anywhere(cut in 0usize..60) {
            let stream = b"+OK 1 message\r\n1 abc\r\n..x\r\n.\r\n+OK bye\r\n";
            let cut = cut.min(stream.len());
            let mut whole = Pop3Parser::new();
            whole.expect(true);
            whole.push(stream);
            let first = whole.next_response().unwrap();
            whole.expect(false);
            let second = whole.next_response().unwrap();
            let mut split = Pop3Parser::new();
            split.expect(true);
            split.push(&stream[..cut]);
            let mut got = Vec::new();
            if let Some(r) = split.next_response().unwrap() {
                got.push(r);
                split.expect(false);
            }
            split.push(&stream[cut..]);
            while let Some(r) = split.next_response().unwrap() {
                got.push(r);
                split.expect(false);
            }
            prop_assert_eq!(got, vec![first.unwrap(), second.unwrap()]);
        }
    }
}
