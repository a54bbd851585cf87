//! IMAP responses (RFC 9051, RFC 3501): tagged status responses (`A1 OK ...`), untagged
//! data (`* 3 EXISTS`, `* SEARCH 4 7`, `* 1 FETCH (... {42}` followed by 42 bytes of a
//! literal, and the rest of the line), and continuation requests (`+ ...`). A literal may
//! hold any bytes, line ends included, so lines are read around them: the parser counts
//! the literal's bytes instead of looking for a line end inside it.

use super::lines::{MailboxError, take_line, whole};
use crate::limits::{MAX_IMAP_LINE_LEN, MAX_MAILBOX_RESPONSE_BYTES};

/// The status of a tagged response (or of an untagged OK, NO, BAD, PREAUTH or BYE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapStatus {
    /// The command succeeded.
    Ok,
    /// The command failed (the server's words say why).
    No,
    /// The command was not understood.
    Bad,
}

/// A complete IMAP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapResponse {
    /// The end of a command: its tag, status and text.
    Tagged {
        /// The command's tag.
        tag: String,
        /// Whether it succeeded.
        status: ImapStatus,
        /// The text after the status (with a response code such as `[UIDNEXT 9]`).
        text: String,
    },
    /// Data or a status the server sends outside a command's end (`* ...`).
    Untagged {
        /// The line after `* `, each literal shown as `{N}` where it stood.
        text: String,
        /// The literals, in order, as sent.
        literals: Vec<Vec<u8>>,
    },
    /// The server waits for the rest of a command (`+ ...`): a SASL challenge, a literal.
    Continuation {
        /// The text after `+`.
        text: String,
    },
}

/// Incremental IMAP response parser: push bytes, take responses.
#[derive(Default)]
pub struct ImapParser {
    buf: Vec<u8>,
    /// An untagged response under way: its text so far and its literals.
    partial: Option<(String, Vec<Vec<u8>>)>,
    /// The length of the literal being read, once its `{N}` line is in.
    literal: Option<usize>,
    size: usize,
}

