//! The host's side of the contract's `dns`, against a real Knot DNS on loopback: what a
//! check's lookups answer (MX, TXT, TLSA, NODATA, NXDOMAIN, SERVFAIL, timeouts), with their
//! DNSSEC status, and what the sandbox refuses before any packet is sent. Every lookup goes
//! to the test's own server (`--dns-server`'s equivalent), never to the system's resolver.

use smtp_sensor_host::engine::dns::{DnsConfig, DnsPolicy, DnsSession, Resolver};
use smtp_sensor_host::wit_dns::{
    Answer, DnssecStatus, LookupError, Mx, Outcome, RecordData, RecordType, Tlsa,
};
use smtp_sensor_tests::knot::{Knot, Zone};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The test domain's zone: two MX hosts, a TXT record of several strings, a TLSA record.
fn zone() -> Zone {
    Zone::new("example.test")
        .record("@ MX 20 mx2")
        .record("@ MX 10 mx1")
        .record("mx1 A 127.0.0.25")
        .record("mx1 AAAA ::1")
        .record("mx2 CNAME mx1")
        .record("_mta-sts TXT \"v=STSv1; \" \"id=20240101\"")
        .record("_25._tcp.mx1 TLSA 3 1 1 0123456789abcdef")
}

/// A resolver that asks only `server`.
fn resolver(server: SocketAddr) -> Arc<Resolver> {
    Resolver::new(DnsConfig {
        servers: vec![server],
        trust_anchors: Vec::new(),
    })
    .expect("a resolver")
}

/// A session of `policy` over `server`, ending `seconds` from now.
fn session(server: SocketAddr, policy: DnsPolicy, seconds: u64) -> DnsSession {
    DnsSession::new(
        resolver(server),
        policy,
        Instant::now() + Duration::from_secs(seconds),
    )
}

async fn ask(
    session: &mut DnsSession,
    name: &str,
    kind: RecordType,
) -> Result<Answer, LookupError> {
    session.resolve(name, kind)?.wait().await
}

fn knot() -> Knot {
    Knot::start_local(&[zone()]).expect("start Knot (apt-get install knot)")
}

fn server(knot: &Knot) -> SocketAddr {
    SocketAddr::V4(knot.address())
}

/// What an unsigned `.test` zone's status is: it cannot chain to the root, whose trust
/// anchor the resolver holds, and the test's Knot (authoritative for the zone alone)
/// refuses the root's questions, so the DS records that would prove it unsigned cannot be
/// fetched. hickory-resolver 0.26.3 calls that bogus (hickory-dns issue 3932), and the
/// host says so, with the records. Signed zones (secure, and truly bogus) come with DANE
/// (issue 39): Knot signs with `dnssec-signing: on`, and the resolver takes its key with
/// `--dns-trust-anchor`.
fn unchained(status: &DnssecStatus) -> bool {
    matches!(status, DnssecStatus::Bogus(why) if why.contains("issue 3932"))
}

