//! How long one check takes, against a real Postfix on loopback, measured two ways:
//! - the CLI as a monitoring system runs it, one process per check (start-up and compiling
//!   the component included);
//! - in process, with the component compiled once (what a `serve` mode would pay per check).
//!
//! Prints the component's size and median/min/max of each. Run: `cargo bench --bench check_time`.

use smtp_sensor_host::runner::{EMBEDDED_COMPONENT, Runner};
use smtp_sensor_host::settings::CheckRequest;
use smtp_sensor_host::wit::{Status, TransportSecurity};
use smtp_sensor_tests::postfix::Postfix;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn main() {
    let postfix = Postfix::start("").expect("start Postfix (apt-get install postfix; run as root)");
    let port = postfix.port().to_string();
    println!(
        "component: {} bytes (embedded, guest profile)",
        EMBEDDED_COMPONENT.len()
    );

    let cli = env!("CARGO_BIN_EXE_smtp-sensor-under-test");
    let args = [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "none",
    ];
    let cli_times = measure(|| {
        let status = Command::new(cli)
            .args(args)
            .output()
            .expect("run the CLI")
            .status;
        assert_eq!(status.code(), Some(0), "the check should be up");
    });
    report(
        &format!("CLI process per check ({cli} {})", args.join(" ")),
        cli_times,
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let runner = Runner::embedded().unwrap();
    let mut request = CheckRequest::new("127.0.0.1");
    request.port = Some(postfix.port());
    request.security = TransportSecurity::None;
    let settings = request.into_settings().unwrap();
    let in_process = measure(|| {
        let result = runtime.block_on(runner.check(&settings));
        assert_eq!(result.status, Status::Up, "{}", result.message);
    });
    report("in process, component compiled once", in_process);
}

fn measure(mut run: impl FnMut()) -> Vec<Duration> {
    run(); // warm-up: page cache, Postfix's first smtpd process
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn report(what: &str, times: Vec<Duration>) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.1} ms, min {:.1} ms, max {:.1} ms over {RUNS} runs",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
