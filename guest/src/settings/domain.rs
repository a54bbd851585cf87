//! The rules of a mail domain's check (`settings.domain`): `host` is then a domain, and the
//! check reaches its MX hosts as a sender's MTA does, so what only a check of one server
//! can do (a log-in, a test email, the relay probe, a round trip, one name for every
//! certificate) is refused, each naming the setting to drop and the fix.

use super::names::{Setting, SettingError};
use super::target::Target;
use crate::limits::MAX_STS_MAX_AGE_SECONDS;

/// Checks a domain check: `target` (what `host` names) is a name, none of `beside` (the
/// settings given that a domain check cannot use) is given, and the `max_age` warning
/// threshold is one a policy can reach.
pub fn domain(
    target: &Target,
    beside: &[Setting],
    max_age_warning_seconds: u32,
) -> Result<(), SettingError> {
    if let Target::Address(address) = target {
        return Err(SettingError::new(
            Setting::Domain,
            format!(
                "{address} is an address: --domain takes a mail domain, not an address; use \
                 --host for one server"
            ),
        ));
    }
    if let Some(&setting) = beside.first() {
        let problem = match setting {
            Setting::TlsServerName => {
                "a domain check verifies each MX host's certificate for its own name; drop \
                 it, or check one MX host with --host"
            }
            Setting::TlsVerify => {
                "a domain check verifies each MX host's certificate, as MTA-STS judges it (a \
                 certificate a sender could not verify only warns where no policy enforces \
                 it); drop it, or check one MX host with --host"
            }
            _ => {
                "a domain check logs in nowhere and sends no email: drop it, or check one MX \
                 host with --host"
            }
        };
        return Err(SettingError::new(setting, problem));
    }
    if u64::from(max_age_warning_seconds) > MAX_STS_MAX_AGE_SECONDS {
        return Err(SettingError::new(
            Setting::MtaStsMaxAgeWarning,
            format!(
                "{max_age_warning_seconds} seconds ({} days) is more than the longest max_age \
                 a policy may have ({MAX_STS_MAX_AGE_SECONDS} seconds, a year: RFC 8461), so \
                 every policy would warn; give at most {} days, or 0 for never",
                max_age_warning_seconds / 86_400,
                MAX_STS_MAX_AGE_SECONDS / 86_400
            ),
        ));
    }
    Ok(())
}
