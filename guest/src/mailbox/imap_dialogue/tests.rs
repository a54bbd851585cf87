use super::*;
use crate::mailbox::token::{self, CLOCK_MARGIN_SECONDS};

const MS: Duration = Duration::from_millis(1);
const PREFIX: &str = "smtp-sensor-rt";
const NOW: i64 = 1_800_000_000;
const SEARCH: &str = "UID SEARCH UNDELETED HEADER Message-ID \"smtp-sensor-rt-\"";
const FETCH: &str =
    "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID AUTHENTICATION-RESULTS ARC-AUTHENTICATION-RESULTS)])";

fn own() -> String {
    token::make(PREFIX, NOW, 60, &[0x5f; 8])
}

/// A test message of another run: one that ended long ago, or one still under way.
fn other(ended: bool) -> String {
    let start = if ended {
        NOW - 60 - CLOCK_MARGIN_SECONDS - 10
    } else {
        NOW - 5
    };
    token::make(PREFIX, start, 60, &[0x11; 8])
}

struct Harness {
    dialogue: ImapDialogue,
    now: Duration,
}

impl Harness {
    fn new(starttls: bool) -> Self {
        Self::with_password(starttls, "s3cret\"pw")
    }

    fn with_password(starttls: bool, password: &str) -> Self {
        let plan = ImapPlan {
            user: "probe".into(),
            password: Secret::new(password),
            starttls,
            tls_optional: false,
            plain_allowed: false,
            tokens: Tokens {
                prefix: PREFIX.into(),
                own: own(),
                now: NOW,
            },
            spam_folders: Some(Vec::new()),
        };
        Self {
            dialogue: ImapDialogue::new(plan, Journal::new(true), Duration::ZERO),
            now: Duration::ZERO,
        }
    }

    fn server(&mut self, text: &str) -> String {
        self.now += MS;
        self.dialogue.handle_input(self.now, text.as_bytes());
        self.sent()
    }

    fn sent(&mut self) -> String {
        String::from_utf8(self.dialogue.poll_transmit().unwrap_or_default()).unwrap()
    }

    /// Greeting (with UIDPLUS after the log-in when `uidplus`), LOGIN and SELECT: the
    /// first search is what comes back.
    fn logged_in(&mut self, uidplus: bool) -> String {
        self.server("* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready.\r\n");
        let caps = if uidplus { " UIDPLUS" } else { "" };
        self.server(&format!("a1 OK [CAPABILITY IMAP4rev1{caps}] Logged in\r\n"));
        self.server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n")
    }
}

fn fetched(uid: u32, message_id: &str) -> String {
    let header = format!("Message-ID: <{message_id}@probe.test>\r\n\r\n");
    format!(
        "* {uid} FETCH (UID {uid} BODY[HEADER.FIELDS (MESSAGE-ID AUTHENTICATION-RESULTS ARC-AUTHENTICATION-RESULTS)] {{{}}}\r\n{header})\r\n",
        header.len()
    )
}

