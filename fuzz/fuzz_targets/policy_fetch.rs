//! The policy fetch's HTTP response reader fed arbitrary bytes in arbitrary chunks, then
//! the end of the stream: it must never panic, always end with an outcome, keep a body
//! within the limit, and reach the same outcome however the bytes are split.

#![no_main]

use libfuzzer_sys::fuzz_target;

// Only its `chunks`: this reader's outcome is compared, not a stream of items.
#[path = "split.rs"]
#[allow(dead_code)]
mod split;
use smtp_sensor_guest::domain::http::{Fetched, HttpError, PolicyResponse};
use smtp_sensor_guest::limits::MAX_STS_POLICY_BYTES;

/// The outcome of `chunks` pushed one after another, then the end of the stream.
fn fetch(chunks: &[&[u8]]) -> Result<Fetched, HttpError> {
    let mut response = PolicyResponse::new();
    for chunk in chunks {
        response.push(chunk);
    }
    response.close();
    response
        .into_outcome()
        .expect("an outcome once the stream ended")
}

// The input: see `split::chunks`.
fuzz_target!(|data: &[u8]| {
    let Some((bytes, chunks)) = split::chunks(data) else {
        return;
    };
    let whole = fetch(&[bytes]);
    if let Ok(Fetched::Policy { body }) = &whole {
        assert!(body.len() <= MAX_STS_POLICY_BYTES);
    }
    let _ = whole.as_ref().map_err(ToString::to_string);
    assert_eq!(whole, fetch(&chunks));
});
