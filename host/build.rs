//! Builds the guest component for `wasm32-wasip2` so that a plain `cargo build` at the root
//! yields a host with the component embedded, with no manual step in between.
//!
//! Two components, each in three steps: linked as a core module (`--skip-wit-component`),
//! shrunk with binaryen's `wasm-opt -Oz` when it is installed (Debian's `binaryen`; about
//! 14% smaller; `SMTP_SENSOR_WASM_OPT` names another binary, `off` skips it), then made a
//! component with wit-component, as the linker would have done. The check
//! (`smtp-sensor-core` world) is what this host runs, verifying its signatures and agreeing
//! its keys natively; the check composed with the signature verifier (`signature-verifier`
//! world, which does both in WebAssembly) is the portable component of the `smtp-sensor`
//! world that `smtp-sensor component --output` writes.
//!
//! It also hashes the component (SHA-256, for the compiled-component cache's key), so that
//! no run pays for hashing a megabyte.
//!
//! The nested cargo uses its own target directory: the outer build holds the lock on the
//! usual one. The guest uses the size-optimised `guest` profile whatever the host's profile.

use sha2::{Digest, Sha256};
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";
/// The guest's flags, as `CARGO_ENCODED_RUSTFLAGS` (separated by 0x1f): link it as a core
/// module (wit-component makes it a component after `wasm-opt`), and shorten the source
/// paths that panic locations keep (the registry's path on the building machine) to the
/// crate's own, which makes the component smaller and the same on every machine.
/// `scripts/component` passes the same.
fn guest_rustflags() -> String {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_default();
    format!(
        "-Clink-arg=--skip-wit-component\x1f--remap-path-prefix={}=",
        cargo_home.join("registry/src").display()
    )
}
/// The WebAssembly features Rust's wasm32-wasip2 target uses, for `wasm-opt` (which must
/// neither reject them nor use others).
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn main() {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = host_dir
        .parent()
        .expect("host/ sits in the workspace root")
        .to_path_buf();
    // This script too: a `rerun-if-changed` list replaces cargo's default, and a script
    // that says more must run again to say it.
    for path in [
        "host/build.rs",
        "guest/src",
        "guest/Cargo.toml",
        "guest/build.rs",
        "guest/verifier/src",
        "guest/verifier/Cargo.toml",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    println!("cargo:rerun-if-env-changed={WASM_OPT_VAR}");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guest");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    // Two builds, not one: built together, the check would link the verifier with its
    // `component` feature, and export `signatures` and `key-agreement` itself.
    let (check, bytes) = component(&root, &target_dir, &out_dir, "smtp-sensor-guest", None);
    let (verifier, _) = component(
        &root,
        &target_dir,
        &out_dir,
        "smtp-sensor-verifier",
        Some("component"),
    );
    println!(
        "cargo:rustc-env=SMTP_SENSOR_COMPONENT_PATH={}",
        check.display()
    );
    println!(
        "cargo:rustc-env=SMTP_SENSOR_COMPONENT_SHA256={}",
        sha256(&bytes)
    );
    println!(
        "cargo:rustc-env=SMTP_SENSOR_WASMTIME_VERSION={}",
        locked_version(&root, "wasmtime")
    );
    let package = wit_package(&root);
    let (name, version) = package
        .split_once('@')
        .unwrap_or_else(|| panic!("the contract's package {package} has no version"));
    println!("cargo:rustc-env=SMTP_SENSOR_WIT_PACKAGE_NAME={name}");
    println!("cargo:rustc-env=SMTP_SENSOR_WIT_PACKAGE_VERSION={version}");

    let config = wasm_compose::config::Config {
        definitions: vec![verifier],
        ..Default::default()
    };
    let portable = wasm_compose::composer::ComponentComposer::new(&check, &config)
        .compose()
        .unwrap_or_else(|e| panic!("could not compose the check with its verifier: {e:#}"));
    let out = out_dir.join("smtp_sensor_portable.wasm");
    println!(
        "cargo:rustc-env=SMTP_SENSOR_PORTABLE_COMPONENT_SHA256={}",
        sha256(&portable)
    );
    std::fs::write(&out, portable)
        .unwrap_or_else(|e| panic!("could not write {}: {e}", out.display()));
    println!(
        "cargo:rustc-env=SMTP_SENSOR_PORTABLE_COMPONENT_PATH={}",
        out.display()
    );
}

/// The contract's package, name and version (`smtp-sensor:probe@0.3.0`), as
/// `wit/smtp-sensor.wit` declares it: the interfaces the host links by hand are named from
/// it, so the version is written in the contract alone.
fn wit_package(root: &Path) -> String {
    let wit = root.join("wit/smtp-sensor.wit");
    let text = std::fs::read_to_string(&wit)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", wit.display()));
    text.lines()
        .find_map(|line| line.trim().strip_prefix("package "))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("{} declares no package", wit.display()))
        .to_string()
}

