//! The host's own redaction of a result: every string a component returns is scrubbed of
//! the passwords the host handed it (in every form they take on the wire), before any
//! output, history or stored file sees it. The real component redacts them itself; a
//! third-party component need not, and must not be able to publish them.

use crate::wit::{
    Capability, CheckResult, DaneResult, DnssecHealth, DomainResult, ErrorKind, Failure, Reply,
    Settings, TlsInfo,
};
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
    let tls = |tls: &mut TlsInfo| tls_info(tls, scrub);
    scrub(&mut result.message);
    for channel in &mut result.channels {
        scrub(&mut channel.name);
    }
    result.remote_address.iter_mut().for_each(scrub);
    result.banner.iter_mut().for_each(reply);
    result.last_reply.iter_mut().for_each(reply);
    capabilities(&mut result.capabilities, scrub);
    result.tls.iter_mut().for_each(tls);
    for recipient in &mut result.recipients {
        scrub(&mut recipient.address);
        reply(&mut recipient.reply);
    }
    result.message_reply.iter_mut().for_each(reply);
    if let Some(failure) = &mut result.failure {
        failure_text(failure, scrub);
    }
    for line in &mut result.transcript {
        scrub(&mut line.text);
    }
    if let Some(mailbox) = &mut result.mailbox {
        mailbox.remote_address.iter_mut().for_each(scrub);
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
    if let Some(domain) = &mut result.domain {
        domain_result(domain, scrub);
    }
    if let Some(dane) = &mut result.dane {
        dane_result(dane, scrub);
    }
}

/// A host's DANE: the TLSA name and records DNS gave, the hashes of what the server
/// presented, the words about them.
fn dane_result(dane: &mut DaneResult, scrub: &impl Fn(&mut String)) {
    scrub(&mut dane.tlsa_name);
    for record in &mut dane.records {
        scrub(&mut record.presentation);
        record.unusable.iter_mut().for_each(scrub);
    }
    dane.presented_key_sha256.iter_mut().for_each(scrub);
    dane.presented_certificate_sha256.iter_mut().for_each(scrub);
    dnssec_health(&mut dane.dnssec, scrub);
    scrub(&mut dane.message);
}

/// DNSSEC's reason and lookup, which name what DNS answered.
fn dnssec_health(health: &mut DnssecHealth, scrub: &impl Fn(&mut String)) {
    health.reason.iter_mut().for_each(scrub);
    health.earliest_signature_lookup.iter_mut().for_each(scrub);
}

/// A domain check's strings: the names DNS gave, every MX host's words as the check's own
/// (its DANE too), the policies' records, the DNSSEC reason.
fn domain_result(domain: &mut DomainResult, scrub: &impl Fn(&mut String)) {
    let reply = |reply: &mut Reply| reply.lines.iter_mut().for_each(scrub);
    scrub(&mut domain.name);
    for mx in &mut domain.mx_hosts {
        scrub(&mut mx.exchange);
        mx.addresses.iter_mut().for_each(scrub);
        scrub(&mut mx.message);
        if let Some(failure) = &mut mx.failure {
            failure_text(failure, scrub);
        }
        mx.remote_address.iter_mut().for_each(scrub);
        mx.banner.iter_mut().for_each(reply);
        capabilities(&mut mx.capabilities, scrub);
        mx.tls.iter_mut().for_each(|tls| tls_info(tls, scrub));
        mx.sts_pattern.iter_mut().for_each(scrub);
        for line in &mut mx.transcript {
            scrub(&mut line.text);
        }
        if let Some(dane) = &mut mx.dane {
            dane_result(dane, scrub);
        }
    }
    let sts = &mut domain.mta_sts;
    sts.record_id.iter_mut().for_each(scrub);
    sts.record_error.iter_mut().for_each(scrub);
    if let Some(policy) = &mut sts.policy {
        policy.mx.iter_mut().for_each(scrub);
    }
    sts.policy_error.iter_mut().for_each(scrub);
    if let Some(tls_rpt) = &mut domain.tls_rpt {
        tls_rpt.rua.iter_mut().for_each(scrub);
        tls_rpt.error.iter_mut().for_each(scrub);
    }
    domain.notes.iter_mut().for_each(scrub);
    dnssec_health(&mut domain.dnssec, scrub);
}

