use super::*;
use crate::mailbox::token::{self, CLOCK_MARGIN_SECONDS};

const MS: Duration = Duration::from_millis(1);
const PREFIX: &str = "smtp-sensor-rt";
const NOW: i64 = 1_800_000_000;

fn own() -> String {
    token::make(PREFIX, NOW, 60, &[0x5f; 8])
}

fn ended() -> String {
    token::make(PREFIX, NOW - 60 - CLOCK_MARGIN_SECONDS - 10, 60, &[0x11; 8])
}

fn under_way() -> String {
    token::make(PREFIX, NOW - 5, 60, &[0x22; 8])
}

fn plan(memory: Pop3Memory) -> Pop3Plan {
    Pop3Plan {
        user: "probe".into(),
        password: Secret::new("s3cret-pw"),
        stls: false,
        tls_optional: false,
        tokens: Tokens {
            prefix: PREFIX.into(),
            own: own(),
            now: NOW,
        },
        memory,
    }
}

/// A TOP answer for a message with this Message-ID and subject.
fn top(message_id: &str, subject: &str) -> String {
    format!("+OK\r\nSubject: {subject}\r\nMessage-ID: <{message_id}@probe.test>\r\n\r\n.\r\n")
}

struct Harness {
    dialogue: Pop3Dialogue,
    now: Duration,
}

impl Harness {
    fn new(plan: Pop3Plan) -> Self {
        Self {
            dialogue: Pop3Dialogue::new(plan, Journal::new(true), Duration::ZERO),
            now: Duration::ZERO,
        }
    }

    fn server(&mut self, text: &str) -> String {
        self.now += MS;
        self.dialogue.handle_input(self.now, text.as_bytes());
        String::from_utf8(self.dialogue.poll_transmit().unwrap_or_default()).unwrap()
    }
}

fn login(h: &mut Harness) {
    assert_eq!(h.server("+OK Dovecot ready.\r\n"), "USER probe\r\n");
    assert_eq!(h.server("+OK\r\n"), "PASS s3cret-pw\r\n");
    assert_eq!(h.server("+OK Logged in.\r\n"), "UIDL\r\n");
}

#[test]
fn reads_new_headers_only_and_deletes_its_own_and_the_ended_runs_alone() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    assert_eq!(
        h.server("+OK\r\n1 u1\r\n2 u2\r\n3 u3\r\n4 u4\r\n5 u5\r\n.\r\n"),
        "TOP 5 0\r\n"
    );
    assert_eq!(h.server(&top(&own(), "check")), "TOP 4 0\r\n");
    // Found: the rest of this session's reading goes on, for the ended runs' messages.
    assert_eq!(h.server(&top(&ended(), "left behind")), "TOP 3 0\r\n");
    assert_eq!(h.server(&top(&under_way(), "another run's")), "TOP 2 0\r\n");
    assert_eq!(h.server(&top("x", "lunch?")), "TOP 1 0\r\n");
    assert_eq!(h.server(&top("y", "lunch!")), "DELE 4\r\n");
    assert_eq!(h.server("+OK Marked to be deleted.\r\n"), "DELE 5\r\n");
    assert_eq!(h.server("+OK Marked to be deleted.\r\n"), "QUIT\r\n");
    assert_eq!(h.server("+OK Logging out, messages deleted.\r\n"), "");
    assert!(h.dialogue.is_done() && h.dialogue.found());
    let (outcome, journal, memory) = h.dialogue.into_outcome();
    assert_eq!(outcome.failure, None);
    assert_eq!(outcome.deleted, 2);
    assert_eq!(outcome.found_at, Some(3 * MS), "the maildrop at log-in");
    assert_eq!(memory.read(), 5);
    let (_, transcript) = journal.into_parts();
    assert!(transcript.iter().all(|l| !l.text.contains("s3cret")));
}

#[test]
fn other_runs_messages_and_look_alikes_are_never_deleted() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n2 b\r\n3 c\r\n.\r\n");
    h.server(&top(&own(), "ours"));
    h.server(&top(&under_way(), "another run's"));
    let forward = format!(
        "+OK\r\nSubject: Fwd: what is {}?\r\nMessage-ID: <CAF00@mail.test>\r\n.\r\n",
        own()
    );
    assert_eq!(h.server(&forward), "DELE 3\r\n");
    assert_eq!(h.server("+OK\r\n"), "QUIT\r\n");
}

#[test]
fn deletions_count_only_once_quit_commits_them() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n.\r\n");
    h.server(&top(&own(), "ours"));
    h.server("+OK\r\n");
    assert_eq!(h.server("-ERR some deleted messages not removed\r\n"), "");
    let (outcome, _, _) = h.dialogue.into_outcome();
    assert_eq!(outcome.deleted, 0);
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.step, Step::Logout);
    assert!(failure.why.contains("not committed"), "{}", failure.why);
    // A connection lost before QUIT's answer commits nothing either.
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n.\r\n");
    h.server(&top(&own(), "ours"));
    h.server("+OK\r\n");
    h.dialogue.handle_close(h.now, "closed");
    let (outcome, _, _) = h.dialogue.into_outcome();
    assert_eq!(outcome.deleted, 0);
    assert!(outcome.failure.is_some());
}

