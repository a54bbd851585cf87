use super::*;

fn one(text: &str) -> Result<Option<TlsRptRecord>, RecordError> {
    find(&[vec![text.as_bytes().to_vec()]])
}

fn reason(text: &str) -> String {
    match one(text) {
        Err(RecordError::Invalid { reason, .. }) => reason,
        other => panic!("{text:?}: {other:?}"),
    }
}

fn mailto(address: &str) -> ReportUri {
    ReportUri {
        scheme: ReportScheme::Mailto,
        uri: format!("mailto:{address}"),
        destination: address.into(),
    }
}

#[test]
fn rfc_8460_examples() {
    // RFC 8460 3.1.1 and 3.1.2 (and appendix A).
    assert_eq!(
        one("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap(),
        Some(TlsRptRecord {
            rua: vec![mailto("reports@example.com")],
            extensions: vec![]
        })
    );
    assert_eq!(
        one("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").unwrap(),
        Some(TlsRptRecord {
            rua: vec![ReportUri {
                scheme: ReportScheme::Https,
                uri: "https://reporting.example.com/v1/tlsrpt".into(),
                destination: "reporting.example.com".into(),
            }],
            extensions: vec![]
        })
    );
}

#[test]
fn a_comma_separated_list_with_white_space_around_commas() {
    let found = one("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net:8443/x?y=1;")
        .unwrap()
        .unwrap();
    assert_eq!(found.rua.len(), 2);
    assert_eq!(found.rua[0], mailto("a@example.com"));
    assert_eq!(found.rua[1].scheme, ReportScheme::Https);
    assert_eq!(found.rua[1].destination, "r.example.net");
}

#[test]
fn uri_forms() {
    for (uri, destination) in [
        ("MAILTO:TLS@Example.com", "TLS@Example.com"),
        (
            "mailto:tls+rpt@example.com?subject=tls",
            "tls+rpt@example.com",
        ),
        ("mailto:a%2Cb@example.com", "a%2Cb@example.com"),
        ("https://Reports.Example.com", "reports.example.com"),
        ("https://u@r.example.com:443/", "r.example.com"),
        ("https://r.example.com:/", "r.example.com"),
        ("https://[2001:db8::1]:8443/r", "2001:db8::1"),
        ("https://192.0.2.1/r", "192.0.2.1"),
    ] {
        let found = one(&format!("v=TLSRPTv1; rua={uri}")).unwrap().unwrap();
        assert_eq!(found.rua[0].destination, destination, "{uri}");
        assert_eq!(found.rua[0].uri, uri);
    }
}

#[test]
fn bad_uris_say_why() {
    for (uri, why) in [
        ("http://r.example.com/", "neither mailto: nor https:"),
        ("reports@example.com", "no scheme"),
        ("mailto:reports", "names no address"),
        ("mailto:@example.com", "empty local part"),
        ("mailto:r@exa_mple.com", "domain \"exa_mple.com\""),
        ("mailto:r@example.com!10m", "\"!\""),
        ("https:r.example.com", "no host"),
        ("https:///x", "no host"),
        ("https://r.example.com:99999/", "port"),
        ("https://r.example.com:0x1/", "port"),
        ("https://[nope]/", "IP literal"),
        ("https://[::1/", "unclosed"),
        ("mailto:a b@example.com", "white space"),
        ("mailto:a%zz@example.com", "two hex digits"),
        ("mailto:a\"b@example.com", "no URI may hold"),
    ] {
        let said = reason(&format!("v=TLSRPTv1; rua={uri}"));
        assert!(said.contains(why), "{uri}: {said}");
    }
    assert!(reason("v=TLSRPTv1; rua=mailto:a@example.com,").contains("empty URI"));
    assert!(reason("v=TLSRPTv1; rua=").contains("empty URI"));
    assert!(reason("v=TLSRPTv1; rua= mailto:a@example.com").contains("white space follows"));
}

#[test]
fn rua_is_required_once() {
    assert!(reason("v=TLSRPTv1").contains("no rua field"));
    assert!(reason("v=TLSRPTv1; ruf=x").contains("no rua field"));
    assert!(reason("v=TLSRPTv1; RUA=mailto:a@example.com").contains("case-sensitive"));
    assert!(
        reason("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com")
            .contains("two rua fields")
    );
}

#[test]
fn extensions_are_kept() {
    let found = one("v=TLSRPTv1; x-note=hi; rua=mailto:a@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(found.extensions, vec![("x-note".into(), "hi".into())]);
    assert!(reason("v=TLSRPTv1; rua=mailto:a@example.com; x=a b").contains("\"x\""));
}

#[test]
fn one_record_or_none() {
    assert_eq!(find(&[]).unwrap(), None);
    assert_eq!(
        find(&[
            vec![b"v=spf1 -all".to_vec()],
            vec![b"v=TLSRPTv2; rua=x".to_vec()]
        ])
        .unwrap(),
        None
    );
    let two = [
        vec![b"v=TLSRPTv1; rua=mailto:a@example.com".to_vec()],
        vec![b"v=TLSRPTv1; rua=mailto:b@example.com".to_vec()],
    ];
    let words = find(&two).unwrap_err().to_string();
    assert!(words.contains("2 TXT records at _smtp._tls"), "{words}");
    assert!(words.contains("no TLS reports"), "{words}");
    let split = [vec![
        b"v=TLSRPTv1; rua=mailto:rep".to_vec(),
        b"orts@example.com".to_vec(),
    ]];
    assert_eq!(
        find(&split).unwrap().unwrap().rua,
        vec![mailto("reports@example.com")]
    );
}

#[test]
fn hostile_records_are_bounded() {
    let many = format!(
        "v=TLSRPTv1; rua={}",
        vec!["mailto:a@example.com"; 5000].join(",")
    );
    assert_eq!(one(&many).unwrap().unwrap().rua.len(), 5000);
    assert!(matches!(
        find(&[vec![b"v=TLSRPTv1; rua=\xff\x00".to_vec()]]),
        Err(RecordError::Invalid { .. })
    ));
    let long = format!("v=TLSRPTv1; rua=mailto:a@{}.com", "a".repeat(100_000));
    assert!(reason(&long).contains("longer than"));
}
