//! Fixed results for the tests of the outputs and of the prober, and the outputs' snapshot
//! check: each format's rendering of each fixture is kept in
//! `src/output/snapshots/FORMAT/FIXTURE` and compared byte for byte.
//! `UPDATE_SNAPSHOTS=1 cargo test -p smtp-sensor output::` writes them anew (then review
//! the diff). Test data only, kept outside output/ because serve/'s tests read it too.

use crate::sensor::Sensor;
use crate::wit::{
    AuthProperty, AuthResult, AuthResults, Capability, Channel, ChannelUnit, CheckResult,
    DnssecState, DomainResult, EnhancedCode, ErrorKind, Failure, MailboxResult, MtaStsResult,
    MxHostResult, MxSource, Phase, PhaseTiming, RecipientReply, Reply, Status, StsMode, StsPolicy,
    TlsInfo, TlsRptResult,
};
use smtp_sensor_guest::Thresholds;

mod dane;
pub use dane::up_dane;
use smtp_sensor_guest::limits::channel as channel_name;
use std::path::PathBuf;

const THRESHOLDS: Thresholds = Thresholds {
    warning_days: 14,
    critical_days: 0,
    response_warning_ms: Some(500),
    response_critical_ms: Some(2000),
    latency_warning_ms: Some(5000),
    latency_critical_ms: Some(30000),
    mailbox_warning_days: 14,
    mailbox_critical_days: 0,
};

/// Every fixture, by name.
pub fn all() -> Vec<(&'static str, Sensor)> {
    vec![
        ("up-starttls", up_with_tls()),
        ("warning-slow", warning_slow()),
        ("warning-fallback", warning_after_fallback()),
        ("down-before-connect", down_before_connect()),
        ("down-after-tls", down_after_tls()),
        ("up-with-mail", up_with_mail()),
        ("up-round-trip", up_round_trip()),
        ("down-not-delivered", down_not_delivered()),
        ("up-round-trip-verdicts", up_round_trip_verdicts()),
        ("warning-delivered-to-spam", warning_delivered_to_spam()),
        ("component-failed", component_failed()),
        ("warning-domain", warning_domain()),
        ("up-dane", up_dane()),
        ("hostile", hostile()),
    ]
}

/// Compares `rendered` with the stored snapshot, or stores it with `UPDATE_SNAPSHOTS=1`.
pub fn snapshot(format: &str, fixture: &str, rendered: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/output/snapshots")
        .join(format)
        .join(fixture);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no snapshot {} ({e}); run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(
        rendered,
        stored,
        "{format} of {fixture} differs from {}",
        path.display()
    );
}

fn reply(code: u16, lines: &[&str]) -> Reply {
    let enhanced_code = lines.first().and_then(|l| {
        let mut parts = l.split(' ').next()?.split('.');
        Some(EnhancedCode {
            class: parts.next()?.parse().ok()?,
            subject: parts.next()?.parse().ok()?,
            detail: parts.next()?.parse().ok()?,
        })
    });
    Reply {
        code,
        enhanced_code,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    }
}

fn channel(name: &str, value: f64, unit: ChannelUnit) -> Channel {
    Channel {
        name: name.into(),
        value,
        unit,
    }
}

fn channels(response_ms: f64, down: bool) -> Vec<Channel> {
    vec![
        channel("Response Time", response_ms, ChannelUnit::Milliseconds),
        channel(
            "Downtime",
            if down { 100.0 } else { 0.0 },
            ChannelUnit::Percent,
        ),
    ]
}

fn timings(phases: &[(Phase, f64)]) -> Vec<PhaseTiming> {
    phases
        .iter()
        .map(|&(phase, milliseconds)| PhaseTiming {
            phase,
            milliseconds,
        })
        .collect()
}

fn capabilities(keywords: &[&str]) -> Vec<Capability> {
    keywords
        .iter()
        .map(|k| {
            let mut words = k.split(' ');
            Capability {
                keyword: words.next().unwrap().into(),
                params: words.map(str::to_string).collect(),
            }
        })
        .collect()
}

