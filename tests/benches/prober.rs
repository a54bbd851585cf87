//! `smtp-sensor serve` against Debian's `prometheus-blackbox-exporter`, probing the same
//! loopback Postfix over STARTTLS, in one run:
//! - successful probes per second at concurrency 1, 32 and 256 (each prober in turn, in
//!   rounds, medians of the rounds);
//! - each prober's own CPU time per probe (user + system, from /proc/PID/stat);
//! - resident memory per in-flight check, with 1,000 and then 10,000 probes at once against
//!   a server that accepts and never answers (RSS and PSS during, less the same just before,
//!   over the probes connected), measured first, when each prober has run one probe; and
//!   where serve's pages are during the larger hold, by kind of mapping (/proc/PID/smaps);
//! - what each prober keeps resident, idle, 20 s after the runs (two of serve's heap release
//!   periods; Go's scavenger returns memory in the background too).
//!
//! A probe in flight holds two descriptors in the prober (the scrape's connection and the
//! target's) and two in this process (the client's and the silent server's): the larger
//! hold is 10,000 probes or what the hard open-file limit leaves room for, whichever is
//! fewer (said when fewer).
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
//! `cargo bench -p smtp-sensor-tests --bench prober -- memory` measures memory only (the
//! held probes and the idle figures, no throughput); `-- glibc-only` leaves out the static
//! build (which takes a release build of its own). `PROBER_SMAPS=FILE` keeps a copy of
//! serve's /proc/PID/smaps during the larger hold.

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
/// Probes held at once, the smaller and the larger (see [`held_scales`]).
const HELD: [usize; 2] = [1000, 10_000];
/// Descriptors kept aside in each process besides two per held probe.
const SPARE_DESCRIPTORS: usize = 100;
/// Each held probe's timeout: long enough for every probe of the larger hold to be
/// connected before the first times out.
const HELD_TIMEOUT_SECONDS: u64 = 60;

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
    let memory_only = std::env::args().skip(1).any(|a| a == "memory");
    let glibc_only = std::env::args().skip(1).any(|a| a == "glibc-only");
    let held = held_scales(hard.parse().ok());
    let release = if glibc_only {
        None
    } else {
        Some(smtp_sensor_tests::release::binary().expect("the release build"))
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(release.as_deref(), held, memory_only));
}

/// The holds to measure: [`HELD`], the larger cut to what `hard` open files leave room for
/// (two per probe, in the prober and here; the probers inherit this process's limits).
fn held_scales(hard: Option<usize>) -> [usize; 2] {
    let room = hard.map_or(usize::MAX, |h| h.saturating_sub(SPARE_DESCRIPTORS) / 2);
    let larger = HELD[1].min(room);
    if larger < HELD[1] {
        println!(
            "!!! the hard open-file limit is {} (ulimit -Hn; it cannot be raised here): {} \
             probes held at most, not {}, at two descriptors a probe in the prober and two \
             here\n",
            hard.unwrap_or(0),
            larger,
            HELD[1]
        );
    }
    [HELD[0], larger]
}

/// One prober under test.
struct Subject {
    name: &'static str,
    pid: u32,
    client: Client,
    /// The probe's path without the target.
    path: String,
    /// The same for the held probes (a longer timeout).
    held_path: String,
    _process: Option<Prober>,
    _child: Option<tokio::process::Child>,
}

