//! The round trip's mailbox side against a real Dovecot, serving IMAP and POP3 over the
//! Maildir the test Postfix delivers into: the core's IMAP and POP3 dialogues (sans-IO,
//! driven here over a plain loopback socket) find this run's test message among thousands
//! of others without reading those, delete it and an ended run's leftover, and leave
//! every other message where it was, a look-alike and a run's under way included.
//! (`round_trip.rs` runs them in the component.)

use smtp_sensor_guest::Dialogue;
use smtp_sensor_guest::Journal;
use smtp_sensor_guest::MailboxOutcome;
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::{ImapDialogue, ImapPlan};
use smtp_sensor_guest::{Pop3Dialogue, Pop3Memory, Pop3Plan, READ_AFTER_FOUND};
use smtp_sensor_guest::{Tokens, token};
use smtp_sensor_tests::maildir::{MailStack, OTHERS, PASSWORD, PREFIX, USER};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// The mailbox stack, and this run's test message in it (put into the Maildir as a
/// delivery would, its Message-ID a token of a run that started now). Returns them and
/// what tells this run's test messages from the rest.
async fn mailbox_with_a_test_message(name: &str) -> (MailStack, Tokens) {
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    let tokens = test_tokens(name);
    smtp_sensor_tests::maildir::put(
        &stack.maildir(),
        &format!("{}.M1P1.{name}", tokens.now),
        &format!("smtp-sensor test message {}", tokens.own),
        &format!("{}@sensor.test", tokens.own),
    );
    (stack, tokens)
}

/// The tokens of a run that starts now, its randomness made of `name`.
fn test_tokens(name: &str) -> Tokens {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let random: Vec<u8> = format!("{name:8.8}").bytes().collect();
    Tokens {
        prefix: PREFIX.into(),
        own: token::make(PREFIX, now, 60, &random),
        now,
    }
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
        let (found, outcome, journal, memory) = pop3_session(port, plan.clone(), started);
        transcript.extend(lines(journal));
        if found || outcome.failure.is_some() {
            return (outcome, transcript);
        }
        plan.memory = memory;
    }
    panic!("not found in {polls} polls:\n{}", transcript.join("\n"));
}

/// One POP3 session (one look) to its end over a plain connection: whether it found the
/// message, how it ended, and what the next look is to remember.
fn pop3_session(
    port: u16,
    plan: Pop3Plan,
    started: Instant,
) -> (bool, MailboxOutcome, Journal, Pop3Memory) {
    let mut stream = connect(port);
    let mut dialogue = Pop3Dialogue::new(plan, Journal::new(true), started.elapsed());
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
    let (outcome, journal, memory) = dialogue.into_outcome();
    (found, outcome, journal, memory)
}

fn lines(journal: Journal) -> Vec<String> {
    journal.into_parts().1.into_iter().map(|l| l.text).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_finds_deletes_and_leaves_the_rest() {
    let (stack, tokens) = mailbox_with_a_test_message("imap").await;
    let dovecot = &stack.dovecot;
    let plan = ImapPlan {
        user: USER.into(),
        password: Secret::new(PASSWORD),
        starttls: false,
        tls_optional: false,
        plain_allowed: false,
        tokens,
        spam_folders: None,
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
        3,
        "only the three test messages' headers are read, not {OTHERS} others': {fetches:?}"
    );
    assert!(transcript.iter().all(|l| !l.contains(PASSWORD)));
    stack.assert_left_as_found();
}

#[tokio::test(flavor = "multi_thread")]
async fn pop3_finds_deletes_and_leaves_the_rest() {
    let (stack, tokens) = mailbox_with_a_test_message("pop").await;
    let dovecot = &stack.dovecot;
    let plan = Pop3Plan {
        user: USER.into(),
        password: Secret::new(PASSWORD),
        stls: false,
        tls_optional: false,
        tokens,
        memory: Pop3Memory::default(),
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
    assert_eq!(outcome.deleted, 2, "this run's and the leftover");
    // This run's is among the newest: it is read among the first, then a few more for
    // ended runs'.
    let tops = transcript.iter().filter(|l| l.starts_with("TOP ")).count();
    assert!(
        tops <= 3 + READ_AFTER_FOUND,
        "{tops} headers read of {OTHERS}"
    );
    assert!(transcript.iter().all(|l| !l.contains(PASSWORD)));
    stack.assert_left_as_found();
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_mailbox_credentials_fail_saying_so() {
    let (stack, tokens) = mailbox_with_a_test_message("creds").await;
    let dovecot = &stack.dovecot;
    let plan = ImapPlan {
        user: USER.into(),
        password: Secret::new("wrong-password"),
        starttls: false,
        tls_optional: false,
        plain_allowed: false,
        tokens: tokens.clone(),
        spam_folders: None,
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
        user: USER.into(),
        password: Secret::new("wrong-password"),
        stls: false,
        tls_optional: false,
        tokens,
        memory: Pop3Memory::default(),
    };
    let (outcome, _) = run_pop3(dovecot.pop3_port(), plan, 1);
    assert!(outcome.failure.expect("refused").why.contains("-ERR"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_pop3_mailbox_never_hides_the_message() {
    // 100 arrivals between looks, this run's message the 50th of the second batch: a
    // session that read only the newest few would never reach it.
    let stack = MailStack::start(SMTP_SENSOR, "").await;
    let tokens = test_tokens("busy");
    let mut plan = Pop3Plan {
        user: USER.into(),
        password: Secret::new(PASSWORD),
        stls: false,
        tls_optional: false,
        tokens: tokens.clone(),
        memory: Pop3Memory::default(),
    };
    let started = Instant::now();
    let mut tops = Vec::new();
    for look in 0..6 {
        for n in 0..100 {
            let name = format!("1800000{look:03}.M{n:03}P3.busy");
            if look == 1 && n == 50 {
                let own = &tokens.own;
                let id = format!("{own}@sensor.test");
                smtp_sensor_tests::maildir::put(&stack.maildir(), &name, own, &id);
            } else {
                let id = format!("{name}@sensor.test");
                smtp_sensor_tests::maildir::put(&stack.maildir(), &name, "busy", &id);
            }
        }
        let (found, outcome, journal, memory) =
            pop3_session(stack.dovecot.pop3_port(), plan.clone(), started);
        assert_eq!(outcome.failure, None, "{}", lines(journal).join("\n"));
        tops.push(
            lines(journal)
                .iter()
                .filter(|l| l.starts_with("TOP "))
                .count(),
        );
        if found {
            assert_eq!(
                look, 1,
                "found at the look after it arrived; headers read: {tops:?}"
            );
            assert!(!stack.messages().iter().any(|m| m.contains(&tokens.own)));
            return;
        }
        plan.memory = memory;
    }
    panic!("never found; headers read per look: {tops:?}");
}
