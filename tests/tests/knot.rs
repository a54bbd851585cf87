//! The test DNS server: a Knot DNS started on loopback answers from the zones the test
//! wrote, over UDP and TCP, asked with `kdig` (knot-dnsutils).

use smtp_sensor_tests::knot::{Knot, Zone};
use std::process::Command;

/// `kdig` at `server` for `name`'s `kind` records (`+tcp` when `tcp`), its short answer.
fn dig(server: std::net::SocketAddrV4, name: &str, kind: &str, tcp: bool) -> String {
    let output = Command::new("kdig")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), name, kind, "+short"])
        .arg(if tcp { "+tcp" } else { "+notcp" })
        .output()
        .expect("kdig is not installed: `apt-get install knot-dnsutils` (scripts/setup does)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn zone() -> Zone {
    Zone::new("example.test")
        .record("@ MX 10 mail")
        .record("mail A 127.0.0.25")
        .txt("long", &"k".repeat(600))
}

#[test]
fn knot_answers_from_the_test_zone_over_udp_and_tcp() {
    let knot = Knot::start_local(&[zone()]).expect("start Knot");
    for tcp in [false, true] {
        let mx = dig(knot.address(), "example.test", "MX", tcp);
        assert_eq!(mx.trim(), "10 mail.example.test.", "{}", knot.log());
        let a = dig(knot.address(), "mail.example.test", "A", tcp);
        assert_eq!(a.trim(), "127.0.0.25");
    }
    let long = dig(knot.address(), "long.example.test", "TXT", true);
    let joined: String = long.split('"').filter(|s| s.trim() != "").collect();
    assert_eq!(
        joined.trim(),
        "k".repeat(600),
        "split into 255-byte strings"
    );
}

#[test]
fn two_knots_on_port_53_get_addresses_of_their_own() {
    let a = Knot::start_on_53(&[Zone::new("a.test").record("@ A 127.0.0.1")]).unwrap();
    let b = Knot::start_on_53(&[Zone::new("a.test").record("@ A 127.0.0.2")]).unwrap();
    assert_ne!(a.address(), b.address());
    assert_eq!(a.address().port(), 53);
    assert_eq!(dig(a.address(), "a.test", "A", false).trim(), "127.0.0.1");
    assert_eq!(dig(b.address(), "a.test", "A", false).trim(), "127.0.0.2");
}
