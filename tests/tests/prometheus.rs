//! A real Prometheus (Debian's `prometheus` package; scripts/setup installs it) scrapes
//! `smtp-sensor serve`, configured from `examples/prometheus/serve.yml` with its targets
//! and the prober's address swapped for loopback ones: it must record `probe_success` 1 for
//! a Postfix and 0 for a closed port, read back through its HTTP query API. Without
//! Prometheus the test fails and says so.

use serde_norway::Value;
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::{Client, Prober, starttls_module};
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::free_port;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

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
}

/// The example, with loopback targets and prober, scraping every second.
fn adapted_example(prober: SocketAddr, targets: &[String]) -> String {
    let text = std::fs::read_to_string(example("prometheus/serve.yml")).unwrap();
    let mut config: Value = serde_norway::from_str(&text).unwrap();
    config["global"]["scrape_interval"] = Value::from("1s");
    config["global"]["scrape_timeout"] = Value::from("1s");
    let jobs = config["scrape_configs"].as_sequence_mut().unwrap();
    for job in jobs {
        let name = job["job_name"].as_str().unwrap().to_string();
        if name == "smtp" {
            job["static_configs"][0]["targets"] =
                Value::Sequence(targets.iter().map(|t| Value::from(t.as_str())).collect());
            let rules = job["relabel_configs"].as_sequence_mut().unwrap();
            let to_prober = rules
                .iter_mut()
                .find(|r| r["target_label"] == "__address__")
                .expect("the example sends targets to the prober");
            to_prober["replacement"] = Value::from(prober.to_string());
        } else {
            job["static_configs"][0]["targets"] =
                Value::Sequence(vec![Value::from(prober.to_string())]);
        }
    }
    serde_norway::to_string(&config).unwrap()
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
    let config = scratch.write(
        "prometheus.yml",
        &adapted_example(prober.addr, &[healthy.clone(), closed.clone()]),
    );
    promtool_check_config(&config);
    let api: SocketAddr = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]))
        .parse()
        .unwrap();
    let mut prometheus = tokio::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", scratch.path().join("data").display()))
        .arg(format!("--web.listen-address={api}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run prometheus ({e}): install Debian's prometheus package (scripts/setup does)"));

    let client = Client::new(api);
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if tokio::net::TcpStream::connect(api).await.is_err() {
            continue;
        }
        let response = client.get("/api/v1/query?query=probe_success").await;
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&response.body) else {
            continue;
        };
        seen = json["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|series| {
                (
                    series["metric"]["instance"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    series["metric"]["job"].as_str().unwrap_or("").to_string(),
                    series["value"][1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        if seen.len() >= 2 {
            break;
        }
    }
    let _ = prometheus.start_kill();
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
