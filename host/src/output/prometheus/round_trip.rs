//! The round trip's families, `smtp_roundtrip_*`: whether and how fast the test email
//! arrived, the mailbox side's work, its server's certificate, and what the receiver made
//! of the test email: the spam folder and its verdicts, as flags from the channels and as
//! one `smtp_roundtrip_auth_result_info` series per result.

use super::{bool_value, ms_to_seconds};
use crate::wit::{AuthResult, AuthResults, CheckResult};
use smtp_sensor_guest::limits::channel;

/// A sample: its family, its labels and its value.
pub(super) type Sample = (&'static str, Vec<(&'static str, String)>, f64);

/// The round trip's families, in the order they are written.
pub(super) const FAMILIES: [(&str, &str); 16] = [
    (
        "smtp_roundtrip_delivered",
        "Round trip: whether the test email arrived in the mailbox before the deadline \
         (as mail exporters' mail_deliver_success).",
    ),
    (
        "smtp_roundtrip_delivery_latency_seconds",
        "Round trip: from the SMTP server's acceptance of the test email until it was seen \
         in the mailbox (the Delivery Latency channel).",
    ),
    (
        "smtp_roundtrip_smtp_duration_seconds",
        "Round trip: the SMTP dialogue until its verdict (the SMTP Time channel).",
    ),
    (
        "smtp_roundtrip_mailbox_duration_seconds",
        "Round trip: the mailbox side, from its first connection until the test email was \
         seen or the search given up, waits included (the IMAP Time or POP3 Time channel).",
    ),
    (
        "smtp_roundtrip_searches",
        "Round trip: how many times the mailbox was searched.",
    ),
    (
        "smtp_roundtrip_deleted_messages",
        "Round trip: test messages deleted, this run's and those earlier runs left behind.",
    ),
    (
        "smtp_roundtrip_left_flagged_messages",
        "Round trip: test messages flagged as deleted but not expunged, because the IMAP \
         server lacks UIDPLUS; they wait for the mailbox's own expunge.",
    ),
    (
        "smtp_roundtrip_delivery_latency_precision_seconds",
        "Round trip: how far the true delivery latency may be from \
         smtp_roundtrip_delivery_latency_seconds either way (half the time between the last \
         look that missed the test email and the one that found it).",
    ),
    (
        "smtp_roundtrip_mailbox_ssl_earliest_cert_expiry",
        "Round trip: when the first of all the certificates the mailbox server presented \
         expires, in seconds since the Unix epoch (as probe_ssl_earliest_cert_expiry counts).",
    ),
    (
        "smtp_roundtrip_mailbox_ssl_last_chain_expiry_timestamp_seconds",
        "Round trip: when the mailbox server's verified chain stops being valid, in seconds \
         since the Unix epoch (the Mailbox Certificate Expiry channel; only when verified).",
    ),
    (
        "smtp_roundtrip_in_spam_folder",
        "Round trip: whether the test email was found in a spam folder rather than INBOX \
         (IMAP only; the In Spam Folder channel).",
    ),
    (
        "smtp_roundtrip_spf_pass",
        "Round trip: whether the receiver's SPF result for the test email was pass (the SPF \
         Pass channel; present when the receiver reported SPF or --expect-auth names it).",
    ),
    (
        "smtp_roundtrip_dkim_pass",
        "Round trip: whether one of the receiver's DKIM results for the test email was pass \
         (the DKIM Pass channel; present when reported or expected).",
    ),
    (
        "smtp_roundtrip_dmarc_pass",
        "Round trip: whether the receiver's DMARC result for the test email was pass (the \
         DMARC Pass channel; present when reported or expected).",
    ),
    (
        "smtp_roundtrip_arc_pass",
        "Round trip: whether the receiver's ARC result for the test email was pass (the ARC \
         Pass channel; present when reported or expected).",
    ),
    (
        "smtp_roundtrip_auth_result_info",
        "Round trip: one series for each result in the receiver's trusted \
         Authentication-Results fields on the test email (RFC 8601), with the properties \
         most alerts need; an absent property is empty.",
    ),
];

