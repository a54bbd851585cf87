//! The prober's OCI image (dist/smtp-sensor-VERSION.oci.tar, from scripts/image) run with
//! podman as a platform engineer runs it: loaded from the archive, on the host's network
//! (the test servers are on loopback). Each [`Container`] has a name of its own and is
//! removed when dropped, stopped or not.
//!
//! Flags this machine needs and a normal host does not are detected, not assumed
//! (`/work/shared/notes/podman-on-these-machines.md`): `--runtime runc` when the cgroups
//! are mounted in hybrid mode (crun refuses it), and `--ulimit` at the process's own hard
//! limits (rootful podman otherwise raises them to its defaults, which fails where root
//! lacks CAP_SYS_RESOURCE), the process limit no higher than the kernel's `pid_max`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The image archive in `dist/`.
pub fn archive() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let found: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/dist first", dist.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".oci.tar"))
        .collect();
    assert_eq!(found.len(), 1, "one .oci.tar in dist/: {found:?}");
    found.into_iter().next().unwrap()
}

/// Runs `podman ARGS`; its stdout, or a panic with what it said.
pub fn podman(args: &[&str]) -> String {
    let output = Command::new("podman")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run podman ({e}): scripts/setup dist installs it"));
    assert!(
        output.status.success(),
        "podman {args:?}: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The image, loaded from the archive once per test process: its name.
pub fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let archive = archive();
        let said = podman(&["load", "--quiet", "--input", archive.to_str().unwrap()]);
        said.lines()
            .find_map(|line| line.strip_prefix("Loaded image: "))
            .or_else(|| {
                said.lines()
                    .find_map(|line| line.strip_prefix("Loaded image(s): "))
            })
            .unwrap_or_else(|| panic!("podman load named no image: {said}"))
            .trim()
            .to_string()
    })
}

/// The flags this machine needs to run a container (see the module's comment).
pub fn machine_flags() -> Vec<String> {
    let mut flags = Vec::new();
    let hybrid = Path::new("/sys/fs/cgroup/unified").is_dir()
        && !Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    if hybrid {
        flags.extend(["--runtime".into(), "runc".into()]);
    }
    // The runtime refuses a process limit above the kernel's largest PID (measured: 32,768
    // passes, 32,769 fails here, under a hard limit of 96,367).
    let pid_max = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|n| n.trim().parse().ok());
    for (limit, flag, cap) in [
        ("Max open files", "nofile", None),
        ("Max processes", "nproc", pid_max),
    ] {
        if let Some(hard) = hard_limit(limit) {
            let n = cap.map_or(hard, |cap: u64| hard.min(cap));
            flags.extend(["--ulimit".into(), format!("{flag}={n}:{n}")]);
        }
    }
    flags
}

/// This process's hard limit named `name` in /proc/self/limits; `None` when unlimited.
fn hard_limit(name: &str) -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().nth(1)?.parse().ok()
}

/// A container name no other test (or test process) uses.
fn unique_name(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "smtp-sensor-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A container of the image, started detached; removed (`podman rm -f`) when dropped.
pub struct Container {
    /// Its name, unique to this test.
    pub name: String,
}

impl Container {
    /// `podman run --pull=never --detach --name NAME --network host FLAGS... IMAGE ARGS...` with this
    /// machine's flags; `run_flags` are the caller's (`--read-only`, `--user`, `-v`...).
    pub fn run(tag: &str, run_flags: &[&str], args: &[&str]) -> Self {
        let name = unique_name(tag);
        let machine = machine_flags();
        // Never pulled: the image is the one loaded from dist/, and no packet leaves loopback.
        let mut all: Vec<&str> = vec![
            "run",
            "--pull=never",
            "--detach",
            "--name",
            &name,
            "--network",
            "host",
        ];
        all.extend(machine.iter().map(String::as_str));
        all.extend(run_flags);
        all.push(image());
        all.extend(args);
        // Named before it runs, so that a failed start is removed too.
        let container = Self { name: name.clone() };
        podman(&all);
        container
    }

    /// `podman create` of the image, never started: to look at its files.
    pub fn create(tag: &str) -> Self {
        let container = Self {
            name: unique_name(tag),
        };
        podman(&["create", "--pull=never", "--name", &container.name, image()]);
        container
    }

    /// What it has logged (stdout and stderr).
    pub fn logs(&self) -> String {
        let output = Command::new("podman")
            .args(["logs", &self.name])
            .output()
            .expect("podman logs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// `podman inspect --format FORMAT` of the container.
    pub fn inspect(&self, format: &str) -> String {
        podman(&["inspect", "--format", format, &self.name])
            .trim()
            .to_string()
    }

    /// Waits (up to `limit`) until its log has a line containing `needle`.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.logs().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// `podman stop --time SECS`: the image's stop signal (SIGTERM), then SIGKILL after
    /// `secs`.
    pub fn stop(&self, secs: u32) {
        podman(&["stop", "--time", &secs.to_string(), &self.name]);
    }

    /// Its exit code, once it has exited.
    pub fn wait(&self) -> i32 {
        podman(&["wait", &self.name])
            .trim()
            .parse()
            .expect("podman wait says an exit code")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman")
            .args(["rm", "--force", "--time", "0", "--volumes", &self.name])
            .output();
    }
}