fn tls_info(tls: &mut TlsInfo, scrub: &impl Fn(&mut String)) {
    for text in [
        &mut tls.version,
        &mut tls.cipher_suite,
        &mut tls.subject,
        &mut tls.issuer,
        &mut tls.earliest_subject,
        &mut tls.chain_subject,
    ] {
        scrub(text);
    }
}

fn capabilities(capabilities: &mut [Capability], scrub: &impl Fn(&mut String)) {
    for capability in capabilities {
        scrub(&mut capability.keyword);
        capability.params.iter_mut().for_each(scrub);
    }
}

/// The text or reply an error kind carries.
fn failure_text(failure: &mut Failure, scrub: &impl Fn(&mut String)) {
    let reply = |reply: &mut Reply| reply.lines.iter_mut().for_each(scrub);
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
        | ErrorKind::DaneMismatch(text)
        | ErrorKind::DaneFailed(text)
        | ErrorKind::DaneWeak(text)
        | ErrorKind::DnssecBogus(text)
        | ErrorKind::DnssecSignaturesExpiring(text)
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

    /// Every string of every fixture, a domain check's included, reaches `scrub`: scrubbed
    /// to one mark, the JSON output's strings are all that mark but for the contract's
    /// names and what the output derives from numbers.
    #[test]
    fn every_string_is_scrubbed() {
        const MARK: &str = "[redacted]";
        /// The JSON keys whose strings are the contract's names or the host's own (dates,
        /// enhanced codes written from numbers).
        const NAMED: [&str; 11] = [
            "enhanced_code",
            "status",
            "state",
            "earliest_signature_expiry_utc",
            "unit",
            "phase",
            "kind",
            "direction",
            "mx_source",
            "mode",
            "not_after_utc",
        ];
        fn walk(key: &str, value: &serde_json::Value, found: &mut Vec<String>) {
            match value {
                serde_json::Value::String(text) if !NAMED.contains(&key) && text != MARK => {
                    found.push(format!("{key}: {text}"));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(key, v, found)),
                serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| walk(k, v, found)),
                _ => {}
            }
        }
        let mark = |text: &mut String| *text = MARK.into();
        for (name, sensor) in fixtures::all() {
            let mut result = sensor.result;
            if let Some(mx) = result.domain.as_mut().map(|d| &mut d.mx_hosts[0]) {
                // Fill what the fixture leaves empty, so that it is seen too.
                mx.transcript = result.transcript.clone();
                mx.transcript.push(crate::wit::TranscriptLine {
                    at_milliseconds: 1.0,
                    direction: crate::wit::Direction::Server,
                    text: "220 mx1.example.com".into(),
                });
                let sts = &mut result.domain.as_mut().unwrap().mta_sts;
                sts.record_error = Some("two records".into());
                sts.policy_error = Some("HTTP 404".into());
                result
                    .domain
                    .as_mut()
                    .unwrap()
                    .tls_rpt
                    .as_mut()
                    .unwrap()
                    .error = Some("malformed".into());
            }
            // DNSSEC's reasons, which only a failure has.
            let reason = || Some("TLSA _25._tcp.mx: expired".to_string());
            if let Some(dane) = &mut result.dane {
                dane.dnssec.reason = reason();
            }
            if let Some(domain) = &mut result.domain {
                domain.dnssec.reason = reason();
                for dane in domain.mx_hosts.iter_mut().filter_map(|mx| mx.dane.as_mut()) {
                    dane.dnssec.reason = reason();
                }
            }
            scrub_all(&mut result, &mark);
            let mut found = Vec::new();
            walk("", &crate::output::json::to_json(&result), &mut found);
            assert!(found.is_empty(), "{name}: not scrubbed: {found:?}");
        }
    }
}
