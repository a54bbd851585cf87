//! From settings to a plan, before any network use: every rule checked, the transport
//! security decoded, the TLS configuration built, the test email composed. Pure: the time
//! and the randomness it needs are passed in, so it is tested natively.

use crate::email::{self, Draft};
use crate::expect::Expect;
use crate::mode::Mode;
use crate::secret::Secret;
use crate::session::{Agenda, AuthPlan, MailPlan, Transaction};
use crate::tls::verifier::{self, Record};
use crate::validate::{self, Target};
use crate::wit::{Email, ErrorKind, IpVersion, Settings, TlsVersion};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;

/// What the settings call for.
pub struct Plan {
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
    pub tls: Option<TlsPlan>,
    /// What the SMTP dialogue is to do.
    pub agenda: Agenda,
}

/// How to run a TLS handshake, and where the verifier records what it saw.
pub struct TlsPlan {
    /// The client configuration (roots, verifier, protocol versions).
    pub config: Arc<ClientConfig>,
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
pub fn prepare(settings: &Settings, now: i64, random: [u8; 16]) -> Result<Plan, ErrorKind> {
    let invalid = |e: validate::SettingError| ErrorKind::InvalidSettings(e.to_string());
    let valid = validate::settings(&settings.into()).map_err(invalid)?;
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
    let mail = settings
        .email
        .as_ref()
        .map(|email| compose(email, &settings.helo, now, random))
        .or(relay_probe);
    let agenda = Agenda {
        helo: settings.helo.clone(),
        starttls: mode.starttls(),
        encrypted: false,
        auth,
        mail,
    };
    let tls = if mode.may_use_tls() {
        let (config, record) = verifier::client_config(&settings.tls)?;
        let name = verifier::server_name(&settings.host, settings.tls.server_name.as_deref())?;
        Some(TlsPlan {
            config,
            name,
            record,
            min_version: settings.tls.min_version,
        })
    } else {
        None
    };
    Ok(Plan {
        target: valid.target,
        expect: Expect::checked(valid.banner, &settings.expect),
        ip_version: settings.ip_version,
        timeout: Duration::from_secs(u64::from(settings.timeout_seconds)),
        mode,
        tls,
        agenda,
    })
}

/// The test email: dated `now`, with a Message-ID from `random` at the HELO's domain.
fn compose(email: &Email, helo: &str, now: i64, random: [u8; 16]) -> MailPlan {
    let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let domain = match validate::host(helo) {
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
    use crate::session::StartTls;
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
