//! The result record from what a check found: the status from the verdict, the thresholds
//! and the certificate; the message; the channels; and everything seen on the way. Pure:
//! the time is passed in, so it is tested natively.

use crate::check::expect::Expect;
use crate::check::message::{self, Context, server_label};
use crate::check::verdict::{self, Findings, Thresholds};
use crate::journal::millis;
use crate::limits::channel;
use crate::mailbox::trip::Trip;
use crate::smtp::session::Outcome;
use crate::tls::facts::TlsFacts;
use crate::wit::{
    Channel, ChannelUnit, CheckResult, ErrorKind, MailboxProtocol, MailboxResult, Phase, Settings,
    Status, TlsInfo,
};

/// The result of a check of `settings` that ended with `outcome`, connected to `remote`,
/// with what TLS showed in `tls`, judged by `expect` (the plan's; none for settings that
/// failed); `now` (Unix seconds) counts the certificate's days.
pub fn report(
    settings: &Settings,
    expect: &Expect,
    mut outcome: Outcome,
    remote: Option<String>,
    tls: &TlsFacts,
    now: i64,
) -> CheckResult {
    let server = server_label(&settings.host, settings.port);
    let mailbox_server = settings
        .mailbox
        .as_ref()
        .map(|m| server_label(&m.host, m.port))
        .unwrap_or_default();
    let context = Context {
        server: &server,
        timeout_seconds: settings.timeout_seconds,
    };
    let smtp_ms = millis(outcome.verdict_at);
    // A round trip's verdict is the SMTP dialogue's, then the mailbox's; its time adds up.
    let trip = outcome.trip.take();
    if let Some(trip) = &trip {
        if let (Ok(()), Some(failure)) = (&outcome.verdict, &trip.failure) {
            outcome.verdict = Err(failure.clone());
        }
        if outcome.warning.is_none() {
            outcome.warning = trip.warning.clone();
        }
    }
    let response_ms = smtp_ms + trip.as_ref().map_or(0.0, |t| millis(t.mailbox_time()));
    let latency_ms = trip.as_ref().and_then(Trip::latency).map(millis);
    let leaf = tls.leaf.as_ref();
    // The thresholds judge the verified path's certificate that expires first.
    let judged = tls.judged();
    let days_left = judged.map(|first| first.days_left(now));
    let thresholds = Thresholds::of(&settings.into());
    // The mailbox server's certificate, when a round trip secured a connection with it.
    let mailbox_days_left = trip
        .as_ref()
        .and_then(|trip| trip.tls.judged().map(|first| first.days_left(now)));
    let mailbox_secured = trip.as_ref().is_some_and(|trip| trip.tls.established);
    let (timings, transcript) = outcome.journal.into_parts();
    let last_phase = timings
        .iter()
        .rev()
        .map(|t| t.phase)
        .find(|&phase| {
            !matches!(
                phase,
                Phase::Quit | Phase::MailboxDelete | Phase::MailboxLogout
            )
        })
        .unwrap_or(Phase::Settings);
    let fallback = outcome
        .warning
        .clone()
        .filter(|warning| warning.phase == Phase::TlsHandshake);
    let missed = expect.judge(outcome.banner.as_ref(), &outcome.capabilities);
    let findings = Findings {
        missed,
        miss_is_warning: expect.miss_is_warning(),
        verdict: outcome.verdict,
        warning: outcome.warning,
        // Thresholds judge the certificate of a connection that was actually secured.
        certificate_days_left: days_left.filter(|_| tls.established),
        response_ms,
        last_phase,
        latency_ms,
        mailbox_certificate_days_left: mailbox_days_left.filter(|_| mailbox_secured),
    };
    let (status, failure) = verdict::decide(findings, thresholds);
    // What the mailbox side did wrong names the mailbox server; the SMTP side's success
    // is told as always, in its own time.
    let mailbox_context = Context {
        server: &mailbox_server,
        ..context
    };
    let arrival = match (&trip, latency_ms) {
        (Some(trip), Some(latency)) => format!(
            "; the test email arrived in {} ({}) {} ms after it was accepted{}{}",
            mailbox_server,
            protocol_name(trip.protocol),
            message::one_decimal(latency),
            trip.latency_precision()
                .map(|p| format!(
                    " (± {} ms, as the looks tell)",
                    message::one_decimal(millis(p))
                ))
                .unwrap_or_default(),
            match trip.left_flagged {
                0 => String::new(),
                n => format!(
                    "; {n} test message{} flagged \\Deleted wait{} for the mailbox's own \
                     expunge (the server lacks UIDPLUS)",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ),
            }
        ),
        _ => String::new(),
    };
    let banner = outcome.banner.as_ref();
    let mut message = match (&status, &failure) {
        (Status::Down, Some(failure)) if is_mailbox_phase(failure.phase) => {
            message::for_failure(mailbox_context, failure)
        }
        (Status::Down, Some(failure)) => match failure.kind {
            ErrorKind::ResponseTimeExceeded(limit) => {
                message::for_slow(context, banner, response_ms, limit)
            }
            _ => message::for_failure(context, failure),
        },
        (Status::Warning, Some(degraded)) if is_mailbox_phase(degraded.phase) => format!(
            "{}{arrival}; but {}",
            message::for_success(context, banner, smtp_ms),
            message::for_failure(mailbox_context, degraded)
        ),
        (Status::Warning, Some(degraded)) => {
            message::for_warning(context, banner, response_ms, degraded) + &arrival
        }
        _ => message::for_success(context, banner, smtp_ms) + &arrival,
    };
    // A certificate judged for its days that is not the leaf: say which it is.
    if let (Some(failure), Some(first), Some(leaf)) = (&failure, judged, leaf)
        && matches!(failure.kind, ErrorKind::CertificateExpiring(_))
        && first != leaf
    {
        let chain = if tls.verified {
            "verified chain"
        } else {
            "chain"
        };
        message.push_str(&format!(
            " (the {chain}'s first certificate to expire is {}, not the server's own)",
            first.subject
        ));
    }
    // Expired certificates the server still sends but clients never use: a note.
    let unused = tls.expired_off_path(now);
    if let Some(first) = unused.first() {
        message.push_str(&format!(
            " (note: the server also sends {}, expired on {}, which the verified chain does \
             not use{})",
            first.subject,
            crate::dates::format_utc(first.not_after),
            match unused.len() {
                1 => String::new(),
                n => format!(", and {} more like it", n - 1),
            }
        ));
    }
    // The open-relay probe's success is a refusal: say which, and where; a temporary one
    // proves neither, and the warning says so in the probe's terms.
    if let (Some(probe), Some((phase, answer)), false) = (
        &settings.relay_probe,
        &outcome.relay_answer,
        status == Status::Down,
    ) {
        let said = message::reply_text(answer);
        let whom = match phase {
            Phase::MailFrom => format!("the outside sender {}", probe.from),
            _ => format!("the outside recipient {}", probe.to),
        };
        match (answer.code, phase) {
            (530, Phase::MailFrom) if status == Status::Warning => {
                let success = message::for_success(context, banner, response_ms);
                message = format!(
                    "{success}; but the relay probe is inconclusive: the server wants TLS \
                     before {whom} ({said}), so relaying after TLS was not tested; probe with \
                     --security starttls"
                )
            }
            (500..=599, Phase::MailFrom) => message.push_str(&format!(
                "; it refused {whom} at MAIL FROM, so it does not relay for strangers with \
                 this sender: {said} (a sender in a domain that exists tests relaying itself)"
            )),
            (500..=599, _) => {
                message.push_str(&format!("; it refused to relay to {}: {said}", probe.to))
            }
            (400..=499, _) => {
                let success = message::for_success(context, banner, response_ms);
                message = format!(
                    "{success}; but the relay probe is inconclusive: {whom} was refused only \
                     for now ({said}), which proves neither a refusal to relay nor relaying"
                )
            }
            _ => {}
        }
    }
    // A fallback to plain text that then failed: the first reason still counts.
    if let (Status::Down, Some(fallback)) = (status, &fallback) {
        message = message::after_fallback(message, fallback);
    }
    if tls.established && !tls.verify {
        message.push_str(" (certificate not verified: verification is off)");
    }
    let mut channels =
        crate::headline_channels!(Channel, ChannelUnit, response_ms, status == Status::Down);
    if let Some(handshake) = tls.handshake {
        channels.push(channel_of(
            channel::TLS_HANDSHAKE,
            millis(handshake),
            ChannelUnit::Milliseconds,
        ));
    }
    if let Some(trip) = &trip {
        channels.push(channel_of(
            channel::SMTP_TIME,
            smtp_ms,
            ChannelUnit::Milliseconds,
        ));
        let mailbox_channel = match trip.protocol {
            MailboxProtocol::Imap => channel::IMAP_TIME,
            MailboxProtocol::Pop3 => channel::POP3_TIME,
        };
        channels.push(channel_of(
            mailbox_channel,
            millis(trip.mailbox_time()),
            ChannelUnit::Milliseconds,
        ));
        if let Some(latency) = latency_ms {
            channels.push(channel_of(
                channel::DELIVERY_LATENCY,
                latency,
                ChannelUnit::Milliseconds,
            ));
        }
    }
    if let Some(send_time) = outcome.send_time {
        channels.push(channel_of(
            channel::SEND_TIME,
            millis(send_time),
            ChannelUnit::Milliseconds,
        ));
    }
    if let Some(days) = days_left {
        channels.push(channel_of(
            channel::CERTIFICATE_EXPIRY,
            days as f64,
            ChannelUnit::Days,
        ));
    }
    if let Some(days) = mailbox_days_left {
        channels.push(channel_of(
            channel::MAILBOX_CERTIFICATE_EXPIRY,
            days as f64,
            ChannelUnit::Days,
        ));
    }
    let smtp_tls = tls_info(tls);
    let mailbox = trip.map(|trip| MailboxResult {
        remote_address: trip.remote.clone(),
        found: trip.found_at.is_some(),
        searches: trip.searches,
        deleted: trip.deleted,
        left_flagged: trip.left_flagged,
        latency_precision_ms: trip.latency_precision().map(millis),
        tls: tls_info(&trip.tls),
    });
    CheckResult {
        status,
        message,
        channels,
        timings,
        remote_address: remote,
        banner: outcome.banner,
        last_reply: outcome.last_reply,
        capabilities: outcome.capabilities,
        tls: smtp_tls,
        recipients: outcome.recipients,
        failure,
        transcript,
        mailbox,
    }
}

