use super::*;
use proptest::prelude::*;

/// Every reply, then the first error, as text, from `chunks` fed in turn.
fn events(chunks: &[&[u8]]) -> Vec<String> {
    let mut parser = ReplyParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.push(chunk);
        loop {
            match parser.next_reply(|_| {}) {
                Ok(Some(reply)) => events.push(format!("{reply:?}")),
                Ok(None) => break,
                Err(error) => {
                    events.push(format!("error: {error}"));
                    return events;
                }
            }
        }
    }
    events
}

/// A server's stream: replies of one to four lines, mostly well formed.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let line = ("[2-5][0-5][0-9]", "[ -~]{0,40}", prop::bool::ANY);
    prop::collection::vec(prop::collection::vec(line, 1..4), 0..6).prop_map(|replies| {
        let mut bytes = Vec::new();
        for reply in replies {
            let last = reply.len() - 1;
            for (i, (code, text, bare_lf)) in reply.into_iter().enumerate() {
                let separator = if i == last { ' ' } else { '-' };
                let end = if bare_lf { "\n" } else { "\r\n" };
                bytes.extend_from_slice(format!("{code}{separator}{text}{end}").as_bytes());
            }
        }
        bytes
    })
}

proptest! {
    #[test]
    fn a_stream_split_at_any_byte_parses_the_same(bytes in stream(), cuts in prop::collection::vec(0usize..64, 0..8)) {
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut rest = &bytes[..];
        for cut in cuts {
            let (chunk, tail) = rest.split_at(cut.min(rest.len()));
            chunks.push(chunk);
            rest = tail;
        }
        chunks.push(rest);
        prop_assert_eq!(events(&[&bytes]), events(&chunks));
    }

    #[test]
    fn byte_by_byte_parses_the_same(bytes in stream()) {
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(events(&[&bytes]), events(&chunks));
    }
}
