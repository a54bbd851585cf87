//! How the parser targets read their input: `count` cut bytes (0 to 15), each a chunk's
//! length, then the server's stream; the same stream is parsed whole and in those chunks.

/// The stream and its chunks, from the fuzzer's `data` (after any leading bytes a target
/// reads itself). A seed is a transcript prefixed with a zero byte.
pub fn chunks(data: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    let (&count, rest) = data.split_first()?;
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
    Some((bytes, chunks))
}
