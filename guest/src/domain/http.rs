//! The HTTP/1.1 client that fetches an MTA-STS policy (RFC 8461 3.3) from
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, sans-IO: [`request`] writes the
//! request, [`PolicyResponse`] reads the response as it arrives (`push` the bytes, `close`
//! at the end of the stream, then ask for the [`outcome`](PolicyResponse::outcome)). The
//! TLS layer below is elsewhere: these are the plaintext bytes.
//!
//! What RFC 8461 3.3 asks, as data: a policy is valid only from a `200` response, so any
//! other status is an outcome ([`Fetched::Status`]), and a `3xx` is reported with its
//! `Location` and never followed ("HTTP 3xx redirects MUST NOT be followed",
//! [`Fetched::Redirect`]). A `200` must be `text/plain` (RFC 8461 3.2: senders SHOULD
//! check; parameters such as `charset` allowed) and at most [`MAX_STS_POLICY_BYTES`]
//! long (3.3's suggested 64 KiB); else an [`HttpError`] says what it was.
//!
//! The response is read per RFC 9112: the status line, header fields (a line ending in LF
//! alone accepted, 2.2; an obsolete folded line joined to its field, 5.2; white space
//! before a field's `:` tolerated, as proxies must strip it), interim `1xx` responses
//! skipped (RFC 9110 15.2), and the body framed by `Transfer-Encoding: chunked`, else
//! `Content-Length` (several equal values allowed, 6.3), else the end of the connection
//! (6.3, item 8). Bounded: at most [`MAX_HTTP_HEAD_BYTES`] of head (interim responses and
//! trailers included), [`MAX_HTTP_FIELDS`] field lines, [`MAX_HTTP_CHUNK_LINE`] bytes per
//! chunk size line, and the body's limit, whatever the server sends; nothing past the
//! outcome is kept.

use std::fmt;

use super::name::{domain_problem, lossy, shown};
use crate::limits::{
    MAX_HTTP_CHUNK_LINE, MAX_HTTP_FIELDS, MAX_HTTP_HEAD_BYTES, MAX_STS_POLICY_BYTES,
};

/// Where a policy host serves the policy (RFC 8461 3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// The policy host of `domain`: `mta-sts.` and the domain, lower-cased, without a trailing
/// dot (RFC 8461 3.2). `None` when `domain` (or the result) is not a domain name.
pub fn policy_host(domain: &str) -> Option<String> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let host = format!("mta-sts.{}", domain.to_ascii_lowercase());
    domain_problem(&host).is_none().then_some(host)
}