fn tls(verified: bool, not_after: i64) -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        subject: "CN=mail.example.com".into(),
        issuer: "CN=Example CA".into(),
        not_after,
        earliest_subject: "CN=mail.example.com".into(),
        earliest_not_after: not_after,
        chain_subject: "CN=mail.example.com".into(),
        chain_not_after: not_after,
        verified,
    }
}

fn sensor(result: CheckResult) -> Sensor {
    Sensor {
        name: None,
        thresholds: THRESHOLDS,
        result,
    }
}

fn empty(status: Status, message: &str, response_ms: f64) -> CheckResult {
    CheckResult {
        status,
        message: message.into(),
        channels: channels(response_ms, status == Status::Down),
        timings: Vec::new(),
        remote_address: None,
        banner: None,
        last_reply: None,
        capabilities: Vec::new(),
        tls: None,
        recipients: Vec::new(),
        message_reply: None,
        failure: None,
        transcript: Vec::new(),
        mailbox: None,
        domain: None,
        dane: None,
    }
}

/// STARTTLS to a server with a certificate 89 days from expiry: up.
pub fn up_with_tls() -> Sensor {
    let mut result = empty(
        Status::Up,
        "mail.example.com:25 answered in 42.1 ms: 220 mail.example.com ESMTP Postfix",
        42.125,
    );
    result.channels.extend([
        channel("TLS Handshake", 8.5, ChannelUnit::Milliseconds),
        channel("Certificate Expiry", 89.0, ChannelUnit::Days),
    ]);
    result.timings = timings(&[
        (Phase::NameLookup, 0.5),
        (Phase::Connect, 0.75),
        (Phase::Banner, 3.25),
        (Phase::Ehlo, 1.125),
        (Phase::Starttls, 0.875),
        (Phase::TlsHandshake, 8.5),
        (Phase::EhloAfterTls, 1.0),
        (Phase::Quit, 0.5),
    ]);
    result.remote_address = Some("192.0.2.25:25".into());
    result.banner = Some(reply(220, &["mail.example.com ESMTP Postfix"]));
    result.last_reply = Some(reply(221, &["2.0.0 Bye"]));
    result.capabilities = capabilities(&[
        "PIPELINING",
        "SIZE 10240000",
        "8BITMIME",
        "AUTH PLAIN LOGIN",
    ]);
    result.tls = Some(tls(true, 1_803_081_600));
    sensor(result)
}

/// Up, but slower than the 500 ms warning threshold.
pub fn warning_slow() -> Sensor {
    let mut result = empty(
        Status::Warning,
        "mail.example.com:25 answered in 612.0 ms: 220 mail.example.com ESMTP; but the \
         response took longer than the threshold of 500 ms",
        612.0,
    );
    result.timings = timings(&[
        (Phase::Connect, 1.0),
        (Phase::Banner, 600.0),
        (Phase::Ehlo, 11.0),
        (Phase::Quit, 0.5),
    ]);
    result.remote_address = Some("192.0.2.25:25".into());
    result.banner = Some(reply(220, &["mail.example.com ESMTP"]));
    result.last_reply = Some(reply(221, &["Bye"]));
    result.capabilities = capabilities(&["PIPELINING"]);
    result.failure = Some(Failure {
        phase: Phase::Ehlo,
        kind: ErrorKind::ResponseTimeExceeded(500),
    });
    sensor(result)
}

