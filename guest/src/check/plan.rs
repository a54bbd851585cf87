//! From settings to a plan, before any network use: every rule checked, the transport
//! security decoded, the TLS configuration checked (and built at the first handshake), the
//! test email composed. Pure: the time and the randomness it needs are passed in, so it is
//! tested natively.

use crate::check::expect::Expect;
use crate::check::mode::Mode;
use crate::mailbox::imap_dialogue::ImapPlan;
use crate::mailbox::pop3_dialogue::{Pop3Memory, Pop3Plan};
use crate::mailbox::token::{self, Tokens};
use crate::secret::Secret;
use crate::settings::{self, Target};
use crate::smtp::email::{self, Draft};
use crate::smtp::session::StartTls;
use crate::smtp::session::{Agenda, AuthPlan, MailPlan, Transaction};
use crate::tls::dane::Tlsa;
use crate::tls::verifier::{self, DaneRecords, Record};
use crate::wit::{
    Email, ErrorKind, IpVersion, Mailbox, MailboxProtocol, Settings, TlsSettings, TlsVersion,
};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Duration;

/// What the settings call for (`'s`: the settings it was made from).
pub struct Plan<'s> {
    /// What to connect to.
    pub target: Target,
    /// What the server must say beyond answering, its pattern compiled once.
    pub expect: Expect,
    /// The IP versions the connection may use.
    pub ip_version: IpVersion,
    /// How long the whole check may take: the validated timeout, from which the component
    /// sets its deadline.
    pub timeout: Duration,
    /// What the transport-security setting means.
    pub mode: Mode,
    /// The TLS configuration, for every mode that may use TLS.
    pub tls: Option<TlsPlan<'s>>,
    /// What the SMTP dialogue is to do.
    pub agenda: Agenda,
    /// The round trip, when a mailbox is configured.
    pub mailbox: Option<MailboxPlan<'s>>,
}

/// The round trip's mailbox side: where, how secured, and what to look for.
pub struct MailboxPlan<'s> {
    /// IMAP or POP3.
    pub protocol: MailboxProtocol,
    /// What to connect to.
    pub target: Target,
    /// Its port.
    pub port: u16,
    /// What its transport-security setting means.
    pub mode: Mode,
    /// The TLS configuration, for every mode that may use TLS.
    pub tls: Option<TlsPlan<'s>>,
    /// The user name.
    pub user: String,
    /// The password; never in a transcript.
    pub password: Secret,
    /// Plain text is allowed where TLS is only "if available".
    pub allow_plaintext: bool,
    /// This run's token (in the test email's subject and Message-ID), and what tells
    /// test messages, and whose, from other mail.
    pub tokens: Tokens,
    /// The spam folders to look in after INBOX (IMAP); none: the one the server marks.
    pub spam_folders: Option<Vec<String>>,
}

impl MailboxPlan<'_> {
    /// What the IMAP dialogue is to do.
    pub fn imap(&self) -> ImapPlan {
        ImapPlan {
            user: self.user.clone(),
            password: self.password.clone(),
            starttls: self.mode.starttls() != StartTls::Never,
            tls_optional: self.tls_optional(),
            plain_allowed: self.mode == Mode::StartTls(StartTls::IfAvailable),
            tokens: self.tokens.clone(),
            spam_folders: self.spam_folders.clone(),
        }
    }

    /// What one POP3 session is to do, with what earlier ones learned (`memory`).
    pub fn pop3(&self, memory: Pop3Memory) -> Pop3Plan {
        Pop3Plan {
            user: self.user.clone(),
            password: self.password.clone(),
            stls: self.mode.starttls() != StartTls::Never,
            tls_optional: self.tls_optional(),
            tokens: self.tokens.clone(),
            memory,
        }
    }

    /// A refused STARTTLS (STLS) may go on in plain text: only in `starttls-if-available`,
    /// and only when the password may travel in plain text.
    fn tls_optional(&self) -> bool {
        self.mode == Mode::StartTls(StartTls::IfAvailable) && self.allow_plaintext
    }

    /// A failed implicit-TLS handshake may fall back to plain text (the core's rule, and
    /// only when the password may travel in plain text).
    pub fn falls_back_after(&self, server_first_bytes: &[u8]) -> bool {
        self.allow_plaintext && self.mode.falls_back_after(server_first_bytes)
    }
}

