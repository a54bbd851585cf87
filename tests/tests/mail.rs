//! Logging in and sending the test email, end to end against scripted loopback servers:
//! the exact bytes of every SASL mechanism, refusals, the message as the server receives
//! it, and the stored result files, which must never hold a secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use smtp_sensor_guest::Secret;
use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use smtp_sensor_host::settings::request::{AuthRequest, CheckRequest, EmailRequest};
use smtp_sensor_host::wit::{AuthMechanism, ErrorKind, Phase, Settings, Status, TransportSecurity};
use smtp_sensor_tests::check::{RUNNER, failure, request};
use smtp_sensor_tests::cli;
use smtp_sensor_tests::server::{ScriptedServer, Step, say};
use std::sync::LazyLock;

static CA: LazyLock<Ca> = LazyLock::new(|| Ca::new("smtp-sensor mail test CA"));
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

const EHLO_AUTH: &str =
    "250-mail.test\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n";
const PASSWORD: &str = "s3cret-Pa55";

fn auth(mechanism: Option<AuthMechanism>, user: &str, password: &str) -> AuthRequest {
    AuthRequest {
        user: user.into(),
        password: Secret::new(password),
        mechanism,
        allow_plaintext: false,
    }
}

fn email(to: &[&str], subject: &str, body: &str) -> EmailRequest {
    EmailRequest {
        from: "probe@example.com".into(),
        to: to.iter().map(|s| s.to_string()).collect(),
        subject: subject.into(),
        body: body.into(),
        send_data: true,
    }
}

/// Settings for an implicit-TLS server (so credentials may travel) on `port`.
fn settings(port: u16, auth: Option<AuthRequest>, email: Option<EmailRequest>) -> Settings {
    let mut request = request("127.0.0.1", port, TransportSecurity::Tls);
    request.auth = auth;
    request.email = email;
    let mut settings = request.into_settings().expect("valid settings");
    settings.tls.trusted_certificates = vec![CA.certificate().to_vec()];
    settings
}

async fn tls_server(script: Vec<Step>) -> ScriptedServer {
    let leaf = CA.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    ScriptedServer::start_tls(leaf.server_config(&[]), script).await
}

/// Banner and EHLO with AUTH, then `rest`.
fn greeted(rest: Vec<Step>) -> Vec<Step> {
    let mut script = vec![say("220 mail.test ESMTP\r\n"), Step::Read, say(EHLO_AUTH)];
    script.extend(rest);
    script
}

