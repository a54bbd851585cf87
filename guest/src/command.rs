//! SMTP commands as small types that write themselves with their CRLF, so no caller can
//! forget the line end or splice text into a command.

use std::fmt;

/// A command the check sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// `EHLO <ident>` (RFC 5321 §4.1.1.1).
    Ehlo(&'a str),
    /// `HELO <ident>`, the fallback for servers that refuse EHLO.
    Helo(&'a str),
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `QUIT`.
    Quit,
}

impl Command<'_> {
    /// The command as it is sent, CRLF included.
    pub fn to_wire(&self) -> Vec<u8> {
        format!("{self}\r\n").into_bytes()
    }
}

/// The command line without its CRLF, as the transcript shows it.
impl fmt::Display for Command<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ehlo(ident) => write!(f, "EHLO {ident}"),
            Self::Helo(ident) => write!(f, "HELO {ident}"),
            Self::StartTls => f.write_str("STARTTLS"),
            Self::Quit => f.write_str("QUIT"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(
            Command::Ehlo("probe.example").to_wire(),
            b"EHLO probe.example\r\n"
        );
        assert_eq!(
            Command::Helo("probe.example").to_wire(),
            b"HELO probe.example\r\n"
        );
        assert_eq!(Command::StartTls.to_wire(), b"STARTTLS\r\n");
        assert_eq!(Command::Quit.to_wire(), b"QUIT\r\n");
    }
}
