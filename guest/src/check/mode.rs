//! What a transport-security mode means, decoded once: plain text, STARTTLS (required or
//! when available), or implicit TLS (with or without a plain-text fallback). Everything
//! that depends on the mode asks this, instead of matching the contract's enum again.

use crate::limits::{
    DEFAULT_PORT_IMAP, DEFAULT_PORT_IMAPS, DEFAULT_PORT_IMPLICIT_TLS, DEFAULT_PORT_PLAIN,
    DEFAULT_PORT_POP3, DEFAULT_PORT_POP3S,
};
use crate::smtp::session::StartTls;
use crate::wit::TransportSecurity;

/// The [`Mode`] of a `transport-security` value, whichever side generated its type (the
/// host's and the component's are generated apart; `$security_type` names the caller's,
/// in scope): the one place where the contract's cases are decoded.
#[macro_export]
macro_rules! mode_of {
    ($security:expr, $security_type:ident) => {
        match $security {
            $security_type::None => $crate::Mode::Plain,
            $security_type::StarttlsIfAvailable => {
                $crate::Mode::StartTls($crate::StartTls::IfAvailable)
            }
            $security_type::Starttls => $crate::Mode::StartTls($crate::StartTls::Required),
            $security_type::TlsIfAvailable => $crate::Mode::ImplicitTls { fallback: true },
            $security_type::Tls => $crate::Mode::ImplicitTls { fallback: false },
        }
    };
}

/// How a check secures its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain text only.
    Plain,
    /// Plain text, upgraded with STARTTLS (required, or when the server offers it).
    StartTls(StartTls),
    /// TLS from the first byte; with `fallback`, plain text when the handshake fails.
    ImplicitTls {
        /// Reconnect in plain text when the handshake fails (with a warning).
        fallback: bool,
    },
}

impl Mode {
    /// The mode a contract setting names.
    pub fn of(security: TransportSecurity) -> Self {
        mode_of!(security, TransportSecurity)
    }

    /// What the mode does, in a sentence (the CLI's help for each value).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Plain | Self::StartTls(StartTls::Never) => "Plain text only, never TLS.",
            Self::StartTls(StartTls::IfAvailable) => {
                "STARTTLS when offered, else plain text (reported as a warning)."
            }
            Self::StartTls(StartTls::Required) => "STARTTLS required.",
            Self::ImplicitTls { fallback: true } => {
                "Implicit TLS, else plain text (reported as a warning)."
            }
            Self::ImplicitTls { fallback: false } => "Implicit TLS required (the spec's default).",
        }
    }

    /// Whether the check may use TLS at all (and so needs a TLS configuration).
    pub fn may_use_tls(self) -> bool {
        self != Self::Plain
    }

    /// What the SMTP dialogue does about STARTTLS.
    pub fn starttls(self) -> StartTls {
        match self {
            Self::StartTls(starttls) => starttls,
            Self::Plain | Self::ImplicitTls { .. } => StartTls::Never,
        }
    }

    /// Whether a failed implicit-TLS handshake falls back to plain text, given the first
    /// bytes the server sent (`server_first_bytes`). Only `tls-if-available` falls back,
    /// and only when the server did not speak TLS at all: it sent bytes that are no TLS
    /// record where the ServerHello belongs (a plain-text greeting, say). A certificate
    /// rejected, an alert, a handshake the server began, silence or a hang-up with nothing
    /// said are reported as they are: on a port that speaks TLS, a plain-text attempt would
    /// only wait for a greeting that never comes and lose the real reason.
    pub fn falls_back_after(self, server_first_bytes: &[u8]) -> bool {
        self == Self::ImplicitTls { fallback: true }
            && !server_first_bytes.is_empty()
            && !starts_like_a_tls_record(server_first_bytes)
    }

    /// The spec's default port: 465 for implicit TLS, 25 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Self::ImplicitTls { .. } => DEFAULT_PORT_IMPLICIT_TLS,
            Self::Plain | Self::StartTls(_) => DEFAULT_PORT_PLAIN,
        }
    }

    /// A round trip's default mailbox port: 993 or 995 for implicit TLS, else 143 or 110
    /// (IMAP, or POP3 when `imap` is false).
    pub fn default_mailbox_port(self, imap: bool) -> u16 {
        match (self, imap) {
            (Self::ImplicitTls { .. }, true) => DEFAULT_PORT_IMAPS,
            (Self::ImplicitTls { .. }, false) => DEFAULT_PORT_POP3S,
            (Self::Plain | Self::StartTls(_), true) => DEFAULT_PORT_IMAP,
            (Self::Plain | Self::StartTls(_), false) => DEFAULT_PORT_POP3,
        }
    }
}

/// Whether `bytes` start as a TLS record can: a content type from 20 to 24 (change cipher
/// spec, alert, handshake, application data, heartbeat), then protocol major version 3.
/// One byte of a record type is given the benefit of the doubt.
fn starts_like_a_tls_record(bytes: &[u8]) -> bool {
    match bytes {
        [] => false,
        [content_type, rest @ ..] => {
            (20..=24).contains(content_type) && rest.first().is_none_or(|major| *major == 3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_decoded() {
        let cases = [
            (TransportSecurity::None, false, StartTls::Never, 25),
            (
                TransportSecurity::StarttlsIfAvailable,
                true,
                StartTls::IfAvailable,
                25,
            ),
            (TransportSecurity::Starttls, true, StartTls::Required, 25),
            (
                TransportSecurity::TlsIfAvailable,
                true,
                StartTls::Never,
                465,
            ),
            (TransportSecurity::Tls, true, StartTls::Never, 465),
        ];
        for (security, tls, starttls, port) in cases {
            let mode = Mode::of(security);
            assert_eq!(mode.may_use_tls(), tls, "{security:?}");
            assert_eq!(mode.starttls(), starttls, "{security:?}");
            assert_eq!(mode.default_port(), port, "{security:?}");
        }
        assert_eq!(
            Mode::of(TransportSecurity::TlsIfAvailable),
            Mode::ImplicitTls { fallback: true }
        );
    }

    #[test]
    fn only_tls_if_available_falls_back_and_only_when_no_tls_was_spoken() {
        let fallback = Mode::ImplicitTls { fallback: true };
        // A plain-text greeting, or anything else that is no TLS record.
        assert!(fallback.falls_back_after(b"220 mail.example ESMTP\r\n"));
        assert!(fallback.falls_back_after(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(fallback.falls_back_after(&[0x16, 0x01]), "not version 3");
        // TLS spoken: a ServerHello (handshake) or an alert record.
        assert!(!fallback.falls_back_after(&[0x16, 0x03, 0x03, 0x00, 0x7a]));
        assert!(!fallback.falls_back_after(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
        assert!(!fallback.falls_back_after(&[0x16]), "one byte of a record");
        // Nothing said: silence or a hang-up.
        assert!(!fallback.falls_back_after(b""));
        // No other mode falls back, whatever the server said.
        for mode in [
            Mode::ImplicitTls { fallback: false },
            Mode::Plain,
            Mode::StartTls(StartTls::IfAvailable),
            Mode::StartTls(StartTls::Required),
        ] {
            assert!(!mode.falls_back_after(b"220 hello\r\n"), "{mode:?}");
        }
    }
}
