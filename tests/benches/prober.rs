//! `smtp-sensor serve` against Debian's `prometheus-blackbox-exporter`, probing the same
//! loopback Postfix over STARTTLS, in one run:
//! - successful probes per second at concurrency 1, 32 and 256 (each prober in turn, in
//!   rounds, medians of the rounds);
//! - each prober's own CPU time per probe (user + system, from /proc/PID/stat);
//! - resident memory per in-flight check, with 1,000 probes at once against a server that
//!   accepts and never answers (RSS during, less RSS just before, over 1,000), measured
//!   first, when each prober has run one probe;
//! - what each prober keeps resident, idle, 20 s after the runs (two of serve's heap release
//!   periods; Go's scavenger returns memory in the background too).
//!
//! Fairness on this 2-core machine: each prober runs alone on core 1 (`taskset -c 1`; Go
//! and tokio both size their thread pools to it); the load generator (this process, one
//! thread) and Postfix share core 0. Both are driven by the same client, new connection per
//! probe, in the same rounds, alternating. blackbox's module does the same dialogue as ours
//! (banner, EHLO, STARTTLS, TLS handshake verifying the certificate with the test CA, EHLO,
//! QUIT).
//!
//! Run by hand: `cargo bench -p smtp-sensor-tests --bench prober` (needs Postfix, and
//! `apt-get install prometheus-blackbox-exporter` for the comparison; the prober measured
//! are two builds of the same source: the static musl build of `scripts/release`, which
//! this bench runs first, and the glibc one cargo builds, as `cargo install` would).

use smtp_sensor_host::serve::{HEAP_RELEASE_PERIOD, Process};
use smtp_sensor_tests::blackbox::{self, BLACKBOX};
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::{Client, Prober, starttls_module};
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, Step};
use std::process::Command as StdCommand;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;
const WINDOW: Duration = Duration::from_secs(4);
const CONCURRENCY: [usize; 3] = [1, 32, 256];
const HELD: usize = 1000;

fn main() {
    let me = std::process::id().to_string();
    // The load generator and Postfix on core 0, enough descriptors for 1,000 probes.
    let pinned = StdCommand::new("taskset")
        .args(["-a", "-p", "-c", "0", &me])
        .output();
    // The soft descriptor limit up to the hard one (containers may not allow more).
    let hard = StdCommand::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let raised = StdCommand::new("prlimit")
        .args(["--pid", &me, &format!("--nofile={hard}:{hard}")])
        .status();
    if !pinned.is_ok_and(|o| o.status.success()) || !raised.is_ok_and(|s| s.success()) {
        println!("!!! could not pin to core 0 or raise the descriptor limit: figures are unfair");
    }
    let release = smtp_sensor_tests::release::binary().expect("the release build");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(&release));
}

/// One prober under test.
struct Subject {
    name: &'static str,
    pid: u32,
    client: Client,
    /// The probe's path without the target.
    path: String,
    _process: Option<Prober>,
    _child: Option<tokio::process::Child>,
}

