//! Hostile or broken servers at every phase of a full dialogue (banner, EHLO, AUTH, MAIL,
//! RCPT, DATA, QUIT) times what they do wrong (silence, a byte a second, a flood without a
//! line end, a hang-up, a code that does not fit, garbage, bare LF line ends). Each case
//! asserts the status, the phase, the kind of error and that the check ended within its
//! deadline. The TLS phases' misbehaviours (alerts, stalls mid-handshake, a certificate for
//! another name, plain text after STARTTLS) are in `tls.rs`.

use smtp_sensor_guest::Secret;
use smtp_sensor_host::settings::request::{AuthRequest, EmailRequest};
use smtp_sensor_host::wit::{AuthMechanism, Phase, TransportSecurity};
use smtp_sensor_tests::check::{RUNNER, request};
use smtp_sensor_tests::server::{ScriptedServer, Step, say};
use std::time::{Duration, Instant};

/// The check's timeout in the matrix: short, so silent servers cost little.
const TIMEOUT_S: u32 = 2;

/// What the server says, phase by phase, in a healthy dialogue with AUTH PLAIN (allowed in
/// plain text here) and one recipient.
fn healthy() -> Vec<(Phase, Step)> {
    vec![
        (Phase::Banner, say("220 mail.test ESMTP\r\n")),
        (Phase::Ehlo, say("250-mail.test\r\n250 AUTH PLAIN\r\n")),
        (Phase::Auth, say("235 2.7.0 ok\r\n")),
        (Phase::MailFrom, say("250 2.1.0 ok\r\n")),
        (Phase::RcptTo, say("250 2.1.5 ok\r\n")),
        (Phase::Data, say("354 go ahead\r\n")),
        (Phase::Quit, say("221 2.0.0 bye\r\n")),
    ]
}

/// What the server does at the phase under test.
enum Act {
    /// These steps instead of the phase's reply, and nothing more.
    Instead(Vec<Step>),
    /// This reply instead of the phase's own, then the rest of a healthy dialogue.
    Replace(Step),
}

/// The script: healthy, but at `phase` the server does `act`.
fn script(phase: Phase, act: Act) -> Vec<Step> {
    let mut act = Some(act);
    let mut steps = Vec::new();
    for (at, reply) in healthy() {
        let reply = if at == phase {
            match act.take() {
                Some(Act::Instead(wrong)) => {
                    steps.extend(wrong);
                    return steps;
                }
                Some(Act::Replace(other)) => other,
                None => reply,
            }
        } else {
            reply
        };
        steps.push(reply);
        if at == Phase::Data {
            steps.extend([Step::ReadData, say("250 2.0.0 queued\r\n"), Step::Read]);
        } else if at == Phase::Quit {
            steps.push(Step::Close);
        } else {
            steps.push(Step::Read);
        }
    }
    steps
}

/// What the server does wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wrong {
    Silence,
    Drip,
    Flood,
    HangUp,
    OddCode,
    Garbage,
    BareLf,
}

impl Wrong {
    const ALL: [Wrong; 7] = [
        Wrong::Silence,
        Wrong::Drip,
        Wrong::Flood,
        Wrong::HangUp,
        Wrong::OddCode,
        Wrong::Garbage,
        Wrong::BareLf,
    ];

    fn act(self, phase: Phase) -> Act {
        match self {
            Wrong::Silence => Act::Instead(vec![Step::Stall]),
            Wrong::Drip => Act::Instead(vec![
                Step::Drip(b"250 slowly\r\n".to_vec(), Duration::from_secs(1)),
                Step::Stall,
            ]),
            Wrong::Flood => Act::Instead(vec![Step::Say(vec![b'x'; 64 * 1024]), Step::Stall]),
            Wrong::HangUp => Act::Instead(vec![Step::Close]),
            // A "go ahead" where none belongs (and a 220 where DATA's 354 belongs).
            Wrong::OddCode => Act::Instead(vec![
                say(if phase == Phase::Data {
                    "220 what?\r\n"
                } else {
                    "334 what?\r\n"
                }),
                Step::Stall,
            ]),
            Wrong::Garbage => Act::Instead(vec![
                Step::Say(b"\x00\xff\x1b[31m garbage\r\n".to_vec()),
                Step::Stall,
            ]),
            Wrong::BareLf => {
                let (_, reply) = healthy().into_iter().find(|(at, _)| *at == phase).unwrap();
                let Step::Say(bytes) = reply else {
                    unreachable!()
                };
                let text = String::from_utf8(bytes).unwrap().replace("\r\n", "\n");
                Act::Replace(say(&text))
            }
        }
    }
}

