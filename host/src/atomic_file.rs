//! Files replaced whole: a reader (PRTG reading a stored result, a second process loading
//! the compiled-component cache) sees the old file or the new one, never half of one. The
//! temporary file has an unpredictable name and is created new (never opened if something,
//! a symbolic link above all, already stands there), so no one can make the write land
//! elsewhere.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// How many unpredictable names are tried before giving up (each is new with certainty
/// but for an attacker who guesses 64 random bits).
const ATTEMPTS: usize = 8;

/// Replaces `path` atomically: a temporary file beside it, synced, then renamed over it, so
/// a reader sees the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        match write_via(&temporary_name(path)?, path, contents) {
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => last = Some(error),
            done => return done,
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary name")))
}

/// An unpredictable temporary name beside `path`: `.NAME.RANDOM.tmp`.
fn temporary_name(path: &Path) -> std::io::Result<PathBuf> {
    use ring::rand::SecureRandom as _;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("result");
    let mut random = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| std::io::Error::other("no randomness for a temporary name"))?;
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(path.with_file_name(format!(".{name}.{random}.tmp")))
}

/// Writes `contents` into the new file `temporary` (created exclusively: never through
/// anything already there), then renames it over `path`.
fn write_via(temporary: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // Writable by its owner alone, whatever the umask leaves: a compiled-component cache
    // entry is trusted only so.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let mut file = options.open(temporary)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    // Whatever failed (a full disk mid-write, the rename), no partial file stays behind.
    written
        .and_then(|()| std::fs::rename(temporary, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(temporary);
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link standing at the temporary name (planted by someone who guessed it) is never
    /// followed: the write fails rather than land where the link points.
    #[cfg(unix)]
    #[test]
    fn a_link_at_the_temporary_name_is_not_followed() {
        let dir =
            std::env::temp_dir().join(format!("smtp-sensor-atomic-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("victim");
        std::fs::write(&target, b"precious").unwrap();
        let temporary = dir.join(".entry.guessed.tmp");
        std::os::unix::fs::symlink(&target, &temporary).unwrap();
        let result = write_via(&temporary, &dir.join("entry"), b"evil");
        assert_eq!(
            result.unwrap_err().kind(),
            std::io::ErrorKind::AlreadyExists
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        let first = temporary_name(&dir.join("entry")).unwrap();
        let second = temporary_name(&dir.join("entry")).unwrap();
        assert_ne!(first, second, "unpredictable names");
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
