//! The session's tests: scripted servers, and the bytes the client sends in answer.

use super::*;

const MS: Duration = Duration::from_millis(1);

/// Drives a session through a scripted server: each step is what the server says, and
/// the test checks what the client sent in answer.
struct Harness {
    session: Session,
    now: Duration,
}

impl Harness {
    fn new() -> Self {
        Self::with(StartTls::Never)
    }

    fn with(starttls: StartTls) -> Self {
        Self::plan(Agenda::greet("probe.example", starttls))
    }

    fn plan(plan: Agenda) -> Self {
        let session = Session::new(plan, Journal::new(true), Duration::ZERO);
        Self {
            session,
            now: Duration::ZERO,
        }
    }

    /// The server says `text`; returns what the client sent in answer.
    fn server(&mut self, text: &str) -> String {
        self.now += MS;
        self.session.handle_input(self.now, text.as_bytes());
        let sent = self.session.poll_transmit().unwrap_or_default();
        String::from_utf8(sent).unwrap()
    }

    fn outcome(self) -> Outcome {
        self.session.into_outcome()
    }
}

#[test]
fn healthy_server() {
    let mut h = Harness::new();
    assert_eq!(
        h.server("220-mail.example ESMTP\r\n220 welcome\r\n"),
        "EHLO probe.example\r\n"
    );
    assert_eq!(
        h.server("250-mail.example\r\n250-PIPELINING\r\n250 starttls\r\n"),
        "QUIT\r\n"
    );
    assert_eq!(
        h.session.timeout_at(),
        Some(2 * MS + Duration::from_millis(QUIT_GRACE_MS))
    );
    assert_eq!(h.server("221 bye\r\n"), "");
    assert!(h.session.is_closed());
    let outcome = h.outcome();
    assert_eq!(outcome.verdict, Ok(()));
    assert_eq!(outcome.verdict_at, 2 * MS);
    assert_eq!(
        outcome.banner.unwrap().lines,
        ["mail.example ESMTP", "welcome"]
    );
    assert_eq!(outcome.last_reply.unwrap().code, 221);
    let keywords: Vec<_> = outcome
        .capabilities
        .iter()
        .map(|c| c.keyword.as_str())
        .collect();
    assert_eq!(keywords, ["PIPELINING", "STARTTLS"]);
    let (timings, transcript) = outcome.journal.into_parts();
    let phases: Vec<_> = timings.iter().map(|t| (t.phase, t.milliseconds)).collect();
    assert_eq!(
        phases,
        [(Phase::Banner, 1.0), (Phase::Ehlo, 1.0), (Phase::Quit, 1.0)]
    );
    let texts: Vec<_> = transcript.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "220-mail.example ESMTP",
            "220 welcome",
            "EHLO probe.example",
            "250-mail.example",
            "250-PIPELINING",
            "250 starttls",
            "QUIT",
            "221 bye"
        ]
    );
}

#[test]
fn ehlo_refused_falls_back_to_helo() {
    for code in ["500", "502"] {
        let mut h = Harness::new();
        h.server("220 old.example\r\n");
        assert_eq!(
            h.server(&format!("{code} what?\r\n")),
            "HELO probe.example\r\n"
        );
        assert_eq!(h.server("250 old.example\r\n"), "QUIT\r\n");
        let outcome = h.outcome();
        assert_eq!(outcome.verdict, Ok(()));
        assert!(outcome.capabilities.is_empty());
    }
}

#[test]
fn helo_refused_is_down_with_the_reply() {
    let mut h = Harness::new();
    h.server("220 old.example\r\n");
    h.server("502 no EHLO\r\n");
    assert_eq!(h.server("550 5.7.1 go away\r\n"), "QUIT\r\n");
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Ehlo);
    let ErrorKind::UnexpectedReply(reply) = failure.kind else {
        panic!()
    };
    assert_eq!(reply.code, 550);
    assert_eq!(reply.lines, ["5.7.1 go away"]);
}

#[test]
fn ehlo_refused_otherwise_is_down() {
    let mut h = Harness::new();
    h.server("220 mail.example\r\n");
    assert_eq!(h.server("451 4.3.0 try later\r\n"), "QUIT\r\n");
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Ehlo);
    assert!(matches!(
        failure.kind,
        ErrorKind::UnexpectedReply(Reply { code: 451, .. })
    ));
}

