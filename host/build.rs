//! Builds the guest component for `wasm32-wasip2` so that a plain `cargo build` at the root
//! yields a host with the component embedded, with no manual step in between.
//!
//! It also hashes the component (SHA-256, for the compiled-component cache's key), so that
//! no run pays for hashing a megabyte.
//!
//! The nested cargo uses its own target directory: the outer build holds the lock on the
//! usual one. The guest uses the size-optimised `guest` profile whatever the host's profile.

use sha2::{Digest, Sha256};
use std::env;
use std::path::PathBuf;
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

fn main() {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = host_dir
        .parent()
        .expect("host/ sits in the workspace root")
        .to_path_buf();
    for path in [
        "guest/src",
        "guest/Cargo.toml",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guest");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args(["build", "--package", "smtp-sensor-guest", "--lib"])
        .args(["--target", TARGET, "--profile", PROFILE, "--target-dir"])
        .arg(&target_dir);
    // Flags meant for the host build must not leak into the wasm build, nor what cargo sets
    // for this build script: ring's build script reruns when CARGO_MANIFEST_DIR changes, so
    // an inherited one would rebuild the component's dependencies whenever `scripts/component`
    // (which builds the same thing in the foreground) and this script take turns.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "OUT_DIR",
        "TARGET",
        "HOST",
        "NUM_JOBS",
        "OPT_LEVEL",
        "DEBUG",
        "PROFILE",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_LINKER",
    ] {
        build.env_remove(var);
    }
    for (var, _) in env::vars_os() {
        let name = var.to_string_lossy();
        if ["CARGO_CFG_", "CARGO_FEATURE_", "CARGO_PKG_", "DEP_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            build.env_remove(&var);
        }
    }
    let status = build
        .status()
        .expect("could not run cargo to build the guest component");
    if !status.success() {
        panic!(
            "building the guest component failed (see above). It needs the {TARGET} target \
             (`rustup target add {TARGET}`) and, for TLS, clang (`apt-get install clang`); \
             `scripts/setup` installs both."
        );
    }
    let wasm = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join("smtp_sensor_guest.wasm");
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("smtp_sensor.wasm");
    let bytes =
        std::fs::read(&wasm).unwrap_or_else(|e| panic!("could not read {}: {e}", wasm.display()));
    std::fs::write(&out, &bytes)
        .unwrap_or_else(|e| panic!("could not write {}: {e}", out.display()));
    println!(
        "cargo:rustc-env=SMTP_SENSOR_COMPONENT_PATH={}",
        out.display()
    );
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo:rustc-env=SMTP_SENSOR_COMPONENT_SHA256={digest}");
}