#[tokio::test]
async fn mx_answers_carry_preferences_and_permit_their_exchanges() {
    let knot = knot();
    let mut dns = session(
        server(&knot),
        DnsPolicy::for_domain("Example.test.", 25),
        10,
    );
    assert!(matches!(
        dns.resolve("mx1.example.test", RecordType::A),
        Err(LookupError::NotPermitted(_))
    ));
    let answer = ask(&mut dns, "EXAMPLE.test", RecordType::Mx)
        .await
        .expect("MX");
    assert_eq!(answer.outcome, Outcome::Records, "{}", knot.log());
    assert_eq!(answer.name, "example.test");
    let mut mx: Vec<Mx> = answer
        .records
        .iter()
        .map(|r| match r {
            RecordData::Mx(mx) => mx.clone(),
            other => panic!("not MX: {other:?}"),
        })
        .collect();
    mx.sort_by_key(|m| m.preference);
    assert_eq!(
        mx,
        vec![
            Mx {
                preference: 10,
                exchange: "mx1.example.test".into()
            },
            Mx {
                preference: 20,
                exchange: "mx2.example.test".into()
            },
        ]
    );
    assert_eq!(answer.ttl, 60);
    assert!(unchained(&answer.dnssec), "{:?}", answer.dnssec);
    assert!(
        matches!(&answer.dnssec, DnssecStatus::Bogus(why) if why.contains("no signatures")),
        "an unsigned zone's answer has none to show: {:?}",
        answer.dnssec
    );
    // The host's own answer named them: now their addresses and TLSA may be asked.
    let a = ask(&mut dns, "mx1.example.test", RecordType::A)
        .await
        .expect("A");
    assert_eq!(a.records, vec![RecordData::A((127, 0, 0, 25))]);
    let aaaa = ask(&mut dns, "mx1.example.test", RecordType::Aaaa)
        .await
        .expect("AAAA");
    assert_eq!(
        aaaa.records,
        vec![RecordData::Aaaa((0, 0, 0, 0, 0, 0, 0, 1))]
    );
    let cname = ask(&mut dns, "mx2.example.test", RecordType::A)
        .await
        .expect("A via CNAME");
    assert_eq!(cname.records, vec![RecordData::A((127, 0, 0, 25))]);
    assert_eq!(cname.canonical_name.as_deref(), Some("mx1.example.test"));
    let tlsa = ask(&mut dns, "_25._tcp.mx1.example.test", RecordType::Tlsa)
        .await
        .expect("TLSA");
    assert_eq!(
        tlsa.records,
        vec![RecordData::Tlsa(Tlsa {
            usage: 3,
            selector: 1,
            matching_type: 1,
            data: vec![0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
        })]
    );
    let policy = dns.policy();
    assert_eq!(
        policy.addresses_of("mx1.example.test"),
        vec![
            "127.0.0.25".parse::<std::net::IpAddr>().unwrap(),
            "::1".parse().unwrap()
        ]
    );
}

#[tokio::test]
async fn txt_keeps_its_strings_apart() {
    let knot = knot();
    let mut dns = session(server(&knot), DnsPolicy::for_domain("example.test", 25), 10);
    let answer = ask(&mut dns, "_mta-sts.example.test", RecordType::Txt)
        .await
        .expect("TXT");
    assert_eq!(
        answer.records,
        vec![RecordData::Txt(vec![
            b"v=STSv1; ".to_vec(),
            b"id=20240101".to_vec()
        ])]
    );
}

#[tokio::test]
async fn nodata_and_nxdomain_are_answers_not_errors() {
    let knot = knot();
    let mut dns = session(server(&knot), DnsPolicy::for_domain("example.test", 25), 10);
    // The domain exists, without TXT at _smtp._tls: NXDOMAIN; mta-sts has no name: NXDOMAIN.
    let nx = ask(&mut dns, "_smtp._tls.example.test", RecordType::Txt)
        .await
        .expect("an answer");
    assert_eq!(nx.outcome, Outcome::NxDomain, "{nx:?}");
    assert!(nx.records.is_empty());
    assert_eq!(nx.ttl, 60, "the SOA's negative TTL");
    // The domain has MX but no AAAA: NODATA.
    let nodata = ask(&mut dns, "example.test", RecordType::Aaaa)
        .await
        .expect("an answer");
    assert_eq!(nodata.outcome, Outcome::NoData, "{nodata:?}");
    assert!(unchained(&nodata.dnssec), "{:?}", nodata.dnssec);
}

#[tokio::test]
async fn a_zone_the_server_cannot_serve_is_a_failure_in_its_words() {
    let knot = knot();
    // Knot is authoritative for example.test only: it refuses other.test.
    let mut dns = session(server(&knot), DnsPolicy::for_domain("other.test", 25), 10);
    let error = ask(&mut dns, "other.test", RecordType::Mx)
        .await
        .expect_err("no answer");
    match &error {
        LookupError::Refused(words) | LookupError::ServerFailure(words) => {
            assert!(
                words.starts_with("MX other.test: the resolver answered"),
                "{words}"
            )
        }
        other => panic!("not REFUSED or SERVFAIL: {other:?}"),
    }
}

#[tokio::test]
async fn a_silent_server_ends_the_lookup_at_the_deadline() {
    // A UDP socket that reads and never answers (and no TCP listener on its port).
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut dns = session(
        silent.local_addr().unwrap(),
        DnsPolicy::for_host("mail.example.test", 25),
        2,
    );
    let started = Instant::now();
    let error = ask(&mut dns, "mail.example.test", RecordType::A)
        .await
        .expect_err("no answer");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2_600),
        "ended at the deadline: {took:?}"
    );
    match error {
        LookupError::Timeout(t) => {
            assert_eq!(t.lookup, "A mail.example.test");
            assert!(t.waited_ms >= 1_500, "{t:?}");
        }
        LookupError::Unreachable(words) => {
            assert!(words.contains("A mail.example.test"), "{words}")
        }
        other => panic!("not a timeout: {other:?}"),
    }
}