#[test]
fn finds_its_own_deletes_the_ended_runs_and_leaves_the_rest() {
    let mut h = Harness::new(false);
    assert_eq!(
        h.server("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n"),
        "a1 LOGIN \"probe\" \"s3cret\\\"pw\"\r\n"
    );
    // The log-in's OK carries no capabilities: they are asked for.
    assert_eq!(h.server("a1 OK Logged in\r\n"), "a2 CAPABILITY\r\n");
    assert_eq!(
        h.server("* CAPABILITY IMAP4rev1 UIDPLUS\r\na2 OK done\r\n"),
        "a3 SELECT INBOX\r\n"
    );
    assert_eq!(
        h.server("* 3 EXISTS\r\na3 OK [READ-WRITE] done\r\n"),
        format!("a4 {SEARCH}\r\n")
    );
    // Not there yet: the caller waits and searches again.
    assert_eq!(h.server("* SEARCH\r\na4 OK done\r\n"), "");
    assert!(h.dialogue.is_waiting());
    h.now += MS;
    h.dialogue.search_again(h.now);
    assert_eq!(h.sent(), format!("a5 {SEARCH}\r\n"));
    // Four candidates: this run's, an ended run's, a run still under way, and someone's
    // message that only looks like one: only the first two are deleted.
    assert_eq!(
        h.server("* SEARCH 7 9 11 12\r\na5 OK done\r\n"),
        format!("a6 UID FETCH 12,11,9,7 {FETCH}\r\n")
    );
    let fetches = format!(
        "{}{}{}{}a6 OK done\r\n",
        fetched(7, &other(true)),
        fetched(9, &own()),
        fetched(11, &other(false)),
        fetched(12, &format!("re-{}", own()))
    );
    assert_eq!(
        h.server(&fetches),
        "a7 UID STORE 9,7 +FLAGS.SILENT (\\Deleted)\r\n"
    );
    assert!(
        h.dialogue.timeout_at().is_some(),
        "the clean-up has a grace"
    );
    assert_eq!(h.server("a7 OK done\r\n"), "a8 UID EXPUNGE 9,7\r\n");
    assert_eq!(
        h.server("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na8 OK done\r\n"),
        "a9 LOGOUT\r\n"
    );
    assert_eq!(h.server("* BYE Logging out\r\na9 OK done\r\n"), "");
    assert!(h.dialogue.is_done());
    let (outcome, journal) = h.dialogue.into_outcome();
    assert_eq!(outcome.failure, None);
    assert_eq!((outcome.deleted, outcome.left_flagged), (2, 0));
    assert_eq!(
        outcome.removed,
        [
            format!("<{}@probe.test>", own()),
            format!("<{}@probe.test>", other(true))
        ]
    );
    // Seen by the search answered at 7 ms; missed by the one sent at 4 ms.
    assert_eq!(outcome.found_at, Some(7 * MS));
    assert_eq!(outcome.missed_at, Some(4 * MS));
    let (_, transcript) = journal.into_parts();
    let text: Vec<String> = transcript.iter().map(|l| l.text.clone()).collect();
    assert!(text.iter().all(|l| !l.contains("s3cret")), "{text:?}");
    assert!(
        text.contains(&"a1 LOGIN \"probe\" [redacted]".to_string()),
        "{text:?}"
    );
    let steps: Vec<Step> = outcome.timings.iter().map(|t| t.0).collect();
    assert_eq!(
        steps,
        [
            Step::Greeting,
            Step::Login,
            Step::Select,
            Step::Search,
            Step::Fetch,
            Step::Delete,
            Step::Logout
        ]
    );
}

#[test]
fn a_message_read_once_is_not_read_again() {
    let mut h = Harness::new(false);
    assert_eq!(h.logged_in(true), format!("a3 {SEARCH}\r\n"));
    h.server("* SEARCH 4\r\na3 OK\r\n");
    let sent = h.server(&format!("{}a4 OK\r\n", fetched(4, &other(false))));
    assert_eq!(sent, "", "another run's message: wait");
    h.dialogue.search_again(h.now);
    h.sent();
    // The same message and a new one: only the new one is read.
    assert_eq!(
        h.server("* SEARCH 4 5\r\na5 OK\r\n"),
        format!("a6 UID FETCH 5 {FETCH}\r\n")
    );
}

#[test]
fn esearch_answers_are_understood() {
    let mut h = Harness::new(false);
    h.logged_in(true);
    assert_eq!(
        h.server("* ESEARCH (TAG \"a3\") UID ALL 4:5,9\r\na3 OK\r\n"),
        format!("a4 UID FETCH 9,5,4 {FETCH}\r\n")
    );
}

#[test]
fn starttls_comes_first_and_what_was_said_before_it_is_forgotten() {
    let mut h = Harness::new(true);
    // Before TLS the server claims LOGINDISABLED; over TLS it does not.
    assert_eq!(
        h.server("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"),
        "a1 STARTTLS\r\n"
    );
    assert_eq!(h.server("a1 OK Begin TLS negotiation now.\r\n"), "");
    assert!(h.dialogue.wants_tls());
    h.dialogue.handle_tls_established(h.now);
    assert_eq!(h.sent(), "a2 CAPABILITY\r\n");
    assert!(
        h.server("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK\r\n")
            .starts_with("a3 LOGIN")
    );
}