#[test]
fn a_leftover_stays_until_this_runs_message_is_there() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    assert_eq!(h.server("+OK\r\n1 u1\r\n.\r\n"), "TOP 1 0\r\n");
    assert_eq!(h.server(&top(&ended(), "left behind")), "QUIT\r\n");
    h.server("+OK bye\r\n");
    let (outcome, _, memory) = h.dialogue.into_outcome();
    assert_eq!((outcome.deleted, outcome.found_at), (0, None));
    assert_eq!(
        outcome.missed_at,
        Some(2 * MS),
        "every message read: a miss"
    );
    // The next session knows it, reads only what is new, and deletes both.
    let mut h = Harness::new(plan(memory));
    login(&mut h);
    assert_eq!(h.server("+OK\r\n1 u1\r\n2 u2\r\n.\r\n"), "TOP 2 0\r\n");
    assert_eq!(h.server(&top(&own(), "ours")), "DELE 1\r\n");
}

/// Sessions over a mailbox of `initial` messages with `arrivals` more before each later
/// look, this run's message being number `ours`: the session (from 0) that finds it.
fn session_that_finds(initial: u32, arrivals: u32, ours: u32) -> usize {
    let mut memory = Pop3Memory::default();
    let mut total = initial;
    for session in 0..30 {
        let mut h = Harness::new(plan(memory));
        login(&mut h);
        let listing: String = (1..=total).map(|n| format!("{n} u{n}\r\n")).collect();
        let mut sent = h.server(&format!("+OK\r\n{listing}.\r\n"));
        let mut read = 0;
        while let Some(n) = sent
            .strip_prefix("TOP ")
            .and_then(|r| r.strip_suffix(" 0\r\n"))
        {
            let n: u32 = n.parse().unwrap();
            read += 1;
            let id = if n == ours {
                own()
            } else {
                format!("other-{n}")
            };
            sent = h.server(&top(&id, "mail"));
        }
        assert!(
            read <= FRESH_PER_SESSION + BACKLOG_PER_SESSION,
            "{read} read"
        );
        while sent.starts_with("DELE") {
            sent = h.server("+OK\r\n");
        }
        h.server("+OK\r\n");
        let found = h.dialogue.found();
        let (_, _, learned) = h.dialogue.into_outcome();
        memory = learned;
        if found {
            return session;
        }
        total += arrivals;
    }
    panic!("never found");
}

#[test]
fn a_busy_mailbox_is_read_session_by_session_and_nothing_is_skipped_for_good() {
    // 100 arrivals between looks are all read at the next look.
    assert_eq!(session_that_finds(1000, 100, 1050), 1);
    // An overflow of recent arrivals is read at the look after.
    assert_eq!(session_that_finds(1000, 250, 1020), 2);
    // The oldest message of a large mailbox is reached too, under a steady load.
    let session = session_that_finds(400, 150, 1);
    assert!(session <= 8, "found in session {session}");
}

#[test]
fn in_use_is_tried_again_not_a_wrong_password() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    h.server("+OK ready\r\n");
    h.server("+OK\r\n");
    assert_eq!(
        h.server("-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n"),
        "QUIT\r\n"
    );
    h.server("+OK\r\n");
    let (outcome, _, _) = h.dialogue.into_outcome();
    assert_eq!(outcome.failure, None);
    assert!(outcome.busy);
}

#[test]
fn wrong_credentials_say_why_without_the_password() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    h.server("+OK ready\r\n");
    h.server("+OK\r\n");
    assert_eq!(
        h.server("-ERR [AUTH] Authentication failed.\r\n"),
        "QUIT\r\n"
    );
    let (outcome, _, _) = h.dialogue.into_outcome();
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.step, Step::Login);
    assert!(
        failure.why.contains("PASS was refused: -ERR [AUTH]"),
        "{}",
        failure.why
    );
}

#[test]
fn stls_comes_before_the_user_and_nothing_may_follow_its_ok() {
    let mut h = Harness::new(Pop3Plan {
        stls: true,
        ..plan(Pop3Memory::default())
    });
    assert_eq!(h.server("+OK ready\r\n"), "STLS\r\n");
    assert_eq!(h.server("+OK Begin TLS negotiation\r\n"), "");
    assert!(h.dialogue.wants_tls());
    h.dialogue.handle_tls_established(h.now);
    assert_eq!(
        String::from_utf8(h.dialogue.poll_transmit().unwrap()).unwrap(),
        "USER probe\r\n"
    );
    let mut h = Harness::new(Pop3Plan {
        stls: true,
        ..plan(Pop3Memory::default())
    });
    h.server("+OK ready\r\n");
    h.server("+OK Begin TLS negotiation\r\n+OK injected\r\n");
    assert!(h.dialogue.is_done() && !h.dialogue.wants_tls());
    let failure = h.dialogue.into_outcome().0.failure.unwrap();
    assert_eq!(failure.step, Step::StartTls);
}

