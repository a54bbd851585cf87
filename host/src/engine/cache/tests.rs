//! The cache's tests: entries stored, loaded, retired and recompiled, on a tiny component, and the folders and entries not trusted.

use super::*;

#[cfg(not(windows))]
#[test]
fn the_system_folder_is_xdg_s_else_the_home_s() {
    use std::ffi::OsString;
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    };
    let both = env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]);
    assert_eq!(system_dir(both), Some(PathBuf::from("/x/smtp-sensor")));
    let empty_xdg = env(&[("XDG_CACHE_HOME", ""), ("HOME", "/h")]);
    assert_eq!(
        system_dir(empty_xdg),
        Some(PathBuf::from("/h/.cache/smtp-sensor"))
    );
    assert_eq!(system_dir(env(&[])), None);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smtp-sensor-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn stores_then_loads_and_keys_by_content() {
    let engine = Engine::default();
    let dir = temp_dir("roundtrip");
    let component = wat_component();
    let id = identity(&component);
    load(&engine, &component, &id, Some(&dir)).unwrap();
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(entries.len(), 1, "one entry after the first load");
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let written = std::fs::metadata(&entry).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    load(&engine, &component, &id, Some(&dir)).unwrap();
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "the entry is reused"
    );
    let now = std::fs::metadata(&entry).unwrap().modified().unwrap();
    assert_eq!(
        written, now,
        "a cached entry is loaded, not compiled and written again"
    );
    assert_ne!(key(&engine, &id), key(&engine, &identity(b"other bytes")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_new_entry_retires_the_oldest_beyond_the_kept_number() {
    let engine = Engine::default();
    let dir = temp_dir("retire");
    create_private_dir(&dir).unwrap();
    // Earlier builds' entries, written a minute apart, and a file that is not one.
    let now = std::time::SystemTime::now();
    let old: Vec<PathBuf> = (1..=6u64)
        .map(|age| {
            let path = dir.join(format!("earlier-{age}.{EXTENSION}"));
            std::fs::write(&path, b"compiled").unwrap();
            let written = now - std::time::Duration::from_secs(60 * age);
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(written).unwrap();
            path
        })
        .collect();
    let other = dir.join("notes.txt");
    std::fs::write(&other, b"not an entry").unwrap();

    let component = wat_component();
    let id = identity(&component);
    load(&engine, &component, &id, Some(&dir)).unwrap();
    assert!(holds(&engine, &id, &dir), "the new entry is kept");
    for (i, path) in old.iter().enumerate() {
        // The newest KEPT_ENTRIES - 1 earlier ones stay beside the new one.
        assert_eq!(path.exists(), i < KEPT_ENTRIES - 1, "{}", path.display());
    }
    assert!(other.exists(), "only entries are retired");

    // Loading from the cache writes nothing and retires nothing.
    load(&engine, &component, &id, Some(&dir)).unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), KEPT_ENTRIES + 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_entry_is_recompiled() {
    let engine = Engine::default();
    let dir = temp_dir("corrupt");
    let component = wat_component();
    let id = identity(&component);
    load(&engine, &component, &id, Some(&dir)).unwrap();
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&entry, b"garbage").unwrap();
    load(&engine, &component, &id, Some(&dir)).expect("falls back to compiling");
    assert_ne!(
        std::fs::read(&entry).unwrap(),
        b"garbage",
        "the entry is rewritten"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn folder_writable_by_others_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(!is_private(&dir));
    assert!(create_private_dir(&dir).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A folder another user owns, holding an entry under the expected name: another user
/// could have written that native code, so it is not loaded, and the load says so.
#[cfg(unix)]
#[test]
fn a_folder_of_another_user_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIPPED: giving a folder to another user needs root (CI runs as root)");
        return;
    }
    let engine = Engine::default();
    let dir = temp_dir("nobody");
    let component = wat_component();
    let id = identity(&component);
    load(&engine, &component, &id, Some(&dir)).unwrap();
    assert!(holds(&engine, &id, &dir), "this user's own folder is used");
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!holds(&engine, &id, &dir), "nobody's folder is not");
    let loaded = load(&engine, &component, &id, Some(&dir)).unwrap();
    let trouble = loaded.trouble.expect("said once");
    assert!(trouble.contains("not used"), "{trouble}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A folder of this user's, but inside one that anyone may write (and not sticky): the
/// folder could be swapped for another's, so it is not trusted. Inside a sticky one
/// (as `/tmp`) it is.
#[cfg(unix)]
#[test]
fn a_folder_inside_a_world_writable_one_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let parent = temp_dir("open-parent");
    let dir = parent.join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(!is_private(&dir));
    assert!(create_private_dir(&dir).is_err());
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o1777)).unwrap();
    assert!(is_private(&dir), "a sticky parent is like /tmp");
    std::fs::remove_dir_all(&parent).unwrap();
}

/// An entry that is a link (to a file anyone could have written) is not loaded.
#[cfg(unix)]
#[test]
fn an_entry_that_is_a_link_is_not_used() {
    let engine = Engine::default();
    let dir = temp_dir("link");
    let component = wat_component();
    let id = identity(&component);
    load(&engine, &component, &id, Some(&dir)).unwrap();
    let path = entry(&engine, &id, &dir);
    let elsewhere = dir.with_extension("elsewhere");
    std::fs::rename(&path, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    assert!(!holds(&engine, &id, &dir));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&elsewhere).unwrap();
}

/// The smallest component: compiling it exercises the cache without the real one.
fn wat_component() -> Vec<u8> {
    // `(component)` in binary form: magic, component version and layer.
    b"\0asm\x0d\0\x01\0".to_vec()
}