/// `tls-if-available`: the handshake failed, the check went on in plain text: warning.
pub fn warning_after_fallback() -> Sensor {
    let mut result = empty(
        Status::Warning,
        "mail.example.com:465 answered in 9.0 ms: 220 mail.example.com; but implicit TLS \
         failed (the server did not answer with TLS), so the check went on in plain text: the \
         connection was not encrypted",
        9.0,
    );
    result.timings = timings(&[
        (Phase::Connect, 1.5),
        (Phase::TlsHandshake, 2.0),
        (Phase::Connect, 0.25),
        (Phase::Banner, 3.0),
        (Phase::Ehlo, 1.0),
        (Phase::Quit, 0.5),
    ]);
    result.remote_address = Some("[2001:db8::25]:465".into());
    result.banner = Some(reply(220, &["mail.example.com"]));
    result.last_reply = Some(reply(221, &["Bye"]));
    result.failure = Some(Failure {
        phase: Phase::TlsHandshake,
        kind: ErrorKind::TlsFailed("the server did not answer with TLS".into()),
    });
    sensor(result)
}

/// Nothing listens on the port: down before any dialogue.
pub fn down_before_connect() -> Sensor {
    let mut result = empty(
        Status::Down,
        "127.0.0.2:25: connection refused (nothing is listening on that port)",
        0.375,
    );
    result.timings = timings(&[(Phase::Connect, 0.375)]);
    result.failure = Some(Failure {
        phase: Phase::Connect,
        kind: ErrorKind::ConnectionRefused,
    });
    sensor(result)
}

/// Implicit TLS with an expired certificate: down, with what the server presented.
pub fn down_after_tls() -> Sensor {
    let mut result = empty(
        Status::Down,
        "mail.example.com:465: certificate rejected: the certificate expired on \
         2026-11-24 00:00:00 UTC",
        5.5,
    );
    result
        .channels
        .push(channel("Certificate Expiry", -3.0, ChannelUnit::Days));
    result.timings = timings(&[(Phase::Connect, 0.5), (Phase::TlsHandshake, 5.0)]);
    result.remote_address = Some("192.0.2.25:465".into());
    result.tls = Some(tls(false, 1_795_478_400));
    result.failure = Some(Failure {
        phase: Phase::TlsHandshake,
        kind: ErrorKind::CertificateRejected(
            "the certificate expired on 2026-11-24 00:00:00 UTC".into(),
        ),
    });
    sensor(result)
}

/// Logged in and sent the test email to two recipients: up, with Send Time.
pub fn up_with_mail() -> Sensor {
    let mut result = empty(
        Status::Up,
        "mail.example.com:587 answered in 30.5 ms: 220 mail.example.com ESMTP; the test email \
         was accepted: 250 2.0.0 Ok: queued as 912BCE803F",
        30.5,
    );
    result.channels.extend([
        channel("TLS Handshake", 7.0, ChannelUnit::Milliseconds),
        channel("Send Time", 12.25, ChannelUnit::Milliseconds),
        channel("Certificate Expiry", 200.0, ChannelUnit::Days),
    ]);
    result.timings = timings(&[
        (Phase::Connect, 0.5),
        (Phase::Banner, 2.0),
        (Phase::Ehlo, 1.0),
        (Phase::Starttls, 0.5),
        (Phase::TlsHandshake, 7.0),
        (Phase::EhloAfterTls, 1.0),
        (Phase::Auth, 4.0),
        (Phase::MailFrom, 1.0),
        (Phase::RcptTo, 1.25),
        (Phase::Data, 10.0),
        (Phase::Quit, 0.5),
    ]);
    result.remote_address = Some("192.0.2.25:587".into());
    result.banner = Some(reply(220, &["mail.example.com ESMTP"]));
    result.last_reply = Some(reply(221, &["2.0.0 Bye"]));
    result.capabilities = capabilities(&["AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES"]);
    result.tls = Some(tls(true, 1_812_240_000));
    result.recipients = vec![
        RecipientReply {
            address: "postmaster@example.com".into(),
            reply: reply(250, &["2.1.5 Ok"]),
        },
        RecipientReply {
            address: "probe@example.com".into(),
            reply: reply(250, &["2.1.5 Ok"]),
        },
    ];
    result.message_reply = Some(reply(250, &["2.0.0 Ok: queued as 912BCE803F"]));
    sensor(result)
}

