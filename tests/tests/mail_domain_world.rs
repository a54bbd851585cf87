//! The mail domain the domain checks' tests build (`mail_domain`) works as they need it to,
//! checked with plain tools: Knot answers its MX, A and TXT records (`kdig`), each MX host
//! greets on port 25 of its own address with a certificate for its name (a `--host` check
//! through the CLI), silent and black-holed hosts stay silent, the policy host serves on
//! port 443 of its own address, and the failing DNS servers fail as they should. For DANE
//! (issue 39), with the host's own resolver and `kdig +dnssec`: the signed zone's TLSA
//! records are secure and match what the hosts present, the unsigned child's are provably
//! insecure, an expired or tampered zone is bogus, and a zone's signatures may expire soon.

use smtp_sensor_host::engine::dns::{DnsConfig, DnsPolicy, DnsSession, Resolver};
use smtp_sensor_host::wit_dns::{Answer, DnssecStatus, RecordData, RecordType};
use smtp_sensor_tests::cli;
use smtp_sensor_tests::mail_domain::{
    Dns, Host, MailDomain, Plan, Signing, Tlsa, hex, sha256, spki_sha256,
};
use smtp_sensor_tests::policy_server::{Reply, policy_text};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, pem::PemObject as _};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// `kdig` at `server` for `name`'s `kind` records over UDP, one try of 2 s: its whole output
/// and whether it exited 0.
fn dig(server: SocketAddrV4, name: &str, kind: &str, short: bool) -> (String, bool) {
    let output = Command::new("kdig")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), name, kind])
        .args(["+notcp", "+timeout=2", "+retry=0"])
        .args(short.then_some("+short"))
        .output()
        .expect("kdig is not installed: `apt-get install knot-dnsutils` (scripts/setup does)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (text, output.status.success())
}

