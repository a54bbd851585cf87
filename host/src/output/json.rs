//! `json`: one object for a program, or with `--all` an array of them, each with its
//! `sensor` name. Keys are snake_case; enum values are spelled as in the contract
//! (`name-lookup`, `connection-refused`). The server's words are kept as sent: JSON's own
//! escaping keeps them data.
//!
//! The object: `status` ("up" | "warning" | "down"), `message`, `channels` (a list of
//! `{name, value, unit}`, the primary channel "Response Time" in "ms" first), `timings`
//! (`{phase, ms}` in the order the phases ran), `remote_address`, `banner` and `last_reply`
//! (`{code, enhanced_code, lines}`), `capabilities` (`{keyword, params}`), `tls`,
//! `recipients`, `message_reply` (the reply to the test email, with its queue ID, or
//! null), `failure` (`{phase, kind, detail}`, or null), `transcript` (`{at_ms,
//! direction, text}`, empty unless asked for) and `mailbox` (a round trip's
//! `{remote_address, found, searches, deleted, left_flagged, latency_precision_ms, tls,
//! folder, in_spam, authentication}`, or null; `authentication` is the receiver's verdicts,
//! `{authserv_id, results: [{method, result, reason, properties: [{name, value}]}], fields,
//! from_arc}`, or null).
//!
//! A domain check (`--domain`) fills `domain`, else it is null: `{name, mx_source`
//! ("mx-records" | "implicit" | "null-mx" | "lookup-failed")`, mx_hosts, mx_not_checked,
//! mta_sts, tls_rpt, notes, dnssec}`. Each of `mx_hosts` is `{exchange, preference,
//! addresses, status, message, failure, response_ms, timings, remote_address, banner,
//! capabilities, tls, sts_pattern, sts_valid, transcript, dane}`, its fields spelled as the
//! check's own; `mta_sts` is `{record_id, record_error, policy: {mode, max_age_seconds,
//! mx}|null, policy_error, fetch_ms}`; `tls_rpt` is `{rua, error}`, or null without a
//! record. The object's own fields are then the domain's: its verdict, its channels, its
//! phases; the connection's fields are empty.
//!
//! DANE: a host check with `--dane` fills `dane`, and so does every MX host of a domain
//! check: `{tlsa_name, state` ("not-published" | "not-secure" | "unusable" | "matched" |
//! "not-matched" | "no-tls" | "bogus" | "lookup-failed")`, records: [{presentation,
//! unusable, matched_certificate}], presented_key_sha256, presented_certificate_sha256,
//! dnssec, message}`; else it is null. `dnssec`, there and as the domain's own (its MX,
//! `_mta-sts` and `_smtp._tls` answers), is `{state` ("secure" | "insecure" |
//! "indeterminate" | "bogus")`, reason, earliest_signature_expiry` (seconds since the Unix
//! epoch)`, earliest_signature_expiry_utc, earliest_signature_lookup}`.

use super::names;
use crate::sensor::Sensor;

mod dane;
use crate::wit::{
    AuthResults, Capability, CheckResult, DomainResult, ErrorKind, Failure, MtaStsResult,
    MxHostResult, PhaseTiming, Reply, TlsInfo, TranscriptLine,
};
use serde_json::{Value, json};
use smtp_sensor_guest::format_utc;

/// One sensor as an object; with `many`, every sensor in an array.
pub fn render(sensors: &[Sensor], many: bool) -> String {
    let objects: Vec<Value> = sensors.iter().map(sensor).collect();
    let value = match (many, objects.as_slice()) {
        (false, [one]) => one.clone(),
        _ => Value::Array(objects),
    };
    format!("{value}\n")
}

fn sensor(sensor: &Sensor) -> Value {
    let mut value = to_json(&sensor.result);
    if let (Some(name), Value::Object(map)) = (&sensor.name, &mut value) {
        map.insert("sensor".into(), json!(name));
    }
    value
}

