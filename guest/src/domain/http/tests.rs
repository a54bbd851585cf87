use super::*;
use proptest::prelude::*;

/// The outcome of `bytes` pushed whole, then the end of the stream.
fn read(bytes: &[u8]) -> Result<Fetched, HttpError> {
    let mut response = PolicyResponse::new();
    response.push(bytes);
    response.close();
    response.into_outcome().expect("an outcome after close")
}

/// The outcome of `bytes` pushed whole, without the end of the stream.
fn open(bytes: &[u8]) -> Option<Result<Fetched, HttpError>> {
    let mut response = PolicyResponse::new();
    response.push(bytes);
    response.into_outcome()
}

fn policy(body: &str) -> Result<Fetched, HttpError> {
    Ok(Fetched::Policy {
        body: body.as_bytes().to_vec(),
    })
}

const POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n";

fn with_length(head: &str, body: &str) -> Vec<u8> {
    format!("{head}Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn the_request() {
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        String::from_utf8(request("Example.COM.").unwrap()).unwrap(),
        format!(
            "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.com\r\n\
             User-Agent: smtp-sensor/{version}\r\nAccept: text/plain\r\n\
             Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
        )
    );
    assert_eq!(
        policy_host("example.com").as_deref(),
        Some("mta-sts.example.com")
    );
    for bad in [
        "",
        ".",
        "example.com\r\nX-Evil: 1",
        "exa mple.com",
        "a..b",
        "bücher.de",
    ] {
        assert_eq!(request(bad), None, "{bad:?}");
    }
    let longest = [
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61),
    ]
    .join(".");
    assert_eq!(policy_host(&longest), None);
}

#[test]
fn a_policy_with_content_length() {
    let response = with_length("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", POLICY);
    assert_eq!(open(&response), Some(policy(POLICY)));
    // LF line ends, HTTP/1.0, parameters, case.
    let response = with_length(
        "HTTP/1.0 200 OK\nContent-Type: TEXT/Plain ; charset=UTF-8\nServer: x\n",
        POLICY,
    );
    let response = String::from_utf8(response)
        .unwrap()
        .replace("\r\n\r\n", "\n\n");
    assert_eq!(open(response.as_bytes()), Some(policy(POLICY)));
}

#[test]
fn a_chunked_policy() {
    let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n\
                    f\r\nversion: STSv1\r\r\n\
                    37 ; ext=\"x\"\r\n\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n\r\n\
                    0\r\nX-Trailer: y\r\n\r\n";
    assert_eq!(open(response.as_bytes()), Some(policy(POLICY)));
    // Closed after the last chunk, before the trailers ended: the body is whole.
    let cut = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Type: text/plain\n\n2\nab\n0\n";
    assert_eq!(read(cut.as_bytes()), policy("ab"));
    // Both framings: chunked wins (RFC 9112 6.3).
    let both = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\
                Content-Type: text/plain\r\n\r\n1\r\na\r\n0\r\n\r\n";
    assert_eq!(open(both.as_bytes()), Some(policy("a")));
}

#[test]
fn a_policy_read_until_the_end() {
    let response = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{POLICY}");
    assert_eq!(open(response.as_bytes()), None);
    assert_eq!(read(response.as_bytes()), policy(POLICY));
    let empty = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(open(empty.as_bytes()), Some(policy("")));
}

#[test]
fn redirects_are_reported_not_followed() {
    let moved = "HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.example.com/mta-sts.txt\r\n\
                 Content-Length: 5\r\n\r\n";
    assert_eq!(
        open(moved.as_bytes()),
        Some(Ok(Fetched::Redirect {
            status: 301,
            reason: "Moved Permanently".into(),
            location: Some("https://www.example.com/mta-sts.txt".into()),
        }))
    );
    assert_eq!(
        open(b"HTTP/1.1 308\r\n\r\n"),
        Some(Ok(Fetched::Redirect {
            status: 308,
            reason: String::new(),
            location: None
        }))
    );
}