/// What TLS showed, when a handshake got far enough to show anything.
fn tls_info(tls: &TlsFacts) -> Option<TlsInfo> {
    let leaf = tls.leaf.as_ref();
    let earliest = tls.earliest();
    let judged = tls.judged();
    (tls.attempted && (tls.version.is_some() || leaf.is_some())).then(|| TlsInfo {
        version: tls.version.clone().unwrap_or_default(),
        cipher_suite: tls.cipher_suite.clone().unwrap_or_default(),
        subject: leaf.map(|l| l.subject.clone()).unwrap_or_default(),
        issuer: leaf.map(|l| l.issuer.clone()).unwrap_or_default(),
        not_after: leaf.map_or(0, |l| l.not_after),
        earliest_subject: earliest.map(|e| e.subject.clone()).unwrap_or_default(),
        earliest_not_after: earliest.map_or(0, |e| e.not_after),
        chain_subject: judged.map(|e| e.subject.clone()).unwrap_or_default(),
        chain_not_after: judged.map_or(0, |e| e.not_after),
        verified: tls.verified,
    })
}

/// Whether a phase is the round trip's mailbox side.
pub fn is_mailbox_phase(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::MailboxConnect
            | Phase::MailboxTlsHandshake
            | Phase::MailboxGreeting
            | Phase::MailboxStarttls
            | Phase::MailboxLogin
            | Phase::MailboxSearch
            | Phase::MailboxFetch
            | Phase::MailboxDelete
            | Phase::MailboxLogout
    )
}

