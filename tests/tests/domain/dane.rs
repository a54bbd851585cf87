//! DANE for SMTP (RFC 7672) with DNSSEC, end to end (issue 39): a signed mail domain whose
//! MX hosts have TLSA records made from the certificates they present (`mail_domain`'s
//! [`Tlsa`]), checked by the CLI with the zone's keys as `--dns-trust-anchor`. One test per
//! case, each asserting the verdict as `--format json` gives it: the status (and exit
//! code), the failure's kind, and the MX host's `dane` (its state, its records as judged,
//! the presented key) and the domain's `dnssec`. A zone whose signatures expired, expire
//! soon or were tampered with is signed offline ([`Signing`]); an insecure zone is a child
//! delegated without DS.

use super::{Checked, channel, check, warm, world};
use serde_json::Value;
use smtp_sensor_tests::cli;
use smtp_sensor_tests::mail_domain::{Host, MailDomain, MxHost, Plan, Signing, Tlsa};
use std::time::Duration;

/// The deadline of these checks, in seconds.
const TIMEOUT: u32 = 10;

/// Three days, the default signature warning.
const WARNING_SECONDS: i64 = 3 * 86_400;

/// A domain of one MX host (preference 10) of `host`'s kind with `tlsa`, signed by Knot.
async fn one_host(label: &str, host: Host, tlsa: &[Tlsa]) -> MailDomain {
    world(Plan::new(label).mx_tlsa(10, host, tlsa)).await
}

/// The MX host's result and its `dane`.
fn dane<'a>(checked: &'a Checked, mx: &MxHost) -> (&'a Value, &'a Value) {
    let host = checked.host(&mx.exchange);
    (host, &host["dane"])
}

/// A string field of `value`, lower-cased (hex may come in either case).
fn lower(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_ascii_lowercase()
}

/// Asserts `dane`'s records are `mx`'s, as zone files write them (in whatever order the
/// server gave them: an RRset has none).
fn assert_records(dane: &Value, mx: &MxHost) {
    let records = dane["records"]
        .as_array()
        .unwrap_or_else(|| panic!("{dane}"));
    let mut presented: Vec<String> = records.iter().map(|r| lower(&r["presentation"])).collect();
    let mut planned: Vec<String> = mx.tlsa.iter().map(|r| r.to_ascii_lowercase()).collect();
    presented.sort();
    planned.sort();
    assert_eq!(presented, planned, "{dane}");
}

/// The judged record of `dane` that `mx`'s plan has at `index`.
fn record<'a>(dane: &'a Value, mx: &MxHost, index: usize) -> &'a Value {
    let wanted = mx.tlsa[index].to_ascii_lowercase();
    dane["records"]
        .as_array()
        .and_then(|records| records.iter().find(|r| lower(&r["presentation"]) == wanted))
        .unwrap_or_else(|| panic!("{wanted} in {dane}"))
}

/// Asserts `value` (a failure, a message) names `needle`, case aside.
fn assert_names(value: &Value, needle: &str) {
    let text = value.to_string().to_ascii_lowercase();
    assert!(
        text.contains(&needle.to_ascii_lowercase()),
        "{needle} in {value}"
    );
}

