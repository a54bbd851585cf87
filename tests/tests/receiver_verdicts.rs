//! The receiver's verdicts end to end (issue 37): `smtp-sensor check` sends its test email
//! through a real Postfix that signs with OpenDKIM, to a real receiving Postfix whose
//! policyd-spf, OpenDKIM and OpenDMARC write Authentication-Results (DNS from a real Knot),
//! finds it over IMAP in a real Dovecot, INBOX or the Junk folder it marks `\Junk`, and
//! reports what the receiver said. Each case of the issue: signed and aligned (all pass);
//! unsigned (DKIM none, DMARC fail); a wrong key published (DKIM fail); a sender address
//! SPF does not allow (SPF fail); a message the server files as spam (warning, found in
//! Junk and deleted there); a forged Authentication-Results added by the sender (ignored).
//! The check's envelope sender is its From (`probe@sender.test`), so SPF fails by the
//! domain's own record (`sender_spf_allows: false`).

use serde_json::Value;
use smtp_sensor_tests::cli::{self, Run, channel};
use smtp_sensor_tests::receiver::{
    AUTHSERV_ID, FORGE_MARKER, FROM, Folder, Options, PASSWORD, PublishedKey, ReceiverStack,
    SPAM_MARKER, TO, USER,
};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

fn stack(sign: bool, published_key: PublishedKey, sender_spf_allows: bool) -> ReceiverStack {
    ReceiverStack::start(Options {
        sign,
        published_key,
        dmarc_policy: "reject",
        sender_spf_allows,
    })
    .unwrap_or_else(|e| panic!("the receiver stack did not start: {e}"))
}

/// `check` through `stack`'s sending Postfix with a round trip over IMAP to its Dovecot,
/// the test email's subject `subject`, and `extra` flags; JSON unless `extra` says.
async fn check(stack: &ReceiverStack, subject: &str, extra: &[&str]) -> Run {
    let (smtp, imap) = (stack.smtp_port().to_string(), stack.imap_port().to_string());
    let args = [
        &cli::loopback_check(&smtp, "none")[..],
        &[
            "--mail-from",
            FROM,
            "--mail-to",
            TO,
            "--subject",
            subject,
            "--mailbox",
            "imap",
            "--mailbox-host",
            "127.0.0.1",
            "--mailbox-port",
            &imap,
            "--mailbox-security",
            "none",
            "--mailbox-allow-plaintext",
            "--mailbox-user",
            USER,
            "--timeout",
            "60",
            "--transcript",
        ],
        extra,
    ]
    .concat();
    let args = if extra.contains(&"--format") {
        args
    } else {
        [&args[..], &["--format", "json"]].concat()
    };
    cli::run_with_env(
        SMTP_SENSOR,
        &args,
        &[("SMTP_SENSOR_MAILBOX_PASSWORD", PASSWORD)],
    )
    .await
}

/// The result of `run`, the stack's logs shown when it is not what was expected.
fn judged(run: &Run, stack: &ReceiverStack, status: &str) -> Value {
    let result = run.json();
    assert_eq!(
        result["status"],
        status,
        "{}\n{run:?}\n{}",
        result["message"],
        stack.logs()
    );
    result
}

/// Each method's deciding result as the JSON reports them: `method=result` in order.
fn verdicts(result: &Value) -> Vec<String> {
    let auth = &result["mailbox"]["authentication"];
    assert_eq!(auth["authserv_id"], AUTHSERV_ID, "{auth}");
    auth["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}={}",
                r["method"].as_str().unwrap(),
                r["result"].as_str().unwrap()
            )
        })
        .collect()
}

