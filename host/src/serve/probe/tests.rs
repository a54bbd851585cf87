//! The `/probe` request's tests: queries, the target list, numeric names, and the time budget.

use super::*;
use crate::settings::config::ConfigFile;
use std::path::Path;

fn modules() -> Modules {
    let text = "[sensors.starttls]\nsecurity = \"starttls\"\nport = 587\ntimeout = 10\n\
                targets = [\"127.0.0.1:*\", \"mx*.example.com:25\", \"[::1]:2525\"]\n\n\
                [sensors.closed]\nsecurity = \"none\"\n";
    let path = Path::new("sensors.toml");
    let file = ConfigFile::parse(path, text.into()).unwrap();
    Modules::from_file(path, &file).unwrap()
}

fn query(raw: &str) -> Result<Query, Refusal> {
    parse_query(Some(raw))
}

fn bad_request(refusal: Refusal) -> String {
    match refusal {
        Refusal::BadRequest(why) => why,
        other => panic!("not a bad request: {other:?}"),
    }
}

#[test]
fn a_query_needs_target_and_module_once_each() {
    let q = query("target=127.0.0.1%3A2525&module=starttls&debug=true").unwrap();
    assert_eq!(
        (q.target.as_str(), q.module.as_str(), q.debug),
        ("127.0.0.1:2525", "starttls", true)
    );
    assert!(bad_request(query("module=m").unwrap_err()).contains("target is missing"));
    assert!(bad_request(query("target=a").unwrap_err()).contains("module is missing"));
    assert!(
        bad_request(query("target=a&target=b&module=m").unwrap_err()).contains("more than once")
    );
    assert!(
        bad_request(query("target=a&module=m&timeout=5").unwrap_err())
            .contains("unknown parameter \"timeout\"")
    );
    assert!(bad_request(query("target=a&module=m&debug=yes").unwrap_err()).contains("neither"));
    let long = format!("target={}&module=m", "a".repeat(MAX_QUERY_LEN));
    assert!(bad_request(query(&long).unwrap_err()).contains("at most"));
    let escape = bad_request(query("target=a&module=m&%1b%5b2J=1").unwrap_err());
    assert!(!escape.contains('\u{1b}'), "{escape}");
}

#[test]
fn the_target_replaces_host_and_port() {
    let modules = modules();
    let q = |target: &str| Query {
        module: "starttls".into(),
        target: target.into(),
        debug: false,
    };
    let (_, s) = settings(&modules, &q("127.0.0.1:2525")).unwrap();
    assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 2525));
    assert!(s.keep_transcript);
    let (_, s) = settings(&modules, &q("MX1.example.com:25")).unwrap();
    assert_eq!((s.host.as_str(), s.port), ("MX1.example.com", 25));
    let (_, s) = settings(&modules, &q("[::1]:2525")).unwrap();
    assert_eq!(s.host, "::1");
    let (_, s) = settings(&modules, &q("127.0.0.1")).unwrap();
    assert_eq!(s.port, 587, "the module's port when the target has none");
}

#[test]
fn targets_outside_the_list_are_forbidden() {
    let modules = modules();
    let q = |module: &str, target: &str| Query {
        module: module.into(),
        target: target.into(),
        debug: false,
    };
    for (module, target) in [
        ("starttls", "127.0.0.2:2525"),
        ("starttls", "mx1.example.com:587"),
        ("starttls", "localhost:2525"),
        ("starttls", "[::1]:25"),
        ("closed", "127.0.0.1:25"),
    ] {
        match settings(&modules, &q(module, target)) {
            Err(Refusal::Forbidden(why)) => assert!(why.contains(module), "{why}"),
            other => panic!("{module} {target}: {other:?}"),
        }
    }
    let Err(Refusal::Forbidden(why)) = settings(&modules, &q("closed", "127.0.0.1:25")) else {
        unreachable!()
    };
    assert!(why.contains("add a targets list"), "{why}");
    for bad in ["127.0.0.1:0", "127.0.0.1:x", "[::1", "a b:25", ""] {
        bad_request(settings(&modules, &q("starttls", bad)).unwrap_err());
    }
    let why = bad_request(settings(&modules, &q("nope", "127.0.0.1")).unwrap_err());
    assert!(why.contains("starttls, closed"), "{why}");
}

