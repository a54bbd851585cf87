//! The spec's "Store result": after each check, `Result of Sensor N.txt` (the result) and
//! `Result of Sensor N.Data.txt` (the server's last response and the whole transcript,
//! client lines marked apart from server lines) in a folder, each replaced atomically
//! (written beside, then renamed) so a reader never sees half a file. The component never
//! touches the filesystem: it returns the transcript, with secrets already redacted.

use super::text;
use crate::atomic_file::write_atomically;
use crate::wit::CheckResult;
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

/// The last response and the transcript (a domain check's, then its MX hosts'), as the
/// text output shows them.
pub fn data(result: &CheckResult) -> String {
    let last = result
        .last_reply
        .as_ref()
        .map_or("(none)".to_string(), text::reply_line);
    format!("Last response: {last}\n\n{}", text::transcripts(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::wit::{Direction, TranscriptLine};

    #[test]
    fn a_domain_check_s_data_has_every_mx_host_s_dialogue() {
        let mut result = fixtures::warning_domain().result;
        let line = |text: &str| TranscriptLine {
            at_milliseconds: 1.0,
            direction: Direction::Server,
            text: text.into(),
        };
        result.transcript = vec![line("MX example.com: 10 mx1.example.com")];
        result.domain.as_mut().unwrap().mx_hosts[1].transcript = vec![line("(no greeting)")];
        let data = data(&result);
        assert!(
            data.starts_with("Last response: (none)\n\n  transcript:\n"),
            "{data}"
        );
        assert!(
            data.contains(
                "  transcript of MX mx2.example.com:\n            1 ms S: (no greeting)\n"
            ),
            "{data}"
        );
        assert!(!data.contains("of MX mx1"), "{data}");
    }
}
