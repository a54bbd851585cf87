//! `prometheus`: the text exposition format (version 0.0.4), with blackbox_exporter's names
//! where they fit (`probe_success`, `probe_duration_seconds`, `probe_dns_lookup_time_seconds`,
//! `probe_ip_protocol`, `probe_ip_addr_hash`, `probe_ssl_earliest_cert_expiry`,
//! `probe_tls_version_info`) and `smtp_*` for what only an
//! SMTP check knows (the round trip's `smtp_roundtrip_*` in [`round_trip`], a domain check's
//! `smtp_domain_*`, `smtp_mta_sts_*` and `smtp_tlsrpt_*` in [`domain`], DANE's and DNSSEC's
//! `smtp_dane_*`, `smtp_dnssec_*` and their `smtp_domain_*` per MX host in [`dane`]).
//! Every family has HELP and TYPE; with several sensors (`--all`) each series carries a
//! `sensor` label and each family is written once, so the output can feed node_exporter's
//! textfile collector. Label values from the server are made printable and
//! escaped as the format says.

use super::exposition;
use super::measurements::phase_totals;
use super::names;
use crate::sensor::Sensor;
use crate::wit::{Capability, ErrorKind, Phase, Status};
use smtp_sensor_guest::limits::channel;
use std::net::{IpAddr, SocketAddr};

/// One metric family: its name, help and samples (labels, value).
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// The families, in the order they are written.
const FAMILIES: [(&str, &str); 16] = [
    (
        "probe_success",
        "Whether the check succeeded: 1 when up or warning, 0 when down.",
    ),
    (
        "probe_duration_seconds",
        "How long the check took until its verdict (the Response Time channel).",
    ),
    (
        "probe_failed_due_to_regex",
        "Whether the check failed because the server missed an expectation (the banner \
         pattern or a required EHLO extension), as blackbox_exporter's.",
    ),
    (
        "probe_dns_lookup_time_seconds",
        "How long resolving the host name took (0 for an IP address); for a domain check, \
         looking up its MX records.",
    ),
    (
        "probe_ip_protocol",
        "The IP version of the address connected to: 4 or 6.",
    ),
    (
        "probe_ip_addr_hash",
        "A hash of the address connected to (as blackbox_exporter's): a change shows the \
         name now points elsewhere.",
    ),
    (
        "probe_ssl_earliest_cert_expiry",
        "When the first of all the certificates the server presented expires (the leaf, an \
         intermediate, a cross-sign the verified path may not use), in seconds since the \
         Unix epoch.",
    ),
    (
        "probe_ssl_last_chain_expiry_timestamp_seconds",
        "When the verified chain stops being valid: the first expiry among the leaf and the \
         intermediates of the path the verifier built (not the root, whose dates webpki does \
         not check, nor a presented certificate the path goes around; blackbox_exporter \
         counts its root too), in seconds since the Unix epoch.",
    ),
    (
        "probe_tls_version_info",
        "The TLS version negotiated with the server.",
    ),
    (
        "smtp_status",
        "The check's status: 1 for the current one of up, warning and down.",
    ),
    (
        "smtp_phase_duration_seconds",
        "How long each phase of the SMTP dialogue took.",
    ),
    (
        "smtp_send_duration_seconds",
        "From MAIL FROM until the server accepted the test email.",
    ),
    (
        "smtp_tls_certificate_verified",
        "Whether the server's certificate chain and name were verified.",
    ),
    (
        "smtp_last_reply_code",
        "The code of the last reply the server sent.",
    ),
    (
        "smtp_capability_info",
        "One series for each extension the server announced in its EHLO reply.",
    ),
    (
        "smtp_failure_info",
        "Why the check is down or degraded: the phase and the kind of failure.",
    ),
];

/// Every family, in the order they are written: the check's, the round trip's, a domain
/// check's, then DANE's and DNSSEC's.
fn families() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    FAMILIES
        .iter()
        .chain(round_trip::FAMILIES.iter())
        .chain(domain::FAMILIES.iter())
        .chain(dane::FAMILIES.iter())
}