/// The short answer's lines, sorted.
fn records(world: &MailDomain, name: &str, kind: &str) -> Vec<String> {
    let (text, ok) = dig(world.dns_address(), name, kind, true);
    assert!(ok, "{text}\n{}", world.dns_log());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// `check --host IP --port 25 --security starttls --tls-server-name NAME`, trusting the
/// world's CA: the JSON result.
async fn check_host(world: &MailDomain, ip: std::net::Ipv4Addr, name: &str) -> serde_json::Value {
    let ca = world.ca_file().display().to_string();
    let ip = ip.to_string();
    let args = [
        "check",
        "--host",
        &ip,
        "--port",
        "25",
        "--security",
        "starttls",
        "--tls-ca",
        &ca,
        "--tls-server-name",
        name,
        "--format",
        "json",
        "--timeout",
        "10",
    ];
    cli::run(SMTP_SENSOR, &args).await.json()
}

/// A GET of the policy from `address` as `name`, trusting only the world's CA: the
/// response, or why the TLS handshake failed.
async fn get_policy(world: &MailDomain, address: SocketAddr, name: &str) -> Result<String, String> {
    let config = client_config(world);
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(name.to_string()).unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_zone_the_mx_hosts_and_the_policy_host_answer() {
    let world = MailDomain::start(
        Plan::new("world")
            .mx(10, Host::Postfix)
            .mx(20, Host::WrongName)
            .sts_record("v=STSv1; id=20260101")
            .tls_rpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.test")
            .policy(|d| Reply::enforce(&[&format!("mx1.{d}")], 604_800)),
    )
    .await
    .expect("start the mail domain (as root: ports 25, 53, 443)");
    let d = world.domain().to_string();
    assert!(d.starts_with("world-") && d.ends_with(".test"), "{d}");
    let [mx1, mx2] = world.mx_hosts() else {
        panic!("two MX hosts")
    };
    assert_eq!(mx1.exchange, format!("mx1.{d}"));
    assert_eq!(
        records(&world, &d, "MX"),
        vec![format!("10 mx1.{d}."), format!("20 mx2.{d}.")]
    );
    assert_eq!(
        records(&world, &mx1.exchange, "A"),
        vec![mx1.ip.to_string()]
    );
    assert_eq!(
        records(&world, &mx2.exchange, "A"),
        vec![mx2.ip.to_string()]
    );
    assert_ne!(mx1.ip, mx2.ip);
    assert_eq!(
        records(&world, &format!("_mta-sts.{d}"), "TXT"),
        vec!["\"v=STSv1; id=20260101\""]
    );
    assert_eq!(
        records(&world, &format!("_smtp._tls.{d}"), "TXT"),
        vec!["\"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\""]
    );
    let policy = world.policy_server().expect("a policy host");
    assert_eq!(policy.address().port(), 443);
    assert_eq!(
        records(&world, &format!("mta-sts.{d}"), "A"),
        vec![policy.address().ip().to_string()]
    );

    let good = check_host(&world, mx1.ip, &mx1.exchange).await;
    assert_eq!(good["status"], "up", "{good}");
    assert_eq!(good["remote_address"], format!("{}:25", mx1.ip));
    assert_eq!(good["tls"]["verified"], true, "{good}");
    let wrong = check_host(&world, mx2.ip, &mx2.exchange).await;
    assert_eq!(wrong["status"], "down", "{wrong}");
    assert_eq!(wrong["failure"]["kind"], "certificate-rejected", "{wrong}");
    assert_eq!(
        wrong["banner"]["code"], 220,
        "it greets all the same: {wrong}"
    );

    let name = format!("mta-sts.{d}");
    let response = get_policy(&world, policy.address(), &name).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    let text = policy_text("enforce", &[&format!("mx1.{d}")], 604_800);
    assert!(response.ends_with(&text), "{response}");
    assert_eq!(policy.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_implicit_mx_two_sts_records_and_an_untrusted_policy_host() {
    let world = MailDomain::start(
        Plan::new("implicit")
            .implicit_mx(Host::Postfix)
            .sts_record("v=STSv1; id=1")
            .sts_record("v=STSv1; id=2")
            .untrusted_policy(|_| Reply::enforce(&["*.test"], 604_800)),
    )
    .await
    .unwrap();
    let d = world.domain().to_string();
    let [host] = world.mx_hosts() else {
        panic!("one host")
    };
    assert_eq!(host.exchange, d);
    assert!(records(&world, &d, "MX").is_empty());
    assert_eq!(records(&world, &d, "A"), vec![host.ip.to_string()]);
    assert_eq!(
        records(&world, &format!("_mta-sts.{d}"), "TXT"),
        vec!["\"v=STSv1; id=1\"", "\"v=STSv1; id=2\""]
    );
    assert!(records(&world, &format!("_smtp._tls.{d}"), "TXT").is_empty());
    let json = check_host(&world, host.ip, &d).await;
    assert_eq!(json["status"], "up", "{json}");
    assert_eq!(json["tls"]["verified"], true, "{json}");
    let policy = world.policy_server().unwrap();
    let error = get_policy(&world, policy.address(), &format!("mta-sts.{d}"))
        .await
        .expect_err("a certificate the test CA did not issue");
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_null_mx_and_hosts_that_never_speak() {
    let world = MailDomain::start(
        Plan::new("null")
            .null_mx()
            .mx(10, Host::Silent)
            .mx(20, Host::BlackHole),
    )
    .await
    .unwrap();
    let d = world.domain().to_string();
    let mx = records(&world, &d, "MX");
    assert!(mx.contains(&"0 .".to_string()), "{mx:?}");
    let [silent, hole] = world.mx_hosts() else {
        panic!("two hosts")
    };
    let mut stream = std::net::TcpStream::connect((silent.ip, 25)).expect("accepts");
    stream
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut byte = [0u8; 1];
    let read = std::io::Read::read(&mut stream, &mut byte);
    assert!(read.is_err(), "the silent host said something: {read:?}");
    let started = Instant::now();
    let connect = std::net::TcpStream::connect_timeout(
        &SocketAddr::from((hole.ip, 25)),
        Duration::from_millis(1500),
    );
    assert!(connect.is_err(), "the black hole answered");
    assert!(started.elapsed() >= Duration::from_millis(1400));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_failing_dns_servers_fail_each_in_its_way() {
    let servfail = MailDomain::start(
        Plan::new("servfail")
            .mx(10, Host::Silent)
            .dns(Dns::ServFail),
    )
    .await
    .unwrap();
    let (text, _) = dig(servfail.dns_address(), servfail.domain(), "MX", false);
    assert!(text.contains("status: SERVFAIL"), "{text}");
    let silent = MailDomain::start(Plan::new("silent").dns(Dns::Silent))
        .await
        .unwrap();
    let started = Instant::now();
    let (text, ok) = dig(silent.dns_address(), silent.domain(), "MX", false);
    assert!(!ok && !text.contains("status:"), "{text}");
    assert!(started.elapsed() >= Duration::from_millis(1900), "{text}");
    let mut stopped = MailDomain::start(Plan::new("stopped").mx(10, Host::Silent))
        .await
        .unwrap();
    let (text, ok) = dig(stopped.dns_address(), stopped.domain(), "MX", true);
    assert!(ok && text.starts_with("10 mx1."), "{text}");
    stopped.stop_dns();
    let (text, ok) = dig(stopped.dns_address(), stopped.domain(), "MX", false);
    assert!(!ok && !text.contains("status:"), "{text}");
    let never = MailDomain::start(Plan::new("never").dns(Dns::Stopped))
        .await
        .unwrap();
    let (text, ok) = dig(never.dns_address(), never.domain(), "MX", false);
    assert!(!ok && !text.contains("status:"), "{text}");
}

/// A session of the host's resolver asking the world's DNS, trusting its keys (when signed).
fn session(world: &MailDomain) -> DnsSession {
    let resolver = Resolver::new(DnsConfig {
        servers: vec![SocketAddr::V4(world.dns_address())],
        trust_anchors: world.trust_anchor().into_iter().map(Into::into).collect(),
    })
    .expect("a resolver");
    DnsSession::new(
        resolver,
        DnsPolicy::for_domain(world.domain(), 25),
        Instant::now() + Duration::from_secs(20),
    )
}

/// The answer for `name`'s `kind` records (the domain's MX first: it permits the rest).
async fn ask(session: &mut DnsSession, name: &str, kind: RecordType) -> Answer {
    (session.resolve(name, kind).expect("permitted").wait().await)
        .unwrap_or_else(|e| panic!("{name} {kind:?}: {e:?}"))
}

/// The TLSA records of an answer as zone files write them (upper-case hex).
fn tlsa_records(answer: &Answer) -> Vec<String> {
    (answer.records.iter())
        .map(|r| match r {
            RecordData::Tlsa(t) => format!(
                "{} {} {} {}",
                t.usage,
                t.selector,
                t.matching_type,
                hex(&t.data)
            ),
            other => panic!("not TLSA: {other:?}"),
        })
        .collect()
}

/// A STARTTLS session with `ip`'s port 25, verifying the certificate for `name` against the
/// world's CA: the chain it presented (DER, leaf first). None when it offers no STARTTLS.
async fn presented_chain(world: &MailDomain, ip: Ipv4Addr, name: &str) -> Option<Vec<Vec<u8>>> {
    use tokio::io::AsyncBufReadExt as _;
    let tcp = tokio::net::TcpStream::connect((ip, 25)).await.unwrap();
    let mut stream = tokio::io::BufReader::new(tcp);
    async fn reply(stream: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert!(stream.read_line(&mut line).await.unwrap() > 0, "{lines:?}");
            let last = line.as_bytes().get(3) == Some(&b' ');
            lines.push(line.trim_end().to_string());
            if last {
                return lines;
            }
        }
    }
    assert!(reply(&mut stream).await[0].starts_with("220"));
    stream
        .get_mut()
        .write_all(b"EHLO tests.test\r\n")
        .await
        .unwrap();
    let ehlo = reply(&mut stream).await;
    if !ehlo.iter().any(|l| l[4..].eq_ignore_ascii_case("STARTTLS")) {
        return None;
    }
    stream.get_mut().write_all(b"STARTTLS\r\n").await.unwrap();
    assert!(reply(&mut stream).await[0].starts_with("220"));
    let config = client_config(world);
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(
            ServerName::try_from(name.to_string()).unwrap(),
            stream.into_inner(),
        )
        .await
        .expect("a certificate for its name from the world's CA");
    let chain = tls.get_ref().1.peer_certificates().unwrap();
    Some(chain.iter().map(|c| c.to_vec()).collect())
}

/// The RRSIG expirations (seconds since the epoch) over `name`'s `kind` records, as Knot
/// serves them (`kdig +dnssec`).
fn rrsig_expirations(world: &MailDomain, name: &str, kind: &str) -> Vec<i64> {
    let server = world.dns_address();
    let output = Command::new("kdig")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), name, kind])
        .args(["+dnssec", "+noall", "+answer", "+notcp", "+timeout=2"])
        .output()
        .expect("kdig");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (text.lines())
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(3) == Some(&"RRSIG") && fields.get(4) == Some(&kind))
                .then(|| civil_seconds(fields[8]))
        })
        .collect()
}