async fn run(release: &str) {
    let (postfix, ca_file) = Postfix::start_with_test_ca(Config::default())
        .expect("start Postfix (apt-get install postfix; root)");
    let target = format!("127.0.0.1:{}", postfix.port());
    let scratch = Scratch::new("bench-prober");
    let sensors = scratch.write("sensors.toml", &starttls_module("starttls", &ca_file));
    // The same prober built twice: static musl (what scripts/release ships) and glibc.
    let builds = [
        ("serve, static musl", release.to_string()),
        (
            "serve, glibc",
            env!("CARGO_BIN_EXE_smtp-sensor-under-test").to_string(),
        ),
    ];
    let mut subjects = Vec::new();
    for (name, binary) in builds {
        let ours = Prober::start_wrapped(
            &["taskset", "-c", "1"],
            &binary,
            &sensors,
            &["--history", "100", "--max-concurrent-probes", "2000"],
        )
        .await;
        subjects.push(Subject {
            name,
            pid: ours.pid(),
            client: ours.client(),
            path: "/probe?module=starttls&target=".into(),
            _process: Some(ours),
            _child: None,
        });
    }
    let ours = subjects.len();
    match blackbox(&scratch, &ca_file).await {
        Some(subject) => subjects.push(subject),
        None => println!(
            "!!! {BLACKBOX} is not installed (apt-get install prometheus-blackbox-exporter): \
             smtp-sensor serve alone, NO comparison\n"
        ),
    }
    for subject in &subjects {
        let response = subject
            .client
            .get(&format!("{}{target}", subject.path))
            .await;
        assert_eq!(
            response.sample("probe_success"),
            Some(1.0),
            "{} cannot probe Postfix: {}",
            subject.name,
            response.body
        );
    }
    // First, while each prober has run one probe: a prober that pools its instances keeps
    // what earlier probes wrote resident, which would be counted as "before" otherwise.
    println!("{HELD} probes at once against a server that accepts and never answers:");
    let holder = ScriptedServer::start(vec![Step::Stall]).await;
    let held = format!("127.0.0.1:{}", holder.port());
    for subject in &subjects {
        let (before, during, connected) = memory(subject, &held, &holder).await;
        println!(
            "  {:<20} RSS before {:>7.1} MiB, with {connected} in flight {:>7.1} MiB: {:>6.0} KiB per in-flight check",
            subject.name,
            before as f64 / 1048576.0,
            during as f64 / 1048576.0,
            (during.saturating_sub(before)) as f64 / 1024.0 / connected.max(1) as f64
        );
    }
    println!();

    println!(
        "Postfix (STARTTLS) on {target}; {ROUNDS} rounds of {} s per prober and concurrency, \
         in turn; probers on core 1, load and Postfix on core 0\n",
        WINDOW.as_secs()
    );

    // [subject][concurrency] -> per-round figures
    let mut figures = vec![vec![Vec::new(); CONCURRENCY.len()]; subjects.len()];
    for _ in 0..ROUNDS {
        for (c, &concurrency) in CONCURRENCY.iter().enumerate() {
            for (s, subject) in subjects.iter().enumerate() {
                figures[s][c].push(throughput(subject, &target, concurrency).await);
            }
        }
    }
    println!(
        "{:<20} {:>11} {:>12} {:>14} {:>14} {:>9}",
        "prober", "concurrency", "probes/s", "CPU ms/probe", "of it, kernel", "failed"
    );
    let mut medians = vec![vec![(0.0, 0.0); CONCURRENCY.len()]; subjects.len()];
    for (s, subject) in subjects.iter().enumerate() {
        for (c, &concurrency) in CONCURRENCY.iter().enumerate() {
            let rounds = &figures[s][c];
            let rate = median(rounds.iter().map(|r: &Window| r.rate).collect());
            let cpu = median(rounds.iter().map(|r| r.cpu_ms).collect());
            let kernel = median(rounds.iter().map(|r| r.kernel_ms).collect());
            let failed: u64 = rounds.iter().map(|r| r.failed).sum();
            medians[s][c] = (rate, cpu);
            println!(
                "{:<20} {:>11} {:>12.0} {:>14.3} {:>14.3} {:>9}",
                subject.name, concurrency, rate, cpu, kernel, failed
            );
        }
    }
    if let Some(blackbox) = medians.get(ours) {
        println!("\nratios to blackbox_exporter (medians):");
        for (s, subject) in subjects[..ours].iter().enumerate() {
            for (c, &concurrency) in CONCURRENCY.iter().enumerate() {
                println!(
                    "  {:<20} concurrency {concurrency:>3}: throughput {:.2}x, CPU per probe {:.2}x",
                    subject.name,
                    medians[s][c].0 / blackbox[c].0,
                    medians[s][c].1 / blackbox[c].1
                );
            }
        }
    }

    // The share of a probe that is making its instance (a fresh store each time).
    println!();
    for subject in &subjects[..ours] {
        let metrics = subject.client.get("/metrics").await;
        let total = metrics.sample("smtp_sensor_component_instantiation_seconds_total");
        let count = metrics.sample("smtp_sensor_component_instantiations_total");
        if let (Some(total), Some(count)) = (total, count) {
            println!(
                "{}: {count} component instances, {:.1} us each on average",
                subject.name,
                total * 1e6 / count.max(1.0)
            );
        }
    }

    // What the runs left resident: a pool keeps the pages its slots' probes wrote. Idle
    // memory is given back after a while (serve's glibc heap within a period, Go's by its
    // scavenger in the background): measured after two periods.
    tokio::time::sleep(2 * HEAP_RELEASE_PERIOD).await;
    println!();
    for subject in &subjects {
        println!(
            "{}: {:.1} MiB resident when idle, {} s after the runs",
            subject.name,
            resident(subject.pid) as f64 / 1048576.0,
            (2 * HEAP_RELEASE_PERIOD).as_secs()
        );
    }
}

