use super::*;

fn parse_all(input: &[u8]) -> Result<Vec<Reply>, ReplyError> {
    let mut parser = ReplyParser::new();
    parser.push(input);
    let mut replies = Vec::new();
    while let Some(reply) = parser.next_reply(|_| {})? {
        replies.push(reply);
    }
    Ok(replies)
}

#[test]
fn single_line() {
    let replies = parse_all(b"220 mail.example ESMTP ready\r\n").unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].code, 220);
    assert_eq!(replies[0].lines, ["mail.example ESMTP ready"]);
    assert_eq!(replies[0].enhanced_code, None);
}

#[test]
fn multi_line_keeps_every_line() {
    let replies = parse_all(b"220-first\r\n220-second\r\n220 third\r\n").unwrap();
    assert_eq!(replies[0].lines, ["first", "second", "third"]);
}

#[test]
fn final_line_without_text() {
    let replies = parse_all(b"250-mail.example\r\n250\r\n").unwrap();
    assert_eq!(replies[0].code, 250);
    assert_eq!(replies[0].lines, ["mail.example", ""]);
}

#[test]
fn bare_lf_and_split_input() {
    let mut parser = ReplyParser::new();
    for byte in b"250-a\n250 b\n" {
        assert!(parser.next_reply(|_| {}).unwrap().is_none());
        parser.push(&[*byte]);
    }
    let reply = parser.next_reply(|_| {}).unwrap().unwrap();
    assert_eq!(reply.lines, ["a", "b"]);
    assert!(!parser.has_buffered());
}

#[test]
fn non_utf8_text_is_kept_lossily() {
    let replies = parse_all(b"220 caf\xe9\r\n").unwrap();
    assert_eq!(replies[0].lines, ["caf\u{fffd}"]);
}

#[test]
fn enhanced_code_parsed_when_class_matches() {
    let replies = parse_all(b"550 5.7.1 Relaying denied\r\n451 5.1.1 mismatch\r\n").unwrap();
    assert_eq!(
        replies[0].enhanced_code,
        Some(EnhancedCode {
            class: 5,
            subject: 7,
            detail: 1
        })
    );
    assert_eq!(replies[0].lines, ["5.7.1 Relaying denied"]);
    assert_eq!(replies[1].enhanced_code, None);
}

#[test]
fn enhanced_code_rejects_near_misses() {
    for text in ["2.0", "2.0.0.0", "2.1000.0", "x.0.0", "2..0", "20.0.0"] {
        assert_eq!(parse_enhanced_code(250, text), None, "{text}");
    }
    assert_eq!(
        parse_enhanced_code(250, "2.0.0"),
        Some(EnhancedCode {
            class: 2,
            subject: 0,
            detail: 0
        })
    );
}

#[test]
fn malformed_lines_are_errors() {
    for input in [
        &b"hello\r\n"[..],
        b"22\r\n",
        b"620 x\r\n",
        b"2x0 x\r\n",
        b"250x\r\n",
    ] {
        assert!(
            matches!(parse_all(input), Err(ReplyError::Malformed(_))),
            "{input:?}"
        );
    }
}

#[test]
fn code_change_within_reply_is_an_error() {
    assert_eq!(
        parse_all(b"250-a\r\n251 b\r\n"),
        Err(ReplyError::CodeChanged {
            first: 250,
            later: 251
        })
    );
}

#[test]
fn overlong_line_without_newline_is_caught_early() {
    let mut parser = ReplyParser::new();
    parser.push(&[b'2'; MAX_REPLY_LINE_LEN]);
    assert_eq!(parser.next_reply(|_| {}), Err(ReplyError::LineTooLong));
}

#[test]
fn overlong_line_with_newline_is_an_error() {
    let mut input = b"250 ".to_vec();
    input.extend(std::iter::repeat_n(b'a', MAX_REPLY_LINE_LEN));
    input.extend(b"\r\n");
    assert_eq!(parse_all(&input), Err(ReplyError::LineTooLong));
}

#[test]
fn endless_reply_is_an_error() {
    let input = b"250-x\r\n".repeat(MAX_REPLY_LINES + 1);
    assert_eq!(parse_all(&input), Err(ReplyError::TooManyLines));
}

#[test]
fn lines_are_reported_with_raw_text() {
    let mut parser = ReplyParser::new();
    parser.push(b"250-a\r\n250 b\r\n");
    let mut seen = Vec::new();
    parser
        .next_reply(|line| seen.push(line.raw.clone()))
        .unwrap();
    assert_eq!(seen, ["250-a", "250 b"]);
}