/// The numeric forms resolvers read as 127.0.0.1 are that address: a `*` name rule does
/// not let them through, and an address rule sees the address they mean.
#[test]
fn numeric_names_are_addresses_to_the_allow_list() {
    let text = "[sensors.names]\nsecurity = \"none\"\n\
                targets = [\"*.example.com:2525\", \"*:2525\"]\n\n\
                [sensors.loopback]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:2525\"]\n";
    let path = Path::new("sensors.toml");
    let modules = Modules::from_file(path, &ConfigFile::parse(path, text.into()).unwrap()).unwrap();
    let q = |module: &str, target: &str| Query {
        module: module.into(),
        target: target.into(),
        debug: false,
    };
    for form in ["2130706433", "127.1", "0x7f.1", "0177.0.0.1", "127.0.0.1."] {
        let target = format!("{form}:2525");
        match settings(&modules, &q("names", &target)) {
            Err(Refusal::Forbidden(_)) => {}
            other => panic!("{target} passed a name rule: {other:?}"),
        }
        let (_, s) = settings(&modules, &q("loopback", &target)).unwrap();
        assert_eq!(s.host, "127.0.0.1", "{target}: the log shows the address");
    }
    let (_, s) = settings(&modules, &q("names", "mail.example.com:2525")).unwrap();
    assert_eq!(s.host, "mail.example.com");
}

#[test]
fn the_scrape_timeout_lowers_the_budget() {
    let limits = Limits::default();
    let half = Duration::from_millis(500);
    let budget = |header: Option<&str>| budget(&limits, 10, header.map(str::as_bytes), half);
    assert_eq!(budget(None).unwrap(), Duration::from_secs(11));
    assert_eq!(budget(Some("4")).unwrap(), Duration::from_millis(3500));
    assert_eq!(budget(Some("30")).unwrap(), Duration::from_secs(11));
    assert_eq!(budget(Some("0.25")).unwrap(), Duration::from_millis(250));
    for bad in ["soon", "-1", "0", "NaN", "inf", "\u{ff}"] {
        bad_request(budget(Some(bad)).unwrap_err());
    }
}

#[test]
fn a_prepared_probe_fits_its_timeout_within_the_budget() {
    let limits = Limits::default();
    let half = Duration::from_millis(500);
    let prepare = |header: Option<&str>| {
        let raw = Some("module=starttls&target=127.0.0.1");
        prepare(&modules(), raw, header.map(str::as_bytes), &limits, half).unwrap()
    };
    let prepared = prepare(None);
    assert_eq!(prepared.settings.timeout_seconds, 10, "the module's own");
    assert_eq!(prepared.budget, Duration::from_secs(11));
    assert_eq!(prepared.module.name, "starttls");
    let prepared = prepare(Some("4"));
    assert_eq!(
        prepared.settings.timeout_seconds, 2,
        "a second before the end"
    );
    assert_eq!(prepare(Some("0.75")).settings.timeout_seconds, 1);
    let prepare_raw = |raw: &str, header: Option<&str>| {
        super::prepare(
            &modules(),
            Some(raw),
            header.map(str::as_bytes),
            &limits,
            half,
        )
    };
    let r = prepare_raw("module=starttls&target=127.0.0.2", None).unwrap_err();
    assert_eq!(r.module.as_deref(), Some("starttls"));
    assert_eq!(r.target.as_deref(), Some("127.0.0.2"));
    assert!(matches!(r.refusal, Refusal::Forbidden(_)));
    let r = prepare_raw("target=x", None).unwrap_err();
    assert_eq!((r.module, r.target), (None, None));
    let r = prepare_raw("module=starttls&target=127.0.0.1", Some("soon")).unwrap_err();
    assert!(matches!(r.refusal, Refusal::BadRequest(_)));
}