#[test]
fn other_statuses_are_outcomes() {
    for (response, status, reason) in [
        (
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n",
            404,
            "Not Found",
        ),
        ("HTTP/1.1 500 \r\n\r\n", 500, ""),
        ("HTTP/1.1 503\r\n\r\n", 503, ""),
        ("HTTP/1.1 204 No Content\r\n\r\n", 204, "No Content"),
        (
            "HTTP/1.1 403 Verboten \u{fc}ber\r\n\r\n",
            403,
            "Verboten \u{fc}ber",
        ),
    ] {
        assert_eq!(
            open(response.as_bytes()),
            Some(Ok(Fetched::Status {
                status,
                reason: reason.into()
            })),
            "{response:?}"
        );
    }
}

#[test]
fn interim_responses_are_skipped() {
    let response = with_length(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n\
         HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
        POLICY,
    );
    assert_eq!(open(&response), Some(policy(POLICY)));
    assert!(matches!(
        open(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
        Some(Err(HttpError::Unsupported { .. }))
    ));
}

#[test]
fn the_content_type_must_be_text_plain() {
    for (field, found) in [
        (
            "Content-Type: text/html; charset=utf-8\r\n",
            Some("text/html; charset=utf-8"),
        ),
        (
            "Content-Type: application/octet-stream\r\n",
            Some("application/octet-stream"),
        ),
        ("Content-Type: text/plainx\r\n", Some("text/plainx")),
        ("", None),
        (
            "Content-Type: text/plain\r\nContent-Type: text/html\r\n",
            Some("text/plain, text/html"),
        ),
    ] {
        let response = with_length(&format!("HTTP/1.1 200 OK\r\n{field}"), POLICY);
        assert_eq!(
            open(&response),
            Some(Err(HttpError::WrongContentType {
                found: found.map(str::to_string)
            })),
            "{field:?}"
        );
    }
    let said = HttpError::WrongContentType {
        found: Some("text/html".into()),
    }
    .to_string();
    assert_eq!(
        said,
        "the policy host served the policy as \"text/html\", not text/plain (RFC 8461 3.2)"
    );
    // Folded over two lines (obs-fold), and white space before the colon: tolerated.
    let folded = with_length(
        "HTTP/1.1 200 OK\r\nContent-Type : text/plain;\r\n charset=utf-8\r\n",
        "x",
    );
    assert_eq!(open(&folded), Some(policy("x")));
}

#[test]
fn codings_not_asked_for_are_refused() {
    let gzip = with_length(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n",
        "x",
    );
    let Some(Err(HttpError::Unsupported { what })) = open(&gzip) else {
        panic!("gzip");
    };
    assert_eq!(what, "Content-Encoding \"gzip\"");
    let identity = with_length(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: identity\r\n",
        "x",
    );
    assert_eq!(open(&identity), Some(policy("x")));
    let te =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    assert!(matches!(
        open(te.as_bytes()),
        Some(Err(HttpError::Unsupported { .. }))
    ));
}

#[test]
fn the_body_is_at_most_64_kib() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    let full = "a".repeat(MAX_STS_POLICY_BYTES);
    assert_eq!(open(&with_length(head, &full)), Some(policy(&full)));
    let over = format!("{full}a");
    // Declared: refused at once.
    let declared = format!("{head}Content-Length: {}\r\n\r\n", over.len());
    assert_eq!(
        open(declared.as_bytes()),
        Some(Err(HttpError::BodyTooLarge {
            declared: Some(65_537)
        }))
    );
    assert_eq!(
        HttpError::BodyTooLarge {
            declared: Some(65_537)
        }
        .to_string(),
        "the policy is longer than 65536 bytes, the most read (RFC 8461 3.3 suggests 64 KiB): \
         its Content-Length is 65537"
    );
    let huge = format!("{head}Content-Length: 99999999999999999999\r\n\r\n");
    assert!(matches!(
        open(huge.as_bytes()),
        Some(Err(HttpError::Malformed { .. }))
    ));
    // Until the end: refused once past it.
    let until = format!("{head}\r\n{over}");
    assert_eq!(
        open(until.as_bytes()),
        Some(Err(HttpError::BodyTooLarge { declared: None }))
    );
    assert_eq!(read(format!("{head}\r\n{full}").as_bytes()), policy(&full));
    // Chunked: refused at the chunk that passes it.
    let chunked = format!(
        "{head}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{full}\r\n1\r\n",
        full.len()
    );
    assert_eq!(
        open(chunked.as_bytes()),
        Some(Err(HttpError::BodyTooLarge { declared: None }))
    );
    let giant = format!("{head}Transfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n");
    assert_eq!(
        open(giant.as_bytes()),
        Some(Err(HttpError::BodyTooLarge { declared: None }))
    );
}

