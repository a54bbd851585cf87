//! What a transport-security mode means, decoded once: plain text, STARTTLS (required or
//! when available), or implicit TLS (with or without a plain-text fallback). Everything
//! that depends on the mode asks this, instead of matching the contract's enum again.

use crate::limits::{DEFAULT_PORT_IMPLICIT_TLS, DEFAULT_PORT_PLAIN};
use crate::session::StartTls;
use crate::wit::TransportSecurity;

/// The [`Mode`] of a `transport-security` value, whichever side generated its type (the
/// host's and the component's are generated apart; `$security_type` names the caller's,
/// in scope): the one place where the contract's cases are decoded.
#[macro_export]
macro_rules! mode_of {
    ($security:expr, $security_type:ident) => {
        match $security {
            $security_type::None => $crate::mode::Mode::Plain,
            $security_type::StarttlsIfAvailable => {
                $crate::mode::Mode::StartTls($crate::session::StartTls::IfAvailable)
            }
            $security_type::Starttls => {
                $crate::mode::Mode::StartTls($crate::session::StartTls::Required)
            }
            $security_type::TlsIfAvailable => $crate::mode::Mode::ImplicitTls { fallback: true },
            $security_type::Tls => $crate::mode::Mode::ImplicitTls { fallback: false },
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
        crate::mode_of!(security, TransportSecurity)
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