/// The protocol's name, as users write it.
fn protocol_name(protocol: MailboxProtocol) -> &'static str {
    match protocol {
        MailboxProtocol::Imap => "IMAP",
        MailboxProtocol::Pop3 => "POP3",
    }
}

/// The channels every result starts with, whoever makes it: Response Time, the primary
/// channel, and Downtime. A macro, as [`crate::settings_view!`] is: the host makes results
/// of its own (a component that failed) with its own generated types, from this one rule.
#[macro_export]
macro_rules! headline_channels {
    ($channel:ident, $unit:ident, $response_ms:expr, $down:expr) => {
        vec![
            $channel {
                name: $crate::limits::channel::RESPONSE_TIME.into(),
                value: $response_ms,
                unit: $unit::Milliseconds,
            },
            $channel {
                name: $crate::limits::channel::DOWNTIME.into(),
                value: if $down { 100.0 } else { 0.0 },
                unit: $unit::Percent,
            },
        ]
    };
}

fn channel_of(name: &str, value: f64, unit: ChannelUnit) -> Channel {
    Channel {
        name: name.into(),
        value,
        unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::DAY;
    use crate::journal::Journal;
    use crate::smtp::reply::make_reply;
    use crate::testing::settings;
    use crate::tls::certificate::Leaf;
    use crate::wit::{Failure, TransportSecurity};
    use std::time::Duration;

    const NOW: i64 = 1_800_000_000;

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
            send_time: None,
            accepted_at: None,
            journal,
            trip: None,
        }
    }

    fn trip(found_ms: Option<u64>) -> crate::mailbox::trip::Trip {
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
        });
        s
    }

    #[test]
    fn a_round_trip_adds_its_times_and_names_the_mailbox() {
        let s = round_trip_settings();
        let arrived = Outcome {
            trip: Some(trip(Some(26))),
            ..up(5)
        };
        let result = report(
            &s,
            &Expect::default(),
            arrived,
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

        let lost = Outcome {
            trip: Some(trip(None)),
            ..up(5)
        };
        let result = report(
            &s,
            &Expect::default(),
            lost,
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
                .starts_with("imap.example:993: the test email did not arrive")
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
        let late = Outcome {
            trip: Some(trip(Some(2_506))),
            ..up(5)
        };
        let result = report(
            &round_trip_settings(),
            &Expect::default(),
            late,
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
        let soon = report(&s, &Expect::default(), up(5), None, &secured(3), NOW);
        assert_eq!(soon.status, Status::Warning);
        assert_eq!(
            soon.failure.unwrap().kind,
            ErrorKind::CertificateExpiring(3)
        );
        let not_secured = TlsFacts {
            established: false,
            ..secured(-5)
        };
        let result = report(&s, &Expect::default(), up(5), None, &not_secured, NOW);
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
        let result = report(&s, &Expect::default(), up(5), None, &facts, NOW);
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
        let result = report(
            &s,
            &Expect::default(),
            outcome,
            None,
            &TlsFacts::default(),
            NOW,
        );
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

    #[test]
    fn a_slow_check_names_its_threshold_and_last_phase() {
        let mut s = settings("mx.example", TransportSecurity::None);
        s.response_time_warning_ms = Some(100);
        s.response_time_critical_ms = Some(1000);
        let result = report(
            &s,
            &Expect::default(),
            up(1500),
            None,
            &TlsFacts::default(),
            NOW,
        );
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
        let warned = report(
            &s,
            &Expect::default(),
            up(150),
            None,
            &TlsFacts::default(),
            NOW,
        );
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
        let result = report(
            &settings,
            &Expect::default(),
            outcome,
            None,
            &TlsFacts::default(),
            NOW,
        );
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
        let result = report(&s, &Expect::default(), up(5), None, &facts, NOW);
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
        let result = report(&s, &Expect::default(), up(5), None, &facts, NOW);
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
        let result = report(&s, &Expect::default(), up(5), None, &facts, NOW);
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
        let result = report(
            &s,
            &Expect::default(),
            outcome,
            None,
            &TlsFacts::default(),
            NOW,
        );
        assert_eq!(result.status, Status::Warning);
        assert!(
            result.message.contains("the relay probe is inconclusive")
                && result.message.contains("454 4.7.1"),
            "{}",
            result.message
        );
    }
}