/// `YYYYMMDDhhmmss` (UTC) in seconds since the epoch.
fn civil_seconds(stamp: &str) -> i64 {
    let n = |a: usize, b: usize| stamp[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(4, 6), n(6, 8));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(8, 10) * 3600 + n(10, 12) * 60 + n(12, 14)
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_secs() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_world_serves_secure_tlsa_records_that_match_its_hosts() {
    let world = MailDomain::start(
        Plan::new("daneworld")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey, Tlsa::OtherKey])
            .mx_tlsa(
                20,
                Host::Postfix,
                &[Tlsa::Ca, Tlsa::LeafCertificate, Tlsa::Pkix],
            )
            .insecure_mx(30, Host::Postfix, &[Tlsa::LeafKey])
            .mx_tlsa(40, Host::NoTls, &[Tlsa::LeafKey]),
    )
    .await
    .expect("start the mail domain");
    let d = world.domain().to_string();
    let anchor = world.trust_anchor().expect("signed: a trust anchor");
    let keys = std::fs::read_to_string(anchor).unwrap();
    assert!(
        keys.contains("DNSKEY\t257") || keys.contains("DNSKEY 257"),
        "{keys}"
    );
    let [mx1, mx2, mx3, mx4] = world.mx_hosts() else {
        panic!("four hosts")
    };
    assert_eq!(mx3.exchange, format!("mx3.unsigned.{d}"));
    let mut dns = session(&world);
    let mx = ask(&mut dns, &d, RecordType::Mx).await;
    assert_eq!(
        mx.dnssec,
        DnssecStatus::Secure,
        "{mx:?}\n{}",
        world.dns_log()
    );
    assert_eq!(mx.records.len(), 4, "{mx:?}");

    // mx1: its key, and a standby key it does not have; secure.
    let tlsa = ask(&mut dns, &mx1.tlsa_name(), RecordType::Tlsa).await;
    assert_eq!(tlsa.dnssec, DnssecStatus::Secure, "{tlsa:?}");
    let mut served = tlsa_records(&tlsa);
    served.sort();
    let mut planned = mx1.tlsa.clone();
    planned.sort();
    assert_eq!(served, planned);
    let key = mx1.key_sha256.to_ascii_uppercase();
    assert_eq!(mx1.tlsa[0], format!("3 1 1 {key}"));
    assert!(mx1.tlsa[1].starts_with("3 1 1 ") && !mx1.tlsa[1].ends_with(&key));
    let chain = presented_chain(&world, mx1.ip, &mx1.exchange)
        .await
        .unwrap();
    assert_eq!(chain.len(), 1, "the leaf alone");
    assert_eq!(
        hex(&spki_sha256(&chain[0])),
        key,
        "it presents the key of its record"
    );
    let a = ask(&mut dns, &mx1.exchange, RecordType::A).await;
    assert_eq!(a.dnssec, DnssecStatus::Secure, "{a:?}");

    // mx2: DANE-TA through the test CA, whose certificate it presents after its own.
    let chain = presented_chain(&world, mx2.ip, &mx2.exchange)
        .await
        .unwrap();
    assert_eq!(chain.len(), 2, "leaf, then the CA");
    let ca_key = hex(&spki_sha256(&chain[1]));
    assert_eq!(
        mx2.tlsa,
        [
            format!("2 1 1 {ca_key}"),
            format!("3 0 1 {}", hex(&sha256(&chain[0]))),
            format!("1 1 1 {}", hex(&spki_sha256(&chain[0]))),
        ]
    );
    let tlsa = ask(&mut dns, &mx2.tlsa_name(), RecordType::Tlsa).await;
    assert_eq!(tlsa.dnssec, DnssecStatus::Secure, "{tlsa:?}");
    assert_eq!(tlsa.records.len(), 3);

    // mx3: in the unsigned child zone, delegated without DS: provably insecure.
    let a = ask(&mut dns, &mx3.exchange, RecordType::A).await;
    assert_eq!(a.records, vec![RecordData::A(mx3.ip.octets().into())]);
    assert_eq!(
        a.dnssec,
        DnssecStatus::Insecure,
        "{a:?}\n{}",
        world.dns_log()
    );
    let tlsa = ask(&mut dns, &mx3.tlsa_name(), RecordType::Tlsa).await;
    assert_eq!(tlsa.dnssec, DnssecStatus::Insecure, "{tlsa:?}");
    assert_eq!(tlsa_records(&tlsa), mx3.tlsa);
    let chain = presented_chain(&world, mx3.ip, &mx3.exchange)
        .await
        .unwrap();
    assert_eq!(
        hex(&spki_sha256(&chain[0])),
        mx3.key_sha256.to_ascii_uppercase()
    );

    // mx4: a Postfix without STARTTLS, behind a secure record.
    let tlsa = ask(&mut dns, &mx4.tlsa_name(), RecordType::Tlsa).await;
    assert_eq!(tlsa.dnssec, DnssecStatus::Secure, "{tlsa:?}");
    assert!(mx4.postfix.is_some());
    assert!(
        presented_chain(&world, mx4.ip, &mx4.exchange)
            .await
            .is_none()
    );
}

