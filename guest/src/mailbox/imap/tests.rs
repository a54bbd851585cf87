use super::*;
use proptest::prelude::*;

fn parse_all(bytes: &[u8]) -> Result<Vec<ImapResponse>, MailboxError> {
    let mut parser = ImapParser::new();
    parser.push(bytes);
    let mut out = Vec::new();
    while let Some(response) = parser.next_response()? {
        out.push(response);
    }
    Ok(out)
}

fn untagged(text: &str, literals: &[&[u8]]) -> ImapResponse {
    ImapResponse::Untagged {
        text: text.into(),
        literals: literals.iter().map(|l| l.to_vec()).collect(),
    }
}

#[test]
fn greeting_data_and_tagged_ends() {
    let got = parse_all(
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n\
          * 3 EXISTS\r\n* SEARCH 4 7\r\nA2 OK [READ-WRITE] Select completed.\r\n\
          A3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n+ \r\nA4 bad what\r\n",
    )
    .unwrap();
    assert_eq!(
        got,
        [
            untagged("OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.", &[]),
            untagged("3 EXISTS", &[]),
            untagged("SEARCH 4 7", &[]),
            ImapResponse::Tagged {
                tag: "A2".into(),
                status: ImapStatus::Ok,
                text: "[READ-WRITE] Select completed.".into()
            },
            ImapResponse::Tagged {
                tag: "A3".into(),
                status: ImapStatus::No,
                text: "[AUTHENTICATIONFAILED] Authentication failed.".into()
            },
            ImapResponse::Continuation {
                text: String::new()
            },
            ImapResponse::Tagged {
                tag: "A4".into(),
                status: ImapStatus::Bad,
                text: "what".into()
            },
        ]
    );
}

#[test]
fn literals_hold_any_bytes_and_the_line_goes_on_after_them() {
    let header = b"Subject: x\r\nMessage-ID: <t@x>\r\n\r\n";
    let mut stream = format!("* 1 FETCH (UID 9 BODY[HEADER] {{{}}}\r\n", header.len()).into_bytes();
    stream.extend_from_slice(header);
    stream.extend_from_slice(b" FLAGS (\\Seen))\r\nA5 OK done\r\n");
    let got = parse_all(&stream).unwrap();
    assert_eq!(
        got[0],
        untagged(
            &format!(
                "1 FETCH (UID 9 BODY[HEADER] {{{}}} FLAGS (\\Seen))",
                header.len()
            ),
            &[header]
        )
    );
    assert!(matches!(&got[1], ImapResponse::Tagged { tag, .. } if tag == "A5"));
    // Two literals in one response, and a non-synchronising one.
    let got = parse_all(b"* 2 FETCH (A {1}\r\nx B {2+}\r\nyz)\r\n").unwrap();
    assert_eq!(got, [untagged("2 FETCH (A {1} B {2+})", &[b"x", b"yz"])]);
}

#[test]
fn broken_and_hostile_servers_are_errors() {
    for bad in [
        &b"220 smtp.example ESMTP\r\n"[..],
        b"A1 MAYBE\r\n",
        b"(x OK\r\n",
    ] {
        assert!(
            matches!(parse_all(bad), Err(MailboxError::Malformed(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let huge = format!(
        "* 1 FETCH (BODY[] {{{}}}\r\n",
        MAX_MAILBOX_RESPONSE_BYTES + 1
    );
    assert_eq!(
        parse_all(huge.as_bytes()),
        Err(MailboxError::ResponseTooLong)
    );
    let mut parser = ImapParser::new();
    parser.push(&vec![b'*'; MAX_IMAP_LINE_LEN + 1]);
    assert_eq!(
        parser.next_response(),
        Err(MailboxError::LineTooLong(MAX_IMAP_LINE_LEN))
    );
    // A SEARCH answer of thousands of UIDs is one long line, and is read.
    let long: String = (100_000..104_000).map(|n| format!(" {n}")).collect();
    assert_eq!(
        parse_all(format!("* SEARCH{long}\r\n").as_bytes())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn wire_pieces() {
    assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert!(needs_literal("pässword") && !needs_literal("pass\"word"));
    assert_eq!(
        capabilities("OK [CAPABILITY IMAP4rev1 uidplus] ready").unwrap(),
        ["IMAP4REV1", "UIDPLUS"]
    );
    assert_eq!(capabilities("CAPABILITY IMAP4rev1 IDLE").unwrap().len(), 2);
    assert_eq!(capabilities("OK ready"), None);
    assert_eq!(
        capabilities("OK ready [CAPABILITY UIDPLUS]"),
        None,
        "only at the start"
    );
    assert_eq!(
        capabilities("[CAPABILITY IMAP4rev1] Logged in")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(searched_uids("SEARCH 4 9 7", "a3", 10), Some(vec![9, 7, 4]));
    assert_eq!(searched_uids("SEARCH", "a3", 10), Some(vec![]));
    assert_eq!(
        searched_uids("ESEARCH (TAG \"a3\") UID ALL 4:6,9", "a3", 10),
        Some(vec![9, 6, 5, 4])
    );
    assert_eq!(
        searched_uids("ESEARCH (TAG \"a3\") UID", "a3", 10),
        Some(vec![])
    );
    assert_eq!(
        searched_uids("ESEARCH UID ALL 1:4294967295", "a3", 3),
        Some(vec![4294967295, 4294967294, 4294967293]),
        "bounded"
    );
    // Another command's answer, or sequence numbers, are not this search's UIDs.
    assert_eq!(
        searched_uids("ESEARCH (TAG \"a2\") UID ALL 4", "a3", 10),
        None
    );
    assert_eq!(searched_uids("ESEARCH (TAG \"a3\") ALL 4", "a3", 10), None);
    assert_eq!(searched_uids("SEARCHING 4", "a3", 10), None);
    assert_eq!(searched_uids("3 EXISTS", "a3", 10), None);
}

#[test]
fn literal_lengths() {
    assert_eq!(literal_length("BODY[] {42}"), Some(42));
    assert_eq!(literal_length("X {0+}"), Some(0));
    assert_eq!(literal_length("no literal"), None);
    assert_eq!(literal_length("{}"), None);
    assert_eq!(literal_length("{-1}"), None);
    assert_eq!(literal_length("{99999999999}"), None);
}

proptest! {
    /// However the bytes are split, the same responses come out.
    #[test]
    fn split_anywhere(cuts in proptest::collection::vec(0usize..80, 0..6)) {
        let stream: &[u8] =
            b"* OK ready\r\n* 1 FETCH (BODY[] {5}\r\na\r\nb. FLAGS ())\r\nA1 OK done\r\n";
        let whole = parse_all(stream).unwrap();
        let mut parser = ImapParser::new();
        let mut got = Vec::new();
        let mut rest = stream;
        for cut in cuts {
            let (chunk, more) = rest.split_at(cut.min(rest.len()));
            parser.push(chunk);
            while let Some(r) = parser.next_response().unwrap() {
                got.push(r);
            }
            rest = more;
        }
        parser.push(rest);
        while let Some(r) = parser.next_response().unwrap() {
            got.push(r);
        }
        prop_assert_eq!(got, whole);
    }
}
