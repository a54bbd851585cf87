//! The host's sandbox against components that misbehave on purpose: one that traps, one
//! that computes forever, one that grabs memory. Each must end as a `down` result that says
//! what happened, within the check's time, and never take the host down with it.
//!
//! The components are built here from a few lines of WebAssembly text, typed with the real
//! WIT world, so the host loads them exactly as it loads the real one.

use smtp_sensor_host::runner::Runner;
use smtp_sensor_host::sandbox::Limits;
use smtp_sensor_host::settings::CheckRequest;
use smtp_sensor_host::wit::{CheckResult, ErrorKind, Settings, Status, TransportSecurity};
use std::time::{Duration, Instant};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::Resolve;

/// A component of the `smtp-sensor` world whose `check` runs `body` (WebAssembly text).
fn component(body: &str) -> Vec<u8> {
    let mut resolve = Resolve::new();
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/smtp-sensor.wit");
    let package = resolve.push_file(wit).expect("parse the WIT");
    let world = resolve
        .select_world(&[package], Some("smtp-sensor"))
        .expect("the world");
    let mut module = wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 1)
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
            ;; settings and result are passed by pointer: too many values to flatten
            (func (export "check") (param i32) (result i32) {body}))"#
    ))
    .expect("valid WebAssembly text");
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8, false)
        .expect("embed the world");
    ComponentEncoder::default()
        .module(&module)
        .expect("a core module")
        .validate(true)
        .encode()
        .expect("a component")
}

fn settings(timeout: u32) -> Settings {
    let mut request = CheckRequest::new("127.0.0.1");
    request.port = Some(25);
    request.timeout_seconds = Some(timeout);
    request.security = TransportSecurity::None;
    request.into_settings().unwrap()
}

fn component_failure(result: &CheckResult) -> String {
    assert_eq!(result.status, Status::Down, "{}", result.message);
    match &result.failure.as_ref().expect("a failure").kind {
        ErrorKind::ComponentFailed(why) => why.clone(),
        other => panic!("expected component-failed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn trapping_component_is_down_not_a_crash() {
    let runner = Runner::from_bytes(&component("unreachable")).unwrap();
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    assert!(why.contains("trapped"), "{why}");
    assert!(
        result.message.contains("the check itself failed"),
        "{}",
        result.message
    );
    assert_eq!(result.channels[1].name, "Downtime");
    assert_eq!(result.channels[1].value, 100.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn spinning_component_is_stopped_after_its_timeout() {
    let runner = Runner::from_bytes(&component("(loop (br 0)) unreachable")).unwrap();
    let started = Instant::now();
    let result = runner.check(&settings(1)).await;
    let took = started.elapsed();
    let why = component_failure(&result);
    assert!(why.contains("did not finish within 2 s"), "{why}");
    // Timeout 1 s plus the 1 s margin, plus an epoch tick and scheduling slack.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_hungry_component_hits_the_cap() {
    // Grow by 1 MiB (16 pages) until growth fails; the limiter turns the failure into a trap.
    let body = "(loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable";
    let runner = Runner::from_bytes(&component(body))
        .unwrap()
        .with_limits(Limits {
            memory_bytes: 8 << 20,
            ..Limits::default()
        });
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    assert!(why.contains("memory"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn component_of_another_world_is_refused_at_load() {
    let not_ours = wat::parse_str("(component)").unwrap();
    let error = Runner::from_bytes(&not_ours).err().expect("refused");
    assert!(
        format!("{error:#}").contains("smtp-sensor world"),
        "{error:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn component_that_imports_files_or_udp_is_refused_at_load() {
    for interface in [
        "wasi:filesystem/preopens@0.2.6",
        "wasi:filesystem/types@0.2.6",
        "wasi:sockets/udp@0.2.6",
        "wasi:sockets/udp-create-socket@0.2.6",
    ] {
        let asks = wat::parse_str(format!(
            r#"(component (import "{interface}" (instance (export "f" (func)))))"#
        ))
        .unwrap();
        let error = Runner::from_bytes(&asks).err().expect("refused");
        let message = format!("{error:#}");
        assert!(
            message.contains("does not offer") && message.contains(interface),
            "{interface}: {message}"
        );
    }
}
