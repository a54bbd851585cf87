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

use super::names;
use crate::sensor::Sensor;
use crate::wit::{AuthResults, CheckResult, ErrorKind, Failure, Reply, TlsInfo};
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
        "timings": result.timings.iter().map(|t| json!({
            "phase": names::phase(t.phase), "ms": t.milliseconds,
        })).collect::<Vec<_>>(),
        "remote_address": result.remote_address,
        "banner": result.banner.as_ref().map(reply),
        "last_reply": result.last_reply.as_ref().map(reply),
        "capabilities": result.capabilities.iter().map(|c| json!({
            "keyword": c.keyword, "params": c.params,
        })).collect::<Vec<_>>(),
        "tls": result.tls.as_ref().map(tls),
        "recipients": result.recipients.iter().map(|r| json!({
            "address": r.address, "reply": reply(&r.reply),
        })).collect::<Vec<_>>(),
        "message_reply": result.message_reply.as_ref().map(reply),
        "failure": result.failure.as_ref().map(failure),
        "transcript": result.transcript.iter().map(|l| json!({
            "at_ms": l.at_milliseconds,
            "direction": names::direction(l.direction),
            "text": l.text,
        })).collect::<Vec<_>>(),
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
