//! A cache of compiled components on disk, so that only the first run after an upgrade pays
//! for compiling the component (about half a second); later runs load it in milliseconds.
//! Monitoring systems start the CLI once per check, so this is most of its start-up.
//!
//! Entries are named by a SHA-256 of the component's identity (its own SHA-256: for the
//! embedded component computed at build time, for another file when it is read) and the
//! engine's compatibility hash, so a new component or a new wasmtime never loads a stale
//! entry. The folder is created private to the user (0700 on Unix; on Windows under the
//! user's `%LOCALAPPDATA%`): loading a compiled artifact trusts it as code, so an entry is
//! loaded only from a folder that only this user (or root) could have written, inside
//! folders no one else can replace it in, and only when it is a plain file of theirs
//! (`is_private`); otherwise the check compiles in memory and says so once. Any problem with the cache means compiling as if it were not there.
//! Each new entry (a new component or wasmtime) retires the oldest beyond the newest
//! [`KEPT_ENTRIES`], so upgrades do not fill the folder (about 2 MiB an entry).

use crate::atomic_file::write_atomically;
use ring::digest::{self, SHA256};
use std::hash::{Hash, Hasher as _};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// How many compiled components the folder keeps: the newest written. Enough for a few
/// builds side by side (a static and a glibc build, the version before an upgrade); an
/// older one retired while still in use compiles once more.
pub const KEPT_ENTRIES: usize = 4;

/// The compiled entries' file name extension.
const EXTENSION: &str = "cwasm";

/// The environment variable that names the cache folder; `off` turns the cache off.
pub const CACHE_DIR_VAR: &str = "SMTP_SENSOR_CACHE_DIR";

/// Where compiled components are kept: `$SMTP_SENSOR_CACHE_DIR`, else the system's per-user
/// cache folder ([`system_dir`]); `None` when turned off or there is no such folder.
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os(CACHE_DIR_VAR) {
        Some(dir) if dir == "off" => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => system_dir(|name| std::env::var_os(name)),
    }
}

/// The per-user cache folder, from the environment (`env`): on Unix
/// `$XDG_CACHE_HOME/smtp-sensor`, else `~/.cache/smtp-sensor`.
#[cfg(not(windows))]
pub fn system_dir(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    env("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("smtp-sensor"))
}

/// The per-user cache folder, from the environment (`env`): on Windows
/// `%LOCALAPPDATA%\smtp-sensor\cache`, where programs keep what they can make again. For
/// a PRTG probe service, which runs as LocalSystem, that is
/// `C:\Windows\System32\config\systemprofile\AppData\Local\smtp-sensor\cache`.
#[cfg(windows)]
pub fn system_dir(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    env("LOCALAPPDATA")
        .filter(|dir| !dir.is_empty())
        .map(|base| PathBuf::from(base).join("smtp-sensor").join("cache"))
}

/// A component's identity: the SHA-256 of its bytes, in hex.
pub fn identity(bytes: &[u8]) -> String {
    hex(digest::digest(&SHA256, bytes).as_ref())
}

/// A component from the cache or compiled anew, and what went wrong with the cache on the
/// way, in words (the check works without it, only each start compiles again).
pub struct Loaded {
    /// The compiled component.
    pub component: Component,
    /// What the cache could not do, if anything: say it once.
    pub trouble: Option<String>,
}

/// The component compiled from `bytes`, whose [`identity`] is `id`: from the cache in `dir`
/// when it holds a usable entry, else compiled and (best effort) stored there.
pub fn load(
    engine: &Engine,
    bytes: &[u8],
    id: &str,
    dir: Option<&Path>,
) -> wasmtime::Result<Loaded> {
    let Some(dir) = dir else {
        let component = Component::new(engine, bytes)?;
        return Ok(Loaded {
            component,
            trouble: None,
        });
    };
    // Everything below works in the folder where it really is, checked once: no link in
    // the path as given can be swapped between the check and the use.
    let real = trusted(dir);
    let mut trouble = None;
    if real.is_none() && entry(engine, id, dir).exists() {
        // Said once, and the check compiles in memory: another user could have put it there.
        let component = Component::new(engine, bytes)?;
        let trouble = Some(format!(
            "the compiled-component cache {} is not used: {NOT_PRIVATE}; compiled the \
             component in memory (set SMTP_SENSOR_CACHE_DIR to a folder of your own, or to \
             off)",
            dir.display()
        ));
        return Ok(Loaded { component, trouble });
    }
    if let Some(real) = &real
        && let path = entry(engine, id, real)
        && is_private_file(&path)
    {
        match deserialize(engine, &path) {
            Ok(component) => {
                return Ok(Loaded {
                    component,
                    trouble: None,
                });
            }
            Err(error) => {
                trouble = Some(format!(
                    "the compiled component cached in {} could not be used ({error}); \
                     compiled it again",
                    path.display()
                ))
            }
        }
    }
    let component = Component::new(engine, bytes)?;
    let stored = component
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|compiled| store(engine, id, dir, &compiled));
    match stored {
        Ok((real, path)) => retire_old_entries(&real, &path),
        Err(error) => {
            trouble = Some(format!(
                "cannot keep the compiled component in the cache folder {} ({error}); every \
                 start compiles it again (about half a second). Set SMTP_SENSOR_CACHE_DIR to \
                 a writable folder, or to off",
                dir.display()
            ))
        }
    }
    Ok(Loaded { component, trouble })
}

