//! TLS end to end: the real component in the real host against loopback servers with
//! certificates made here, in all five transport-security modes, with good, broken and
//! hostile servers. Each test asserts the status, the error kind and the reason.

use smtp_sensor_host::demo::impostor::ca_in_a_builtin_roots_name;
use smtp_sensor_host::demo::pki::{self, Ca, Leaf, LeafSpec};
use smtp_sensor_host::engine::runner::{PORTABLE_COMPONENT, Runner};
use smtp_sensor_host::wit::{CheckResult, ErrorKind, Phase, Settings, Status, TransportSecurity};
use smtp_sensor_tests::check::{RUNNER, failure, request};
use smtp_sensor_tests::server::{ScriptedServer, Step, say};
use std::sync::{Arc, LazyLock};

static CA: LazyLock<Ca> = LazyLock::new(|| Ca::new("smtp-sensor test CA"));

const BANNER: &str = "220 mail.test ESMTP scripted\r\n";
const EHLO_STARTTLS: &str = "250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
const EHLO_PLAIN: &str = "250-mail.test\r\n250 PIPELINING\r\n";
const EHLO_OVER_TLS: &str = "250-mail.test\r\n250-AUTH PLAIN\r\n250 SIZE 1000\r\n";

fn settings(port: u16, security: TransportSecurity) -> Settings {
    let mut settings = request("127.0.0.1", port, security)
        .into_settings()
        .expect("valid settings");
    settings.tls.trusted_certificates = vec![CA.certificate().to_vec()];
    settings
}

fn leaf(spec: LeafSpec) -> Leaf {
    CA.issue(&spec)
}

fn good_leaf() -> Leaf {
    leaf(LeafSpec::valid_for(&["localhost", "127.0.0.1"]))
}

/// What a healthy server says inside TLS: banner, EHLO, QUIT.
fn dialogue() -> Vec<Step> {
    vec![
        say(BANNER),
        Step::Read,
        say(EHLO_OVER_TLS),
        Step::Read,
        say("221 bye\r\n"),
    ]
}

/// A plain-text server offering STARTTLS, then a healthy dialogue over TLS.
fn starttls_server(tls: Arc<rustls::ServerConfig>, ehlo: &str) -> Vec<Step> {
    vec![
        say(BANNER),
        Step::Read,
        say(ehlo),
        Step::Read,
        say("220 2.0.0 go ahead\r\n"),
        Step::StartTls(tls),
        Step::Read,
        say(EHLO_OVER_TLS),
        Step::Read,
        say("221 bye\r\n"),
    ]
}

/// A plain-text server with no STARTTLS.
fn plain_server() -> Vec<Step> {
    vec![
        say(BANNER),
        Step::Read,
        say(EHLO_PLAIN),
        Step::Read,
        say("221 bye\r\n"),
    ]
}

async fn check(server: &ScriptedServer, security: TransportSecurity) -> CheckResult {
    RUNNER.check(&settings(server.port(), security)).await
}

fn channel(result: &CheckResult, name: &str) -> Option<f64> {
    result
        .channels
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value)
}