/// A round trip over IMAP: the test email arrived 840 ms after it was accepted, and was
/// deleted; up.
pub fn up_round_trip() -> Sensor {
    let mut result = empty(
        Status::Up,
        "mail.example.com:25 answered in 20.5 ms: 220 mail.example.com ESMTP; the test email \
         arrived in imap.example.com:993 (IMAP) 840.0 ms after it was accepted (± 60.0 ms, \
         as the looks tell)",
        912.5,
    );
    result.channels.extend([
        channel("SMTP Time", 20.5, ChannelUnit::Milliseconds),
        channel("IMAP Time", 892.0, ChannelUnit::Milliseconds),
        channel("Delivery Latency", 840.0, ChannelUnit::Milliseconds),
        channel("Send Time", 9.0, ChannelUnit::Milliseconds),
        channel("Mailbox Certificate Expiry", 200.0, ChannelUnit::Days),
    ]);
    result.timings = timings(&[
        (Phase::Connect, 0.5),
        (Phase::Banner, 2.0),
        (Phase::Ehlo, 1.0),
        (Phase::MailFrom, 1.0),
        (Phase::RcptTo, 1.0),
        (Phase::Data, 7.0),
        (Phase::Quit, 0.5),
        (Phase::MailboxConnect, 0.5),
        (Phase::MailboxTlsHandshake, 6.0),
        (Phase::MailboxGreeting, 1.0),
        (Phase::MailboxLogin, 4.5),
        (Phase::MailboxSearch, 870.0),
        (Phase::MailboxFetch, 1.0),
        (Phase::MailboxDelete, 1.5),
        (Phase::MailboxLogout, 0.5),
    ]);
    result.remote_address = Some("192.0.2.25:25".into());
    result.banner = Some(reply(220, &["mail.example.com ESMTP"]));
    result.last_reply = Some(reply(221, &["2.0.0 Bye"]));
    result.recipients = vec![RecipientReply {
        address: "roundtrip@example.com".into(),
        reply: reply(250, &["2.1.5 Ok"]),
    }];
    result.mailbox = Some(MailboxResult {
        remote_address: Some("192.0.2.143:993".into()),
        found: true,
        searches: 4,
        deleted: 1,
        left_flagged: 0,
        latency_precision_ms: Some(60.0),
        tls: Some(tls(true, 1_812_240_000)),
        folder: Some("INBOX".into()),
        in_spam: false,
        authentication: None,
    });
    sensor(result)
}

/// One result of an Authentication-Results field: `method=result`, its reason, then its
/// properties as `name=value` pairs.
fn auth_result(
    method: &str,
    result: &str,
    reason: Option<&str>,
    properties: &[&str],
) -> AuthResult {
    AuthResult {
        method: method.into(),
        result: result.into(),
        reason: reason.map(Into::into),
        properties: properties
            .iter()
            .filter_map(|p| p.split_once('='))
            .map(|(name, value)| AuthProperty {
                name: name.into(),
                value: value.into(),
            })
            .collect(),
    }
}

