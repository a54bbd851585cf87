//! The spec's "Store result": after each check, `Result of Sensor N.txt` (the result) and
//! `Result of Sensor N.Data.txt` (the server's last response and the whole transcript,
//! client lines marked apart from server lines) in a folder, each replaced atomically
//! (written beside, then renamed) so a reader never sees half a file. The component never
//! touches the filesystem: it returns the transcript, with secrets already redacted.

use crate::output::{error_kind, phase_name, reply_line, status_name, unit_name};
use crate::wit::{CheckResult, Direction};
use std::fmt::Write as _;
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

/// The result: status, message, channels, timings, failure.
pub fn summary(result: &CheckResult) -> String {
    let mut out = format!(
        "Status: {}\nMessage: {}\n\nChannels:\n",
        status_name(result.status),
        result.message
    );
    for channel in &result.channels {
        let _ = writeln!(
            out,
            "  {}: {} {}",
            channel.name,
            channel.value,
            unit_name(channel.unit)
        );
    }
    if !result.timings.is_empty() {
        let _ = writeln!(out, "\nTimings:");
        for timing in &result.timings {
            let _ = writeln!(
                out,
                "  {}: {} ms",
                phase_name(timing.phase),
                timing.milliseconds
            );
        }
    }
    if let Some(failure) = &result.failure {
        let (kind, _) = error_kind(&failure.kind);
        let _ = writeln!(
            out,
            "\nFailure: {kind} in phase {}",
            phase_name(failure.phase)
        );
    }
    out
}

/// The last response and the transcript: `C:` what the check sent, `S:` what the server
/// said, `--` notes.
pub fn data(result: &CheckResult) -> String {
    let last = result
        .last_reply
        .as_ref()
        .map_or("(none)".to_string(), reply_line);
    let mut out = format!("Last response: {last}\n\nTranscript:\n");
    for line in &result.transcript {
        let who = match line.direction {
            Direction::Client => "C:",
            Direction::Server => "S:",
            Direction::Note => "--",
        };
        let _ = writeln!(out, "{:>10.3} ms {who} {}", line.at_milliseconds, line.text);
    }
    out
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
