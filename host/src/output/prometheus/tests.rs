//! The Prometheus output's tests: the snapshots, blackbox_exporter's names and values, and escaping.

use super::*;
use crate::fixtures;

#[test]
fn snapshots() {
    for (name, sensor) in fixtures::all() {
        fixtures::snapshot("prometheus", name, &render(std::slice::from_ref(&sensor)));
    }
}

#[test]
fn the_address_connected_to_as_blackbox_reports_it() {
    // FNV-1a of 127.0.0.1 and of ::1, as Go's hash/fnv New32a gives them.
    assert_eq!(address_hash(address("127.0.0.1:25").unwrap()), 3668918509);
    assert_eq!(address_hash(address("[::1]:25").unwrap()), 1751717746);
    // An IPv4-mapped IPv6 address is the IPv4 address, as Go's To4() makes it.
    assert_eq!(address("[::ffff:127.0.0.1]:25"), address("127.0.0.1:25"));
    assert_eq!(address("mail.example.com:25"), None);
    let v4 = render(&[fixtures::up_with_tls()]);
    assert!(v4.contains("\nprobe_ip_protocol 4\n"), "{v4}");
    let v6 = render(&[fixtures::warning_after_fallback()]);
    assert!(v6.contains("\nprobe_ip_protocol 6\n"), "{v6}");
    let hash = address_hash("2001:db8::25".parse().unwrap());
    assert!(
        v6.contains(&format!("\nprobe_ip_addr_hash {hash}\n")),
        "{v6}"
    );
    // Not connected: no address to report.
    let refused = render(&[fixtures::down_before_connect()]);
    assert!(!refused.contains("probe_ip_protocol"), "{refused}");
}

/// blackbox's two expiry metrics part where the server sends a certificate its
/// verified chain does not use: the earliest of all it sent, and the chain's.
#[test]
fn the_chain_expiry_is_the_verified_paths_own() {
    let mut sensor = fixtures::up_with_tls();
    let tls = sensor.result.tls.as_mut().unwrap();
    tls.earliest_subject = "CN=expired cross-sign".into();
    tls.earliest_not_after = 1_000;
    tls.chain_not_after = 2_000_000_000;
    let out = render(std::slice::from_ref(&sensor));
    assert!(
        out.contains("\nprobe_ssl_earliest_cert_expiry 1000\n"),
        "{out}"
    );
    assert!(
        out.contains("\nprobe_ssl_last_chain_expiry_timestamp_seconds 2000000000\n"),
        "{out}"
    );
    sensor.result.tls.as_mut().unwrap().verified = false;
    let out = render(std::slice::from_ref(&sensor));
    assert!(
        !out.contains("last_chain_expiry"),
        "no verified chain: {out}"
    );
}

#[test]
fn seconds_without_noise() {
    assert_eq!(exposition::float(ms_to_seconds(2.582)), "0.002582");
    assert_eq!(exposition::float(ms_to_seconds(0.1 + 0.2)), "0.0003");
}

#[test]
fn blackbox_names_and_values() {
    let out = render(&[fixtures::up_with_tls()]);
    for line in [
        "probe_success 1",
        "probe_duration_seconds 0.042125",
        "probe_dns_lookup_time_seconds 0.0005",
        "probe_tls_version_info{version=\"TLS 1.3\"} 1",
        "smtp_status{status=\"up\"} 1",
        "smtp_status{status=\"down\"} 0",
        "smtp_phase_duration_seconds{phase=\"connect\"} 0.00075",
        "smtp_capability_info{keyword=\"PIPELINING\"} 1",
        "smtp_last_reply_code 221",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
    }
    let down = render(&[fixtures::down_before_connect()]);
    assert!(down.contains("probe_success 0\n"), "{down}");
    assert!(
        down.contains("smtp_failure_info{phase=\"connect\",kind=\"connection-refused\"} 1"),
        "{down}"
    );
}

