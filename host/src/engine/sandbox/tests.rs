//! The sandbox's tests: what a check may look up and connect to, and how refusals are told.

use super::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn exact() -> NetworkPolicy {
    NetworkPolicy::single(Endpoint::of("127.0.0.1", 2525))
}

fn named() -> NetworkPolicy {
    NetworkPolicy::single(Endpoint::of("mx.example", 2525))
}

#[test]
fn a_link_local_targets_address_on_another_interface_is_not_the_target() {
    let policy = NetworkPolicy::single(Endpoint::of("fe80::1", 25));
    let none = HashSet::new();
    assert!(policy.allows(addr("[fe80::1]:25"), SocketAddrUse::TcpConnect, &none));
    assert!(!policy.allows(addr("[fe80::1%2]:25"), SocketAddrUse::TcpConnect, &none));
    let named = named();
    let resolved: HashSet<SocketAddr> = named
        .reachable_after("mx.example", "fe80::5".parse().unwrap())
        .into_iter()
        .collect();
    assert!(named.allows(addr("[fe80::5]:2525"), SocketAddrUse::TcpConnect, &resolved));
    assert!(!named.allows(
        addr("[fe80::5%3]:2525"),
        SocketAddrUse::TcpConnect,
        &resolved
    ));
}

#[test]
fn grants() {
    let (exact, named) = (exact(), named());
    let resolved: HashSet<SocketAddr> = named
        .reachable_after("mx.example", [127, 0, 0, 3].into())
        .into_iter()
        .collect();
    let cases = [
        // (policy, address, use, allowed)
        (&exact, "127.0.0.1:2525", SocketAddrUse::TcpConnect, true),
        (&exact, "127.0.0.1:25", SocketAddrUse::TcpConnect, false),
        (&exact, "127.0.0.2:2525", SocketAddrUse::TcpConnect, false),
        (
            &exact,
            "[::ffff:127.0.0.1]:2525",
            SocketAddrUse::TcpConnect,
            true,
        ),
        (&named, "127.0.0.3:2525", SocketAddrUse::TcpConnect, true),
        (
            &named,
            "[::ffff:127.0.0.3]:2525",
            SocketAddrUse::TcpConnect,
            true,
        ),
        (&named, "127.0.0.3:2526", SocketAddrUse::TcpConnect, false),
        (&named, "127.0.0.4:2525", SocketAddrUse::TcpConnect, false),
        (&exact, "0.0.0.0:0", SocketAddrUse::TcpBind, true),
        (&exact, "[::]:0", SocketAddrUse::TcpBind, true),
        (&exact, "0.0.0.0:2525", SocketAddrUse::TcpBind, false),
        (&exact, "127.0.0.1:0", SocketAddrUse::TcpBind, false),
        (&exact, "127.0.0.1:2525", SocketAddrUse::UdpSend, false),
        (&exact, "0.0.0.0:0", SocketAddrUse::UdpBind, false),
        (&named, "127.0.0.3:53", SocketAddrUse::TcpListen, false),
    ];
    for (policy, address, usage, allowed) in cases {
        assert_eq!(
            policy.allows(addr(address), usage, &resolved),
            allowed,
            "{address} {usage:?}"
        );
    }
}

#[test]
fn only_the_configured_name_may_be_looked_up() {
    let named = named();
    assert!(named.may_look_up("mx.example"));
    assert!(named.may_look_up("MX.Example."));
    assert!(!named.may_look_up("other.example"));
    assert!(!named.may_look_up("mx.example.evil"));
    assert!(
        !exact().may_look_up("mx.example"),
        "an IP literal needs no lookup"
    );
}

#[test]
fn a_named_target_connects_only_where_its_lookup_pointed() {
    let guard = Guard::new(named());
    let target = addr("127.0.0.3:2525");
    assert!(
        !guard.may_use(target, SocketAddrUse::TcpConnect),
        "before the lookup"
    );
    assert!(guard.may_look_up("mx.example"));
    guard.looking_up(7, "mx.example");
    guard.resolved(7, [127, 0, 0, 3].into());
    guard.resolved(8, [127, 0, 0, 4].into()); // a stream of no allowed lookup
    assert!(guard.may_use(target, SocketAddrUse::TcpConnect));
    assert!(!guard.may_use(addr("127.0.0.4:2525"), SocketAddrUse::TcpConnect));
    assert_eq!(
        guard.refusals().as_deref(),
        Some("a connection to 127.0.0.3:2525; a connection to 127.0.0.4:2525")
    );
}

#[test]
fn two_targets_each_reach_only_their_own_port() {
    let policy = NetworkPolicy {
        targets: vec![
            Endpoint::of("mx.example", 25),
            Endpoint::of("127.0.0.5", 993),
        ],
    };
    let guard = Guard::new(policy);
    assert!(guard.may_look_up("mx.example"));
    assert!(!guard.may_look_up("imap.example"));
    guard.looking_up(1, "mx.example");
    guard.resolved(1, [127, 0, 0, 3].into());
    assert!(guard.may_use(addr("127.0.0.3:25"), SocketAddrUse::TcpConnect));
    assert!(guard.may_use(addr("127.0.0.5:993"), SocketAddrUse::TcpConnect));
    // Each address only on its own target's port.
    assert!(!guard.may_use(addr("127.0.0.3:993"), SocketAddrUse::TcpConnect));
    assert!(!guard.may_use(addr("127.0.0.5:25"), SocketAddrUse::TcpConnect));
    let named_mailbox = NetworkPolicy {
        targets: vec![
            Endpoint::of("mx.example", 25),
            Endpoint::of("imap.example", 993),
        ],
    };
    let guard = Guard::new(named_mailbox);
    guard.looking_up(1, "imap.example");
    guard.resolved(1, [127, 0, 0, 9].into());
    assert!(guard.may_use(addr("127.0.0.9:993"), SocketAddrUse::TcpConnect));
    assert!(!guard.may_use(addr("127.0.0.9:25"), SocketAddrUse::TcpConnect));
}

#[test]
fn refusals_are_described_up_to_a_bound_and_counted_beyond() {
    let guard = Guard::new(exact());
    for i in 0..1000 {
        assert!(!guard.may_look_up(&format!("n{i}.example\u{1b}[31m")));
    }
    let words = guard.refusals().unwrap();
    assert!(
        words.starts_with("a lookup of \"n0.example[31m\""),
        "{words}"
    );
    assert!(words.ends_with("; and 996 more"), "{words}");
    assert!(!words.contains('\u{1b}'));
}
