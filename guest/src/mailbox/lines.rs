//! What the IMAP and POP3 parsers share: reading one line at a time with a bound on its
//! length, and the error a mailbox server's bytes make, which never carries the password.

use std::fmt;

/// Why a mailbox server's bytes are not a valid response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxError {
    /// A line grew past this many bytes (the protocol's limit) without a line end.
    LineTooLong(usize),
    /// One response grew past [`crate::limits::MAX_MAILBOX_RESPONSE_BYTES`].
    ResponseTooLong,
    /// A line is not what the protocol allows here; carries the whole line, which is
    /// shortened only when shown (after the password is redacted from it).
    Malformed(String),
}

impl fmt::Display for MailboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::limits::MAX_MAILBOX_RESPONSE_BYTES;
        match self {
            Self::LineTooLong(longest) => write!(
                f,
                "the mailbox server sent a line longer than {longest} bytes without a line end"
            ),
            Self::ResponseTooLong => write!(
                f,
                "the mailbox server sent a response of more than {MAX_MAILBOX_RESPONSE_BYTES} \
                 bytes"
            ),
            Self::Malformed(line) => {
                let shown: String = line.chars().take(SHOWN_CHARS).collect();
                write!(
                    f,
                    "the mailbox server sent a line it should not have: {shown:?}"
                )
            }
        }
    }
}

/// The next line of `buf` (through its LF), taken out of it, at most `longest` bytes;
/// `None` while it is incomplete.
pub(super) fn take_line(
    buf: &mut Vec<u8>,
    longest: usize,
) -> Result<Option<Vec<u8>>, MailboxError> {
    let Some(end) = buf.iter().position(|&b| b == b'\n') else {
        if buf.len() > longest {
            return Err(MailboxError::LineTooLong(longest));
        }
        return Ok(None);
    };
    if end + 1 > longest {
        return Err(MailboxError::LineTooLong(longest));
    }
    let mut line: Vec<u8> = buf.drain(..=end).collect();
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// How many characters of a malformed line an error message shows.
const SHOWN_CHARS: usize = 80;

impl MailboxError {
    /// The same error with every secret in `secrets` taken out of the line it carries:
    /// before the line is shortened or escaped for showing, so no form of it survives.
    pub fn redacted(self, secrets: &[crate::secret::Secret]) -> Self {
        match self {
            Self::Malformed(line) => Self::Malformed(crate::secret::redact_all(&line, secrets)),
            other => other,
        }
    }
}

/// A line as text for an error: lossy, whole (shortened only when shown).
pub(super) fn whole(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}