async fn run(release: Option<&str>, held_scales: [usize; 2], memory_only: bool) {
    let (postfix, ca_file) = Postfix::start_with_test_ca(Config::default())
        .expect("start Postfix (apt-get install postfix; root)");
    let target = format!("127.0.0.1:{}", postfix.port());
    let scratch = Scratch::new("bench-prober");
    // The same module twice: `held` with a timeout long enough for the larger hold.
    let sensors = scratch.write(
        "sensors.toml",
        &format!(
            "{}{}",
            starttls_module("starttls", &ca_file),
            starttls_module("held", &ca_file)
                .replace("timeout = 5", &format!("timeout = {HELD_TIMEOUT_SECONDS}"))
        ),
    );
    let most_held = held_scales[1].max(2000).to_string();
    // The same prober built twice: static musl (what scripts/release ships) and glibc.
    let builds = [
        release.map(|release| ("serve, static musl", release.to_string())),
        Some((
            "serve, glibc",
            env!("CARGO_BIN_EXE_smtp-sensor-under-test").to_string(),
        )),
    ];
    let mut subjects = Vec::new();
    for (name, binary) in builds.into_iter().flatten() {
        let ours = Prober::start_wrapped(
            &["taskset", "-c", "1"],
            &binary,
            &sensors,
            &["--history", "100", "--max-concurrent-probes", &most_held],
        )
        .await;
        subjects.push(Subject {
            name,
            pid: ours.pid(),
            client: ours.client(),
            path: "/probe?module=starttls&target=".into(),
            held_path: "/probe?module=held&target=".into(),
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
    for (scale, &count) in held_scales.iter().enumerate() {
        println!("{count} probes at once against a server that accepts and never answers:");
        for subject in &subjects {
            // Where serve's pages are, during the larger hold.
            let mapped = scale == 1 && subject.held_path.contains("module=held");
            let held = memory(subject, count, mapped).await;
            let per = |before: u64, during: u64| {
                during.saturating_sub(before) as f64 / 1024.0 / held.connected.max(1) as f64
            };
            println!(
                "  {:<20} RSS before {:>7.1} MiB, with {} in flight {:>7.1} MiB: {:>6.0} KiB per in-flight check",
                subject.name,
                held.before.rss as f64 / 1048576.0,
                held.connected,
                held.during.rss as f64 / 1048576.0,
                per(held.before.rss, held.during.rss)
            );
            println!(
                "  {:<20} PSS before {:>7.1} MiB, with {} in flight {:>7.1} MiB: {:>6.0} KiB per in-flight check",
                "",
                held.before.pss as f64 / 1048576.0,
                held.connected,
                held.during.pss as f64 / 1048576.0,
                per(held.before.pss, held.during.pss)
            );
            if let Some((before, during)) = &held.mappings {
                print_mappings(subject.name, before, during, held.connected);
            }
        }
        println!();
    }

    if memory_only {
        idle(&subjects).await;
        return;
    }

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

    idle(&subjects).await;
}

/// What the runs left resident: a pool keeps the pages its slots' probes wrote. Idle
/// memory is given back after a while (serve's glibc heap within a period, Go's by its
/// scavenger in the background): measured after two periods.
async fn idle(subjects: &[Subject]) {
    tokio::time::sleep(2 * HEAP_RELEASE_PERIOD).await;
    println!();
    for subject in subjects {
        let memory = Memory::of(subject.pid);
        println!(
            "{}: {:.1} MiB resident ({:.1} MiB PSS) when idle, {} s after the runs",
            subject.name,
            memory.rss as f64 / 1048576.0,
            memory.pss as f64 / 1048576.0,
            (2 * HEAP_RELEASE_PERIOD).as_secs()
        );
    }
}

/// Starts blackbox_exporter on core 1 with an SMTP STARTTLS module like ours.
async fn blackbox(scratch: &Scratch, ca_file: &str) -> Option<Subject> {
    let module = blackbox::starttls_module(ca_file);
    let held = module
        .replace("smtp_starttls:", "smtp_held:")
        .replace("timeout: 5s", &format!("timeout: {HELD_TIMEOUT_SECONDS}s"));
    let config = scratch.write("blackbox.yml", &format!("modules:\n{module}{held}"));
    let (child, addr, pid) = blackbox::start(&config, &["taskset", "-c", "1"]).await?;
    Some(Subject {
        name: "blackbox_exporter",
        pid,
        client: Client::new(addr),
        path: "/probe?module=smtp_starttls&target=".into(),
        held_path: "/probe?module=smtp_held&target=".into(),
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

/// A prober's memory before and with probes held, and how many were.
struct Held {
    before: Memory,
    during: Memory,
    connected: usize,
    /// Its mappings by kind, before and during, when asked for.
    mappings: Option<(ByKind, ByKind)>,
}

/// Memory summed by kind of mapping, in the order of [`KINDS`].
type ByKind = Vec<(&'static str, Memory)>;

/// `count` probes in flight at once against a server that accepts and never answers (its
/// own, stopped after, which ends the probes).
async fn memory(subject: &Subject, count: usize, mapped: bool) -> Held {
    let holder = ScriptedServer::start(vec![Step::Stall]).await;
    let target = format!("127.0.0.1:{}", holder.port());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = Memory::of(subject.pid);
    let mappings_before = mapped.then(|| mappings(subject.pid));
    let probes: Vec<_> = (0..count)
        .map(|_| {
            let client = subject.client.clone();
            let path = format!("{}{target}", subject.held_path);
            tokio::spawn(async move { client.get(&path).await })
        })
        .collect();
    // Until all are connected, or no more have been for a while.
    let deadline = Instant::now() + Duration::from_secs(HELD_TIMEOUT_SECONDS / 2);
    let mut last = (0, Instant::now());
    while holder.connections() < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if holder.connections() != last.0 {
            last = (holder.connections(), Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let connected = holder.connections();
    let during = Memory::of(subject.pid);
    let open = |pid: &str| std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let descriptors = (open("self"), open(&subject.pid.to_string()));
    // Each mapping is a line of /proc/PID/maps; vm.max_map_count caps them (65,530 by default).
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", subject.pid))
        .map_or(0, |m| m.lines().count());
    let mappings = mappings_before.map(|before| (before, mappings(subject.pid)));
    // The whole of it, to read by hand, where asked (`PROBER_SMAPS=FILE`).
    if mapped && let Some(file) = std::env::var_os("PROBER_SMAPS") {
        let _ = std::fs::copy(format!("/proc/{}/smaps", subject.pid), file);
    }
    drop(holder);
    let mut failed = None;
    for probe in probes {
        if let Ok(response) = probe.await
            && response.status != 200
        {
            failed.get_or_insert(response);
        }
    }
    if let Some(response) = failed {
        println!(
            "  ({}: a held probe was refused: HTTP {} {})",
            subject.name,
            response.status,
            response.body.lines().next().unwrap_or("")
        );
    }
    if connected < count {
        println!(
            "  ({}: {connected} of {count} connected; descriptors open here {}, in the prober {}; \
             the prober's mappings {maps}, vm.max_map_count {})",
            subject.name,
            descriptors.0,
            descriptors.1,
            std::fs::read_to_string("/proc/sys/vm/max_map_count")
                .unwrap_or_default()
                .trim()
        );
    }
    Held {
        before,
        during,
        connected,
        mappings,
    }
}

/// Resident and proportional set sizes, in bytes.
#[derive(Clone, Copy, Default)]
struct Memory {
    rss: u64,
    pss: u64,
}

impl Memory {
    /// Process `pid`'s, from /proc/PID/smaps_rollup (zeros when it cannot be read).
    fn of(pid: u32) -> Self {
        let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let mut memory = Memory::default();
        for line in text.lines() {
            if let Some(kib) = field(line, "Rss:") {
                memory.rss = kib * 1024;
            } else if let Some(kib) = field(line, "Pss:") {
                memory.pss = kib * 1024;
            }
        }
        memory
    }
}

/// The kibibytes of a `Name:   123 kB` line of smaps, if it is `name`'s.
fn field(line: &str, name: &str) -> Option<u64> {
    line.strip_prefix(name)?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// One mapping of /proc/PID/smaps.
struct Mapping {
    start: u64,
    end: u64,
    perms: String,
    path: String,
    memory: Memory,
}

impl Mapping {
    fn size(&self) -> u64 {
        self.end - self.start
    }
    fn inaccessible(&self) -> bool {
        self.perms.starts_with("---") && self.path.is_empty()
    }
}

/// Process `pid`'s mappings, summed by kind (in the order of [`KINDS`]).
fn mappings(pid: u32) -> ByKind {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut all: Vec<Mapping> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let head = words.next().unwrap_or("");
        if let Some((start, end)) = head.split_once('-')
            && let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        {
            let perms = words.next().unwrap_or("").to_string();
            let path = words.nth(3).unwrap_or("").to_string();
            all.push(Mapping {
                start,
                end,
                perms,
                path,
                memory: Memory::default(),
            });
        } else if let Some(last) = all.last_mut() {
            if let Some(kib) = field(line, "Rss:") {
                last.memory.rss = kib * 1024;
            } else if let Some(kib) = field(line, "Pss:") {
                last.memory.pss = kib * 1024;
            }
        }
    }
    // A linear memory: writable mappings (anonymous, or its initial image mapped copy on
    // write from the .cwasm file or a memfd) running up to gigabytes of inaccessible
    // reservation.
    let mut linear = vec![false; all.len()];
    for i in (0..all.len()).rev() {
        let accessible = all[i].perms.starts_with("rw");
        linear[i] = accessible
            && all.get(i + 1).is_some_and(|next| {
                next.start == all[i].end
                    && ((next.inaccessible() && next.size() >= 1 << 30) || linear[i + 1])
            });
    }
    let mut sums: ByKind = KINDS.iter().map(|&k| (k, Memory::default())).collect();
    for (i, mapping) in all.iter().enumerate() {
        let before = i
            .checked_sub(1)
            .map(|j| &all[j])
            .filter(|m| m.end == mapping.start);
        let kind = match (linear[i], mapping.path.is_empty()) {
            (true, false) => LINEAR_IMAGE,
            (true, true) => LINEAR_MEMORY,
            (false, _) => kind(mapping, before, &exe),
        };
        let sum = &mut sums.iter_mut().find(|(k, _)| *k == kind).unwrap().1;
        sum.rss += mapping.memory.rss;
        sum.pss += mapping.memory.pss;
    }
    sums
}

const LINEAR_MEMORY: &str = "wasm linear memories, anonymous (pool slots, on demand)";
const LINEAR_IMAGE: &str = "wasm linear memories, image (.cwasm or memfd, CoW)";
const STACKS: &str = "stacks (wasm fibers, threads)";
const ARENAS: &str = "glibc malloc arenas (threads')";
const HEAP: &str = "[heap] (brk: glibc's main arena)";
const CODE: &str = "anonymous executable (compiled wasm)";
const BINARY: &str = "the binary's text and data";
const FILES: &str = "other files, [stack], [vdso]";
const OTHER: &str = "anonymous other (dlmalloc, big allocations, tables)";
const KINDS: [&str; 9] = [
    LINEAR_MEMORY,
    LINEAR_IMAGE,
    STACKS,
    ARENAS,
    HEAP,
    CODE,
    BINARY,
    FILES,
    OTHER,
];

/// What a mapping other than a linear memory is, from its shape and neighbours: a stack
/// (wasmtime's fibers, pooled or not, and threads) has a guard page or a few below it;
/// glibc's arenas for threads are 64 MiB reservations, aligned to 64 MiB, accessible from
/// the start.
fn kind(mapping: &Mapping, before: Option<&Mapping>, exe: &str) -> &'static str {
    if !mapping.path.is_empty() {
        return match mapping.path.as_str() {
            "[heap]" => HEAP,
            path if path == exe => BINARY,
            _ => FILES,
        };
    }
    if mapping.perms.contains('x') {
        return CODE;
    }
    if before.is_some_and(|m| m.inaccessible() && m.size() <= 64 << 10) {
        return STACKS;
    }
    if mapping.start.is_multiple_of(64 << 20) && mapping.size() <= 64 << 20 {
        return ARENAS;
    }
    OTHER
}

/// Prints `before` and `during` (the same kinds, in order) and the difference per probe.
fn print_mappings(
    name: &str,
    before: &[(&'static str, Memory)],
    during: &[(&'static str, Memory)],
    connected: usize,
) {
    println!(
        "  {name}'s mappings by kind (/proc/PID/smaps), KiB; per probe: (during - before) / {connected}"
    );
    println!(
        "    {:<56} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "kind", "Rss bef.", "Pss bef.", "Rss dur.", "Pss dur.", "Rss/pr.", "Pss/pr."
    );
    let mut sums = [0u64; 4];
    for ((kind, b), (_, d)) in before.iter().zip(during) {
        for (sum, v) in sums.iter_mut().zip([b.rss, b.pss, d.rss, d.pss]) {
            *sum += v;
        }
        row(kind, *b, *d, connected);
    }
    row(
        "all",
        Memory {
            rss: sums[0],
            pss: sums[1],
        },
        Memory {
            rss: sums[2],
            pss: sums[3],
        },
        connected,
    );
}

fn row(kind: &str, b: Memory, d: Memory, connected: usize) {
    let per = |b: u64, d: u64| (d as f64 - b as f64) / 1024.0 / connected.max(1) as f64;
    println!(
        "    {:<56} {:>9} {:>9} {:>9} {:>9} {:>8.1} {:>8.1}",
        kind,
        b.rss / 1024,
        b.pss / 1024,
        d.rss / 1024,
        d.pss / 1024,
        per(b.rss, d.rss),
        per(b.pss, d.pss)
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
