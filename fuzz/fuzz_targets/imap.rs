//! The IMAP response parser fed arbitrary bytes in arbitrary chunks (literals, untagged
//! data, continuations): it must never panic, and it must hand out the same responses (and
//! the same first error) however the bytes are split.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::mailbox::imap::ImapParser;

/// Every response, then the first error if any, as text.
fn parse(chunks: &[&[u8]]) -> Vec<String> {
    let mut parser = ImapParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.push(chunk);
        loop {
            match parser.next_response() {
                Ok(Some(response)) => events.push(format!("{response:?}")),
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

// The first byte says how many cut bytes follow (0 to 15); each cut is a chunk length;
// the rest is the server's stream. A seed is a transcript prefixed with a zero byte.
fuzz_target!(|data: &[u8]| {
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(count % 16).min(rest.len());
    let (cuts, bytes) = rest.split_at(count);
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut tail = bytes;
    for &cut in cuts {
        let (chunk, more) = tail.split_at(usize::from(cut).min(tail.len()));
        chunks.push(chunk);
        tail = more;
    }
    chunks.push(tail);
    assert_eq!(parse(&[bytes]), parse(&chunks));
});
