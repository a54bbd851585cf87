//! The prober's own metrics (`GET /metrics`): probes by module and outcome, probes in flight
//! and waiting, a duration histogram, the component's instantiation time, configuration
//! reloads, the build (version, component) and the process's CPU, memory and descriptors.
//! Names start with `smtp_sensor_`, as blackbox_exporter's start with `blackbox_exporter_`;
//! the process families are the standard `process_*` ones, their figures read by
//! [`super::process`] and [`super::descriptors`].

use super::descriptors;
use super::process::Process;
use crate::output::exposition::{float, header, sample, single};
use indexmap::IndexMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

/// Upper bounds of the probe duration histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// How a probe request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran; `probe_success 1`.
    Succeeded,
    /// Ran (or waited for a slot until its deadline); `probe_success 0`.
    Failed,
    /// Refused before any traffic: the target is not in the module's list (403).
    Forbidden,
    /// Refused before any traffic: bad or missing parameters, unknown module (400).
    BadRequest,
}

/// What the metrics report that others keep: the runner and the prober's settings.
pub struct About<'a> {
    /// Component instances made so far, and the time spent making them.
    pub instantiations: (u64, Duration),
    /// The SHA-256 of the component that runs the checks, in hex.
    pub component_sha256: &'a str,
    /// Probes that may run at once (`--max-concurrent-probes`).
    pub slots: usize,
}

#[derive(Default)]
struct ByModule {
    succeeded: u64,
    failed: u64,
    forbidden: u64,
}

/// Counters, gauges and the histogram, updated as probes run.
pub struct Metrics {
    by_module: Mutex<IndexMap<String, ByModule>>,
    bad_requests: AtomicU64,
    in_flight: AtomicI64,
    waiting: AtomicI64,
    buckets: [AtomicU64; BUCKETS.len()],
    duration_count: AtomicU64,
    duration_sum_ns: AtomicU64,
    reload_ok: AtomicU64,
    reload_failed: AtomicU64,
    last_reload_successful: AtomicU64,
    last_reload_success_unix_ms: AtomicU64,
    started: SystemTime,
}

impl Metrics {
    /// New metrics; the configuration counts as loaded now.
    pub fn new() -> Self {
        let now = SystemTime::now();
        Self {
            by_module: Mutex::new(IndexMap::new()),
            bad_requests: AtomicU64::new(0),
            in_flight: AtomicI64::new(0),
            waiting: AtomicI64::new(0),
            buckets: Default::default(),
            duration_count: AtomicU64::new(0),
            duration_sum_ns: AtomicU64::new(0),
            reload_ok: AtomicU64::new(0),
            reload_failed: AtomicU64::new(0),
            last_reload_successful: AtomicU64::new(1),
            last_reload_success_unix_ms: AtomicU64::new(unix_ms(now)),
            started: now,
        }
    }

