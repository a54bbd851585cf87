//! Interoperability with a real MTA: Debian's Postfix on loopback, checked by the CLI.
//! These tests need Postfix installed (.ci/run installs it) and root (to start it); without
//! them they fail, with the reason, rather than pass silently.

use smtp_sensor_tests::cli;
use smtp_sensor_tests::postfix::{Config, Postfix};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");
/// The password of the submission server's user `probe`.
const PASSWORD: &str = "s3cret-Pa55";

#[tokio::test(flavor = "multi_thread")]
async fn plain_check_of_postfix_is_up() {
    let postfix = tokio::task::spawn_blocking(|| Postfix::start(""))
        .await
        .unwrap()
        .expect("start Postfix");
    let run = cli::check_loopback(SMTP_SENSOR, postfix.port(), "none", &["--format", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}\nPostfix log:\n{}", postfix.log());
    let json = run.json();
    assert_eq!(json["status"], "up");
    assert!(json["channels"][0]["value"].as_f64().unwrap() > 0.0);
    let banner = json["banner"]["lines"][0].as_str().unwrap();
    assert!(banner.contains("ESMTP Postfix"), "{banner}");
    let keywords: Vec<&str> = json["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["keyword"].as_str().unwrap())
        .collect();
    assert!(
        keywords.contains(&"PIPELINING") && keywords.contains(&"ENHANCEDSTATUSCODES"),
        "{keywords:?}"
    );
    let seen = postfix.wait_for_log("ehlo=1 quit=1", std::time::Duration::from_secs(5));
    assert!(
        seen,
        "Postfix should log one EHLO and one QUIT:\n{}",
        postfix.log()
    );
}

/// A Postfix with TLS: STARTTLS on its plain port, implicit TLS on another. Returns it and
/// the path of its CA's PEM file (for `--tls-ca`).
async fn postfix_with_tls() -> (Postfix, String) {
    start(Config::default()).await
}

/// Starts Postfix with a test CA off the async runtime.
async fn start(config: Config) -> (Postfix, String) {
    tokio::task::spawn_blocking(move || Postfix::start_with_test_ca(config))
        .await
        .unwrap()
        .expect("start Postfix")
}

async fn check(port: u16, security: &str, ca_file: &str) -> cli::Run {
    let extra = ["--tls-ca", ca_file, "--timeout", "3", "--format", "json"];
    cli::check_loopback(SMTP_SENSOR, port, security, &extra).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mode_against_postfix_plain_port_with_starttls() {
    let (postfix, ca) = postfix_with_tls().await;
    // (mode, exit code, status, TLS used)
    let cases = [
        ("none", 0, "up", false),
        ("starttls-if-available", 0, "up", true),
        ("starttls", 0, "up", true),
        ("tls-if-available", 1, "warning", false),
        ("tls", 2, "down", false),
    ];
    for (mode, code, status, tls_used) in cases {
        let run = check(postfix.port(), mode, &ca).await;
        assert_eq!(
            run.code,
            code,
            "{mode}: {run:?}\nPostfix log:\n{}",
            postfix.log()
        );
        let json = run.json();
        assert_eq!(json["status"], status, "{mode}: {}", json["message"]);
        assert_eq!(
            json["tls"]["verified"] == true,
            tls_used,
            "{mode}: {}",
            json["tls"]
        );
        if tls_used {
            assert_eq!(json["tls"]["subject"], "CN=localhost");
            let keywords = json["capabilities"].to_string();
            assert!(
                !keywords.contains("STARTTLS"),
                "EHLO over TLS offers no STARTTLS: {keywords}"
            );
        }
        if mode.starts_with("tls") {
            let message = json["message"].as_str().unwrap();
            assert!(message.contains("plain text"), "{mode}: {message}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mode_against_postfix_implicit_tls_port() {
    let (postfix, ca) = postfix_with_tls().await;
    let port = postfix.tls_port().unwrap();
    for mode in ["tls", "tls-if-available"] {
        let run = check(port, mode, &ca).await;
        assert_eq!(
            run.code,
            0,
            "{mode}: {run:?}\nPostfix log:\n{}",
            postfix.log()
        );
        let json = run.json();
        assert_eq!(json["tls"]["verified"], true);
        assert!(json["channels"].to_string().contains("Certificate Expiry"));
        assert!(
            json["banner"]["lines"][0]
                .as_str()
                .unwrap()
                .contains("ESMTP Postfix")
        );
    }
    // Plain-text modes wait for a greeting that a wrapper-mode port never sends in clear.
    for mode in ["none", "starttls-if-available", "starttls"] {
        let run = check(port, mode, &ca).await;
        assert_eq!(run.code, 2, "{mode}: {run:?}");
        let json = run.json();
        assert_eq!(json["failure"]["phase"], "banner", "{mode}");
        assert_eq!(json["failure"]["kind"], "timeout", "{mode}");
    }
}

/// Postfix with TLS, Dovecot SASL for `probe`, and a local mailbox `rcpt@sensor.test`.
/// Returns it, its CA file and a file holding probe's password.
async fn submission_server() -> (Postfix, String, String) {
    let config = Config {
        sasl_users: vec![("probe".into(), PASSWORD.into())],
        mailboxes: vec!["rcpt".into()],
        ..Config::default()
    };
    let (postfix, ca_file) = start(config).await;
    let password_file = postfix.dir().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    (postfix, ca_file, password_file.display().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn log_in_over_starttls_and_deliver_to_a_local_mailbox() {
    let (postfix, ca, password) = submission_server().await;
    let port = postfix.port().to_string();
    // Spelled as SASL names them (RFC 4422: upper case); any case is accepted.
    for mechanism in ["PLAIN", "LOGIN", "CRAM-MD5"] {
        let subject = format!("smtp-sensor Postfix test via {mechanism}");
        let args = [
            "check",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "starttls",
            "--tls-ca",
            &ca,
            "--auth-user",
            "probe",
            "--auth-password-file",
            &password,
            "--auth-mechanism",
            mechanism,
            "--mail-from",
            "probe@sensor.test",
            "--mail-to",
            "rcpt@sensor.test",
            "--subject",
            &subject,
            "--body",
            "first line\n.a line starting with a dot\nlast line",
            "--format",
            "json",
        ];
        let run = cli::run(SMTP_SENSOR, &args).await;
        assert_eq!(
            run.code,
            0,
            "{mechanism}: {run:?}\nPostfix log:\n{}",
            postfix.log()
        );
        let json = run.json();
        let channels = json["channels"].to_string();
        assert!(
            channels.contains("Response Time") && channels.contains("Send Time"),
            "{channels}"
        );
        assert!(
            !run.stdout.contains("s3cret"),
            "the password never reaches the output"
        );
        // The proof of delivery: Postfix's queue ID, in the reply and in the message.
        let queued = json["message_reply"]["lines"][0]
            .as_str()
            .unwrap_or_default();
        assert!(queued.contains("queued as"), "{mechanism}: {json}");
        let message = json["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("the test email was accepted: 250 {queued}")),
            "{message}"
        );
        let delivered = wait_for_mail(&postfix, &subject).await;
        assert!(delivered.contains("From: probe@sensor.test"), "{delivered}");
        assert!(
            delivered.contains("\n.a line starting with a dot"),
            "un-stuffed on delivery: {delivered}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postfix_refuses_a_wrong_password_and_auth_before_tls() {
    let (postfix, ca, _) = submission_server().await;
    let port = postfix.port().to_string();
    let wrong = postfix.dir().join("wrong");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    let wrong = wrong.display().to_string();
    let base = [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--tls-ca",
        &ca,
        "--format",
        "json",
    ];
    let auth = ["--auth-user", "probe", "--auth-password-file", &wrong];

    let run = cli::run(
        SMTP_SENSOR,
        &[&base[..], &auth[..], &["--security", "starttls"]].concat(),
    )
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["failure"]["kind"], "auth-failed");
    assert_eq!(
        json["failure"]["detail"]["code"], 535,
        "{}",
        json["message"]
    );

    // smtpd_tls_auth_only: no AUTH in plain text, even when the check would allow it.
    let plain = ["--security", "none", "--allow-plaintext-auth"];
    let run = cli::run(SMTP_SENSOR, &[&base[..], &auth[..], &plain[..]].concat()).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["failure"]["kind"], "auth-unavailable");
}

/// The delivered message with `subject`, waiting for Postfix to deliver it.
async fn wait_for_mail(postfix: &Postfix, subject: &str) -> String {
    for _ in 0..100 {
        if let Some(mail) = postfix
            .mailbox("rcpt")
            .into_iter()
            .find(|m| m.contains(subject))
        {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "no mail with subject {subject:?} in rcpt's mailbox; Postfix log:\n{}",
        postfix.log()
    );
}

/// The component's initial linear memory (see guest/build.rs) holds a whole probe: with a
/// cap of exactly that much, which no growth can pass, STARTTLS, logging in and sending a
/// test email of 1.4 KB still succeed. (Growing at every probe cost `serve` 2-4% of its CPU.)
#[tokio::test(flavor = "multi_thread")]
async fn a_full_probe_fits_the_components_initial_memory() {
    use smtp_sensor_host::engine::Limits;
    use smtp_sensor_host::engine::runner::Runner;
    use smtp_sensor_host::settings::request::{AuthRequest, EmailRequest};
    use smtp_sensor_host::wit::{AuthMechanism, Status, TransportSecurity};

    let (postfix, ca, _) = submission_server().await;
    let mut request =
        smtp_sensor_tests::check::request("127.0.0.1", postfix.port(), TransportSecurity::Starttls);
    request.tls.ca_files = vec![ca.into()];
    request.auth = Some(AuthRequest {
        user: "probe".into(),
        password: smtp_sensor_guest::Secret::new(PASSWORD),
        mechanism: Some(AuthMechanism::Plain),
        allow_plaintext: false,
    });
    let subject = "smtp-sensor Postfix test in the initial memory";
    request.email = Some(EmailRequest {
        from: "probe@sensor.test".into(),
        to: vec!["rcpt@sensor.test".into()],
        subject: subject.into(),
        body: "a line\n".repeat(200),
        send_data: true,
    });
    let settings = request.into_settings().expect("valid settings");
    let runner = Runner::embedded().unwrap();
    let initial = runner
        .initial_memory_bytes()
        .expect("wasmtime reads the component's memory");
    assert!(initial >= 2 << 20, "room for a heap: {initial} bytes");
    let runner = runner.with_limits(Limits {
        memory_bytes: initial as usize,
        ..Default::default()
    });
    let result = runner.check(&settings).await;
    assert_eq!(
        result.status,
        Status::Up,
        "{}\nPostfix log:\n{}",
        result.message,
        postfix.log()
    );
    assert!(wait_for_mail(&postfix, subject).await.contains("a line"));
}

/// Expect rules against Postfix: its banner matches a pattern and its EHLO announces what
/// is required; an extension it does not announce (REQUIRETLS) is `down` with the list it
/// does announce, or `warning` when the user says so; a bad pattern is refused before
/// anything connects.
#[tokio::test(flavor = "multi_thread")]
async fn expect_rules_against_postfix() {
    let postfix = tokio::task::spawn_blocking(|| Postfix::start(""))
        .await
        .unwrap()
        .expect("start Postfix");
    let port = postfix.port();
    let met = [
        "--expect-banner",
        "^220 .* ESMTP Postfix",
        "--expect-extensions",
        "pipelining,8BITMIME",
        "--format",
        "json",
    ];
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &met).await;
    assert_eq!(run.code, 0, "{run:?}\nPostfix log:\n{}", postfix.log());

    let missing = [
        "--expect-extensions",
        "PIPELINING,REQUIRETLS",
        "--format",
        "json",
    ];
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &missing).await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["failure"]["kind"], "expectation-missed");
    assert_eq!(json["failure"]["phase"], "ehlo");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.contains("does not announce REQUIRETLS") && message.contains("PIPELINING"),
        "{message}"
    );

    let warned = [&missing[..2], &["--expect-warning", "--format", "nagios"]].concat();
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &warned).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("SMTP WARNING"), "{}", run.stdout);

    let other_banner = ["--expect", "Exim", "--format", "json"];
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &other_banner).await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["failure"]["phase"], "banner");
    assert!(
        json["message"].as_str().unwrap().contains("ESMTP Postfix"),
        "the server's own words: {}",
        json["message"]
    );

    let as_blackbox = ["--expect", "Exim", "--format", "prometheus"];
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &as_blackbox).await;
    assert!(
        run.stdout.contains("\nprobe_failed_due_to_regex 1\n")
            && run.stdout.contains("\nprobe_success 0\n"),
        "{}",
        run.stdout
    );

    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &["--expect-banner", "220 ("]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("invalid --expect-banner") && run.stderr.contains("regular expression"),
        "{}",
        run.stderr
    );
}

