//! The same component in another host: Node.js through jco (`examples/jco`), against a real
//! Postfix in plain text, STARTTLS and implicit TLS, must give the status our host gives.
//!
//! Needs Node.js and `npm ci --prefix examples/jco` (scripts/test does it). Without them the
//! test fails in CI and, elsewhere, says loudly that it did not run.

use smtp_sensor_host::engine::runner::{PORTABLE_COMPONENT, Runner};
use smtp_sensor_host::settings::request::CheckRequest;
use smtp_sensor_host::wit::{Status, TransportSecurity};
use smtp_sensor_tests::postfix::{Config, Postfix};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/jco")
}

/// jco's command, when `npm ci` has installed it.
fn jco() -> Option<PathBuf> {
    let jco = example_dir().join("node_modules/.bin/jco");
    let node = Command::new("node").arg("--version").output().is_ok();
    (node && jco.exists()).then_some(jco)
}

#[tokio::test(flavor = "multi_thread")]
async fn jco_on_node_gives_the_status_our_host_gives() {
    let Some(jco) = jco() else {
        let why = "Node.js or jco is missing: run `npm ci --prefix examples/jco`";
        if std::env::var_os("CI").is_some() {
            panic!("{why}");
        }
        eprintln!("\n!!! jco_on_node_gives_the_status_our_host_gives DID NOT RUN: {why}\n");
        return;
    };
    let dir = example_dir();
    let wasm = dir.join("smtp-sensor.wasm");
    std::fs::write(&wasm, PORTABLE_COMPONENT).unwrap();
    let transpiled = Command::new(&jco)
        .args(["transpile", "smtp-sensor.wasm", "-o", "out", "--quiet"])
        .current_dir(&dir)
        .output()
        .expect("run jco");
    assert!(
        transpiled.status.success(),
        "jco transpile: {}",
        String::from_utf8_lossy(&transpiled.stderr)
    );

    let (postfix, ca_file) =
        tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()))
            .await
            .unwrap()
            .expect("start Postfix");
    let implicit = postfix.tls_port().expect("an implicit-TLS port");
    let runner = Runner::embedded().unwrap();
    let cases = [
        ("none", TransportSecurity::None, postfix.port()),
        ("starttls", TransportSecurity::Starttls, postfix.port()),
        ("tls", TransportSecurity::Tls, implicit),
    ];
    for (mode, security, port) in cases {
        let node = Command::new("node")
            .args(["check.mjs", "127.0.0.1", &port.to_string(), mode, &ca_file])
            .current_dir(&dir)
            .output()
            .expect("run node");
        let printed = String::from_utf8_lossy(&node.stdout).to_string();
        let mut request = CheckRequest::new("127.0.0.1");
        request.port = Some(port);
        request.security = security;
        request.tls.ca_files = vec![ca_file.clone().into()];
        let ours = runner.check(&request.into_settings().unwrap()).await;
        assert_eq!(ours.status, Status::Up, "{mode}: {}", ours.message);
        assert!(
            printed.starts_with("up: "),
            "{mode}: jco printed {printed:?} (stderr {})",
            String::from_utf8_lossy(&node.stderr)
        );
        assert_eq!(node.status.code(), Some(0), "{mode}: {printed}");
    }
    // A domain check needs smtp-sensor's host's DNS: the portable component says so, down,
    // without a packet sent (its every lookup is refused before any).
    let node = Command::new("node")
        .args(["check.mjs", "domain:example.test", "25", "starttls"])
        .current_dir(&dir)
        .output()
        .expect("run node");
    let printed = String::from_utf8_lossy(&node.stdout).to_string();
    assert!(
        printed.starts_with("down: example.test: no DNS for a domain check: ")
            && printed.contains("smtp-sensor"),
        "jco printed {printed:?} (stderr {})",
        String::from_utf8_lossy(&node.stderr)
    );
    assert_eq!(node.status.code(), Some(2), "{printed}");
}
