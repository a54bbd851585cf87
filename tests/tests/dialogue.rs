//! End to end: the real component in the real host against scripted loopback servers, one
//! test per behaviour a server can show.

use smtp_sensor_host::engine::runner::Runner;
use smtp_sensor_host::wit::{CheckResult, ErrorKind, Phase, Settings, Status, TransportSecurity};
use smtp_sensor_tests::check::{RUNNER, failure, request};
use smtp_sensor_tests::server::{ScriptedServer, Step, normal, normal_with_ehlo, say};
use std::time::{Duration, Instant};

fn settings(host: &str, port: u16, timeout: u32) -> Settings {
    let mut request = request(host, port, TransportSecurity::None);
    request.timeout_seconds = Some(timeout);
    request.into_settings().expect("valid settings")
}

async fn check(server: &ScriptedServer, timeout: u32) -> CheckResult {
    RUNNER
        .check(&settings("127.0.0.1", server.port(), timeout))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_server_is_up() {
    let server = ScriptedServer::start(normal()).await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(result.channels[0].name, "Response Time");
    assert!(result.channels[0].value > 0.0);
    assert_eq!(server.received(), ["EHLO probe.test", "QUIT"]);
    let phases: Vec<Phase> = result.timings.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        [Phase::Connect, Phase::Banner, Phase::Ehlo, Phase::Quit]
    );
    assert_eq!(result.last_reply.unwrap().code, 221);
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_line_banner_is_kept_whole() {
    let mut script = normal();
    script[0] = say("220-test.example ESMTP\r\n220-no UCE\r\n220 welcome\r\n");
    let server = ScriptedServer::start(script).await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        result.banner.unwrap().lines,
        ["test.example ESMTP", "no UCE", "welcome"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn final_line_without_text_is_accepted() {
    let server = ScriptedServer::start(normal_with_ehlo(
        "250-test.example\r\n250-SIZE 1000\r\n250\r\n",
    ))
    .await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    let keywords: Vec<_> = result
        .capabilities
        .iter()
        .map(|c| c.keyword.clone())
        .collect();
    assert_eq!(keywords, ["SIZE"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn lowercase_keywords_are_recognised() {
    let server = ScriptedServer::start(normal_with_ehlo(
        "250-test.example\r\n250-size 1000\r\n250-auth plain LOGIN\r\n250 starttls\r\n",
    ))
    .await;
    let result = check(&server, 5).await;
    let caps: Vec<_> = result
        .capabilities
        .iter()
        .map(|c| (c.keyword.as_str(), c.params.clone()))
        .collect();
    assert_eq!(
        caps,
        [
            ("SIZE", vec!["1000".to_string()]),
            ("AUTH", vec!["plain".to_string(), "LOGIN".to_string()]),
            ("STARTTLS", vec![])
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ehlo_refused_falls_back_to_helo() {
    let server = ScriptedServer::start(vec![
        say("220 old.example SMTP\r\n"),
        Step::Read,
        say("502 5.5.1 EHLO not implemented\r\n"),
        Step::Read,
        say("250 old.example\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ])
    .await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        server.received(),
        ["EHLO probe.test", "HELO probe.test", "QUIT"]
    );
    assert!(result.capabilities.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn banner_421_is_down_with_the_servers_words() {
    let server = ScriptedServer::start(vec![
        say("421 4.3.2 test.example closing, try later\r\n"),
        Step::Close,
    ])
    .await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Banner);
    assert!(
        matches!(kind, ErrorKind::UnexpectedReply(ref r) if r.code == 421),
        "{kind:?}"
    );
    assert!(
        result
            .message
            .contains("421 4.3.2 test.example closing, try later"),
        "{}",
        result.message
    );
    assert!(server.received().is_empty(), "no QUIT after 421");
}

#[tokio::test(flavor = "multi_thread")]
async fn banner_554_is_down_and_quits_politely() {
    let server = ScriptedServer::start(vec![
        say("554 5.7.1 no service for your network\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ])
    .await;
    let result = check(&server, 5).await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Banner);
    let ErrorKind::UnexpectedReply(reply) = kind else {
        panic!("{kind:?}")
    };
    assert_eq!(reply.code, 554);
    assert_eq!(
        reply.enhanced_code.map(|e| (e.class, e.subject, e.detail)),
        Some((5, 7, 1))
    );
    assert!(
        result
            .message
            .contains("554 5.7.1 no service for your network"),
        "{}",
        result.message
    );
    assert_eq!(server.received(), ["QUIT"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_server_times_out_on_time() {
    let server = ScriptedServer::start(vec![Step::Stall]).await;
    let started = Instant::now();
    let result = check(&server, 2).await;
    let took = started.elapsed();
    assert_eq!(result.status, Status::Down);
    assert_eq!(failure(&result), (Phase::Banner, ErrorKind::Timeout));
    assert!(
        result.message.contains("timed out after 2 s"),
        "{}",
        result.message
    );
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dripping_server_times_out_on_time() {
    let banner = b"220 test.example slowly, one byte a second\r\n".to_vec();
    let server = ScriptedServer::start(vec![Step::Drip(banner, Duration::from_secs(1))]).await;
    let started = Instant::now();
    let result = check(&server, 2).await;
    let took = started.elapsed();
    assert_eq!(failure(&result), (Phase::Banner, ErrorKind::Timeout));
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connection_is_down() {
    // Bind, note the port, close: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let result = RUNNER.check(&settings("127.0.0.1", port, 5)).await;
    assert_eq!(result.status, Status::Down);
    assert_eq!(
        failure(&result),
        (Phase::Connect, ErrorKind::ConnectionRefused)
    );
    assert!(result.message.contains("refused"), "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_closing_mid_reply_is_down() {
    let server =
        ScriptedServer::start(vec![say("220-test.example\r\n220-half a rep"), Step::Close]).await;
    let result = check(&server, 5).await;
    assert_eq!(
        failure(&result),
        (Phase::Banner, ErrorKind::ConnectionClosed)
    );
    assert!(
        result.message.contains("closed the connection"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_line_is_a_clear_error_in_bounded_memory() {
    // 8 MiB with no line end, against a component allowed only 4 MiB of memory: it must stop
    // reading at its line limit and say so, not buffer it all (which would trap).
    let server = ScriptedServer::start(vec![Step::Say(vec![b'2'; 8 << 20]), Step::Stall]).await;
    let runner = Runner::embedded()
        .unwrap()
        .with_limits(smtp_sensor_host::engine::Limits {
            memory_bytes: 4 << 20,
            ..Default::default()
        });
    let result = runner.check(&settings("127.0.0.1", server.port(), 5)).await;
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Banner);
    let ErrorKind::ProtocolViolation(what) = kind else {
        panic!("{kind:?}: {}", result.message)
    };
    assert!(what.contains("longer than 4096 bytes"), "{what}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_loopback() {
    let server = ScriptedServer::start_on("::1".parse().unwrap(), normal()).await;
    let result = RUNNER.check(&settings("::1", server.port(), 5)).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        result.remote_address.as_deref(),
        Some(format!("[::1]:{}", server.port()).as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn name_lookup_then_connect() {
    // "localhost" resolves from /etc/hosts: no DNS traffic.
    let server = ScriptedServer::start(normal()).await;
    let result = RUNNER.check(&settings("localhost", server.port(), 5)).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(result.timings[0].phase, Phase::NameLookup);
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_keeps_the_component_to_the_allowed_port() {
    // A healthy server listens on `server.port()`, but the sandbox only allows another
    // port: the connection must be denied by the host, not merely not attempted.
    let server = ScriptedServer::start(normal()).await;
    use smtp_sensor_host::engine::sandbox::{Endpoint, NetworkPolicy};
    let policy = NetworkPolicy::single(Endpoint::of(
        "127.0.0.1",
        server.port().wrapping_add(1).max(1),
    ));
    let result = RUNNER
        .check_with_policy(&settings("127.0.0.1", server.port(), 5), policy)
        .await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Connect);
    assert!(matches!(kind, ErrorKind::AccessDenied(_)), "{kind:?}");
    assert!(server.received().is_empty());
}

/// The component checks the settings again, since any host may call it: what the host would
/// have refused is `down` with `invalid-settings` naming the contract's field, before any
/// connection.
#[tokio::test(flavor = "multi_thread")]
async fn the_component_refuses_settings_the_contract_forbids() {
    let server = ScriptedServer::start(normal()).await;
    let valid = settings("127.0.0.1", server.port(), 5);
    type Spoil = fn(&mut Settings);
    let cases: [(Spoil, &str); 3] = [
        (
            |s| {
                s.tls.certificate_warning_days = 14;
                s.tls.certificate_critical_days = 30;
            },
            "tls.certificate-critical-days",
        ),
        (
            |s| {
                s.response_time_warning_ms = Some(2000);
                s.response_time_critical_ms = Some(1000);
            },
            "response-time-critical-ms",
        ),
        (
            |s| s.response_time_warning_ms = Some(0),
            "response-time-warning-ms",
        ),
    ];
    for (spoil, field) in cases {
        let mut bad = valid.clone();
        spoil(&mut bad);
        let result = RUNNER.check(&bad).await;
        assert_eq!(result.status, Status::Down, "{field}: {}", result.message);
        match failure(&result) {
            (Phase::Settings, ErrorKind::InvalidSettings(text)) => {
                assert!(text.contains(field), "{field}: {text}")
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(server.received().is_empty(), "nothing was sent");
}
