//! The binary to install on monitoring hosts, for the benchmarks: built by
//! `scripts/release` (static, musl) every time, so it is never stale.

use std::path::Path;
use std::process::Command;

const RELEASE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/release");

/// Runs `scripts/release` and returns the binary's path; `None`, said loudly, when it fails.
pub fn binary() -> Option<String> {
    let output = Command::new(RELEASE_SCRIPT)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run scripts/release");
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && Path::new(&path).exists() {
        return Some(path);
    }
    println!(
        "!!! scripts/release failed: the static build is NOT measured, only `cargo build`'s\n"
    );
    None
}