#[test]
fn banner_554_is_down_and_quits() {
    let mut h = Harness::new();
    assert_eq!(h.server("554 5.3.2 no service for you\r\n"), "QUIT\r\n");
    h.server("221 bye\r\n");
    let outcome = h.outcome();
    let failure = outcome.verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Banner);
    assert!(matches!(
        failure.kind,
        ErrorKind::UnexpectedReply(Reply { code: 554, .. })
    ));
    assert_eq!(outcome.banner.unwrap().code, 554);
}

#[test]
fn banner_421_closes_without_quit() {
    let mut h = Harness::new();
    assert_eq!(h.server("421 4.3.2 shutting down\r\n"), "");
    assert!(h.session.is_closed());
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Banner);
}

#[test]
fn quit_problems_do_not_change_the_verdict() {
    let mut h = Harness::new();
    h.server("220 mail.example\r\n");
    h.server("250 mail.example\r\n");
    h.now += MS;
    h.session.handle_timeout(h.now);
    assert_eq!(h.outcome().verdict, Ok(()));

    let mut h = Harness::new();
    h.server("220 mail.example\r\n");
    h.server("250 mail.example\r\n");
    h.session.handle_close(h.now, "eof");
    assert_eq!(h.outcome().verdict, Ok(()));

    let mut h = Harness::new();
    h.server("220 mail.example\r\n");
    h.server("250 mail.example\r\n");
    h.server("500 what\r\n");
    assert_eq!(h.outcome().verdict, Ok(()));
}

#[test]
fn timeout_and_close_are_failures_of_their_phase() {
    let mut h = Harness::new();
    h.session.handle_timeout(5 * MS);
    let outcome = h.outcome();
    assert_eq!(
        outcome.verdict.unwrap_err(),
        Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout
        }
    );
    let (timings, _) = outcome.journal.into_parts();
    assert_eq!(timings[0].phase, Phase::Banner);
    assert_eq!(timings[0].milliseconds, 5.0);

    let mut h = Harness::new();
    h.server("220 mail.example\r\n");
    h.server("250-mail.example\r\n250-PIPE");
    h.session.handle_close(h.now, "eof");
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(
        failure,
        Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ConnectionClosed
        }
    );
}

#[test]
fn malformed_reply_is_a_protocol_violation_with_the_words() {
    let mut h = Harness::new();
    assert_eq!(h.server("SSH-2.0-OpenSSH_9.2\r\n"), "");
    assert!(h.session.is_closed());
    let failure = h.outcome().verdict.unwrap_err();
    let ErrorKind::ProtocolViolation(what) = failure.kind else {
        panic!()
    };
    assert!(what.contains("SSH-2.0-OpenSSH_9.2"), "{what}");
}

#[test]
fn reply_out_of_turn_is_a_protocol_violation() {
    let mut h = Harness::new();
    assert_eq!(h.server("220 hi\r\n250 unasked\r\n"), "");
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Ehlo);
    let ErrorKind::ProtocolViolation(what) = failure.kind else {
        panic!()
    };
    assert!(what.contains("before the check's command"), "{what}");
}

#[test]
fn overlong_line_is_a_protocol_violation() {
    let mut h = Harness::new();
    let long = "2".repeat(70_000);
    h.server(&long);
    assert!(h.session.is_closed());
    let failure = h.outcome().verdict.unwrap_err();
    assert!(
        matches!(failure.kind, ErrorKind::ProtocolViolation(ref w) if w.contains("longer than"))
    );
}

#[test]
fn input_after_close_is_ignored() {
    let mut h = Harness::new();
    h.server("421 bye\r\n");
    h.server("220 late\r\n");
    assert_eq!(h.outcome().banner.unwrap().code, 421);
}

const EHLO_WITH_STARTTLS: &str = "250-mail.example\r\n250-PIPELINING\r\n250 starttls\r\n";