fn settings(port: u16) -> smtp_sensor_host::wit::Settings {
    let mut request = request("127.0.0.1", port, TransportSecurity::None);
    request.timeout_seconds = Some(TIMEOUT_S);
    request.auth = Some(AuthRequest {
        user: "probe".into(),
        password: Secret::new("hostile-matrix-pw"),
        mechanism: Some(AuthMechanism::Plain),
        allow_plaintext: true,
    });
    request.email = Some(EmailRequest {
        from: "probe@example.com".into(),
        to: vec!["postmaster@example.com".into()],
        subject: "probe".into(),
        body: "hello".into(),
        send_data: true,
    });
    request.into_settings().expect("valid settings")
}

/// One case's outcome, in words, for the table.
fn outcome(result: &smtp_sensor_host::wit::CheckResult) -> String {
    match &result.failure {
        None => format!("{:?}", result.status),
        Some(f) => {
            let kind = format!("{:?}", f.kind);
            let kind = kind.split('(').next().unwrap_or("").to_string();
            format!("{:?} {:?} {kind}", result.status, f.phase)
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_server_at_every_phase() {
    let phases = healthy()
        .into_iter()
        .map(|(phase, _)| phase)
        .collect::<Vec<_>>();
    let mut cases = Vec::new();
    for &phase in &phases {
        for wrong in Wrong::ALL {
            cases.push((phase, wrong));
        }
    }
    // Concurrently: the silent cases each wait out the timeout.
    let mut runs = tokio::task::JoinSet::new();
    for (i, &(phase, wrong)) in cases.iter().enumerate() {
        runs.spawn(async move {
            let server = ScriptedServer::start(script(phase, wrong.act(phase))).await;
            let started = Instant::now();
            let result = RUNNER.check(&settings(server.port())).await;
            (i, phase, wrong, result, started.elapsed())
        });
    }
    let mut results = runs.join_all().await;
    results.sort_by_key(|r| r.0);
    let deadline = Duration::from_secs(u64::from(TIMEOUT_S)) + Duration::from_millis(900);
    let mut wrong_outcomes = Vec::new();
    for (_, phase, wrong, result, elapsed) in &results {
        let got = outcome(result);
        let want = expected(*phase, *wrong);
        if got != want
            || *elapsed > deadline
            || (fails_at_once(*wrong) && *phase != Phase::Quit && *elapsed > Duration::from_secs(1))
        {
            wrong_outcomes.push(format!(
                "{phase:?} x {wrong:?}: got {got} in {:.2} s, want {want}: {}",
                elapsed.as_secs_f64(),
                result.message
            ));
        }
        assert!(
            !result.message.contains('\u{1b}'),
            "raw escape in {}",
            result.message
        );
    }
    assert!(
        wrong_outcomes.is_empty(),
        "{} of {} cases:\n{}",
        wrong_outcomes.len(),
        results.len(),
        wrong_outcomes.join("\n")
    );
}

/// Misbehaviours the check must see through at once, without waiting out its timeout.
fn fails_at_once(wrong: Wrong) -> bool {
    matches!(wrong, Wrong::Flood | Wrong::HangUp | Wrong::Garbage)
}

/// What the check must report for `wrong` at `phase`.
fn expected(phase: Phase, wrong: Wrong) -> String {
    // QUIT is a courtesy: once the verdict is known, nothing the server does to QUIT
    // changes it. Bare LF line ends are accepted (real servers send them).
    if phase == Phase::Quit || wrong == Wrong::BareLf {
        return "Status::Up".into();
    }
    let kind = match wrong {
        Wrong::Silence | Wrong::Drip => "Timeout",
        Wrong::Flood | Wrong::Garbage => "ProtocolViolation",
        Wrong::HangUp => "ConnectionClosed",
        // A 334 during AUTH is a challenge PLAIN cannot answer: a protocol error.
        Wrong::OddCode if phase == Phase::Auth => "ProtocolViolation",
        Wrong::OddCode => "UnexpectedReply",
        Wrong::BareLf => unreachable!(),
    };
    format!("Status::Down {phase:?} ErrorKind::{kind}")
}
