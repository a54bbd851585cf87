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
    /// `MAIL FROM:<address>`, with `SMTPUTF8` when an address needs it (RFC 6531).
    MailFrom {
        /// The sender address.
        address: &'a str,
        /// Ask for SMTPUTF8.
        smtputf8: bool,
    },
    /// `RCPT TO:<address>`.
    RcptTo(&'a str),
    /// `DATA`.
    Data,
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
            Self::MailFrom {
                address,
                smtputf8: false,
            } => write!(f, "MAIL FROM:<{address}>"),
            Self::MailFrom {
                address,
                smtputf8: true,
            } => {
                write!(f, "MAIL FROM:<{address}> SMTPUTF8")
            }
            Self::RcptTo(address) => write!(f, "RCPT TO:<{address}>"),
            Self::Data => f.write_str("DATA"),
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
        let from = Command::MailFrom {
            address: "a@b.example",
            smtputf8: false,
        };
        assert_eq!(from.to_wire(), b"MAIL FROM:<a@b.example>\r\n");
        let from = Command::MailFrom {
            address: "jörg@b.example",
            smtputf8: true,
        };
        assert_eq!(
            from.to_wire(),
            "MAIL FROM:<jörg@b.example> SMTPUTF8\r\n".as_bytes()
        );
        assert_eq!(
            Command::RcptTo("c@d.example").to_wire(),
            b"RCPT TO:<c@d.example>\r\n"
        );
        assert_eq!(Command::Data.to_wire(), b"DATA\r\n");
        assert_eq!(Command::Quit.to_wire(), b"QUIT\r\n");
    }
}