/// An envelope probe (MAIL FROM and RCPT TO, no DATA) against a Postfix that delivers
/// locally: `up`, Postfix saw no DATA, and the mailbox stays empty.
#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_probe_leaves_no_mail_behind() {
    let config = Config {
        mailboxes: vec!["rcpt".into()],
        ..Config::default()
    };
    let postfix = tokio::task::spawn_blocking(move || Postfix::start_with(config))
        .await
        .unwrap()
        .expect("start Postfix");
    let envelope = [
        "--mail-from",
        "probe@sensor.test",
        "--mail-to",
        "rcpt@sensor.test",
        "--envelope-only",
        "--format",
        "json",
    ];
    let run = cli::check_loopback(SMTP_SENSOR, postfix.port(), "none", &envelope).await;
    assert_eq!(run.code, 0, "{run:?}\nPostfix log:\n{}", postfix.log());
    let json = run.json();
    assert_eq!(
        json["recipients"][0]["reply"]["code"], 250,
        "{}",
        run.stdout
    );
    assert!(
        postfix.wait_for_log("mail=1 rcpt=1 quit=1", std::time::Duration::from_secs(5)),
        "Postfix should see MAIL, RCPT and QUIT and no DATA:\n{}",
        postfix.log()
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        postfix.mailbox("rcpt").is_empty(),
        "no mail was left behind"
    );
}