/// How to run a TLS handshake, and where the verifier records what it saw.
pub struct TlsPlan<'s> {
    /// The settings the client configuration is made from (checked when the plan was made).
    settings: Cow<'s, TlsSettings>,
    /// DANE's records, which verify the certificate instead of the roots when given.
    dane: Option<DaneRecords>,
    /// The settings' trusted certificates, read when the plan was made.
    trusted: Arc<RootCertStore>,
    /// The client configuration (roots, verifier, protocol versions), made at the first
    /// handshake: a probe that waits for a banner, or fails before TLS, makes none (it
    /// was about 16 KiB of each probe's memory).
    config: OnceCell<Arc<ClientConfig>>,
    /// The name the certificate must match (and the SNI).
    pub name: ServerName<'static>,
    /// What the verifier saw.
    pub record: Record,
    /// The oldest TLS version offered, for the words of a failed handshake.
    pub min_version: TlsVersion,
}

/// The plan for `settings`, or why there is none (`invalid-settings`, named as the contract
/// names the field). `now` (Unix seconds) dates the test email; `random` makes its
/// Message-ID.
pub fn prepare(settings: &Settings, now: i64, random: [u8; 16]) -> Result<Plan<'_>, ErrorKind> {
    let invalid = |e: settings::SettingError| ErrorKind::InvalidSettings(e.to_string());
    let valid = settings::settings(&settings.into()).map_err(invalid)?;
    let mode = Mode::of(settings.security);
    let auth = settings.authentication.as_ref().map(|auth| AuthPlan {
        user: auth.user.clone(),
        password: Secret::new(auth.password.clone()),
        mechanism: auth.mechanism,
        allow_plaintext: auth.allow_plaintext,
    });
    let relay_probe = settings.relay_probe.as_ref().map(|probe| MailPlan {
        from: probe.from.clone(),
        to: vec![probe.to.clone()],
        transaction: Transaction::RelayProbe,
    });
    let mailbox = match (&settings.mailbox, valid.mailbox) {
        (Some(mailbox), Some(target)) => {
            // The run has certainly ended by its timeout plus the clean-up's grace.
            let longest = u64::from(settings.timeout_seconds)
                + crate::limits::MAILBOX_CLEANUP_GRACE_MS.div_ceil(1000);
            Some(mailbox_plan(mailbox, target, now, longest, random)?)
        }
        _ => None,
    };
    let mail = settings
        .email
        .as_ref()
        .map(|email| match &mailbox {
            // The token goes in the subject and the Message-ID, where the mailbox search looks.
            Some(mailbox) => {
                let with_token = Email {
                    subject: tokened_subject(&email.subject, &mailbox.tokens.own),
                    ..email.clone()
                };
                compose(&with_token, &mailbox.tokens.own, &settings.helo, now)
            }
            None => compose(email, &hex(&random), &settings.helo, now),
        })
        .or(relay_probe);
    let agenda = Agenda {
        helo: settings.helo.clone(),
        starttls: mode.starttls(),
        encrypted: false,
        auth,
        mail,
    };
    let tls = tls_plan(mode, &settings.host, &settings.tls, None)?;
    Ok(Plan {
        target: valid.target,
        expect: Expect::checked(valid.banner, &settings.expect)
            .requiring_auth(settings.mailbox.as_ref().map_or(&[], |m| &m.expect_auth)),
        ip_version: settings.ip_version,
        timeout: Duration::from_secs(u64::from(settings.timeout_seconds)),
        mode,
        tls,
        agenda,
        mailbox,
    })
}

impl TlsPlan<'_> {
    /// The plan of a connection to `host` with `settings`, verified by `dane`'s records when
    /// given; refused as the configuration would be.
    fn new<'t>(
        host: &str,
        settings: Cow<'t, TlsSettings>,
        dane: Option<DaneRecords>,
    ) -> Result<TlsPlan<'t>, ErrorKind> {
        let trusted = verifier::trusted_roots(&settings)?;
        Ok(TlsPlan {
            trusted,
            name: verifier::server_name(host, settings.server_name.as_deref())?,
            record: Record::default(),
            min_version: settings.min_version,
            config: OnceCell::new(),
            settings,
            dane,
        })
    }

    /// The client configuration, made the first time it is asked for.
    pub fn config(&self) -> Result<Arc<ClientConfig>, ErrorKind> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        let config = verifier::client_config(
            &self.settings,
            Arc::clone(&self.trusted),
            self.dane.clone(),
            self.record.clone(),
        )?;
        Ok(self.config.get_or_init(|| config).clone())
    }
}