/// The receiver's verdicts on a test email from sender.test, as Postfix with OpenDKIM,
/// OpenDMARC and an SPF policy daemon writes them: one field each, topmost first.
fn verdicts(dkim: &str, dmarc: &str) -> AuthResults {
    let dkim_reason = (dkim != "pass").then_some("signature verification failed");
    let dkim_written = match dkim_reason {
        Some(reason) => format!("{dkim} reason=\"{reason}\""),
        None => dkim.to_string(),
    };
    let dmarc_policy = match dmarc {
        "pass" => "(p=reject dis=none)",
        _ => "(p=quarantine dis=quarantine)",
    };
    AuthResults {
        authserv_id: "receiver.test".into(),
        results: vec![
            auth_result("dmarc", dmarc, None, &["header.from=sender.test"]),
            auth_result(
                "dkim",
                dkim,
                dkim_reason,
                &[
                    "header.d=sender.test",
                    "header.i=@sender.test",
                    "header.a=rsa-sha256",
                    "header.s=s1",
                    "header.b=AbCdEf12",
                ],
            ),
            auth_result("spf", "pass", None, &["smtp.mailfrom=sender.test"]),
        ],
        fields: vec![
            format!("receiver.test; dmarc={dmarc} {dmarc_policy} header.from=sender.test"),
            format!(
                "receiver.test; dkim={dkim_written} (2048-bit key; unprotected) \
                 header.d=sender.test \
                 header.i=@sender.test header.a=rsa-sha256 header.s=s1 header.b=AbCdEf12"
            ),
            "receiver.test; spf=pass smtp.mailfrom=sender.test".into(),
        ],
        from_arc: false,
    }
}

/// A round trip over IMAP that found the test email in INBOX, with the receiver's
/// verdicts: SPF, DKIM and DMARC pass: up.
pub fn up_round_trip_verdicts() -> Sensor {
    let mut sensor = up_round_trip();
    let result = &mut sensor.result;
    result.channels.extend([
        channel("In Spam Folder", 0.0, ChannelUnit::Flag),
        channel("SPF Pass", 1.0, ChannelUnit::Flag),
        channel("DKIM Pass", 1.0, ChannelUnit::Flag),
        channel("DMARC Pass", 1.0, ChannelUnit::Flag),
    ]);
    if let Some(mailbox) = &mut result.mailbox {
        mailbox.authentication = Some(verdicts("pass", "pass"));
    }
    sensor
}

/// A round trip over IMAP whose test email arrived in the Junk folder, DKIM having failed
/// at the receiver and DMARC with it: warning, `delivered-to-spam`.
pub fn warning_delivered_to_spam() -> Sensor {
    let mut sensor = up_round_trip();
    let result = &mut sensor.result;
    result.status = Status::Warning;
    result.message = "mail.example.com:25 answered in 20.5 ms: 220 mail.example.com ESMTP; the \
                      test email arrived in imap.example.com:993 (IMAP) 840.0 ms after it was \
                      accepted (± 60.0 ms, as the looks tell); but imap.example.com:993: the \
                      test email was delivered to spam: it arrived in the folder \"Junk\""
        .into();
    result.channels.extend([
        channel("In Spam Folder", 1.0, ChannelUnit::Flag),
        channel("SPF Pass", 1.0, ChannelUnit::Flag),
        channel("DKIM Pass", 0.0, ChannelUnit::Flag),
        channel("DMARC Pass", 0.0, ChannelUnit::Flag),
    ]);
    result.failure = Some(Failure {
        phase: Phase::MailboxSearch,
        kind: ErrorKind::DeliveredToSpam("Junk".into()),
    });
    if let Some(mailbox) = &mut result.mailbox {
        mailbox.folder = Some("Junk".into());
        mailbox.in_spam = true;
        mailbox.authentication = Some(verdicts("fail", "fail"));
    }
    sensor
}

/// A round trip over POP3 whose test email never arrived: down, with the wait.
pub fn down_not_delivered() -> Sensor {
    let mut result = empty(
        Status::Down,
        "pop.example.com:995: the test email did not arrive in the mailbox: waited 29.9 s \
         after the SMTP server accepted it",
        29_950.0,
    );
    result.channels.extend([
        channel("SMTP Time", 25.0, ChannelUnit::Milliseconds),
        channel("POP3 Time", 29_925.0, ChannelUnit::Milliseconds),
        channel("Send Time", 11.0, ChannelUnit::Milliseconds),
    ]);
    result.timings = timings(&[
        (Phase::Connect, 0.5),
        (Phase::Banner, 2.0),
        (Phase::Data, 11.0),
        (Phase::MailboxConnect, 3.5),
        (Phase::MailboxTlsHandshake, 48.0),
        (Phase::MailboxGreeting, 8.0),
        (Phase::MailboxLogin, 30.0),
        (Phase::MailboxSearch, 16.0),
        (Phase::MailboxFetch, 12.0),
        (Phase::MailboxLogout, 8.0),
    ]);
    result.failure = Some(Failure {
        phase: Phase::MailboxSearch,
        kind: ErrorKind::MessageNotDelivered(29_900),
    });
    result.mailbox = Some(MailboxResult {
        remote_address: Some("192.0.2.110:995".into()),
        found: false,
        searches: 8,
        deleted: 0,
        left_flagged: 0,
        latency_precision_ms: None,
        tls: None,
        folder: None,
        in_spam: false,
        authentication: None,
    });
    sensor(result)
}

