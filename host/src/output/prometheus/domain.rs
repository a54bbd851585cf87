//! A domain check's families: `smtp_domain_*` for its MX hosts, one series per host by an
//! `mx` label (as blackbox_exporter's families, with the host's name where blackbox has
//! none), `smtp_mta_sts_*` for its MTA-STS policy and `smtp_tlsrpt_*` for its TLS-RPT
//! record. `probe_success` and `probe_duration_seconds` stay the domain's (the slowest MX
//! host's time). A name that two MX records share (two preferences) is one series, the
//! first's: two series with the same labels are duplicates, which Prometheus drops.

use super::round_trip::Sample;
use super::{bool_value, ms_to_seconds};
use crate::output::names;
use crate::wit::{CheckResult, DomainResult, MxHostResult, MxSource, Status};
use smtp_sensor_guest::limits::channel;

/// The domain's families, in the order they are written.
pub(super) const FAMILIES: [(&str, &str); 16] = [
    (
        "smtp_domain_mx_source",
        "Domain check: where the MX hosts came from, 1 for the current one of mx-records, \
         implicit (no MX record: the domain's own address), null-mx (it accepts no mail) \
         and lookup-failed.",
    ),
    (
        "smtp_domain_mx_hosts",
        "Domain check: how many MX hosts were checked (the MX Hosts channel).",
    ),
    (
        "smtp_domain_mx_hosts_up",
        "Domain check: how many MX hosts passed, up or warning (the MX Hosts Up channel).",
    ),
    (
        "smtp_domain_mx_not_checked",
        "Domain check: MX records beyond the ten checked.",
    ),
    (
        "smtp_domain_mx_up",
        "Domain check: whether the MX host passed, 1 when up or warning, 0 when down.",
    ),
    (
        "smtp_domain_mx_status",
        "Domain check: the MX host's status, 1 for the current one of up, warning and down.",
    ),
    (
        "smtp_domain_mx_duration_seconds",
        "Domain check: how long the MX host's check took until its verdict, its name lookup \
         included.",
    ),
    (
        "smtp_domain_mx_ssl_earliest_cert_expiry",
        "Domain check: when the first of all the certificates the MX host presented expires, \
         in seconds since the Unix epoch (as probe_ssl_earliest_cert_expiry counts).",
    ),
    (
        "smtp_domain_mx_tls_version_info",
        "Domain check: the TLS version negotiated with the MX host.",
    ),
    (
        "smtp_domain_mx_sts_valid",
        "Domain check: whether the MX host meets the MTA-STS policy: it matches one of the \
         policy's mx patterns and presented a certificate valid for its name over TLS 1.2 or \
         later (only with a policy).",
    ),
    (
        "smtp_domain_mx_failure_info",
        "Domain check: why the MX host is down or degraded: the phase and the kind of failure.",
    ),
    (
        "smtp_mta_sts_mode",
        "Domain check: the MTA-STS policy's mode, 2 enforce, 1 testing, 0 none or no policy \
         (the MTA-STS Mode channel).",
    ),
    (
        "smtp_mta_sts_policy_info",
        "Domain check: the MTA-STS policy fetched, with its mode and the _mta-sts record's id \
         (empty without a valid record).",
    ),
    (
        "smtp_mta_sts_max_age_seconds",
        "Domain check: how long senders may cache the MTA-STS policy (its max_age).",
    ),
    (
        "smtp_mta_sts_record_valid",
        "Domain check: whether the domain has exactly one well-formed _mta-sts TXT record.",
    ),
    (
        "smtp_tlsrpt_record_valid",
        "Domain check: whether the domain has exactly one well-formed _smtp._tls TXT record \
         (TLS-RPT, RFC 8460); 0 without one.",
    ),
];

