//! Files replaced whole: a reader (PRTG reading a stored result, a second process loading
//! the compiled-component cache) sees the old file or the new one, never half of one.

use std::io::Write as _;
use std::path::Path;

/// Replaces `path` atomically: a temporary file beside it, synced, then renamed over it, so
/// a reader sees the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("result");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    // Whatever failed (a full disk mid-write, the rename), no partial file stays behind.
    written
        .and_then(|()| std::fs::rename(&temporary, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_beside_it() {
        let dir = std::env::temp_dir().join(format!("smtp-sensor-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Result of Sensor 1.txt");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let missing = write_atomically(&dir.join("no such folder").join("f"), b"x");
        assert!(missing.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
