//! An EHLO reply of arbitrary lines: the capability parser and the SASL mechanism choice
//! read it without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::capabilities::{find, parse_ehlo};
use smtp_sensor_guest::make_reply;
use smtp_sensor_guest::sasl;
use smtp_sensor_guest::wit::AuthMechanism;

fuzz_target!(|input: (u16, Vec<String>, u8)| {
    let (code, lines, choice) = input;
    let reply = make_reply(code, lines);
    let capabilities = parse_ehlo(&reply);
    let _ = find(&capabilities, "AUTH");
    let _ = find(&capabilities, "STARTTLS");
    let offered = sasl::offered(&capabilities);
    let wanted = match choice % 5 {
        0 => None,
        1 => Some(AuthMechanism::Plain),
        2 => Some(AuthMechanism::Login),
        3 => Some(AuthMechanism::CramMd5),
        _ => Some(AuthMechanism::Xoauth2),
    };
    let _ = sasl::choose(wanted, &offered);
});
