//! A mailbox for the round trip's tests: a Postfix delivering to the Maildir of
//! `rcpt@sensor.test`, a Dovecot serving it over IMAP and POP3, and in it thousands of
//! other people's messages and a test message an earlier, timed-out run left behind, which
//! a round trip must find among them without reading the others, and delete.

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

    async fn start_with(program: &str, main_cf: &str, tls: Option<(String, String)>) -> Self {
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
        let dovecot = Dovecot::start_with(
            &postfix.dir().join("mail"),
            "postfix",
            &[(USER, PASSWORD)],
            tls.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
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
}

/// Puts [`OTHERS`] messages of other people and one test message of an earlier run into
/// the Maildir, owned as Postfix's deliveries are.
fn fill(maildir: &Path) {
    let new = maildir.join("new");
    let owner = std::fs::metadata(&new).expect("the Maildir");
    use std::os::unix::fs::MetadataExt as _;
    let (uid, gid) = (owner.uid(), owner.gid());
    let write = |name: String, subject: &str| {
        let path = new.join(name);
        let text = format!(
            "From: someone@sensor.test\r\nTo: {ADDRESS}\r\nSubject: {subject}\r\n\
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
        &format!("left behind by a timed-out run {PREFIX}-00000000"),
    );
}

/// The messages in a Maildir (`new/` and `cur/`), as text.
pub fn messages(maildir: &Path) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).into_iter().flatten())
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}
