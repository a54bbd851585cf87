use super::*;
use crate::check::expect::Expect;
use crate::dates::DAY;
use crate::journal::Journal;
use crate::limits::channel;
use crate::smtp::reply::make_reply;
use crate::smtp::session::Outcome;
use crate::testing::settings;
use crate::tls::certificate::Leaf;
use crate::tls::facts::TlsFacts;
use crate::wit::{CheckResult, ErrorKind, MailboxProtocol, Phase, Settings, Status};
use crate::wit::{Failure, TransportSecurity};
use std::time::Duration;

const NOW: i64 = 1_800_000_000;

/// The result of a check of `settings` that ended with `outcome`, without TLS, a round trip
/// or expectations.
fn plain_report(settings: &Settings, outcome: Outcome) -> CheckResult {
    report(
        settings,
        &Expect::default(),
        outcome,
        None,
        None,
        &TlsFacts::default(),
        NOW,
    )
}

fn up(at_ms: u64) -> Outcome {
    let mut journal = Journal::new(false);
    journal.timing(Phase::Ehlo, Duration::ZERO, Duration::from_millis(1));
    journal.timing(Phase::Quit, Duration::ZERO, Duration::from_millis(1));
    Outcome {
        verdict: Ok(()),
        warning: None,
        verdict_at: Duration::from_millis(at_ms),
        banner: Some(make_reply(220, vec!["mx.example ESMTP".into()])),
        last_reply: Some(make_reply(221, vec!["bye".into()])),
        capabilities: Vec::new(),
        recipients: Vec::new(),
        relay_answer: None,
        message_reply: None,
        send_time: None,
        accepted_at: None,
        journal,
    }
}

fn trip(found_ms: Option<u64>) -> crate::mailbox::trip::Trip {
    trip_with(found_ms, None)
}

fn trip_with(
    found_ms: Option<u64>,
    delivered: Option<crate::mailbox::steps::Delivered>,
) -> crate::mailbox::trip::Trip {
    use crate::mailbox::trip::Account;
    let ms = Duration::from_millis;
    let mut account = Account::new(MailboxProtocol::Imap, ms(4), ms(6));
    account.searched();
    account.dialogue(
        crate::mailbox::steps::MailboxOutcome {
            found_at: found_ms.map(ms),
            // Missed just before: the latency is exact.
            missed_at: found_ms.map(ms),
            deleted: 1,
            left_flagged: 0,
            removed: Vec::new(),
            busy: false,
            failure: None,
            timings: Vec::new(),
            downgraded: false,
            delivered,
        },
        &mut Journal::new(false),
    );
    account.finish(ms(found_ms.unwrap_or(3_006) + 2))
}

fn round_trip_settings() -> Settings {
    let mut s = settings("mx.example", TransportSecurity::None);
    s.mailbox = Some(crate::wit::Mailbox {
        protocol: MailboxProtocol::Imap,
        host: "imap.example".into(),
        port: 993,
        security: TransportSecurity::Tls,
        tls: s.tls.clone(),
        user: "probe".into(),
        password: "pw-secret".into(),
        allow_plaintext: false,
        token_prefix: "smtp-sensor-roundtrip".into(),
        latency_warning_ms: None,
        latency_critical_ms: Some(2_000),
        spam_folders: None,
        authserv_id: None,
        expect_auth: Vec::new(),
    });
    s
}