/// The request for `domain`'s policy: `GET /.well-known/mta-sts.txt` to its
/// [`policy_host`], asking for plain text without content coding, the connection closed
/// after the response. `None` when `domain` is not a domain name (nothing of it can then
/// reach the request's lines).
pub fn request(domain: &str) -> Option<Vec<u8>> {
    let host = policy_host(domain)?;
    let version = env!("CARGO_PKG_VERSION");
    Some(
        format!(
            "GET {POLICY_PATH} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtp-sensor/{version}\r\n\
             Accept: text/plain\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

/// How a policy fetch ended, when the server answered in HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// `200`, `text/plain`, within the limit: the policy's bytes.
    Policy {
        /// The body, at most [`MAX_STS_POLICY_BYTES`].
        body: Vec<u8>,
    },
    /// A `3xx`, not followed (RFC 8461 3.3).
    Redirect {
        /// The status code.
        status: u16,
        /// The reason phrase (lossy text), possibly empty.
        reason: String,
        /// Where it pointed, if it said.
        location: Option<String>,
    },
    /// Any other final status (`404`, `500`, `204`, ...): no policy.
    Status {
        /// The status code.
        status: u16,
        /// The reason phrase (lossy text), possibly empty.
        reason: String,
    },
}

/// Why a response is no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// Not HTTP/1.x where it should be: where, and the line (lossy, at most 256 bytes).
    Malformed {
        /// Where: `the status line`, `header line 3`, `the size line of chunk 2`, ...
        place: String,
        /// The line (or value) found there.
        line: String,
    },
    /// The head grew past [`MAX_HTTP_HEAD_BYTES`].
    HeadTooLarge,
    /// More than [`MAX_HTTP_FIELDS`] header (and trailer) field lines.
    TooManyFields,
    /// A `200`'s body is longer than [`MAX_STS_POLICY_BYTES`].
    BodyTooLarge {
        /// Its `Content-Length`, when it declared one.
        declared: Option<u64>,
    },
    /// A `200` whose media type is not `text/plain`.
    WrongContentType {
        /// Its `Content-Type` (several joined with `, `), or `None` without one.
        found: Option<String>,
    },
    /// A `200` in a form the check did not ask for and cannot read (a content or transfer
    /// coding such as gzip), or a `101`.
    Unsupported {
        /// What, in words.
        what: String,
    },
    /// The connection ended before the response did.
    Closed {
        /// When, in words: `before any response`, `after 10 of 64 bytes of the body`, ...
        during: String,
    },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { place, line } => write!(
                f,
                "the policy host's response is not valid HTTP/1.1 at {place}: {}",
                shown(line)
            ),
            Self::HeadTooLarge => write!(
                f,
                "the policy host's response header is longer than {MAX_HTTP_HEAD_BYTES} bytes"
            ),
            Self::TooManyFields => write!(
                f,
                "the policy host's response has more than {MAX_HTTP_FIELDS} header fields"
            ),
            Self::BodyTooLarge { declared } => {
                write!(
                    f,
                    "the policy is longer than {MAX_STS_POLICY_BYTES} bytes, the most read \
                     (RFC 8461 3.3 suggests 64 KiB)"
                )?;
                match declared {
                    Some(length) => write!(f, ": its Content-Length is {length}"),
                    None => Ok(()),
                }
            }
            Self::WrongContentType { found: None } => write!(
                f,
                "the policy host served the policy without a Content-Type, where RFC 8461 3.2 \
                 asks for text/plain"
            ),
            Self::WrongContentType { found: Some(found) } => write!(
                f,
                "the policy host served the policy as {}, not text/plain (RFC 8461 3.2)",
                shown(found)
            ),
            Self::Unsupported { what } => {
                write!(
                    f,
                    "the policy host's response uses {what}, which the check does not read"
                )
            }
            Self::Closed { during } => {
                write!(f, "the policy host closed the connection {during}")
            }
        }
    }
}

impl std::error::Error for HttpError {}

/// The most bytes of a line an error keeps.
const KEPT_BYTES: usize = 256;

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a status line.
    StatusLine,
    /// Reading header fields.
    Fields,
    /// Reading a body of known length: this many bytes left.
    Length(u64),
    /// Reading a body that ends with the connection.
    UntilClose,
    /// Waiting for a chunk's size line.
    ChunkSize,
    /// Reading a chunk: this many bytes left.
    ChunkData(u64),
    /// Waiting for the line end after a chunk's data.
    ChunkEnd,
    /// Reading the trailer fields after the last chunk.
    Trailers,
}

/// An HTTP/1.1 response to [`request`], read incrementally.
#[derive(Default)]
pub struct PolicyResponse {
    state: Option<State>,
    /// Bytes received and not yet read: at most a line (bounded) in the head's states.
    buf: Vec<u8>,
    /// Head bytes read so far, interim responses and trailers included.
    head_bytes: usize,
    /// Field lines read so far, interim responses and trailers included.
    field_lines: usize,
    /// Whether any byte came.
    received: bool,
    /// The current response's status code and reason.
    status: (u16, String),
    /// Its fields, names lower-cased, values trimmed, in order.
    fields: Vec<(String, String)>,
    /// Its body so far (a `200`'s only).
    body: Vec<u8>,
    /// The declared length of the body, for the error when it ends early.
    declared: u64,
    /// The number of the chunk being read, from 1.
    chunk: usize,
    /// Once known: how it ended.
    outcome: Option<Result<Fetched, HttpError>>,
}

/// Written by hand: the body can be long.
impl fmt::Debug for PolicyResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyResponse")
            .field("state", &self.state)
            .field("buffered", &self.buf.len())
            .field("body", &self.body.len())
            .field("outcome", &self.outcome.as_ref().map(|o| o.is_ok()))
            .finish_non_exhaustive()
    }
}

