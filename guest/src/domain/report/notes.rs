//! The domain's notes: what is worth knowing but changes no verdict. MX records beyond
//! the checked ones, a null MX beside others, what the policy's parser noticed, a policy in mode `none`, a TLS-RPT
//! record that is broken or could not be read, and MTA-STS without TLS-RPT (senders then
//! cannot report the deliveries the policy fails).

use super::super::findings::{MxAnswer, TlsRptFinding};
use super::super::sts_policy::StsMode;
use super::published::Published;
use crate::limits::MAX_MX_HOSTS;
use crate::wit::TlsRptResult;

/// The notes, in that order.
pub(super) fn list(
    domain: &str,
    answer: &MxAnswer,
    published: &Published,
    tls_rpt: Option<&TlsRptFinding>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let MxAnswer::Records {
        beyond,
        null_beside,
    } = answer
    {
        if *beyond > 0 {
            let records = if *beyond == 1 { "record" } else { "records" };
            notes.push(format!(
                "{beyond} more MX {records} beyond the first {MAX_MX_HOSTS} were not checked"
            ));
        }
        if *null_beside {
            notes.push(
                "a null MX (\"MX 0 .\") stands beside the other MX records, which RFC 7505 \
                 section 3 forbids: senders ignore it and deliver to the others"
                    .to_string(),
            );
        }
    }
    if let Some(policy) = published.policy() {
        if policy.mode == StsMode::None {
            notes.push(
                "the MTA-STS policy's mode is none: the domain is withdrawing MTA-STS, and \
                 senders apply no policy"
                    .to_string(),
            );
        }
        notes.extend(policy.notes.iter().map(ToString::to_string));
    }
    match tls_rpt {
        Some(TlsRptFinding::Answered(Err(error))) => notes.push(error.to_string()),
        Some(TlsRptFinding::LookupFailed(why)) => notes.push(format!(
            "the lookup of the _smtp._tls.{domain} TXT record failed: {why}"
        )),
        Some(TlsRptFinding::Answered(Ok(None))) if published.any() => notes.push(format!(
            "the domain publishes MTA-STS but no TLS-RPT record (_smtp._tls.{domain}): \
             senders cannot report the deliveries its policy fails (RFC 8460)"
        )),
        _ => {}
    }
    notes
}

/// The TLS-RPT record in the contract's terms, when the domain publishes one (well
/// formed or not).
pub(super) fn tls_rpt_result(tls_rpt: Option<&TlsRptFinding>) -> Option<TlsRptResult> {
    match tls_rpt? {
        TlsRptFinding::Answered(Ok(Some(record))) => Some(TlsRptResult {
            rua: record.rua.iter().map(|uri| uri.uri.clone()).collect(),
            error: None,
        }),
        TlsRptFinding::Answered(Err(error)) => Some(TlsRptResult {
            rua: Vec::new(),
            error: Some(error.to_string()),
        }),
        TlsRptFinding::Answered(Ok(None)) | TlsRptFinding::LookupFailed(_) => None,
    }
}
