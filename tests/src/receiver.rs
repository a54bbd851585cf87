//! The receiver's verdicts (issue 37): a sending and a receiving mail stack with DKIM, SPF
//! and DMARC, so a test can see the Authentication-Results (RFC 8601) a real receiving
//! server writes onto a delivered test email, and find a message in the Junk folder.
//!
//! - A *sending* Postfix takes mail from 127.0.0.1 without login ([`ReceiverStack::smtp_port`])
//!   and relays everything to the receiving side, an OpenDKIM milter signing for
//!   [`SENDER_DOMAIN`] (selector `s1`). When the Subject holds [`FORGE_MARKER`] it adds two
//!   forged Authentication-Results: [`FORGED_OTHER`] (claiming `some.other.test`) and
//!   [`FORGED_OWN`] (claiming the receiver's authserv-id [`AUTHSERV_ID`]).
//! - The receiving side's *edge* Postfix (its MX) drops every Authentication-Results claiming
//!   [`AUTHSERV_ID`] (RFC 8601 section 5) and files a message whose Subject holds
//!   [`SPAM_MARKER`] to the Junk folder's address, then relays all to the *inner* Postfix.
//!   (Both jobs are `header_checks`, which also see the fields the receiver's own services
//!   add, and whose REDIRECT skips the milters: hence two hops, not one.)
//! - The *inner* Postfix writes the verdicts, all as [`AUTHSERV_ID`]: policyd-spf (SPF, as
//!   an Authentication-Results), OpenDKIM verifying, OpenDMARC (taking the SPF result from
//!   policyd-spf's field: its own libspf2 check passes any client on 127/8). It delivers
//!   `rcpt@sensor.test` into a Maildir, and the Junk address into its Maildir++ folder
//!   `.Junk`, which Dovecot serves over IMAP as SPECIAL-USE `\Junk`.
//! - DNS: a Knot on port 53 of a loopback address of this stack's own (127.53.x.y) serves
//!   `sender.test`, `bounces.test`, `other.test` and `sensor.test`. OpenDKIM's libunbound
//!   forwards to it alone (`ResolverConfiguration`); OpenDMARC, and policyd-spf (spawned by
//!   the inner Postfix, whose master runs in the namespace), read a private
//!   `/etc/resolv.conf` naming it, in a mount namespace (see `confined`). Every milter runs
//!   confined, so its syslog lines are captured for [`ReceiverStack::logs`]. No query leaves
//!   loopback: the resolvers ask only the Knot, which answers only for its zones.
//!
//! Every port, folder and address is the stack's own, so several can run at once; dropping
//! the stack stops every process.

use crate::confined::Confined;
use crate::dovecot::Dovecot;
use crate::knot::{Knot, Zone};
use crate::postfix::{Config, MAIL_DOMAIN, Postfix};
use crate::scratch::Scratch;
use crate::server::free_port;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The receiver's authserv-id, in every Authentication-Results it writes.
pub const AUTHSERV_ID: &str = "receiver.test";
/// The domain the sending side signs for; its SPF allows 127.0.0.1, its DMARC is p=reject.
pub const SENDER_DOMAIN: &str = "sender.test";
/// A From and envelope sender in [`SENDER_DOMAIN`]: aligned.
pub const FROM: &str = "probe@sender.test";
/// An envelope sender SPF allows, in a domain not aligned with the From (`bounces.test`,
/// as a mailing service's): SPF passes, yet gives DMARC nothing.
pub const UNALIGNED_MAIL_FROM: &str = "probe@bounces.test";
/// An envelope sender whose SPF (`v=spf1 ip4:127.0.0.9 -all`) does not allow 127.0.0.1.
pub const SPF_FAIL_MAIL_FROM: &str = "probe@other.test";
/// The mailbox's user.
pub const USER: &str = "rcpt";
/// The mailbox's address.
pub const TO: &str = "rcpt@sensor.test";
/// The mailbox's password.
pub const PASSWORD: &str = "rcpt-Pa55";
/// A Subject holding this is filed into Junk.
pub const SPAM_MARKER: &str = "SPAM-TEST";
/// A Subject holding this gets forged Authentication-Results on the sending side.
pub const FORGE_MARKER: &str = "FORGE-TEST";
/// The DKIM selector.
pub const SELECTOR: &str = "s1";
/// The forged field claiming another server, which the receiver leaves.
pub const FORGED_OTHER: &str =
    "Authentication-Results: some.other.test; dkim=pass header.d=forged.test; spf=pass; dmarc=pass";
