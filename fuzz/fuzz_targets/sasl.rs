//! A server's AUTH challenges, arbitrary: every mechanism answers at most twice, never
//! panics, and never shows the password in what the transcript gets.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::sasl::Exchange;
use smtp_sensor_guest::wit::AuthMechanism;

const PASSWORD: &str = "S3cret-pw-for-fuzzing";

fuzz_target!(|input: (u8, Vec<String>)| {
    let (choice, challenges) = input;
    let mechanism = match choice % 4 {
        0 => AuthMechanism::Plain,
        1 => AuthMechanism::Login,
        2 => AuthMechanism::CramMd5,
        _ => AuthMechanism::Xoauth2,
    };
    let mut exchange = Exchange::new(mechanism, "probe@example.com", Secret::new(PASSWORD));
    let start = exchange.start();
    assert!(!start.shown.contains(PASSWORD));
    assert!(!format!("{start:?}").contains(PASSWORD));
    let mut answers = 0;
    for challenge in &challenges {
        if let Ok(line) = exchange.respond(challenge) {
            answers += 1;
            assert!(!line.shown.contains(PASSWORD));
            assert!(!format!("{line:?}").contains(PASSWORD));
        }
    }
    assert!(answers <= 2, "{mechanism:?} answered {answers} challenges");
});