/// The TLS plan of a connection to `host` in `mode`, when the mode may use TLS, verified
/// by `dane`'s records when given.
fn tls_plan<'s>(
    mode: Mode,
    host: &str,
    settings: &'s TlsSettings,
    dane: Option<DaneRecords>,
) -> Result<Option<TlsPlan<'s>>, ErrorKind> {
    if !mode.may_use_tls() {
        return Ok(None);
    }
    TlsPlan::new(host, Cow::Borrowed(settings), dane).map(Some)
}

/// The TLS plan of the host check of `settings` when DANE is in force: its certificate
/// verified by `records` (the usable records of a secure TLSA answer), as a DANE sender
/// verifies it, in place of the CA roots.
pub fn dane_tls_plan(
    settings: &Settings,
    records: Vec<Tlsa>,
) -> Result<Option<TlsPlan<'_>>, ErrorKind> {
    let dane = DaneRecords {
        records,
        name: crate::settings::canonical_host(&settings.host),
    };
    tls_plan(
        Mode::of(settings.security),
        &settings.host,
        &settings.tls,
        Some(dane),
    )
}

/// The TLS plan of an MTA-STS policy fetch from `policy_host`: the check's roots
/// (`settings`' trusted certificates and built-in roots), always verified, whatever
/// `settings.verify` says (RFC 8461 3.3: a policy host's certificate must be valid).
pub fn policy_tls_plan(
    policy_host: &str,
    settings: &TlsSettings,
) -> Result<TlsPlan<'static>, ErrorKind> {
    let verified = TlsSettings {
        verify: true,
        server_name: None,
        min_version: crate::wit::TlsVersion::Tls12,
        ..settings.clone()
    };
    TlsPlan::new(policy_host, Cow::Owned(verified), None)
}

/// The round trip's mailbox plan for a run that starts at `now` (Unix seconds) and ends
/// within `longest` seconds; `random` makes the token.
fn mailbox_plan(
    mailbox: &Mailbox,
    target: Target,
    now: i64,
    longest: u64,
    random: [u8; 16],
) -> Result<MailboxPlan<'_>, ErrorKind> {
    let mode = Mode::of(mailbox.security);
    Ok(MailboxPlan {
        protocol: mailbox.protocol,
        target,
        port: mailbox.port,
        mode,
        tls: tls_plan(mode, &mailbox.host, &mailbox.tls, None)?,
        user: mailbox.user.clone(),
        password: Secret::new(mailbox.password.clone()),
        allow_plaintext: mailbox.allow_plaintext,
        tokens: Tokens {
            prefix: mailbox.token_prefix.clone(),
            own: token::make(&mailbox.token_prefix, now, longest, &random),
            now,
        },
        spam_folders: mailbox.spam_folders.clone(),
    })
}

/// The test email's subject with the round trip's token after it.
fn tokened_subject(subject: &str, token: &str) -> String {
    if subject.is_empty() {
        token.to_string()
    } else {
        format!("{subject} {token}")
    }
}

