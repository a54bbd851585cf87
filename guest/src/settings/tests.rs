use super::*;

fn valid() -> SettingsView<'static> {
    SettingsView {
        host: "mail.example.com",
        port: 25,
        ip_version: crate::wit::IpVersion::Any,
        timeout_seconds: 60,
        helo: "probe.example",
        tls_server_name: None,
        tls_verify: true,
        certificate_warning_days: 14,
        certificate_critical_days: 0,
        response_time_warning_ms: None,
        response_time_critical_ms: None,
        credentials: None,
        email: None,
        expect_banner: None,
        expect_extensions: &[],
        upgrades_with_starttls: false,
        relay_probe: None,
        mailbox: None,
        domain: None,
        dane: None,
        no_tls: false,
    }
}

#[test]
fn settings_that_could_never_pass_are_refused() {
    let starttls = ["STARTTLS".to_string()];
    let lower = ["SIZE".to_string(), "starttls".to_string()];
    for extensions in [&starttls[..], &lower[..]] {
        let error = settings(&SettingsView {
            expect_extensions: extensions,
            upgrades_with_starttls: true,
            ..valid()
        })
        .unwrap_err();
        assert_eq!(error.setting, Setting::ExpectExtensions);
        assert!(error.problem.contains("RFC 3207"), "{error}");
    }
    // Without an upgrade, the plain-text EHLO is judged: expecting STARTTLS is sound.
    let plain = SettingsView {
        expect_extensions: &starttls,
        ..valid()
    };
    assert!(settings(&plain).is_ok());
    // A threshold the check can never reach: 500 "seconds" against a 60 s timeout.
    for (view, setting) in [
        (
            SettingsView {
                response_time_warning_ms: Some(500_000),
                ..valid()
            },
            Setting::Warning,
        ),
        (
            SettingsView {
                response_time_critical_ms: Some(60_001),
                ..valid()
            },
            Setting::Critical,
        ),
        (
            SettingsView {
                mailbox: Some((
                    MailboxView {
                        latency_critical_ms: Some(90_000),
                        ..mailbox_view()
                    },
                    true,
                )),
                ..valid()
            },
            Setting::LatencyCritical,
        ),
    ] {
        assert!(settings(&view).is_ok(), "not a rule of the component's");
        let error = reachable_thresholds(&view).unwrap_err();
        assert_eq!(error.setting, setting);
        assert!(
            error.problem.contains("above the timeout (60 s)"),
            "{error}"
        );
    }
    let within = SettingsView {
        response_time_critical_ms: Some(60_000),
        ..valid()
    };
    assert!(reachable_thresholds(&within).is_ok());
    let error = settings(&SettingsView {
        expect_banner: Some(""),
        ..valid()
    })
    .unwrap_err();
    assert_eq!(error.setting, Setting::ExpectBanner);
    assert!(error.problem.contains("matches every banner"), "{error}");
}

fn mailbox_view() -> MailboxView<'static> {
    MailboxView {
        host: "imap.example.com",
        port: 993,
        tls_server_name: None,
        user: "probe",
        password: "secret",
        token_prefix: "smtp-sensor-roundtrip",
        certificate_warning_days: 14,
        certificate_critical_days: 0,
        latency_warning_ms: Some(5_000),
        latency_critical_ms: Some(30_000),
        password_in_clear: false,
        spam_folders: None,
        authserv_id: None,
    }
}