/// The property `name` of the first result of `method`.
fn property(result: &Value, method: &str, name: &str) -> Option<String> {
    let results = result["mailbox"]["authentication"]["results"].as_array()?;
    let found = results.iter().find(|r| r["method"] == method)?;
    found["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
        .map(str::to_string)
}

/// Nothing of the test email is left in either folder.
fn left_nothing(stack: &ReceiverStack) {
    for folder in [Folder::Inbox, Folder::Junk] {
        let left: Vec<String> = stack
            .messages(folder)
            .into_iter()
            .filter(|m| m.contains("smtp-sensor"))
            .collect();
        assert!(left.is_empty(), "{folder:?} still holds {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_and_aligned_all_pass_in_every_output_and_spam_is_a_warning() {
    let stack = stack(true, PublishedKey::Signing, true);
    let run = check(&stack, "verdicts", &["--expect-auth", "spf,dkim,dmarc"]).await;
    let result = judged(&run, &stack, "up");
    let said = verdicts(&result);
    eprintln!("aligned: {said:?}\n{}", result["message"]);
    for method in ["spf", "dkim", "dmarc"] {
        assert!(said.contains(&format!("{method}=pass")), "{said:?}");
    }
    assert_eq!(
        property(&result, "dkim", "header.d").as_deref(),
        Some("sender.test")
    );
    assert_eq!(property(&result, "dkim", "header.s").as_deref(), Some("s1"));
    assert_eq!(
        property(&result, "dmarc", "header.from").as_deref(),
        Some("sender.test")
    );
    assert_eq!(
        property(&result, "spf", "smtp.mailfrom").as_deref(),
        Some("sender.test")
    );
    assert_eq!(result["mailbox"]["folder"], "INBOX");
    assert_eq!(result["mailbox"]["in_spam"], false);
    for name in ["SPF Pass", "DKIM Pass", "DMARC Pass"] {
        assert_eq!(channel(&result, name), Some(1.0), "{name}");
    }
    assert_eq!(channel(&result, "In Spam Folder"), Some(0.0));
    // The check looked in the Junk folder Dovecot marks, found by LIST.
    let transcript = result["transcript"].to_string();
    assert!(transcript.contains("RETURN (SPECIAL-USE)"), "{transcript}");
    left_nothing(&stack);

    // The same in Prometheus' words.
    let run = check(&stack, "verdicts", &["--format", "prometheus"]).await;
    for line in [
        "smtp_roundtrip_dkim_pass 1",
        "smtp_roundtrip_in_spam_folder 0",
        "smtp_roundtrip_auth_result_info{authserv_id=\"receiver.test\",method=\"dkim\",result=\"pass\",header_d=\"sender.test\",header_s=\"s1\"",
    ] {
        assert!(run.stdout.contains(line), "{line} in\n{}", run.stdout);
    }

    // Filed as spam: a warning naming the folder, found in Junk and deleted there.
    // A subject long with the token after it is folded, not encoded: the receiver's header
    // check reads the marker.
    let run = check(
        &stack,
        &format!("smtp-sensor round trip {SPAM_MARKER}"),
        &[],
    )
    .await;
    let result = judged(&run, &stack, "warning");
    eprintln!("spam: {}", result["message"]);
    assert_eq!(result["failure"]["kind"], "delivered-to-spam");
    assert_eq!(result["mailbox"]["folder"], "Junk");
    assert_eq!(result["mailbox"]["in_spam"], true);
    assert_eq!(channel(&result, "In Spam Folder"), Some(1.0));
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("delivered to spam"),
        "{}",
        result["message"]
    );
    assert_eq!(result["mailbox"]["deleted"], 1);
    left_nothing(&stack);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_is_dkim_none_and_dmarc_fail_and_a_forged_field_is_ignored() {
    let stack = stack(false, PublishedKey::Signing, false);
    let run = check(&stack, "verdicts", &["--expect-auth", "dkim,dmarc"]).await;
    let result = judged(&run, &stack, "down");
    let said = verdicts(&result);
    eprintln!("unsigned: {said:?}\n{}", result["message"]);
    assert!(said.contains(&"dkim=none".to_string()), "{said:?}");
    assert!(said.contains(&"dmarc=fail".to_string()), "{said:?}");
    assert_eq!(result["failure"]["kind"], "expectation-missed");
    assert_eq!(result["failure"]["phase"], "mailbox-fetch");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("DKIM=none, DMARC=fail")
            && message.contains("Authentication-Results: receiver.test; dmarc=fail"),
        "{message}"
    );
    assert_eq!(channel(&result, "DKIM Pass"), Some(0.0));
    left_nothing(&stack);

    // The sender forges a field of another server's saying all passed, and one of the
    // receiver's (which the receiver deletes): neither is read.
    let run = check(&stack, FORGE_MARKER, &["--expect-auth", "dkim"]).await;
    let result = judged(&run, &stack, "down");
    let said = verdicts(&result);
    eprintln!("forged: {said:?}");
    assert!(said.contains(&"dkim=none".to_string()), "{said:?}");
    assert!(!said.contains(&"dkim=pass".to_string()), "{said:?}");
    let fields = result["mailbox"]["authentication"]["fields"].to_string();
    assert!(
        !fields.contains("forged.test") && !fields.contains("some.other.test"),
        "{fields}"
    );
    // The forged fields were added on the way: the check ignored the one that arrived.
    let logs = stack.logs();
    assert!(logs.contains("some.other.test"), "{logs}");

    // With --expect-warning a miss is a warning.
    let run = check(
        &stack,
        "verdicts",
        &["--expect-auth", "dkim", "--expect-warning"],
    )
    .await;
    judged(&run, &stack, "warning");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_published_is_dkim_fail() {
    let stack = stack(true, PublishedKey::Other, true);
    let run = check(&stack, "verdicts", &["--expect-auth", "dkim"]).await;
    let result = judged(&run, &stack, "down");
    let said = verdicts(&result);
    eprintln!("wrong key: {said:?}\n{}", result["message"]);
    assert!(said.contains(&"dkim=fail".to_string()), "{said:?}");
    let reason = result["mailbox"]["authentication"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "dkim")
        .unwrap()["reason"]
        .clone();
    assert_eq!(reason, "signature verification failed");
    assert!(result["message"].as_str().unwrap().contains("DKIM=fail"));
    left_nothing(&stack);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_address_spf_does_not_allow_is_spf_fail() {
    let stack = stack(true, PublishedKey::Signing, false);
    let run = check(&stack, "verdicts", &["--expect-auth", "spf"]).await;
    let result = judged(&run, &stack, "down");
    let said = verdicts(&result);
    eprintln!("spf: {said:?}\n{}", result["message"]);
    assert!(said.contains(&"spf=fail".to_string()), "{said:?}");
    assert!(said.contains(&"dkim=pass".to_string()), "{said:?}");
    assert_eq!(channel(&result, "SPF Pass"), Some(0.0));
    assert_eq!(channel(&result, "DKIM Pass"), Some(1.0));
    left_nothing(&stack);
}

/// The spam folder holds the mailbox owner's mail too: two runs at once, each filed as spam,
/// delete their own test messages and an ended run's leftover there, and leave the rest as
/// it was: other mail, a look-alike quoting a token, another run's message still under way.
#[tokio::test(flavor = "multi_thread")]
async fn two_runs_at_once_take_only_test_messages_from_the_spam_folder() {
    use smtp_sensor_tests::maildir::{self, IN_FLIGHT_ID, LEFTOVER_ID, LOOK_ALIKE_SUBJECT, PREFIX};
    let stack = stack(true, PublishedKey::Signing, true);
    let subject = format!("smtp-sensor round trip {SPAM_MARKER}");
    let prefix = ["--mailbox-token-prefix", PREFIX];
    // A first run makes the Junk folder exist.
    judged(&check(&stack, &subject, &prefix).await, &stack, "warning");
    let junk = stack.maildir(Folder::Junk);
    for n in 0..20 {
        let name = format!("1700000000.M{n}P1.spam");
        maildir::put(
            &junk,
            &name,
            &format!("cheap pills {n}"),
            &format!("{name}@spam.test"),
        );
    }
    maildir::put(
        &junk,
        "1700000001.M1P1.lookalike",
        LOOK_ALIKE_SUBJECT,
        "CAF00lookalike@mail.sensor.test",
    );
    maildir::put(
        &junk,
        "1700000001.M2P1.inflight",
        "smtp-sensor test message smtp-sensor-rt-4102444800-00000000000000bb",
        IN_FLIGHT_ID,
    );
    maildir::put(
        &junk,
        "1700000001.M3P1.leftover",
        "left behind by a timed-out run smtp-sensor-rt-1700000000-00000000000000aa",
        LEFTOVER_ID,
    );
    let (a, b) = tokio::join!(
        check(&stack, &subject, &prefix),
        check(&stack, &subject, &prefix)
    );
    for run in [&a, &b] {
        let result = judged(run, &stack, "warning");
        assert_eq!(result["failure"]["kind"], "delivered-to-spam");
        assert_eq!(result["mailbox"]["folder"], "Junk");
    }
    let left = maildir::messages(&junk);
    assert_eq!(
        left.len(),
        22,
        "20 others, the look-alike and the run under way: {left:#?}"
    );
    assert!(left.iter().any(|m| m.contains("CAF00lookalike")));
    assert!(left.iter().any(|m| m.contains(IN_FLIGHT_ID)));
    assert!(!left.iter().any(|m| m.contains(LEFTOVER_ID)));
    assert!(maildir::messages(&stack.maildir(Folder::Inbox)).is_empty());
}