#[test]
fn bytes_after_starttlss_ok_end_the_dialogue() {
    let mut h = Harness::new(true);
    h.server("* OK ready\r\n");
    // An attacker's command, queued in plain text to be read as if sent over TLS.
    let sent = h.server("a1 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
    assert_eq!(sent, "");
    assert!(!h.dialogue.wants_tls() && h.dialogue.is_done());
    let failure = h.dialogue.into_outcome().0.failure.unwrap();
    assert_eq!(failure.step, Step::StartTls);
    assert!(
        failure.why.contains("before the TLS handshake"),
        "{}",
        failure.why
    );
}

#[test]
fn preauth_where_tls_is_required_is_a_failure() {
    let mut h = Harness::new(true);
    assert_eq!(
        h.server("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n"),
        "a1 LOGOUT\r\n"
    );
    let failure = h.dialogue.into_outcome().0.failure.unwrap();
    assert_eq!(failure.step, Step::Greeting);
    assert!(failure.why.contains("PREAUTH"), "{}", failure.why);
    // Where TLS is only "if available", it is a downgrade, and no password is sent.
    let mut h = Harness::new(true);
    h.dialogue.plan.plain_allowed = true;
    assert_eq!(h.server("* PREAUTH hi\r\n"), "a1 CAPABILITY\r\n");
    assert_eq!(
        h.server("* CAPABILITY IMAP4rev1\r\na1 OK\r\n"),
        "a2 SELECT INBOX\r\n"
    );
    assert!(h.dialogue.into_outcome().0.downgraded);
    // Without TLS asked for, PREAUTH simply skips the log-in.
    let mut h = Harness::new(false);
    assert_eq!(h.server("* PREAUTH hi\r\n"), "a1 CAPABILITY\r\n");
}

#[test]
fn a_refused_starttls_fails_unless_plain_text_is_allowed() {
    let mut required = Harness::new(true);
    required.server("* OK ready\r\n");
    assert_eq!(required.server("a1 BAD no TLS here\r\n"), "a2 LOGOUT\r\n");
    let mut optional = Harness::new(true);
    optional.dialogue.plan.tls_optional = true;
    optional.server("* OK ready\r\n");
    let sent = optional.server("a1 BAD no TLS here\r\n");
    assert_eq!(sent, "a2 CAPABILITY\r\n", "{sent}");
    optional.dialogue.handle_close(optional.now, "closed");
    let (outcome, _) = optional.dialogue.into_outcome();
    assert!(outcome.downgraded);
}

#[test]
fn a_refused_login_says_why_without_the_password() {
    let mut h = Harness::new(false);
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    assert_eq!(
        h.server("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        "a2 LOGOUT\r\n"
    );
    let (outcome, _) = h.dialogue.into_outcome();
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.step, Step::Login);
    assert!(
        failure.why.contains("AUTHENTICATIONFAILED"),
        "{}",
        failure.why
    );
}

#[test]
fn an_echoing_server_never_shows_the_password_in_any_form() {
    for password in ["s3cret\"pw", "back\\slash\"quote", "pässwörd-8bit"] {
        let mut h = Harness::with_password(false, password);
        let login = h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
        // The server echoes the whole LOGIN line back, as an untagged line and then as
        // a malformed one (a long prefix, so the password would sit past any cut).
        let echo = login.trim_end().to_string();
        h.server(&format!("* BAD you said: {echo}\r\n"));
        h.server(&format!("{} {echo}\r\n", "x".repeat(70)));
        let (outcome, journal) = h.dialogue.into_outcome();
        let why = outcome.failure.map(|f| f.why).unwrap_or_default();
        let (_, transcript) = journal.into_parts();
        let quoted_form = quoted(password);
        for text in transcript
            .iter()
            .map(|l| l.text.as_str())
            .chain([why.as_str()])
        {
            assert!(!text.contains(password), "{password}: {text}");
            assert!(
                !text.contains(&quoted_form[1..quoted_form.len() - 1]),
                "{password}: {text}"
            );
        }
    }
}

#[test]
fn an_8bit_password_goes_as_a_literal() {
    // With LITERAL+ in one go.
    let mut h = Harness::with_password(false, "pässwort");
    let sent = h.server("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
    assert_eq!(sent, "a1 LOGIN \"probe\" {9+}\r\npässwort\r\n");
    // Without, after the server's go-ahead.
    let mut h = Harness::with_password(false, "pässwort");
    let sent = h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    assert_eq!(sent, "a1 LOGIN \"probe\" {9}\r\n");
    assert_eq!(h.server("+ OK\r\n"), "pässwort\r\n");
    assert_eq!(
        h.server("a1 OK [CAPABILITY IMAP4rev1] in\r\n"),
        "a2 SELECT INBOX\r\n"
    );
}

#[test]
fn without_uidplus_nothing_is_expunged_and_the_flagged_are_counted() {
    let mut h = Harness::new(false);
    h.logged_in(false);
    h.server("* SEARCH 5\r\na3 OK\r\n");
    let answer = format!("{}a4 OK\r\n", fetched(5, &own()));
    assert_eq!(
        h.server(&answer),
        "a5 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n"
    );
    assert_eq!(h.server("a5 OK\r\n"), "a6 LOGOUT\r\n", "no plain EXPUNGE");
    let (outcome, _) = h.dialogue.into_outcome();
    assert_eq!((outcome.deleted, outcome.left_flagged), (0, 1));
}

#[test]
fn logindisabled_says_what_to_do() {
    let mut h = Harness::new(false);
    assert_eq!(
        h.server("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"),
        "a1 LOGOUT\r\n"
    );
    let why = h.dialogue.into_outcome().0.failure.unwrap().why;
    assert!(
        why.contains("LOGINDISABLED") && why.contains("STARTTLS"),
        "{why}"
    );
}

#[test]
fn hostile_servers_end_the_dialogue_with_a_failure() {
    let mut h = Harness::new(false);
    h.server("* BYE too busy\r\n");
    assert!(h.dialogue.is_done());
    let (outcome, _) = h.dialogue.into_outcome();
    assert!(outcome.failure.unwrap().why.contains("too busy"));
    let mut h = Harness::new(false);
    h.server("220 this is SMTP\r\n");
    assert!(h.dialogue.is_done());
    assert!(h.dialogue.into_outcome().0.failure.is_some());
    // A search answer of four billion UIDs costs no more than the bound.
    let mut h = Harness::new(false);
    h.logged_in(true);
    let sent = h.server("* ESEARCH (TAG \"a3\") UID ALL 1:4294967295\r\na3 OK\r\n");
    assert_eq!(
        sent.matches(',').count(),
        MAX_FETCH - 1,
        "one batch of {MAX_FETCH}"
    );
}

#[test]
fn helpers() {
    assert_eq!(uid_set(&[1, 5]), "1,5");
    assert_eq!(fetched_uid("3 FETCH (UID 9 BODY[] {1}"), Some(9));
    assert_eq!(fetched_uid("3 FETCH (FLAGS (\\Seen) UID 12)"), Some(12));
    assert_eq!(fetched_uid("3 FETCH (FLAGS ())"), None);
    assert_eq!(fetched_uid("3 FETCH (XUID 4)"), None);
    let literals = [b"x".to_vec(), b"Message-ID: <a@b>".to_vec()];
    assert_eq!(
        header_literal(
            "1 FETCH (X {1} UID 2 BODY[HEADER.FIELDS (MESSAGE-ID AUTHENTICATION-RESULTS ARC-AUTHENTICATION-RESULTS)] {17})",
            &literals
        ),
        Some(&b"Message-ID: <a@b>"[..])
    );
    assert_eq!(
        header_literal("1 FETCH (UID 2 BODY[TEXT] {1})", &literals),
        None
    );
}

#[test]
fn a_server_cannot_relabel_or_overwrite_what_was_read() {
    let mut h = Harness::new(false);
    h.logged_in(true);
    assert_eq!(
        h.server("* SEARCH 7 9\r\na3 OK\r\n"),
        format!("a4 UID FETCH 9,7 {FETCH}\r\n")
    );
    // UID 9 is another run's under way; the answer for 7 comes labelled 9 as well (a
    // second answer for 9), and a flags-only FETCH follows: nothing is overwritten, and 7
    // is never proven ours.
    let answer = format!(
        "{}{}* 1 FETCH (UID 9 FLAGS (\\Seen))\r\n* 2 FETCH (UID 7 FLAGS (\\Seen))\r\na4 OK\r\n",
        fetched(9, &other(false)),
        fetched(9, &own())
    );
    assert_eq!(h.server(&answer), "", "nothing of ours: wait");
    assert!(h.dialogue.is_waiting());
}

#[test]
fn overlapping_runs_expunging_meanwhile_are_no_failure() {
    // FETCH answered in part, then NO for the message another run expunged.
    let mut h = Harness::new(false);
    h.logged_in(true);
    h.server("* SEARCH 7 9\r\na3 OK\r\n");
    let answer = format!(
        "{}a4 NO Some of the requested messages no longer exist\r\n",
        fetched(9, &own())
    );
    assert_eq!(
        h.server(&answer),
        "a5 UID STORE 9 +FLAGS.SILENT (\\Deleted)\r\n"
    );
    // STORE refused for the same reason: the flagged are still expunged by UID.
    assert_eq!(
        h.server("a5 NO Some of the requested messages no longer exist\r\n"),
        "a6 UID EXPUNGE 9\r\n"
    );
    assert_eq!(h.server("a6 OK\r\n"), "a7 LOGOUT\r\n");
    let (outcome, _) = h.dialogue.into_outcome();
    assert_eq!(outcome.failure, None);
    assert_eq!(outcome.deleted, 1);
}

#[test]
fn a_refused_expunge_says_the_messages_stay_flagged() {
    let mut h = Harness::new(false);
    h.logged_in(true);
    h.server("* SEARCH 9\r\na3 OK\r\n");
    h.server(&format!("{}a4 OK\r\n", fetched(9, &own())));
    h.server("a5 OK\r\n");
    assert_eq!(h.server("a6 NO expunge failed\r\n"), "a7 LOGOUT\r\n");
    let (outcome, _) = h.dialogue.into_outcome();
    assert_eq!((outcome.deleted, outcome.left_flagged), (0, 1));
    assert_eq!(outcome.failure.unwrap().step, Step::Delete);
}

#[test]
fn bye_while_searching_is_said_in_the_servers_words() {
    let mut h = Harness::new(false);
    h.logged_in(true);
    h.server("* BYE shutting down for maintenance\r\n");
    let why = h.dialogue.into_outcome().0.failure.unwrap().why;
    assert!(why.contains("maintenance"), "{why}");
}

#[test]
fn many_search_answers_keep_only_the_newest() {
    let mut h = Harness::new(false);
    h.logged_in(true);
    let mut flood = String::new();
    for n in 0..50u32 {
        let uids: String = (0..2000).map(|i| format!(" {}", n * 2000 + i)).collect();
        flood.push_str(&format!("* SEARCH{uids}\r\n"));
    }
    h.server(&flood);
    assert!(h.dialogue.candidates.len() <= MAX_CANDIDATES);
    assert_eq!(h.dialogue.candidates[0], 99_999);
}

/// A harness whose plan finds the spam folder itself (`spam_folders` none) or looks in
/// those named.
fn with_spam_folders(spam_folders: Option<Vec<String>>) -> Harness {
    let mut h = Harness::new(false);
    h.dialogue.plan.spam_folders = spam_folders;
    h
}

/// The headers of this run's message as the receiver left them, in a FETCH answer.
fn fetched_with_verdicts(uid: u32) -> String {
    let header = format!(
        "Message-ID: <{}@probe.test>\r\nAuthentication-Results: receiver.test;\r\n\tdkim=pass header.d=sender.test\r\nAuthentication-Results: receiver.test; spf=fail smtp.mailfrom=sender.test\r\n\r\n",
        own()
    );
    format!(
        "* {uid} FETCH (UID {uid} BODY[HEADER.FIELDS (MESSAGE-ID AUTHENTICATION-RESULTS ARC-AUTHENTICATION-RESULTS)] {{{}}}\r\n{header})\r\n",
        header.len()
    )
}

#[test]
fn each_look_goes_through_inbox_then_the_folder_marked_junk() {
    let mut h = with_spam_folders(None);
    h.server("* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready.\r\n");
    assert_eq!(
        h.server("a1 OK [CAPABILITY IMAP4rev1 UIDPLUS SPECIAL-USE LIST-EXTENDED] Logged in\r\n"),
        "a2 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n"
    );
    assert_eq!(
        h.server(
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n* LIST (\\HasNoChildren \\Junk) \"/\" \"Junk Mail\"\r\na2 OK done\r\n"
        ),
        "a3 SELECT INBOX\r\n"
    );
    assert_eq!(
        h.server("* 0 EXISTS\r\na3 OK done\r\n"),
        format!("a4 {SEARCH}\r\n")
    );
    assert_eq!(
        h.server("* SEARCH\r\na4 OK done\r\n"),
        "a5 SELECT \"Junk Mail\"\r\n"
    );
    assert_eq!(
        h.server("* 0 EXISTS\r\na5 OK done\r\n"),
        format!("a6 {SEARCH}\r\n")
    );
    // Neither holds it: the look is done; the next begins with INBOX again.
    assert_eq!(h.server("* SEARCH\r\na6 OK done\r\n"), "");
    assert!(h.dialogue.is_waiting());
    h.now += MS;
    let second_look = h.now;
    h.dialogue.search_again(h.now);
    assert_eq!(h.sent(), "a7 SELECT INBOX\r\n");
    h.server("a7 OK done\r\n");
    h.server("* SEARCH\r\na8 OK done\r\n");
    h.server("* 1 EXISTS\r\na9 OK done\r\n");
    // There it is, in the spam folder, UID 3 of that folder: read, then deleted there.
    assert_eq!(
        h.server("* SEARCH 3\r\na10 OK done\r\n"),
        format!("a11 UID FETCH 3 {FETCH}\r\n")
    );
    assert_eq!(
        h.server(&format!("{}a11 OK done\r\n", fetched_with_verdicts(3))),
        "a12 UID STORE 3 +FLAGS.SILENT (\\Deleted)\r\n"
    );
    h.server("a12 OK done\r\n");
    h.server("a13 OK done\r\n");
    let (outcome, _) = h.dialogue.into_outcome();
    let delivered = outcome.delivered.expect("delivered");
    assert_eq!(delivered.folder, "Junk Mail");
    assert!(delivered.spam);
    assert_eq!(
        delivered.auth_results,
        [
            "receiver.test; dkim=pass header.d=sender.test",
            "receiver.test; spf=fail smtp.mailfrom=sender.test"
        ]
    );
    assert_eq!(outcome.deleted, 1);
    // The last look that missed it is the first, begun by its SELECT INBOX (at 3 ms);
    // the second found it.
    assert_eq!(outcome.missed_at, Some(3 * MS));
    assert!(outcome.found_at > Some(second_look));
}

#[test]
fn without_special_use_every_folder_is_listed_and_a_spam_name_will_do() {
    let mut h = with_spam_folders(None);
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    assert_eq!(
        h.server("a1 OK [CAPABILITY IMAP4rev1 UIDPLUS] Logged in\r\n"),
        "a2 LIST \"\" \"*\"\r\n"
    );
    assert_eq!(
        h.server("* LIST () \".\" INBOX\r\n* LIST () \".\" INBOX.Spam\r\na2 OK done\r\n"),
        "a3 SELECT INBOX\r\n"
    );
    h.server("a3 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH 8\r\na4 OK done\r\n"),
        format!("a5 UID FETCH 8 {FETCH}\r\n")
    );
    // Found in INBOX: the spam folder is not looked in, and it is no spam.
    h.server(&format!("{}a5 OK done\r\n", fetched_with_verdicts(8)));
    let delivered = h.dialogue.tally.delivered.clone().unwrap();
    assert_eq!(
        (delivered.folder.as_str(), delivered.spam),
        ("INBOX", false)
    );
}

#[test]
fn a_refused_list_leaves_inbox_alone_and_a_missing_named_folder_fails_by_name() {
    let mut h = with_spam_folders(None);
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    h.server("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
    assert_eq!(h.server("a2 NO not now\r\n"), "a3 SELECT INBOX\r\n");
    h.server("a3 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH\r\na4 OK done\r\n"),
        "",
        "INBOX alone, no failure"
    );
    assert!(h.dialogue.is_waiting());

    let mut h = with_spam_folders(Some(vec!["Spam".into()]));
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    assert_eq!(
        h.server("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
        "a2 SELECT INBOX\r\n"
    );
    h.server("a2 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH\r\na3 OK done\r\n"),
        "a4 SELECT \"Spam\"\r\n"
    );
    assert_eq!(
        h.server("a4 NO [NONEXISTENT] Mailbox doesn't exist: Spam\r\n"),
        "a5 LOGOUT\r\n"
    );
    let (outcome, _) = h.dialogue.into_outcome();
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.step, Step::Search);
    assert!(
        failure.why.contains("SELECT \"Spam\" was refused")
            && failure.why.contains("Mailbox doesn't exist"),
        "{}",
        failure.why
    );
}

