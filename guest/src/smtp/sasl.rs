//! SMTP AUTH (RFC 4954) mechanisms without I/O: which one to use, and what to send at each
//! step. Every line that carries a credential is produced twice: the bytes to send, and a
//! redacted form for the transcript.

use crate::limits::REDACTED;
use crate::secret::Secret;
use crate::wit::{AuthMechanism, Capability};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use md5::Md5;

/// Mechanisms in the order the check prefers them when the user names none. XOAUTH2 is
/// used only when asked for: its "password" is a token, not a password.
const PREFERENCE: [AuthMechanism; 3] = [
    AuthMechanism::CramMd5,
    AuthMechanism::Plain,
    AuthMechanism::Login,
];

/// The mechanism's name on the wire.
pub fn name(mechanism: AuthMechanism) -> &'static str {
    match mechanism {
        AuthMechanism::Plain => "PLAIN",
        AuthMechanism::Login => "LOGIN",
        AuthMechanism::CramMd5 => "CRAM-MD5",
        AuthMechanism::Xoauth2 => "XOAUTH2",
    }
}

/// The mechanisms the server offers, upper-cased: from `AUTH a b c` and the old `AUTH=a b`.
pub fn offered(capabilities: &[Capability]) -> Vec<String> {
    capabilities
        .iter()
        .filter_map(|c| {
            let legacy = c.keyword.strip_prefix("AUTH=").map(str::to_string);
            (c.keyword == "AUTH" || legacy.is_some()).then(|| {
                legacy
                    .into_iter()
                    .chain(c.params.iter().cloned())
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
        .map(|m| m.to_ascii_uppercase())
        .collect()
}

/// The mechanism to use, or why there is none.
pub fn choose(
    requested: Option<AuthMechanism>,
    offered: &[String],
) -> Result<AuthMechanism, String> {
    let is_offered = |m: AuthMechanism| offered.iter().any(|o| o == name(m));
    if offered.is_empty() {
        return Err(
            "the server offers no AUTH mechanism (some servers offer it only over TLS)".into(),
        );
    }
    match requested {
        Some(m) if is_offered(m) => Ok(m),
        Some(m) => Err(format!(
            "the server does not offer {}; it offers {}",
            name(m),
            offered.join(" ")
        )),
        None => PREFERENCE
            .into_iter()
            .find(|m| is_offered(*m))
            .ok_or_else(|| {
                format!(
                    "the server offers none of CRAM-MD5, PLAIN, LOGIN; it offers {}",
                    offered.join(" ")
                )
            }),
    }
}

/// A line to send: the bytes (CRLF included) and its redacted form for the transcript.
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    /// What goes on the wire. Holds credentials: never logged.
    pub wire: Secret,
    /// What the transcript shows.
    pub shown: String,
}

impl Line {
    fn new(wire: String, shown: String) -> Self {
        Self {
            wire: Secret::new(format!("{wire}\r\n")),
            shown,
        }
    }
}

/// One AUTH exchange.
#[derive(Debug)]
pub struct Exchange {
    mechanism: AuthMechanism,
    user: String,
    password: Secret,
    rounds: usize,
}

impl Exchange {
    /// An exchange for `user` with `password` (for XOAUTH2, the access token).
    pub fn new(mechanism: AuthMechanism, user: &str, password: Secret) -> Self {
        Self {
            mechanism,
            user: user.to_string(),
            password,
            rounds: 0,
        }
    }

    /// The AUTH command, with an initial response where the mechanism has one.
    pub fn start(&self) -> Line {
        let command = format!("AUTH {}", name(self.mechanism));
        let initial = match self.mechanism {
            AuthMechanism::Plain => Some(plain_response(&self.user, &self.password)),
            AuthMechanism::Xoauth2 => Some(xoauth2_response(&self.user, &self.password)),
            AuthMechanism::Login | AuthMechanism::CramMd5 => None,
        };
        match initial {
            Some(initial) => Line::new(
                format!("{command} {}", BASE64.encode(initial)),
                format!("{command} {REDACTED}"),
            ),
            None => Line::new(command.clone(), command),
        }
    }

    /// The answer to a `334` challenge (its text, base64), or why there is none. Every
    /// mechanism has at most two answers (LOGIN's user and password); a challenge beyond
    /// them is an error, which bounds the exchange.
    pub fn respond(&mut self, challenge: &str) -> Result<Line, String> {
        self.rounds = self.rounds.saturating_add(1);
        let answer = match (self.mechanism, self.rounds) {
            (AuthMechanism::Login, 1) => BASE64.encode(&self.user),
            (AuthMechanism::Login, 2) => BASE64.encode(self.password.expose()),
            (AuthMechanism::CramMd5, 1) => {
                let challenge = BASE64
                    .decode(challenge.trim())
                    .map_err(|_| format!("the CRAM-MD5 challenge is not base64: {challenge:?}"))?;
                BASE64.encode(format!(
                    "{} {}",
                    self.user,
                    cram_md5_digest(self.password.expose(), &challenge)
                ))
            }
            // XOAUTH2 answers a failed token with a JSON challenge; an empty line ends it and
            // the server then sends its final (failure) reply.
            (AuthMechanism::Xoauth2, 1) => String::new(),
            _ => {
                return Err(format!(
                    "unexpected AUTH challenge {challenge:?} for {}",
                    name(self.mechanism)
                ));
            }
        };
        let shown = if answer.is_empty() {
            String::new()
        } else {
            REDACTED.to_string()
        };
        Ok(Line::new(answer, shown))
    }
}

/// PLAIN's initial response (RFC 4616), before base64.
fn plain_response(user: &str, password: &Secret) -> String {
    format!("\0{user}\0{}", password.expose())
}

/// XOAUTH2's initial response, before base64.
fn xoauth2_response(user: &str, password: &Secret) -> String {
    format!("user={user}\x01auth=Bearer {}\x01\x01", password.expose())
}

/// Every form in which a log-in puts the password on the wire: itself, LOGIN's base64 of it,
/// and PLAIN's and XOAUTH2's base64 initial responses. A server may quote any of them back
/// (an unknown-command reply repeating the AUTH line): none may reach a transcript.
pub fn wire_forms(user: &str, password: &Secret) -> Vec<Secret> {
    [
        password.expose().to_string(),
        BASE64.encode(password.expose()),
        BASE64.encode(plain_response(user, password)),
        BASE64.encode(xoauth2_response(user, password)),
    ]
    .into_iter()
    .filter(|form| !form.is_empty())
    .map(Secret::new)
    .collect()
}

/// The hex HMAC-MD5 of `challenge` keyed with `password` (RFC 2195).
fn cram_md5_digest(password: &str, challenge: &[u8]) -> String {
    let mut mac =
        Hmac::<Md5>::new_from_slice(password.as_bytes()).expect("HMAC takes any key length");
    mac.update(challenge);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;