/// Whether the resolver judged the answer bogus, its reason (the host's reading of the
/// signatures, fetched unvalidated) containing `why`.
fn bogus_for(status: &DnssecStatus, why: &str) -> bool {
    matches!(status, DnssecStatus::Bogus(reason) if reason.contains(why))
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_tampered_signatures_answer_bogus() {
    let expired = MailDomain::start(
        Plan::new("expired")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::Expired),
    )
    .await
    .expect("start the mail domain (ldns-signzone: apt-get install ldnsutils)");
    let tampered = MailDomain::start(
        Plan::new("tampered")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::Tampered),
    )
    .await
    .unwrap();
    let tampered_a = MailDomain::start(
        Plan::new("tampereda")
            .mx(10, Host::Postfix)
            .signing(Signing::Tampered),
    )
    .await
    .unwrap();
    for world in [&expired, &tampered, &tampered_a] {
        assert!(world.trust_anchor().is_some());
    }

    // Expired: every answer, the MX's too; the records come all the same.
    let mut dns = session(&expired);
    let mx = ask(&mut dns, expired.domain(), RecordType::Mx).await;
    assert!(bogus_for(&mx.dnssec, "expired"), "{mx:?}");
    let host = &expired.mx_hosts()[0];
    let past = rrsig_expirations(&expired, &host.tlsa_name(), "TLSA");
    assert!(
        !past.is_empty() && past.iter().all(|&e| e < now()),
        "{past:?}"
    );
    let tlsa = ask(&mut dns, &host.tlsa_name(), RecordType::Tlsa).await;
    assert!(bogus_for(&tlsa.dnssec, "expired"), "{tlsa:?}");
    assert_eq!(tlsa_records(&tlsa), host.tlsa);

    // Tampered: the MX is secure, the TLSA record served (the host's own key) is not the
    // one signed.
    let mut dns = session(&tampered);
    let mx = ask(&mut dns, tampered.domain(), RecordType::Mx).await;
    assert_eq!(mx.dnssec, DnssecStatus::Secure, "{mx:?}");
    let host = &tampered.mx_hosts()[0];
    let tlsa = ask(&mut dns, &host.tlsa_name(), RecordType::Tlsa).await;
    assert!(bogus_for(&tlsa.dnssec, "in date"), "{tlsa:?}");
    assert_eq!(tlsa_records(&tlsa), host.tlsa);
    assert_eq!(
        host.tlsa,
        [format!("3 1 1 {}", host.key_sha256.to_ascii_uppercase())]
    );

    // Without TLSA records, the MX host's address is the record tampered with.
    let mut dns = session(&tampered_a);
    let mx = ask(&mut dns, tampered_a.domain(), RecordType::Mx).await;
    assert_eq!(mx.dnssec, DnssecStatus::Secure, "{mx:?}");
    let host = &tampered_a.mx_hosts()[0];
    let a = ask(&mut dns, &host.exchange, RecordType::A).await;
    assert!(bogus_for(&a.dnssec, "in date"), "{a:?}");
    assert_eq!(a.records, vec![RecordData::A(host.ip.octets().into())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn signatures_may_expire_within_days_and_an_unsigned_zone_has_no_anchor() {
    let days = 2;
    let soon = MailDomain::start(
        Plan::new("soon")
            .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
            .signing(Signing::ExpiresIn(Duration::from_secs(days * 86_400))),
    )
    .await
    .expect("start the mail domain (ldns-signzone: apt-get install ldnsutils)");
    let host = &soon.mx_hosts()[0];
    let expected = now() + days as i64 * 86_400;
    for (name, kind) in [(soon.domain(), "MX"), (&host.tlsa_name()[..], "TLSA")] {
        let expirations = rrsig_expirations(&soon, name, kind);
        assert!(
            !expirations.is_empty() && (expirations.iter()).all(|&e| (e - expected).abs() < 600),
            "{name} {kind}: {expirations:?}, expected about {expected}"
        );
    }
    let mut dns = session(&soon);
    let mx = ask(&mut dns, soon.domain(), RecordType::Mx).await;
    assert_eq!(mx.dnssec, DnssecStatus::Secure, "still valid: {mx:?}");
    let tlsa = ask(&mut dns, &host.tlsa_name(), RecordType::Tlsa).await;
    assert_eq!(tlsa.dnssec, DnssecStatus::Secure, "{tlsa:?}");
    let expiry = tlsa.earliest_signature_expiry.expect("signed: an expiry");
    assert!((expiry - expected).abs() < 600, "{expiry} vs {expected}");

    let unsigned = MailDomain::start(
        Plan::new("unsigned")
            .mx(10, Host::Postfix)
            .signing(Signing::Unsigned),
    )
    .await
    .unwrap();
    assert!(unsigned.trust_anchor().is_none());
    assert!(
        !unsigned
            .check_args(5)
            .contains(&"--dns-trust-anchor".to_string())
    );
    let mut dns = session(&unsigned);
    let mx = ask(&mut dns, unsigned.domain(), RecordType::Mx).await;
    // Knot refuses the root's keys: nothing proves the zone unsigned, nothing is broken.
    assert!(
        matches!(&mx.dnssec, DnssecStatus::Indeterminate(why) if why.contains("issue 3932")),
        "{mx:?}"
    );
}

/// A TLS client trusting only the world's CA.
fn client_config(world: &MailDomain) -> tokio_rustls::rustls::ClientConfig {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(world.ca_file()).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}