#[test]
fn a_uid_read_in_inbox_is_another_message_in_the_spam_folder() {
    let mut h = with_spam_folders(Some(vec!["Junk".into()]));
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    h.server("a1 OK [CAPABILITY IMAP4rev1 UIDPLUS] Logged in\r\n");
    h.server("a2 OK done\r\n");
    // INBOX's UID 3 is someone's mail.
    assert_eq!(
        h.server("* SEARCH 3\r\na3 OK done\r\n"),
        format!("a4 UID FETCH 3 {FETCH}\r\n")
    );
    assert_eq!(
        h.server(&format!("{}a4 OK done\r\n", fetched(3, "x"))),
        "a5 SELECT \"Junk\"\r\n"
    );
    h.server("a5 OK done\r\n");
    // Junk's UID 3 is read all the same: this run's message.
    assert_eq!(
        h.server("* SEARCH 3\r\na6 OK done\r\n"),
        format!("a7 UID FETCH 3 {FETCH}\r\n")
    );
    assert_eq!(
        h.server(&format!("{}a7 OK done\r\n", fetched(3, &own()))),
        "a8 UID STORE 3 +FLAGS.SILENT (\\Deleted)\r\n"
    );
}

#[test]
fn a_found_spam_folder_that_cannot_be_opened_is_left_out() {
    let mut h = with_spam_folders(None);
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    h.server("a1 OK [CAPABILITY IMAP4rev1 SPECIAL-USE LIST-EXTENDED] Logged in\r\n");
    // The extended LIST is refused: asked plainly.
    assert_eq!(h.server("a2 BAD syntax\r\n"), "a3 LIST \"\" \"*\"\r\n");
    h.server("* LIST (\\Junk) \"/\" Junk\r\na3 OK done\r\n");
    h.server("a4 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH\r\na5 OK done\r\n"),
        "a6 SELECT \"Junk\"\r\n"
    );
    // It cannot be opened: left out, and no failure; nothing is selected now, so the next
    // look opens INBOX again.
    assert_eq!(h.server("a6 NO [NOPERM] no\r\n"), "");
    assert!(h.dialogue.is_waiting());
    h.now += MS;
    h.dialogue.search_again(h.now);
    assert_eq!(h.sent(), "a7 SELECT INBOX\r\n");
    assert_eq!(h.server("a7 OK done\r\n"), format!("a8 {SEARCH}\r\n"));
    assert_eq!(h.server("* SEARCH\r\na8 OK done\r\n"), "");
    h.now += MS;
    h.dialogue.search_again(h.now);
    assert_eq!(h.sent(), format!("a9 {SEARCH}\r\n"), "INBOX stays selected");
    let (outcome, journal) = h.dialogue.into_outcome();
    assert_eq!(outcome.failure, None);
    let (_, transcript) = journal.into_parts();
    assert!(
        transcript
            .iter()
            .any(|l| l.text.contains("could not be opened"))
    );
}