#[test]
fn a_round_trip_adds_its_times_and_names_the_mailbox() {
    let s = round_trip_settings();
    let (arrived, arrived_trip) = (up(5), Some(trip(Some(26))));
    let result = report(
        &s,
        &Expect::default(),
        arrived,
        arrived_trip,
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Up, "{}", result.message);
    let value = |name: &str| {
        result
            .channels
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    };
    assert_eq!(value(channel::RESPONSE_TIME), Some(25.0));
    assert_eq!(value(channel::SMTP_TIME), Some(5.0));
    assert_eq!(value(channel::IMAP_TIME), Some(20.0));
    assert_eq!(value(channel::DELIVERY_LATENCY), Some(22.0));
    assert!(
        result
            .message
            .contains("arrived in imap.example:993 (IMAP) 22.0 ms"),
        "{}",
        result.message
    );
    let mailbox = result.mailbox.unwrap();
    assert!(mailbox.found && mailbox.deleted == 1 && mailbox.searches == 1);

    let (lost, lost_trip) = (up(5), Some(trip(None)));
    let result = report(
        &s,
        &Expect::default(),
        lost,
        lost_trip,
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Down);
    let failure = result.failure.unwrap();
    assert_eq!(failure.kind, ErrorKind::MessageNotDelivered(3_004));
    assert!(
        result
            .message
            .starts_with("imap.example:993 (IMAP): the test email did not arrive")
            && result.message.contains("waited 3.0 s"),
        "{}",
        result.message
    );
    assert_eq!(
        result
            .channels
            .iter()
            .find(|c| c.name == channel::DELIVERY_LATENCY),
        None
    );
    assert!(!format!("{:?}", result.transcript).contains("pw-secret"));
}

#[test]
fn a_late_delivery_is_judged_by_the_latency_thresholds() {
    let (late, late_trip) = (up(5), Some(trip(Some(2_506))));
    let result = report(
        &round_trip_settings(),
        &Expect::default(),
        late,
        late_trip,
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Down);
    assert_eq!(
        result.failure.unwrap().kind,
        ErrorKind::DeliveryLatencyExceeded(2_000)
    );
    assert!(
        result.message.contains("longer than 2.0 s"),
        "{}",
        result.message
    );
}

fn secured(days: i64) -> TlsFacts {
    let leaf = Leaf {
        subject: "CN=mx.example".into(),
        issuer: "CN=CA".into(),
        not_before: 0,
        not_after: NOW + days * DAY,
    };
    TlsFacts {
        attempted: true,
        established: true,
        version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS13_CHACHA20_POLY1305_SHA256".into()),
        handshake: Some(Duration::from_millis(3)),
        leaf: Some(leaf.clone()),
        chain: Vec::new(),
        path: vec![leaf],
        verified: true,
        verify: true,
        server_first_bytes: Vec::new(),
        ..TlsFacts::default()
    }
}