/// The open-relay probe's flags, from a stranger to a stranger, with JSON output.
const RELAY_PROBE: [&str; 6] = [
    "--relay-probe-from",
    "stranger@outside.example",
    "--relay-probe-to",
    "someone@elsewhere.example",
    "--format",
    "json",
];

/// Postfix refusing the outside sender at MAIL FROM (a sender access check, as Exim's
/// `verify = sender` or an SPF check there would): 550 is the server refusing a stranger
/// (`up`, quoting it), 451 proves neither (`warning`), never `down`.
#[tokio::test(flavor = "multi_thread")]
async fn the_relay_probe_refused_at_mail_from_by_postfix() {
    let probe = RELAY_PROBE;
    for (action, code, words) in [
        (
            "550 5.7.1 sender verify failed",
            0,
            "at MAIL FROM, so it does not relay",
        ),
        (
            "451 4.7.1 sender check failed for now",
            1,
            "the relay probe is inconclusive",
        ),
    ] {
        let config = format!(
            "mynetworks =\nsmtpd_delay_reject = no\n\
             smtpd_sender_restrictions = check_sender_access \
             inline:{{{{ outside.example = {action} }}}}\n"
        );
        let postfix = tokio::task::spawn_blocking(move || Postfix::start(&config))
            .await
            .unwrap()
            .expect("start Postfix");
        let run = cli::check_loopback(SMTP_SENSOR, postfix.port(), "none", &probe).await;
        assert_eq!(
            run.code,
            code,
            "{action}: {run:?}\nPostfix log:\n{}",
            postfix.log()
        );
        let message = run.json()["message"].as_str().unwrap().to_string();
        let said = &action[..9];
        assert!(
            message.contains(words)
                && message.contains(said)
                && message.contains("stranger@outside.example"),
            "{action}: {message}"
        );
    }
}