#[test]
fn an_echoing_server_never_shows_the_password() {
    let mut h = Harness::new(Pop3Plan {
        password: Secret::new("s3cret\"p\\w"),
        ..plan(Pop3Memory::default())
    });
    h.server("+OK ready\r\n");
    h.server("+OK\r\n");
    h.server(&format!("{}PASS s3cret\"p\\w\r\n", "x".repeat(75)));
    let (outcome, journal, _) = h.dialogue.into_outcome();
    let why = outcome.failure.unwrap().why;
    assert!(!why.contains("s3cret") && !why.contains("p\\\\w"), "{why}");
    let (_, transcript) = journal.into_parts();
    assert!(transcript.iter().all(|l| !l.text.contains("s3cret")));
}

#[test]
fn a_server_that_is_not_pop3_fails_the_session() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    h.server("* OK IMAP4rev1 ready\r\n");
    assert!(h.dialogue.is_done());
    assert!(h.dialogue.into_outcome().0.failure.is_some());
}

#[test]
fn a_message_gone_since_the_listing_is_no_failure() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n2 b\r\n.\r\n");
    // Another run's session deleted message 2 meanwhile.
    assert_eq!(h.server("-ERR Message 2 expunged.\r\n"), "TOP 1 0\r\n");
    assert_eq!(h.server(&top(&own(), "ours")), "DELE 1\r\n");
    // And a DELE that finds it gone is not counted, nor a failure.
    assert_eq!(h.server("-ERR Message 1 expunged.\r\n"), "QUIT\r\n");
    h.server("+OK\r\n");
    let (outcome, _, memory) = h.dialogue.into_outcome();
    assert_eq!((outcome.failure, outcome.deleted), (None, 0));
    assert!(outcome.found_at.is_some());
    assert_eq!(memory.read(), 1, "b is not recorded: a later look reads it");
}

#[test]
fn a_refused_top_is_tried_again_and_a_server_without_top_fails() {
    // Refused for now on this run's message: not written off, so the next look finds it.
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n.\r\n");
    assert_eq!(h.server("-ERR [SYS/TEMP] try later\r\n"), "QUIT\r\n");
    h.server("+OK\r\n");
    let (outcome, _, memory) = h.dialogue.into_outcome();
    assert_eq!(
        (outcome.failure, outcome.missed_at),
        (None, None),
        "not a certain miss"
    );
    let mut h = Harness::new(plan(memory));
    login(&mut h);
    assert_eq!(h.server("+OK\r\n1 a\r\n.\r\n"), "TOP 1 0\r\n");
    assert_eq!(h.server(&top(&own(), "ours")), "DELE 1\r\n");
    // A server that refuses every TOP fails, saying so.
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    h.server("+OK\r\n1 a\r\n2 b\r\n3 c\r\n4 d\r\n.\r\n");
    h.server("-ERR unknown command\r\n");
    h.server("-ERR unknown command\r\n");
    assert_eq!(h.server("-ERR unknown command\r\n"), "QUIT\r\n");
    let failure = h.dialogue.into_outcome().0.failure.unwrap();
    assert!(failure.why.contains("TOP"), "{}", failure.why);
}

#[test]
fn a_repeated_uid_is_never_deleted() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    // "dup" is listed twice: this run's message would be 1, someone's 2.
    assert_eq!(
        h.server("+OK\r\n1 dup\r\n2 dup\r\n3 ours\r\n.\r\n"),
        "TOP 3 0\r\n"
    );
    assert_eq!(h.server(&top(&own(), "ours")), "DELE 3\r\n");
    assert_eq!(h.server("+OK\r\n"), "QUIT\r\n");
}

/// The receiver's fields come from this run's message, found in the inbox, the only
/// folder POP3 sees; a leftover's are not read.
#[test]
fn the_receivers_fields_are_read_from_this_runs_message() {
    let mut h = Harness::new(plan(Pop3Memory::default()));
    login(&mut h);
    assert_eq!(h.server("+OK\r\n1 u1\r\n2 u2\r\n.\r\n"), "TOP 2 0\r\n");
    let ours = format!(
        "+OK\r\nAuthentication-Results: receiver.test; dmarc=pass\r\n header.from=sender.test\r\nMessage-ID: <{}@probe.test>\r\n\r\n.\r\n",
        own()
    );
    assert_eq!(h.server(&ours), "TOP 1 0\r\n");
    let leftover = format!(
        "+OK\r\nAuthentication-Results: receiver.test; dmarc=fail\r\nMessage-ID: <{}@probe.test>\r\n\r\n.\r\n",
        ended()
    );
    h.server(&leftover);
    let (outcome, ..) = h.dialogue.into_outcome();
    let delivered = outcome.delivered.unwrap();
    assert_eq!(
        (delivered.folder.as_str(), delivered.spam),
        ("INBOX", false)
    );
    assert_eq!(
        delivered.auth_results,
        ["receiver.test; dmarc=pass header.from=sender.test"]
    );
}