    /// Counts a probe request of `module` that ended with `outcome`, after `duration` (for
    /// probes that ran).
    pub fn probe(&self, module: Option<&str>, outcome: Outcome, duration: Option<Duration>) {
        match (module, outcome) {
            (_, Outcome::BadRequest) | (None, _) => {
                self.bad_requests.fetch_add(1, Relaxed);
            }
            (Some(module), outcome) => {
                let mut by_module = self.by_module.lock().unwrap_or_else(|e| e.into_inner());
                let counts = match by_module.get_mut(module) {
                    Some(counts) => counts,
                    None => by_module.entry(module.to_string()).or_default(),
                };
                match outcome {
                    Outcome::Succeeded => counts.succeeded += 1,
                    Outcome::Failed => counts.failed += 1,
                    Outcome::Forbidden | Outcome::BadRequest => counts.forbidden += 1,
                }
            }
        }
        if let Some(duration) = duration {
            let seconds = duration.as_secs_f64();
            for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
                if seconds <= *bound {
                    bucket.fetch_add(1, Relaxed);
                }
            }
            self.duration_count.fetch_add(1, Relaxed);
            self.duration_sum_ns
                .fetch_add(duration.as_nanos() as u64, Relaxed);
        }
    }

    /// A probe starts running (`+1`) or ends (`-1`).
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Relaxed);
    }

    /// Probes that ran a check so far, each counted as it ends (a refused request runs none).
    pub fn probes_run(&self) -> u64 {
        self.duration_count.load(Relaxed)
    }

    /// Probes running now.
    pub fn probes_in_flight(&self) -> i64 {
        self.in_flight.load(Relaxed)
    }

    /// A probe starts waiting for a slot (`+1`) or stops (`-1`).
    pub fn waiting(&self, delta: i64) {
        self.waiting.fetch_add(delta, Relaxed);
    }

    /// A configuration reload succeeded or failed.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reload_ok.fetch_add(1, Relaxed);
            self.last_reload_success_unix_ms
                .store(unix_ms(SystemTime::now()), Relaxed);
        } else {
            self.reload_failed.fetch_add(1, Relaxed);
        }
        self.last_reload_successful.store(u64::from(ok), Relaxed);
    }

    /// The exposition, with what `about` says.
    pub fn render(&self, about: &About) -> String {
        let mut out = String::with_capacity(4096);
        let name = "smtp_sensor_build_info";
        header(
            &mut out,
            name,
            "gauge",
            "A metric with a constant '1' value labeled by the version of smtp-sensor and the \
             SHA-256 of the component that runs the checks.",
        );
        let labels = [
            ("version", env!("CARGO_PKG_VERSION")),
            ("component_sha256", about.component_sha256),
        ];
        sample(&mut out, name, &labels, 1);
        let name = "smtp_sensor_probes_total";
        header(
            &mut out,
            name,
            "counter",
            "Probe requests by module and result: success (probe_success 1), failure \
             (probe_success 0) or forbidden (target not in the module's list; 403).",
        );
        {
            let by_module = self.by_module.lock().unwrap_or_else(|e| e.into_inner());
            for (module, counts) in by_module.iter() {
                for (result, count) in [
                    ("success", counts.succeeded),
                    ("failure", counts.failed),
                    ("forbidden", counts.forbidden),
                ] {
                    sample(
                        &mut out,
                        name,
                        &[("module", module), ("result", result)],
                        count,
                    );
                }
            }
        }
        single(
            &mut out,
            "smtp_sensor_bad_requests_total",
            "counter",
            "Probe requests refused as malformed (400): missing or invalid parameters, \
             unknown module.",
            self.bad_requests.load(Relaxed).to_string(),
        );
        single(
            &mut out,
            "smtp_sensor_probes_in_flight",
            "gauge",
            "Probes running now.",
            self.in_flight.load(Relaxed).to_string(),
        );
        single(
            &mut out,
            "smtp_sensor_probes_waiting",
            "gauge",
            "Probes waiting for a free slot (see --max-concurrent-probes).",
            self.waiting.load(Relaxed).to_string(),
        );
        single(
            &mut out,
            "smtp_sensor_probe_slots",
            "gauge",
            "Probes that may run at once (--max-concurrent-probes); more wait for a slot.",
            about.slots.to_string(),
        );
        let (count, total) = about.instantiations;
        single(
            &mut out,
            "smtp_sensor_component_instantiations_total",
            "counter",
            "Component instances created (one per probe).",
            count.to_string(),
        );
        single(
            &mut out,
            "smtp_sensor_component_instantiation_seconds_total",
            "counter",
            "Time spent instantiating the component, in all.",
            float(total.as_secs_f64()),
        );
        let name = "smtp_sensor_probe_duration_seconds";
        header(
            &mut out,
            name,
            "histogram",
            "How long probes took, from request to answer, queueing included.",
        );
        let bucket_name = format!("{name}_bucket");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let bound = bound.to_string();
            sample(
                &mut out,
                &bucket_name,
                &[("le", &bound)],
                bucket.load(Relaxed),
            );
        }
        let count = self.duration_count.load(Relaxed);
        sample(&mut out, &bucket_name, &[("le", "+Inf")], count);
        let sum = self.duration_sum_ns.load(Relaxed) as f64 / 1e9;
        sample(&mut out, &format!("{name}_sum"), &[], float(sum));
        sample(&mut out, &format!("{name}_count"), &[], count);
        let name = "smtp_sensor_config_reloads_total";
        header(
            &mut out,
            name,
            "counter",
            "Configuration reloads (SIGHUP, POST /-/reload) by result.",
        );
        sample(
            &mut out,
            name,
            &[("result", "success")],
            self.reload_ok.load(Relaxed),
        );
        sample(
            &mut out,
            name,
            &[("result", "failure")],
            self.reload_failed.load(Relaxed),
        );
        single(
            &mut out,
            "smtp_sensor_config_last_reload_successful",
            "gauge",
            "Whether the last configuration reload succeeded (a failed one keeps the old \
             configuration).",
            self.last_reload_successful.load(Relaxed).to_string(),
        );
        single(
            &mut out,
            "smtp_sensor_config_last_reload_success_timestamp_seconds",
            "gauge",
            "When the configuration was last loaded successfully.",
            float(self.last_reload_success_unix_ms.load(Relaxed) as f64 / 1000.0),
        );
        if let Some(process) = Process::read() {
            single(
                &mut out,
                "process_cpu_seconds_total",
                "counter",
                "Total user and system CPU time spent in seconds.",
                float(process.cpu_seconds),
            );
            single(
                &mut out,
                "process_resident_memory_bytes",
                "gauge",
                "Resident memory size in bytes.",
                process.resident_bytes.to_string(),
            );
            single(
                &mut out,
                "process_virtual_memory_bytes",
                "gauge",
                "Virtual memory size in bytes.",
                process.virtual_bytes.to_string(),
            );
        }
        if let Some(open) = descriptors::open() {
            single(
                &mut out,
                "process_open_fds",
                "gauge",
                "Number of open file descriptors.",
                open.to_string(),
            );
        }
        if descriptors::COUNTED {
            single(
                &mut out,
                "process_max_fds",
                "gauge",
                "Maximum number of open file descriptors.",
                descriptors::limit().map_or("+Inf".into(), |n| n.to_string()),
            );
        }
        single(
            &mut out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            float(unix_ms(self.started) as f64 / 1000.0),
        );
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_counted_by_module_and_result_and_timed() {
        let metrics = Metrics::new();
        metrics.probe(
            Some("starttls"),
            Outcome::Succeeded,
            Some(Duration::from_millis(3)),
        );
        metrics.probe(
            Some("starttls"),
            Outcome::Failed,
            Some(Duration::from_secs(2)),
        );
        metrics.probe(Some("starttls"), Outcome::Forbidden, None);
        metrics.probe(None, Outcome::BadRequest, None);
        metrics.reload(false);
        let text = metrics.render(&About {
            instantiations: (2, Duration::from_micros(500)),
            component_sha256: "ab12",
            slots: 256,
        });
        for line in [
            "smtp_sensor_probes_total{module=\"starttls\",result=\"success\"} 1",
            "smtp_sensor_probes_total{module=\"starttls\",result=\"failure\"} 1",
            "smtp_sensor_probes_total{module=\"starttls\",result=\"forbidden\"} 1",
            "smtp_sensor_bad_requests_total 1",
            "smtp_sensor_probe_duration_seconds_bucket{le=\"0.002\"} 0",
            "smtp_sensor_probe_duration_seconds_bucket{le=\"0.005\"} 1",
            "smtp_sensor_probe_duration_seconds_bucket{le=\"2.5\"} 2",
            "smtp_sensor_probe_duration_seconds_bucket{le=\"+Inf\"} 2",
            "smtp_sensor_probe_duration_seconds_sum 2.003",
            "smtp_sensor_probe_duration_seconds_count 2",
            "smtp_sensor_component_instantiations_total 2",
            "smtp_sensor_component_instantiation_seconds_total 0.0005",
            "smtp_sensor_config_reloads_total{result=\"failure\"} 1",
            "smtp_sensor_config_last_reload_successful 0",
            &format!(
                "smtp_sensor_build_info{{version=\"{}\",component_sha256=\"ab12\"}} 1",
                env!("CARGO_PKG_VERSION")
            ),
            "smtp_sensor_probe_slots 256",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }
}
