//! The round trip as careful as the SMTP side, end to end through the CLI: runs that
//! overlap on one mailbox each find and delete their own message and no other (Prometheus
//! replicas scrape together); an unreachable mailbox is the mailbox server's failure in the
//! connect phase, not a lost message; a Dovecot without UIDPLUS, holding thousands of test
//! messages flagged `\Deleted` by earlier runs, stays usable run after run; and hostile
//! mailbox servers (scripted: a PREAUTH greeting where TLS is required, bytes injected
//! before the STARTTLS handshake, a server that echoes the log-in) end the check `down`,
//! with no password anywhere in the result.

use serde_json::Value;
use smtp_sensor_tests::cli::Run;
use smtp_sensor_tests::maildir::{self, MailStack, OTHERS, PASSWORD, PREFIX};
use smtp_sensor_tests::server::{ScriptedServer, Step, black_hole, free_port, say};
use std::net::{Ipv4Addr, SocketAddr};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// A plain-text round trip over `protocol` to the mailbox server on `port`.
async fn round_trip(
    stack: &MailStack,
    protocol: &str,
    port: u16,
    password: &str,
    extra: &[&str],
) -> Run {
    let port = port.to_string();
    let plain = maildir::plain_mailbox(&port);
    maildir::round_trip(
        SMTP_SENSOR,
        stack.postfix.port(),
        protocol,
        password,
        &[&plain[..], extra].concat(),
    )
    .await
}

