//! Renders a result: `text` for people, `json` for programs. Enum values are spelled as in
//! the WIT contract (`name-lookup`, `connection-refused`); JSON keys are snake_case.
//!
//! The JSON object: `status` ("up" | "warning" | "down"), `message`, `channels` (a list of
//! `{name, value, unit}`, the primary channel "Response Time" in "ms" first), `timings`
//! (`{phase, ms}` in the order the phases ran), `remote_address`, `banner` and `last_reply`
//! (`{code, enhanced_code, lines}`), `capabilities` (`{keyword, params}`), `tls`,
//! `recipients`, `failure` (`{phase, kind, detail}`, or null) and `transcript`
//! (`{at_ms, direction, text}`, empty unless asked for).

use crate::wit::{
    Capability, ChannelUnit, CheckResult, Direction, ErrorKind, Failure, Phase, Reply, Status,
    TlsInfo,
};
use serde_json::{Value, json};
use smtp_sensor_guest::dates::format_utc;
use std::fmt::Write as _;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A summary for people.
    Text,
    /// One JSON object.
    Json,
}

/// The result in `format`, ending in a newline.
pub fn render(result: &CheckResult, format: Format) -> String {
    match format {
        Format::Text => to_text(result),
        Format::Json => format!("{}\n", to_json(result)),
    }
}

/// The result as one JSON value.
pub fn to_json(result: &CheckResult) -> Value {
    json!({
        "status": status_name(result.status),
        "message": result.message,
        "channels": result.channels.iter().map(|c| json!({
            "name": c.name, "value": c.value, "unit": unit_name(c.unit),
        })).collect::<Vec<_>>(),
        "timings": result.timings.iter().map(|t| json!({
            "phase": phase_name(t.phase), "ms": t.milliseconds,
        })).collect::<Vec<_>>(),
        "remote_address": result.remote_address,
        "banner": result.banner.as_ref().map(reply_json),
        "last_reply": result.last_reply.as_ref().map(reply_json),
        "capabilities": result.capabilities.iter().map(capability_json).collect::<Vec<_>>(),
        "tls": result.tls.as_ref().map(tls_json),
        "recipients": result.recipients.iter().map(|r| json!({
            "address": r.address, "reply": reply_json(&r.reply),
        })).collect::<Vec<_>>(),
        "failure": result.failure.as_ref().map(failure_json),
        "transcript": result.transcript.iter().map(|l| json!({
            "at_ms": l.at_milliseconds, "direction": direction_name(l.direction), "text": l.text,
        })).collect::<Vec<_>>(),
    })
}

