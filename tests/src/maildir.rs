//! A mailbox for the round trip's tests: a Postfix delivering to the Maildir of
//! `rcpt@sensor.test`, a Dovecot serving it over IMAP and POP3, and in it thousands of
//! other people's messages, a test message an earlier, timed-out run left behind (which a
//! round trip must find among them without reading the others, and delete), and two it
//! must leave: someone's message that only mentions a token, and the test message of a run
//! that may still be looking for it.

use crate::cli;
use crate::dovecot::Dovecot;
use crate::postfix::{Config, Postfix};
use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The mailbox's user.
pub const USER: &str = "rcpt";
/// Its address.
pub const ADDRESS: &str = "rcpt@sensor.test";
/// Its password.
pub const PASSWORD: &str = "rcpt-Pa55";
/// The token prefix of the tests' test messages.
pub const PREFIX: &str = "smtp-sensor-rt";
/// Other people's mail in the mailbox, which a round trip must neither read nor touch.
pub const OTHERS: usize = 2000;
/// The Message-ID of the test message a run that ended in 2023 left behind: a whole
/// token whose end is long past, so a round trip deletes it with its own.
pub const LEFTOVER_ID: &str = "smtp-sensor-rt-1700000000-00000000000000aa@sensor.test";
/// The Message-ID of another run's test message, a run that may still be looking for it
/// (its end is in 2100): a round trip leaves it alone.
pub const IN_FLIGHT_ID: &str = "smtp-sensor-rt-4102444800-00000000000000bb@sensor.test";
/// The subject of someone's message that only mentions a token (a forwarded question):
/// a round trip leaves it alone.
pub const LOOK_ALIKE_SUBJECT: &str =
    "Fwd: what is smtp-sensor-rt-1700000000-00000000000000aa in my inbox?";
/// Messages besides the `OTHERS` that every round trip must leave: the colleague's, the
/// look-alike and the other run's.
pub const KEPT: usize = 3;

/// A Postfix, a Dovecot, and the filled Maildir.
pub struct MailStack {
    /// The SMTP server.
    pub postfix: Postfix,
    /// The mailbox server.
    pub dovecot: Dovecot,
}

impl MailStack {
    /// Starts Postfix (with `main_cf` lines), delivers a colleague's message through it
    /// with the CLI `program` (which makes the Maildir), fills the Maildir with [`OTHERS`]
    /// messages and a leftover test message, and starts Dovecot over it.
    pub async fn start(program: &str, main_cf: &str) -> Self {
        Self::start_with(program, main_cf, None).await
    }

    /// Like [`MailStack::start`], with Dovecot speaking TLS with a certificate for
    /// `localhost` and `127.0.0.1` from a new throwaway CA; returns the CA's PEM too.
    pub async fn start_with_tls(program: &str) -> (Self, String) {
        let ca = Ca::new("smtp-sensor Dovecot test CA");
        let leaf = ca.issue(&LeafSpec::valid_for(&["localhost", "127.0.0.1"]));
        let tls = (leaf.certificate_pem, leaf.key_pem);
        (Self::start_with(program, "", Some(tls)).await, ca.pem())
    }

    /// Like [`MailStack::start`], with `dovecot_conf` lines added to Dovecot's
    /// configuration.
    pub async fn start_with_dovecot(program: &str, dovecot_conf: &str) -> Self {
        Self::start_full(program, "", None, dovecot_conf).await
    }

    async fn start_with(program: &str, main_cf: &str, tls: Option<(String, String)>) -> Self {
        Self::start_full(program, main_cf, tls, "").await
    }