/// Loads a compiled entry: on Unix mapped from the file (its pages shared between processes
/// and read only when used).
#[cfg(not(windows))]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the entry was written by `store` below from `Component::serialize` into a
    // folder only this user can write; wasmtime checks it matches this engine, and any
    // error falls back to compiling.
    unsafe { Component::deserialize_file(engine, path) }
}

/// Loads a compiled entry: on Windows read into memory first (about 2 MiB, a millisecond).
/// wasmtime's file mapping there changes the mapped pages' protection, which Wine (where the
/// Windows build is tested) refuses ("failed change pages to `PAGE_READONLY`"), so every
/// run would compile anew.
#[cfg(windows)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    let bytes = std::fs::read(path)?;
    // SAFETY: as on Unix: written by `store` from `Component::serialize` into a folder only
    // this user can write; wasmtime checks it matches this engine.
    unsafe { Component::deserialize(engine, &bytes) }
}

/// Removes the entries beyond the newest [`KEPT_ENTRIES`] (by the time they were written),
/// never `kept`, the one just written. Best effort: another process may be doing the same.
fn retire_old_entries(dir: &Path, kept: &Path) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == EXTENSION) && path != kept)
        .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
        .collect();
    entries.sort_by_key(|(written, _)| std::cmp::Reverse(*written));
    for (_, path) in entries.into_iter().skip(KEPT_ENTRIES - 1) {
        let _ = std::fs::remove_file(path);
    }
}

/// Whether the cache in `dir` holds the component whose identity is `id`, compiled for
/// `engine`: loading it will not compile.
pub fn holds(engine: &Engine, id: &str, dir: &Path) -> bool {
    trusted(dir).is_some_and(|real| is_private_file(&entry(engine, id, &real)))
}

/// The entry's path.
fn entry(engine: &Engine, id: &str, dir: &Path) -> PathBuf {
    dir.join(format!("{}.{EXTENSION}", key(engine, id)))
}