/// The component trapped: down, and UNKNOWN to Nagios.
pub fn component_failed() -> Sensor {
    let mut result = empty(
        Status::Down,
        "mail.example.com:25: the check itself failed: wasm trap: unreachable",
        0.0,
    );
    result.failure = Some(Failure {
        phase: Phase::Settings,
        kind: ErrorKind::ComponentFailed("wasm trap: unreachable".into()),
    });
    sensor(result)
}

/// A server that puts terminal escapes, an OSC title change, CR, LF, NUL, `|`, quotes and
/// backslashes in its banner and a forged exposition line in a capability keyword.
pub fn hostile() -> Sensor {
    let banner = "evil \u{1b}[31mRED\u{1b}]0;pwned\u{7} a|b\r\nFAKE LINE\0 \"q\" \\ \u{202e}";
    let mut result = empty(
        Status::Up,
        &format!("127.0.0.1:25 answered in 2.0 ms: 220 {banner}"),
        2.0,
    );
    result.timings = timings(&[(Phase::Connect, 0.5), (Phase::Banner, 1.0)]);
    result.banner = Some(reply(220, &[banner]));
    result.last_reply = Some(reply(250, &["ok|'Response Time'=0s;;;0"]));
    result.capabilities = vec![Capability {
        keyword: "X\"}\nprobe_success".into(),
        params: vec!["1".into()],
    }];
    result.transcript = vec![crate::wit::TranscriptLine {
        at_milliseconds: 1.0,
        direction: crate::wit::Direction::Server,
        text: format!("220 {banner}"),
    }];
    sensor(result)
}