impl PolicyResponse {
    /// A reader waiting for the response's first byte.
    pub fn new() -> Self {
        Self {
            state: Some(State::StatusLine),
            ..Self::default()
        }
    }

    /// Adds bytes received from the server, and reads as far as they go. Bytes after the
    /// outcome is known are ignored.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.outcome.is_some() || bytes.is_empty() {
            return;
        }
        self.received = true;
        self.buf.extend_from_slice(bytes);
        while self.outcome.is_none() {
            match self.step() {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => self.outcome = Some(Err(error)),
            }
        }
        if self.outcome.is_some() {
            self.buf = Vec::new();
        }
    }

    /// The server closed the connection (or TLS said the stream ended): a body read until
    /// the end is complete; any other response that had not ended is cut short.
    pub fn close(&mut self) {
        if self.outcome.is_some() {
            return;
        }
        let ended = |during: String| Some(Err(HttpError::Closed { during }));
        self.outcome = match self.state {
            Some(State::UntilClose | State::Trailers) => self.policy(),
            Some(State::StatusLine) if !self.received => ended("before any response".into()),
            Some(State::StatusLine | State::Fields) | None => {
                ended("before the response's header ended".into())
            }
            Some(State::Length(_)) => ended(format!(
                "after {} of the {} bytes of the body",
                self.body.len(),
                self.declared
            )),
            Some(State::ChunkSize | State::ChunkData(_) | State::ChunkEnd) => ended(format!(
                "in chunk {} of the body, after {} bytes of it",
                self.chunk,
                self.body.len()
            )),
        };
        self.buf = Vec::new();
    }

    /// How the fetch ended, once known: after a complete response (for a status other than
    /// `200`, as soon as its header is in), an error, or [`close`](Self::close).
    pub fn outcome(&self) -> Option<&Result<Fetched, HttpError>> {
        self.outcome.as_ref()
    }

    /// The same, taken.
    pub fn into_outcome(self) -> Option<Result<Fetched, HttpError>> {
        self.outcome
    }

    /// Reads one piece (a line, a stretch of body); `Ok(false)` when more bytes are needed.
    fn step(&mut self) -> Result<bool, HttpError> {
        let Some(state) = self.state else {
            return Ok(false);
        };
        match state {
            State::StatusLine | State::Fields | State::Trailers => {
                let room = MAX_HTTP_HEAD_BYTES.saturating_sub(self.head_bytes);
                let Some(line) = take_line(&mut self.buf, room).ok_or(HttpError::HeadTooLarge)?
                else {
                    return Ok(false);
                };
                self.head_bytes += line.len();
                let line = trim_line_end(&line);
                match state {
                    State::StatusLine => self.status_line(line)?,
                    State::Fields => self.field_line(line)?,
                    _ => self.trailer_line(line)?,
                }
            }
            State::Length(left) => {
                let take = self.body_bytes(left);
                let left = left - take;
                if left == 0 {
                    self.outcome = self.policy();
                } else {
                    self.state = Some(State::Length(left));
                }
                return Ok(take > 0);
            }
            State::UntilClose => {
                self.body.append(&mut self.buf);
                if self.body.len() > MAX_STS_POLICY_BYTES {
                    return Err(HttpError::BodyTooLarge { declared: None });
                }
                return Ok(false);
            }
            State::ChunkSize => {
                let place = || format!("the size line of chunk {}", self.chunk);
                let Some(line) =
                    take_line(&mut self.buf, MAX_HTTP_CHUNK_LINE).ok_or_else(|| {
                        HttpError::Malformed {
                            place: place(),
                            line: format!("longer than {MAX_HTTP_CHUNK_LINE} bytes"),
                        }
                    })?
                else {
                    return Ok(false);
                };
                let line = trim_line_end(&line);
                let size = chunk_size(line).ok_or_else(|| HttpError::Malformed {
                    place: place(),
                    line: lossy(line, KEPT_BYTES),
                })?;
                let room = MAX_STS_POLICY_BYTES - self.body.len();
                if size > room as u64 {
                    return Err(HttpError::BodyTooLarge { declared: None });
                }
                self.state = Some(if size == 0 {
                    State::Trailers
                } else {
                    State::ChunkData(size)
                });
            }
            State::ChunkData(left) => {
                let take = self.body_bytes(left);
                let left = left - take;
                self.state = Some(if left == 0 {
                    State::ChunkEnd
                } else {
                    State::ChunkData(left)
                });
                return Ok(take > 0);
            }
            State::ChunkEnd => {
                let end = match self.buf.as_slice() {
                    [] | [b'\r'] => return Ok(false),
                    [b'\n', ..] => 1,
                    [b'\r', b'\n', ..] => 2,
                    // What came instead of the line end: one byte, or CR and the one
                    // after it; never more, so the error is the same however the bytes
                    // arrived.
                    other => {
                        let shown = if other[0] == b'\r' { 2 } else { 1 };
                        return Err(HttpError::Malformed {
                            place: format!("the end of chunk {}", self.chunk),
                            line: lossy(&other[..shown], KEPT_BYTES),
                        });
                    }
                };
                self.buf.drain(..end);
                self.chunk += 1;
                self.state = Some(State::ChunkSize);
            }
        }
        Ok(true)
    }

    /// Moves up to `left` buffered bytes into the body; how many it moved.
    fn body_bytes(&mut self, left: u64) -> u64 {
        let take = usize::try_from(left).map_or(self.buf.len(), |left| left.min(self.buf.len()));
        self.body.extend(self.buf.drain(..take));
        take as u64
    }

    /// Reads a status line: `HTTP/1.x SP 3DIGIT [SP reason]`.
    fn status_line(&mut self, line: &[u8]) -> Result<(), HttpError> {
        let malformed = || HttpError::Malformed {
            place: "the status line".into(),
            line: lossy(line, KEPT_BYTES),
        };
        let rest = line.strip_prefix(b"HTTP/1.").ok_or_else(malformed)?;
        let [minor, b' ', a, b, c, rest @ ..] = rest else {
            return Err(malformed());
        };
        if !minor.is_ascii_digit() || ![a, b, c].iter().all(|d| d.is_ascii_digit()) {
            return Err(malformed());
        }
        let status = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
        if !(100..=599).contains(&status) {
            return Err(malformed());
        }
        let reason = match rest {
            [] => &[][..],
            [b' ', reason @ ..] => reason,
            _ => return Err(malformed()),
        };
        self.status = (status, lossy(reason, KEPT_BYTES));
        self.fields.clear();
        self.state = Some(State::Fields);
        Ok(())
    }

    /// Reads a header field line, or the empty line that ends the head.
    fn field_line(&mut self, line: &[u8]) -> Result<(), HttpError> {
        if line.is_empty() {
            return self.head_ended();
        }
        self.count_field()?;
        let number = self.fields.len() + 1;
        let malformed = || HttpError::Malformed {
            place: format!("header line {number}"),
            line: lossy(line, KEPT_BYTES),
        };
        if matches!(line[0], b' ' | b'\t') {
            // obs-fold: the line goes on the field before (RFC 9112 5.2).
            let (_, value) = self.fields.last_mut().ok_or_else(malformed)?;
            value.push(' ');
            value.push_str(String::from_utf8_lossy(line).trim_matches([' ', '\t']));
            return Ok(());
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(malformed)?;
        let name = line[..colon].trim_ascii_end();
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(malformed());
        }
        let value = String::from_utf8_lossy(&line[colon + 1..]);
        self.fields.push((
            String::from_utf8_lossy(name).to_ascii_lowercase(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
        Ok(())
    }

    /// Reads a trailer field line after the last chunk, or the empty line that ends them.
    fn trailer_line(&mut self, line: &[u8]) -> Result<(), HttpError> {
        if line.is_empty() {
            self.outcome = self.policy();
            return Ok(());
        }
        self.count_field()
    }

    /// One more field line, within [`MAX_HTTP_FIELDS`].
    fn count_field(&mut self) -> Result<(), HttpError> {
        self.field_lines += 1;
        if self.field_lines > MAX_HTTP_FIELDS {
            return Err(HttpError::TooManyFields);
        }
        Ok(())
    }

    /// The values of the fields named `name` (lower-case).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The head is in: an interim response is skipped; another status is the outcome; a
    /// `200`'s fields say whether and how its body is read.
    fn head_ended(&mut self) -> Result<(), HttpError> {
        let (status, reason) = self.status.clone();
        match status {
            101 => {
                return Err(HttpError::Unsupported {
                    what: "101 Switching Protocols, which was not asked for".into(),
                });
            }
            100..=199 => {
                self.state = Some(State::StatusLine);
                return Ok(());
            }
            300..=399 => {
                let location = self.values("location").last().map(str::to_string);
                self.outcome = Some(Ok(Fetched::Redirect {
                    status,
                    reason,
                    location,
                }));
                return Ok(());
            }
            200 => {}
            _ => {
                self.outcome = Some(Ok(Fetched::Status { status, reason }));
                return Ok(());
            }
        }
        let types: Vec<&str> = self.values("content-type").collect();
        let plain = |t: &&str| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("text/plain")
        };
        if types.is_empty() || !types.iter().all(plain) {
            return Err(HttpError::WrongContentType {
                found: (!types.is_empty()).then(|| types.join(", ")),
            });
        }
        if let Some(coding) = self
            .values("content-encoding")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .find(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        {
            return Err(HttpError::Unsupported {
                what: format!("Content-Encoding {}", shown(coding)),
            });
        }
        let transfer: Vec<&str> = self.values("transfer-encoding").collect();
        if !transfer.is_empty() {
            let codings: Vec<String> = transfer
                .iter()
                .flat_map(|v| v.split(','))
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty() && c != "identity")
                .collect();
            self.state = Some(match codings.as_slice() {
                [] => State::UntilClose,
                [only] if only == "chunked" => {
                    self.chunk = 1;
                    State::ChunkSize
                }
                _ => {
                    return Err(HttpError::Unsupported {
                        what: format!("Transfer-Encoding {}", shown(&codings.join(", "))),
                    });
                }
            });
            return Ok(());
        }
        let lengths: Vec<&str> = self
            .values("content-length")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let Some(first) = lengths.first() else {
            self.state = Some(State::UntilClose);
            return Ok(());
        };
        let bad_length = || HttpError::Malformed {
            place: "the Content-Length field".into(),
            line: lossy(lengths.join(", ").as_bytes(), KEPT_BYTES),
        };
        let digits =
            |v: &&str| !v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit());
        if !lengths.iter().all(digits) {
            return Err(bad_length());
        }
        let length: u64 = first.parse().map_err(|_| bad_length())?;
        if lengths.iter().any(|v| v.parse::<u64>() != Ok(length)) {
            return Err(bad_length());
        }
        if length > MAX_STS_POLICY_BYTES as u64 {
            return Err(HttpError::BodyTooLarge {
                declared: Some(length),
            });
        }
        self.declared = length;
        if length == 0 {
            self.outcome = self.policy();
        } else {
            self.state = Some(State::Length(length));
        }
        Ok(())
    }

    /// The outcome of a `200` whose body is complete.
    fn policy(&mut self) -> Option<Result<Fetched, HttpError>> {
        self.state = None;
        Some(Ok(Fetched::Policy {
            body: std::mem::take(&mut self.body),
        }))
    }
}

/// The next line of `buf` through its LF, taken out of it, if it is there; `None` (the
/// outer) when the line is, or will be, longer than `longest` bytes with its line end.
/// The same answer however the bytes arrived: a partial line is refused only once it
/// cannot fit.
fn take_line(buf: &mut Vec<u8>, longest: usize) -> Option<Option<Vec<u8>>> {
    match buf.iter().position(|&b| b == b'\n') {
        Some(end) if end < longest => Some(Some(buf.drain(..=end).collect())),
        Some(_) => None,
        None if buf.len() >= longest => None,
        None => Some(None),
    }
}

/// A line without its LF or CRLF.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A chunk size line's size: hex digits, then optional white space and extensions after
/// `;` (RFC 9112 7.1.1), ignored.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let size = line.split(|&b| b == b';').next()?.trim_ascii_end();
    if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(size).ok()?, 16).ok()
}

/// A token character (RFC 9110 5.6.2), as field names are made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests;