/// The open-relay probe against Postfix twice: with loopback in `mynetworks` and outside
/// mail going to Postfix's `discard` transport (nothing leaves the machine), Postfix relays
/// for the probe (`down`, "the server relays"); with `mynetworks` empty and
/// `reject_unauth_destination` it refuses the outside recipient (`up`, quoting the
/// refusal); with Postfix's default `defer_unauth_destination` it answers 454, a temporary
/// refusal that proves neither (`warning`).
#[tokio::test(flavor = "multi_thread")]
async fn the_open_relay_probe_against_postfix() {
    let probe = RELAY_PROBE;
    let relaying = tokio::task::spawn_blocking(|| {
        Postfix::start("default_transport = discard:\nrelay_transport = discard:\n")
    })
    .await
    .unwrap()
    .expect("start Postfix");
    let run = cli::check_loopback(SMTP_SENSOR, relaying.port(), "none", &probe).await;
    assert_eq!(run.code, 2, "{run:?}\nPostfix log:\n{}", relaying.log());
    let json = run.json();
    assert_eq!(json["failure"]["kind"], "open-relay", "{}", run.stdout);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("the server relays"),
        "{}",
        json["message"]
    );
    drop(relaying);

    let closed = tokio::task::spawn_blocking(|| {
        Postfix::start(
            "mynetworks =\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n",
        )
    })
    .await
    .unwrap()
    .expect("start Postfix");
    let run = cli::check_loopback(SMTP_SENSOR, closed.port(), "none", &probe).await;
    assert_eq!(run.code, 0, "{run:?}\nPostfix log:\n{}", closed.log());
    let message = run.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("refused to relay to someone@elsewhere.example")
            && message.contains("Relay access denied"),
        "{message}"
    );
    drop(closed);

    let deferring = tokio::task::spawn_blocking(|| Postfix::start("mynetworks =\n"))
        .await
        .unwrap()
        .expect("start Postfix");
    let run = cli::check_loopback(SMTP_SENSOR, deferring.port(), "none", &probe).await;
    assert_eq!(run.code, 1, "{run:?}\nPostfix log:\n{}", deferring.log());
    let message = run.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("454 4.7.1") && message.contains("the relay probe is inconclusive"),
        "{message}"
    );
}