/// The forged field claiming the receiver, which the receiver must remove.
/// It claims what would make DMARC pass (an aligned DKIM and SPF pass), so a receiver that
/// trusted it would say `dmarc=pass`.
pub const FORGED_OWN: &str = "Authentication-Results: receiver.test; dkim=pass \
     header.d=sender.test; spf=pass smtp.mailfrom=sender.test; dmarc=pass header.from=sender.test";

/// Dovecot's INBOX namespace, its Junk folder marked SPECIAL-USE `\\Junk` (RFC 6154) and
/// made at login, so that it is listed before any spam arrives.
const JUNK_NAMESPACE: &str = "namespace inbox {\n  inbox = yes\n  mailbox Junk {\n    special_use = \\Junk\n    auto = subscribe\n  }\n}\n";
/// The master.cf line of Postfix's SMTP client, to relay onwards.
const SMTP_CLIENT: &str = "smtp      unix  -       -       n       -       -       smtp\n";
/// How long a message may take from submission to the Maildir.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a milter may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The public key DNS publishes at `s1._domainkey.sender.test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishedKey {
    /// The signing key's: signatures verify.
    Signing,
    /// Another key's: signatures fail (`dkim=fail`).
    Other,
    /// None (OpenDKIM then writes `dkim=fail reason="key not found in DNS"`, as seen while
    /// its resolver got NXDOMAIN; this option itself is not in the smoke test).
    Missing,
}

/// How the stack is set up.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether the sending side signs with DKIM.
    pub sign: bool,
    /// What DNS publishes as the signing key.
    pub published_key: PublishedKey,
    /// `sender.test`'s DMARC policy (`p=`).
    pub dmarc_policy: &'static str,
    /// `sender.test`'s SPF allows 127.0.0.1, where the mail comes from; false: it allows
    /// only 127.0.0.9 (a sender address SPF does not allow, for a client such as the
    /// check, whose envelope sender is its From).
    pub sender_spf_allows: bool,
}

/// The cases the smoke test covers, each an [`Options`] and an envelope sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Signed, key published, SPF allows: all pass.
    Aligned,
    /// Not signed, the envelope sender unaligned ([`UNALIGNED_MAIL_FROM`]): DKIM none,
    /// SPF pass, DMARC fail.
    Unsigned,
    /// Signed, another key published, the envelope sender unaligned: DKIM fail, SPF
    /// pass, DMARC fail.
    WrongKey,
    /// Signed and aligned, but the envelope sender is in `other.test`: SPF fail.
    SpfFail,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 4] = [Case::Aligned, Case::Unsigned, Case::WrongKey, Case::SpfFail];

    /// The stack's options for this case.
    pub fn options(self) -> Options {
        Options {
            sign: self != Case::Unsigned,
            published_key: match self {
                Case::WrongKey => PublishedKey::Other,
                _ => PublishedKey::Signing,
            },
            dmarc_policy: "reject",
            sender_spf_allows: true,
        }
    }

    /// The envelope sender (MAIL FROM) for this case.
    pub fn mail_from(self) -> &'static str {
        match self {
            Case::Aligned => FROM,
            Case::Unsigned | Case::WrongKey => UNALIGNED_MAIL_FROM,
            Case::SpfFail => SPF_FAIL_MAIL_FROM,
        }
    }
}

/// A folder of the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// INBOX.
    Inbox,
    /// Junk (the Maildir++ folder `.Junk`).
    Junk,
}