/// The flag channels and the gauge each becomes.
const FLAGS: [(&str, &str); 5] = [
    (channel::IN_SPAM_FOLDER, "smtp_roundtrip_in_spam_folder"),
    (channel::SPF_PASS, "smtp_roundtrip_spf_pass"),
    (channel::DKIM_PASS, "smtp_roundtrip_dkim_pass"),
    (channel::DMARC_PASS, "smtp_roundtrip_dmarc_pass"),
    (channel::ARC_PASS, "smtp_roundtrip_arc_pass"),
];

/// The properties `smtp_roundtrip_auth_result_info` has as labels, and their labels'
/// names: always all of them, so a series keeps its labels from run to run.
const PROPERTIES: [(&str, &str); 4] = [
    ("header.d", "header_d"),
    ("header.s", "header_s"),
    ("smtp.mailfrom", "smtp_mailfrom"),
    ("header.from", "header_from"),
];

/// A round trip's samples; none without one.
pub(super) fn samples(result: &CheckResult) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    let Some(mailbox) = &result.mailbox else {
        return out;
    };
    let channel_value = |name: &str| super::channel_value(result, name);
    let mut add = |name: &'static str, labels: Vec<(&'static str, String)>, value: f64| {
        out.push((name, labels, value));
    };
    add(
        "smtp_roundtrip_delivered",
        vec![],
        bool_value(mailbox.found),
    );
    if let Some(ms) = channel_value(channel::DELIVERY_LATENCY) {
        add(
            "smtp_roundtrip_delivery_latency_seconds",
            vec![],
            ms_to_seconds(ms),
        );
    }
    if let Some(ms) = channel_value(channel::SMTP_TIME) {
        add(
            "smtp_roundtrip_smtp_duration_seconds",
            vec![],
            ms_to_seconds(ms),
        );
    }
    for (name, protocol) in [(channel::IMAP_TIME, "imap"), (channel::POP3_TIME, "pop3")] {
        if let Some(ms) = channel_value(name) {
            add(
                "smtp_roundtrip_mailbox_duration_seconds",
                vec![("protocol", protocol.to_string())],
                ms_to_seconds(ms),
            );
        }
    }
    add(
        "smtp_roundtrip_searches",
        vec![],
        f64::from(mailbox.searches),
    );
    add(
        "smtp_roundtrip_deleted_messages",
        vec![],
        f64::from(mailbox.deleted),
    );
    add(
        "smtp_roundtrip_left_flagged_messages",
        vec![],
        f64::from(mailbox.left_flagged),
    );
    if let Some(ms) = mailbox.latency_precision_ms {
        add(
            "smtp_roundtrip_delivery_latency_precision_seconds",
            vec![],
            ms_to_seconds(ms),
        );
    }
    if let Some(tls) = mailbox.tls.as_ref().filter(|t| !t.subject.is_empty()) {
        add(
            "smtp_roundtrip_mailbox_ssl_earliest_cert_expiry",
            vec![],
            tls.earliest_not_after as f64,
        );
        if tls.verified {
            add(
                "smtp_roundtrip_mailbox_ssl_last_chain_expiry_timestamp_seconds",
                vec![],
                tls.chain_not_after as f64,
            );
        }
    }
    for (name, family) in FLAGS {
        if let Some(value) = channel_value(name) {
            add(family, vec![], value);
        }
    }
    if let Some(auth) = &mailbox.authentication {
        for labels in auth_results(auth) {
            add("smtp_roundtrip_auth_result_info", labels, 1.0);
        }
    }
    out
}

/// One label set per result, each once: two results alike in every label (two DKIM
/// signatures of one domain and selector) would be duplicate series, which Prometheus drops.
fn auth_results(auth: &AuthResults) -> Vec<Vec<(&'static str, String)>> {
    let mut all: Vec<Vec<(&'static str, String)>> = Vec::with_capacity(auth.results.len());
    for result in &auth.results {
        let labels = labels(&auth.authserv_id, result);
        if !all.contains(&labels) {
            all.push(labels);
        }
    }
    all
}

fn labels(authserv_id: &str, result: &AuthResult) -> Vec<(&'static str, String)> {
    let mut labels = vec![
        ("authserv_id", authserv_id.to_string()),
        ("method", result.method.clone()),
        ("result", result.result.clone()),
    ];
    for (property, label) in PROPERTIES {
        let value = result
            .properties
            .iter()
            .find(|p| p.name == property)
            .map_or_else(String::new, |p| p.value.clone());
        labels.push((label, value));
    }
    labels
}
