//! The rules of DANE (`settings.dane`): a host check's DANE needs a host name (TLSA records
//! are at `_PORT._tcp.NAME`), TLS, and its certificate verified by the records; the
//! signature warning must be one a signature can reach.

use super::names::{Setting, SettingError};
use super::target::Target;
use crate::limits::MAX_SIGNATURE_WARNING_SECONDS;

/// What DANE's rules read.
#[derive(Debug, Clone, Copy)]
pub struct DaneView {
    /// `dane.signature-warning-seconds`.
    pub signature_warning_seconds: u32,
}

/// Checks DANE: `host_check` is a host check's (a domain check's MX hosts are names, over
/// TLS, verified as the domain's rules say), with `no_tls` (security `none`),
/// `verify_off` and `server_name` as given.
pub fn dane(
    view: DaneView,
    target: &Target,
    host_check: bool,
    no_tls: bool,
    verify_off: bool,
    server_name: bool,
) -> Result<(), SettingError> {
    if host_check {
        let problem = match target {
            Target::Address(address) => Some(format!(
                "{address} is an address, and TLSA records are at _PORT._tcp.NAME: give the \
                 server's host name"
            )),
            _ if no_tls => Some(
                "DANE needs TLS, and --security none never uses it: use --security starttls \
                 (or tls for implicit TLS)"
                    .to_string(),
            ),
            _ if verify_off => Some(
                "DANE verifies the certificate by the TLSA records: drop --tls-no-verify".into(),
            ),
            _ if server_name => Some(
                "the TLSA records and a DANE-TA match are for the host's own name: drop \
                 --tls-server-name"
                    .into(),
            ),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(SettingError::new(Setting::Dane, problem));
        }
    }
    let seconds = view.signature_warning_seconds;
    if seconds > MAX_SIGNATURE_WARNING_SECONDS {
        return Err(SettingError::new(
            Setting::DnssecSignatureWarning,
            format!(
                "{} days is longer than DNSSEC signatures live (Knot signs for 14 days, BIND \
                 for 30), so every check would warn: give at most {} days, or 0 for never",
                seconds / 86_400,
                MAX_SIGNATURE_WARNING_SECONDS / 86_400
            ),
        ));
    }
    Ok(())
}