/// Asserts a down result whose certificate was rejected for `reason`.
fn assert_rejected(result: &CheckResult, reason: &str) {
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let (phase, kind) = failure(result);
    assert_eq!(phase, Phase::TlsHandshake);
    let ErrorKind::CertificateRejected(why) = kind else {
        panic!("{kind:?}")
    };
    assert!(why.contains(reason), "{why}");
    assert!(result.message.contains(reason), "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_with_a_valid_chain_is_up_with_tls_facts() {
    let server = ScriptedServer::start_tls(good_leaf().server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    let tls = result.tls.clone().expect("TLS facts");
    assert_eq!(tls.version, "TLSv1.3");
    assert!(
        tls.cipher_suite.starts_with("TLS13_"),
        "{}",
        tls.cipher_suite
    );
    assert_eq!(tls.subject, "CN=localhost");
    assert_eq!(tls.issuer, "CN=smtp-sensor test CA");
    assert!(tls.verified);
    let days = channel(&result, "Certificate Expiry").expect("expiry channel");
    assert!((363.0..=365.0).contains(&days), "{days}");
    assert!(channel(&result, "TLS Handshake").expect("handshake channel") > 0.0);
    assert_eq!(result.timings[1].phase, Phase::TlsHandshake);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_certificate_is_down_with_the_date_and_negative_days() {
    let spec = LeafSpec {
        valid_from_days: -30,
        valid_until_days: -3,
        ..LeafSpec::valid_for(&["127.0.0.1"])
    };
    let server = ScriptedServer::start_tls(leaf(spec).server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_rejected(&result, "the certificate expired on ");
    let days = channel(&result, "Certificate Expiry").expect("expiry channel even when rejected");
    assert!((-4.0..=-3.0).contains(&days), "{days}");
    let tls = result.tls.expect("TLS facts even when rejected");
    assert!(!tls.verified);
    assert_eq!(tls.subject, "CN=127.0.0.1");
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_certificate_over_starttls_is_down() {
    let spec = LeafSpec {
        valid_from_days: -30,
        valid_until_days: -3,
        ..LeafSpec::valid_for(&["127.0.0.1"])
    };
    let server = ScriptedServer::start(starttls_server(
        leaf(spec).server_config(&[]),
        EHLO_STARTTLS,
    ))
    .await;
    let result = check(&server, TransportSecurity::Starttls).await;
    assert_rejected(&result, "the certificate expired on ");
    assert!(channel(&result, "Certificate Expiry").unwrap() < 0.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn not_yet_valid_certificate_is_down() {
    let spec = LeafSpec {
        valid_from_days: 10,
        valid_until_days: 100,
        ..LeafSpec::valid_for(&["127.0.0.1"])
    };
    let server = ScriptedServer::start_tls(leaf(spec).server_config(&[]), dialogue()).await;
    assert_rejected(
        &check(&server, TransportSecurity::Tls).await,
        "not valid yet",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_host_name_is_down() {
    let server = ScriptedServer::start_tls(
        leaf(LeafSpec::valid_for(&["other.test"])).server_config(&[]),
        dialogue(),
    )
    .await;
    assert_rejected(
        &check(&server, TransportSecurity::Tls).await,
        "name mismatch",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_name_override_is_used_for_verification() {
    let server = ScriptedServer::start_tls(
        leaf(LeafSpec::valid_for(&["mail.test"])).server_config(&[]),
        dialogue(),
    )
    .await;
    let mut settings = settings(server.port(), TransportSecurity::Tls);
    settings.tls.server_name = Some("mail.test".into());
    let result = RUNNER.check(&settings).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn self_signed_certificate_is_down() {
    let server = ScriptedServer::start_tls(
        pki::self_signed(&LeafSpec::valid_for(&["127.0.0.1"])).server_config(&[]),
        dialogue(),
    )
    .await;
    assert_rejected(&check(&server, TransportSecurity::Tls).await, "self-signed");
}

/// A self-signed certificate with CA:TRUE (`openssl req -x509`'s default) is refused even
/// when trusted, unlike OpenSSL-based checks: the reason says so and how to reissue it.
#[tokio::test(flavor = "multi_thread")]
async fn a_ca_certificate_as_the_servers_is_down_saying_why() {
    let ca_as_server = pki::self_signed_ca(&LeafSpec::valid_for(&["127.0.0.1"]));
    let server = ScriptedServer::start_tls(ca_as_server.server_config(&[]), dialogue()).await;
    let mut settings = settings(server.port(), TransportSecurity::Tls);
    settings.tls.trusted_certificates = vec![ca_as_server.chain[0].to_vec()];
    let result = RUNNER.check(&settings).await;
    assert_rejected(&result, "(CN=127.0.0.1) is a CA certificate");
    assert!(result.message.contains("CA:FALSE"), "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_ca_is_down() {
    let stranger = Ca::new("some other CA");
    let server = ScriptedServer::start_tls(
        stranger
            .issue(&LeafSpec::valid_for(&["127.0.0.1"]))
            .server_config(&[]),
        dialogue(),
    )
    .await;
    assert_rejected(
        &check(&server, TransportSecurity::Tls).await,
        "unknown authority (CN=some other CA)",
    );
}

/// The signatures are checked by our host natively (the embedded component imports
/// `signatures`) and, in the portable component every other host runs, by the composed
/// verifier in WebAssembly: both accept the real chain and refuse a forged one, signed by a
/// CA with the trusted CA's very name but another key.
#[tokio::test(flavor = "multi_thread")]
async fn signatures_are_verified_natively_and_in_the_portable_component() {
    let portable = Runner::from_bytes(PORTABLE_COMPONENT).expect("load the portable component");
    let impostor = Ca::new("smtp-sensor test CA");
    let forged = impostor.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    for (host, runner) in [("our host", &*RUNNER), ("portable", &portable)] {
        let server = ScriptedServer::start(starttls_server(
            good_leaf().server_config(&[]),
            EHLO_STARTTLS,
        ))
        .await;
        let result = runner
            .check(&settings(server.port(), TransportSecurity::Starttls))
            .await;
        assert_eq!(result.status, Status::Up, "{host}: {}", result.message);
        assert!(result.tls.expect("TLS facts").verified, "{host}");

        let server = ScriptedServer::start_tls(forged.server_config(&[]), dialogue()).await;
        let result = runner
            .check(&settings(server.port(), TransportSecurity::Tls))
            .await;
        assert_rejected(&result, "the certificate's signature is invalid");
    }
}

/// The check carries no CA roots: it asks its host (ours natively, the composed verifier in
/// the portable component) for the built-in roots that its presented chain's issuers name.
/// A leaf issued in a built-in root's name, with another key, is judged against that root
/// and its signature found wrong; a leaf of an unknown CA finds no root at all.
#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_roots_reach_the_check_by_name_natively_and_in_the_portable_component() {
    let portable = Runner::from_bytes(PORTABLE_COMPONENT).expect("load the portable component");
    let (impostor, _) = ca_in_a_builtin_roots_name();
    let mut forged = impostor.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    forged.chain.truncate(1);
    let stranger = Ca::new("some other CA").issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    // The impostor's intermediate sent last, after 16 other CAs' certificates: the root its
    // issuer names is asked for all the same (the check asks 16 names at a time).
    let mut bundled = impostor
        .intermediate("an intermediate of the impostor", 365)
        .issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    let intermediate = bundled.chain.remove(1);
    bundled.chain.truncate(1);
    bundled
        .chain
        .extend((0..16).map(|i| Ca::new(&format!("bundled CA {i}")).certificate()));
    bundled.chain.push(intermediate);
    for (host, runner) in [("our host", &*RUNNER), ("portable", &portable)] {
        for (leaf, reason) in [
            (&forged, "the certificate's signature is invalid"),
            (&bundled, "signature is invalid"),
            (&stranger, "unknown authority (CN=some other CA)"),
        ] {
            let server = ScriptedServer::start_tls(leaf.server_config(&[]), dialogue()).await;
            let mut settings = settings(server.port(), TransportSecurity::Tls);
            settings.tls.trusted_certificates.clear();
            assert!(
                settings.tls.builtin_roots,
                "{host}: the built-in roots alone"
            );
            let result = runner.check(&settings).await;
            assert_rejected(&result, reason);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_off_accepts_and_says_so() {
    let server = ScriptedServer::start_tls(
        pki::self_signed(&LeafSpec::valid_for(&["127.0.0.1"])).server_config(&[]),
        dialogue(),
    )
    .await;
    let mut settings = settings(server.port(), TransportSecurity::Tls);
    settings.tls.verify = false;
    let result = RUNNER.check(&settings).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(!result.tls.unwrap().verified);
    assert!(
        result.message.contains("not verified"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_expiring_soon_is_a_warning() {
    let spec = LeafSpec {
        valid_until_days: 5,
        ..LeafSpec::valid_for(&["127.0.0.1"])
    };
    let server = ScriptedServer::start_tls(leaf(spec).server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(matches!(
        failure(&result).1,
        ErrorKind::CertificateExpiring(4 | 5)
    ));
    assert!(result.message.contains("expires in"), "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls12_only_and_tls13_servers() {
    for (versions, expected) in [
        (&[&rustls::version::TLS12][..], "TLSv1.2"),
        (&[&rustls::version::TLS13][..], "TLSv1.3"),
    ] {
        let server =
            ScriptedServer::start_tls(good_leaf().server_config(versions), dialogue()).await;
        let result = check(&server, TransportSecurity::Tls).await;
        assert_eq!(result.status, Status::Up, "{}", result.message);
        assert_eq!(result.tls.unwrap().version, expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_upgrades_and_greets_again() {
    let server = ScriptedServer::start(starttls_server(
        good_leaf().server_config(&[]),
        EHLO_STARTTLS,
    ))
    .await;
    let result = check(&server, TransportSecurity::Starttls).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        server.received(),
        ["EHLO probe.test", "STARTTLS", "EHLO probe.test", "QUIT"]
    );
    let keywords: Vec<_> = result
        .capabilities
        .iter()
        .map(|c| c.keyword.as_str())
        .collect();
    assert_eq!(
        keywords,
        ["AUTH", "SIZE"],
        "capabilities from the EHLO over TLS only"
    );
    let phases: Vec<_> = result.timings.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Connect,
            Phase::Banner,
            Phase::Ehlo,
            Phase::Starttls,
            Phase::TlsHandshake,
            Phase::EhloAfterTls,
            Phase::Quit
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lowercase_starttls_as_the_last_ehlo_line_is_used() {
    let ehlo = "250-mail.test\r\n250-pipelining\r\n250 starttls\r\n";
    let server = ScriptedServer::start(starttls_server(good_leaf().server_config(&[]), ehlo)).await;
    let result = check(&server, TransportSecurity::StarttlsIfAvailable).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(result.tls.is_some());
    assert_eq!(server.received()[1], "STARTTLS");
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_not_offered_in_each_mode() {
    let cases = [
        (TransportSecurity::None, Status::Up, None),
        (
            TransportSecurity::StarttlsIfAvailable,
            Status::Warning,
            Some("not encrypted"),
        ),
        (
            TransportSecurity::Starttls,
            Status::Down,
            Some("does not offer STARTTLS"),
        ),
        (TransportSecurity::Tls, Status::Down, Some("plain text")),
        (
            TransportSecurity::TlsIfAvailable,
            Status::Warning,
            Some("plain text"),
        ),
    ];
    for (security, status, words) in cases {
        let server = ScriptedServer::start(plain_server()).await;
        let result = check(&server, security).await;
        assert_eq!(result.status, status, "{security:?}: {}", result.message);
        if let Some(words) = words {
            assert!(
                result.message.contains(words),
                "{security:?}: {}",
                result.message
            );
        }
        match security {
            TransportSecurity::Starttls => assert_eq!(
                failure(&result),
                (Phase::Starttls, ErrorKind::TlsNotOffered)
            ),
            TransportSecurity::StarttlsIfAvailable => {
                assert_eq!(failure(&result).1, ErrorKind::TlsNotOffered)
            }
            TransportSecurity::Tls | TransportSecurity::TlsIfAvailable => {
                assert!(matches!(
                    failure(&result),
                    (Phase::TlsHandshake, ErrorKind::TlsFailed(_))
                ))
            }
            TransportSecurity::None => assert!(result.failure.is_none()),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_if_available_falls_back_to_plain_text_and_completes() {
    let server = ScriptedServer::start(plain_server()).await;
    let result = check(&server, TransportSecurity::TlsIfAvailable).await;
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(
        result.message.contains("implicit TLS failed"),
        "{}",
        result.message
    );
    assert_eq!(
        result.banner.unwrap().code,
        220,
        "the plain-text dialogue ran"
    );
    assert_eq!(
        server.connections(),
        2,
        "one TLS attempt, one plain connection"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_refused_with_454() {
    let script = vec![
        say(BANNER),
        Step::Read,
        say(EHLO_STARTTLS),
        Step::Read,
        say("454 4.7.0 TLS not available due to temporary reason\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ];
    let server = ScriptedServer::start(script.clone()).await;
    let result = check(&server, TransportSecurity::Starttls).await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Starttls);
    assert!(
        matches!(kind, ErrorKind::UnexpectedReply(ref r) if r.code == 454),
        "{kind:?}"
    );
    assert!(
        result.message.contains("454 4.7.0 TLS not available"),
        "{}",
        result.message
    );

    let server = ScriptedServer::start(script).await;
    let result = check(&server, TransportSecurity::StarttlsIfAvailable).await;
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(
        result.message.contains("STARTTLS was refused (454"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_text_injected_after_starttls_is_refused() {
    let script = vec![
        say(BANNER),
        Step::Read,
        say(EHLO_STARTTLS),
        Step::Read,
        say("220 2.0.0 go ahead\r\n250-injected.example\r\n250 AUTH PLAIN\r\n"),
        Step::Stall,
    ];
    let server = ScriptedServer::start(script).await;
    let result = check(&server, TransportSecurity::Starttls).await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Starttls);
    let ErrorKind::ProtocolViolation(why) = kind else {
        panic!("{kind:?}")
    };
    assert!(why.contains("injection"), "{why}");
    assert!(
        result.capabilities.iter().all(|c| c.keyword != "AUTH"),
        "injected lines are not used"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_alert_during_the_handshake_is_down() {
    // A fatal handshake_failure alert (TLS 1.2 record) in answer to the ClientHello.
    let alert = Step::Say(vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    let server = ScriptedServer::start(vec![Step::ReadBytes, alert, Step::Close]).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::TlsHandshake);
    let ErrorKind::TlsFailed(why) = kind else {
        panic!("{kind:?}")
    };
    assert!(why.contains("alert HandshakeFailure"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_stalling_mid_handshake_times_out() {
    let server = ScriptedServer::start(vec![Step::ReadBytes, Step::Stall]).await;
    let mut settings = settings(server.port(), TransportSecurity::Tls);
    settings.timeout_seconds = 2;
    let started = std::time::Instant::now();
    let result = RUNNER.check(&settings).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(failure(&result), (Phase::TlsHandshake, ErrorKind::Timeout));
    assert!(
        result
            .message
            .contains("timed out after 2 s during the TLS handshake"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_against_a_plain_text_server_says_so() {
    let server = ScriptedServer::start(plain_server()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Down);
    let (_, kind) = failure(&result);
    let ErrorKind::TlsFailed(why) = kind else {
        panic!("{kind:?}")
    };
    assert!(
        why.contains("answered in plain text (\"220 mail.test ESMTP scripted\")"),
        "{why}"
    );
}

/// `tls-if-available` falls back to plain text only when the server did not speak TLS at
/// all. A server that answers in TLS with a certificate the check does not trust is
/// reported as such: falling back would wait on the TLS port for a plain-text greeting
/// that never comes, and report a timeout instead of the real reason.
#[tokio::test(flavor = "multi_thread")]
async fn tls_if_available_reports_a_rejected_certificate_without_falling_back() {
    let stranger = Ca::new("some other CA");
    let server = ScriptedServer::start_tls(
        stranger
            .issue(&LeafSpec::valid_for(&["127.0.0.1"]))
            .server_config(&[]),
        dialogue(),
    )
    .await;
    let mut settings = settings(server.port(), TransportSecurity::TlsIfAvailable);
    settings.timeout_seconds = 5;
    let started = std::time::Instant::now();
    let result = RUNNER.check(&settings).await;
    assert_rejected(&result, "unknown authority (CN=some other CA)");
    assert!(!result.message.contains("timed out"), "{}", result.message);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    assert_eq!(
        server.connections(),
        1,
        "no plain-text attempt on a TLS port"
    );
}

/// A handshake the server began and then ended with an alert is TLS spoken: no fallback.
#[tokio::test(flavor = "multi_thread")]
async fn tls_if_available_reports_an_alert_without_falling_back() {
    let alert = Step::Say(vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    let server = ScriptedServer::start(vec![Step::ReadBytes, alert, Step::Close]).await;
    let result = check(&server, TransportSecurity::TlsIfAvailable).await;
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::TlsHandshake);
    assert!(
        matches!(&kind, ErrorKind::TlsFailed(why) if why.contains("alert HandshakeFailure")),
        "{kind:?}"
    );
    assert_eq!(server.connections(), 1);
}

/// A fallback taken and then failed keeps the first reason in the message: why TLS was
/// given up, then what went wrong in plain text.
#[tokio::test(flavor = "multi_thread")]
async fn a_fallback_that_fails_still_says_why_tls_was_given_up() {
    let server = ScriptedServer::start(vec![
        say(BANNER),
        Step::Read,
        say("554 5.7.1 no service for you\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ])
    .await;
    let result = check(&server, TransportSecurity::TlsIfAvailable).await;
    assert_eq!(result.status, Status::Down, "{}", result.message);
    assert_eq!(
        server.connections(),
        2,
        "one TLS attempt, one plain connection"
    );
    assert!(
        result.message.contains("no service for you"),
        "{}",
        result.message
    );
    assert!(
        result.message.contains("answered in plain text"),
        "the first reason is kept: {}",
        result.message
    );
}

/// `--tls-min-version 1.3` against a server that speaks TLS 1.2 at most is `down`, saying
/// that no offered version was acceptable to the server; the same server is up with 1.2.
#[tokio::test(flavor = "multi_thread")]
async fn a_minimum_of_tls_1_3_refuses_a_tls_1_2_server_in_words() {
    let tls12 = good_leaf().server_config(&[&rustls::version::TLS12]);
    let server = ScriptedServer::start_tls(tls12, dialogue()).await;
    let mut settings = settings(server.port(), TransportSecurity::Tls);
    settings.tls.min_version = smtp_sensor_host::wit::TlsVersion::Tls13;
    let result = RUNNER.check(&settings).await;
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::TlsHandshake);
    assert!(
        matches!(&kind, ErrorKind::TlsFailed(why) if why.contains("TLS 1.3 only") && why.contains("only TLS 1.2")),
        "{kind:?}"
    );
}

/// A server that answers the ClientHello with a TLS 1.0 ServerHello (as a server that speaks
/// nothing newer does) is reported as speaking only TLS 1.0, not as a generic failure.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_speaks_only_tls_1_0_is_named_as_such() {
    // A handshake record of TLS 1.0 holding a ServerHello that chose TLS 1.0 (0x0301), a
    // random, no session id, TLS_RSA_WITH_AES_128_CBC_SHA and no compression.
    let mut hello = vec![2, 0, 0, 38, 3, 1];
    hello.extend([7u8; 32]);
    hello.extend([0, 0x00, 0x2f, 0]);
    let mut record = vec![22, 3, 1, 0, hello.len() as u8];
    record.extend(hello);
    for version in [1u8, 2] {
        let mut record = record.clone();
        record[10] = version;
        let server =
            ScriptedServer::start(vec![Step::ReadBytes, Step::Say(record), Step::Stall]).await;
        let result = check(&server, TransportSecurity::Tls).await;
        assert_eq!(result.status, Status::Down, "{}", result.message);
        let (phase, kind) = failure(&result);
        assert_eq!(phase, Phase::TlsHandshake);
        let name = if version == 1 { "TLS 1.0" } else { "TLS 1.1" };
        assert!(
            matches!(&kind, ErrorKind::TlsFailed(why) if why.contains(&format!("speaks only {name}"))),
            "{kind:?}"
        );
    }
}

/// The certificate thresholds judge the verified chain's certificate that expires first: an
/// intermediate with five days left makes the check `warning` although the server's own
/// certificate has a year, and the result names it (the leaf's own expiry is kept beside
/// it).
#[tokio::test(flavor = "multi_thread")]
async fn an_intermediate_that_expires_first_is_named_and_judged() {
    let intermediate = CA.intermediate("smtp-sensor test intermediate", 5);
    let leaf = intermediate.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    let server = ScriptedServer::start_tls(leaf.server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(
        result.message.contains("CN=smtp-sensor test intermediate"),
        "{}",
        result.message
    );
    let days = channel(&result, "Certificate Expiry").unwrap();
    assert!((3.0..=5.0).contains(&days), "{days}");
    let tls = result.tls.unwrap();
    assert!(tls.verified);
    assert_eq!(tls.earliest_subject, "CN=smtp-sensor test intermediate");
    assert!(tls.earliest_not_after < tls.not_after - 300 * 86_400);
}

/// A server that still sends an expired cross-sign of the root (as servers sent ISRG Root
/// X1 cross-signed by DST Root CA X3 after September 2021) beside the intermediate the
/// verified chain uses: every client builds its path to the trusted root and ignores the
/// cross-sign, so the check is `up`, the Certificate Expiry channel counts the verified
/// chain's days, the expired certificate is a note, and `earliest` keeps blackbox's rule.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_cross_sign_the_chain_does_not_use_is_no_alarm() {
    let old_root = Ca::new("smtp-sensor test old root");
    let intermediate = CA.intermediate("smtp-sensor test intermediate R3", 200);
    let mut leaf = intermediate.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    // leaf, intermediate, then the root as the old root cross-signed it, expired.
    leaf.chain.truncate(2);
    leaf.chain.push(CA.cross_signed_by(&old_root, -30));
    let server = ScriptedServer::start_tls(leaf.server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(
        result
            .message
            .contains("(note: the server also sends CN=smtp-sensor test CA, expired on")
            && result
                .message
                .contains("which the verified chain does not use)"),
        "{}",
        result.message
    );
    let days = channel(&result, "Certificate Expiry").unwrap();
    assert!(
        (198.0..=200.0).contains(&days),
        "the intermediate's days: {days}"
    );
    let tls = result.tls.unwrap();
    assert!(tls.verified);
    assert_eq!(tls.chain_subject, "CN=smtp-sensor test intermediate R3");
    assert_eq!(tls.earliest_subject, "CN=smtp-sensor test CA");
    assert!(tls.earliest_not_after < tls.chain_not_after);
}

/// An expired intermediate is named, with its own date: the message no longer gives the
/// leaf's date (a year ahead) as the day "the certificate expired".
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_intermediate_is_named_with_its_own_date() {
    let intermediate = CA.intermediate("smtp-sensor test expired intermediate", -3);
    let leaf = intermediate.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    let server = ScriptedServer::start_tls(leaf.server_config(&[]), dialogue()).await;
    let result = check(&server, TransportSecurity::Tls).await;
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::TlsHandshake);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let three_days_ago = smtp_sensor_guest::format_utc(now - 3 * 86_400);
    let expected_day = &three_days_ago[..10];
    assert!(
        matches!(&kind, ErrorKind::CertificateRejected(why)
            if why.starts_with("the chain's certificate CN=smtp-sensor test expired intermediate expired on")
            && why.contains(expected_day)),
        "{kind:?} (expected {expected_day})"
    );
}