#[test]
fn a_new_uidvalidity_forgets_what_was_read_in_that_folder() {
    let mut h = Harness::new(false);
    h.server("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    h.server("a1 OK [CAPABILITY IMAP4rev1 UIDPLUS] Logged in\r\n");
    h.dialogue.plan.spam_folders = Some(vec!["Junk".into()]);
    h.dialogue.folders.push(("Junk".into(), true));
    h.server("* OK [UIDVALIDITY 1] x\r\na2 OK done\r\n");
    h.server("* SEARCH\r\na3 OK done\r\n");
    h.server("* OK [UIDVALIDITY 7] x\r\na4 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH 3\r\na5 OK done\r\n"),
        format!("a6 UID FETCH 3 {FETCH}\r\n")
    );
    h.server(&format!("{}a6 OK done\r\n", fetched(3, "x")));
    h.now += MS;
    h.dialogue.search_again(h.now);
    h.server("* OK [UIDVALIDITY 1] x\r\na7 OK done\r\n");
    h.server("* SEARCH\r\na8 OK done\r\n");
    // Junk was made anew: its UID 3 is read again.
    h.server("* OK [UIDVALIDITY 8] x\r\na9 OK done\r\n");
    assert_eq!(
        h.server("* SEARCH 3\r\na10 OK done\r\n"),
        format!("a11 UID FETCH 3 {FETCH}\r\n")
    );
}