/// The result as a few lines for a terminal.
pub fn to_text(result: &CheckResult) -> String {
    let mut out = format!(
        "{}: {}\n",
        status_name(result.status).to_uppercase(),
        result.message
    );
    for channel in &result.channels {
        let _ = writeln!(
            out,
            "  {:<20}{} {}",
            channel.name,
            number(channel.value),
            unit_name(channel.unit)
        );
    }
    if !result.timings.is_empty() {
        let timings: Vec<String> = result
            .timings
            .iter()
            .map(|t| format!("{} {} ms", phase_name(t.phase), number(t.milliseconds)))
            .collect();
        let _ = writeln!(out, "  timings: {}", timings.join(", "));
    }
    if let Some(remote) = &result.remote_address {
        let _ = writeln!(out, "  connected to: {remote}");
    }
    if let Some(tls) = &result.tls {
        let verified = if tls.verified {
            "verified"
        } else {
            "NOT verified"
        };
        let _ = writeln!(out, "  tls: {} {}", tls.version, tls.cipher_suite);
        if !tls.subject.is_empty() {
            let _ = writeln!(
                out,
                "  certificate: {} issued by {}, expires {}, {verified}",
                tls.subject,
                tls.issuer,
                format_utc(tls.not_after)
            );
        }
    }
    if let Some(banner) = &result.banner {
        let _ = writeln!(out, "  banner: {}", reply_line(banner));
    }
    if !result.capabilities.is_empty() {
        let capabilities: Vec<String> = result
            .capabilities
            .iter()
            .map(|c| {
                std::iter::once(c.keyword.as_str())
                    .chain(c.params.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let _ = writeln!(out, "  capabilities: {}", capabilities.join(", "));
    }
    for recipient in &result.recipients {
        let _ = writeln!(
            out,
            "  recipient {}: {}",
            recipient.address,
            reply_line(&recipient.reply)
        );
    }
    if let Some(reply) = &result.last_reply {
        let _ = writeln!(out, "  last reply: {}", reply_line(reply));
    }
    if !result.transcript.is_empty() {
        let _ = writeln!(out, "  transcript:");
        for line in &result.transcript {
            let arrow = match line.direction {
                Direction::Client => "C:",
                Direction::Server => "S:",
                Direction::Note => "--",
            };
            let _ = writeln!(
                out,
                "    {:>9} ms {arrow} {}",
                number(line.at_milliseconds),
                line.text
            );
        }
    }
    out
}

/// A number with at most three decimals, without trailing zeros.
fn number(value: f64) -> String {
    let fixed = format!("{value:.3}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// A reply on one line: code and every line's text.
pub fn reply_line(reply: &Reply) -> String {
    format!("{} {}", reply.code, reply.lines.join(" | "))
        .trim_end()
        .to_string()
}

fn reply_json(reply: &Reply) -> Value {
    json!({
        "code": reply.code,
        "enhanced_code": reply.enhanced_code.map(|e| format!("{}.{}.{}", e.class, e.subject, e.detail)),
        "lines": reply.lines,
    })
}

fn capability_json(capability: &Capability) -> Value {
    json!({ "keyword": capability.keyword, "params": capability.params })
}

fn tls_json(tls: &TlsInfo) -> Value {
    json!({
        "version": tls.version,
        "cipher_suite": tls.cipher_suite,
        "subject": tls.subject,
        "issuer": tls.issuer,
        "not_after": tls.not_after,
        "not_after_utc": format_utc(tls.not_after),
        "verified": tls.verified,
    })
}

fn failure_json(failure: &Failure) -> Value {
    let (kind, detail) = error_kind(&failure.kind);
    json!({ "phase": phase_name(failure.phase), "kind": kind, "detail": detail })
}

/// The kind's WIT name and its payload as JSON.
pub fn error_kind(kind: &ErrorKind) -> (&'static str, Value) {
    match kind {
        ErrorKind::InvalidSettings(s) => ("invalid-settings", json!(s)),
        ErrorKind::NameLookupFailed(s) => ("name-lookup-failed", json!(s)),
        ErrorKind::ConnectionRefused => ("connection-refused", Value::Null),
        ErrorKind::ConnectFailed(s) => ("connect-failed", json!(s)),
        ErrorKind::AccessDenied(s) => ("access-denied", json!(s)),
        ErrorKind::Timeout => ("timeout", Value::Null),
        ErrorKind::ConnectionClosed => ("connection-closed", Value::Null),
        ErrorKind::UnexpectedReply(r) => ("unexpected-reply", reply_json(r)),
        ErrorKind::ProtocolViolation(s) => ("protocol-violation", json!(s)),
        ErrorKind::TlsNotOffered => ("tls-not-offered", Value::Null),
        ErrorKind::TlsFailed(s) => ("tls-failed", json!(s)),
        ErrorKind::CertificateRejected(s) => ("certificate-rejected", json!(s)),
        ErrorKind::CertificateExpiring(days) => ("certificate-expiring", json!(days)),
        ErrorKind::AuthUnavailable(s) => ("auth-unavailable", json!(s)),
        ErrorKind::PlaintextAuthRefused => ("plaintext-auth-refused", Value::Null),
        ErrorKind::AuthFailed(r) => ("auth-failed", reply_json(r)),
        ErrorKind::NotSupported(s) => ("not-supported", json!(s)),
        ErrorKind::ComponentFailed(s) => ("component-failed", json!(s)),
    }
}

/// A status as the contract spells it.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Up => "up",
        Status::Warning => "warning",
        Status::Down => "down",
    }
}

/// A unit's short name, as the JSON and text outputs show it.
pub fn unit_name(unit: ChannelUnit) -> &'static str {
    match unit {
        ChannelUnit::Milliseconds => "ms",
        ChannelUnit::Days => "days",
        ChannelUnit::Percent => "%",
    }
}

/// A phase as the contract spells it.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Settings => "settings",
        Phase::NameLookup => "name-lookup",
        Phase::Connect => "connect",
        Phase::TlsHandshake => "tls-handshake",
        Phase::Banner => "banner",
        Phase::Ehlo => "ehlo",
        Phase::Starttls => "starttls",
        Phase::EhloAfterTls => "ehlo-after-tls",
        Phase::Auth => "auth",
        Phase::MailFrom => "mail-from",
        Phase::RcptTo => "rcpt-to",
        Phase::Data => "data",
        Phase::Quit => "quit",
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "client",
        Direction::Server => "server",
        Direction::Note => "note",
    }
}
