use super::*;
use proptest::prelude::*;

fn ok(text: &str) -> StsPolicy {
    parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn err(text: &str) -> PolicyError {
    parse(text.as_bytes()).expect_err(text)
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn rfc_8461_examples() {
    // RFC 8461 3.2.
    let policy = ok(
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n\
                     mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n",
    );
    assert_eq!(
        policy,
        StsPolicy {
            mode: StsMode::Enforce,
            max_age: 604_800,
            mx: strings(&["mail.example.com", "*.example.net", "backupmx.example.com"]),
            notes: vec![],
        }
    );
    // Appendix A, with LF line ends (`sts-policy-term = LF / CRLF`) and no final one.
    let policy = ok(
        "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: mx2.example.com\n\
                     mx: mx.backup-example.com\nmax_age: 1296000",
    );
    assert_eq!(policy.mode, StsMode::Testing);
    assert_eq!(policy.max_age, 1_296_000);
    assert_eq!(policy.mx.len(), 3);
    // RFC 8461 4.1.
    assert!(matches("*.example.com", "mail.example.com"));
    assert!(!matches("*.example.com", "example.com"));
    assert!(!matches("*.example.com", "foo.bar.example.com"));
}

#[test]
fn matching_ignores_case_and_trailing_dots() {
    assert!(matches("MX.Example.COM", "mx.example.com."));
    assert!(matches("mx.example.com.", "MX.EXAMPLE.COM"));
    assert!(matches("*.Example.com", "MX1.example.COM."));
    assert!(!matches("mx.example.com", "mx.example.co"));
    assert!(!matches("mx.example.com", "mx2.example.com"));
    assert!(!matches("*.example.com", ".example.com"));
    assert!(!matches("*.example.com", "*.example.com"));
    assert!(!matches("*.", "mx."));
    assert!(!matches("", ""));
    assert!(!matches("mx.example.com", ""));
    // A `*` elsewhere is no wildcard.
    assert!(!matches("mx*.example.com", "mx1.example.com"));
    assert!(!matches("*example.com", "mxexample.com"));
    let policy = ok(
        "version: STSv1\nmode: enforce\nmx: a.example.com\nmx: *.example.net\n\
                     max_age: 1\n",
    );
    assert_eq!(policy.matching("mx.example.net."), Some("*.example.net"));
    assert_eq!(policy.matching("A.EXAMPLE.COM"), Some("a.example.com"));
    assert_eq!(policy.matching("b.example.com"), None);
}

#[test]
fn mode_none_needs_no_mx() {
    let policy = ok("version: STSv1\nmode: none\nmax_age: 86400\n");
    assert_eq!(policy.mode, StsMode::None);
    assert!(policy.mx.is_empty());
    let missing = err("version: STSv1\nmode: testing\nmax_age: 86400\n");
    assert_eq!(
        missing.to_string(),
        "the policy has no mx line, which every mode but none requires (RFC 8461 3.2)"
    );
}

#[test]
fn required_keys_and_their_values() {
    for (text, key) in [
        ("mode: enforce\nmx: a.b\nmax_age: 1\n", "version"),
        ("version: STSv1\nmx: a.b\nmax_age: 1\n", "mode"),
        ("version: STSv1\nmode: enforce\nmx: a.b\n", "max_age"),
    ] {
        assert_eq!(
            err(text),
            PolicyError::Missing {
                key,
                hint: String::new()
            },
            "{text}"
        );
    }
    let hint = err("version: STSv1\nMode: enforce\nmx: a.b\nmax_age: 1\n").to_string();
    assert!(
        hint.contains("\"Mode\" is not \"mode\": keys are case-sensitive"),
        "{hint}"
    );
    let bad = |text: &str| match err(text) {
        PolicyError::BadValue { reason, .. } => reason,
        other => panic!("{text:?}: {other:?}"),
    };
    assert!(bad("version: STSv2\n").contains("not STSv1"));
    assert!(bad("version: stsv1\n").contains("not STSv1"));
    assert!(bad("mode: enforcing\n").contains("not enforce, testing or none"));
    assert!(bad("mode: Enforce\n").contains("case-sensitive"));
    assert!(bad("max_age: -1\n").contains("not a whole number"));
    assert!(bad("max_age: 1w\n").contains("not a whole number"));
    assert!(bad("max_age: 99999999999\n").contains("more than 10 digits"));
    let over = err("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n").to_string();
    assert_eq!(
        over,
        "line 4 of the policy: max_age \"31557601\" is more than 31557600 seconds (a year), \
         the most RFC 8461 3.2 allows"
    );
    for edge in ["0", "31557600", "0000000001"] {
        let text = format!("version: STSv1\nmode: none\nmax_age: {edge}\n");
        assert_eq!(ok(&text).max_age, edge.parse::<u32>().unwrap());
    }
}

#[test]
fn mx_patterns_are_host_names_or_leftmost_wildcards() {
    let policy = ok(
        "version: STSv1\nmode: enforce\nmx: *.example.com\nmx: MX.example.com.\n\
                     mx: xn--bcher-kva.example\nmax_age: 1\n",
    );
    assert_eq!(
        policy.mx,
        strings(&["*.example.com", "MX.example.com.", "xn--bcher-kva.example"])
    );
    for bad in [
        "mx*.example.com",
        "*.*.example.com",
        "a.*.example.com",
        "*",
        "*.",
        "mx_1.example.com",
        "bücher.example",
        "mx .example.com",
        "-mx.example.com",
    ] {
        let text = format!("version: STSv1\nmode: enforce\nmx: {bad}\nmax_age: 1\n");
        assert!(
            matches!(
                err(&text),
                PolicyError::BadValue {
                    key: "mx",
                    line: 3,
                    ..
                }
            ),
            "{bad}"
        );
    }
}

#[test]
fn unknown_keys_are_ignored() {
    let policy = ok(
        "version: STSv1\nmode: enforce\nx-comment: made by hand, ünïcode ok\n\
                     mx: a.example.com\nmax_age: 1\nreport_to: whoever\n",
    );
    assert_eq!(policy.mx, strings(&["a.example.com"]));
}

#[test]
fn repeated_keys_keep_the_first_and_are_noted() {
    let policy = ok(
        "version: STSv1\nmode: testing\nmx: a.example.com\nmax_age: 86400\n\
                     mode: enforce\nmode: none\nmax_age: bogus\nversion: STSv1\n",
    );
    assert_eq!(policy.mode, StsMode::Testing);
    assert_eq!(policy.max_age, 86_400);
    assert_eq!(
        policy.notes,
        vec![
            PolicyNote::Repeated {
                key: "mode",
                first_line: 2,
                line: 5,
                ignored: "enforce".into()
            },
            PolicyNote::Repeated {
                key: "max_age",
                first_line: 4,
                line: 7,
                ignored: "bogus".into()
            },
            PolicyNote::Repeated {
                key: "version",
                first_line: 1,
                line: 8,
                ignored: "STSv1".into()
            },
        ]
    );
    assert_eq!(
        policy.notes[0].to_string(),
        "the policy gives mode again on line 5 (\"enforce\"); senders use the first, on line \
         2, and ignore it (RFC 8461 3.2)"
    );
    // The first value decides, valid or not.
    assert!(matches!(
        err("version: STSv1\nmode: bogus\nmode: enforce\n"),
        PolicyError::BadValue {
            key: "mode",
            line: 2,
            ..
        }
    ));
}

#[test]
fn version_not_first_is_noted() {
    let policy = ok("mode: enforce\nmx: a.example.com\nversion: STSv1\nmax_age: 1\n");
    assert_eq!(policy.notes, vec![PolicyNote::VersionNotFirst { line: 3 }]);
    // Blank lines before it do not count.
    let policy = ok("\r\n\nversion: STSv1\nmode: none\nmax_age: 1\n");
    assert!(policy.notes.is_empty());
}

#[test]
fn lines_follow_the_grammar() {
    // White space after the ":" and at the end is allowed; blank lines are skipped.
    let policy =
        ok("version:STSv1 \r\n\r\nmode:\t enforce\t\n  \nmx:   a.example.com\nmax_age: 5\n\n");
    assert_eq!(policy.mode, StsMode::Enforce);
    let malformed = |text: &str| match err(text) {
        PolicyError::Malformed { line, reason, .. } => (line, reason),
        other => panic!("{text:?}: {other:?}"),
    };
    assert_eq!(malformed("version: STSv1\nmode enforce\n").0, 2);
    assert!(
        malformed("mode : enforce\n")
            .1
            .contains("white space before")
    );
    assert!(
        malformed(" mode: enforce\n")
            .1
            .contains("does not start with a key")
    );
    assert!(malformed("mode:\n").1.contains("no value"));
    assert!(malformed("mode: en\tforce\n").1.contains("tab"));
    assert!(malformed("mode: enforce\rmx: a.b\n").1.contains("control"));
    assert!(
        malformed("\u{feff}version: STSv1\n")
            .1
            .contains("byte order mark")
    );
    assert!(malformed("<!DOCTYPE html>\n<html>\n").1.contains("HTML"));
    let words = err("version: STSv1\nmode enforce\n").to_string();
    assert_eq!(
        words,
        "line 2 of the policy (\"mode enforce\") is not a \"key: value\" line"
    );
}

#[test]
fn hostile_policies_are_bounded() {
    // Huge.
    let huge = vec![b'a'; MAX_STS_POLICY_BYTES + 1];
    assert_eq!(
        err(std::str::from_utf8(&huge).unwrap()),
        PolicyError::TooLarge {
            size: MAX_STS_POLICY_BYTES + 1
        }
    );
    assert!(
        PolicyError::TooLarge { size: 70_000 }
            .to_string()
            .contains("65536")
    );
    // Truncated mid-line, mid-value.
    let whole = "version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 604800\n";
    for cut in 0..whole.len() {
        let _ = parse(&whole.as_bytes()[..cut]);
    }
    assert!(matches!(
        err("version: STSv1\nmode: enf"),
        PolicyError::BadValue { .. }
    ));
    assert!(matches!(
        err("version: STSv1\nmode: enforce\nmx: a.example.com\nmax_a"),
        PolicyError::Malformed { line: 4, .. }
    ));
    // Binary.
    assert!(matches!(
        parse(b"version: STSv1\n\xff\xfe\x00\x01"),
        Err(PolicyError::Malformed { line: 2, .. })
    ));
    // Many mx lines: up to the limit, not past it.
    let many = |count: usize| {
        let mut text = String::from("version: STSv1\nmode: enforce\nmax_age: 1\n");
        for n in 0..count {
            text.push_str(&format!("mx: mx{n}.example.com\n"));
        }
        text
    };
    assert_eq!(ok(&many(MAX_STS_MX_PATTERNS)).mx.len(), MAX_STS_MX_PATTERNS);
    assert_eq!(err(&many(MAX_STS_MX_PATTERNS + 1)), PolicyError::TooManyMx);
    // Many lines of anything else, up to the size limit; many repetitions, one note each.
    let mut filler = String::from("version: STSv1\nmode: none\nmax_age: 1\n");
    while filler.len() < MAX_STS_POLICY_BYTES - 20 {
        filler.push_str("mode: enforce\nx: y\n");
    }
    assert_eq!(ok(&filler).notes.len(), 1);
    // A long line: the error keeps 256 bytes of it.
    let long = format!("{}\n", "a".repeat(MAX_STS_POLICY_BYTES - 1));
    let PolicyError::Malformed { text, .. } = err(&long) else {
        panic!("malformed");
    };
    assert_eq!(text.len(), 256);
}

proptest! {
    #[test]
    fn any_bytes_are_read_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(policy) = parse(&body) {
            prop_assert!(policy.max_age as u64 <= MAX_STS_MAX_AGE_SECONDS);
            prop_assert!(policy.mx.len() <= MAX_STS_MX_PATTERNS);
            prop_assert!(policy.mode == StsMode::None || !policy.mx.is_empty());
        }
    }

    #[test]
    fn a_pattern_matches_its_own_hosts_in_any_case(
        label in "[a-z0-9]{1,10}",
        suffix in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,3}",
    ) {
        let host = format!("{label}.{suffix}");
        let wildcard = format!("*.{suffix}");
        let dotted = format!("{host}.");
        let deeper = format!("x.{host}");
        let upper = host.to_ascii_uppercase();
        prop_assert!(matches(&wildcard, &upper));
        prop_assert!(matches(&upper, &dotted));
        prop_assert!(!matches(&wildcard, &suffix));
        prop_assert!(!matches(&wildcard, &deeper));
    }
}
