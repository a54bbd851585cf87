use super::*;

fn results(value: &str) -> Vec<(String, String)> {
    parse(value)
        .results
        .into_iter()
        .map(|r| (r.method, r.result))
        .collect()
}

fn pair(method: &str, result: &str) -> (String, String) {
    (method.into(), result.into())
}

/// RFC 8601, Appendix B.2: a receiver that checked nothing.
#[test]
fn nothing_checked() {
    let read = parse("example.org 1; none");
    assert_eq!(read.authserv_id, "example.org");
    assert!(read.results.is_empty());
}

/// RFC 8601, Appendix B.3 and B.4: one result, then several, with comments.
#[test]
fn the_rfcs_examples() {
    let read = parse("example.com; spf=pass smtp.mailfrom=example.net");
    assert_eq!(read.authserv_id, "example.com");
    assert_eq!(read.results[0].method, "spf");
    assert_eq!(read.results[0].result, "pass");
    assert_eq!(
        read.results[0].property("smtp.mailfrom"),
        Some("example.net")
    );
    let read = parse(
        "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; \
         spf=pass smtp.mailfrom=example.net",
    );
    assert_eq!(read.results.len(), 2);
    assert_eq!(
        read.results[0].property("smtp.auth"),
        Some("sender@example.net")
    );
    // B.5: a header field with a version, a method with its own.
    assert_eq!(
        results(
            "example.com 1; sender-id=fail header.from=example.com; dkim/1=pass (good signature) header.d=example.com"
        ),
        [pair("sender-id", "fail"), pair("dkim", "pass")]
    );
    // B.6: two DKIM results, reasons in quoted strings.
    let read = parse(
        "example.com;\r\n    dkim=pass reason=\"good signature\"\r\n      \
         header.i=@mail-router.example.net;\r\n    dkim=fail reason=\"bad signature\"\r\n      \
         header.i=@newyork.example.com",
    );
    assert_eq!(read.results.len(), 2);
    assert_eq!(read.results[0].reason.as_deref(), Some("good signature"));
    assert_eq!(read.results[1].result, "fail");
    assert_eq!(
        read.results[1].property("header.i"),
        Some("@newyork.example.com")
    );
}