/// An MX host as a domain check's tests run them: Postfix on port 25 of a loopback address
/// of its own, with a certificate for its MX name, checked by that name (root binds port 25).
#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_on_port_25_of_its_own_address_is_checked_by_its_name() {
    use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
    let ca = Ca::new("smtp-sensor MX test CA");
    let leaf = ca.issue(&LeafSpec::valid_for(&["mx1.sensor.test"]));
    let config = Config {
        tls: Some((leaf.certificate_pem, leaf.key_pem)),
        address: Some([127, 0, 0, 25].into()),
        port: Some(25),
        ..Config::default()
    };
    let postfix = tokio::task::spawn_blocking(move || Postfix::start_with(config))
        .await
        .unwrap()
        .expect("start Postfix on 127.0.0.25:25 (needs root)");
    let ca_file = postfix.dir().join("mx-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let run = cli::run(
        SMTP_SENSOR,
        &[
            "check",
            "--host",
            "127.0.0.25",
            "--port",
            "25",
            "--security",
            "starttls",
            "--tls-ca",
            &ca_file.display().to_string(),
            "--tls-server-name",
            "mx1.sensor.test",
            "--format",
            "json",
        ],
    )
    .await;
    let json = run.json();
    assert_eq!(json["status"], "up", "{run:?}\n{}", postfix.log());
    assert_eq!(json["remote_address"], "127.0.0.25:25");
    assert_eq!(json["tls"]["verified"], true);
}
