//! The domain's one-line message. Down or warning: the reported cause in the words a host
//! check would use (the MX hosts' own messages, the fetch's, the resolver's), and how many
//! other problems there are. Up: how many MX hosts answered and how fast, the MTA-STS mode
//! in force with its policy id, and where TLS reports go.

use super::super::findings::{MxAnswer, MxFinding, TlsRptFinding};
use super::cause::Verdict;
use super::mx::passes;
use super::published::Published;
use super::words::{count, host_said};
use crate::check::report::{Context, for_failure, one_decimal};
use crate::journal::millis;
use crate::wit::Status;

/// What the message tells of.
pub(super) struct Told<'a> {
    pub domain: &'a str,
    pub port: u16,
    pub timeout_seconds: u32,
    pub verdict: &'a Verdict,
    pub answer: &'a MxAnswer,
    pub hosts: &'a [MxFinding],
    pub published: &'a Published<'a>,
    pub tls_rpt: Option<&'a TlsRptFinding>,
}

/// The one-line message.
pub(super) fn compose(told: Told) -> String {
    let domain = told.domain;
    let Some(failure) = &told.verdict.failure else {
        return format!(
            "{domain}: {}; {}; {}",
            hosts_up(&told),
            mta_sts(told.published),
            tls_rpt(told.tls_rpt)
        );
    };
    let context = Context {
        server: domain,
        timeout_seconds: told.timeout_seconds,
        silent_greeting_hint: None,
    };
    let said = for_failure(context, failure);
    match told.verdict.others {
        0 => said,
        n => format!(
            "{said}; and {}",
            count(n, "other problem", "other problems")
        ),
    }
}

/// The MX hosts of an `up` domain: all passed.
fn hosts_up(told: &Told) -> String {
    let hosts = told.hosts;
    let slowest = hosts
        .iter()
        .map(|host| host.elapsed)
        .max()
        .unwrap_or_default();
    let ms = one_decimal(millis(slowest));
    let up = match (told.answer, hosts) {
        (MxAnswer::Implicit, _) => format!(
            "no MX record, so {} itself (the implicit MX) takes its mail: up in {ms} ms",
            told.domain
        ),
        (_, [host]) => format!(
            "its MX host {} (MX {}) is up in {ms} ms",
            host.exchange, host.preference
        ),
        _ => format!(
            "all {} MX hosts are up, the slowest in {ms} ms",
            hosts.len()
        ),
    };
    let warned: Vec<&MxFinding> = hosts
        .iter()
        .filter(|host| passes(host) && host.result.status == Status::Warning)
        .collect();
    match warned.first() {
        None => up,
        Some(first) => format!(
            "{up} ({} with a warning: {})",
            warned.len(),
            host_said(first, told.port)
        ),
    }
}

/// The MTA-STS mode in force, with the policy's id.
fn mta_sts(published: &Published) -> String {
    match (published.mode(), published.record()) {
        (Some(mode), Some(record)) => format!("MTA-STS mode {} (id {})", mode.as_str(), record.id),
        _ => "no MTA-STS".to_string(),
    }
}

/// Where TLS reports go.
fn tls_rpt(finding: Option<&TlsRptFinding>) -> String {
    match finding {
        Some(TlsRptFinding::Answered(Ok(Some(record)))) => {
            let rua: Vec<&str> = record.rua.iter().map(|uri| uri.uri.as_str()).collect();
            format!("TLS-RPT to {}", rua.join(", "))
        }
        _ => "no TLS-RPT".to_string(),
    }
}