/// The entry's name: the component's identity (its SHA-256) and the engine's (wasmtime's
/// compatibility hash, folded with std's SipHash: no cryptographic library is woken up on
/// the start-up path for it).
fn key(engine: &Engine, id: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{id}-{:016x}", hasher.finish())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes an entry atomically, creating the folder private to the user; returns where the
/// folder really is, and the entry's path there.
fn store(
    engine: &Engine,
    id: &str,
    dir: &Path,
    compiled: &[u8],
) -> std::io::Result<(PathBuf, PathBuf)> {
    create_private_dir(dir)?;
    let real = trusted(dir).ok_or_else(|| std::io::Error::other(NOT_PRIVATE))?;
    let path = entry(engine, id, &real);
    write_atomically(&path, compiled)?;
    Ok((real, path))
}

/// Whether an entry could be stored in `dir`: it is (or can be made) a private folder
/// and a file can be written there (not so on a read-only root file system, or in a
/// container's shared volume). Tried with an empty file, removed at once.
pub fn writable(dir: &Path) -> bool {
    if create_private_dir(dir).is_err() {
        return false;
    }
    let Some(real) = trusted(dir) else {
        return false;
    };
    let probe = real.join(format!(".writable-{}", std::process::id()));
    let written = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    written
}

/// Whether only this user (or root) could have put anything in `dir` (see [`trusted`]).
fn is_private(dir: &Path) -> bool {
    trusted(dir).is_some()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if !is_private(dir) {
        return Err(std::io::Error::other(NOT_PRIVATE));
    }
    Ok(())
}

/// Why a cache folder is not used, in words.
const NOT_PRIVATE: &str = "the folder is not private to this user (owned by another user, \
     writable by others, or inside a folder others can write): its entries are native code, \
     so it is not used";

/// Where `dir` really is (after every symbolic link), when only this user (or root) could
/// have put anything there: a folder owned by one of them that no one else can write,
/// inside folders that no one else can replace it in, each owned by this user or root and
/// writable by others only with the sticky bit (as `/tmp`: others cannot rename or remove
/// there what is not theirs). This is OpenSSH's StrictModes check, with that exception. All
/// later use goes through the path returned, in which no one else can swap anything.
#[cfg(unix)]
fn trusted(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let trusted_owner = |m: &std::fs::Metadata| m.uid() == me || m.uid() == 0;
    let real = std::fs::canonicalize(dir).ok()?;
    let folder_ok = std::fs::metadata(&real)
        .is_ok_and(|m| m.is_dir() && trusted_owner(&m) && m.mode() & 0o022 == 0);
    let parents_ok = real.ancestors().skip(1).all(|parent| {
        std::fs::metadata(parent)
            .is_ok_and(|m| trusted_owner(&m) && (m.mode() & 0o022 == 0 || m.mode() & 0o1000 != 0))
    });
    (folder_ok && parents_ok).then_some(real)
}

/// True when the entry at `path` is a plain file (not a link) that only this user (or
/// root) can have written.
#[cfg(unix)]
fn is_private_file(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    std::fs::symlink_metadata(path).is_ok_and(|m| {
        m.file_type().is_file() && (m.uid() == me || m.uid() == 0) && m.mode() & 0o022 == 0
    })
}

/// Windows: the folder inherits its parent's access list. Under `%LOCALAPPDATA%` (the
/// default) that is the user profile's, which only the user, SYSTEM and administrators may
/// write; a folder elsewhere cannot be vouched for, so it is not used (see [`is_private`]).
#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if !is_private(dir) {
        return Err(std::io::Error::other(NOT_PRIVATE));
    }
    Ok(())
}

/// Windows: where `dir` really is, when it is inside the user's profile (`%LOCALAPPDATA%`
/// or `%USERPROFILE%`), whose access list only the user, SYSTEM and administrators may
/// write; a folder elsewhere (a shared drive, `C:\Temp`) is not trusted with native code.
/// Later use goes through the path returned, so a junction retargeted meanwhile is not
/// followed again.
#[cfg(not(unix))]
fn trusted(dir: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(dir).ok()?;
    let in_profile = ["LOCALAPPDATA", "USERPROFILE"]
        .iter()
        .filter_map(std::env::var_os)
        .filter_map(|profile| std::fs::canonicalize(profile).ok())
        .any(|profile| real.starts_with(profile));
    (real.is_dir() && in_profile).then_some(real)
}

/// Windows: a plain file in a trusted folder.
#[cfg(not(unix))]
fn is_private_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

#[cfg(test)]
mod tests;