fn names(result: &CheckResult) -> Vec<&str> {
    result.channels.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn an_up_check_over_tls() {
    let s = settings("mx.example", TransportSecurity::Starttls);
    let result = report(
        &s,
        &Expect::default(),
        up(12),
        None,
        Some("192.0.2.1:25".into()),
        &secured(30),
        NOW,
    );
    assert_eq!(result.status, Status::Up);
    assert_eq!(
        result.message,
        "mx.example:25 answered in 12.0 ms: 220 mx.example ESMTP"
    );
    assert_eq!(
        names(&result),
        [
            "Response Time",
            "Downtime",
            "TLS Handshake",
            "Certificate Expiry"
        ]
    );
    assert_eq!(result.channels[0].value, 12.0);
    assert_eq!(result.channels[3].value, 30.0);
    let tls = result.tls.unwrap();
    assert_eq!(
        (tls.subject.as_str(), tls.verified),
        ("CN=mx.example", true)
    );
    assert_eq!(result.remote_address.as_deref(), Some("192.0.2.1:25"));
    assert_eq!(result.timings.len(), 2);
}

#[test]
fn thresholds_judge_only_a_secured_certificate() {
    let s = settings("mx.example", TransportSecurity::Starttls);
    let soon = report(&s, &Expect::default(), up(5), None, None, &secured(3), NOW);
    assert_eq!(soon.status, Status::Warning);
    assert_eq!(
        soon.failure.unwrap().kind,
        ErrorKind::CertificateExpiring(3)
    );
    let not_secured = TlsFacts {
        established: false,
        ..secured(-5)
    };
    let result = report(&s, &Expect::default(), up(5), None, None, &not_secured, NOW);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(result.channels[3].value, -5.0, "still reported");
}

#[test]
fn verification_off_is_said() {
    let s = settings("mx.example", TransportSecurity::Tls);
    let facts = TlsFacts {
        verify: false,
        verified: false,
        ..secured(90)
    };
    let result = report(&s, &Expect::default(), up(5), None, None, &facts, NOW);
    assert!(
        result
            .message
            .ends_with("(certificate not verified: verification is off)"),
        "{}",
        result.message
    );
    assert!(!result.tls.unwrap().verified);
}

#[test]
fn a_failed_check_is_down_with_full_downtime() {
    let s = settings("::1", TransportSecurity::None);
    let failure = Failure {
        phase: Phase::Connect,
        kind: ErrorKind::ConnectionRefused,
    };
    let outcome = Outcome::failed_early(failure, Duration::from_millis(1), Journal::new(false));
    let result = plain_report(&s, outcome);
    assert_eq!(result.status, Status::Down);
    assert!(
        result.message.starts_with("[::1]:25: connection refused"),
        "{}",
        result.message
    );
    assert_eq!(names(&result), ["Response Time", "Downtime"]);
    assert_eq!(result.channels[1].value, 100.0);
    assert!(result.tls.is_none());
}

/// A POP3 round trip connects and logs in once per look: the result times each phase once,
/// the looks summed, where it first ran; a slow check still names the phase that ran last.
#[test]
fn a_phase_that_ran_again_is_timed_once_and_the_last_to_run_is_named() {
    let mut s = settings("mx.example", TransportSecurity::None);
    s.response_time_critical_ms = Some(1000);
    let mut outcome = up(1500);
    let mut journal = Journal::new(false);
    let ms = Duration::from_millis;
    for (phase, took) in [
        (Phase::Banner, 1),
        (Phase::Ehlo, 1),
        (Phase::MailboxConnect, 2),
        (Phase::MailboxLogin, 3),
        (Phase::MailboxSearch, 1),
        (Phase::MailboxLogout, 1),
        (Phase::MailboxConnect, 5),
        (Phase::MailboxLogin, 7),
        (Phase::MailboxLogout, 1),
    ] {
        journal.timing(phase, ms(0), ms(took));
    }
    outcome.journal = journal;
    let result = plain_report(&s, outcome);
    let timings: Vec<_> = result
        .timings
        .iter()
        .map(|t| (t.phase, t.milliseconds))
        .collect();
    assert_eq!(
        timings,
        [
            (Phase::Banner, 1.0),
            (Phase::Ehlo, 1.0),
            (Phase::MailboxConnect, 7.0),
            (Phase::MailboxLogin, 10.0),
            (Phase::MailboxSearch, 1.0),
            (Phase::MailboxLogout, 2.0),
        ]
    );
    assert_eq!(result.failure.unwrap().phase, Phase::MailboxLogin);
}

#[test]
fn a_slow_check_names_its_threshold_and_last_phase() {
    let mut s = settings("mx.example", TransportSecurity::None);
    s.response_time_warning_ms = Some(100);
    s.response_time_critical_ms = Some(1000);
    let result = plain_report(&s, up(1500));
    assert_eq!(result.status, Status::Down);
    assert_eq!(
        result.failure.unwrap(),
        Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ResponseTimeExceeded(1000)
        }
    );
    assert!(
        result
            .message
            .ends_with("but the response took longer than the threshold of 1000 ms"),
        "{}",
        result.message
    );
    let warned = plain_report(&s, up(150));
    assert_eq!(warned.status, Status::Warning);
}

#[test]
fn a_fallback_that_failed_keeps_why_tls_was_given_up() {
    let mut outcome = up(5);
    outcome.verdict = Err(Failure {
        phase: Phase::Ehlo,
        kind: ErrorKind::ConnectionClosed,
    });
    outcome.warning = Some(Failure {
        phase: Phase::TlsHandshake,
        kind: ErrorKind::TlsFailed("the server answered in plain text".into()),
    });
    let settings = settings("127.0.0.1", TransportSecurity::TlsIfAvailable);
    let result = plain_report(&settings, outcome);
    assert_eq!(result.status, Status::Down);
    assert!(
        result.message.contains("closed the connection")
            && result
                .message
                .contains("after implicit TLS failed: the server answered in plain text"),
        "{}",
        result.message
    );
}

