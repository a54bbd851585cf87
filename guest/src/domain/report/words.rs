//! The domain report's words: durations as people say them, an MX host named with its
//! preference, and why the MTA-STS record or policy is not there, in the words of the
//! lookup or the fetch.

use super::super::findings::{MxFinding, PolicyFinding, StsRecordFinding};
use super::super::http::{Fetched, POLICY_PATH, policy_host};
use crate::check::report::{Context, for_failure, one_decimal, server_label};
use crate::limits::MTA_STS_PORT;
use crate::wit::Failure;

const MINUTE: u32 = 60;
const HOUR: u32 = 60 * MINUTE;
const DAY: u32 = 24 * HOUR;

/// A span of seconds as people say it: `7 days`, `1.5 days`, `1 hour`, `90 s`.
pub(super) fn span(seconds: u32) -> String {
    let (unit, singular, plural) = match seconds {
        s if s >= DAY => (DAY, "day", "days"),
        s if s >= HOUR => (HOUR, "hour", "hours"),
        s if s >= MINUTE && s.is_multiple_of(MINUTE) => (MINUTE, "minute", "minutes"),
        s => return format!("{s} s"),
    };
    if seconds.is_multiple_of(unit) {
        let count = seconds / unit;
        format!("{count} {}", if count == 1 { singular } else { plural })
    } else {
        format!(
            "{} {plural}",
            one_decimal(f64::from(seconds) / f64::from(unit))
        )
    }
}

/// Seconds with the span in words: `86400 s (1 day)`.
pub(super) fn age(seconds: u32) -> String {
    if seconds < MINUTE {
        format!("{seconds} s")
    } else {
        format!("{seconds} s ({})", span(seconds))
    }
}

/// A count of things: `1 MX host`, `2 MX hosts`.
pub(super) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// An MX host's message with its preference after its name, as a list of failed hosts
/// tells it: `mx1.example.com:25 (MX 10): connection refused (...)`.
pub(super) fn host_said(host: &MxFinding, port: u16) -> String {
    let label = server_label(&host.exchange, port);
    let preference = format!("(MX {})", host.preference);
    match host.result.message.strip_prefix(&label) {
        Some(rest) => format!("{label} {preference}{rest}"),
        None => format!("{} {preference}: {}", host.exchange, host.result.message),
    }
}

/// A failure in the words a host check would use, without the server's name in front
/// (`certificate rejected: ...`), to follow a sentence that names it already.
pub(super) fn failure_words(failure: &Failure, server: &str, timeout_seconds: u32) -> String {
    let context = Context {
        server,
        timeout_seconds,
        silent_greeting_hint: None,
    };
    let said = for_failure(context, failure);
    match said.strip_prefix(server) {
        Some(rest) => rest.trim_start_matches(':').trim_start().to_string(),
        None => said,
    }
}

/// Where `domain`'s policy is served.
pub(super) fn policy_url(domain: &str) -> String {
    let host = policy_host(domain).unwrap_or_else(|| format!("mta-sts.{domain}"));
    format!("https://{host}{POLICY_PATH}")
}

/// Why the policy fetch gave no policy, in its words; none for a policy.
pub(super) fn policy_problem(
    domain: &str,
    policy: &PolicyFinding,
    timeout_seconds: u32,
) -> Option<String> {
    let url = policy_url(domain);
    Some(match policy {
        PolicyFinding::Policy(_) => return None,
        PolicyFinding::Invalid(error) => format!("the policy at {url} is not valid: {error}"),
        PolicyFinding::NoPolicy(Fetched::Redirect {
            status,
            reason,
            location,
        }) => format!(
            "{url} answered {}{}, a redirect, which senders never follow (RFC 8461 3.3)",
            status_line(*status, reason),
            location
                .as_ref()
                .map(|to| format!(" to {to}"))
                .unwrap_or_default()
        ),
        PolicyFinding::NoPolicy(Fetched::Status { status, reason }) => {
            format!("{url} answered {}", status_line(*status, reason))
        }
        PolicyFinding::NoPolicy(Fetched::Policy { .. }) => {
            format!("{url} answered a policy that was not read")
        }
        PolicyFinding::Http(error) => format!("{url}: {error}"),
        PolicyFinding::Unreachable(failure) => {
            let host = policy_host(domain).unwrap_or_else(|| format!("mta-sts.{domain}"));
            let server = server_label(&host, MTA_STS_PORT);
            let context = Context {
                server: &server,
                timeout_seconds,
                silent_greeting_hint: None,
            };
            for_failure(context, failure)
        }
    })
}

/// An HTTP status with its reason phrase, when it has one: `404 Not Found`.
fn status_line(status: u16, reason: &str) -> String {
    if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    }
}

/// What is wrong with the `_mta-sts` record, none when there is one valid record.
pub(super) fn record_problem(domain: &str, record: &StsRecordFinding) -> Option<String> {
    match record {
        StsRecordFinding::Answered(Ok(Some(_))) => None,
        StsRecordFinding::Answered(Ok(None)) => Some(format!(
            "_mta-sts.{domain} has no MTA-STS (v=STSv1) TXT record"
        )),
        StsRecordFinding::Answered(Err(error)) => Some(error.to_string()),
        StsRecordFinding::LookupFailed(why) => Some(format!(
            "the lookup of the _mta-sts.{domain} TXT record failed: {why}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_as_people_say_them() {
        assert_eq!(span(604_800), "7 days");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(129_600), "1.5 days");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(5_400), "1.5 hours");
        assert_eq!(span(120), "2 minutes");
        assert_eq!(span(90), "90 s");
        assert_eq!(age(86_400), "86400 s (1 day)");
        assert_eq!(age(30), "30 s");
    }

    #[test]
    fn failure_words_drop_the_servers_name() {
        let failure = Failure {
            phase: crate::wit::Phase::TlsHandshake,
            kind: crate::wit::ErrorKind::CertificateRejected("unknown issuer".into()),
        };
        assert_eq!(
            failure_words(&failure, "mx.example.test:25", 60),
            "certificate rejected: unknown issuer"
        );
    }
}
