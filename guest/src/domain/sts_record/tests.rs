use super::*;

fn records(texts: &[&str]) -> Vec<Vec<Vec<u8>>> {
    texts.iter().map(|t| vec![t.as_bytes().to_vec()]).collect()
}

fn one(text: &str) -> Result<Option<StsRecord>, RecordError> {
    find(&records(&[text]))
}

fn reason(text: &str) -> String {
    match one(text) {
        Err(RecordError::Invalid { reason, .. }) => reason,
        other => panic!("{text:?}: {other:?}"),
    }
}

#[test]
fn rfc_8461_example() {
    // RFC 8461 3.1 and appendix A: `_mta-sts.example.com. IN TXT "v=STSv1; id=20160831085700Z;"`.
    assert_eq!(
        one("v=STSv1; id=20160831085700Z;").unwrap(),
        Some(StsRecord {
            id: "20160831085700Z".into(),
            extensions: vec![]
        })
    );
}

#[test]
fn real_world_forms() {
    for (text, id) in [
        ("v=STSv1;id=1", "1"),
        ("v=STSv1; id=20190429T010101", "20190429T010101"),
        ("v=STSv1 ; id=abc ;", "abc"),
        ("v=STSv1;\tid=abc;\t", "abc"),
    ] {
        assert_eq!(one(text).unwrap().unwrap().id, id, "{text}");
    }
}

#[test]
fn strings_of_one_record_are_joined() {
    let split = vec![vec![
        b"v=STSv1; i".to_vec(),
        b"d=12".to_vec(),
        b"34;".to_vec(),
    ]];
    assert_eq!(find(&split).unwrap().unwrap().id, "1234");
}

#[test]
fn no_record_is_no_policy() {
    assert_eq!(find(&[]).unwrap(), None);
    assert_eq!(
        find(&records(&[
            "v=spf1 -all",
            "v=DMARC1; p=none",
            "v=STSv2; id=1"
        ]))
        .unwrap(),
        None
    );
}

#[test]
fn other_txt_records_beside_it_are_ignored() {
    let found = find(&records(&["v=spf1 -all", "v=STSv1; id=7", "hello"])).unwrap();
    assert_eq!(found.unwrap().id, "7");
}

#[test]
fn two_records_are_an_error_naming_both() {
    let error = find(&records(&["v=STSv1; id=1", "v=STSv1; id=2"])).unwrap_err();
    let words = error.to_string();
    assert!(words.contains("\"v=STSv1; id=1\""), "{words}");
    assert!(words.contains("\"v=STSv1; id=2\""), "{words}");
    assert!(words.contains("no MTA-STS policy"), "{words}");
    // Even when one of them is invalid.
    assert!(matches!(
        find(&records(&["v=STSv1; id=1", "v=STSv1"])),
        Err(RecordError::Several { count: 2, .. })
    ));
}

#[test]
fn the_id_is_required_and_one_to_32_letters_and_digits() {
    assert!(reason("v=STSv1").contains("no id field"));
    assert!(reason("v=STSv1;").contains("no id field"));
    assert!(reason("v=STSv1; x=1").contains("no id field"));
    let upper = reason("v=STSv1; ID=1");
    assert!(upper.contains("case-sensitive"), "{upper}");
    assert!(reason("v=STSv1; id=").contains("id is empty"));
    assert!(reason("v=STSv1; id=2016-08-31").contains("'-'"));
    assert!(reason("v=STSv1; id=a_b").contains("'_'"));
    let long = format!("v=STSv1; id={}", "a".repeat(33));
    assert!(reason(&long).contains("33 characters long, more than 32"));
    let longest = format!("v=STSv1; id={}", "a".repeat(32));
    assert_eq!(one(&longest).unwrap().unwrap().id.len(), 32);
    assert!(reason("v=STSv1; id=1; id=2").contains("two id fields"));
}

#[test]
fn extensions_are_kept_and_checked() {
    let found = one("v=STSv1; id=1; ext.a=x!y; b=2").unwrap().unwrap();
    assert_eq!(
        found.extensions,
        vec![("ext.a".into(), "x!y".into()), ("b".into(), "2".into())]
    );
    assert!(reason("v=STSv1; id=1; ext=").contains("\"ext\""));
    assert!(reason("v=STSv1; id=1; ext=a=b").contains("\"ext\""));
    assert!(reason("v=STSv1; id=1; ext=a b").contains("\"ext\""));
}

#[test]
fn syntax_errors_are_said_in_words() {
    let error = one("v=STSv1 id=1").unwrap_err().to_string();
    assert_eq!(
        error,
        "the _mta-sts TXT record \"v=STSv1 id=1\" is not valid: v=STSv1 must be followed by \
         \";\", not \"id=1\"; senders take the domain to have no MTA-STS policy (RFC 8461 3.1)"
    );
    assert!(reason("v=STSv1; id=1 ").contains("white space"));
    assert!(reason("v=STSv1;; id=1").contains("empty field"));
    assert!(reason("v=STSv1; id = 1").contains("field name"));
}

#[test]
fn hostile_records_are_bounded() {
    // Binary.
    let binary = vec![vec![b"v=STSv1; id=\x00\xff\xfe".to_vec()]];
    assert!(matches!(find(&binary), Err(RecordError::Invalid { .. })));
    // Huge: the error keeps at most 256 bytes of it and shows fewer.
    let huge = format!("v=STSv1; id=1; x={}", "a".repeat(1 << 20));
    let Err(RecordError::Invalid { record, .. }) = one(&format!("{huge} ")) else {
        panic!("a trailing space is invalid");
    };
    assert_eq!(record.len(), 256);
    // Many records, many strings.
    let mut many = records(&["v=STSv1; id=1"; 1000]);
    many.push(vec![b"x".to_vec(); 10_000]);
    let Err(RecordError::Several { count, .. }) = find(&many) else {
        panic!("several");
    };
    assert_eq!(count, 1000);
    // Many fields.
    let fields = format!("v=STSv1; id=1{}", "; a=b".repeat(10_000));
    assert_eq!(one(&fields).unwrap().unwrap().extensions.len(), 10_000);
}