fn summary(result: &Value) -> String {
    format!(
        "{} {} {}",
        result["status"], result["failure"]["phase"], result["message"]
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn overlapping_round_trips_each_find_their_own_and_touch_nothing_else() {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    for (protocol, port, rounds) in [
        ("imap", stack.dovecot.imap_port(), 2),
        ("pop3", stack.dovecot.pop3_port(), 1),
    ] {
        for round in 0..rounds {
            // Five at once, as replicas and retries scrape one module together.
            let once = || round_trip(&stack, protocol, port, PASSWORD, &["--timeout", "30"]);
            let (a, b, c, d, e) = tokio::join!(once(), once(), once(), once(), once());
            let runs = [a, b, c, d, e];
            let results: Vec<Value> = runs.iter().map(Run::json).collect();
            let statuses: Vec<String> = results.iter().map(summary).collect();
            eprintln!("{protocol} round {round}: {statuses:#?}");
            assert!(
                results.iter().all(|r| r["status"] == "up"),
                "{protocol}, round {round}: {statuses:#?}\n{}",
                stack.dovecot.log()
            );
            assert!(results.iter().all(|r| r["mailbox"]["found"] == true));
        }
    }
    // Each run deleted its own (and one of them the ended run's): the look-alike and the
    // test message of a run that may still be looking are there, as is all other mail.
    stack.assert_left_as_found();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_mailbox_is_down_in_the_connect_phase_not_a_lost_message() {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    // A port that never answers: the connection attempt stays unanswered.
    let port = free_port([127, 0, 0, 1]);
    let _hole = black_hole(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let run = round_trip(&stack, "imap", port, PASSWORD, &["--timeout", "4"]).await;
    let result = run.json();
    assert_eq!(result["status"], "down", "{run:?}");
    assert_eq!(result["failure"]["phase"], "mailbox-connect", "{run:?}");
    assert_eq!(result["failure"]["kind"], "mailbox-failed", "{run:?}");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("127.0.0.1:{port}"))
            && message.contains("IMAP server did not accept the connection"),
        "{message}"
    );
    // A port where nothing listens: refused, said so, in the same phase.
    let closed = free_port([127, 0, 0, 1]);
    let run = round_trip(&stack, "pop3", closed, PASSWORD, &["--timeout", "4"]).await;
    let result = run.json();
    assert_eq!(result["failure"]["phase"], "mailbox-connect", "{run:?}");
    assert_eq!(result["failure"]["kind"], "mailbox-failed", "{run:?}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("POP3 server refused the connection"),
        "{run:?}"
    );
}

/// How many messages of the Maildir are flagged `\Deleted` (Maildir's `T` flag).
fn flagged(stack: &MailStack) -> usize {
    std::fs::read_dir(stack.maildir().join("cur"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.rsplit_once(":2,")
                .is_some_and(|(_, flags)| flags.contains('T'))
        })
        .count()
}

/// Test messages that runs without UIDPLUS flagged and left, as many as make a search that
/// finds them all answer with one line longer than the check reads (16 KiB).
const FLAGGED_BEFORE: usize = 4000;

#[tokio::test(flavor = "multi_thread")]
async fn without_uidplus_flagged_test_messages_are_left_aside_run_after_run() {
    // Dovecot announcing no UIDPLUS (so the check never sends UID EXPUNGE).
    let stack = MailStack::start_with_dovecot(
        SMTP_SENSOR,
        "imap_capability = IMAP4rev1 LITERAL+ SASL-IR IDLE ESEARCH",
    )
    .await;
    let cur = stack.maildir().join("cur");
    let owner = std::fs::metadata(&cur).unwrap();
    for n in 0..FLAGGED_BEFORE {
        let id = format!("{PREFIX}-1700000000-{n:016x}");
        let text = format!(
            "From: probe@sensor.test\r\nSubject: smtp-sensor test message {id}\r\n\
             Message-ID: <{id}@sensor.test>\r\n\r\nold\r\n"
        );
        let path = cur.join(format!("1600000000.M{n}P2.flagged:2,ST"));
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::MetadataExt as _;
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    assert_eq!(flagged(&stack), FLAGGED_BEFORE);
    let port = stack.dovecot.imap_port();
    const RUNS: usize = 50;
    for n in 0..RUNS {
        let run = round_trip(&stack, "imap", port, PASSWORD, &["--timeout", "20"]).await;
        let result = run.json();
        assert_eq!(
            result["status"],
            "up",
            "run {n}: {}\n{}",
            summary(&result),
            stack.dovecot.log()
        );
        let mailbox = &result["mailbox"];
        assert_eq!(mailbox["deleted"], 0, "run {n}: nothing expunged");
        // The first run also flags the ended run's leftover.
        let expected = if n == 0 { 2 } else { 1 };
        assert_eq!(mailbox["left_flagged"], expected, "run {n}: {mailbox}");
        let message = result["message"].as_str().unwrap();
        assert!(
            message.contains("wait") && message.contains("expunge"),
            "said in the result: {message}"
        );
        let searches: Vec<&str> = result["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["text"].as_str())
            .filter(|t| t.contains("UID SEARCH") && t.contains("UNDELETED"))
            .collect();
        assert!(!searches.is_empty(), "run {n}: UNDELETED is searched");
    }
    // Every test message flagged, none expunged, and nobody else's mail touched.
    assert_eq!(flagged(&stack), FLAGGED_BEFORE + RUNS + 1);
    let unflagged = stack.messages().len() - flagged(&stack);
    assert_eq!(
        unflagged,
        OTHERS + maildir::KEPT,
        "every other message stays"
    );
}

/// An IMAP server that greets, answers CAPABILITY and then does `then`.
fn imap_server(then: Vec<Step>) -> Vec<Step> {
    let mut steps = vec![say(
        "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] scripted\r\n",
    )];
    steps.extend(then);
    steps
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_mailbox_servers_are_down_in_their_own_words() {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    // A round trip that requires STARTTLS of the mailbox server on `port`.
    let smtp_port = stack.postfix.port();
    let starttls = |port: u16| async move {
        let port = port.to_string();
        let flags = [
            "--mailbox-port",
            &port,
            "--mailbox-security",
            "starttls",
            "--timeout",
            "6",
        ];
        maildir::round_trip(SMTP_SENSOR, smtp_port, "imap", PASSWORD, &flags).await
    };

    // PREAUTH where STARTTLS is required: STARTTLS can no longer be done.
    let preauth = ScriptedServer::start(vec![
        say("* PREAUTH [CAPABILITY IMAP4rev1] logged in already\r\n"),
        Step::Read,
        say("* BYE\r\na1 OK bye\r\n"),
        Step::Close,
    ])
    .await;
    let run = starttls(preauth.port()).await;
    let result = run.json();
    assert_eq!(result["status"], "down", "{run:?}");
    assert_eq!(result["failure"]["kind"], "mailbox-failed", "{run:?}");
    assert!(
        result["message"].as_str().unwrap().contains("PREAUTH"),
        "{run:?}"
    );
    assert!(
        preauth.received().iter().all(|l| !l.contains("SELECT")),
        "no mailbox opened: {:?}",
        preauth.received()
    );

    // Bytes after STARTTLS's OK, before the handshake: a forged CAPABILITY.
    let injected = ScriptedServer::start(imap_server(vec![
        Step::Read,
        say("a1 OK Begin TLS negotiation now\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"),
        Step::ReadBytes,
        Step::Close,
    ]))
    .await;
    let run = starttls(injected.port()).await;
    let result = run.json();
    assert_eq!(result["status"], "down", "{run:?}");
    assert_eq!(result["failure"]["phase"], "mailbox-starttls", "{run:?}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("before the TLS handshake"),
        "{run:?}"
    );

    // A server that echoes the log-in, as a reply and as a malformed line past the cut,
    // with a password holding `"` and `\`.
    let password = "Qx\"7\\zk9-Pw";
    let login = "a1 LOGIN \"rcpt\" \"Qx\\\"7\\\\zk9-Pw\"";
    let echo = ScriptedServer::start(vec![
        say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted\r\n"),
        Step::Read,
        Step::Say(
            format!(
                "* BAD unknown command: {login}\r\n{} {login}\r\n",
                "x".repeat(70)
            )
            .into_bytes(),
        ),
        Step::Read,
        Step::Close,
    ])
    .await;
    let run = round_trip(&stack, "imap", echo.port(), password, &["--timeout", "6"]).await;
    assert!(
        echo.received().iter().any(|l| l == login),
        "the server got the quoted form: {:?}",
        echo.received()
    );
    let result = run.json();
    assert_eq!(result["status"], "down", "{run:?}");
    assert_eq!(result["failure"]["phase"], "mailbox-login", "{run:?}");
    // Any form of the password holds one of these (the JSON escapes `"` and `\`); a
    // shorter piece could stand in the subject's random base64 by chance.
    for leak in ["zk9-Pw", "7\\\\zk", "Qx\\\"7"] {
        assert!(!run.stdout.contains(leak), "{leak} in {}", run.stdout);
    }
    assert!(run.stdout.contains("[redacted]"), "{}", run.stdout);

    // A refused log-in, then a LOGOUT never answered: the refusal is the verdict, and the
    // courtesy after it has a grace of 5 s, not the check's 30.
    let silent = ScriptedServer::start(vec![
        say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted\r\n"),
        Step::Read,
        say("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        Step::Read,
        Step::Stall,
    ])
    .await;
    let started = std::time::Instant::now();
    let run = round_trip(
        &stack,
        "imap",
        silent.port(),
        PASSWORD,
        &["--timeout", "30"],
    )
    .await;
    let took = started.elapsed();
    let result = run.json();
    assert_eq!(result["failure"]["phase"], "mailbox-login", "{run:?}");
    assert_eq!(result["failure"]["kind"], "mailbox-failed", "{run:?}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("AUTHENTICATIONFAILED"),
        "{run:?}"
    );
    assert!(
        took < std::time::Duration::from_secs(20),
        "held {took:?} by a silent LOGOUT"
    );

    // POP3's echo of PASS in an -ERR.
    let pop3 = ScriptedServer::start(vec![
        say("+OK scripted\r\n"),
        Step::Read,
        say("+OK\r\n"),
        Step::Read,
        Step::Say(format!("-ERR no such command: PASS {password}\r\n").into_bytes()),
        Step::Read,
        say("+OK\r\n"),
        Step::Close,
    ])
    .await;
    let run = round_trip(&stack, "pop3", pop3.port(), password, &["--timeout", "6"]).await;
    let result = run.json();
    assert_eq!(result["failure"]["phase"], "mailbox-login", "{run:?}");
    // Any form of the password holds one of these (the JSON escapes `"` and `\`); a
    // shorter piece could stand in the subject's random base64 by chance.
    for leak in ["zk9-Pw", "7\\\\zk", "Qx\\\"7"] {
        assert!(!run.stdout.contains(leak), "{leak} in {}", run.stdout);
    }
}