    async fn start_full(
        program: &str,
        main_cf: &str,
        tls: Option<(String, String)>,
        dovecot_conf: &str,
    ) -> Self {
        let config = Config {
            mailboxes: vec![USER.into()],
            main_cf: main_cf.to_string(),
            ..Config::default()
        };
        let postfix = tokio::task::spawn_blocking(move || Postfix::start_with(config))
            .await
            .unwrap()
            .expect("start Postfix");
        let send = [
            "--mail-from",
            "colleague@sensor.test",
            "--mail-to",
            ADDRESS,
            "--subject",
            "lunch?",
        ];
        let run = cli::check_loopback(program, postfix.port(), "none", &send).await;
        assert_eq!(run.code, 0, "{run:?}\n{}", postfix.log());
        let sent = Instant::now();
        while postfix.mailbox(USER).is_empty() {
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "not delivered:\n{}",
                postfix.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let maildir = postfix.dir().join("mail").join(USER);
        fill(&maildir);
        let dovecot = Dovecot::start_configured(
            &postfix.dir().join("mail"),
            "postfix",
            &[(USER, PASSWORD)],
            tls.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
            dovecot_conf,
        )
        .expect("start Dovecot");
        Self { postfix, dovecot }
    }

    /// The Maildir.
    pub fn maildir(&self) -> PathBuf {
        self.postfix.dir().join("mail").join(USER)
    }

    /// The messages in the Maildir now.
    pub fn messages(&self) -> Vec<String> {
        messages(&self.maildir())
    }

    /// Asserts the mailbox holds what a round trip must leave and no other test message:
    /// the `OTHERS`, the colleague's, the look-alike and the other run's, and neither the
    /// ended run's nor this run's.
    pub fn assert_left_as_found(&self) {
        let left = self.messages();
        assert_eq!(left.len(), OTHERS + KEPT, "every other message stays");
        assert!(
            left.iter().any(|m| m.contains(LOOK_ALIKE_SUBJECT)),
            "the look-alike stays"
        );
        assert!(
            left.iter().any(|m| m.contains(IN_FLIGHT_ID)),
            "the other run's test message stays"
        );
        let test_messages: Vec<&String> = left
            .iter()
            .filter(|m| m.contains(&format!("Message-ID: <{PREFIX}-")))
            .collect();
        assert_eq!(
            test_messages.len(),
            1,
            "only the other run's: {test_messages:?}"
        );
    }
}

/// The flags of a plain-text mailbox connection to `port` (the password allowed to travel
/// in plain text: loopback).
pub fn plain_mailbox(port: &str) -> [&str; 5] {
    [
        "--mailbox-port",
        port,
        "--mailbox-security",
        "none",
        "--mailbox-allow-plaintext",
    ]
}

/// `check` of the SMTP server on 127.0.0.1:`smtp_port` (plain text) sending the test
/// email to [`ADDRESS`], with a round trip over `protocol` to the mailbox server on
/// 127.0.0.1 as `extra` says (its port and security), logging in as [`USER`] with
/// `password` from the environment; JSON with the transcript.
pub async fn round_trip(
    program: &str,
    smtp_port: u16,
    protocol: &str,
    password: &str,
    extra: &[&str],
) -> cli::Run {
    let smtp_port = smtp_port.to_string();
    let args = [
        &cli::loopback_check(&smtp_port, "none")[..],
        &[
            "--mail-from",
            "probe@sensor.test",
            "--mail-to",
            ADDRESS,
            "--mailbox",
            protocol,
            "--mailbox-host",
            "127.0.0.1",
            "--mailbox-user",
            USER,
            "--mailbox-token-prefix",
            PREFIX,
            "--format",
            "json",
            "--transcript",
        ],
        extra,
    ]
    .concat();
    cli::run_with_env(
        program,
        &args,
        &[("SMTP_SENSOR_MAILBOX_PASSWORD", password)],
    )
    .await
}

/// Puts [`OTHERS`] messages of other people, a look-alike, another run's test message
/// and one test message of an ended run into the Maildir, owned as Postfix's deliveries
/// are.
fn fill(maildir: &Path) {
    for n in 0..OTHERS {
        let name = format!("1700000000.M{n}P1.other");
        let id = format!("{name}@sensor.test");
        put(maildir, &name, &format!("weekly report {n}"), &id);
    }
    put(
        maildir,
        "1700000001.M1P1.lookalike",
        LOOK_ALIKE_SUBJECT,
        "CAF00lookalike@mail.sensor.test",
    );
    put(
        maildir,
        "1700000001.M2P1.inflight",
        "smtp-sensor test message smtp-sensor-rt-4102444800-00000000000000bb",
        IN_FLIGHT_ID,
    );
    put(
        maildir,
        "1700000001.M3P1.leftover",
        "left behind by a timed-out run smtp-sensor-rt-1700000000-00000000000000aa",
        LEFTOVER_ID,
    );
}

/// Puts a message with `subject` and the Message-ID `<message_id>` into the Maildir's
/// `new/` as the file `name`, owned as Postfix's deliveries are.
pub fn put(maildir: &Path, name: &str, subject: &str, message_id: &str) {
    let new = maildir.join("new");
    let owner = std::fs::metadata(&new).expect("the Maildir");
    use std::os::unix::fs::MetadataExt as _;
    let path = new.join(name);
    let text = format!(
        "From: someone@sensor.test\r\nTo: {ADDRESS}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\n\r\nhello\r\n"
    );
    std::fs::write(&path, text).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
}

/// The messages in a Maildir (`new/` and `cur/`), as text.
pub fn messages(maildir: &Path) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).into_iter().flatten())
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}
