//! The first start after an upgrade compiles the component: the compiled-component cache
//! does not have it yet. Compiling leaves tens of MiB on the heap that the allocator then
//! keeps, fragmented, for the life of the process (measured: 40 MiB more resident with the
//! static musl build, 26 MiB with glibc's even after a trim). A prober lives long, so a
//! short-lived child, the same binary, compiles the component into the cache, and the
//! prober loads it from there as at any later start. Without a cache, or when the child
//! fails, the prober compiles it itself, as before.

use crate::engine::runner::Runner;
use std::path::Path;
use std::process::{Command, Stdio};

/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "precompile";

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
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => return Ahead::Failed(format!("cannot find its own binary: {error}")),
    };
    let mut command = Command::new(exe);
    command.arg(SUBCOMMAND);
    if let Some(path) = component {
        command.arg("--component").arg(path);
    }
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match output {
        Err(error) => Ahead::Failed(format!("cannot start the helper: {error}")),
        Ok(_) if Runner::is_cached(component) == Some(true) => Ahead::Compiled,
        Ok(output) => {
            let said = String::from_utf8_lossy(&output.stderr);
            Ahead::Failed(format!(
                "the helper {}: {}",
                output.status,
                said.trim().lines().last().unwrap_or("it said nothing")
            ))
        }
    }
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
