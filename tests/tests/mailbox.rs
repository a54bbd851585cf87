//! The round trip's mailbox side against a real Dovecot, serving IMAP and POP3 over the
//! Maildir the test Postfix delivers into: the core's IMAP and POP3 dialogues (sans-IO,
//! driven here over a plain loopback socket) find this run's test message among thousands
//! of others without reading those, delete it and an earlier run's leftover, and leave
//! every other message where it was. The component does not use them yet (issue 14).

use smtp_sensor_guest::journal::Journal;
use smtp_sensor_guest::mailbox::imap_dialogue::{ImapDialogue, ImapPlan};
use smtp_sensor_guest::mailbox::pop3_dialogue::{MAX_TOPS_PER_SESSION, Pop3Dialogue, Pop3Plan};
use smtp_sensor_guest::mailbox::steps::MailboxOutcome;
use smtp_sensor_guest::secret::Secret;
use smtp_sensor_tests::cli;
use smtp_sensor_tests::dovecot::Dovecot;
use smtp_sensor_tests::postfix::{Config, Postfix};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");
const PREFIX: &str = "smtp-sensor-rt-";
const PASSWORD: &str = "rcpt-Pa55";
/// Other people's mail in the mailbox, which the dialogues must neither read nor touch.
const OTHERS: usize = 2000;

/// A Postfix delivering to the Maildir of `rcpt@sensor.test`, a Dovecot serving it, the
/// Maildir holding `OTHERS` messages and an earlier run's leftover, and this run's test
/// message delivered through Postfix by the CLI. Returns them and this run's token.
async fn mailbox_with_a_test_message(name: &str) -> (Postfix, Dovecot, String) {
    let config = Config {
        mailboxes: vec!["rcpt".into()],
        ..Config::default()
    };
    let postfix = tokio::task::spawn_blocking(move || Postfix::start_with(config))
        .await
        .unwrap()
        .expect("start Postfix");
    let token = format!("{PREFIX}{name}{}", std::process::id());
    let subject = format!("{token} round trip");
    let send = [
        "--mail-from",
        "probe@sensor.test",
        "--mail-to",
        "rcpt@sensor.test",
        "--subject",
        &subject,
    ];
    let run = cli::check_loopback(SMTP_SENSOR, postfix.port(), "none", &send).await;
    assert_eq!(run.code, 0, "{run:?}\n{}", postfix.log());
    let arrived = Instant::now();
    while !postfix.mailbox("rcpt").iter().any(|m| m.contains(&token)) {
        assert!(
            arrived.elapsed() < Duration::from_secs(10),
            "not delivered:\n{}",
            postfix.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let maildir = postfix.dir().join("mail").join("rcpt");
    fill(&maildir);
    let dovecot = Dovecot::start(
        &postfix.dir().join("mail"),
        "postfix",
        &[("rcpt", PASSWORD)],
    )
    .expect("start Dovecot");
    (postfix, dovecot, token)
}

/// Puts `OTHERS` messages of other people and one test message of an earlier run into
/// the Maildir, owned as Postfix's deliveries are.
fn fill(maildir: &Path) {
    let new = maildir.join("new");
    let owner = std::fs::metadata(&new).expect("the Maildir");
    use std::os::unix::fs::MetadataExt as _;
    let (uid, gid) = (owner.uid(), owner.gid());
    let write = |name: String, subject: &str| {
        let path = new.join(name);
        let text = format!(
            "From: someone@sensor.test\r\nTo: rcpt@sensor.test\r\nSubject: {subject}\r\n\
             Message-ID: <{}@sensor.test>\r\n\r\nhello\r\n",
            path.file_name().unwrap().to_string_lossy()
        );
        std::fs::write(&path, text).unwrap();
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
    };
    for n in 0..OTHERS {
        write(
            format!("1700000000.M{n}P1.other"),
            &format!("weekly report {n}"),
        );
    }
    write(
        "1700000001.M1P1.leftover".into(),
        &format!("{PREFIX}0000 left behind by a timed-out run"),
    );
}

/// The messages in the Maildir (`new/` and `cur/`).
fn messages(maildir: &Path) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).into_iter().flatten())
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}

/// Connects to `port` with a read timeout for the dialogue's reads.
fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

fn read(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = [0u8; 16 * 1024];
    match stream.read(&mut buf) {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(buf[..n].to_vec()),
    }
}

/// Runs an IMAP dialogue to its end over a plain connection, searching again (after a
/// short wait) while the message is not there.
fn run_imap(port: u16, plan: ImapPlan) -> (MailboxOutcome, Vec<String>) {
    let started = Instant::now();
    let mut stream = connect(port);
    let mut dialogue = ImapDialogue::new(plan, Journal::new(true), Duration::ZERO);
    while !dialogue.is_done() {
        if let Some(bytes) = dialogue.poll_transmit() {
            stream.write_all(&bytes).unwrap();
            continue;
        }
        if dialogue.is_waiting() {
            std::thread::sleep(Duration::from_millis(100));
            dialogue.search_again(started.elapsed());
            continue;
        }
        match read(&mut stream) {
            Some(bytes) => dialogue.handle_input(started.elapsed(), &bytes),
            None => dialogue.handle_close(started.elapsed(), "closed"),
        }
    }
    let (outcome, journal) = dialogue.into_outcome();
    (outcome, lines(journal))
}