/// The result as one JSON value.
pub fn to_json(result: &CheckResult) -> Value {
    json!({
        "status": names::status(result.status),
        "message": result.message,
        "channels": result.channels.iter().map(|c| json!({
            "name": c.name, "value": c.value, "unit": names::unit(c.unit),
        })).collect::<Vec<_>>(),
        "timings": timings(&result.timings),
        "remote_address": result.remote_address,
        "banner": result.banner.as_ref().map(reply),
        "last_reply": result.last_reply.as_ref().map(reply),
        "capabilities": capabilities(&result.capabilities),
        "tls": result.tls.as_ref().map(tls),
        "recipients": result.recipients.iter().map(|r| json!({
            "address": r.address, "reply": reply(&r.reply),
        })).collect::<Vec<_>>(),
        "message_reply": result.message_reply.as_ref().map(reply),
        "failure": result.failure.as_ref().map(failure),
        "transcript": transcript(&result.transcript),
        "mailbox": result.mailbox.as_ref().map(|m| json!({
            "remote_address": m.remote_address,
            "found": m.found,
            "searches": m.searches,
            "deleted": m.deleted,
            "left_flagged": m.left_flagged,
            "latency_precision_ms": m.latency_precision_ms,
            "tls": m.tls.as_ref().map(tls),
            "folder": m.folder,
            "in_spam": m.in_spam,
            "authentication": m.authentication.as_ref().map(authentication),
        })),
        "domain": result.domain.as_ref().map(domain),
        "dane": result.dane.as_ref().map(dane::dane),
    })
}

fn timings(timings: &[PhaseTiming]) -> Value {
    timings
        .iter()
        .map(|t| json!({ "phase": names::phase(t.phase), "ms": t.milliseconds }))
        .collect()
}

fn capabilities(capabilities: &[Capability]) -> Value {
    capabilities
        .iter()
        .map(|c| json!({ "keyword": c.keyword, "params": c.params }))
        .collect()
}

fn transcript(lines: &[TranscriptLine]) -> Value {
    lines
        .iter()
        .map(|l| {
            json!({
                "at_ms": l.at_milliseconds,
                "direction": names::direction(l.direction),
                "text": l.text,
            })
        })
        .collect()
}

/// A domain check's findings.
fn domain(domain: &DomainResult) -> Value {
    json!({
        "name": domain.name,
        "mx_source": names::mx_source(domain.mx_source),
        "mx_hosts": domain.mx_hosts.iter().map(mx_host).collect::<Vec<_>>(),
        "mx_not_checked": domain.mx_not_checked,
        "mta_sts": mta_sts(&domain.mta_sts),
        "tls_rpt": domain.tls_rpt.as_ref().map(|t| json!({ "rua": t.rua, "error": t.error })),
        "notes": domain.notes,
        "dnssec": dane::dnssec(&domain.dnssec),
    })
}

/// One MX host's check, its fields spelled as the check's own.
fn mx_host(mx: &MxHostResult) -> Value {
    json!({
        "exchange": mx.exchange,
        "preference": mx.preference,
        "addresses": mx.addresses,
        "status": names::status(mx.status),
        "message": mx.message,
        "failure": mx.failure.as_ref().map(failure),
        "response_ms": mx.response_milliseconds,
        "timings": timings(&mx.timings),
        "remote_address": mx.remote_address,
        "banner": mx.banner.as_ref().map(reply),
        "capabilities": capabilities(&mx.capabilities),
        "tls": mx.tls.as_ref().map(tls),
        "sts_pattern": mx.sts_pattern,
        "sts_valid": mx.sts_valid,
        "transcript": transcript(&mx.transcript),
        "dane": mx.dane.as_ref().map(dane::dane),
    })
}

fn mta_sts(sts: &MtaStsResult) -> Value {
    json!({
        "record_id": sts.record_id,
        "record_error": sts.record_error,
        "policy": sts.policy.as_ref().map(|p| json!({
            "mode": names::sts_mode(p.mode),
            "max_age_seconds": p.max_age_seconds,
            "mx": p.mx,
        })),
        "policy_error": sts.policy_error,
        "fetch_ms": sts.fetch_milliseconds,
    })
}