/// Every sensor's metrics in one exposition.
pub fn render(sensors: &[Sensor]) -> String {
    let mut families: Vec<Family> = families()
        .map(|&(name, help)| Family {
            name,
            help,
            samples: Vec::new(),
        })
        .collect();
    for sensor in sensors {
        let mut add = |name: &str, labels: Vec<(&'static str, String)>, value: f64| {
            let mut all = Vec::with_capacity(labels.len() + 1);
            if let Some(sensor) = &sensor.name {
                all.push(("sensor", sensor.clone()));
            }
            all.extend(labels);
            let family = families
                .iter_mut()
                .find(|f| f.name == name)
                .expect("every family is listed in FAMILIES");
            family.samples.push((all, value));
        };
        let result = &sensor.result;
        let phases = phase_totals(result);
        let phase_seconds = |phase: Phase| {
            phases
                .iter()
                .find(|(p, _)| *p == phase)
                .map_or(0.0, |(_, ms)| ms_to_seconds(*ms))
        };
        let channel_value = |name: &str| channel_value(result, name);
        add(
            "probe_success",
            vec![],
            bool_value(result.status != Status::Down),
        );
        let missed = result
            .failure
            .as_ref()
            .is_some_and(|f| matches!(f.kind, ErrorKind::ExpectationMissed(_)));
        add("probe_failed_due_to_regex", vec![], bool_value(missed));
        add(
            "probe_duration_seconds",
            vec![],
            ms_to_seconds(channel_value(channel::RESPONSE_TIME).unwrap_or(0.0)),
        );
        let lookup = match result.domain {
            Some(_) => Phase::MxLookup,
            None => Phase::NameLookup,
        };
        add(
            "probe_dns_lookup_time_seconds",
            vec![],
            phase_seconds(lookup),
        );
        let connected = result.remote_address.as_deref().and_then(address);
        if let Some(ip) = connected {
            add(
                "probe_ip_protocol",
                vec![],
                if ip.is_ipv4() { 4.0 } else { 6.0 },
            );
            add("probe_ip_addr_hash", vec![], f64::from(address_hash(ip)));
        }
        if let Some(tls) = &result.tls {
            if !tls.subject.is_empty() {
                add(
                    "probe_ssl_earliest_cert_expiry",
                    vec![],
                    tls.earliest_not_after as f64,
                );
                if tls.verified {
                    add(
                        "probe_ssl_last_chain_expiry_timestamp_seconds",
                        vec![],
                        tls.chain_not_after as f64,
                    );
                }
                add(
                    "smtp_tls_certificate_verified",
                    vec![],
                    bool_value(tls.verified),
                );
            }
            if !tls.version.is_empty() {
                add(
                    "probe_tls_version_info",
                    vec![("version", blackbox_tls_version(&tls.version))],
                    1.0,
                );
            }
        }
        for status in [Status::Up, Status::Warning, Status::Down] {
            add(
                "smtp_status",
                vec![("status", names::status(status).to_string())],
                bool_value(result.status == status),
            );
        }
        for (phase, ms) in &phases {
            add(
                "smtp_phase_duration_seconds",
                vec![("phase", names::phase(*phase).to_string())],
                ms_to_seconds(*ms),
            );
        }
        if let Some(ms) = channel_value(channel::SEND_TIME) {
            add("smtp_send_duration_seconds", vec![], ms_to_seconds(ms));
        }
        if let Some(reply) = &result.last_reply {
            add("smtp_last_reply_code", vec![], f64::from(reply.code));
        }
        for (name, labels, value) in round_trip::samples(result)
            .into_iter()
            .chain(domain::samples(result))
            .chain(dane::samples(result))
        {
            add(name, labels, value);
        }
        for keyword in announced_keywords(&result.capabilities) {
            add("smtp_capability_info", vec![("keyword", keyword)], 1.0);
        }
        if let Some(failure) = &result.failure {
            add(
                "smtp_failure_info",
                vec![
                    ("phase", names::phase(failure.phase).to_string()),
                    ("kind", names::error_kind(&failure.kind).to_string()),
                ],
                1.0,
            );
        }
    }
    let mut out = String::new();
    for family in families.iter().filter(|f| !f.samples.is_empty()) {
        exposition::header(&mut out, family.name, "gauge", family.help);
        for (labels, value) in &family.samples {
            let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            exposition::sample(&mut out, family.name, &labels, exposition::float(*value));
        }
    }
    out
}

/// The keywords of an EHLO reply, each once, in the order first announced. A server may
/// repeat a keyword (two `AUTH` lines, say, each with some of the methods); two series with
/// the same labels in one scrape are duplicates, which Prometheus drops. The parameters are no label (unbounded, and a change would start a new series), so
/// a repeated keyword's announcements merge into its one series whatever their parameters;
/// the text and JSON outputs keep every line as sent.
fn announced_keywords(capabilities: &[Capability]) -> Vec<String> {
    let mut keywords: Vec<String> = Vec::with_capacity(capabilities.len());
    for capability in capabilities {
        if !keywords.contains(&capability.keyword) {
            keywords.push(capability.keyword.clone());
        }
    }
    keywords
}

/// Milliseconds as seconds, rounded to the nanosecond so that no binary-fraction noise
/// (0.0025819999999999997) reaches the exposition.
fn ms_to_seconds(ms: f64) -> f64 {
    (ms * 1e6).round() / 1e9
}

fn bool_value(yes: bool) -> f64 {
    if yes { 1.0 } else { 0.0 }
}

/// The IP address of a result's `remote-address` ("192.0.2.25:25", "[2001:db8::25]:465").
fn address(remote: &str) -> Option<IpAddr> {
    remote
        .parse::<SocketAddr>()
        .ok()
        .map(|a| a.ip().to_canonical())
}

/// 32-bit FNV-1a of the address's bytes (4 for IPv4, 16 for IPv6): the hash blackbox_exporter
/// gives as `probe_ip_addr_hash`, so the same address has the same value from either prober.
fn address_hash(ip: IpAddr) -> u32 {
    let fnv1a = |bytes: &[u8]| {
        bytes.iter().fold(0x811c_9dc5, |hash: u32, byte| {
            (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
        })
    };
    match ip {
        IpAddr::V4(v4) => fnv1a(&v4.octets()),
        IpAddr::V6(v6) => fnv1a(&v6.octets()),
    }
}

/// "TLSv1.3" as blackbox_exporter labels it: "TLS 1.3".
fn blackbox_tls_version(version: &str) -> String {
    match version.strip_prefix("TLSv") {
        Some(number) => format!("TLS {number}"),
        None => version.to_string(),
    }
}

mod dane;
mod domain;
mod round_trip;
#[cfg(test)]
mod tests;

/// The value of the result's channel `name`, if it has one.
fn channel_value(result: &crate::wit::CheckResult, name: &str) -> Option<f64> {
    result
        .channels
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value)
}
