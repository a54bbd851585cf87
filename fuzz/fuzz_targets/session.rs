//! The whole SMTP dialogue against a server that says anything, in any chunks, with the
//! TLS upgrade succeeding or failing and the connection closing or timing out at the end:
//! the session never panics, ends when told, and nothing it keeps holds the password in any
//! form it was sent in (a hostile server may quote it back).

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::Journal;
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::sasl;
use smtp_sensor_guest::wit::{AuthMechanism, ErrorKind};
use smtp_sensor_guest::{Agenda, AuthPlan, MailPlan, Session, StartTls, Transaction};
use std::time::Duration;

const PASSWORD: &str = "S3cret-pw-for-fuzzing";

// `data[0]`: the plan (bits 0-1 STARTTLS never/if available/required, bit 2 implicit TLS,
// bit 3 log in, bits 4-6 the mechanism, bit 7 send mail); `data[1]`: bit 0 allow plaintext
// AUTH, bit 1 the TLS handshake fails, bit 2 the connection closes (else times out), bits
// 3-7 the read size (0: everything in one read); the rest is what the server sends. A seed
// is a server's side of a real dialogue behind two such bytes.
fuzz_target!(|data: &[u8]| {
    let [plan_bits, run_bits, server @ ..] = data else {
        return;
    };
    let starttls = match plan_bits & 3 {
        0 => StartTls::Never,
        1 => StartTls::IfAvailable,
        _ => StartTls::Required,
    };
    let mut plan = Agenda::greet("probe.example", starttls);
    plan.encrypted = plan_bits & 4 != 0;
    if plan_bits & 8 != 0 {
        plan.auth = Some(AuthPlan {
            user: "probe@example.com".into(),
            password: Secret::new(PASSWORD),
            mechanism: match (plan_bits >> 4) & 7 {
                0 => None,
                1 => Some(AuthMechanism::Plain),
                2 => Some(AuthMechanism::Login),
                3 => Some(AuthMechanism::CramMd5),
                _ => Some(AuthMechanism::Xoauth2),
            },
            allow_plaintext: run_bits & 1 != 0,
        });
    }
    if plan_bits & 128 != 0 {
        plan.mail = Some(MailPlan {
            from: "probe@example.com".into(),
            to: vec!["postmaster@example.com".into(), "b@example.com".into()],
            transaction: Transaction::Deliver(b"Subject: probe\r\n\r\n.hello\r\n".to_vec()),
        });
    }
    let read_size = match usize::from(run_bits >> 3) {
        0 => server.len().max(1),
        n => n,
    };
    let mut session = Session::new(plan, Journal::new(true), Duration::ZERO);
    let mut now = Duration::ZERO;
    for read in server.chunks(read_size) {
        if session.is_closed() {
            break;
        }
        now += Duration::from_millis(1);
        session.handle_input(now, read);
        let _ = session.poll_transmit();
        if session.wants_tls() {
            if run_bits & 2 == 0 {
                session.handle_tls_established(now);
            } else {
                session.handle_tls_failed(now, ErrorKind::TlsFailed("fuzzed".into()));
            }
            let _ = session.poll_transmit();
        }
    }
    now += Duration::from_millis(1);
    if run_bits & 4 != 0 {
        session.handle_close(now, "fuzzed");
    } else {
        session.handle_timeout(now);
    }
    assert!(
        session.is_closed(),
        "the session ends when the connection does"
    );
    let outcome = session.into_outcome();
    // Everything the check keeps (replies, failures, transcript): no form of the password.
    let kept = format!("{outcome:?}");
    for form in sasl::wire_forms("probe@example.com", &Secret::new(PASSWORD)) {
        assert!(
            !kept.contains(form.expose()),
            "a form of the password in {kept}"
        );
    }
});
