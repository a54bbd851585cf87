//! The receiver's verdicts stack (issue 37), smoke-tested: for each case a message goes
//! through the sending Postfix (a raw SMTP client on 127.0.0.1) to the receiving one, and
//! the Authentication-Results the receiver wrote say what the case means; a spam-marked
//! message lands in Junk, which Dovecot lists as `\Junk`; forged fields claiming the
//! receiver are gone, the one claiming another server stays. Every field seen is printed
//! (`--nocapture`). The cases run concurrently, each on a stack of its own.

use smtp_sensor_tests::receiver::{
    AUTHSERV_ID, Case, FORGE_MARKER, FORGED_OTHER, FORGED_OWN, FROM, Folder, PASSWORD,
    ReceiverStack, SPAM_MARKER, USER, authentication_results, submit,
};
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// Sends a message with `subject` through `stack` as `case` says and waits for it in
/// `folder`; the receiver's Authentication-Results (those naming [`AUTHSERV_ID`]) and all.
fn deliver(stack: &ReceiverStack, case: Case, subject: &str, folder: Folder) -> Vec<String> {
    deliver_from(stack, case.mail_from(), subject, folder)
}

/// Like [`deliver`], with the envelope sender `mail_from`.
fn deliver_from(
    stack: &ReceiverStack,
    mail_from: &str,
    subject: &str,
    folder: Folder,
) -> Vec<String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let id = format!("stack-{}-{n}@sender.test", std::process::id());
    let sent = Instant::now();
    submit(stack.smtp_port(), mail_from, &id, subject)
        .unwrap_or_else(|e| panic!("submit: {e}\n{}", stack.logs()));
    let message = stack
        .wait_for_message(folder, &id)
        .unwrap_or_else(|e| panic!("{e}"));
    let fields = authentication_results(&message);
    eprintln!(
        "--- {subject:?} from {mail_from} in {folder:?} after {:?}",
        sent.elapsed()
    );
    for field in &fields {
        eprintln!("{field}");
    }
    fields
}

/// The result of `method` in the receiver's fields (`pass`, `fail`, ...).
fn verdict(fields: &[String], method: &str) -> Option<String> {
    let prefix = format!("Authentication-Results: {AUTHSERV_ID};");
    fields
        .iter()
        .filter_map(|f| f.strip_prefix(&prefix))
        .flat_map(|f| f.split(';'))
        .find_map(|r| r.trim().strip_prefix(&format!("{method}=")))
        .map(|r| r.split_whitespace().next().unwrap_or_default().to_string())
}

/// Asserts the receiver's DKIM, SPF and DMARC results.
fn assert_verdicts(stack: &ReceiverStack, fields: &[String], dkim: &str, spf: &str, dmarc: &str) {
    let got = ["dkim", "spf", "dmarc"].map(|m| verdict(fields, m));
    let want = [dkim, spf, dmarc].map(|r| Some(r.to_string()));
    assert_eq!(got, want, "{fields:#?}\n{}", stack.logs());
}

fn start(case: Case) -> ReceiverStack {
    let started = Instant::now();
    let stack = ReceiverStack::start(case.options()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "--- {case:?} stack started in {:?}, DNS at {}",
        started.elapsed(),
        stack.dns()
    );
    stack
}

#[test]
fn aligned_mail_passes_dkim_spf_and_dmarc() {
    let stack = start(Case::Aligned);
    let fields = deliver(&stack, Case::Aligned, "aligned", Folder::Inbox);
    assert_verdicts(&stack, &fields, "pass", "pass", "pass");
}

#[test]
fn unsigned_mail_has_no_dkim_and_fails_dmarc_even_with_forged_fields() {
    let stack = start(Case::Unsigned);
    let fields = deliver(&stack, Case::Unsigned, "unsigned", Folder::Inbox);
    assert_verdicts(&stack, &fields, "none", "pass", "fail");
    // With an aligned envelope sender, SPF alone makes DMARC pass: OpenDMARC took
    // policyd-spf's result.
    let fields = deliver_from(&stack, FROM, "unsigned, aligned SPF", Folder::Inbox);
    assert_verdicts(&stack, &fields, "none", "pass", "pass");
    let subject = format!("unsigned {FORGE_MARKER}");
    let fields = deliver(&stack, Case::Unsigned, &subject, Folder::Inbox);
    assert_verdicts(&stack, &fields, "none", "pass", "fail");
    assert!(
        stack.logs().contains(FORGED_OWN),
        "the sending side sent the forged field claiming the receiver (its log says so)"
    );
    assert!(
        fields.iter().any(|f| f == FORGED_OTHER),
        "the field claiming another server stays: {fields:#?}"
    );
    assert!(
        !fields
            .iter()
            .any(|f| f.contains("forged.test") && f.contains(AUTHSERV_ID)),
        "the forged field claiming the receiver is removed: {fields:#?}"
    );
}

#[test]
fn a_wrong_published_key_fails_dkim_and_dmarc() {
    let stack = start(Case::WrongKey);
    let fields = deliver(&stack, Case::WrongKey, "wrong key", Folder::Inbox);
    assert_verdicts(&stack, &fields, "fail", "pass", "fail");
}

#[test]
fn an_envelope_sender_spf_refuses_fails_spf_but_dkim_aligns_dmarc() {
    let stack = start(Case::SpfFail);
    let fields = deliver(&stack, Case::SpfFail, "spf fail", Folder::Inbox);
    assert_verdicts(&stack, &fields, "pass", "fail", "pass");
}

#[test]
fn spam_marked_mail_lands_in_the_special_use_junk_folder() {
    let stack = start(Case::Aligned);
    let subject = format!("offer {SPAM_MARKER}");
    let fields = deliver(&stack, Case::Aligned, &subject, Folder::Junk);
    assert_verdicts(&stack, &fields, "pass", "pass", "pass");
    assert!(stack.messages(Folder::Inbox).is_empty(), "not in INBOX too");
    let list = imap_list(stack.imap_port());
    assert!(
        list.lines()
            .any(|l| l.contains("\\Junk") && l.contains("Junk")),
        "Junk is listed as \\Junk: {list}\n{}",
        stack.logs()
    );
}

/// `LIST "" "*" RETURN (SPECIAL-USE)` over IMAP on 127.0.0.1:`port`, as the mailbox's user.
fn imap_list(port: u16) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to Dovecot");
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut until = |tag: &str| {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            assert_ne!(
                reader.read_line(&mut line).unwrap(),
                0,
                "IMAP hung up: {all}"
            );
            all.push_str(&line);
            if line.starts_with(tag) {
                assert!(line.starts_with(&format!("{tag} OK")), "{all}");
                return all;
            }
        }
    };
    until("*");
    writer
        .write_all(format!("a LOGIN {USER} {PASSWORD}\r\n").as_bytes())
        .unwrap();
    until("a");
    writer
        .write_all(b"b LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n")
        .unwrap();
    let list = until("b");
    writer.write_all(b"c LOGOUT\r\n").unwrap();
    list
}
