//! The round trip end to end: `smtp-sensor check` and `serve` send the test email through
//! a real Postfix, find it in a real Dovecot's mailbox (IMAP and POP3) among thousands of
//! other messages, delete it and an earlier run's leftover, and report the delivery
//! latency with every phase; a delivery that stops is `down` with the wait; wrong mailbox
//! credentials are `down` in the server's words. The mailbox is left as it was found,
//! apart from the test messages.

use serde_json::Value;
use smtp_sensor_tests::cli::{Run, channel};
use smtp_sensor_tests::maildir::{self, ADDRESS, KEPT, MailStack, OTHERS, PASSWORD, PREFIX, USER};
use smtp_sensor_tests::prober::Prober;
use smtp_sensor_tests::scratch::Scratch;
use std::time::Duration;

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// `check` of the stack's Postfix with a round trip through its Dovecot over `protocol`
/// in plain text, the mailbox password in the environment, and `extra` flags; JSON with
/// the transcript.
async fn round_trip(stack: &MailStack, protocol: &str, password: &str, extra: &[&str]) -> Run {
    let port = match protocol {
        "imap" => stack.dovecot.imap_port(),
        _ => stack.dovecot.pop3_port(),
    }
    .to_string();
    let plain = maildir::plain_mailbox(&port);
    round_trip_with(stack, protocol, password, &[&plain[..], extra].concat()).await
}

/// `check` of the stack's Postfix with a round trip through its Dovecot over `protocol`,
/// secured as `extra` says.
async fn round_trip_with(stack: &MailStack, protocol: &str, password: &str, extra: &[&str]) -> Run {
    maildir::round_trip(SMTP_SENSOR, stack.postfix.port(), protocol, password, extra).await
}

fn phases(result: &Value) -> Vec<String> {
    result["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{} {} ms", t["phase"].as_str().unwrap(), t["ms"]))
        .collect()
}

/// The mailbox holds what it held, less the test messages of this run and ended ones.
fn left_as_found(stack: &MailStack) {
    stack.assert_left_as_found();
}