/// A SHA-256 in hex.
fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The version of `package` that Cargo.lock pins (for `--version`): the lock file is the
/// one place that says which wasmtime this binary runs.
fn locked_version(root: &Path, package: &str) -> String {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("read Cargo.lock");
    let name = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return version.trim_matches('"').to_string();
        }
    }
    panic!("Cargo.lock pins no {package}")
}

/// Builds `package`'s library for wasm32-wasip2 and makes it a component in `out_dir`;
/// returns the component's path and bytes.
fn component(
    root: &Path,
    target_dir: &Path,
    out_dir: &Path,
    package: &str,
    features: Option<&str>,
) -> (PathBuf, Vec<u8>) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    // The library linked as a cdylib, and only that: cargo skips the profile's LTO for a
    // library that is also an rlib (with it, the check is 8% smaller and 3% cheaper to run).
    build
        .current_dir(root)
        .args([
            "rustc",
            "--package",
            package,
            "--lib",
            "--crate-type",
            "cdylib",
        ])
        .args(["--target", TARGET, "--profile", PROFILE, "--target-dir"])
        .arg(target_dir);
    if let Some(features) = features {
        build.args(["--features", features]);
    }
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
    // A core module, made a component below (scripts/component passes the same flag).
    build.env("CARGO_ENCODED_RUSTFLAGS", guest_rustflags());
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
        .expect("could not run cargo to build the components");
    if !status.success() {
        panic!(
            "building {package} for {TARGET} failed (see above). It needs the {TARGET} target \
             (`rustup target add {TARGET}`) and, for TLS, clang (`apt-get install clang`); \
             `scripts/setup` installs both."
        );
    }
    let name = package.replace('-', "_");
    let core = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join(format!("{name}.wasm"));
    let core = optimise(&core, out_dir, &name);
    let module =
        std::fs::read(&core).unwrap_or_else(|e| panic!("could not read {}: {e}", core.display()));
    // Named as the package: wasm-compose names the composition's parts after their files.
    let out = out_dir.join(format!("{package}.wasm"));
    let bytes = componentise(&module);
    std::fs::write(&out, &bytes)
        .unwrap_or_else(|e| panic!("could not write {}: {e}", out.display()));
    (out, bytes)
}

/// The environment variable naming the `wasm-opt` to use, or `off`.
const WASM_OPT_VAR: &str = "SMTP_SENSOR_WASM_OPT";

/// The core module shrunk by `wasm-opt -Oz` into `out_dir`, or the module as it is when no
/// `wasm-opt` is installed (with a warning) or it is turned off. Says, for the size test
/// (`engine::limits`), whether it shrank it (`SMTP_SENSOR_WASM_OPTIMISED`: `yes` or `no`).
fn optimise(core: &Path, out_dir: &Path, name: &str) -> PathBuf {
    let wasm_opt = env::var_os(WASM_OPT_VAR).unwrap_or_else(|| "wasm-opt".into());
    if wasm_opt == "off" {
        println!("cargo:rustc-env=SMTP_SENSOR_WASM_OPTIMISED=no");
        return core.to_path_buf();
    }
    let optimised = out_dir.join(format!("{name}.opt.wasm"));
    let status = Command::new(&wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(core)
        .arg("-o")
        .arg(&optimised)
        .status();
    match status {
        Ok(status) if status.success() => {
            println!("cargo:rustc-env=SMTP_SENSOR_WASM_OPTIMISED=yes");
            optimised
        }
        Ok(status) => panic!("wasm-opt failed ({status}) on {}", core.display()),
        Err(_) => {
            println!("cargo:rustc-env=SMTP_SENSOR_WASM_OPTIMISED=no");
            println!(
                "cargo:warning=wasm-opt (Debian's binaryen) is not installed: the component is \
                 about 14% larger than it could be; scripts/setup installs it"
            );
            core.to_path_buf()
        }
    }
}

/// A component from a core module: its WIT (embedded by wit-bindgen) and the
/// WASI preview 1 adapter for the few calls the standard library still makes that way.
fn componentise(module: &[u8]) -> Vec<u8> {
    wit_component::ComponentEncoder::default()
        .module(module)
        .and_then(|encoder| {
            encoder.adapter(
                "wasi_snapshot_preview1",
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
        })
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("could not make the guest a component: {e:#}"))
}
