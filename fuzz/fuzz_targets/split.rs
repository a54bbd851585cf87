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

/// What a parser hands out for `chunks` pushed one after another: every item (`next`'s
/// `Ok(Some(..))`, as `Debug` text), then the first error if any. `next` is given how many
/// items came before, for a parser told what to expect next (POP3).
pub fn events<P, T: std::fmt::Debug, E: std::fmt::Display>(
    parser: &mut P,
    chunks: &[&[u8]],
    push: impl Fn(&mut P, &[u8]),
    mut next: impl FnMut(&mut P, usize) -> Result<Option<T>, E>,
) -> Vec<String> {
    let mut events = Vec::new();
    for chunk in chunks {
        push(parser, chunk);
        loop {
            match next(parser, events.len()) {
                Ok(Some(item)) => events.push(format!("{item:?}")),
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