/// Runs POP3 sessions (one per poll) until one found the message, or `polls` ran.
fn run_pop3(port: u16, plan: Pop3Plan, polls: usize) -> (MailboxOutcome, Vec<String>) {
    let started = Instant::now();
    let mut plan = plan;
    let mut transcript = Vec::new();
    for _ in 0..polls {
        let mut stream = connect(port);
        let mut dialogue = Pop3Dialogue::new(plan.clone(), Journal::new(true), started.elapsed());
        while !dialogue.is_done() {
            if let Some(bytes) = dialogue.poll_transmit() {
                stream.write_all(&bytes).unwrap();
                continue;
            }
            match read(&mut stream) {
                Some(bytes) => dialogue.handle_input(started.elapsed(), &bytes),
                None => dialogue.handle_close(started.elapsed(), "closed"),
            }
        }
        let found = dialogue.found();
        let (outcome, journal, checked) = dialogue.into_outcome();
        transcript.extend(lines(journal));
        if found || outcome.failure.is_some() {
            return (outcome, transcript);
        }
        plan.checked = checked;
    }
    panic!("not found in {polls} polls:\n{}", transcript.join("\n"));
}

fn lines(journal: Journal) -> Vec<String> {
    journal.into_parts().1.into_iter().map(|l| l.text).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_finds_deletes_and_leaves_the_rest() {
    let (postfix, dovecot, token) = mailbox_with_a_test_message("imap").await;
    let maildir = postfix.dir().join("mail").join("rcpt");
    let plan = ImapPlan {
        user: "rcpt".into(),
        password: Secret::new(PASSWORD),
        starttls: false,
        tls_optional: false,
        token: token.clone(),
        prefix: PREFIX.into(),
    };
    let (outcome, transcript) = run_imap(dovecot.imap_port(), plan);
    assert_eq!(
        outcome.failure,
        None,
        "{}\n{}",
        transcript.join("\n"),
        dovecot.log()
    );
    assert!(outcome.found_at.is_some());
    assert_eq!(outcome.deleted, 2, "this run's and the leftover");
    let fetches: Vec<&String> = transcript
        .iter()
        .filter(|l| l.contains("UID FETCH"))
        .collect();
    assert_eq!(fetches.len(), 1, "{fetches:?}");
    let set = fetches[0].split_whitespace().nth(3).unwrap_or_default();
    assert_eq!(
        set.split(',').count(),
        2,
        "only the two test messages' headers are read, not {OTHERS} others': {fetches:?}"
    );
    assert!(transcript.iter().all(|l| !l.contains(PASSWORD)));
    let left = messages(&maildir);
    assert_eq!(left.len(), OTHERS, "every other message stays");
    assert!(left.iter().all(|m| !m.contains(PREFIX)));
}

#[tokio::test(flavor = "multi_thread")]
async fn pop3_finds_deletes_and_leaves_the_rest() {
    let (postfix, dovecot, token) = mailbox_with_a_test_message("pop").await;
    let maildir = postfix.dir().join("mail").join("rcpt");
    let plan = Pop3Plan {
        user: "rcpt".into(),
        password: Secret::new(PASSWORD),
        stls: false,
        tls_optional: false,
        token,
        prefix: PREFIX.into(),
        checked: Vec::new(),
    };
    let (outcome, transcript) = run_pop3(dovecot.pop3_port(), plan, 5);
    assert_eq!(
        outcome.failure,
        None,
        "{}\n{}",
        transcript.join("\n"),
        dovecot.log()
    );
    assert!(outcome.found_at.is_some());
    let tops = transcript.iter().filter(|l| l.starts_with("TOP ")).count();
    assert!(
        tops <= MAX_TOPS_PER_SESSION,
        "{tops} headers read of {OTHERS}"
    );
    assert!(transcript.iter().all(|l| !l.contains(PASSWORD)));
    let left = messages(&maildir);
    assert!(
        left.iter().all(|m| !m.contains("round trip")),
        "this run's is gone"
    );
    assert!(
        left.len() >= OTHERS,
        "every other message stays: {}",
        left.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_mailbox_credentials_fail_saying_so() {
    let (_postfix, dovecot, token) = mailbox_with_a_test_message("creds").await;
    let plan = ImapPlan {
        user: "rcpt".into(),
        password: Secret::new("wrong-password"),
        starttls: false,
        tls_optional: false,
        token: token.clone(),
        prefix: PREFIX.into(),
    };
    let (outcome, transcript) = run_imap(dovecot.imap_port(), plan);
    let failure = outcome.failure.expect("refused");
    assert!(
        failure.why.contains("AUTHENTICATIONFAILED"),
        "{}",
        failure.why
    );
    assert!(transcript.iter().all(|l| !l.contains("wrong-password")));
    let plan = Pop3Plan {
        user: "rcpt".into(),
        password: Secret::new("wrong-password"),
        stls: false,
        tls_optional: false,
        token,
        prefix: PREFIX.into(),
        checked: Vec::new(),
    };
    let (outcome, _) = run_pop3(dovecot.pop3_port(), plan, 1);
    assert!(outcome.failure.expect("refused").why.contains("-ERR"));
}
