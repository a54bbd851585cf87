//! The mail domain the domain checks' tests build (`mail_domain`) works as they need it to,
//! checked with plain tools: Knot answers its MX, A and TXT records (`kdig`), each MX host
//! greets on port 25 of its own address with a certificate for its name (a `--host` check
//! through the CLI), silent and black-holed hosts stay silent, the policy host serves on
//! port 443 of its own address, and the failing DNS servers fail as they should.

use smtp_sensor_tests::cli;
use smtp_sensor_tests::mail_domain::{Dns, Host, MailDomain, Plan};
use smtp_sensor_tests::policy_server::{Reply, policy_text};
use std::net::{SocketAddr, SocketAddrV4};
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
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(world.ca_file()).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
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