#[test]
fn every_family_has_help_and_type_once_across_sensors() {
    let mut a = fixtures::up_with_tls();
    a.name = Some("mx1".into());
    let mut b = fixtures::down_before_connect();
    b.name = Some("mx2".into());
    let out = render(&[a, b]);
    assert_eq!(out.matches("# TYPE probe_success gauge").count(), 1);
    assert!(out.contains("probe_success{sensor=\"mx1\"} 1\n"), "{out}");
    assert!(out.contains("probe_success{sensor=\"mx2\"} 0\n"), "{out}");
    for (name, _) in families() {
        let samples = out.lines().filter(|l| l.starts_with(name)).count();
        let help = out.contains(&format!("# HELP {name} "));
        assert_eq!(samples > 0, help, "{name}");
    }
}

#[test]
fn a_keyword_announced_twice_is_one_series() {
    let mut sensor = fixtures::up_with_tls();
    sensor.result.capabilities = ["AUTH PLAIN", "SIZE 1000", "AUTH LOGIN", "SIZE 1000"]
        .iter()
        .map(|line| {
            let mut words = line.split(' ');
            Capability {
                keyword: words.next().unwrap().into(),
                params: words.map(str::to_string).collect(),
            }
        })
        .collect();
    let out = render(&[sensor]);
    let series: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("smtp_capability_info{"))
        .collect();
    assert_eq!(
        series,
        [
            "smtp_capability_info{keyword=\"AUTH\"} 1",
            "smtp_capability_info{keyword=\"SIZE\"} 1",
        ],
        "{out}"
    );
}

#[test]
fn hostile_label_values_are_escaped() {
    let out = render(&[fixtures::hostile()]);
    // No sample line is forged: every line is a comment or a listed family.
    for line in out.lines() {
        assert!(
            line.starts_with('#') || families().any(|(n, _)| line.starts_with(n)),
            "{line:?} in\n{out}"
        );
    }
    assert!(
        out.contains(r#"smtp_capability_info{keyword="X\"}\\nprobe_success"} 1"#),
        "{out}"
    );
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'));
}

#[test]
fn the_receiver_s_verdicts_as_flags_and_one_series_per_result() {
    let out = render(&[fixtures::warning_delivered_to_spam()]);
    for line in [
        "smtp_roundtrip_in_spam_folder 1",
        "smtp_roundtrip_spf_pass 1",
        "smtp_roundtrip_dkim_pass 0",
        "smtp_roundtrip_dmarc_pass 0",
        "smtp_roundtrip_auth_result_info{authserv_id=\"receiver.test\",method=\"dkim\",\
         result=\"fail\",header_d=\"sender.test\",header_s=\"s1\",smtp_mailfrom=\"\",\
         header_from=\"\"} 1",
        "smtp_roundtrip_auth_result_info{authserv_id=\"receiver.test\",method=\"spf\",\
         result=\"pass\",header_d=\"\",header_s=\"\",smtp_mailfrom=\"sender.test\",\
         header_from=\"\"} 1",
        "smtp_failure_info{phase=\"mailbox-search\",kind=\"delivered-to-spam\"} 1",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
    }
    // ARC was neither reported nor expected: no channel, no series.
    assert!(!out.contains("smtp_roundtrip_arc_pass"), "{out}");
    // No verdicts: no series.
    let out = render(&[fixtures::up_round_trip()]);
    assert!(!out.contains("auth_result_info"), "{out}");
}

#[test]
fn the_receiver_s_words_are_escaped_and_alike_results_are_one_series() {
    let mut sensor = fixtures::up_round_trip_verdicts();
    let auth = sensor
        .result
        .mailbox
        .as_mut()
        .and_then(|m| m.authentication.as_mut())
        .unwrap();
    auth.authserv_id = "evil\"} 1\nprobe_success".into();
    let twice = auth.results[1].clone();
    auth.results.push(twice);
    let out = render(&[sensor]);
    let series: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("smtp_roundtrip_auth_result_info{"))
        .collect();
    assert_eq!(series.len(), 3, "{out}");
    assert!(
        series[0].starts_with(
            r#"smtp_roundtrip_auth_result_info{authserv_id="evil\"} 1\\nprobe_success","#
        ),
        "{out}"
    );
    for line in out.lines() {
        assert!(
            line.starts_with('#') || families().any(|(n, _)| line.starts_with(n)),
            "{line:?} in\n{out}"
        );
    }
}