#[test]
fn an_intermediate_that_expires_first_is_judged_and_named() {
    let mut facts = secured(300);
    let intermediate = Leaf {
        subject: "CN=Example Intermediate".into(),
        issuer: "CN=CA".into(),
        not_before: 0,
        not_after: NOW + 5 * DAY,
    };
    facts.chain = vec![intermediate.clone()];
    facts.path.push(intermediate);
    let s = settings("mail.example.com", TransportSecurity::Tls);
    let result = report(&s, &Expect::default(), up(5), None, None, &facts, NOW);
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    assert!(
        result.message.contains("CN=Example Intermediate"),
        "{}",
        result.message
    );
    let expiry = result
        .channels
        .iter()
        .find(|c| c.name == channel::CERTIFICATE_EXPIRY)
        .unwrap();
    assert_eq!(expiry.value, 5.0);
    let tls = result.tls.unwrap();
    assert_eq!(tls.earliest_subject, "CN=Example Intermediate");
    assert_eq!(tls.earliest_not_after, NOW + 5 * DAY);
    assert_eq!(tls.not_after, NOW + 300 * DAY, "the leaf's own stays");
    assert_eq!(tls.chain_subject, "CN=Example Intermediate");
}

/// A server that still sends an expired cross-signed root beside the intermediate its
/// verified chain uses (ISRG Root X1 cross-signed by DST Root CA X3, after 2021): up,
/// the channel counts the verified chain's days, and the expired one is a note.
#[test]
fn an_expired_certificate_off_the_verified_chain_is_a_note() {
    let mut facts = secured(60);
    let intermediate = Leaf {
        subject: "CN=R3".into(),
        issuer: "CN=ISRG Root X1".into(),
        not_before: 0,
        not_after: NOW + 200 * DAY,
    };
    let cross_sign = Leaf {
        subject: "CN=ISRG Root X1".into(),
        issuer: "CN=DST Root CA X3".into(),
        not_before: 0,
        not_after: NOW - 400 * DAY,
    };
    facts.chain = vec![intermediate.clone(), cross_sign];
    facts.path.push(intermediate);
    let s = settings("mail.example.com", TransportSecurity::Tls);
    let result = report(&s, &Expect::default(), up(5), None, None, &facts, NOW);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(
        result
            .message
            .contains("(note: the server also sends CN=ISRG Root X1, expired on")
            && result
                .message
                .contains("which the verified chain does not use)"),
        "{}",
        result.message
    );
    let expiry = result
        .channels
        .iter()
        .find(|c| c.name == channel::CERTIFICATE_EXPIRY)
        .unwrap();
    assert_eq!(expiry.value, 60.0, "the verified chain's days");
    let tls = result.tls.unwrap();
    assert_eq!(
        tls.earliest_subject, "CN=ISRG Root X1",
        "blackbox's rule stays"
    );
    assert_eq!(tls.chain_subject, "CN=mx.example");
    // Unverified (--tls-no-verify): no path, the leaf alone is judged, no note.
    facts.verified = false;
    facts.verify = false;
    facts.path.clear();
    let result = report(&s, &Expect::default(), up(5), None, None, &facts, NOW);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(!result.message.contains("note:"), "{}", result.message);
}

#[test]
fn a_relay_probe_refused_for_now_is_inconclusive_in_words() {
    use crate::wit::{RecipientReply, RelayProbe};
    let mut s = settings("mail.example.com", TransportSecurity::None);
    s.relay_probe = Some(RelayProbe {
        from: "a@outside.example".into(),
        to: "b@elsewhere.example".into(),
    });
    let mut outcome = up(5);
    let deferred = make_reply(
        454,
        vec!["4.7.1 <b@elsewhere.example>: Relay access denied".into()],
    );
    outcome.warning = Some(Failure {
        phase: Phase::RcptTo,
        kind: ErrorKind::UnexpectedReply(deferred.clone()),
    });
    outcome.relay_answer = Some((Phase::RcptTo, deferred.clone()));
    outcome.recipients = vec![RecipientReply {
        address: "b@elsewhere.example".into(),
        reply: deferred,
    }];
    let result = plain_report(&s, outcome);
    assert_eq!(result.status, Status::Warning);
    assert!(
        result.message.contains("the relay probe is inconclusive")
            && result.message.contains("454 4.7.1"),
        "{}",
        result.message
    );
}