/// A domain check's samples; none for any other check.
pub(super) fn samples(result: &CheckResult) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    let Some(domain) = &result.domain else {
        return out;
    };
    let channel_value = |name: &str| super::channel_value(result, name);
    let mut add = |name: &'static str, labels: Vec<(&'static str, String)>, value: f64| {
        out.push((name, labels, value));
    };
    for source in [
        MxSource::MxRecords,
        MxSource::Implicit,
        MxSource::NullMx,
        MxSource::LookupFailed,
    ] {
        add(
            "smtp_domain_mx_source",
            vec![("source", names::mx_source(source).to_string())],
            bool_value(domain.mx_source == source),
        );
    }
    if let Some(count) = channel_value(channel::MX_HOSTS) {
        add("smtp_domain_mx_hosts", vec![], count);
    }
    if let Some(count) = channel_value(channel::MX_HOSTS_UP) {
        add("smtp_domain_mx_hosts_up", vec![], count);
    }
    add(
        "smtp_domain_mx_not_checked",
        vec![],
        f64::from(domain.mx_not_checked),
    );
    for mx in distinct_hosts(domain) {
        mx_host(mx, &mut add);
    }
    add(
        "smtp_mta_sts_mode",
        vec![],
        channel_value(channel::MTA_STS_MODE).unwrap_or(0.0),
    );
    let sts = &domain.mta_sts;
    if let Some(policy) = &sts.policy {
        add(
            "smtp_mta_sts_policy_info",
            vec![
                ("mode", names::sts_mode(policy.mode).to_string()),
                ("id", sts.record_id.clone().unwrap_or_default()),
            ],
            1.0,
        );
        add(
            "smtp_mta_sts_max_age_seconds",
            vec![],
            f64::from(policy.max_age_seconds),
        );
    }
    add(
        "smtp_mta_sts_record_valid",
        vec![],
        bool_value(sts.record_id.is_some() && sts.record_error.is_none()),
    );
    add(
        "smtp_tlsrpt_record_valid",
        vec![],
        bool_value(domain.tls_rpt.as_ref().is_some_and(|t| t.error.is_none())),
    );
    out
}

/// One MX host's series, each labelled with its name.
fn mx_host(
    mx: &MxHostResult,
    add: &mut impl FnMut(&'static str, Vec<(&'static str, String)>, f64),
) {
    let name = || ("mx", mx.exchange.clone());
    add(
        "smtp_domain_mx_up",
        vec![name(), ("preference", mx.preference.to_string())],
        bool_value(mx.status != Status::Down),
    );
    for status in [Status::Up, Status::Warning, Status::Down] {
        add(
            "smtp_domain_mx_status",
            vec![name(), ("status", names::status(status).to_string())],
            bool_value(mx.status == status),
        );
    }
    add(
        "smtp_domain_mx_duration_seconds",
        vec![name()],
        ms_to_seconds(mx.response_milliseconds),
    );
    if let Some(tls) = &mx.tls {
        if !tls.subject.is_empty() {
            add(
                "smtp_domain_mx_ssl_earliest_cert_expiry",
                vec![name()],
                tls.earliest_not_after as f64,
            );
        }
        if !tls.version.is_empty() {
            add(
                "smtp_domain_mx_tls_version_info",
                vec![
                    name(),
                    ("version", super::blackbox_tls_version(&tls.version)),
                ],
                1.0,
            );
        }
    }
    if let Some(valid) = mx.sts_valid {
        add("smtp_domain_mx_sts_valid", vec![name()], bool_value(valid));
    }
    if let Some(failure) = &mx.failure {
        add(
            "smtp_domain_mx_failure_info",
            vec![
                name(),
                ("phase", names::phase(failure.phase).to_string()),
                ("kind", names::error_kind(&failure.kind).to_string()),
            ],
            1.0,
        );
    }
}

/// The MX hosts, each name once (the first, of the lowest preference: they come in order).
pub(super) fn distinct_hosts(domain: &DomainResult) -> Vec<&MxHostResult> {
    let mut hosts: Vec<&MxHostResult> = Vec::with_capacity(domain.mx_hosts.len());
    for mx in &domain.mx_hosts {
        if !hosts.iter().any(|h| h.exchange == mx.exchange) {
            hosts.push(mx);
        }
    }
    hosts
}
