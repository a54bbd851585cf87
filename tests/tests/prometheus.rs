//! A real Prometheus (Debian's `prometheus` package; scripts/setup installs it) scrapes
//! `smtp-sensor serve`, configured from `examples/prometheus/serve.yml` with its targets
//! and the prober's address swapped for loopback ones: it must record `probe_success` 1 for
//! a Postfix and 0 for a closed port, read back through its HTTP query API. Without
//! Prometheus the test fails and says so.

use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::{Prober, starttls_module};
use smtp_sensor_tests::prometheus::{self, Prometheus};
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::free_port;
use std::path::Path;
use std::time::Duration;

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn promtool_check_config(path: &Path) {
    let output = std::process::Command::new("promtool")
        .args(["check", "config", "--syntax-only"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run promtool ({e}): install Debian's prometheus package (scripts/setup does)"));
    assert!(
        output.status.success(),
        "promtool check config {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_example_scrape_configurations_are_valid() {
    promtool_check_config(&example("prometheus/serve.yml"));
    promtool_check_config(&example("prometheus/serve-sharded.yml"));
    promtool_check_config(&example("prometheus/serve-domains.yml"));
    promtool_check_config(&example("kubernetes/scrape-config.yml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_records_probe_success_from_the_prober() {
    let (postfix, ca_file) =
        tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()))
            .await
            .unwrap()
            .expect("start Postfix");
    let scratch = Scratch::new("prometheus");
    // The example's module, mx1, here for loopback servers.
    let sensors = scratch.write("sensors.toml", &starttls_module("mx1", &ca_file));
    let prober = Prober::start(SMTP_SENSOR, &sensors, &[]).await;
    let healthy = format!("127.0.0.1:{}", postfix.port());
    let closed = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]));
    let example = std::fs::read_to_string(example("prometheus/serve.yml")).unwrap();
    let config = scratch.write(
        "prometheus.yml",
        &prometheus::adapted(
            &example,
            "smtp",
            prober.addr,
            &[healthy.clone(), closed.clone()],
        ),
    );
    promtool_check_config(&config);
    let prometheus = Prometheus::start(&config, &scratch);
    let seen = prometheus.probe_success(2, Duration::from_secs(60)).await;
    drop(prometheus);
    let value_of = |instance: &str| {
        seen.iter()
            .find(|(i, job, _)| i == instance && job == "smtp")
            .map(|(_, _, v)| v.clone())
    };
    assert_eq!(
        value_of(&healthy).as_deref(),
        Some("1"),
        "{seen:?}\nprober:\n{}",
        prober.log()
    );
    assert_eq!(
        value_of(&closed).as_deref(),
        Some("0"),
        "{seen:?}\nprober:\n{}",
        prober.log()
    );
    let log = prober.log();
    assert!(
        log.contains(&format!("target={healthy} success=1")),
        "{log}"
    );
}
