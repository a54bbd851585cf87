//! A round trip's receiver in words, for the formats that have one line to say it in
//! (Nagios' status line, PRTG's sensor text): the spam folder the test email landed in and
//! each email-authentication method whose verdict was not `pass`. The component's message
//! says what judged the check; this says what the receiver thought even when it judged
//! nothing (a DKIM failure no `--expect-auth` asked about).

use super::names::{AUTH_METHODS, auth_method};
use crate::wit::{AuthResults, CheckResult, ErrorKind};
use smtp_sensor_guest::auth_results;
use std::borrow::Cow;

/// The verdict on each of SPF, DKIM, DMARC and ARC the receiver reported, in that order,
/// by the core's one rule (`auth_results::Trusted::verdict`: the topmost field reporting
/// the method decides; for DKIM a passing signature, for SPF the envelope sender's), read
/// again from the fields the result quotes, so this line and the component's channels agree.
pub fn by_method(auth: &AuthResults) -> Vec<(&'static str, String)> {
    let (fields, arc): (&[String], &[String]) = if auth.from_arc {
        (&[], &auth.fields)
    } else {
        (&auth.fields, &[])
    };
    let Some(trusted) = auth_results::trusted(fields, arc, Some(&auth.authserv_id)) else {
        return Vec::new();
    };
    AUTH_METHODS
        .iter()
        .filter_map(|&method| {
            let name = auth_method(method);
            Some((name, trusted.verdict(name)?.result.clone()))
        })
        .collect()
}

/// What the receiver did that the component's message may not say: the spam folder (unless
/// the failure is that, and the message says so already) and the methods that did not pass
/// (`dkim=fail, dmarc=fail`). None when there is nothing to say.
pub fn summary(result: &CheckResult) -> Option<String> {
    let mailbox = result.mailbox.as_ref()?;
    let mut parts = Vec::new();
    let said = result
        .failure
        .as_ref()
        .is_some_and(|f| matches!(f.kind, ErrorKind::DeliveredToSpam(_)));
    if mailbox.in_spam && !said {
        let folder = mailbox.folder.as_deref().unwrap_or("spam");
        parts.push(format!("delivered to spam (the folder {folder:?})"));
    }
    if let Some(auth) = &mailbox.authentication {
        let failed: Vec<String> = by_method(auth)
            .into_iter()
            .filter(|(_, verdict)| *verdict != "pass")
            .map(|(method, verdict)| format!("{method}={verdict}"))
            .collect();
        if !failed.is_empty() {
            parts.push(format!("the receiver's verdicts: {}", failed.join(", ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The component's message, with the [`summary`] after it when there is one.
pub fn message(result: &CheckResult) -> Cow<'_, str> {
    match summary(result) {
        Some(summary) => Cow::Owned(format!("{}; {summary}", result.message)),
        None => Cow::Borrowed(&result.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::wit::Failure;

    #[test]
    fn only_what_did_not_pass_is_said() {
        assert_eq!(summary(&fixtures::up_round_trip_verdicts().result), None);
        assert_eq!(summary(&fixtures::up_round_trip().result), None);
        assert_eq!(summary(&fixtures::up_with_tls().result), None);
        let spam = fixtures::warning_delivered_to_spam().result;
        // The message says the folder already; the methods it does not.
        assert_eq!(
            summary(&spam).as_deref(),
            Some("the receiver's verdicts: dkim=fail, dmarc=fail")
        );
        assert!(
            message(&spam).ends_with("\"Junk\"; the receiver's verdicts: dkim=fail, dmarc=fail")
        );
    }

    #[test]
    fn the_folder_is_said_when_another_failure_judged_the_check() {
        let mut spam = fixtures::warning_delivered_to_spam().result;
        spam.failure = Some(Failure {
            phase: crate::wit::Phase::MailboxFetch,
            kind: ErrorKind::ExpectationMissed("dkim=fail".into()),
        });
        assert_eq!(
            summary(&spam).as_deref(),
            Some(
                "delivered to spam (the folder \"Junk\"); the receiver's verdicts: dkim=fail, \
                 dmarc=fail"
            )
        );
    }

    #[test]
    fn one_passing_result_of_a_method_is_its_pass() {
        let mut auth = fixtures::warning_delivered_to_spam()
            .result
            .mailbox
            .unwrap()
            .authentication
            .unwrap();
        // A second DKIM signature in the receiver's DKIM field, one that verified.
        auth.fields[1].push_str("; dkim=pass header.d=sender.test");
        assert_eq!(
            by_method(&auth),
            [
                ("spf", "pass".to_string()),
                ("dkim", "pass".to_string()),
                ("dmarc", "fail".to_string())
            ]
        );
    }
}