/// The running stack. Fields drop in order: the sending side first, DNS last.
pub struct ReceiverStack {
    sending: Postfix,
    edge: Postfix,
    dovecot: Dovecot,
    inner: Postfix,
    milters: Vec<(&'static str, Confined)>,
    knot: Knot,
    dir: Scratch,
}

impl ReceiverStack {
    /// Starts DNS, the milters, the receiving Postfix and Dovecot, then the sending Postfix.
    pub fn start(options: Options) -> Result<Self, String> {
        for (program, package) in [
            ("opendkim", "opendkim"),
            ("opendkim-genkey", "opendkim-tools"),
            ("opendmarc", "opendmarc"),
            ("policyd-spf", "postfix-policyd-spf-python"),
        ] {
            if !installed(program) {
                return Err(format!(
                    "{program} is not installed: `apt-get install {package}` (scripts/setup does)"
                ));
            }
        }
        let dir = Scratch::new("receiver");
        let keys = dir.path().join("keys");
        let signing = dkim_key(&keys, "signing")?;
        let other = dkim_key(&keys, "other")?;
        let sender_spf = if options.sender_spf_allows {
            "v=spf1 ip4:127.0.0.1 -all"
        } else {
            "v=spf1 ip4:127.0.0.9 -all"
        };
        let mut sender = Zone::new(SENDER_DOMAIN)
            .txt("@", sender_spf)
            .txt("mail", "v=spf1 ip4:127.0.0.1 -all")
            .txt(
                "_dmarc",
                &format!("v=DMARC1; p={}; adkim=r; aspf=r", options.dmarc_policy),
            );
        match options.published_key {
            PublishedKey::Signing => sender = sender.txt("s1._domainkey", &signing.1),
            PublishedKey::Other => sender = sender.txt("s1._domainkey", &other.1),
            PublishedKey::Missing => {}
        }
        let zones = [
            sender,
            Zone::new("bounces.test").txt("@", "v=spf1 ip4:127.0.0.1 -all"),
            Zone::new("other.test")
                .txt("@", "v=spf1 ip4:127.0.0.9 -all")
                .txt("_dmarc", "v=DMARC1; p=none"),
            Zone::new(MAIL_DOMAIN)
                .record("@ MX 10 mail")
                .record("mail A 127.0.0.1"),
        ];
        let knot = Knot::start_on_53(&zones)?;
        let dns = *knot.address().ip();
        let mut stack_milters = Vec::new();
        // OpenDKIM's libunbound forwards every query to the Knot, and nowhere else (by
        // default it would recurse from the root servers, never ask a 127/8 address, and
        // answer NXDOMAIN itself for all of `.test`, one of its default local zones).
        let unbound = write(
            dir.path(),
            "unbound.conf",
            &format!(
                "server:\n  do-not-query-localhost: no\n  use-syslog: no\n\
                 \x20 local-zone: \"test.\" nodefault\n\
                 forward-zone:\n  name: \".\"\n  forward-addr: {dns}@53\n"
            ),
        )?;

        // The receiving side's milters.
        let verify_port = free_port([127, 0, 0, 1]);
        let verify_dir = dir.path().join("opendkim-verify");
        std::fs::create_dir_all(&verify_dir).map_err(|e| e.to_string())?;
        let verify_conf = write(
            &verify_dir,
            "opendkim.conf",
            &format!(
                "Syslog yes\nSyslogSuccess yes\nLogWhy yes\nMode v\n\
                 Socket inet:{verify_port}@127.0.0.1\nPidFile {d}/pid\n\
                 AuthservID {AUTHSERV_ID}\n\
                 ResolverConfiguration {unbound}\nInternalHosts 192.0.2.1\nOn-DNSError accept\n\
                 On-BadSignature accept\nOn-KeyNotFound accept\nOn-NoSignature accept\n\
                 AlwaysAddARHeader yes\n",
                d = verify_dir.display()
            ),
        )?;
        stack_milters.push((
            "opendkim (verify)",
            Confined::spawn(&verify_dir, dns, "opendkim", &["-f", "-x", &verify_conf])?,
        ));
        let dmarc_port = free_port([127, 0, 0, 1]);
        let dmarc_dir = dir.path().join("opendmarc");
        std::fs::create_dir_all(&dmarc_dir).map_err(|e| e.to_string())?;
        // OpenDMARC takes the SPF result from policyd-spf's field: its own check (libspf2)
        // says `pass` for any client on 127/8 whatever the record.
        // By default OpenDMARC ignores 127.0.0.1, where all of this stack's mail comes from.
        let ignore = write(&dmarc_dir, "ignore-hosts", "192.0.2.1\n")?;
        let dmarc_conf = write(
            &dmarc_dir,
            "opendmarc.conf",
            &format!(
                "Syslog true\nSocket inet:{dmarc_port}@127.0.0.1\nPidFile {d}/pid\n\
                 AuthservID {AUTHSERV_ID}\nTrustedAuthservIDs {AUTHSERV_ID}\n\
                 IgnoreHosts {ignore}\nSPFSelfValidate false\nSPFIgnoreResults false\n\
                 RejectFailures false\nFailureReports false\nRequiredHeaders false\n",
                d = dmarc_dir.display()
            ),
        )?;
        stack_milters.push((
            "opendmarc",
            Confined::spawn(&dmarc_dir, dns, "opendmarc", &["-f", "-c", &dmarc_conf])?,
        ));
        let sign_port = free_port([127, 0, 0, 1]);
        if options.sign {
            let sign_dir = dir.path().join("opendkim-sign");
            std::fs::create_dir_all(&sign_dir).map_err(|e| e.to_string())?;
            let conf = write(
                &sign_dir,
                "opendkim.conf",
                &format!(
                    "Syslog yes\nSyslogSuccess yes\nLogWhy yes\nMode s\n\
                     Socket inet:{sign_port}@127.0.0.1\nPidFile {d}/pid\n\
                     Domain {SENDER_DOMAIN}\nSelector {SELECTOR}\nKeyFile {key}\n\
                     Canonicalization relaxed/simple\nResolverConfiguration {unbound}\n\
                     RequireSafeKeys false\n",
                    d = sign_dir.display(),
                    key = signing.0.display()
                ),
            )?;
            stack_milters.push((
                "opendkim (sign)",
                Confined::spawn(&sign_dir, dns, "opendkim", &["-f", "-x", &conf])?,
            ));
        }
        for (name, milter) in &mut stack_milters {
            let port = match *name {
                "opendkim (verify)" => verify_port,
                "opendmarc" => dmarc_port,
                _ => sign_port,
            };
            wait_listening(name, milter, port)?;
        }

        // The receiving side's inner Postfix (verdicts, delivery) and Dovecot.
        // policyd-spf checks nothing from 127/8 by default, and rejects on fail: here it
        // only writes its verdict as an Authentication-Results.
        let spf_conf = write(
            dir.path(),
            "policyd-spf.conf",
            &format!(
                "debugLevel = 1\nTestOnly = 1\nHELO_reject = False\nMail_From_reject = False\n\
                 PermError_reject = False\nTempError_Defer = False\nskip_addresses = 192.0.2.1\n\
                 Header_Type = AR\nAuthserv_Id = {AUTHSERV_ID}\nHide_Receiver = Yes\n"
            ),
        )?;
        // The three Postfix instances start at once (each takes seconds): their ports are
        // chosen now, for each to name the next.
        let inner_port = free_port([127, 0, 0, 1]);
        let edge_port = loop {
            match free_port([127, 0, 0, 1]) {
                port if port == inner_port => continue,
                port => break port,
            }
        };
        let inner_config = Config {
            port: Some(inner_port),
            main_cf: format!(
                "myhostname = mail.{MAIL_DOMAIN}\n\
                 smtpd_recipient_restrictions = check_policy_service unix:private/policyd-spf, \
                 permit_mynetworks, reject_unauth_destination\n\
                 policyd-spf_time_limit = 3600\n\
                 smtpd_milters = inet:127.0.0.1:{verify_port}, inet:127.0.0.1:{dmarc_port}\n\
                 milter_default_action = tempfail\n"
            ),
            mailboxes: vec![USER.into()],
            mailbox_folders: vec![(format!("{USER}-junk"), format!("{USER}/.Junk/"))],
            master_cf: format!(
                "policyd-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf {spf_conf}\n"
            ),
            resolver: Some(dns),
            ..Config::default()
        };

        // The receiving side's edge, its MX: header_checks act before any service can add a
        // field, so they are where forged fields claiming the receiver go (policyd-spf's
        // would go too if it ran here), and their REDIRECT would skip the milters. So this
        // Postfix strips the forgeries, files spam (a new recipient, the Junk folder's),
        // and relays all to the inner one, which writes the verdicts.
        let edge_checks = write(
            dir.path(),
            "edge_header_checks",
            &format!(
                "/^Authentication-Results:[[:space:]]*receiver\\.test([[:space:];]|$)/ IGNORE\n\
                 /^Subject:.*{SPAM_MARKER}/ REDIRECT {USER}-junk@{MAIL_DOMAIN}\n"
            ),
        )?;
        let to_inner = format!("smtp:[127.0.0.1]:{inner_port}");
        let edge_config = Config {
            port: Some(edge_port),
            main_cf: format!(
                "myhostname = mx.{MAIL_DOMAIN}\nrelay_domains = {MAIL_DOMAIN}\n\
                 header_checks = regexp:{edge_checks}\n\
                 default_transport = {to_inner}\nrelay_transport = {to_inner}\n\
                 smtp_dns_support_level = disabled\n"
            ),
            master_cf: SMTP_CLIENT.into(),
            ..Config::default()
        };

        // The sending Postfix.
        let forge = format!("/^Subject:.*{FORGE_MARKER}/ PREPEND");
        let sending_checks = write(
            dir.path(),
            "sending_header_checks",
            &format!("{forge} {FORGED_OTHER}\n"),
        )?;
        let sending_smtp_checks = write(
            dir.path(),
            "sending_smtp_header_checks",
            &format!("{forge} {FORGED_OWN}\n"),
        )?;
        let milters = match options.sign {
            true => format!("smtpd_milters = inet:127.0.0.1:{sign_port}\n"),
            false => String::new(),
        };
        let relay = format!("smtp:[127.0.0.1]:{edge_port}");
        let sending_config = Config {
            main_cf: format!(
                "myhostname = mail.{SENDER_DOMAIN}\n{milters}\
                 milter_default_action = tempfail\n\
                 header_checks = regexp:{sending_checks}\n\
                 smtp_header_checks = regexp:{sending_smtp_checks}\n\
                 default_transport = {relay}\nrelay_transport = {relay}\n\
                 smtp_dns_support_level = disabled\n"
            ),
            master_cf: SMTP_CLIENT.into(),
            ..Config::default()
        };
        let (inner, edge, sending) = std::thread::scope(|s| {
            let inner = s.spawn(|| {
                let inner = Postfix::start_with(inner_config)?;
                let dovecot = Dovecot::start_configured(
                    &inner.dir().join("mail"),
                    "postfix",
                    &[(USER, PASSWORD)],
                    None,
                    JUNK_NAMESPACE,
                )?;
                Ok::<_, String>((inner, dovecot))
            });
            let edge = s.spawn(|| Postfix::start_with(edge_config));
            let sending = s.spawn(|| Postfix::start_with(sending_config));
            let join = "a Postfix start panicked";
            (
                inner.join().expect(join),
                edge.join().expect(join),
                sending.join().expect(join),
            )
        });
        let ((inner, dovecot), edge, sending) = (inner?, edge?, sending?);
        Ok(Self {
            sending,
            edge,
            dovecot,
            inner,
            milters: stack_milters,
            knot,
            dir,
        })
    }