#[test]
fn the_head_is_bounded() {
    let long_field = format!(
        "HTTP/1.1 200 OK\r\nX: {}\r\n",
        "a".repeat(MAX_HTTP_HEAD_BYTES)
    );
    assert_eq!(
        open(long_field.as_bytes()),
        Some(Err(HttpError::HeadTooLarge))
    );
    // Without a line end, too, as soon as it cannot fit.
    let mut endless = PolicyResponse::new();
    endless.push(b"HTTP/1.1 200 OK\r\nX: ");
    for _ in 0..MAX_HTTP_HEAD_BYTES / 1024 {
        endless.push(&[b'a'; 1024]);
    }
    assert_eq!(endless.outcome(), Some(&Err(HttpError::HeadTooLarge)));
    let many: String = (0..=MAX_HTTP_FIELDS)
        .map(|n| format!("X-{n}: y\r\n"))
        .collect();
    let response = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
    assert_eq!(
        open(response.as_bytes()),
        Some(Err(HttpError::TooManyFields))
    );
    let interims = "HTTP/1.1 100 Continue\r\n\r\n".repeat(MAX_HTTP_HEAD_BYTES / 20);
    assert_eq!(
        open(interims.as_bytes()),
        Some(Err(HttpError::HeadTooLarge))
    );
}

