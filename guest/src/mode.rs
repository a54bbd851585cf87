//! What a transport-security mode means, decoded once: plain text, STARTTLS (required or
//! when available), or implicit TLS (with or without a plain-text fallback). Everything
//! that depends on the mode asks this, instead of matching the contract's enum again.

use crate::limits::{DEFAULT_PORT_IMPLICIT_TLS, DEFAULT_PORT_PLAIN};
use crate::session::StartTls;
use crate::wit::TransportSecurity;

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
        match security {
            TransportSecurity::None => Self::Plain,
            TransportSecurity::StarttlsIfAvailable => Self::StartTls(StartTls::IfAvailable),
            TransportSecurity::Starttls => Self::StartTls(StartTls::Required),
            TransportSecurity::TlsIfAvailable => Self::ImplicitTls { fallback: true },
            TransportSecurity::Tls => Self::ImplicitTls { fallback: false },
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

    /// The spec's default port: 465 for implicit TLS, 25 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Self::ImplicitTls { .. } => DEFAULT_PORT_IMPLICIT_TLS,
            Self::Plain | Self::StartTls(_) => DEFAULT_PORT_PLAIN,
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
}