/// Two mail domain modules, one with a portless glob and one with a port, and a module of
/// servers.
fn domain_modules() -> Modules {
    let text = "[sensors.maildomain]\ndomain = \"example.com\"\nexpect_mta_sts = \"enforce\"\n\
                targets = [\"*.example.com\", \"example.com\"]\n\n\
                [sensors.port2525]\ndomain = \"example.org\"\nport = 2525\n\
                targets = \"*.example.org:25\"\n\n\
                [sensors.server]\nsecurity = \"none\"\ntargets = \"*.example.com:*\"\n";
    let path = Path::new("sensors.toml");
    let file = ConfigFile::parse(path, text.into()).unwrap();
    Modules::from_file(path, &file).unwrap()
}

#[test]
fn a_domain_modules_target_is_the_domain_checked() {
    let modules = domain_modules();
    let q = |module: &str, target: &str| Query {
        module: module.into(),
        target: target.into(),
        debug: false,
    };
    let (module, s) = settings(&modules, &q("maildomain", "Mail.Example.com")).unwrap();
    assert_eq!(module.name, "maildomain");
    assert_eq!((s.host.as_str(), s.port), ("Mail.Example.com", 25));
    let domain = s.domain.expect("a domain check");
    assert_eq!(domain.expect_mta_sts, Some(crate::wit::StsMode::Enforce));
    assert_eq!(s.security, crate::wit::TransportSecurity::Starttls);
    let (_, s) = settings(&modules, &q("maildomain", "example.com")).unwrap();
    assert_eq!(s.host, "example.com");
    // The allow-list applies to domains as to hosts.
    for (module, target) in [
        ("maildomain", "example.org"),
        ("maildomain", "a.b.example.com"),
        ("port2525", "a.example.org"),
    ] {
        let refusal = settings(&modules, &q(module, target)).unwrap_err();
        assert!(
            matches!(&refusal, Refusal::Forbidden(why) if why.contains("may not probe")),
            "{module} {target}: {refusal:?}"
        );
    }
    // A module of servers is not a domain check.
    let (_, s) = settings(&modules, &q("server", "mx.example.com:25")).unwrap();
    assert!(s.domain.is_none());
}

#[test]
fn a_domain_modules_target_has_no_port_and_no_address() {
    let modules = domain_modules();
    let q = |target: &str| Query {
        module: "maildomain".into(),
        target: target.into(),
        debug: false,
    };
    let why = bad_request(settings(&modules, &q("example.com:25")).unwrap_err());
    assert!(
        why.contains("checks mail domains, which have no port")
            && why.contains("target=example.com"),
        "{why}"
    );
    let why = bad_request(settings(&modules, &q("192.0.2.1")).unwrap_err());
    assert!(why.contains("give a domain, not an address"), "{why}");
}

/// A module with `dane` probes servers by name: their TLSA records are a name's.
#[test]
fn a_dane_modules_target_is_a_name() {
    let text = "[sensors.dane]\ndane = true\nsecurity = \"starttls\"\n\
                dane_expect_standby = true\ntargets = \"*:25\"\n";
    let path = Path::new("sensors.toml");
    let file = ConfigFile::parse(path, text.into()).unwrap();
    let modules = Modules::from_file(path, &file).unwrap();
    let q = |target: &str| Query {
        module: "dane".into(),
        target: target.into(),
        debug: false,
    };
    let (_, s) = settings(&modules, &q("mx.example.com:25")).unwrap();
    let dane = s.dane.expect("DANE settings");
    assert!(dane.expect_dane && dane.expect_standby);
    let refusal = settings(&modules, &q("192.0.2.1:25")).unwrap_err();
    assert!(
        matches!(&refusal, Refusal::BadRequest(why) if why.contains("checks DANE")),
        "{refusal:?}"
    );
}