    /// The sending Postfix's SMTP port on 127.0.0.1 (plain, no login).
    pub fn smtp_port(&self) -> u16 {
        self.sending.port()
    }

    /// Dovecot's IMAP port on 127.0.0.1 (plain; log in as [`USER`], [`PASSWORD`]).
    pub fn imap_port(&self) -> u16 {
        self.dovecot.imap_port()
    }

    /// Where the stack's DNS server listens (port 53).
    pub fn dns(&self) -> SocketAddrV4 {
        self.knot.address()
    }

    /// The Maildir of `folder`.
    pub fn maildir(&self, folder: Folder) -> PathBuf {
        let mailbox = self.inner.dir().join("mail").join(USER);
        match folder {
            Folder::Inbox => mailbox,
            Folder::Junk => mailbox.join(".Junk"),
        }
    }

    /// The messages in `folder` now, raw.
    pub fn messages(&self, folder: Folder) -> Vec<String> {
        crate::maildir::messages(&self.maildir(folder))
    }

    /// Waits for a message holding `needle` (e.g. its Message-ID) in `folder`; the raw
    /// message, or an error with every log.
    pub fn wait_for_message(&self, folder: Folder, needle: &str) -> Result<String, String> {
        let started = Instant::now();
        loop {
            if let Some(m) = self
                .messages(folder)
                .into_iter()
                .find(|m| m.contains(needle))
            {
                return Ok(m);
            }
            if started.elapsed() > DELIVERY_TIMEOUT {
                return Err(format!(
                    "no message with {needle} in {folder:?} within {DELIVERY_TIMEOUT:?}\n{}",
                    self.logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every daemon's log so far, each under a heading.
    pub fn logs(&self) -> String {
        let mut logs = format!("== knot ==\n{}", self.knot.log());
        for (name, milter) in &self.milters {
            logs.push_str(&format!("== {name} ==\n{}", milter.log()));
        }
        logs.push_str(&format!("== sending postfix ==\n{}", self.sending.log()));
        logs.push_str(&format!("== edge postfix ==\n{}", self.edge.log()));
        logs.push_str(&format!("== inner postfix ==\n{}", self.inner.log()));
        logs.push_str(&format!("== dovecot ==\n{}", self.dovecot.log()));
        logs
    }

    /// The stack's folder (keys, milter configurations).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// The header section of a raw message, each field unfolded onto one line.
pub fn header_fields(message: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for line in message.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        match (line.starts_with([' ', '\t']), fields.last_mut()) {
            (true, Some(last)) => {
                last.push(' ');
                last.push_str(line.trim_start());
            }
            _ => fields.push(line.to_string()),
        }
    }
    fields
}

/// The Authentication-Results fields of a raw message, unfolded, top first.
pub fn authentication_results(message: &str) -> Vec<String> {
    header_fields(message)
        .into_iter()
        .filter(|f| {
            f.split_once(':')
                .is_some_and(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        })
        .collect()
}

/// Sends a message through SMTP on 127.0.0.1:`port` (plain text, no login), with a
/// Message-ID `<message_id>`, From [`FROM`], To [`TO`] and `subject`; the last reply.
pub fn submit(
    port: u16,
    mail_from: &str,
    message_id: &str,
    subject: &str,
) -> Result<String, String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut writer = stream;
    let mut reply = |expect: char| -> Result<String, String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .map_err(|e| format!("read: {e}"))?;
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        match all.starts_with(expect) {
            true => Ok(all),
            false => Err(format!("expected a {expect}xx reply, got {all:?}")),
        }
    };
    reply('2')?;
    let message = format!(
        "From: <{FROM}>\r\nTo: <{TO}>\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\nA test message.\r\n.\r\n"
    );
    let steps: [(String, char); 6] = [
        ("EHLO client.test\r\n".into(), '2'),
        (format!("MAIL FROM:<{mail_from}>\r\n"), '2'),
        (format!("RCPT TO:<{TO}>\r\n"), '2'),
        ("DATA\r\n".into(), '3'),
        (message, '2'),
        ("QUIT\r\n".into(), '2'),
    ];
    let mut last = String::new();
    for (command, expect) in steps {
        writer
            .write_all(command.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        last = reply(expect).map_err(|e| format!("after {:?}: {e}", command.lines().next()))?;
    }
    Ok(last)
}

/// Makes a DKIM key pair named `name` in `dir` with `opendkim-genkey`: the private key's
/// file and the public key's TXT value.
fn dkim_key(dir: &Path, name: &str) -> Result<(PathBuf, String), String> {
    let at = dir.join(name);
    std::fs::create_dir_all(&at).map_err(|e| e.to_string())?;
    let output = Command::new("opendkim-genkey")
        .args(["-b", "2048", "-d", SENDER_DOMAIN, "-s", SELECTOR, "-D"])
        .arg(&at)
        .output()
        .map_err(|_| {
            "opendkim-genkey is not installed: `apt-get install opendkim-tools` (scripts/setup does)"
                .to_string()
        })?;
    if !output.status.success() {
        return Err(format!("opendkim-genkey failed: {output:?}"));
    }
    let txt =
        std::fs::read_to_string(at.join(format!("{SELECTOR}.txt"))).map_err(|e| e.to_string())?;
    // The TXT value is the quoted strings of the record, joined.
    let value: String = txt.split('"').skip(1).step_by(2).collect();
    Ok((at.join(format!("{SELECTOR}.private")), value))
}

/// Whether `program` is on the PATH (or in /usr/sbin, where Debian puts the milters).
fn installed(program: &str) -> bool {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/sbin"])
        .any(|dir| Path::new(dir).join(program).is_file())
}

/// Waits until the milter `name` listens on `port`, failing early if it exits.
fn wait_listening(name: &str, milter: &mut Confined, port: u16) -> Result<(), String> {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        milter.check_running().map_err(|e| format!("{name} {e}"))?;
        if started.elapsed() > START_TIMEOUT {
            return Err(format!(
                "{name} did not listen within {START_TIMEOUT:?}; its log:\n{}",
                milter.log()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Writes `text` to `dir/name`; the path as text.
fn write(dir: &Path, name: &str, text: &str) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
