//! A domain check whose DNS fails: the server stopped, answering SERVFAIL, or never
//! answering. Each ends `down` in the `mx-lookup` phase within the deadline (plus the
//! process's start), its message naming the lookup (`MX NAME.test`) and how it failed;
//! never a hang. And one that never answers AAAA: the MX host is checked over IPv4 50 ms
//! after its A answer, not at the deadline.

use super::{Checked, check, world};
use smtp_sensor_tests::mail_domain::{Dns, Host, Plan};
use std::time::Duration;

/// The deadline of these checks, in seconds.
const TIMEOUT: u32 = 4;

/// Checks a domain served by `dns`: down, in `mx-lookup`, within the deadline, the MX
/// lookup named.
async fn with_dns(label: &str, dns: Dns) -> Checked {
    let world = world(Plan::new(label).mx(10, Host::Postfix).dns(dns)).await;
    let checked = check(&world, TIMEOUT, &[]).await;
    checked.assert_status("down");
    let limit = Duration::from_secs(u64::from(TIMEOUT) + 2);
    assert!(checked.took < limit, "took {:?}", checked.took);
    assert_eq!(
        checked.json["failure"]["phase"], "mx-lookup",
        "{}",
        checked.json
    );
    assert_eq!(checked.domain()["mx_source"], "lookup-failed");
    assert_eq!(checked.domain()["mx_hosts"], serde_json::json!([]));
    let lookup = format!("MX {}", world.domain());
    assert!(checked.message().contains(&lookup), "{}", checked.message());
    assert_eq!(super::channel(&checked, "Downtime"), Some(100.0));
    checked
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_dns_server_is_down_in_the_mx_lookup() {
    let checked = with_dns("dnsstopped", Dns::Stopped).await;
    // Refused at once (ICMP port unreachable), or unanswered until the deadline.
    let message = checked.message();
    assert!(
        message.contains("no DNS server could be reached")
            || message.contains("no answer before the check's deadline"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dns_server_answering_servfail_is_down_in_the_mx_lookup() {
    let checked = with_dns("dnsservfail", Dns::ServFail).await;
    assert!(
        checked.message().contains("SERVFAIL"),
        "{}",
        checked.message()
    );
    assert!(
        checked.took < Duration::from_secs(u64::from(TIMEOUT)),
        "an answer is no timeout: {:?}",
        checked.took
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dns_server_slower_than_the_deadline_is_down_at_the_deadline() {
    let checked = with_dns("dnssilent", Dns::Silent).await;
    let message = checked.message();
    assert!(
        message.contains("no answer before the check's deadline"),
        "{message}"
    );
    assert!(
        checked.took >= Duration::from_secs(u64::from(TIMEOUT) - 1),
        "waited for the deadline: {:?}",
        checked.took
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_whose_aaaa_is_never_answered_is_checked_over_ipv4_at_once() {
    let world = world(
        Plan::new("noaaaa")
            .mx(10, Host::Postfix)
            .dns(Dns::SilentAaaa),
    )
    .await;
    let checked = check(&world, TIMEOUT, &[]).await;
    let mx = &world.mx_hosts()[0];
    let host = checked.host(&mx.exchange);
    assert_eq!(host["status"], "up", "{}", checked.json);
    assert_eq!(host["addresses"], serde_json::json!([mx.ip.to_string()]));
    let verdict_ms = host["response_ms"].as_f64().unwrap();
    assert!(
        verdict_ms < 1000.0,
        "the MX host's verdict came at {verdict_ms} ms: the silent AAAA lookup held it"
    );
}