/// Bytes in hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The test email: dated `now`, with the Message-ID `<id@domain>`, the domain the HELO's.
fn compose(email: &Email, id: &str, helo: &str, now: i64) -> MailPlan {
    let domain = match settings::host(helo) {
        Ok(Target::Name(name)) => name,
        _ => "smtp-sensor.invalid".to_string(),
    };
    let message_id = format!("{id}@{domain}");
    let draft = Draft {
        from: &email.from,
        to: &email.to,
        subject: &email.subject,
        body: &email.content,
        date: now,
        message_id: &message_id,
    };
    MailPlan {
        from: email.from.clone(),
        to: email.to.clone(),
        transaction: if email.send_data {
            Transaction::Deliver(email::compose(&draft))
        } else {
            Transaction::Envelope
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::session::StartTls;
    use crate::testing::settings;
    use crate::wit::TransportSecurity;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn plain_needs_no_tls_and_starttls_does() {
        let mut plain = settings("127.0.0.1", TransportSecurity::None);
        let plan = prepare(&plain, NOW, [0; 16]).unwrap();
        assert!(plan.tls.is_none());
        assert_eq!(plan.target, Target::Address([127, 0, 0, 1].into()));
        assert_eq!(plan.agenda.starttls, StartTls::Never);
        plain.security = TransportSecurity::Starttls;
        let plan = prepare(&plain, NOW, [0; 16]).unwrap();
        assert_eq!(plan.agenda.starttls, StartTls::Required);
        assert!(plan.tls.is_some());
        let implicit = settings("mail.example.com", TransportSecurity::TlsIfAvailable);
        let plan = prepare(&implicit, NOW, [0; 16]).unwrap();
        assert_eq!(plan.mode, Mode::ImplicitTls { fallback: true });
        assert_eq!(plan.target, Target::Name("mail.example.com".into()));
    }

    #[test]
    fn the_contracts_rules_are_checked_first() {
        let mut bad = settings("127.0.0.1", TransportSecurity::Tls);
        bad.tls.certificate_critical_days = 30;
        match prepare(&bad, NOW, [0; 16]) {
            Err(ErrorKind::InvalidSettings(text)) => {
                assert!(text.contains("tls.certificate-critical-days"), "{text}")
            }
            other => panic!("{:?}", other.err()),
        }
        // The deadline's timeout comes from settings that passed, and only from them.
        let mut out_of_range = settings("127.0.0.1", TransportSecurity::None);
        out_of_range.timeout_seconds = 0;
        assert!(prepare(&out_of_range, NOW, [0; 16]).is_err());
        out_of_range.timeout_seconds = 7;
        let plan = prepare(&out_of_range, NOW, [0; 16]).unwrap();
        assert_eq!(plan.timeout, std::time::Duration::from_secs(7));
        let mut garbage_ca = settings("127.0.0.1", TransportSecurity::Tls);
        garbage_ca.tls.trusted_certificates = vec![b"not a certificate".to_vec()];
        assert!(matches!(
            prepare(&garbage_ca, NOW, [0; 16]),
            Err(ErrorKind::InvalidSettings(_))
        ));
    }

    #[test]
    fn the_test_email_is_dated_and_identified_from_what_is_passed_in() {
        let mut with_mail = settings("127.0.0.1", TransportSecurity::None);
        with_mail.email = Some(Email {
            from: "probe@example.com".into(),
            to: vec!["a@example.com".into()],
            subject: "hello".into(),
            content: "body".into(),
            send_data: true,
        });
        let plan = prepare(&with_mail, NOW, [0xab; 16]).unwrap();
        let mail = plan.agenda.mail.unwrap();
        let Transaction::Deliver(message) = mail.transaction else {
            panic!("a message to deliver")
        };
        let text = String::from_utf8(message).unwrap();
        assert!(
            text.contains(&format!("Message-ID: <{}@probe.example>", "ab".repeat(16))),
            "{text}"
        );
        assert!(
            text.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"),
            "{text}"
        );
        assert_eq!(mail.to, ["a@example.com"]);
    }

    #[test]
    fn envelope_and_relay_probes_send_no_message() {
        let mut envelope = settings("127.0.0.1", TransportSecurity::None);
        envelope.email = Some(Email {
            from: "probe@example.com".into(),
            to: vec!["a@example.com".into()],
            subject: String::new(),
            content: String::new(),
            send_data: false,
        });
        let mail = prepare(&envelope, NOW, [0; 16])
            .unwrap()
            .agenda
            .mail
            .unwrap();
        assert_eq!(mail.transaction, Transaction::Envelope);
        let mut relay = settings("127.0.0.1", TransportSecurity::None);
        relay.relay_probe = Some(crate::wit::RelayProbe {
            from: "stranger@outside.example".into(),
            to: "someone@elsewhere.example".into(),
        });
        let mail = prepare(&relay, NOW, [0; 16]).unwrap().agenda.mail.unwrap();
        assert_eq!(mail.transaction, Transaction::RelayProbe);
        assert_eq!(mail.to, ["someone@elsewhere.example"]);
    }
}