#[tokio::test(flavor = "multi_thread")]
async fn each_mechanism_sends_exactly_the_right_bytes() {
    let ok = || say("235 2.7.0 Authentication successful\r\n");
    // (mechanism, user, password, what the server does, the lines it must receive)
    type Case<'a> = (AuthMechanism, &'a str, &'a str, Vec<Step>, Vec<String>);
    let cases: Vec<Case> = vec![
        (
            AuthMechanism::Plain,
            "user",
            "pass",
            vec![Step::Read, ok()],
            vec!["AUTH PLAIN AHVzZXIAcGFzcw==".into()],
        ),
        (
            AuthMechanism::Login,
            "user",
            "pass",
            vec![
                Step::Read,
                say("334 VXNlcm5hbWU6\r\n"),
                Step::Read,
                say("334 UGFzc3dvcmQ6\r\n"),
                Step::Read,
                ok(),
            ],
            vec!["AUTH LOGIN".into(), "dXNlcg==".into(), "cGFzcw==".into()],
        ),
        (
            // RFC 2195's own example.
            AuthMechanism::CramMd5,
            "tim",
            "tanstaaftanstaaf",
            vec![
                Step::Read,
                say("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
                Step::Read,
                ok(),
            ],
            vec![
                "AUTH CRAM-MD5".into(),
                "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw".into(),
            ],
        ),
        (
            AuthMechanism::Xoauth2,
            "someone@example.com",
            "ya29.token",
            vec![Step::Read, ok()],
            vec![format!(
                "AUTH XOAUTH2 {}",
                BASE64.encode("user=someone@example.com\x01auth=Bearer ya29.token\x01\x01")
            )],
        ),
    ];
    for (mechanism, user, password, steps, expected) in cases {
        let mut rest = steps;
        rest.extend([Step::Read, say("221 bye\r\n")]);
        let server = tls_server(greeted(rest)).await;
        let result = RUNNER
            .check(&settings(
                server.port(),
                Some(auth(Some(mechanism), user, password)),
                None,
            ))
            .await;
        assert_eq!(
            result.status,
            Status::Up,
            "{mechanism:?}: {}",
            result.message
        );
        let received = server.received();
        assert_eq!(
            received[1..received.len() - 1],
            expected[..],
            "{mechanism:?}"
        );
        let transcript: String = result
            .transcript
            .iter()
            .map(|l| format!("{}\n", l.text))
            .collect();
        // The payloads carry credentials: none may reach the transcript.
        let payloads = expected
            .iter()
            .filter_map(|line| match line.strip_prefix("AUTH ") {
                Some(command) => command.split(' ').nth(1),
                None => Some(line.as_str()),
            });
        for payload in payloads {
            assert!(
                !transcript.contains(payload),
                "{mechanism:?} leaked {payload}"
            );
        }
        assert!(!transcript.contains(password));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn strongest_offered_mechanism_by_default() {
    let server = tls_server(greeted(vec![
        Step::Read,
        say("535 5.7.8 no\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ]))
    .await;
    RUNNER
        .check(&settings(server.port(), Some(auth(None, "u", "p")), None))
        .await;
    assert_eq!(server.received()[1], "AUTH CRAM-MD5");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_down_with_the_servers_words() {
    let script = greeted(vec![
        Step::Read,
        say("535 5.7.8 Authentication credentials invalid\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ]);
    let server = tls_server(script).await;
    let result = RUNNER
        .check(&settings(
            server.port(),
            Some(auth(Some(AuthMechanism::Plain), "u", "wrong")),
            None,
        ))
        .await;
    assert_eq!(result.status, Status::Down);
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Auth);
    assert!(
        matches!(kind, ErrorKind::AuthFailed(ref r) if r.code == 535),
        "{kind:?}"
    );
    assert!(
        result
            .message
            .contains("535 5.7.8 Authentication credentials invalid"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_offering_no_auth_is_down() {
    let script = vec![
        say("220 mail.test\r\n"),
        Step::Read,
        say("250 mail.test\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ];
    let server = tls_server(script).await;
    let result = RUNNER
        .check(&settings(server.port(), Some(auth(None, "u", "p")), None))
        .await;
    let (phase, kind) = failure(&result);
    assert_eq!(phase, Phase::Auth);
    assert!(
        matches!(kind, ErrorKind::AuthUnavailable(ref w) if w.contains("no AUTH")),
        "{kind:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plaintext_auth_is_refused_unless_allowed() {
    let script = |answer: &str| {
        vec![
            say("220 mail.test\r\n"),
            Step::Read,
            say(EHLO_AUTH),
            Step::Read,
            say(answer),
            Step::Read,
            say("221 bye\r\n"),
        ]
    };
    let plain = |port, allow| {
        let mut request = CheckRequest::new("127.0.0.1");
        request.port = Some(port);
        request.security = TransportSecurity::None;
        request.helo = Some("probe.test".into());
        request.auth = Some(AuthRequest {
            allow_plaintext: allow,
            ..auth(Some(AuthMechanism::Plain), "u", "p")
        });
        request.into_settings().unwrap()
    };
    let server = ScriptedServer::start(script("235 ok\r\n")).await;
    let result = RUNNER.check(&plain(server.port(), false)).await;
    assert_eq!(
        failure(&result),
        (Phase::Auth, ErrorKind::PlaintextAuthRefused)
    );
    assert!(result.message.contains("unencrypted"), "{}", result.message);
    assert_eq!(
        server.received(),
        ["EHLO probe.test", "QUIT"],
        "no AUTH was sent"
    );

    let server = ScriptedServer::start(script("235 ok\r\n")).await;
    let result = RUNNER.check(&plain(server.port(), true)).await;
    assert_eq!(result.status, Status::Up, "{}", result.message);

    // A server that itself refuses AUTH before TLS: its words are the reason.
    let server = ScriptedServer::start(script(
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n",
    ))
    .await;
    let result = RUNNER.check(&plain(server.port(), true)).await;
    assert!(
        matches!(failure(&result), (Phase::Auth, ErrorKind::AuthFailed(ref r)) if r.code == 538)
    );
    assert!(
        result.message.contains("Encryption required"),
        "{}",
        result.message
    );
}

/// A server that accepts one message for each of `recipients` and records it.
fn accepting(recipients: usize) -> Vec<Step> {
    let mut rest = vec![Step::Read, say("250 2.1.0 ok\r\n")];
    for _ in 0..recipients {
        rest.extend([Step::Read, say("250 2.1.5 ok\r\n")]);
    }
    rest.extend([
        Step::Read,
        say("354 go ahead\r\n"),
        Step::ReadData,
        say("250 2.0.0 queued as ABC\r\n"),
    ]);
    rest.extend([Step::Read, say("221 bye\r\n")]);
    greeted(rest)
}

#[tokio::test(flavor = "multi_thread")]
async fn message_as_received() {
    let server = tls_server(accepting(2)).await;
    let body = "first line\n.hidden line\nlast line";
    let email = email(
        &["a@example.com", "b@example.com"],
        "Grüße vom Sensor",
        body,
    );
    let result = RUNNER
        .check(&settings(server.port(), None, Some(email)))
        .await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(
        result
            .channels
            .iter()
            .any(|c| c.name == "Send Time" && c.value > 0.0)
    );
    assert_eq!(result.recipients.len(), 2);
    let phases: Vec<_> = result.timings.iter().map(|t| t.phase).collect();
    assert!(
        phases.contains(&Phase::MailFrom)
            && phases.contains(&Phase::RcptTo)
            && phases.contains(&Phase::Data)
    );

    let received = server.received();
    assert_eq!(received[1], "MAIL FROM:<probe@example.com>");
    assert_eq!(
        received[2..4],
        ["RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>"]
    );
    assert_eq!(received[4], "DATA");
    let message = &received[5..received.len() - 1];
    assert!(
        message.contains(&"From: probe@example.com".to_string()),
        "{message:#?}"
    );
    assert!(message.contains(&"To: a@example.com, b@example.com".to_string()));
    assert!(
        message.contains(&"Subject: =?UTF-8?B?R3LDvMOfZSB2b20gU2Vuc29y?=".to_string()),
        "{message:#?}"
    );
    assert!(
        message
            .iter()
            .any(|l| l.starts_with("Date: ") && l.ends_with(" +0000"))
    );
    assert!(
        message
            .iter()
            .any(|l| l.starts_with("Message-ID: <") && l.ends_with("@probe.test>"))
    );
    assert!(message.contains(&"MIME-Version: 1.0".to_string()));
    assert!(message.contains(&"Content-Type: text/plain; charset=UTF-8".to_string()));
    assert!(
        message.contains(&"..hidden line".to_string()),
        "dot-stuffed: {message:#?}"
    );
    assert_eq!(received.last().unwrap(), "QUIT");
    assert!(received.iter().all(|l| l.len() <= 998));
}

#[tokio::test(flavor = "multi_thread")]
async fn smtputf8_for_non_ascii_addresses() {
    let server = tls_server(accepting(1)).await;
    let result = RUNNER
        .check(&settings(
            server.port(),
            None,
            Some(email(&["jörg@example.com"], "t", "b")),
        ))
        .await;
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(
        server.received()[1],
        "MAIL FROM:<probe@example.com> SMTPUTF8"
    );

    let script = vec![
        say("220 mail.test\r\n"),
        Step::Read,
        say("250 mail.test\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ];
    let server = tls_server(script).await;
    let result = RUNNER
        .check(&settings(
            server.port(),
            None,
            Some(email(&["jörg@example.com"], "t", "b")),
        ))
        .await;
    assert_eq!(result.status, Status::Down);
    assert!(result.message.contains("SMTPUTF8"), "{}", result.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_recipient_refusal_is_down_with_every_reply() {
    let script = greeted(vec![
        Step::Read,
        say("250 2.1.0 ok\r\n"),
        Step::Read,
        say("250 2.1.5 ok\r\n"),
        Step::Read,
        say("550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ]);
    let server = tls_server(script).await;
    let email = email(&["a@example.com", "nobody@example.com"], "t", "b");
    let result = RUNNER
        .check(&settings(server.port(), None, Some(email)))
        .await;
    assert_eq!(result.status, Status::Down);
    let (phase, _) = failure(&result);
    assert_eq!(phase, Phase::RcptTo);
    assert!(
        result.message.contains("550 5.1.1 <nobody@example.com>"),
        "{}",
        result.message
    );
    let codes: Vec<_> = result
        .recipients
        .iter()
        .map(|r| (r.address.as_str(), r.reply.code))
        .collect();
    assert_eq!(codes, [("a@example.com", 250), ("nobody@example.com", 550)]);
    assert!(!server.received().contains(&"DATA".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_data_is_down() {
    let script = greeted(vec![
        Step::Read,
        say("250 ok\r\n"),
        Step::Read,
        say("250 ok\r\n"),
        Step::Read,
        say("354 go\r\n"),
        Step::ReadData,
        say("554 5.7.1 message rejected as spam\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ]);
    let server = tls_server(script).await;
    let result = RUNNER
        .check(&settings(
            server.port(),
            None,
            Some(email(&["a@example.com"], "t", "b")),
        ))
        .await;
    assert_eq!(result.status, Status::Down);
    assert_eq!(failure(&result).0, Phase::Data);
    assert!(
        result
            .message
            .contains("554 5.7.1 message rejected as spam"),
        "{}",
        result.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn line_breaks_in_any_setting_are_refused_before_connecting() {
    let server = ScriptedServer::start(accepting(1)).await;
    let mail = ["--mail-from", "a@example.com", "--mail-to", "b@example.com"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--helo", "x\r\nRSET"], "--helo"),
        (
            vec![
                "--mail-from",
                "a@example.com\r\nRCPT TO:<c@d>",
                "--mail-to",
                "b@example.com",
            ],
            "--mail-from",
        ),
        (
            vec![
                "--mail-from",
                "a@example.com",
                "--mail-to",
                "b@example.com\nDATA",
            ],
            "--mail-to",
        ),
        (
            [&mail[..], &["--subject", "hi\r\nBcc: e@f.example"]].concat(),
            "--subject",
        ),
        (
            vec!["--auth-user", "u\r\nQUIT", "--auth-password", "p"],
            "--auth-user",
        ),
        (
            vec!["--auth-user", "u", "--auth-password", "p\nQUIT"],
            "--auth-password",
        ),
        (
            vec![
                "--mail-from",
                "not-an-address",
                "--mail-to",
                "b@example.com",
            ],
            "--mail-from",
        ),
        (vec!["--auth-user", "u"], "--auth-password-file"),
    ];
    for (extra, flag) in cases {
        let run = cli::check_loopback(SMTP_SENSOR, server.port(), "none", &extra).await;
        assert_eq!(run.code, 3, "{extra:?}: {run:?}");
        assert!(
            run.stderr.contains(flag),
            "{extra:?} should name {flag}: {}",
            run.stderr
        );
    }
    assert_eq!(server.connections(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_result_files_hold_the_dialogue_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("smtp-sensor-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, CA.pem()).unwrap();
    let password_file = dir.join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let mut secrets = vec![
        PASSWORD.to_string(),
        BASE64.encode(PASSWORD),
        BASE64.encode(format!("\0probe-user\0{PASSWORD}")),
    ];
    secrets.push(BASE64.encode("probe-user"));

    for mechanism in ["plain", "login"] {
        let mut rest = match mechanism {
            "plain" => vec![Step::Read, say("235 ok\r\n")],
            _ => vec![
                Step::Read,
                say("334 VXNlcm5hbWU6\r\n"),
                Step::Read,
                say("334 UGFzc3dvcmQ6\r\n"),
                Step::Read,
                say("235 ok\r\n"),
            ],
        };
        rest.extend(accepting(1).split_off(3));
        let server = tls_server(greeted(rest)).await;
        let port = server.port().to_string();
        let args = [
            "check",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "tls",
            "--tls-ca",
            ca_file.to_str().unwrap(),
            "--auth-user",
            "probe-user",
            "--auth-password-file",
            password_file.to_str().unwrap(),
            "--auth-mechanism",
            mechanism,
            "--mail-from",
            "probe@example.com",
            "--mail-to",
            "a@example.com",
            "--store-result",
            dir.to_str().unwrap(),
            "--sensor-id",
            "4711",
            "--format",
            "json",
        ];
        let run = cli::run(SMTP_SENSOR, &args).await;
        assert_eq!(run.code, 0, "{mechanism}: {run:?}");
        let summary = std::fs::read_to_string(dir.join("Result of Sensor 4711.txt")).unwrap();
        let data = std::fs::read_to_string(dir.join("Result of Sensor 4711.Data.txt")).unwrap();
        assert!(
            summary.starts_with("UP: ")
                && summary.contains("Response Time")
                && summary.contains("Send Time"),
            "{summary}"
        );
        assert!(data.starts_with("Last response: 221 bye"), "{data}");
        assert!(
            data.contains(" C: MAIL FROM:<probe@example.com>")
                && data.contains(" S: 250 2.0.0 queued as ABC"),
            "{data}"
        );
        assert!(data.contains("[redacted]"), "{data}");
        for text in [&summary, &data, &run.stdout, &run.stderr] {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{mechanism}: {secret:?} found in:\n{text}"
                );
            }
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert!(
            leftovers
                .iter()
                .all(|n| !n.to_string_lossy().ends_with(".tmp")),
            "{leftovers:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