/// An up round trip over `protocol`: found, both test messages deleted, every phase timed,
/// no password anywhere; prints the figures.
async fn arrives_and_is_deleted(protocol: &str, mailbox_channel: &str) {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    let run = round_trip(&stack, protocol, PASSWORD, &["--timeout", "30"]).await;
    let result = run.json();
    assert_eq!(
        result["status"],
        "up",
        "{run:?}\n{}\n{}",
        stack.postfix.log(),
        stack.dovecot.log()
    );
    assert_eq!(run.code, 0);
    let latency = channel(&result, "Delivery Latency").expect("Delivery Latency");
    let smtp = channel(&result, "SMTP Time").expect("SMTP Time");
    let mailbox = channel(&result, mailbox_channel).expect(mailbox_channel);
    let total = channel(&result, "Response Time").unwrap();
    assert!(
        (total - (smtp + mailbox)).abs() < 0.01,
        "{total} = {smtp} + {mailbox}"
    );
    assert!(latency > 0.0 && latency < 30_000.0);
    assert_eq!(result["mailbox"]["found"], true);
    assert_eq!(
        result["mailbox"]["deleted"], 2,
        "this run's and the leftover"
    );
    let timed = phases(&result);
    for phase in [
        "mailbox-connect",
        "mailbox-greeting",
        "mailbox-login",
        "mailbox-search",
        "mailbox-fetch",
        "mailbox-delete",
        "mailbox-logout",
    ] {
        assert!(
            timed.iter().any(|t| t.starts_with(phase)),
            "{phase}: {timed:?}"
        );
    }
    // Thousands of other messages, and only the test messages' headers read.
    let sent: Vec<&str> = result["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["direction"] == "client")
        .filter_map(|l| l["text"].as_str())
        .collect();
    let fetched: usize = sent
        .iter()
        .filter(|c| c.contains("UID FETCH"))
        .map(|c| c.split_whitespace().nth(3).unwrap_or("").split(',').count())
        .sum();
    let tops = sent.iter().filter(|c| c.starts_with("TOP ")).count();
    // IMAP reads the Message-ID of the test messages alone (this run's, the ended run's
    // and the other run's); POP3 cannot search, and reads the newest headers until it
    // found this run's, and a few more for ended runs' test messages.
    assert!(
        fetched <= 3 && tops <= 20,
        "headers read: {fetched} by UID FETCH, {tops} by TOP, of {OTHERS} messages"
    );
    let text = run.stdout.clone();
    assert!(!text.contains(PASSWORD), "no password in the result");
    assert!(
        text.contains("[redacted]"),
        "the log-in is transcribed, redacted"
    );
    left_as_found(&stack);
    eprintln!(
        "{protocol} round trip: Response Time {total} ms = SMTP Time {smtp} + {mailbox_channel} \
         {mailbox}; Delivery Latency {latency} ms; searches {}; phases: {}",
        result["mailbox"]["searches"],
        timed.join(", ")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_round_trip_reports_the_delivery_latency() {
    arrives_and_is_deleted("imap", "IMAP Time").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pop3_round_trip_reports_the_delivery_latency() {
    arrives_and_is_deleted("pop3", "POP3 Time").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mailbox_connection_is_secured_and_its_certificate_checked() {
    let (stack, ca_pem) = MailStack::start_with_tls(SMTP_SENSOR).await;
    let scratch = Scratch::new("mailbox-ca");
    let ca_file = scratch.write("ca.pem", &ca_pem);
    let ca = ca_file.to_str().unwrap();
    let imaps = stack.dovecot.imaps_port().unwrap().to_string();
    let pop3 = stack.dovecot.pop3_port().to_string();
    let cases = [
        // (protocol, port, security, the command that upgrades, if any)
        ("imap", imaps.as_str(), "tls", None),
        ("pop3", pop3.as_str(), "starttls", Some("STLS")),
    ];
    for (protocol, port, security, upgrade) in cases {
        let secured = [
            "--mailbox-port",
            port,
            "--mailbox-security",
            security,
            "--tls-ca",
            ca,
            "--timeout",
            "30",
        ];
        let run = round_trip_with(&stack, protocol, PASSWORD, &secured).await;
        let result = run.json();
        assert_eq!(
            result["status"],
            "up",
            "{run:?}
{}",
            stack.dovecot.log()
        );
        let tls = &result["mailbox"]["tls"];
        assert_eq!(tls["verified"], true, "{tls}");
        assert!(
            tls["version"].as_str().unwrap().starts_with("TLSv1"),
            "{tls}"
        );
        assert!(
            phases(&result)
                .iter()
                .any(|p| p.starts_with("mailbox-tls-handshake")),
            "{:?}",
            phases(&result)
        );
        if let Some(command) = upgrade {
            assert!(run.stdout.contains(command), "{command} in the transcript");
        }
        // The mailbox server's certificate (a year) has its channel.
        let days = channel(&result, "Mailbox Certificate Expiry").expect("the channel");
        assert!((360.0..=366.0).contains(&days), "{days}");
        assert!(!run.stdout.contains(PASSWORD));
        left_as_found(&stack);
    }
    // Judged by the same thresholds as the SMTP server's: a year is within 400 days.
    let imaps_flags = [
        "--mailbox-port",
        imaps.as_str(),
        "--mailbox-security",
        "tls",
        "--tls-ca",
        ca,
        "--cert-warning",
        "400",
    ];
    let run = round_trip_with(&stack, "imap", PASSWORD, &imaps_flags).await;
    let result = run.json();
    assert_eq!(result["status"], "warning", "{run:?}");
    assert_eq!(
        result["failure"]["phase"], "mailbox-tls-handshake",
        "{run:?}"
    );
    assert_eq!(result["failure"]["kind"], "certificate-expiring", "{run:?}");
    left_as_found(&stack);
    // Without the test CA the certificate is rejected, before any password is sent.
    let untrusted = ["--mailbox-port", &imaps, "--mailbox-security", "tls"];
    let run = round_trip_with(&stack, "imap", PASSWORD, &untrusted).await;
    let result = run.json();
    assert_eq!(result["status"], "down", "{run:?}");
    assert_eq!(result["failure"]["phase"], "mailbox-tls-handshake");
    assert_eq!(result["failure"]["kind"], "certificate-rejected", "{run:?}");
    assert!(
        !run.stdout.contains("LOGIN"),
        "no log-in over an untrusted connection"
    );
    // A plain-text mailbox log-in must be asked for: refused before anything runs.
    let plain = ["--mailbox-port", &pop3, "--mailbox-security", "none"];
    let run = round_trip_with(&stack, "pop3", PASSWORD, &plain).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("--mailbox-security"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_delivery_is_down_with_the_wait() {
    // Postfix holds every test message in its queue (a header check on the Message-ID
    // the check writes): accepted, never delivered.
    let scratch = Scratch::new("held");
    let checks = scratch.write(
        "header_checks",
        &format!("/^Message-ID: <{PREFIX}-/ HOLD\n"),
    );
    let main_cf = format!("header_checks = regexp:{}\n", checks.display());
    let stack = MailStack::start(SMTP_SENSOR, &main_cf).await;
    for protocol in ["imap", "pop3"] {
        let run = round_trip(&stack, protocol, PASSWORD, &["--timeout", "4"]).await;
        let result = run.json();
        assert_eq!(result["status"], "down", "{run:?}\n{}", stack.postfix.log());
        assert_eq!(run.code, 2, "CRITICAL");
        assert_eq!(
            result["failure"]["kind"], "message-not-delivered",
            "{run:?}"
        );
        let waited = result["failure"]["detail"].as_u64().unwrap();
        assert!(
            (2_500..4_500).contains(&waited),
            "waited {waited} ms of a 4 s check"
        );
        let message = result["message"].as_str().unwrap();
        assert!(
            message.contains("did not arrive") && message.contains("waited"),
            "{message}"
        );
        assert_eq!(result["mailbox"]["found"], false);
        eprintln!(
            "{protocol} held: {message} ({} searches; phases: {})",
            result["mailbox"]["searches"],
            phases(&result).join(", ")
        );
        assert!(
            result["mailbox"]["searches"].as_u64().unwrap() >= 2,
            "it looked again"
        );
        // The leftover of an earlier run is deleted only with this run's message: a
        // round trip that found nothing leaves the mailbox alone.
        assert_eq!(stack.messages().len(), OTHERS + KEPT + 1);
    }
    assert!(
        stack.postfix.log().contains("hold:"),
        "Postfix held them:\n{}",
        stack.postfix.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_mailbox_credentials_are_down_in_the_servers_words() {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    for (protocol, words) in [("imap", "AUTHENTICATIONFAILED"), ("pop3", "-ERR")] {
        let run = round_trip(&stack, protocol, "wrong-Passw0rd", &["--timeout", "10"]).await;
        let result = run.json();
        assert_eq!(result["status"], "down", "{run:?}");
        assert_eq!(result["failure"]["phase"], "mailbox-login");
        assert_eq!(result["failure"]["kind"], "mailbox-failed");
        let message = result["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
        assert!(
            message.starts_with(&format!(
                "127.0.0.1:{}",
                match protocol {
                    "imap" => stack.dovecot.imap_port(),
                    _ => stack.dovecot.pop3_port(),
                }
            )),
            "names the mailbox server: {message}"
        );
        assert!(!run.stdout.contains("wrong-Passw0rd"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_a_round_trip_as_a_module() {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    let scratch = Scratch::new("serve-round-trip");
    let password = scratch.write("mailbox-password", PASSWORD);
    let module = format!(
        "[sensors.roundtrip]\nsecurity = \"none\"\ntimeout = 30\n\
         mail_from = \"probe@sensor.test\"\nmail_to = \"{ADDRESS}\"\n\
         mailbox = \"imap\"\nmailbox_host = \"127.0.0.1\"\nmailbox_port = {}\n\
         mailbox_security = \"none\"\nmailbox_allow_plaintext = true\n\
         mailbox_user = \"{USER}\"\nmailbox_password_file = \"{}\"\n\
         mailbox_token_prefix = \"{PREFIX}\"\nlatency_warning = \"20s\"\n\
         targets = [\"127.0.0.1:*\"]\n",
        stack.dovecot.imap_port(),
        password.display()
    );
    let config = scratch.write("sensors.toml", &module);
    let prober = Prober::start(SMTP_SENSOR, &config, &[]).await;
    let target = format!("127.0.0.1:{}", stack.postfix.port());
    let response = prober.probe(&target, "roundtrip", &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.sample("probe_success"),
        Some(1.0),
        "{}\n{}",
        response.body,
        prober.log()
    );
    assert_eq!(response.sample("smtp_roundtrip_delivered"), Some(1.0));
    assert_eq!(
        response.sample("smtp_roundtrip_deleted_messages"),
        Some(2.0)
    );
    let latency = response
        .sample("smtp_roundtrip_delivery_latency_seconds")
        .expect("the latency");
    assert!(latency > 0.0 && latency < 20.0, "{latency}");
    assert!(
        response
            .body
            .contains("smtp_phase_duration_seconds{phase=\"mailbox-search\"}"),
        "{}",
        response.body
    );
    assert!(
        response
            .sample("smtp_roundtrip_mailbox_duration_seconds{protocol=\"imap\"}")
            .is_some()
    );
    assert!(!response.body.contains(PASSWORD));
    left_as_found(&stack);
    drop(prober);
    tokio::time::sleep(Duration::from_millis(10)).await;
}