/// A mail domain's check: two MX hosts, the first up over STARTTLS with TLS 1.3, the
/// second silent until the deadline; an `enforce` MTA-STS policy both match, which the
/// second cannot meet; a TLS-RPT record; DANE matched on the first, not published for the
/// second. Warning: one MX host failed.
pub fn warning_domain() -> Sensor {
    let mut result = empty(
        Status::Warning,
        "example.com: 1 of 2 MX hosts up; mx2.example.com:25: the server sent no greeting \
         within 10.0 s; MTA-STS enforce, max_age 7 days",
        10_004.5,
    );
    result.channels.extend([
        channel(channel_name::MX_HOSTS, 2.0, ChannelUnit::Count),
        channel(channel_name::MX_HOSTS_UP, 1.0, ChannelUnit::Count),
        channel(channel_name::CERTIFICATE_EXPIRY, 89.0, ChannelUnit::Days),
        channel(channel_name::MTA_STS_MODE, 2.0, ChannelUnit::Count),
        channel(channel_name::MTA_STS_MAX_AGE, 7.0, ChannelUnit::Days),
        channel(channel_name::DANE, 1.0, ChannelUnit::Count),
        channel(channel_name::DANE_MATCHED, 1.0, ChannelUnit::Count),
        channel(channel_name::DANE_STANDBY, 1.0, ChannelUnit::Count),
        channel(channel_name::DNSSEC, 1.0, ChannelUnit::Count),
        channel(
            channel_name::DNSSEC_SIGNATURE_EXPIRY,
            5.5,
            ChannelUnit::Days,
        ),
    ]);
    result.timings = timings(&[
        (Phase::MxLookup, 3.5),
        (Phase::MtaStsLookup, 2.0),
        (Phase::TlsRptLookup, 2.25),
        (Phase::MtaStsFetch, 55.0),
    ]);
    result.failure = Some(Failure {
        phase: Phase::Banner,
        kind: ErrorKind::MxHostsFailed(
            "mx2.example.com: the server sent no greeting within 10.0 s".into(),
        ),
    });
    let mut mx1_tls = tls(true, 1_803_081_600);
    for subject in [
        &mut mx1_tls.subject,
        &mut mx1_tls.earliest_subject,
        &mut mx1_tls.chain_subject,
    ] {
        *subject = "CN=mx1.example.com".into();
    }
    let mx1 = MxHostResult {
        exchange: "mx1.example.com".into(),
        preference: 10,
        addresses: vec!["192.0.2.25".into(), "2001:db8::25".into()],
        status: Status::Up,
        message: "mx1.example.com:25 answered in 48.5 ms: 220 mx1.example.com ESMTP Postfix".into(),
        failure: None,
        response_milliseconds: 48.5,
        timings: timings(&[
            (Phase::NameLookup, 1.5),
            (Phase::Connect, 0.75),
            (Phase::Banner, 12.25),
            (Phase::Ehlo, 1.0),
            (Phase::Starttls, 0.5),
            (Phase::TlsHandshake, 9.0),
            (Phase::EhloAfterTls, 1.0),
            (Phase::Quit, 0.5),
        ]),
        remote_address: Some("192.0.2.25:25".into()),
        banner: Some(reply(220, &["mx1.example.com ESMTP Postfix"])),
        capabilities: capabilities(&["PIPELINING", "SIZE 10240000", "8BITMIME"]),
        tls: Some(mx1_tls),
        sts_pattern: Some("mx1.example.com".into()),
        sts_valid: Some(true),
        transcript: Vec::new(),
        dane: Some(dane::matched("mx1.example.com")),
    };
    let mx2 = MxHostResult {
        exchange: "mx2.example.com".into(),
        preference: 20,
        addresses: vec!["192.0.2.26".into()],
        status: Status::Down,
        message: "mx2.example.com:25: the server sent no greeting within 10.0 s".into(),
        failure: Some(Failure {
            phase: Phase::Banner,
            kind: ErrorKind::Timeout,
        }),
        response_milliseconds: 10_004.5,
        timings: timings(&[
            (Phase::NameLookup, 1.75),
            (Phase::Connect, 2.75),
            (Phase::Banner, 10_000.0),
        ]),
        remote_address: Some("192.0.2.26:25".into()),
        banner: None,
        capabilities: Vec::new(),
        tls: None,
        sts_pattern: Some("*.example.com".into()),
        sts_valid: Some(false),
        transcript: Vec::new(),
        dane: Some(dane::not_published("mx2.example.com")),
    };
    result.domain = Some(DomainResult {
        name: "example.com".into(),
        mx_source: MxSource::MxRecords,
        mx_hosts: vec![mx1, mx2],
        mx_not_checked: 0,
        mta_sts: MtaStsResult {
            record_id: Some("20261201T000000".into()),
            record_error: None,
            policy: Some(StsPolicy {
                mode: StsMode::Enforce,
                max_age_seconds: 604_800,
                mx: vec!["mx1.example.com".into(), "*.example.com".into()],
            }),
            policy_error: None,
            fetch_milliseconds: Some(55.0),
        },
        tls_rpt: Some(TlsRptResult {
            rua: vec!["mailto:tlsrpt@example.com".into()],
            error: None,
        }),
        notes: vec!["the MTA-STS policy repeats max_age; the first one counts".into()],
        dnssec: dane::dnssec(DnssecState::Secure, Some("MX example.com")),
    });
    sensor(result)
}
