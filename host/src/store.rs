//! The spec's "Store result": after each check, `Result of Sensor N.txt` (the result) and
//! `Result of Sensor N.Data.txt` (the server's last response and the whole transcript,
//! client lines marked apart from server lines) in a folder, each replaced atomically
//! (written beside, then renamed) so a reader never sees half a file. The component never
//! touches the filesystem: it returns the transcript, with secrets already redacted.

use crate::output::text;
use crate::wit::CheckResult;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The two files' paths for `sensor_id` in `dir`.
pub fn paths(dir: &Path, sensor_id: u32) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("Result of Sensor {sensor_id}.txt")),
        dir.join(format!("Result of Sensor {sensor_id}.Data.txt")),
    )
}

/// Writes both files, replacing the previous pair.
pub fn write(
    dir: &Path,
    sensor_id: u32,
    result: &CheckResult,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let (summary_path, data_path) = paths(dir, sensor_id);
    write_atomically(&summary_path, summary(result).as_bytes())?;
    write_atomically(&data_path, data(result).as_bytes())?;
    Ok((summary_path, data_path))
}

/// The result as the text output shows it, without the transcript.
pub fn summary(result: &CheckResult) -> String {
    text::summary(result)
}

/// The last response and the transcript, as the text output shows them.
pub fn data(result: &CheckResult) -> String {
    let last = result
        .last_reply
        .as_ref()
        .map_or("(none)".to_string(), text::reply_line);
    format!(
        "Last response: {last}\n\n{}",
        text::transcript(&result.transcript)
    )
}

/// Replaces `path` atomically: a temporary file beside it, synced, then renamed over it, so
/// a reader sees the old file or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("result");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