/// The proof of delivery: the server's reply to the test email, with its queue ID, in the
/// message and in the result.
#[test]
fn an_accepted_email_is_quoted_with_its_queue_id() {
    let s = settings("mail.example.com", TransportSecurity::None);
    let mut outcome = up(5);
    let queued = make_reply(250, vec!["2.0.0 Ok: queued as 912BCE803F".into()]);
    outcome.message_reply = Some(queued.clone());
    let result = plain_report(&s, outcome);
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(
        result
            .message
            .ends_with("; the test email was accepted: 250 2.0.0 Ok: queued as 912BCE803F"),
        "{}",
        result.message
    );
    assert_eq!(result.message_reply, Some(queued));
}

/// A server that stays silent instead of greeting, under a mode that speaks plain text
/// first, is likely one of implicit TLS: the message says what to try. Under implicit TLS
/// itself there is nothing to suggest.
#[test]
fn a_silent_greeting_in_plain_text_suggests_implicit_tls() {
    let silent = |security, port| {
        let mut outcome = up(5);
        outcome.verdict = Err(Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        });
        let mut s = settings("mail.example.com", security);
        s.port = port;
        plain_report(&s, outcome).message
    };
    let hinted = silent(TransportSecurity::Starttls, 465);
    assert!(
        hinted.contains("waiting for the greeting") && hinted.ends_with("try --security tls"),
        "{hinted}"
    );
    // On 25 a silent server is more likely delaying on purpose or filtered: no such hint.
    let plain_port = silent(TransportSecurity::Starttls, 25);
    assert!(!plain_port.contains("try --security"), "{plain_port}");
    // Under implicit TLS itself there is nothing to suggest.
    let implicit = silent(TransportSecurity::Tls, 465);
    assert!(!implicit.contains("try --security"), "{implicit}");
}

/// A hostile server's reply to the test email cannot push the queue ID out of the message:
/// the message quotes the reply's last line, at most 200 characters.
#[test]
fn the_proof_of_delivery_is_the_last_line_and_bounded() {
    let s = settings("mail.example.com", TransportSecurity::None);
    let mut outcome = up(5);
    let mut lines = vec!["x".repeat(4000); 100];
    lines.push("2.0.0 Ok: queued as 912BCE803F".into());
    outcome.message_reply = Some(make_reply(250, lines));
    let result = plain_report(&s, outcome);
    assert!(
        result
            .message
            .ends_with("the test email was accepted: 250 2.0.0 Ok: queued as 912BCE803F"),
        "{}",
        result.message
    );
    let mut outcome = up(5);
    outcome.message_reply = Some(make_reply(250, vec!["y".repeat(5000)]));
    let result = plain_report(&s, outcome);
    assert!(
        result.message.len() < 500 && result.message.ends_with("..."),
        "{}",
        result.message.len()
    );
}

/// A round trip whose test email the receiver judged with `fields`, found in `folder`.
fn judged(folder: &str, spam: bool, fields: &[&str]) -> crate::mailbox::trip::Trip {
    trip_with(
        Some(26),
        Some(crate::mailbox::steps::Delivered {
            folder: folder.into(),
            spam,
            auth_results: fields.iter().map(|f| f.to_string()).collect(),
            arc_results: Vec::new(),
        }),
    )
}

fn channel_value(result: &CheckResult, name: &str) -> Option<f64> {
    result
        .channels
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value)
}

const SIGNED: &str =
    "receiver.test; dkim=pass (2048-bit key; unprotected) header.d=sender.test header.s=s1";
const ALIGNED: &str = "receiver.test; dmarc=pass (p=reject dis=none) header.from=sender.test";
const UNSIGNED: &str = "receiver.test; dkim=none";
const UNALIGNED: &str = "receiver.test; dmarc=fail (p=reject dis=reject) header.from=sender.test";