#[tokio::test]
async fn a_stopped_server_is_unreachable_or_a_timeout_never_a_hang() {
    let knot = knot();
    let address = server(&knot);
    drop(knot);
    let mut dns = session(address, DnsPolicy::for_host("mail.example.test", 25), 3);
    let started = Instant::now();
    let error = ask(&mut dns, "mail.example.test", RecordType::A)
        .await
        .expect_err("no answer");
    assert!(started.elapsed() < Duration::from_millis(3_600));
    assert!(
        matches!(error, LookupError::Unreachable(_) | LookupError::Timeout(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_name_outside_the_policy_is_refused_before_any_packet() {
    let watcher = UdpSocket::bind("127.0.0.1:0").unwrap();
    watcher.set_nonblocking(true).unwrap();
    let mut dns = session(
        watcher.local_addr().unwrap(),
        DnsPolicy::for_host("mail.example.test", 25),
        5,
    );
    for (name, kind) in [
        ("secret.attacker.example", RecordType::A),
        ("mail.example.test", RecordType::Txt),
        ("_443._tcp.mail.example.test", RecordType::Tlsa),
    ] {
        match dns.resolve(name, kind) {
            Err(LookupError::NotPermitted(words)) => {
                assert!(words.contains("mail.example.test (A, AAAA)"), "{words}")
            }
            Err(other) => panic!("{name}: {other:?}"),
            Ok(_) => panic!("{name} was permitted"),
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let mut buffer = [0u8; 512];
    assert!(watcher.recv_from(&mut buffer).is_err(), "a packet was sent");
}

#[tokio::test]
async fn the_budget_bounds_lookups_in_flight() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut dns = session(
        silent.local_addr().unwrap(),
        DnsPolicy::for_host("mail.example.test", 25),
        5,
    );
    let mut held = Vec::new();
    let refused = loop {
        match dns.resolve("mail.example.test", RecordType::A) {
            Ok(lookup) => held.push(lookup),
            Err(error) => break error,
        }
        assert!(held.len() <= 64, "no bound");
    };
    assert!(matches!(refused, LookupError::OverBudget(_)), "{refused:?}");
    assert_eq!(held.len(), 8, "MAX_DNS_LOOKUPS_IN_FLIGHT");
    // Dropped lookups free their places.
    held.clear();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(dns.resolve("mail.example.test", RecordType::A).is_ok());
}

/// A zone Knot signs, and the resolver given its keys as the trust anchor: the answers
/// DANE will rely on (issue 39) are `secure`, a denial of existence too; the same zone
/// without the anchor is not.
#[tokio::test]
async fn a_signed_zone_with_its_trust_anchor_answers_secure() {
    let knot = Knot::start_local(&[zone().signed()]).expect("start Knot");
    let scratch = smtp_sensor_tests::scratch::Scratch::new("dns-anchor");
    let keys = knot.dnskeys("example.test").expect("the zone's keys");
    let anchor = scratch.write("example.test.keys", &keys);
    let anchored = Resolver::new(DnsConfig {
        servers: vec![server(&knot)],
        trust_anchors: vec![anchor],
    })
    .expect("a resolver with the anchor");
    let mut dns = DnsSession::new(
        anchored,
        DnsPolicy::for_domain("example.test", 25),
        Instant::now() + Duration::from_secs(10),
    );
    let mx = ask(&mut dns, "example.test", RecordType::Mx)
        .await
        .expect("an answer");
    assert_eq!(mx.outcome, Outcome::Records);
    assert_eq!(mx.dnssec, DnssecStatus::Secure, "{mx:?}");
    // Knot's signatures last two weeks: the answer says when the earliest expires.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expiry = mx.earliest_signature_expiry.expect("a signature's expiry");
    assert!(
        expiry > now && expiry < now + 400 * 86_400,
        "{expiry} {now}"
    );
    let sts = ask(&mut dns, "_mta-sts.example.test", RecordType::Txt)
        .await
        .expect("an answer");
    assert_eq!(sts.dnssec, DnssecStatus::Secure, "{sts:?}");
    let tlsa = ask(&mut dns, "_25._tcp.mx1.example.test", RecordType::Tlsa)
        .await
        .expect("an answer");
    assert_eq!(tlsa.dnssec, DnssecStatus::Secure, "{tlsa:?}");
    let nx = ask(&mut dns, "_smtp._tls.example.test", RecordType::Txt)
        .await
        .expect("an answer");
    assert_eq!(nx.outcome, Outcome::NxDomain, "{nx:?}");
    assert_eq!(
        nx.dnssec,
        DnssecStatus::Secure,
        "a validated denial: {nx:?}"
    );
    assert!(nx.earliest_signature_expiry.is_some(), "{nx:?}");
    // Without the anchor the same signed zone cannot chain to the root: never secure.
    let mut plain = session(server(&knot), DnsPolicy::for_domain("example.test", 25), 10);
    let unanchored = ask(&mut plain, "example.test", RecordType::Mx)
        .await
        .expect("an answer");
    assert_ne!(unanchored.dnssec, DnssecStatus::Secure, "{unanchored:?}");
    // Its signatures, fetched unvalidated, are there and in date: the reason says so.
    assert!(
        matches!(&unanchored.dnssec, DnssecStatus::Bogus(why) if why.contains("in date")),
        "{unanchored:?}"
    );
    assert_eq!(unanchored.earliest_signature_expiry, None);
}
