//! A secret (password, token, SASL payload) that cannot leak by accident: its `Debug` and
//! `Display` print `[redacted]`; only `expose` gives the value, at the one place that sends it.

use crate::limits::{MIN_REDACTED_LEN, REDACTED};
use std::fmt;

/// A secret string.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the code that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Parsing never fails: any text can be a secret (the CLI parses `--auth-password` so).
impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(value))
    }
}

/// `text` with every occurrence of each secret (of at least `MIN_REDACTED_LEN` bytes)
/// replaced by `[redacted]`: for what a server says, which may quote what it was sent (an
/// unknown-command reply that repeats an AUTH line, a server that echoes the password).
/// The longest secrets go first: one form may contain another (PLAIN's base64 ends with
/// LOGIN's when the user name's part is a multiple of three bytes).
pub fn redact_all(text: &str, secrets: &[Secret]) -> String {
    let mut secrets: Vec<&str> = secrets
        .iter()
        .map(Secret::expose)
        .filter(|secret| secret.len() >= MIN_REDACTED_LEN)
        .collect();
    crate::sort::sort_by_key(&mut secrets, |secret| std::cmp::Reverse(secret.len()));
    secrets.into_iter().fold(text.to_string(), |text, secret| {
        text.replace(secret, REDACTED)
    })
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn every_secret_is_redacted_everywhere_in_a_text() {
        let secrets = [
            Secret::new("hunter2"),
            Secret::new(""),
            Secret::new("aHVudGVyMg=="),
        ];
        assert_eq!(
            redact_all("pw hunter2, again hunter2, b64 aHVudGVyMg==.", &secrets),
            "pw [redacted], again [redacted], b64 [redacted]."
        );
        assert_eq!(redact_all("nothing here", &secrets), "nothing here");
    }
}