#[test]
fn a_round_trip_needs_a_message_a_log_in_and_a_safe_prefix() {
    let with = |m: MailboxView<'static>, sends: bool| {
        settings(&SettingsView {
            mailbox: Some((m, sends)),
            ..valid()
        })
        .map(|v| v.mailbox)
    };
    assert_eq!(
        with(mailbox_view(), true),
        Ok(Some(Target::Name("imap.example.com".into())))
    );
    let setting_of = |m, sends| with(m, sends).unwrap_err().setting;
    assert_eq!(setting_of(mailbox_view(), false), Setting::Mailbox);
    let cases: [(MailboxView, Setting); 8] = [
        (
            MailboxView {
                password_in_clear: true,
                ..mailbox_view()
            },
            Setting::MailboxSecurity,
        ),
        (
            MailboxView {
                host: "",
                ..mailbox_view()
            },
            Setting::MailboxHost,
        ),
        (
            MailboxView {
                port: 0,
                ..mailbox_view()
            },
            Setting::MailboxPort,
        ),
        (
            MailboxView {
                user: "",
                ..mailbox_view()
            },
            Setting::MailboxUser,
        ),
        (
            MailboxView {
                password: "a\r\nb",
                ..mailbox_view()
            },
            Setting::MailboxPassword,
        ),
        (
            MailboxView {
                token_prefix: "smtp sensor",
                ..mailbox_view()
            },
            Setting::MailboxTokenPrefix,
        ),
        (
            MailboxView {
                token_prefix: "",
                ..mailbox_view()
            },
            Setting::MailboxTokenPrefix,
        ),
        (
            MailboxView {
                latency_warning_ms: Some(10_000),
                latency_critical_ms: Some(5_000),
                ..mailbox_view()
            },
            Setting::LatencyCritical,
        ),
    ];
    for (view, setting) in cases {
        let error = with(view, true).unwrap_err();
        assert_eq!(error.setting, setting, "{error}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}

#[test]
fn every_rule_in_one_place() {
    assert_eq!(
        settings(&valid()).map(|v| v.target),
        Ok(Target::Name("mail.example.com".into()))
    );
    let recipients = ["a@example.com".to_string()];
    let full = SettingsView {
        credentials: Some(("probe", "secret")),
        email: Some(("p@example.com", &recipients, "subject")),
        tls_server_name: Some("mx.example.com"),
        ..valid()
    };
    assert!(settings(&full).is_ok());
    let broken: [(SettingsView, Setting); 8] = [
        (SettingsView { port: 0, ..valid() }, Setting::Port),
        (
            SettingsView {
                timeout_seconds: 901,
                ..valid()
            },
            Setting::Timeout,
        ),
        (
            SettingsView {
                helo: "a b",
                ..valid()
            },
            Setting::Helo,
        ),
        (
            SettingsView {
                tls_server_name: Some("a b"),
                ..valid()
            },
            Setting::TlsServerName,
        ),
        (
            SettingsView {
                certificate_critical_days: 30,
                ..valid()
            },
            Setting::CertCritical,
        ),
        (
            SettingsView {
                response_time_warning_ms: Some(9),
                response_time_critical_ms: Some(1),
                ..valid()
            },
            Setting::Critical,
        ),
        (
            SettingsView {
                credentials: Some(("", "x")),
                ..valid()
            },
            Setting::AuthUser,
        ),
        (
            SettingsView {
                email: Some(("nobody", &recipients, "")),
                ..valid()
            },
            Setting::MailFrom,
        ),
    ];
    for (view, setting) in broken {
        assert_eq!(settings(&view).unwrap_err().setting, setting, "{view:?}");
    }
}

#[test]
fn hosts() {
    assert_eq!(
        host("127.0.0.1"),
        Ok(Target::Address([127, 0, 0, 1].into()))
    );
    assert_eq!(host("::1"), Ok(Target::Address("::1".parse().unwrap())));
    assert_eq!(host("[::1]"), Ok(Target::Address("::1".parse().unwrap())));
    assert_eq!(
        host("mail.example.com"),
        Ok(Target::Name("mail.example.com".into()))
    );
    assert_eq!(
        host("mail.example.com."),
        Ok(Target::Name("mail.example.com.".into()))
    );
    for bad in [
        "",
        "mail example",
        "a..b",
        ".a",
        "mail\r\n.example",
        "mäil.example",
    ] {
        let e = host(bad).unwrap_err();
        assert_eq!(e.setting, Setting::Host, "{bad:?}");
    }
    assert!(host(&"a".repeat(300)).is_err());
}

#[test]
fn numeric_forms_are_the_addresses_resolvers_read() {
    let loopback = Ok(Target::Address([127, 0, 0, 1].into()));
    for form in [
        "127.1",
        "127.0.1",
        "2130706433",
        "0x7f.1",
        "0x7F000001",
        "0177.0.0.1",
        "0177.0.0.01",
        "127.000.000.001",
        "127.0.0.1.",
        "0x7f.0.0x0.1",
        "0x00000000000000000007f.1",
    ] {
        assert_eq!(host(form), loopback, "{form}");
        assert_eq!(canonical_host(form), "127.0.0.1", "{form}");
    }
    for bad in [
        "1.2.3.4.5",
        "256.1",
        "08",
        "127.0.0.256",
        "4294967296",
        "mail.0x",
        "a..1",
        "1.+2.3.4",
        "0x+7f.1",
        "1.2.3.09",
    ] {
        let error = host(bad).unwrap_err();
        assert_eq!(error.setting, Setting::Host, "{bad}");
        assert!(
            error
                .problem
                .contains("resolvers read it as an IPv4 address"),
            "{bad}: {error}"
        );
    }
    // Names whose last label is not a number stay names, whatever the others are.
    for name in ["127.0.0.1.example", "0x7f.example", "1e100.net", "0x1.0xg"] {
        assert_eq!(host(name), Ok(Target::Name(name.into())), "{name}");
        assert_eq!(canonical_host(name), name);
    }
    assert_eq!(
        canonical_host("[::1]"),
        "[::1]",
        "a literal stays as written"
    );
    assert_eq!(canonical_host("10.0.0.1"), "10.0.0.1");
}

#[test]
fn an_address_host_must_be_of_an_allowed_version() {
    use crate::wit::IpVersion;
    let v6 = host("::1").unwrap();
    assert_eq!(ip_version(&v6, IpVersion::Any), Ok(()));
    assert_eq!(ip_version(&v6, IpVersion::Ipv6), Ok(()));
    let error = ip_version(&v6, IpVersion::Ipv4).unwrap_err();
    assert_eq!(error.setting, Setting::IpVersion);
    assert!(
        error.problem.contains("not an IPv4 address"),
        "{}",
        error.problem
    );
    let name = host("mail.example.com").unwrap();
    assert_eq!(
        ip_version(&name, IpVersion::Ipv4),
        Ok(()),
        "names are looked up"
    );
}

#[test]
fn ports() {
    assert!(port(0).unwrap_err().problem.contains("1 to 65535"));
    assert_eq!(port(25), Ok(25));
}

#[test]
fn timeouts() {
    assert!(timeout(0).is_err());
    assert!(timeout(901).unwrap_err().problem.contains("1 to 900"));
    assert_eq!(timeout(1), Ok(1));
    assert_eq!(timeout(900), Ok(900));
}

#[test]
fn helos() {
    assert_eq!(helo("probe.example"), Ok("probe.example"));
    assert_eq!(helo("[127.0.0.1]"), Ok("[127.0.0.1]"));
    for bad in ["", "a\r\nMAIL FROM:<x>", "a b", "prübe", "a\tb"] {
        assert_eq!(helo(bad).unwrap_err().setting, Setting::Helo, "{bad:?}");
    }
    assert!(helo("a\nb").unwrap_err().problem.contains("line break"));
}

#[test]
fn tls_settings() {
    assert_eq!(tls_server_name("mail.example.com"), Ok("mail.example.com"));
    assert_eq!(
        tls_server_name("bad name").unwrap_err().setting,
        Setting::TlsServerName
    );
    assert_eq!(certificate_days(14, 0), Ok((14, 0)));
    assert_eq!(certificate_days(14, 14), Ok((14, 14)));
    assert_eq!(
        certificate_days(7, 14).unwrap_err().setting,
        Setting::CertCritical
    );
    assert_eq!(
        certificate_days(99_999, 0).unwrap_err().setting,
        Setting::CertWarning
    );
}

#[test]
fn response_time_thresholds() {
    assert_eq!(response_time(None, None), Ok((None, None)));
    assert_eq!(
        response_time(Some(500), Some(500)),
        Ok((Some(500), Some(500)))
    );
    assert_eq!(response_time(None, Some(1)), Ok((None, Some(1))));
    let e = response_time(Some(2000), Some(1000)).unwrap_err();
    assert_eq!(e.setting, Setting::Critical);
    assert!(e.problem.contains("below the warning"), "{}", e.problem);
    assert_eq!(
        response_time(Some(0), None).unwrap_err().setting,
        Setting::Warning
    );
    assert_eq!(
        response_time(None, Some(900_001)).unwrap_err().setting,
        Setting::Critical
    );
}

#[test]
fn addresses() {
    for good in [
        "probe@example.com",
        "a.b+tag@mail.example.co.uk",
        "jörg@exämple.de",
        "x@[127.0.0.1]",
        "x@[IPv6:::1]",
    ] {
        assert_eq!(address(Setting::MailFrom, good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "probe",
        "@example.com",
        "probe@",
        "pro be@example.com",
        "<probe@example.com>",
        "probe@example.com\r\nRCPT TO:<x@y>",
        "probe@exa mple.com",
        "probe@example..com",
        "Probe <probe@example.com>",
        "probe@[not-an-ip]",
    ] {
        assert_eq!(
            address(Setting::MailTo, bad).unwrap_err().setting,
            Setting::MailTo,
            "{bad:?}"
        );
    }
}

#[test]
fn an_email_needs_a_sender_and_a_recipient() {
    let to = ["a@example.com".to_string()];
    assert_eq!(email("p@example.com", &to, "s"), Ok(()));
    let no_sender = email("", &to, "s").unwrap_err();
    assert_eq!(no_sender.setting, Setting::MailFrom);
    assert!(
        no_sender.problem.contains("no sender"),
        "{}",
        no_sender.problem
    );
    let no_recipient = email("p@example.com", &[], "s").unwrap_err();
    assert_eq!(no_recipient.setting, Setting::MailTo);
    assert!(no_recipient.problem.contains("no recipient"));
}

#[test]
fn a_relay_probe_is_a_strangers_check() {
    assert_eq!(
        relay_probe("a@outside.example", "b@elsewhere.example", false, false),
        Ok(())
    );
    for (logs_in, sends) in [(true, false), (false, true)] {
        let error = relay_probe("a@x.example", "b@y.example", logs_in, sends).unwrap_err();
        assert_eq!(error.setting, Setting::RelayProbe);
    }
    assert!(relay_probe("nobody", "b@y.example", false, false).is_err());
}

#[test]
fn single_lines() {
    assert_eq!(
        single_line(Setting::Subject, "Grüße from the probe"),
        Ok(())
    );
    assert!(
        single_line(Setting::Subject, "a\r\nBcc: x@y")
            .unwrap_err()
            .problem
            .contains("line break")
    );
    assert!(single_line(Setting::AuthUser, "a\u{0}b").is_err());
}

#[test]
fn error_names_the_setting() {
    let e = timeout(0).unwrap_err();
    assert!(e.to_string().contains("timeout-seconds"));
}

#[test]
fn a_host_with_a_port_says_where_the_port_goes() {
    for (given, fix) in [
        ("localhost:2525", "--host localhost --port 2525"),
        ("127.0.0.1:25", "--host 127.0.0.1 --port 25"),
        ("[::1]:587", "--host [::1] --port 587"),
    ] {
        let error = host(given).unwrap_err();
        assert_eq!(error.setting, Setting::Host);
        assert!(error.problem.contains(fix), "{given}: {error}");
    }
    assert!(
        host("::1").is_ok(),
        "an IPv6 address is no host with a port"
    );
}

#[test]
fn spam_folders_are_few_ascii_names_and_never_inbox() {
    assert!(spam_folders(&["Junk".into(), "INBOX.Spam".into(), "[Gmail]/Spam".into()]).is_ok());
    assert!(spam_folders(&[]).is_ok(), "INBOX alone");
    for bad in [
        vec!["".to_string()],
        vec!["inbox".to_string()],
        vec!["Unerwünscht".to_string()],
        vec!["Junk\r\nA1 DELETE INBOX".to_string()],
        vec!["x".repeat(256)],
        vec!["a".to_string(); 5],
    ] {
        let error = spam_folders(&bad).unwrap_err();
        assert_eq!(error.setting, Setting::MailboxSpamFolders, "{bad:?}");
    }
    let mut view = mailbox_view();
    let folders = vec!["INBOX".to_string()];
    view.spam_folders = Some(&folders);
    assert_eq!(
        super::view::mailbox(&view, true).unwrap_err().setting,
        Setting::MailboxSpamFolders
    );
}

#[test]
fn an_authserv_id_is_one_printable_word() {
    assert!(authserv_id("mx.google.com").is_ok());
    for bad in ["", "mx example", "mx;x", "mx\u{e9}", &"x".repeat(300)] {
        assert_eq!(
            authserv_id(bad).unwrap_err().setting,
            Setting::MailboxAuthservId,
            "{bad:?}"
        );
    }
}

fn domain_view() -> SettingsView<'static> {
    SettingsView {
        host: "example.com",
        upgrades_with_starttls: true,
        domain: Some(DomainView {
            max_age_warning_seconds: crate::limits::DEFAULT_STS_MAX_AGE_WARNING_SECONDS,
        }),
        ..valid()
    }
}

#[test]
fn a_domain_check_takes_a_domain_not_an_address() {
    assert_eq!(
        settings(&domain_view()).map(|v| v.target),
        Ok(Target::Name("example.com".into()))
    );
    for address in ["192.0.2.1", "2001:db8::1", "[2001:db8::1]", "127.1"] {
        let error = settings(&SettingsView {
            host: address,
            ..domain_view()
        })
        .unwrap_err();
        assert_eq!(error.setting, Setting::Domain, "{address}");
        assert!(
            error.problem.contains(
                "--domain takes a mail domain, not an address; use --host for one server"
            ),
            "{error}"
        );
    }
    // What is wrong with the domain's name is the domain's, not the host's.
    for broken in ["", "a b.example", "example.com:25"] {
        let error = settings(&SettingsView {
            host: broken,
            ..domain_view()
        })
        .unwrap_err();
        assert_eq!(error.setting, Setting::Domain, "{broken:?}");
    }
    // Without `domain`, an address is a host as before.
    let one_server = SettingsView {
        host: "192.0.2.1",
        ..valid()
    };
    assert!(settings(&one_server).is_ok());
}

#[test]
fn a_domain_check_logs_in_nowhere_and_sends_no_email() {
    let recipients = ["a@example.com".to_string()];
    let cases: [(SettingsView, Setting); 4] = [
        (
            SettingsView {
                credentials: Some(("probe", "secret")),
                ..domain_view()
            },
            Setting::AuthUser,
        ),
        (
            SettingsView {
                email: Some(("p@example.com", &recipients, "subject")),
                ..domain_view()
            },
            Setting::MailFrom,
        ),
        (
            SettingsView {
                relay_probe: Some(("a@outside.example", "b@elsewhere.example")),
                ..domain_view()
            },
            Setting::RelayProbe,
        ),
        (
            SettingsView {
                email: None,
                mailbox: Some((mailbox_view(), false)),
                ..domain_view()
            },
            Setting::Mailbox,
        ),
    ];
    for (view, setting) in cases {
        let error = settings(&view).unwrap_err();
        assert_eq!(error.setting, setting, "{view:?}");
        assert!(
            error.problem.contains(
                "a domain check logs in nowhere and sends no email: drop it, or check one MX \
                 host with --host"
            ),
            "{error}"
        );
        // The same settings check one server.
        assert_ne!(
            settings(&SettingsView {
                domain: None,
                ..view
            })
            .err()
            .map(|e| e.problem)
            .unwrap_or_default(),
            error.problem
        );
    }
}

#[test]
fn a_domain_check_verifies_each_mx_host_for_its_own_name() {
    let error = settings(&SettingsView {
        tls_server_name: Some("mx.example.com"),
        ..domain_view()
    })
    .unwrap_err();
    assert_eq!(error.setting, Setting::TlsServerName);
    assert!(error.problem.contains("for its own name"), "{error}");
}

#[test]
fn the_max_age_warning_is_at_most_a_policys_longest_max_age() {
    let with = |seconds: u32| {
        settings(&SettingsView {
            domain: Some(DomainView {
                max_age_warning_seconds: seconds,
            }),
            ..domain_view()
        })
    };
    let longest = u32::try_from(crate::limits::MAX_STS_MAX_AGE_SECONDS).unwrap();
    assert!(with(0).is_ok(), "0: never");
    assert!(with(longest).is_ok());
    let error = with(longest + 1).unwrap_err();
    assert_eq!(error.setting, Setting::MtaStsMaxAgeWarning);
    assert!(error.problem.contains("at most 365 days"), "{error}");
    assert_eq!(
        error.to_string().split(':').next(),
        Some("invalid setting domain.max-age-warning-seconds")
    );
}

#[test]
fn dane_in_a_host_check_needs_a_name_tls_and_its_own_verification() {
    use super::DaneView;
    let dane = Some(DaneView {
        signature_warning_seconds: 3 * 86_400,
    });
    let refused = |view: SettingsView| settings(&view).unwrap_err();
    let named = SettingsView { dane, ..valid() };
    assert!(settings(&named).is_ok());
    let error = refused(SettingsView {
        dane,
        host: "192.0.2.25",
        ..valid()
    });
    assert_eq!(error.setting, Setting::Dane);
    assert!(error.problem.contains("host name"), "{}", error.problem);
    for (view, says) in [
        (
            SettingsView {
                no_tls: true,
                ..named
            },
            "needs TLS",
        ),
        (
            SettingsView {
                tls_verify: false,
                ..named
            },
            "--tls-no-verify",
        ),
        (
            SettingsView {
                tls_server_name: Some("other.example"),
                ..named
            },
            "--tls-server-name",
        ),
    ] {
        let error = refused(view);
        assert_eq!(error.setting, Setting::Dane);
        assert!(error.problem.contains(says), "{}", error.problem);
    }
    let long = refused(SettingsView {
        dane: Some(DaneView {
            signature_warning_seconds: 91 * 86_400,
        }),
        ..named
    });
    assert_eq!(long.setting, Setting::DnssecSignatureWarning);
}