#[test]
fn the_receivers_verdicts_are_channels_words_and_the_mailbox_results() {
    let s = round_trip_settings();
    let result = report(
        &s,
        &Expect::default(),
        up(5),
        Some(judged("INBOX", false, &[SIGNED, ALIGNED])),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert_eq!(channel_value(&result, channel::IN_SPAM_FOLDER), Some(0.0));
    assert_eq!(channel_value(&result, channel::DKIM_PASS), Some(1.0));
    assert_eq!(channel_value(&result, channel::DMARC_PASS), Some(1.0));
    assert_eq!(
        channel_value(&result, channel::SPF_PASS),
        None,
        "not reported"
    );
    assert!(
        result
            .message
            .contains("receiver.test says dkim=pass dmarc=pass"),
        "{}",
        result.message
    );
    let mailbox = result.mailbox.unwrap();
    assert_eq!(
        (mailbox.folder.as_deref(), mailbox.in_spam),
        (Some("INBOX"), false)
    );
    let auth = mailbox.authentication.unwrap();
    assert_eq!(auth.authserv_id, "receiver.test");
    assert_eq!(auth.fields, [SIGNED, ALIGNED]);
    let dkim = &auth.results[0];
    assert_eq!(
        (dkim.method.as_str(), dkim.result.as_str()),
        ("dkim", "pass")
    );
    assert_eq!(dkim.properties[1].name, "header.s");
    assert_eq!(dkim.properties[1].value, "s1");
}

#[test]
fn delivered_to_spam_is_a_warning_naming_the_folder() {
    let s = round_trip_settings();
    let result = report(
        &s,
        &Expect::default(),
        up(5),
        Some(judged("Junk", true, &[SIGNED])),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Warning, "{}", result.message);
    let failure = result.failure.clone().unwrap();
    assert_eq!(failure.kind, ErrorKind::DeliveredToSpam("Junk".into()));
    assert!(
        result.message.contains("delivered to spam"),
        "{}",
        result.message
    );
    assert_eq!(channel_value(&result, channel::IN_SPAM_FOLDER), Some(1.0));
    assert!(result.mailbox.unwrap().in_spam);
}

#[test]
fn expected_methods_that_did_not_pass_are_down_quoting_the_field() {
    use crate::wit::AuthMethod;
    let s = round_trip_settings();
    let expect =
        Expect::default().requiring_auth(&[AuthMethod::Dkim, AuthMethod::Dmarc, AuthMethod::Spf]);
    let result = report(
        &s,
        &expect,
        up(5),
        Some(judged("INBOX", false, &[UNSIGNED, UNALIGNED])),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let failure = result.failure.clone().unwrap();
    assert_eq!(failure.phase, Phase::MailboxFetch);
    assert!(
        result
            .message
            .contains("DKIM=none, DMARC=fail, SPF=no result")
            && result
                .message
                .contains("Authentication-Results: receiver.test; dkim=none"),
        "{}",
        result.message
    );
    // Expected but unreported: the channel is there, at 0.
    assert_eq!(channel_value(&result, channel::SPF_PASS), Some(0.0));
    assert_eq!(channel_value(&result, channel::DKIM_PASS), Some(0.0));

    // All pass: up. No field at all: down, saying so.
    let expect = Expect::default().requiring_auth(&[AuthMethod::Dkim]);
    let passed = report(
        &s,
        &expect,
        up(5),
        Some(judged("INBOX", false, &[SIGNED])),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(passed.status, Status::Up, "{}", passed.message);
    let bare = report(
        &s,
        &expect,
        up(5),
        Some(judged("INBOX", false, &[])),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(bare.status, Status::Down);
    assert!(
        bare.message
            .contains("wrote no Authentication-Results field"),
        "{}",
        bare.message
    );
}

#[test]
fn a_forged_field_below_the_receivers_is_not_read() {
    let s = round_trip_settings();
    let result = report(
        &s,
        &Expect::default().requiring_auth(&[crate::wit::AuthMethod::Dkim]),
        up(5),
        Some(judged(
            "INBOX",
            false,
            &[UNSIGNED, "forged.test; dkim=pass header.d=sender.test"],
        )),
        None,
        &TlsFacts::default(),
        NOW,
    );
    assert_eq!(result.status, Status::Down, "{}", result.message);
    let auth = result.mailbox.unwrap().authentication.unwrap();
    assert_eq!(auth.fields, [UNSIGNED]);
}
