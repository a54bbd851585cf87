//! The first start after an upgrade compiles the component: the compiled-component cache
//! does not have it yet. Compiling leaves tens of MiB on the heap that the allocator then
//! keeps, fragmented, for the life of the process (measured: 40 MiB more resident with the
//! static musl build, 26 MiB with glibc's even after a trim). A prober lives long, so a
//! short-lived child, the same binary, compiles the component into the cache, and the
//! prober loads it from there as at any later start. Without a cache, with one it cannot
//! write (a container's read-only root), or when the child fails, the prober compiles it
//! itself, once.

use crate::engine::runner::Runner;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "precompile";

/// How long the child may take: compiling takes seconds (about 4 s on two cores, slower
/// under emulation); a child that hangs past this is stopped, and the prober compiles the
/// component itself rather than never starting.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(300);

/// How often the prober looks whether the child has ended.
const HELPER_POLL: Duration = Duration::from_millis(20);

/// How the prober came by its compiled component, for the start-up log line.
#[derive(Debug, PartialEq, Eq)]
pub enum Ahead {
    /// The cache had it.
    Cached,
    /// A child compiled it into the cache.
    Compiled,
    /// No cache (turned off, or no home), or the component file cannot be read: loading
    /// compiles it in this process, or says what is wrong with the file.
    NoCache,
    /// The cache cannot be written (a read-only root file system, a folder others can
    /// write): a helper could not keep the component there, so the prober compiles it
    /// once, and loading says why the cache was not used.
    Unwritable,
    /// The child could not; loading compiles it in this process. Why.
    Failed(String),
}

impl Ahead {
    /// The log line's words.
    pub fn describe(&self) -> String {
        match self {
            Ahead::Cached => "loaded from the cache".into(),
            Ahead::Compiled => "compiled into the cache by a helper process".into(),
            Ahead::NoCache => "no cache: compiled by the prober".into(),
            Ahead::Unwritable => "the cache cannot be written: compiled by the prober".into(),
            Ahead::Failed(why) => format!("compiled by the prober ({why})"),
        }
    }
}

/// Has a child compile the embedded component (`None`) or the one in a file into the
/// cache, unless the cache already has it.
pub fn compile_ahead(component: Option<&Path>) -> Ahead {
    match Runner::is_cached(component) {
        None => return Ahead::NoCache,
        Some(true) => return Ahead::Cached,
        Some(false) => {}
    }
    if Runner::cache_writable() == Some(false) {
        return Ahead::Unwritable;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => return Ahead::Failed(format!("cannot find its own binary: {error}")),
    };
    let mut command = Command::new(exe);
    command.arg(SUBCOMMAND);
    if let Some(path) = component {
        command.arg("--component").arg(path);
    }
    match run_helper(command, HELPER_TIMEOUT) {
        Err(why) => Ahead::Failed(why),
        Ok(_) if Runner::is_cached(component) == Some(true) => Ahead::Compiled,
        Ok((status, said)) => Ahead::Failed(format!(
            "the helper {status}: {}",
            said.trim().lines().last().unwrap_or("it said nothing")
        )),
    }
}

/// Runs `command` with no input or output but its stderr, for `timeout` at most: its exit
/// status and what it said, or why it could not be run or was stopped.
fn run_helper(mut command: Command, timeout: Duration) -> Result<(ExitStatus, String), String> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start the helper: {error}"))?;
    // Its words are read beside the wait, so that a talkative child never blocks on a
    // full pipe; the reading ends when the child (and its pipe) does.
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        // Read to the end (a pipe closed early would fail the child's next write), keeping
        // the last 64 KiB: the last line is the one that says why.
        const KEPT: usize = 64 << 10;
        let mut said = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Some(Ok(n @ 1..)) = stderr.as_mut().map(|s| s.read(&mut chunk)) {
            said.extend_from_slice(&chunk[..n]);
            if said.len() > 2 * KEPT {
                said.drain(..said.len() - KEPT);
            }
        }
        let start = said.len().saturating_sub(KEPT);
        String::from_utf8_lossy(&said[start..]).into_owned()
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(HELPER_POLL),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the helper did not finish within {} s and was stopped",
                    timeout.as_secs_f64()
                ));
            }
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot wait for the helper: {error}"));
            }
        }
    };
    Ok((status, reader.join().unwrap_or_default()))
}

/// The child: compiles the component into the cache; 0 when the cache then has it.
pub fn child_main(component: Option<&Path>) -> i32 {
    if let Err(error) = Runner::for_component(component) {
        eprintln!("smtp-sensor {SUBCOMMAND}: {error}");
        return 1;
    }
    if Runner::is_cached(component) == Some(true) {
        0
    } else {
        let dir = crate::engine::cache::default_dir().unwrap_or_default();
        eprintln!(
            "smtp-sensor {SUBCOMMAND}: the compiled component could not be stored in {} (the \
             folder must be writable by this user and by no one else)",
            dir.display()
        );
        1
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_helper_that_hangs_is_stopped_at_its_timeout() {
        let mut hangs = Command::new("sleep");
        hangs.arg("60");
        let started = Instant::now();
        let why = run_helper(hangs, Duration::from_millis(300)).unwrap_err();
        assert!(why.contains("did not finish within 0.3 s"), "{why}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_helper_that_ends_is_heard() {
        let mut says = Command::new("sh");
        says.args(["-c", "echo first >&2; echo 'the last word' >&2; exit 3"]);
        let (status, said) = run_helper(says, Duration::from_secs(30)).unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(said, "first\nthe last word\n");
    }

    #[test]
    fn a_talkative_helper_is_read_to_its_last_word() {
        let mut floods = Command::new("sh");
        floods.args([
            "-c",
            "head -c 300000 /dev/zero | tr '\\0' x >&2; echo >&2; echo done >&2",
        ]);
        let (status, said) = run_helper(floods, Duration::from_secs(30)).unwrap();
        assert!(status.success(), "the pipe stayed open to the end");
        assert_eq!(said.trim().lines().last(), Some("done"));
        assert!(said.len() <= 64 << 10);
    }
}