#[test]
fn starttls_upgrades_then_greets_again_and_forgets_old_capabilities() {
    let mut h = Harness::with(StartTls::Required);
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_WITH_STARTTLS), "STARTTLS\r\n");
    assert_eq!(h.server("220 2.0.0 go ahead\r\n"), "");
    assert!(h.session.wants_tls());
    assert_eq!(h.session.phase(), Phase::TlsHandshake);
    h.now += MS;
    h.session.handle_tls_established(h.now);
    assert_eq!(
        h.session.poll_transmit().unwrap(),
        b"EHLO probe.example\r\n"
    );
    assert!(
        h.session.capabilities.is_empty(),
        "plain-text capabilities are forgotten"
    );
    assert_eq!(
        h.server("250-mail.example\r\n250 AUTH PLAIN\r\n"),
        "QUIT\r\n"
    );
    let outcome = h.outcome();
    assert_eq!(outcome.verdict, Ok(()));
    assert_eq!(outcome.warning, None);
    let keywords: Vec<_> = outcome
        .capabilities
        .iter()
        .map(|c| c.keyword.as_str())
        .collect();
    assert_eq!(keywords, ["AUTH"]);
    let (timings, _) = outcome.journal.into_parts();
    let phases: Vec<_> = timings.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Banner,
            Phase::Ehlo,
            Phase::Starttls,
            Phase::TlsHandshake,
            Phase::EhloAfterTls
        ]
    );
}

#[test]
fn a_reply_while_the_handshake_is_due_fails_the_check() {
    let mut h = Harness::with(StartTls::Required);
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_WITH_STARTTLS), "STARTTLS\r\n");
    assert_eq!(h.server("220 2.0.0 go ahead\r\n"), "");
    assert!(h.session.wants_tls());
    h.server("250 out of turn\r\n");
    assert!(h.session.is_closed());
    // Caught as out of turn before the state is consulted; the state's own branch is an
    // error too, never a silent success.
    match h.outcome().verdict.unwrap_err().kind {
        ErrorKind::ProtocolViolation(why) => assert!(why.contains("(250)"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn starttls_not_offered() {
    let mut h = Harness::with(StartTls::Required);
    h.server("220 mail.example\r\n");
    assert_eq!(
        h.server("250-mail.example\r\n250 PIPELINING\r\n"),
        "QUIT\r\n"
    );
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(
        failure,
        Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::TlsNotOffered
        }
    );

    let mut h = Harness::with(StartTls::IfAvailable);
    h.server("220 mail.example\r\n");
    assert_eq!(
        h.server("250-mail.example\r\n250 PIPELINING\r\n"),
        "QUIT\r\n"
    );
    let outcome = h.outcome();
    assert_eq!(outcome.verdict, Ok(()));
    let warning = outcome.warning.unwrap();
    assert_eq!(
        warning,
        Failure {
            phase: Phase::Starttls,
            kind: ErrorKind::TlsNotOffered
        }
    );
}

#[test]
fn starttls_not_offered_after_helo_fallback() {
    let mut h = Harness::with(StartTls::Required);
    h.server("220 old.example\r\n");
    h.server("502 no\r\n");
    assert_eq!(h.server("250 old.example\r\n"), "QUIT\r\n");
    assert_eq!(
        h.outcome().verdict.unwrap_err().kind,
        ErrorKind::TlsNotOffered
    );
}

#[test]
fn starttls_refused() {
    let mut h = Harness::with(StartTls::Required);
    h.server("220 mail.example\r\n");
    h.server(EHLO_WITH_STARTTLS);
    assert_eq!(h.server("454 4.7.0 TLS not available\r\n"), "QUIT\r\n");
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Starttls);
    assert!(matches!(
        failure.kind,
        ErrorKind::UnexpectedReply(Reply { code: 454, .. })
    ));

    let mut h = Harness::with(StartTls::IfAvailable);
    h.server("220 mail.example\r\n");
    h.server(EHLO_WITH_STARTTLS);
    assert_eq!(h.server("454 4.7.0 TLS not available\r\n"), "QUIT\r\n");
    let outcome = h.outcome();
    assert_eq!(outcome.verdict, Ok(()));
    assert!(matches!(
        outcome.warning.unwrap().kind,
        ErrorKind::UnexpectedReply(Reply { code: 454, .. })
    ));
}

#[test]
fn plain_text_injected_after_starttls_220_is_refused() {
    for injected in ["250 injected\r\n", "250-half"] {
        let mut h = Harness::with(StartTls::Required);
        h.server("220 mail.example\r\n");
        h.server(EHLO_WITH_STARTTLS);
        let sent = h.server(&format!("220 go ahead\r\n{injected}"));
        assert_eq!(sent, "", "no QUIT over a connection that cannot be trusted");
        assert!(!h.session.wants_tls(), "no handshake after an injection");
        assert!(h.session.is_closed());
        let failure = h.outcome().verdict.unwrap_err();
        let ErrorKind::ProtocolViolation(what) = failure.kind else {
            panic!()
        };
        assert!(what.contains("injection"), "{what}");
    }
}

#[test]
fn tls_failure_after_starttls_is_down() {
    let mut h = Harness::with(StartTls::IfAvailable);
    h.server("220 mail.example\r\n");
    h.server(EHLO_WITH_STARTTLS);
    h.server("220 go ahead\r\n");
    h.session
        .handle_tls_failed(h.now, ErrorKind::TlsFailed("alert".into()));
    assert!(h.session.is_closed());
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::TlsHandshake);
}

