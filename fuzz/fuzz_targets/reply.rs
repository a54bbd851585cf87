//! The reply parser fed arbitrary bytes in arbitrary chunks: it must never panic, and it
//! must hand out the same replies (and the same first error) however the bytes are split.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "split.rs"]
mod split;
use smtp_sensor_guest::ReplyParser;

/// Every reply, then the first error if any, as text.
fn parse(chunks: &[&[u8]]) -> Vec<String> {
    split::events(
        &mut ReplyParser::new(),
        chunks,
        ReplyParser::push,
        |p, _| p.next_reply(|_| {}),
    )
}

// The input: see `split::chunks`.
fuzz_target!(|data: &[u8]| {
    let Some((bytes, chunks)) = split::chunks(data) else {
        return;
    };
    assert_eq!(parse(&[bytes]), parse(&chunks));
});