#[test]
fn malformed_responses_say_where() {
    let place = |bytes: &[u8]| match read(bytes) {
        Err(HttpError::Malformed { place, .. }) => place,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
    };
    for status in [
        "HTTP/2 200 OK",
        "HTTP/1.1 2000 OK",
        "HTTP/1.1 099 Low",
        "HTTP/1.1 600 High",
        "HTTP/1.1 20a OK",
        "HTTP/1.1  200 OK",
        "HTTP/1.1 200OK",
        "http/1.1 200 OK",
        "SSH-2.0-OpenSSH_9.6",
        "",
        "<html>",
    ] {
        assert_eq!(
            place(format!("{status}\r\n\r\n").as_bytes()),
            "the status line",
            "{status:?}"
        );
    }
    assert_eq!(
        place(b"HTTP/1.1 200 OK\r\nServer: x\r\nno colon\r\n\r\n"),
        "header line 2"
    );
    assert_eq!(
        place(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"),
        "header line 1"
    );
    assert_eq!(place(b"HTTP/1.1 200 OK\r\n: x\r\n\r\n"), "header line 1");
    assert_eq!(
        place(b"HTTP/1.1 200 OK\r\n folded first\r\n\r\n"),
        "header line 1"
    );
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    for length in ["5, 6", "-1", "", "0x10", "1 2"] {
        let response = format!("{head}Content-Length: {length}\r\n\r\n");
        assert_eq!(
            place(response.as_bytes()),
            "the Content-Length field",
            "{length:?}"
        );
    }
    assert_eq!(
        open(format!("{head}Content-Length: 1, 1\r\n\r\nab").as_bytes()),
        Some(policy("a"))
    );
    let chunked = format!("{head}Transfer-Encoding: chunked\r\n\r\n");
    assert_eq!(
        place(format!("{chunked}zz\r\n").as_bytes()),
        "the size line of chunk 1"
    );
    assert_eq!(
        place(format!("{chunked}\r\n").as_bytes()),
        "the size line of chunk 1"
    );
    assert_eq!(
        place(format!("{chunked}1\r\nab\r\n").as_bytes()),
        "the end of chunk 1"
    );
    // What came instead of the line end, the same however it arrived.
    for tail in ["abc\r\n", "a\rbc"] {
        let bytes = format!("{chunked}1\r\n{tail}");
        let shown = if tail.starts_with("a\r") { "\rb" } else { "b" };
        let mut split = PolicyResponse::new();
        for byte in bytes.as_bytes() {
            split.push(std::slice::from_ref(byte));
        }
        let expected = Err(HttpError::Malformed {
            place: "the end of chunk 1".into(),
            line: shown.into(),
        });
        assert_eq!(split.outcome(), Some(&expected));
        assert_eq!(read(bytes.as_bytes()), expected);
    }
    assert_eq!(
        place(format!("{chunked}1\r\na\r\n1\r\nb\r\n-1\r\n").as_bytes()),
        "the size line of chunk 3"
    );
    let long_size = format!("{chunked}1;{}\r\n", "x".repeat(MAX_HTTP_CHUNK_LINE));
    assert_eq!(place(long_size.as_bytes()), "the size line of chunk 1");
    let said = read(b"HTTP/1.1 OK\r\n\r\n").unwrap_err().to_string();
    assert_eq!(
        said,
        "the policy host's response is not valid HTTP/1.1 at the status line: \"HTTP/1.1 OK\""
    );
}

#[test]
fn truncated_responses_say_when() {
    let during = |bytes: &[u8]| match read(bytes) {
        Err(HttpError::Closed { during }) => during,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
    };
    assert_eq!(during(b""), "before any response");
    assert_eq!(during(b"HTTP/1.1 20"), "before the response's header ended");
    assert_eq!(
        during(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"),
        "before the response's header ended"
    );
    assert_eq!(
        during(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc"),
        "after 3 of the 10 bytes of the body"
    );
    assert_eq!(
        during(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n5\r\nab"),
        "in chunk 2 of the body, after 4 bytes of it"
    );
    assert_eq!(
        read(b"").unwrap_err().to_string(),
        "the policy host closed the connection before any response"
    );
}

#[test]
fn bytes_after_the_outcome_are_ignored() {
    let mut response = PolicyResponse::new();
    response.push(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 500",
    );
    assert_eq!(response.outcome(), Some(&policy("ab")));
    response.push(b"garbage");
    response.close();
    assert_eq!(response.outcome(), Some(&policy("ab")));
    assert!(response.buf.is_empty());
    let mut refused = PolicyResponse::new();
    refused.push(b"HTTP/1.1 404 Not Found\r\n\r\n");
    refused.push(&[b'x'; 100_000]);
    assert!(refused.buf.is_empty() && refused.body.is_empty());
}

#[test]
fn binary_and_byte_by_byte() {
    assert!(matches!(
        read(&[0x16, 0x03, 0x01, 0x00, 0xff, b'\n']),
        Err(HttpError::Malformed { .. })
    ));
    let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n\
                   5\r\nhello\r\n0\r\n\r\n";
    let mut response = PolicyResponse::new();
    for byte in chunked.as_bytes() {
        assert_eq!(response.outcome(), None);
        response.push(std::slice::from_ref(byte));
    }
    assert_eq!(response.outcome(), Some(&policy("hello")));
}

/// Responses to cut anywhere.
fn samples() -> Vec<Vec<u8>> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    vec![
        with_length(head, POLICY),
        format!(
            "{head}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n"
        )
        .into_bytes(),
        format!("{head}\r\n{POLICY}").into_bytes(),
        b"HTTP/1.1 100 Continue\n\nHTTP/1.1 302 Found\nLocation: /x\n\n".to_vec(),
        b"HTTP/1.1 404 Not Found\r\n\r\n".to_vec(),
        format!("{head}Content-Length: 10\r\n\r\nabc").into_bytes(),
    ]
}

proptest! {
    #[test]
    fn the_outcome_does_not_depend_on_how_the_bytes_arrive(
        sample in 0..6usize,
        cuts in proptest::collection::vec(0..200usize, 0..8),
    ) {
        let bytes = &samples()[sample];
        let whole = read(bytes);
        let mut response = PolicyResponse::new();
        let mut rest: &[u8] = bytes;
        for cut in cuts {
            let (chunk, more) = rest.split_at(cut.min(rest.len()));
            response.push(chunk);
            rest = more;
        }
        response.push(rest);
        response.close();
        prop_assert_eq!(response.into_outcome(), Some(whole));
    }

    #[test]
    fn any_bytes_are_read_within_bounds(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16),
    ) {
        let mut response = PolicyResponse::new();
        let mut whole = Vec::new();
        for chunk in &chunks {
            response.push(chunk);
            whole.extend_from_slice(chunk);
            prop_assert!(response.buf.len() <= MAX_HTTP_HEAD_BYTES + 64);
            prop_assert!(response.body.len() <= MAX_STS_POLICY_BYTES);
        }
        response.close();
        prop_assert_eq!(response.into_outcome(), Some(read(&whole)));
    }
}
