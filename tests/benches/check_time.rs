//! How long one check takes against a real Postfix on loopback, and how that compares with
//! Debian's `check_smtp` (monitoring-plugins-basic) on the same server, in the same loop:
//! - plain SMTP: the CLI as a monitoring system runs it, one process per check (with the
//!   compiled-component cache warm, as after the first run), next to `check_smtp`,
//!   alternating. Two builds of the CLI: the one to install on monitoring hosts (static,
//!   musl: `scripts/release`, which this bench runs first) and the one `cargo build` makes
//!   (glibc, dynamically linked);
//! - in process with the component compiled once, plain and STARTTLS (what a `serve` mode
//!   would pay per check, and the component's own share of a one-shot check);
//! - STARTTLS: `smtp-sensor check --security starttls` next to `check_smtp -S`, alternating.
//!
//! Prints the component's size, median/min/max of each, and the ratio of the medians.
//! Run: `cargo bench --bench check_time` (needs Postfix; check_smtp is optional).

use smtp_sensor_host::engine::runner::{EMBEDDED_COMPONENT, Runner};
use smtp_sensor_host::settings::request::CheckRequest;
use smtp_sensor_host::wit::{Status, TransportSecurity};
use smtp_sensor_tests::postfix::{Config, Postfix};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 31;
const CHECK_SMTP: &str = "/usr/lib/nagios/plugins/check_smtp";
/// The CLI as `cargo build` makes it (glibc, dynamically linked).
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

fn main() {
    let release = smtp_sensor_tests::release::binary();
    let mut clis: Vec<(&str, &str)> = Vec::new();
    if let Some(path) = &release {
        clis.push(("static musl build (scripts/release)", path.as_str()));
    }
    clis.push(("cargo build (glibc, dynamic)", SMTP_SENSOR));
    let (postfix, ca_file) = Postfix::start_with_test_ca(Config::default())
        .expect("start Postfix (apt-get install postfix; root)");
    let port = postfix.port().to_string();
    println!(
        "component: {} bytes (embedded, guest profile)",
        EMBEDDED_COMPONENT.len()
    );
    println!("Postfix on 127.0.0.1:{port}; {RUNS} runs each, after one warm-up run\n");

    let plain = [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "none",
    ];
    let plain_peer = ["-H", "127.0.0.1", "-p", &port];
    side_by_side(&clis, &plain, &plain_peer);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runner = Runner::embedded().unwrap();
    for security in [TransportSecurity::None, TransportSecurity::Starttls] {
        let mut request = CheckRequest::new("127.0.0.1");
        request.port = Some(postfix.port());
        request.security = security;
        request.tls.ca_files = vec![ca_file.clone().into()];
        let settings = request.into_settings().unwrap();
        let times = measure(&mut [&mut || {
            let result = runtime.block_on(runner.check(&settings));
            assert_eq!(result.status, Status::Up, "{}", result.message);
        }]);
        report(
            &format!("in process, {security:?}, component compiled once"),
            &times[0],
        );
    }

    let starttls = [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "starttls",
        "--tls-ca",
        &ca_file,
    ];
    let starttls_peer = ["-H", "127.0.0.1", "-p", &port, "-S"];
    side_by_side(&clis, &starttls, &starttls_peer);
}

/// Builds the binary for monitoring hosts with `scripts/release` (so it is never stale) and
/// returns its path; without it (no musl target, no root to install musl-tools), says so.
/// Our check (each build of the CLI) and check_smtp's, one process each, alternating in one
/// loop; their medians and each ratio. Without check_smtp, ours alone, saying so.
fn side_by_side(clis: &[(&str, &str)], ours: &[&str], theirs: &[&str]) {
    let peer = Path::new(CHECK_SMTP).exists();
    let mut checks: Vec<Box<dyn FnMut()>> = clis
        .iter()
        .map(|&(_, program)| Box::new(move || run(program, ours, 0)) as Box<dyn FnMut()>)
        .collect();
    if peer {
        checks.push(Box::new(|| run(CHECK_SMTP, theirs, 0)));
    }
    let mut refs: Vec<&mut dyn FnMut()> = checks.iter_mut().map(|c| c.as_mut() as _).collect();
    let times = measure(&mut refs);
    for ((label, _), times) in clis.iter().zip(&times) {
        report(&format!("smtp-sensor, {label}: {}", ours.join(" ")), times);
    }
    if !peer {
        println!(
            "    {CHECK_SMTP} is not installed (apt-get install monitoring-plugins-basic): no \
             comparison\n"
        );
        return;
    }
    let theirs_times = &times[clis.len()];
    report(&format!("{CHECK_SMTP} {}", theirs.join(" ")), theirs_times);
    for ((label, _), times) in clis.iter().zip(&times) {
        let ratio = median(times).as_secs_f64() / median(theirs_times).as_secs_f64();
        println!("    ratio smtp-sensor ({label}) / check_smtp (medians): {ratio:.2}");
    }
    println!();
}

/// Runs a command and asserts its exit code.
fn run(program: &str, args: &[&str], code: i32) {
    let output = Command::new(program)
        .args(args)
        .output()
        .expect("run the check");
    assert_eq!(
        output.status.code(),
        Some(code),
        "{program}: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Times each of `checks` RUNS times, alternating between them so they see the same
/// conditions; returns the sorted times of each.
fn measure(checks: &mut [&mut dyn FnMut()]) -> Vec<Vec<Duration>> {
    for check in checks.iter_mut() {
        check(); // warm-up: page cache, compiled-component cache, Postfix's smtpd processes
    }
    let mut times = vec![Vec::with_capacity(RUNS); checks.len()];
    for _ in 0..RUNS {
        for (check, times) in checks.iter_mut().zip(&mut times) {
            let started = Instant::now();
            check();
            times.push(started.elapsed());
        }
    }
    times.iter_mut().for_each(|t| t.sort());
    times
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn report(what: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}\n    median {:.2} ms, min {:.2} ms, max {:.2} ms",
        ms(median(times)),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