/// Written by hand: the buffered bytes are the server's, and may echo the password.
impl std::fmt::Debug for ImapParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapParser")
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl ImapParser {
    /// A parser with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the server.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Whether bytes are waiting that no complete response took yet: after STARTTLS's
    /// `OK` there must be none, since they came before the handshake.
    pub fn has_buffered(&self) -> bool {
        !self.buf.is_empty() || self.partial.is_some()
    }

    /// The next complete response; `Ok(None)` while more bytes are needed.
    pub fn next_response(&mut self) -> Result<Option<ImapResponse>, MailboxError> {
        loop {
            if let Some(length) = self.literal {
                if self.buf.len() < length {
                    return Ok(None);
                }
                let bytes: Vec<u8> = self.buf.drain(..length).collect();
                self.literal = None;
                if let Some((_, literals)) = self.partial.as_mut() {
                    literals.push(bytes);
                }
                continue;
            }
            let Some(line) = take_line(&mut self.buf, MAX_IMAP_LINE_LEN)? else {
                return Ok(None);
            };
            self.size += line.len() + 2;
            if self.size > MAX_MAILBOX_RESPONSE_BYTES {
                return Err(MailboxError::ResponseTooLong);
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            // A line after a literal goes on with the response under way; any other line
            // starts a response.
            let (mut so_far, literals, piece) = match self.partial.take() {
                Some((so_far, literals)) => (so_far, literals, text),
                None => match start(&line, &text)? {
                    Start::Done(response) => {
                        self.size = 0;
                        return Ok(Some(response));
                    }
                    Start::Untagged => (String::new(), Vec::new(), text["* ".len()..].to_string()),
                },
            };
            so_far.push_str(&piece);
            match literal_length(&piece) {
                Some(length) => {
                    let space = MAX_MAILBOX_RESPONSE_BYTES.saturating_sub(self.size);
                    if length > space {
                        return Err(MailboxError::ResponseTooLong);
                    }
                    self.size += length;
                    self.literal = Some(length);
                    self.partial = Some((so_far, literals));
                }
                None => {
                    self.size = 0;
                    return Ok(Some(ImapResponse::Untagged {
                        text: so_far,
                        literals,
                    }));
                }
            }
        }
    }
}

/// What a response's first line begins.
enum Start {
    /// A one-line response, complete.
    Done(ImapResponse),
    /// An untagged response, which may go on after literals.
    Untagged,
}

/// Reads a response's first line: tagged, untagged or a continuation.
fn start(line: &[u8], text: &str) -> Result<Start, MailboxError> {
    let malformed = || MailboxError::Malformed(whole(line));
    if let Some(rest) = text.strip_prefix('+') {
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        return Ok(Start::Done(ImapResponse::Continuation {
            text: rest.to_string(),
        }));
    }
    if text.starts_with("* ") {
        return Ok(Start::Untagged);
    }
    let (tag, rest) = text.split_once(' ').ok_or_else(malformed)?;
    let valid_tag = !tag.is_empty()
        && tag
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"(){%*\"\\+".contains(&b));
    if !valid_tag {
        return Err(malformed());
    }
    let (word, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let status = match word.to_ascii_uppercase().as_str() {
        "OK" => ImapStatus::Ok,
        "NO" => ImapStatus::No,
        "BAD" => ImapStatus::Bad,
        _ => return Err(malformed()),
    };
    Ok(Start::Done(ImapResponse::Tagged {
        tag: tag.to_string(),
        status,
        text: text.to_string(),
    }))
}

/// An IMAP quoted string (RFC 3501 4.3): `"` and `\` escaped. Only for text that a
/// quoted string can carry; see [`needs_literal`].
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether `text` cannot travel as a quoted string and must be sent as a literal: 8-bit
/// characters, NUL, CR and LF (RFC 3501's QUOTED-CHAR is 7-bit text without them).
pub fn needs_literal(text: &str) -> bool {
    text.bytes()
        .any(|b| !b.is_ascii() || b == 0 || b == b'\r' || b == b'\n')
}

/// The capabilities in a `CAPABILITY` response (`CAPABILITY IMAP4rev1 UIDPLUS ...`) or
/// response code (`[CAPABILITY ...]` at the start of a status's text, after `OK` or
/// `PREAUTH` where the status word is still there), upper-cased; none when `text` holds no
/// capability list there.
pub fn capabilities(text: &str) -> Option<Vec<String>> {
    let upper = text.to_ascii_uppercase();
    let list = match upper.strip_prefix("CAPABILITY ") {
        Some(list) => list,
        None => {
            let code = ["OK ", "PREAUTH ", ""]
                .iter()
                .find_map(|status| upper.strip_prefix(status)?.strip_prefix("[CAPABILITY "))?;
            code.split(']').next().unwrap_or(code)
        }
    };
    Some(list.split_ascii_whitespace().map(str::to_string).collect())
}

/// The UIDs of the answer to `UID SEARCH` tagged `tag`: `SEARCH 4 7` (RFC 3501) or
/// `ESEARCH (TAG "a3") UID ALL 4:7,9` (RFC 4731, RFC 9051; only with the `UID` marker, or
/// the numbers are sequence numbers, and only for this tag when one is named), at most
/// `most` of them (the highest, newest, first kept). None when `text` is neither.
pub fn searched_uids(text: &str, tag: &str, most: usize) -> Option<Vec<u32>> {
    let upper = text.to_ascii_uppercase();
    let mut uids: Vec<u32> = if let Some(rest) = upper.strip_prefix("SEARCH") {
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        rest.split_ascii_whitespace()
            .filter_map(|uid| uid.parse().ok())
            .collect()
    } else if let Some(rest) = upper.strip_prefix("ESEARCH") {
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix("(TAG ") {
            Some(tagged) => {
                let (named, after) = tagged.split_once(')')?;
                if named.trim().trim_matches('"') != tag.to_ascii_uppercase() {
                    return None;
                }
                after
            }
            None => rest,
        };
        let mut words = rest.split_ascii_whitespace();
        if words.next() != Some("UID") {
            return None;
        }
        let mut set = None;
        while let Some(word) = words.next() {
            if word == "ALL" {
                set = words.next();
            }
        }
        set.map(|set| sequence_set(set, most)).unwrap_or_default()
    } else {
        return None;
    };
    crate::sort::sort_by_key(&mut uids, |&uid| std::cmp::Reverse(uid));
    uids.dedup();
    uids.truncate(most);
    Some(uids)
}

/// The numbers of a sequence set (`4:7,9`), the highest first, at most `most`: a hostile
/// `1:4294967295` costs no more than `most` numbers.
fn sequence_set(set: &str, most: usize) -> Vec<u32> {
    let mut ranges: Vec<(u32, u32)> = set
        .split(',')
        .filter_map(|part| match part.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?);
                Some((a.min(b), a.max(b)))
            }
            None => part.parse().ok().map(|n| (n, n)),
        })
        .collect();
    crate::sort::sort_by_key(&mut ranges, |r| std::cmp::Reverse(r.1));
    let mut out = Vec::new();
    for (low, high) in ranges {
        let mut n = high;
        while out.len() < most {
            out.push(n);
            if n == low {
                break;
            }
            n -= 1;
        }
    }
    out
}

/// The length of the literal a line announces at its end (`{42}` or `{42+}`), if any.
fn literal_length(line: &str) -> Option<usize> {
    let inner = line.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    let digits = inner[open + 1..]
        .strip_suffix('+')
        .unwrap_or(&inner[open + 1..]);
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
