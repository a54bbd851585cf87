//! The POP3 response parser fed arbitrary bytes in arbitrary chunks (status lines, multi-
//! line bodies with dot-stuffing): it must never panic, and it must hand out the same
//! responses (and the same first error) however the bytes are split.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "split.rs"]
mod split;
use smtp_sensor_guest::Pop3Parser;

/// Every response, then the first error if any, as text. Bit `i` of `multi` says whether
/// the `i`th response (of each eight) is expected to have a multi-line body, as its
/// command decides.
fn parse(chunks: &[&[u8]], multi: u8) -> Vec<String> {
    let mut parser = Pop3Parser::new();
    split::events(&mut parser, chunks, Pop3Parser::push, |p, seen| {
        p.expect((multi >> (seen % 8)) & 1 == 1);
        p.next_response()
    })
}

// The first byte holds the responses' multi-line bits; the rest: see `split::chunks`.
fuzz_target!(|data: &[u8]| {
    let Some((&multi, rest)) = data.split_first() else {
        return;
    };
    let Some((bytes, chunks)) = split::chunks(rest) else {
        return;
    };
    assert_eq!(parse(&[bytes], multi), parse(&chunks, multi));
});