fn auth_plan(mechanism: Option<AuthMechanism>, allow_plaintext: bool) -> AuthPlan {
    AuthPlan {
        user: "user".into(),
        password: Secret::new("pass"),
        mechanism,
        allow_plaintext,
    }
}

fn mail_plan(to: &[&str]) -> MailPlan {
    MailPlan {
        from: "probe@example.com".into(),
        to: to.iter().map(|s| s.to_string()).collect(),
        transaction: Transaction::Deliver(b"Subject: t\r\n\r\n.dot\r\n".to_vec()),
    }
}

/// A plan over implicit TLS (so AUTH is allowed) with this auth and mail.
fn tls_plan(auth: Option<AuthPlan>, mail: Option<MailPlan>) -> Agenda {
    Agenda {
        encrypted: true,
        auth,
        mail,
        ..Agenda::greet("probe.example", StartTls::Never)
    }
}

const EHLO_AUTH: &str = "250-mail.example\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 SMTPUTF8\r\n";

#[test]
fn login_then_send_then_quit() {
    let mut h = Harness::plan(tls_plan(
        Some(auth_plan(None, false)),
        Some(mail_plan(&["a@x.example", "b@x.example"])),
    ));
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_AUTH), "AUTH CRAM-MD5\r\n");
    let answer = h.server("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
    assert!(answer.ends_with("\r\n") && !answer.contains("pass"));
    assert_eq!(
        h.server("235 2.7.0 ok\r\n"),
        "MAIL FROM:<probe@example.com>\r\n"
    );
    assert_eq!(h.server("250 ok\r\n"), "RCPT TO:<a@x.example>\r\n");
    assert_eq!(h.server("250 ok\r\n"), "RCPT TO:<b@x.example>\r\n");
    assert_eq!(h.server("251 will forward\r\n"), "DATA\r\n");
    assert_eq!(h.server("354 go\r\n"), "Subject: t\r\n\r\n..dot\r\n.\r\n");
    assert_eq!(h.server("250 2.0.0 queued\r\n"), "QUIT\r\n");
    let outcome = h.outcome();
    assert_eq!(outcome.verdict, Ok(()));
    assert_eq!(outcome.recipients.len(), 2);
    assert_eq!(outcome.recipients[1].reply.code, 251);
    assert_eq!(outcome.send_time, Some(5 * MS));
    let (timings, transcript) = outcome.journal.into_parts();
    let phases: Vec<_> = timings.iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Banner,
            Phase::Ehlo,
            Phase::Auth,
            Phase::MailFrom,
            Phase::RcptTo,
            Phase::Data
        ]
    );
    let texts: Vec<_> = transcript.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(&"[redacted]") && texts.contains(&".dot"));
}

#[test]
fn credentials_never_sent_in_plain_text() {
    let plan = Agenda {
        auth: Some(auth_plan(None, false)),
        ..Agenda::greet("probe.example", StartTls::Never)
    };
    let mut h = Harness::plan(plan);
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_AUTH), "QUIT\r\n");
    assert_eq!(
        h.outcome().verdict.unwrap_err(),
        Failure {
            phase: Phase::Auth,
            kind: ErrorKind::PlaintextAuthRefused
        }
    );

    let plan = Agenda {
        auth: Some(auth_plan(Some(AuthMechanism::Plain), true)),
        ..Agenda::greet("probe.example", StartTls::Never)
    };
    let mut h = Harness::plan(plan);
    h.server("220 mail.example\r\n");
    assert_eq!(
        h.server(EHLO_AUTH),
        "AUTH PLAIN AHVzZXIAcGFzcw==\r\n",
        "allowed explicitly"
    );
}

