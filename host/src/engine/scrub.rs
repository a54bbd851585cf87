//! The host's own redaction of a result: every string a component returns is scrubbed of
//! the passwords the host handed it (in every form they take on the wire), before any
//! output, history or stored file sees it. The real component redacts them itself; a
//! third-party component need not, and must not be able to publish them.

use crate::wit::{CheckResult, ErrorKind, Reply, Settings, TlsInfo};
use smtp_sensor_guest::mailbox_wire_forms as mailbox_forms;
use smtp_sensor_guest::sasl::wire_forms as smtp_forms;
use smtp_sensor_guest::{Secret, redact_all};

/// Takes every form of the passwords in `settings` out of every string of `result`.
pub fn passwords(result: &mut CheckResult, settings: &Settings) {
    let mut secrets = Vec::new();
    if let Some(auth) = &settings.authentication {
        let password = Secret::new(auth.password.clone());
        secrets.extend(smtp_forms(&auth.user, &password));
        secrets.extend(mailbox_forms(&password));
    }
    if let Some(mailbox) = &settings.mailbox {
        secrets.extend(mailbox_forms(&Secret::new(mailbox.password.clone())));
    }
    if secrets.is_empty() {
        return;
    }
    let scrub = |text: &mut String| {
        if secrets.iter().any(|s| text.contains(s.expose())) {
            *text = redact_all(text, &secrets);
        }
    };
    scrub_all(result, &scrub);
}

/// Applies `scrub` to every string of `result`.
fn scrub_all(result: &mut CheckResult, scrub: &impl Fn(&mut String)) {
    let reply = |reply: &mut Reply| reply.lines.iter_mut().for_each(scrub);
    let tls = |tls: &mut TlsInfo| {
        for text in [
            &mut tls.version,
            &mut tls.cipher_suite,
            &mut tls.subject,
            &mut tls.issuer,
            &mut tls.earliest_subject,
        ] {
            scrub(text);
        }
    };
    scrub(&mut result.message);
    for channel in &mut result.channels {
        scrub(&mut channel.name);
    }
    if let Some(address) = &mut result.remote_address {
        scrub(address);
    }
    result.banner.iter_mut().for_each(reply);
    result.last_reply.iter_mut().for_each(reply);
    for capability in &mut result.capabilities {
        scrub(&mut capability.keyword);
        capability.params.iter_mut().for_each(scrub);
    }
    result.tls.iter_mut().for_each(tls);
    for recipient in &mut result.recipients {
        scrub(&mut recipient.address);
        reply(&mut recipient.reply);
    }
    if let Some(failure) = &mut result.failure {
        match &mut failure.kind {
            ErrorKind::InvalidSettings(text)
            | ErrorKind::NameLookupFailed(text)
            | ErrorKind::ConnectFailed(text)
            | ErrorKind::AccessDenied(text)
            | ErrorKind::ProtocolViolation(text)
            | ErrorKind::TlsFailed(text)
            | ErrorKind::CertificateRejected(text)
            | ErrorKind::AuthUnavailable(text)
            | ErrorKind::ExpectationMissed(text)
            | ErrorKind::NotSupported(text)
            | ErrorKind::MailboxFailed(text)
            | ErrorKind::DeliveredToSpam(text)
            | ErrorKind::MxHostsFailed(text)
            | ErrorKind::MtaStsFailed(text)
            | ErrorKind::DnsUnavailable(text)
            | ErrorKind::ComponentFailed(text) => scrub(text),
            ErrorKind::UnexpectedReply(r) | ErrorKind::OpenRelay(r) | ErrorKind::AuthFailed(r) => {
                reply(r)
            }
            ErrorKind::ConnectionRefused
            | ErrorKind::Timeout
            | ErrorKind::ConnectionClosed
            | ErrorKind::TlsNotOffered
            | ErrorKind::CertificateExpiring(_)
            | ErrorKind::ResponseTimeExceeded(_)
            | ErrorKind::PlaintextAuthRefused
            | ErrorKind::MessageNotDelivered(_)
            | ErrorKind::NullMx
            | ErrorKind::DeliveryLatencyExceeded(_) => {}
        }
    }
    for line in &mut result.transcript {
        scrub(&mut line.text);
    }
    if let Some(mailbox) = &mut result.mailbox {
        if let Some(address) = &mut mailbox.remote_address {
            scrub(address);
        }
        mailbox.tls.iter_mut().for_each(tls);
        mailbox.folder.iter_mut().for_each(scrub);
        if let Some(auth) = &mut mailbox.authentication {
            scrub(&mut auth.authserv_id);
            auth.fields.iter_mut().for_each(scrub);
            for result in &mut auth.results {
                scrub(&mut result.method);
                scrub(&mut result.result);
                result.reason.iter_mut().for_each(scrub);
                for property in &mut result.properties {
                    scrub(&mut property.name);
                    scrub(&mut property.value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn the_receiver_s_words_are_scrubbed_too() {
        let mut result = fixtures::warning_delivered_to_spam().result;
        let secret = "pw-s3cret";
        result.failure = Some(crate::wit::Failure {
            phase: crate::wit::Phase::MailboxSearch,
            kind: ErrorKind::DeliveredToSpam(format!("Junk {secret}")),
        });
        let mailbox = result.mailbox.as_mut().unwrap();
        mailbox.folder = Some(format!("Junk {secret}"));
        let auth = mailbox.authentication.as_mut().unwrap();
        auth.authserv_id = secret.into();
        auth.fields.push(format!("x; dkim=pass reason={secret}"));
        auth.results[0].reason = Some(secret.into());
        auth.results[0].properties[0].value = secret.into();
        let scrub = |text: &mut String| *text = text.replace(secret, "[redacted]");
        scrub_all(&mut result, &scrub);
        let json = crate::output::json::to_json(&result).to_string();
        assert!(!json.contains(secret), "{json}");
        assert!(json.contains("\"detail\":\"Junk [redacted]\""), "{json}");
    }
}