/// Gmail's field, as its documentation shows it: comments with `:` and `;`-free prose.
#[test]
fn gmails_field() {
    let read = parse(
        "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 \
         header.b=Ab12Cd34;\r\n       spf=pass (google.com: domain of alice@example.com \
         designates 192.0.2.1 as permitted sender) smtp.mailfrom=alice@example.com;\r\n       \
         dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
    );
    assert_eq!(read.authserv_id, "mx.google.com");
    assert_eq!(
        read.results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect::<Vec<_>>(),
        [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    );
    assert_eq!(read.results[0].property("header.s"), Some("20230601"));
    assert_eq!(read.results[2].property("header.from"), Some("example.com"));
}

/// Microsoft 365's field names no authserv-id and adds its own methods (compauth).
#[test]
fn microsofts_field_without_an_authserv_id() {
    let read = parse(
        "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass (signature \
         was verified) header.d=example.com;dmarc=pass action=none \
         header.from=example.com;compauth=pass reason=100",
    );
    assert_eq!(read.authserv_id, "");
    assert_eq!(
        read.results
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        ["spf", "dkim", "dmarc", "compauth"]
    );
    assert_eq!(read.results[3].reason.as_deref(), Some("100"));
}

/// Quirks: nested comments with `;` and `=` inside, a quoted `;`, stray `;`, upper case.
#[test]
fn quirks_real_receivers_write() {
    let read = parse(
        "MX.Example.NET (Postfix (with ; and = inside)); ; DKIM=PASS (1024-bit key) \
         reason=\"a; b\" header.d=example.com header.s=sel;;",
    );
    assert_eq!(read.authserv_id, "mx.example.net");
    assert_eq!(read.results.len(), 1);
    assert_eq!(read.results[0].method, "dkim");
    assert_eq!(read.results[0].result, "pass");
    assert_eq!(read.results[0].reason.as_deref(), Some("a; b"));
    assert_eq!(read.results[0].property("HEADER.S"), Some("sel"));
    // Garbage reads as nothing, never a panic.
    for junk in ["", ";", "=", "((((", "\"", "a=", "=b; c", "x; =; /=/"] {
        let _ = parse(junk);
    }
}

/// Only the receiver's fields count: the run of the given authserv-id's, else the
/// topmost's (OpenDKIM and OpenDMARC each write one); one a sender forged below, under
/// another name, is ignored.
#[test]
fn only_the_receivers_fields_are_trusted() {
    let fields = vec![
        "mx.receiver.test; dmarc=fail header.from=sender.test".to_string(),
        "mx.receiver.test; dkim=fail header.d=sender.test".to_string(),
        "forged.test; dkim=pass header.d=sender.test".to_string(),
        "mx.receiver.test; dkim=pass header.d=sender.test".to_string(),
    ];
    let topmost = trusted(&fields, &[], None).unwrap();
    assert_eq!(topmost.authserv_id, "mx.receiver.test");
    assert_eq!(topmost.fields.len(), 2, "the run stops at the other name");
    assert_eq!(topmost.passed("dkim"), Some(false));
    assert_eq!(topmost.passed("DMARC"), Some(false));
    assert_eq!(topmost.passed("spf"), None, "not reported");
    let named = trusted(&fields, &[], Some("MX.receiver.test")).unwrap();
    assert_eq!(named.fields, fields[..2]);
    // A receiver named that wrote nothing: nothing is trusted.
    assert_eq!(trusted(&fields, &[], Some("nobody.test")), None);
    assert_eq!(trusted(&[], &[], None), None);
    // Microsoft 365 names no authserv-id: its fields are the topmost run of none.
    let m365 = vec![
        "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass \
         (signature was verified) header.d=contoso.com;dmarc=pass action=none \
         header.from=contoso.com;compauth=pass reason=100"
            .to_string(),
    ];
    let read = trusted(&m365, &[], None).unwrap();
    assert_eq!(read.authserv_id, "");
    assert_eq!(read.passed("dmarc"), Some(true));
    assert_eq!(
        read.of("compauth").next().unwrap().reason.as_deref(),
        Some("100")
    );
}

/// Two DKIM signatures, one broken: DKIM passes, as DMARC counts it.
#[test]
fn a_method_passes_when_one_of_its_results_does() {
    let fields =
        vec!["mx.test; dkim=fail header.d=old.test; dkim=pass header.d=sender.test".to_string()];
    let read = trusted(&fields, &[], None).unwrap();
    assert_eq!(read.passed("dkim"), Some(true));
    assert_eq!(
        read.verdict("dkim").unwrap().property("header.d"),
        Some("sender.test")
    );
}

/// A method's verdict is the topmost field's that reports it: a `pass` below, of the same
/// receiver (an older hop, or forged), never outvotes it; other methods come from the
/// fields below (OpenDKIM and OpenDMARC each write one).
#[test]
fn the_topmost_field_reporting_a_method_decides_it() {
    let fields = vec![
        "mx.google.com; dkim=fail header.d=sender.test".to_string(),
        "mx.google.com; spf=pass smtp.mailfrom=sender.test".to_string(),
        "mx.google.com; dkim=pass header.d=sender.test; dmarc=pass".to_string(),
    ];
    let read = trusted(&fields, &[], None).unwrap();
    assert_eq!(read.passed("dkim"), Some(false));
    assert_eq!(read.passed("spf"), Some(true));
    assert_eq!(read.passed("dmarc"), Some(true), "reported only below");
}

/// SPF judges the envelope sender: a HELO identity's pass does not hide its fail.
#[test]
fn spf_is_the_envelope_senders() {
    let fields = vec![
        "mx.test; spf=pass smtp.helo=mail.sender.test; spf=fail smtp.mailfrom=sender.test"
            .to_string(),
    ];
    assert_eq!(
        trusted(&fields, &[], None).unwrap().passed("spf"),
        Some(false)
    );
}

/// A receiver that names no authserv-id (Microsoft 365) is trusted in its topmost field
/// alone: a forged nameless one below cannot be told from it.
#[test]
fn a_nameless_receiver_is_trusted_in_its_topmost_field_alone() {
    let fields = vec![
        "spf=pass smtp.mailfrom=contoso.com; dkim=none".to_string(),
        "dkim=pass header.d=contoso.com".to_string(),
    ];
    let read = trusted(&fields, &[], None).unwrap();
    assert_eq!(read.fields.len(), 1);
    assert_eq!(read.passed("dkim"), Some(false));
}

/// Without an Authentication-Results field of the receiver named, its newest ARC seal is
/// read; unnamed, an ARC field is anyone's (a sender's own outbound seal) and is not.
#[test]
fn the_receivers_newest_arc_field_stands_in() {
    let arc = vec![
        "i=2; mx.receiver.test; spf=pass smtp.mailfrom=list.test; dkim=pass \
         header.d=list.test; arc=pass"
            .to_string(),
        "i = 1; list.test; dkim=pass header.d=sender.test".to_string(),
        "i=4000000000; mx.receiver.test; dkim=pass header.d=forged.test".to_string(),
    ];
    let read = trusted(&[], &arc, Some("mx.receiver.test")).unwrap();
    assert!(read.from_arc);
    assert_eq!(read.authserv_id, "mx.receiver.test");
    assert_eq!(read.passed("arc"), Some(true));
    assert_eq!(read.fields, arc[..1], "an instance past 50 is no seal");
    let named = trusted(&[], &arc, Some("list.test")).unwrap();
    assert_eq!(named.fields, arc[1..2]);
    assert_eq!(trusted(&[], &arc, None), None);
}

/// A slash in a value (base64) stays in it; a method's version is dropped.
#[test]
fn a_slash_parts_only_a_method_from_its_version() {
    let read = parse("mx.test; dkim/1=pass header.b=ab/cd+e= header.s=s1; spf /1=fail");
    assert_eq!(read.results[0].method, "dkim");
    assert_eq!(read.results[0].property("header.b"), Some("ab/cd+e"));
    assert_eq!(read.results[0].property("header.s"), Some("s1"));
    assert_eq!(
        (
            read.results[1].method.as_str(),
            read.results[1].result.as_str()
        ),
        ("spf", "fail")
    );
}

/// However long a hostile sender's field, what is read stays bounded.
#[test]
fn a_hostile_field_is_read_within_bounds() {
    let many = format!("mx.test{}", "; dkim=pass header.d=x".repeat(10_000));
    let read = parse(&many);
    assert_eq!(read.results.len(), MAX_RESULTS);
    let props = format!("mx.test; dkim=pass{}", " header.d=x".repeat(1_000));
    assert_eq!(parse(&props).results[0].properties.len(), MAX_PROPERTIES);
    let long = format!(
        "mx.test; dkim=pass reason=\"{}é\"",
        "x".repeat(MAX_FIELD_LEN)
    );
    let read = parse(&long);
    assert!(read.results[0].reason.as_ref().unwrap().len() <= MAX_FIELD_LEN);
}

/// ARC-Authentication-Results (RFC 8617) starts with its instance; the rest reads as an
/// Authentication-Results field (Gmail's, as third-party guides quote it).
#[test]
fn an_arc_field_has_its_instance_first() {
    let (instance, read) = parse_arc(
        "i=1; mx.google.com; arc-status=pass dmarc=pass (p=none sp=none dis=none) \
         smtp.from=example.com",
    );
    assert_eq!(instance, Some(1));
    assert_eq!(read.authserv_id, "mx.google.com");
    assert_eq!(read.results[0].method, "arc-status");
    assert_eq!(read.results[0].result, "pass");
    let (instance, read) = parse_arc("mx.test; arc=pass");
    assert_eq!(instance, None);
    assert_eq!(read.results[0].method, "arc");
}