/// The receiver's verdicts, as the contract's `auth-results` holds them.
fn authentication(auth: &AuthResults) -> Value {
    json!({
        "authserv_id": auth.authserv_id,
        "results": auth.results.iter().map(|r| json!({
            "method": r.method,
            "result": r.result,
            "reason": r.reason,
            "properties": r.properties.iter().map(|p| json!({
                "name": p.name, "value": p.value,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "fields": auth.fields,
        "from_arc": auth.from_arc,
    })
}

fn reply(reply: &Reply) -> Value {
    json!({
        "code": reply.code,
        "enhanced_code": reply.enhanced_code.map(|e| format!("{}.{}.{}", e.class, e.subject, e.detail)),
        "lines": reply.lines,
    })
}

fn tls(tls: &TlsInfo) -> Value {
    json!({
        "version": tls.version,
        "cipher_suite": tls.cipher_suite,
        "subject": tls.subject,
        "issuer": tls.issuer,
        "not_after": tls.not_after,
        "not_after_utc": format_utc(tls.not_after),
        "earliest_expiry": {
            "subject": tls.earliest_subject,
            "not_after": tls.earliest_not_after,
            "not_after_utc": format_utc(tls.earliest_not_after),
        },
        "chain_expiry": {
            "subject": tls.chain_subject,
            "not_after": tls.chain_not_after,
            "not_after_utc": format_utc(tls.chain_not_after),
        },
        "verified": tls.verified,
    })
}

fn failure(failure: &Failure) -> Value {
    json!({
        "phase": names::phase(failure.phase),
        "kind": names::error_kind(&failure.kind),
        "detail": detail(&failure.kind),
    })
}

/// The payload of an error kind, as JSON.
fn detail(kind: &ErrorKind) -> Value {
    match kind {
        ErrorKind::InvalidSettings(s)
        | ErrorKind::NameLookupFailed(s)
        | ErrorKind::ConnectFailed(s)
        | ErrorKind::AccessDenied(s)
        | ErrorKind::ProtocolViolation(s)
        | ErrorKind::TlsFailed(s)
        | ErrorKind::CertificateRejected(s)
        | ErrorKind::AuthUnavailable(s)
        | ErrorKind::ExpectationMissed(s)
        | ErrorKind::NotSupported(s)
        | ErrorKind::MailboxFailed(s)
        | ErrorKind::DeliveredToSpam(s)
        | ErrorKind::MxHostsFailed(s)
        | ErrorKind::MtaStsFailed(s)
        | ErrorKind::DnsUnavailable(s)
        | ErrorKind::DaneMismatch(s)
        | ErrorKind::DaneFailed(s)
        | ErrorKind::DaneWeak(s)
        | ErrorKind::DnssecBogus(s)
        | ErrorKind::DnssecSignaturesExpiring(s)
        | ErrorKind::ComponentFailed(s) => json!(s),
        ErrorKind::UnexpectedReply(r) | ErrorKind::AuthFailed(r) | ErrorKind::OpenRelay(r) => {
            reply(r)
        }
        ErrorKind::CertificateExpiring(days) => json!(days),
        ErrorKind::ResponseTimeExceeded(ms)
        | ErrorKind::MessageNotDelivered(ms)
        | ErrorKind::DeliveryLatencyExceeded(ms) => json!(ms),
        ErrorKind::ConnectionRefused
        | ErrorKind::Timeout
        | ErrorKind::ConnectionClosed
        | ErrorKind::TlsNotOffered
        | ErrorKind::NullMx
        | ErrorKind::PlaintextAuthRefused => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn snapshots() {
        for (name, sensor) in fixtures::all() {
            fixtures::snapshot("json", name, &render(std::slice::from_ref(&sensor), false));
        }
    }

    #[test]
    fn dane_and_dnssec_with_the_contract_s_names() {
        let value: Value = serde_json::from_str(&render(&[fixtures::up_dane()], false)).unwrap();
        let dane = &value["dane"];
        assert_eq!(dane["tlsa_name"], "_25._tcp.mail.example.com");
        assert_eq!(dane["state"], "matched");
        assert_eq!(dane["records"][0]["matched_certificate"], 0);
        assert_eq!(dane["records"][1]["matched_certificate"], Value::Null);
        assert_eq!(dane["dnssec"]["state"], "secure");
        assert_eq!(
            dane["dnssec"]["earliest_signature_expiry_utc"],
            "2026-01-06 12:00:00 UTC"
        );
        let value: Value =
            serde_json::from_str(&render(&[fixtures::warning_domain()], false)).unwrap();
        let domain = &value["domain"];
        assert_eq!(
            domain["dnssec"]["earliest_signature_lookup"],
            "MX example.com"
        );
        assert_eq!(domain["mx_hosts"][1]["dane"]["state"], "not-published");
        assert_eq!(domain["mx_hosts"][1]["dane"]["dnssec"]["state"], "insecure");
        assert_eq!(value["dane"], Value::Null);
    }

    #[test]
    fn many_sensors_are_an_array_with_names() {
        let mut a = fixtures::up_with_tls();
        a.name = Some("mx1".into());
        let mut b = fixtures::down_before_connect();
        b.name = Some("mx2".into());
        let value: Value = serde_json::from_str(&render(&[a, b], true)).unwrap();
        assert_eq!(value[0]["sensor"], "mx1");
        assert_eq!(value[1]["sensor"], "mx2");
        assert_eq!(value[1]["failure"]["kind"], "connection-refused");
    }

    #[test]
    fn the_receiver_s_verdicts_and_the_spam_folder() {
        let out = render(&[fixtures::warning_delivered_to_spam()], false);
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["failure"]["kind"], "delivered-to-spam");
        assert_eq!(value["failure"]["detail"], "Junk");
        let mailbox = &value["mailbox"];
        assert_eq!(mailbox["folder"], "Junk");
        assert_eq!(mailbox["in_spam"], true);
        let auth = &mailbox["authentication"];
        assert_eq!(auth["authserv_id"], "receiver.test");
        assert_eq!(auth["from_arc"], false);
        let dkim = &auth["results"][1];
        assert_eq!(
            (&dkim["method"], &dkim["result"], &dkim["reason"]),
            (
                &json!("dkim"),
                &json!("fail"),
                &json!("signature verification failed")
            )
        );
        assert_eq!(
            dkim["properties"][0],
            json!({"name": "header.d", "value": "sender.test"})
        );
        assert!(
            auth["fields"][1]
                .as_str()
                .unwrap()
                .starts_with("receiver.test; dkim=fail")
        );
        let channel = value["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "In Spam Folder")
            .unwrap();
        assert_eq!(
            (&channel["value"], &channel["unit"]),
            (&json!(1.0), &json!("flag"))
        );
        // No round trip, or one that found nothing: nulls, not missing keys.
        let out = render(&[fixtures::down_not_delivered()], false);
        let value: Value = serde_json::from_str(&out).unwrap();
        assert!(value["mailbox"]["folder"].is_null());
        assert!(value["mailbox"]["authentication"].is_null());
    }

    #[test]
    fn a_domain_check_s_findings_with_the_contract_s_keys() {
        let value: Value =
            serde_json::from_str(&render(&[fixtures::warning_domain()], false)).unwrap();
        let domain = &value["domain"];
        let keys = |v: &Value| -> Vec<String> {
            let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            keys.sort_unstable();
            keys
        };
        let mut expected = [
            "name",
            "mx_source",
            "mx_hosts",
            "mx_not_checked",
            "mta_sts",
            "tls_rpt",
            "notes",
            "dnssec",
        ];
        expected.sort_unstable();
        assert_eq!(keys(domain), expected);
        assert_eq!(domain["mx_source"], "mx-records");
        let mx = &domain["mx_hosts"][1];
        let mut expected = [
            "exchange",
            "preference",
            "addresses",
            "status",
            "message",
            "failure",
            "response_ms",
            "timings",
            "remote_address",
            "banner",
            "capabilities",
            "tls",
            "sts_pattern",
            "sts_valid",
            "transcript",
            "dane",
        ];
        expected.sort_unstable();
        assert_eq!(keys(mx), expected);
        assert_eq!(
            (&mx["exchange"], &mx["preference"], &mx["status"]),
            (&json!("mx2.example.com"), &json!(20), &json!("down"))
        );
        assert_eq!(
            mx["failure"],
            json!({"phase": "banner", "kind": "timeout", "detail": null})
        );
        assert_eq!(mx["sts_valid"], false);
        assert_eq!(domain["mx_hosts"][0]["tls"]["version"], "TLSv1.3");
        assert_eq!(
            domain["mta_sts"],
            json!({
                "record_id": "20261201T000000",
                "record_error": null,
                "policy": {
                    "mode": "enforce",
                    "max_age_seconds": 604800,
                    "mx": ["mx1.example.com", "*.example.com"],
                },
                "policy_error": null,
                "fetch_ms": 55.0,
            })
        );
        assert_eq!(
            domain["tls_rpt"],
            json!({"rua": ["mailto:tlsrpt@example.com"], "error": null})
        );
        // Not a domain check: null, not missing.
        let value: Value =
            serde_json::from_str(&render(&[fixtures::up_with_tls()], false)).unwrap();
        assert!(value.as_object().unwrap().contains_key("domain"));
        assert!(value["domain"].is_null());
    }

    #[test]
    fn hostile_replies_stay_valid_json_and_intact() {
        let sensor = fixtures::hostile();
        let out = render(std::slice::from_ref(&sensor), false);
        assert_eq!(out.lines().count(), 1, "{out}");
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value["banner"]["lines"][0],
            sensor.result.banner.unwrap().lines[0]
        );
    }
}