#[test]
fn a_domain_check_s_families_by_mx_host() {
    let out = render(&[fixtures::warning_domain()]);
    for line in [
        "probe_success 1",
        "probe_duration_seconds 10.0045",
        "probe_dns_lookup_time_seconds 0.0035",
        "smtp_domain_mx_source{source=\"mx-records\"} 1",
        "smtp_domain_mx_hosts 2",
        "smtp_domain_mx_hosts_up 1",
        "smtp_domain_mx_up{mx=\"mx1.example.com\",preference=\"10\"} 1",
        "smtp_domain_mx_up{mx=\"mx2.example.com\",preference=\"20\"} 0",
        "smtp_domain_mx_duration_seconds{mx=\"mx1.example.com\"} 0.0485",
        "smtp_domain_mx_ssl_earliest_cert_expiry{mx=\"mx1.example.com\"} 1803081600",
        "smtp_domain_mx_tls_version_info{mx=\"mx1.example.com\",version=\"TLS 1.3\"} 1",
        "smtp_domain_mx_sts_valid{mx=\"mx2.example.com\"} 0",
        "smtp_domain_mx_failure_info{mx=\"mx2.example.com\",phase=\"banner\",kind=\"timeout\"} 1",
        "smtp_mta_sts_mode 2",
        "smtp_mta_sts_policy_info{mode=\"enforce\",id=\"20261201T000000\"} 1",
        "smtp_mta_sts_max_age_seconds 604800",
        "smtp_mta_sts_record_valid 1",
        "smtp_tlsrpt_record_valid 1",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
    }
    // The host that failed presented no certificate: no expiry series for it.
    assert!(
        !out.contains("smtp_domain_mx_ssl_earliest_cert_expiry{mx=\"mx2"),
        "{out}"
    );
    // Not a domain check: none of these families.
    let out = render(&[fixtures::up_with_tls()]);
    assert!(
        !out.contains("smtp_domain_") && !out.contains("smtp_mta_sts"),
        "{out}"
    );
}

#[test]
fn a_domain_without_policies_and_with_a_name_twice() {
    let mut sensor = fixtures::warning_domain();
    let domain = sensor.result.domain.as_mut().unwrap();
    let mut again = domain.mx_hosts[0].clone();
    again.preference = 30;
    domain.mx_hosts.push(again);
    domain.mx_hosts[1].exchange = "evil\"} 1\nprobe_success".into();
    domain.mta_sts.record_id = None;
    domain.mta_sts.record_error = Some("no record".into());
    domain.mta_sts.policy = None;
    domain.tls_rpt = None;
    sensor
        .result
        .channels
        .retain(|c| c.name != channel::MTA_STS_MODE && c.name != channel::MTA_STS_MAX_AGE);
    let out = render(&[sensor]);
    // A name two MX records share is one series.
    let up: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("smtp_domain_mx_up{mx=\"mx1"))
        .collect();
    assert_eq!(
        up,
        ["smtp_domain_mx_up{mx=\"mx1.example.com\",preference=\"10\"} 1"]
    );
    assert!(
        out.contains(r#"smtp_domain_mx_up{mx="evil\"} 1\\nprobe_success",preference="20"} 0"#),
        "{out}"
    );
    for line in out.lines() {
        assert!(
            line.starts_with('#') || families().any(|(n, _)| line.starts_with(n)),
            "{line:?} in\n{out}"
        );
    }
    for line in [
        "smtp_mta_sts_mode 0",
        "smtp_mta_sts_record_valid 0",
        "smtp_tlsrpt_record_valid 0",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
    }
    assert!(!out.contains("smtp_mta_sts_policy_info"), "{out}");
    assert!(!out.contains("smtp_mta_sts_max_age_seconds"), "{out}");
}
