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
        dns_reach: None,
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
        dns_reach: None,
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

/// A check of `host` on `port`, every other setting at its default.
fn settings_of(host: &str, port: u16) -> Settings {
    let mut request = crate::settings::request::CheckRequest::new(host);
    request.port = Some(port);
    request.into_settings().unwrap()
}

/// A domain check's settings: example.com's MX hosts on `port`.
fn domain_settings(port: u16) -> Settings {
    let mut settings = settings_of("example.com", port);
    settings.domain = Some(crate::wit::DomainSettings {
        expect_mta_sts: None,
        max_age_warning_seconds: 0,
    });
    settings
}

#[test]
fn a_domain_check_connects_only_to_what_the_hosts_dns_answered() {
    let policy = NetworkPolicy::for_settings(&domain_settings(25));
    let dns = policy.dns_policy("example.com", 25);
    let guard = Guard::new(policy);
    let mx = addr("127.0.0.7:25");
    assert!(
        !guard.may_use(mx, SocketAddrUse::TcpConnect),
        "refused before the answer"
    );
    {
        // What the DNS session notes when the host answers (see `dns::session`).
        let mut dns = dns.lock().unwrap();
        dns.answered_mx("example.com", [(10, "mx.example.com")]);
        dns.answered_addresses("mx.example.com", ["127.0.0.7".parse().unwrap()]);
        dns.answered_addresses("mta-sts.example.com", ["127.0.0.8".parse().unwrap()]);
        dns.answered_addresses("elsewhere.example", ["127.0.0.9".parse().unwrap()]);
    }
    assert!(guard.may_use(mx, SocketAddrUse::TcpConnect), "after it");
    assert!(guard.may_use(addr("127.0.0.8:443"), SocketAddrUse::TcpConnect));
    assert!(guard.may_use(addr("0.0.0.0:0"), SocketAddrUse::TcpBind));
    for (refused, why) in [
        ("127.0.0.7:443", "an MX host on the policy host's port"),
        ("127.0.0.7:26", "an MX host on another port"),
        ("127.0.0.8:25", "the policy host on the MX port"),
        ("127.0.0.9:25", "an address of another name"),
    ] {
        assert!(
            !guard.may_use(addr(refused), SocketAddrUse::TcpConnect),
            "{why}"
        );
    }
    let refusals = guard.refusals().unwrap();
    assert!(
        refusals.starts_with("a connection to 127.0.0.7:25; a connection to 127.0.0.7:443"),
        "{refusals}"
    );
    assert!(refusals.contains("and 1 more"), "{refusals}");
}

#[test]
fn a_domain_check_looks_up_no_name_through_wasi() {
    let guard = Guard::new(NetworkPolicy::for_settings(&domain_settings(25)));
    for name in ["example.com", "mx.example.com", "mta-sts.example.com"] {
        assert!(!guard.may_look_up(name), "{name}");
    }
    assert_eq!(
        guard.refusals().as_deref(),
        Some(
            "a lookup of \"example.com\"; a lookup of \"mx.example.com\"; a lookup of \
             \"mta-sts.example.com\""
        )
    );
}

#[test]
fn a_domain_checks_dns_policy_is_its_domains_and_a_host_checks_its_hosts() {
    use crate::wit_dns::RecordType;
    let domain = NetworkPolicy::for_settings(&domain_settings(25));
    let dns = domain.dns_policy("example.com", 25);
    assert!(dns.lock().unwrap().permits("example.com", RecordType::Mx));
    assert!(
        Arc::ptr_eq(&dns, &domain.dns_policy("example.com", 25)),
        "the DNS session and the connect check share one policy"
    );
    let host = NetworkPolicy::for_settings(&settings_of("mx.example", 25));
    let dns = host.dns_policy("mx.example", 25);
    assert!(!dns.lock().unwrap().permits("mx.example", RecordType::Mx));
    assert!(dns.lock().unwrap().permits("mx.example", RecordType::A));
}

#[test]
fn a_host_check_with_dane_reaches_only_its_hosts_answered_addresses_on_its_port() {
    let mut settings = settings_of("mx.example.com", 25);
    settings.dane = Some(crate::wit::DaneSettings {
        expect_dane: true,
        expect_standby: false,
        signature_warning_seconds: 0,
    });
    let policy = NetworkPolicy::for_settings(&settings);
    let dns = policy.dns_policy("mx.example.com", 25);
    assert!(
        Arc::ptr_eq(&dns, &policy.dns_policy("mx.example.com", 25)),
        "the DNS session and the connect check share one policy"
    );
    let guard = Guard::new(policy);
    let host = addr("127.0.0.7:25");
    assert!(
        !guard.may_use(host, SocketAddrUse::TcpConnect),
        "before the answer"
    );
    {
        let mut dns = dns.lock().unwrap();
        dns.answered_addresses("mx.example.com", ["127.0.0.7".parse().unwrap()]);
        dns.answered_addresses("elsewhere.example", ["127.0.0.9".parse().unwrap()]);
    }
    assert!(guard.may_use(host, SocketAddrUse::TcpConnect), "after it");
    for (refused, why) in [
        ("127.0.0.7:26", "another port"),
        ("127.0.0.9:25", "an address of another name"),
    ] {
        assert!(
            !guard.may_use(addr(refused), SocketAddrUse::TcpConnect),
            "{why}"
        );
    }
    // Without DANE a host check's DNS answers open nothing: its own lookups do.
    let plain = NetworkPolicy::for_settings(&settings_of("mx.example.com", 25));
    let dns = plain.dns_policy("mx.example.com", 25);
    dns.lock()
        .unwrap()
        .answered_addresses("mx.example.com", ["127.0.0.7".parse().unwrap()]);
    assert!(!Guard::new(plain).may_use(host, SocketAddrUse::TcpConnect));
}