#[test]
fn auth_after_starttls_counts_as_encrypted() {
    let plan = Agenda {
        auth: Some(auth_plan(Some(AuthMechanism::Login), false)),
        ..Agenda::greet("probe.example", StartTls::Required)
    };
    let mut h = Harness::plan(plan);
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_WITH_STARTTLS), "STARTTLS\r\n");
    h.server("220 go\r\n");
    h.session.handle_tls_established(h.now);
    h.session.poll_transmit();
    assert_eq!(h.server(EHLO_AUTH), "AUTH LOGIN\r\n");
}

#[test]
fn wrong_password_is_down_with_the_reply() {
    let mut h = Harness::plan(tls_plan(
        Some(auth_plan(Some(AuthMechanism::Plain), false)),
        None,
    ));
    h.server("220 mail.example\r\n");
    h.server(EHLO_AUTH);
    assert_eq!(
        h.server("535 5.7.8 Authentication credentials invalid\r\n"),
        "QUIT\r\n"
    );
    let failure = h.outcome().verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::Auth);
    assert!(matches!(
        failure.kind,
        ErrorKind::AuthFailed(Reply { code: 535, .. })
    ));
}

#[test]
fn no_auth_offered() {
    let mut h = Harness::plan(tls_plan(Some(auth_plan(None, false)), None));
    h.server("220 mail.example\r\n");
    assert_eq!(h.server("250 mail.example\r\n"), "QUIT\r\n");
    let failure = h.outcome().verdict.unwrap_err();
    assert!(matches!(failure.kind, ErrorKind::AuthUnavailable(ref w) if w.contains("no AUTH")));
}

#[test]
fn endless_challenges_hang_up() {
    let mut h = Harness::plan(tls_plan(
        Some(auth_plan(Some(AuthMechanism::Login), false)),
        None,
    ));
    h.server("220 mail.example\r\n");
    h.server(EHLO_AUTH);
    for _ in 0..10 {
        h.server("334 again\r\n");
    }
    assert!(h.session.is_closed());
    assert!(matches!(
        h.outcome().verdict.unwrap_err().kind,
        ErrorKind::ProtocolViolation(_)
    ));
}

#[test]
fn partial_recipient_refusal_is_down_with_every_reply() {
    let mut h = Harness::plan(tls_plan(
        None,
        Some(mail_plan(&["ok@x.example", "no@x.example"])),
    ));
    h.server("220 mail.example\r\n");
    h.server(EHLO_AUTH);
    h.server("250 ok\r\n");
    h.server("250 ok\r\n");
    assert_eq!(
        h.server("550 5.1.1 <no@x.example>: unknown\r\n"),
        "QUIT\r\n"
    );
    let outcome = h.outcome();
    let failure = outcome.verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::RcptTo);
    assert!(matches!(
        failure.kind,
        ErrorKind::UnexpectedReply(Reply { code: 550, .. })
    ));
    assert_eq!(outcome.recipients.len(), 2);
}

#[test]
fn data_refused() {
    let mut h = Harness::plan(tls_plan(None, Some(mail_plan(&["a@x.example"]))));
    h.server("220 mail.example\r\n");
    h.server(EHLO_AUTH);
    h.server("250 ok\r\n");
    h.server("250 ok\r\n");
    assert_eq!(h.server("554 5.5.1 no valid recipients\r\n"), "QUIT\r\n");
    assert_eq!(h.outcome().verdict.unwrap_err().phase, Phase::Data);
}

#[test]
fn smtputf8_needed_but_not_offered() {
    let mut mail = mail_plan(&["jörg@x.example"]);
    mail.from = "probe@example.com".into();
    let mut h = Harness::plan(tls_plan(None, Some(mail)));
    h.server("220 mail.example\r\n");
    assert_eq!(h.server("250 mail.example\r\n"), "QUIT\r\n");
    let failure = h.outcome().verdict.unwrap_err();
    assert!(matches!(failure.kind, ErrorKind::NotSupported(ref w) if w.contains("SMTPUTF8")));

    let mut h = Harness::plan(tls_plan(None, Some(mail_plan(&["jörg@x.example"]))));
    h.server("220 mail.example\r\n");
    assert_eq!(
        h.server(EHLO_AUTH),
        "MAIL FROM:<probe@example.com> SMTPUTF8\r\n"
    );
}