/// The failure kinds of the domain and of the host (either may carry a host's DANE).
fn kinds(checked: &Checked, host: &Value) -> [String; 2] {
    [
        lower(&checked.json["failure"]["kind"]),
        lower(&host["failure"]["kind"]),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_matching_3_1_1_record_is_up_and_matched() {
    let world = one_host("dane-ee", Host::Postfix, &[Tlsa::LeafKey]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("up");
    assert!(checked.json["failure"].is_null(), "{}", checked.json);
    let (host, dane) = dane(&checked, mx);
    assert_eq!(host["status"], "up", "{host}");
    assert_eq!(dane["state"], "matched", "{host}");
    assert_eq!(dane["tlsa_name"], mx.tlsa_name(), "{dane}");
    assert_records(dane, mx);
    assert_eq!(record(dane, mx, 0)["matched_certificate"], 0, "{dane}");
    assert!(record(dane, mx, 0)["unusable"].is_null(), "{dane}");
    assert_eq!(
        lower(&dane["presented_key_sha256"]),
        mx.key_sha256,
        "{dane}"
    );
    assert_eq!(dane["dnssec"]["state"], "secure", "{dane}");
    assert_eq!(
        checked.domain()["dnssec"]["state"],
        "secure",
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2_1_1_record_of_the_issuing_ca_is_up_and_matches_the_second_certificate() {
    let world = one_host("dane-ta", Host::Postfix, &[Tlsa::Ca]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("up");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "matched", "{host}");
    assert_records(dane, mx);
    assert_eq!(record(dane, mx, 0)["matched_certificate"], 1, "{dane}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_rolled_without_its_record_is_down_naming_the_presented_key() {
    let world = one_host("dane-rolled", Host::Postfix, &[Tlsa::OtherKey]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("down");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(host["status"], "down", "{host}");
    assert_eq!(host["failure"]["kind"], "dane-mismatch", "{host}");
    assert_eq!(host["failure"]["phase"], "tls-handshake", "{host}");
    assert_names(&host["failure"], &mx.key_sha256);
    assert_eq!(dane["state"], "not-matched", "{host}");
    assert!(
        record(dane, mx, 0)["matched_certificate"].is_null(),
        "{dane}"
    );
    assert_eq!(
        lower(&dane["presented_key_sha256"]),
        mx.key_sha256,
        "{dane}"
    );
    let kinds = kinds(&checked, host);
    assert!(
        ["dane-mismatch", "mx-hosts-failed"].contains(&&kinds[0][..]),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_standby_record_beside_the_matching_one_is_up_with_a_standby() {
    let world = one_host(
        "dane-standby",
        Host::Postfix,
        &[Tlsa::LeafKey, Tlsa::OtherKey],
    )
    .await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &["--dane-expect-standby"]).await;
    checked.assert_status("up");
    let (_, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "matched", "{dane}");
    assert_records(dane, mx);
    assert_eq!(record(dane, mx, 0)["matched_certificate"], 0, "{dane}");
    assert!(
        record(dane, mx, 1)["matched_certificate"].is_null(),
        "{dane}"
    );
    assert_eq!(
        channel(&checked, "DANE Standby"),
        Some(1.0),
        "{}",
        checked.json
    );
    assert_eq!(
        channel(&checked, "DANE Matched"),
        Some(1.0),
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expecting_a_standby_where_one_record_matches_is_a_warning() {
    let world = one_host("dane-nostandby", Host::Postfix, &[Tlsa::LeafKey]).await;
    let mx = &world.mx_hosts()[0];
    let plain = check(&world, TIMEOUT, &[]).await;
    plain.assert_status("up");
    assert_eq!(channel(&plain, "DANE Standby"), Some(0.0), "{}", plain.json);
    let checked = check(&world, TIMEOUT, &["--dane-expect-standby"]).await;
    checked.assert_status("warning");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "matched", "{dane}");
    assert!(
        kinds(&checked, host).contains(&"dane-weak".to_string()),
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tlsa_records_in_an_unsigned_zone_are_not_secure_and_a_warning_when_dane_is_expected() {
    let world =
        world(Plan::new("dane-insecure").insecure_mx(10, Host::Postfix, &[Tlsa::LeafKey])).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("up");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(host["status"], "up", "{host}");
    assert_eq!(dane["state"], "not-secure", "{host}");
    assert_eq!(dane["dnssec"]["state"], "insecure", "{dane}");
    let expected = check(&world, TIMEOUT, &["--expect-dane"]).await;
    expected.assert_status("warning");
    let (host, dane) = self::dane(&expected, mx);
    assert_eq!(dane["state"], "not-secure", "{host}");
    assert!(
        kinds(&expected, host).contains(&"dane-weak".to_string()),
        "{}",
        expected.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_without_tlsa_records_is_up_without_dane_and_a_warning_when_expected() {
    let world = one_host("dane-none", Host::Postfix, &[]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("up");
    let (_, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "not-published", "{dane}");
    assert_eq!(
        checked.domain()["dnssec"]["state"],
        "secure",
        "{}",
        checked.json
    );
    let expected = check(&world, TIMEOUT, &["--expect-dane"]).await;
    expected.assert_status("warning");
    let (host, _) = self::dane(&expected, mx);
    assert!(
        kinds(&expected, host).contains(&"dane-weak".to_string()),
        "{}",
        expected.json
    );
}

/// Asserts a check of a bogus zone is down, never up, for DNSSEC: the kind dnssec-bogus
/// (the domain's or the host's) or the host's DANE bogus. The host may be missing from the
/// result when the MX answer itself is bogus.
fn assert_bogus(checked: &Checked, mx: &MxHost) {
    checked.assert_status("down");
    let hosts = checked.domain()["mx_hosts"].as_array();
    let host = hosts.and_then(|h| h.iter().find(|h| h["exchange"] == mx.exchange));
    let host = host.cloned().unwrap_or_default();
    let kinds = kinds(checked, &host);
    assert!(
        kinds.contains(&"dnssec-bogus".to_string()) || host["dane"]["state"] == "bogus",
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_tlsa_record_is_bogus_and_down_though_it_would_match() {
    let world = world(
        Plan::new("dane-tampered")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::Tampered),
    )
    .await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    assert_bogus(&checked, mx);
    let (_, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "bogus", "{dane}");
    assert_eq!(dane["dnssec"]["state"], "bogus", "{dane}");
    assert_names(&dane["dnssec"]["reason"], &mx.tlsa_name());
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_signatures_are_bogus_and_down() {
    let world = world(
        Plan::new("dane-expired")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::Expired),
    )
    .await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    assert_bogus(&checked, mx);
    assert_eq!(
        checked.domain()["dnssec"]["state"],
        "bogus",
        "{}",
        checked.json
    );
    assert_eq!(
        checked.json["failure"]["kind"], "dnssec-bogus",
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signatures_expiring_within_three_days_are_a_warning() {
    let left = Duration::from_secs(2 * 86_400);
    let world = world(
        Plan::new("dane-expiring")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::ExpiresIn(left)),
    )
    .await;
    let mx = &world.mx_hosts()[0];
    let expected = now() + left.as_secs() as i64;
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("warning");
    assert_eq!(
        checked.json["failure"]["kind"], "dnssec-signatures-expiring",
        "{}",
        checked.json
    );
    let dnssec = &checked.domain()["dnssec"];
    assert_eq!(dnssec["state"], "secure", "{dnssec}");
    let expiry = dnssec["earliest_signature_expiry"].as_i64().unwrap_or(0);
    assert!((expiry - expected).abs() < 600, "{expiry} vs {expected}");
    assert!(expected - now() < WARNING_SECONDS);
    let (_, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "matched", "still valid: {dane}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_starttls_behind_tlsa_records_is_down_with_no_tls() {
    let world = one_host("dane-notls", Host::NoTls, &[Tlsa::LeafKey]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("down");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(host["status"], "down", "{host}");
    assert_eq!(dane["state"], "no-tls", "{host}");
    assert!(dane["presented_key_sha256"].is_null(), "{dane}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pkix_only_records_are_unusable_and_a_warning() {
    let world = one_host("dane-pkix", Host::Postfix, &[Tlsa::Pkix]).await;
    let mx = &world.mx_hosts()[0];
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("warning");
    let (host, dane) = dane(&checked, mx);
    assert_eq!(dane["state"], "unusable", "{host}");
    assert_records(dane, mx);
    assert!(record(dane, mx, 0)["unusable"].is_string(), "{dane}");
    assert!(
        kinds(&checked, host).contains(&"dane-weak".to_string()),
        "{}",
        checked.json
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_check_with_dane_of_one_mx_host_is_up_and_matched() {
    let world = one_host("dane-host", Host::Postfix, &[Tlsa::LeafKey]).await;
    let mx = &world.mx_hosts()[0];
    warm().await;
    let mut args = world.host_check_args(&mx.exchange, TIMEOUT);
    args.push("--dane".into());
    // The host's name is looked up through the system's resolver: the world's DNS, in a
    // namespace of the check's own.
    let args = world.confined(super::SMTP_SENSOR, &args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = cli::run("unshare", &args).await;
    let json = run.json();
    assert_eq!(json["status"], "up", "{run:?}");
    assert_eq!(run.code, 0, "{run:?}");
    let dane = &json["dane"];
    assert_eq!(dane["state"], "matched", "{json}");
    assert_eq!(dane["tlsa_name"], mx.tlsa_name(), "{dane}");
    assert_eq!(record(dane, mx, 0)["matched_certificate"], 0, "{dane}");
    assert_eq!(
        lower(&dane["presented_key_sha256"]),
        mx.key_sha256,
        "{dane}"
    );
    assert_eq!(dane["dnssec"]["state"], "secure", "{dane}");
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_secs() as i64
}