/// Starts blackbox_exporter on core 1 with an SMTP STARTTLS module like ours.
async fn blackbox(scratch: &Scratch, ca_file: &str) -> Option<Subject> {
    let config = scratch.write(
        "blackbox.yml",
        &format!("modules:\n{}", blackbox::starttls_module(ca_file)),
    );
    let (child, addr, pid) = blackbox::start(&config, &["taskset", "-c", "1"]).await?;
    Some(Subject {
        name: "blackbox_exporter",
        pid,
        client: Client::new(addr),
        path: "/probe?module=smtp_starttls&target=".into(),
        _process: None,
        _child: Some(child),
    })
}

/// What one prober did in one [`WINDOW`] at one concurrency.
#[derive(Clone)]
struct Window {
    /// Successful probes per second.
    rate: f64,
    /// The prober's CPU time (user + system) per probe, in milliseconds.
    cpu_ms: f64,
    /// The system (kernel) part of it: sockets on both sides of loopback, memory maps.
    kernel_ms: f64,
    /// Probes that failed.
    failed: u64,
}

/// `concurrency` clients probing for [`WINDOW`] (the first failure's reason, as the
/// prober's answer gives it, is printed).
async fn throughput(subject: &Subject, target: &str, concurrency: usize) -> Window {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let reason = Arc::new(std::sync::Mutex::new(None::<String>));
    let before = Process::of(subject.pid);
    let started = Instant::now();
    let end = started + WINDOW;
    let clients: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = subject.client.clone();
            let path = format!("{}{target}", subject.path);
            let (ok, failed) = (Arc::clone(&ok), Arc::clone(&failed));
            let reason = Arc::clone(&reason);
            tokio::spawn(async move {
                while Instant::now() < end {
                    let response = client.get(&path).await;
                    if response.sample("probe_success") == Some(1.0) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        let why = response
                            .body
                            .lines()
                            .find(|l| {
                                l.starts_with("smtp_failure_info")
                                    || l.starts_with("probe_failed_due_to")
                            })
                            .map_or_else(|| format!("HTTP {}", response.status), str::to_string);
                        reason.lock().unwrap().get_or_insert(why);
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = Process::of(subject.pid);
    let (cpu, kernel) = match (before, after) {
        (Some(b), Some(a)) => (
            a.cpu_seconds - b.cpu_seconds,
            a.system_seconds - b.system_seconds,
        ),
        _ => (0.0, 0.0),
    };
    if let Some(why) = reason.lock().unwrap().take() {
        println!("  ({} at {concurrency}: a failure: {why})", subject.name);
    }
    let ok = ok.load(Ordering::Relaxed);
    let all = ok + failed.load(Ordering::Relaxed);
    Window {
        rate: ok as f64 / elapsed,
        cpu_ms: cpu * 1000.0 / all.max(1) as f64,
        kernel_ms: kernel * 1000.0 / all.max(1) as f64,
        failed: failed.load(Ordering::Relaxed),
    }
}

/// RSS before, RSS with [`HELD`] probes in flight against `holder`, and how many were.
async fn memory(subject: &Subject, target: &str, holder: &ScriptedServer) -> (u64, u64, usize) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = resident(subject.pid);
    let already = holder.connections();
    let probes: Vec<_> = (0..HELD)
        .map(|_| {
            let client = subject.client.clone();
            let path = format!("{}{target}", subject.path);
            tokio::spawn(async move { client.get(&path).await })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(4);
    while holder.connections() - already < HELD && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let connected = holder.connections() - already;
    let during = resident(subject.pid);
    for probe in probes {
        let _ = probe.await;
    }
    (before, during, connected)
}

fn resident(pid: u32) -> u64 {
    Process::of(pid).map_or(0, |p| p.resident_bytes)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
