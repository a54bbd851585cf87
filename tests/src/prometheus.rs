//! A real Prometheus (Debian's `prometheus`) on loopback, scraping a prober with one of the
//! example scrape configurations adapted to loopback: its targets and the prober's address
//! swapped for the test's, scraping every second. Killed when dropped.

use crate::prober::Client;
use crate::scratch::Scratch;
use crate::server::free_port;
use serde_norway::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// The example scrape configuration in `text`, with the job `job`'s targets replaced by
/// `targets` and its prober (the `__address__` relabelling) by `prober`; any other job
/// scrapes `prober` itself. Scrapes every second.
pub fn adapted(text: &str, job: &str, prober: SocketAddr, targets: &[String]) -> String {
    let mut config: Value = serde_norway::from_str(text).expect("the example is YAML");
    config["global"]["scrape_interval"] = Value::from("1s");
    config["global"]["scrape_timeout"] = Value::from("1s");
    let jobs = config["scrape_configs"].as_sequence_mut().unwrap();
    let mut found = false;
    for each in jobs {
        if each["job_name"].as_str() == Some(job) {
            found = true;
            each["static_configs"][0]["targets"] =
                Value::Sequence(targets.iter().map(|t| Value::from(t.as_str())).collect());
            let rules = each["relabel_configs"].as_sequence_mut().unwrap();
            let to_prober = rules
                .iter_mut()
                .find(|r| r["target_label"] == "__address__")
                .expect("the example sends targets to the prober");
            to_prober["replacement"] = Value::from(prober.to_string());
        } else {
            each["static_configs"][0]["targets"] =
                Value::Sequence(vec![Value::from(prober.to_string())]);
        }
    }
    assert!(found, "the example has a job {job}");
    serde_norway::to_string(&config).unwrap()
}

/// A running Prometheus.
pub struct Prometheus {
    child: tokio::process::Child,
    api: SocketAddr,
}

impl Prometheus {
    /// Starts Prometheus with `config`, its data in `scratch`, its API on a free loopback
    /// port.
    pub fn start(config: &Path, scratch: &Scratch) -> Self {
        let api: SocketAddr = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]))
            .parse()
            .unwrap();
        let child = tokio::process::Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                scratch.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={api}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run prometheus ({e}): install Debian's prometheus package \
                     (scripts/setup does)"
                )
            });
        Self { child, api }
    }

    /// `probe_success` by (instance, job) as Prometheus reports it through its query API,
    /// once it has `want` series or `limit` has passed (then what it had).
    pub async fn probe_success(
        &self,
        want: usize,
        limit: Duration,
    ) -> Vec<(String, String, String)> {
        let client = Client::new(self.api);
        let started = Instant::now();
        let mut seen = Vec::new();
        while started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let Ok(response) = client
                .try_request("GET", "/api/v1/query?query=probe_success", &[])
                .await
            else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&response.body) else {
                continue;
            };
            seen = json["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|series| {
                    let label =
                        |name: &str| series["metric"][name].as_str().unwrap_or("").to_string();
                    (
                        label("instance"),
                        label("job"),
                        series["value"][1].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            if seen.len() >= want {
                break;
            }
        }
        seen
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