#[test]
fn a_server_quoting_the_credentials_back_never_puts_them_in_the_result() {
    // A server that repeats what it did not understand, with the AUTH line's base64 in it,
    // and then the password itself in a line that is not a reply at all.
    let plan = tls_plan(
        Some(AuthPlan {
            password: Secret::new("hunter2-secret"),
            ..auth_plan(Some(AuthMechanism::Plain), false)
        }),
        None,
    );
    let mut h = Harness::plan(plan);
    h.server("220 mail.example\r\n");
    let auth = h.server(EHLO_AUTH);
    let sent = auth
        .trim_end()
        .strip_prefix("AUTH PLAIN ")
        .unwrap()
        .to_string();
    h.server(&format!(
        "535-5.7.8 not understood: AUTH PLAIN {sent}\r\n535 hunter2-secret?\r\n"
    ));
    h.server("hunter2-secret\r\n");
    let outcome = h.outcome();
    let everything = format!("{outcome:?}");
    assert!(!everything.contains("hunter2-secret"), "{everything}");
    assert!(!everything.contains(&sent), "{everything}");
    assert!(
        everything.contains("not understood: AUTH PLAIN [redacted]"),
        "{everything}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const PASSWORD: &str = "pw-Xq7";

    proptest! {
        #[test]
        fn nothing_kept_holds_a_configured_secret(
            mechanism in prop::sample::select(vec![AuthMechanism::Plain, AuthMechanism::Login, AuthMechanism::CramMd5, AuthMechanism::Xoauth2]),
            replies in prop::collection::vec(("[2-5][0-9]{2}", "[ -~]{0,12}", 0usize..4, "[ -~]{0,12}"), 1..8),
        ) {
            let forms = sasl::wire_forms("user", &Secret::new(PASSWORD));
            let plan = tls_plan(
                Some(AuthPlan {
                    password: Secret::new(PASSWORD),
                    ..auth_plan(Some(mechanism), false)
                }),
                Some(mail_plan(&["a@x.example"])),
            );
            let mut h = Harness::plan(plan);
            h.server("220 mail.example\r\n");
            h.server(EHLO_AUTH);
            // Replies that quote a form of the secret anywhere in their text.
            for (code, before, form, after) in replies {
                let quoted = forms[form % forms.len()].expose();
                h.server(&format!("{code} {before}{quoted}{after}\r\n"));
            }
            let kept = format!("{:?}", h.outcome());
            for form in &forms {
                prop_assert!(!kept.contains(form.expose()), "{kept}");
            }
        }
    }
}

/// A plan for a mail transaction of `transaction` to `to`, over TLS, without a log-in.
fn transaction_plan(to: &str, transaction: Transaction) -> Agenda {
    let mail = MailPlan {
        transaction,
        ..mail_plan(&[to])
    };
    tls_plan(None, Some(mail))
}

#[test]
fn an_envelope_probe_quits_after_the_recipients_without_data() {
    let mut h = Harness::plan(transaction_plan("a@x.example", Transaction::Envelope));
    h.server("220 mail.example\r\n");
    assert_eq!(h.server(EHLO_AUTH), "MAIL FROM:<probe@example.com>\r\n");
    assert_eq!(h.server("250 ok\r\n"), "RCPT TO:<a@x.example>\r\n");
    assert_eq!(h.server("250 ok\r\n"), "QUIT\r\n", "no DATA");
    let outcome = h.outcome();
    assert!(outcome.verdict.is_ok());
    assert_eq!(outcome.send_time, None);
}

#[test]
fn a_relay_probe_succeeds_when_refused_and_fails_when_accepted() {
    let run = |answer: &str| {
        let mut h = Harness::plan(transaction_plan(
            "x@outside.example",
            Transaction::RelayProbe,
        ));
        h.server("220 mail.example\r\n");
        h.server(EHLO_AUTH);
        assert_eq!(h.server("250 ok\r\n"), "RCPT TO:<x@outside.example>\r\n");
        assert_eq!(h.server(answer), "QUIT\r\n", "never DATA");
        h.outcome()
    };
    let refused = run("554 5.7.1 <x@outside.example>: Relay access denied\r\n");
    assert!(refused.verdict.is_ok());
    assert_eq!(refused.warning, None);
    let accepted = run("250 2.1.5 Ok\r\n");
    let failure = accepted.verdict.unwrap_err();
    assert_eq!(failure.phase, Phase::RcptTo);
    assert!(matches!(failure.kind, ErrorKind::OpenRelay(ref r) if r.code == 250));
    let greylisted = run("450 4.7.1 try again later\r\n");
    assert!(greylisted.verdict.is_ok());
    assert!(matches!(
        greylisted.warning,
        Some(Failure { phase: Phase::RcptTo, kind: ErrorKind::UnexpectedReply(ref r) }) if r.code == 450
    ));
}

/// Sender verification, SPF at MAIL FROM, sendmail's check_mail: the outside sender is
/// refused before any recipient, which is the server refusing a stranger.
#[test]
fn a_relay_probe_refused_at_mail_from_is_a_refusal() {
    // In plain text, as a relay probe of port 25 runs (the harness's plan is over TLS).
    let run_after = |ehlo: &str, answer: &str| {
        let mut h = Harness::plan(Agenda {
            encrypted: false,
            ..transaction_plan("x@outside.example", Transaction::RelayProbe)
        });
        h.server("220 mail.example\r\n");
        assert!(h.server(ehlo).starts_with("MAIL FROM:"));
        assert_eq!(
            h.server(answer),
            "QUIT\r\n",
            "no RCPT after a refused sender"
        );
        h.outcome()
    };
    let run = |answer: &str| run_after(EHLO_AUTH, answer);
    let refused = run("550 5.7.1 sender verify failed\r\n");
    assert!(refused.verdict.is_ok(), "{:?}", refused.verdict);
    assert_eq!(refused.warning, None);
    assert!(matches!(refused.relay_answer, Some((Phase::MailFrom, ref r)) if r.code == 550));
    let deferred = run("451 4.7.1 sender verification temporarily failed\r\n");
    assert!(deferred.verdict.is_ok());
    assert!(matches!(
        deferred.warning,
        Some(Failure { phase: Phase::MailFrom, kind: ErrorKind::UnexpectedReply(ref r) }) if r.code == 451
    ));
    // Not refusals of the stranger: the probe's own command not understood, a closing
    // server.
    for broken in [
        "500 5.5.2 syntax error\r\n",
        "555 5.5.4 unsupported parameter\r\n",
    ] {
        let outcome = run(broken);
        let failure = outcome.verdict.unwrap_err();
        assert_eq!(failure.phase, Phase::MailFrom, "{broken}");
        assert!(
            matches!(failure.kind, ErrorKind::UnexpectedReply(_)),
            "{broken}"
        );
    }
    // "530 Must issue a STARTTLS command first" in plain text, STARTTLS offered: relaying
    // after TLS is untested; from a server without STARTTLS it means "log in first".
    let with_starttls = "250-mail.example\r\n250 STARTTLS\r\n";
    let wants_tls = run_after(
        with_starttls,
        "530 5.7.0 Must issue a STARTTLS command first\r\n",
    );
    assert!(wants_tls.verdict.is_ok());
    assert!(matches!(
        wants_tls.warning,
        Some(Failure { phase: Phase::MailFrom, kind: ErrorKind::UnexpectedReply(ref r) }) if r.code == 530
    ));
    let log_in_first = run("530 5.7.0 Authentication required\r\n");
    assert!(log_in_first.verdict.is_ok());
    assert_eq!(log_in_first.warning, None);
    // A 252 to the outside recipient is an acceptance ("cannot verify, will accept").
    let mut h = Harness::plan(transaction_plan(
        "x@outside.example",
        Transaction::RelayProbe,
    ));
    h.server("220 mail.example\r\n");
    h.server(EHLO_AUTH);
    h.server("250 ok\r\n");
    assert_eq!(
        h.server("252 2.1.5 Cannot VRFY user, but will accept\r\n"),
        "QUIT\r\n"
    );
    let failure = h.outcome().verdict.unwrap_err();
    assert!(matches!(failure.kind, ErrorKind::OpenRelay(ref r) if r.code == 252));
}
