//! A soak of `smtp-sensor serve`: a steady load shaped like a Prometheus server's (a few
//! hundred targets over scrape intervals: healthy STARTTLS and implicit TLS on a real
//! Postfix, log-in and a test email on a few, refused ports, servers that never answer,
//! servers that drip a byte a second, certificates that are not trusted), faults injected
//! while it runs (Postfix stopped and started again, a broken configuration reloaded then a
//! good one, the compiled-component cache taken away, the HTTP side attacked), and, when it
//! is installed, the same load against blackbox_exporter at the same time.
//!
//! Every 10 seconds it samples each prober's resident memory, open descriptors and threads,
//! serve's probes in flight, and the scrapes' durations; at the end it prints a table and
//! the verdicts, which the caller asserts (the short form in `tests/tests/soak.rs`) or
//! prints (the bench, `tests/benches/soak.rs`). Loopback only.

use crate::blackbox;
use crate::postfix::{Config, MAIL_DOMAIN, Postfix};
use crate::prober::{Client, Prober, Response};
use crate::scratch::Scratch;
use crate::server::{ScriptedServer, Step, free_port};
use smtp_sensor_host::serve::Process;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

pub use crate::blackbox::BLACKBOX;

/// How often the probers are sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// The most resident memory may grow from minute 2 to the end.
pub const MAX_GROWTH: f64 = 0.05;

/// What a soak is to do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The `smtp-sensor` binary.
    pub program: String,
    /// How long the load runs.
    pub duration: Duration,
    /// The scrape intervals, spread over the targets in turn.
    pub intervals: Vec<Duration>,
    /// How many targets of each kind, per [`Kind::ALL`]'s order (a multiple of the counts
    /// of [`Kind::share`]).
    pub scale: usize,
    /// Postfix is stopped at this time, for this long.
    pub postfix_outage: Option<(Duration, Duration)>,
    /// A broken configuration is reloaded at this time, then a good one.
    pub bad_reload_at: Option<Duration>,
    /// The compiled-component cache folder is deleted, a read-only file put in its place,
    /// and the configuration reloaded, at this time.
    pub cache_gone_at: Option<Duration>,
    /// The HTTP side is attacked from this time, for this long.
    pub http_attack: Option<(Duration, Duration)>,
    /// Run blackbox_exporter beside, with the same load, when it is installed.
    pub blackbox: bool,
}

/// The kinds of target, each with its expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Postfix over STARTTLS, verified with the test CA: up.
    Starttls,
    /// Postfix over implicit TLS, verified: up.
    Tls,
    /// Postfix over STARTTLS with a log-in and a test email: up.
    Mail,
    /// Postfix over implicit TLS without trusting the test CA: down (certificate).
    Untrusted,
    /// A port where nothing listens: down (refused).
    Refused,
    /// A server that accepts and never answers: down (timeout).
    Silent,
    /// A server that drips its banner a byte a second: down (timeout).
    Drip,
}

impl Kind {
    /// Every kind, in the table's order.
    pub const ALL: [Kind; 7] = [
        Kind::Starttls,
        Kind::Tls,
        Kind::Mail,
        Kind::Untrusted,
        Kind::Refused,
        Kind::Silent,
        Kind::Drip,
    ];

    /// How many targets of this kind per unit of [`Plan::scale`]: 60 in all.
    pub fn share(self) -> usize {
        match self {
            Kind::Starttls => 20,
            Kind::Tls => 12,
            Kind::Mail => 1,
            Kind::Untrusted => 4,
            Kind::Refused => 8,
            Kind::Silent => 8,
            Kind::Drip => 7,
        }
    }

    /// Whether a probe of a healthy server of this kind succeeds.
    pub fn deserves_success(self) -> bool {
        matches!(self, Kind::Starttls | Kind::Tls | Kind::Mail)
    }

    /// Whether its server is the Postfix (which the outage stops).
    pub fn on_postfix(self) -> bool {
        matches!(
            self,
            Kind::Starttls | Kind::Tls | Kind::Mail | Kind::Untrusted
        )
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Starttls => "starttls",
            Kind::Tls => "tls",
            Kind::Mail => "mail",
            Kind::Untrusted => "untrusted",
            Kind::Refused => "refused",
            Kind::Silent => "silent",
            Kind::Drip => "drip",
        }
    }
}

/// One scrape, as Prometheus would have seen it.
#[derive(Debug, Clone)]
pub struct Scrape {
    /// Which prober: 0 is serve, 1 blackbox_exporter.
    pub prober: usize,
    /// The target's kind.
    pub kind: Kind,
    /// When it started, since the load began.
    pub started: Duration,
    /// How long it took.
    pub took: Duration,
    /// The scrape timeout it was given.
    pub timeout: Duration,
    /// The HTTP status, or none when there was no answer in time.
    pub status: Option<u16>,
    /// `probe_success`, when the exposition had it.
    pub success: Option<f64>,
    /// `smtp_failure_info`'s kind, when serve gave one.
    pub failure: Option<String>,
    /// The body, kept for the promtool check of a sample.
    pub body: Option<String>,
}

impl Scrape {
    /// Answered with an exposition within its timeout.
    pub fn answered(&self) -> bool {
        self.status == Some(200) && self.success.is_some() && self.took <= self.timeout
    }
}

/// One sample of a prober.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// Since the load began.
    pub at: Duration,
    /// Resident memory, bytes.
    pub resident: u64,
    /// Open file descriptors.
    pub descriptors: usize,
    /// Threads.
    pub threads: usize,
    /// Probes in flight (serve's own metric; none for blackbox).
    pub in_flight: Option<f64>,
}

/// What a soak found.
#[derive(Debug, Default)]
pub struct Report {
    /// The probers' names, by index.
    pub probers: Vec<&'static str>,
    /// Every scrape.
    pub scrapes: Vec<Scrape>,
    /// Every sample, by prober.
    pub samples: Vec<Vec<Sample>>,
    /// Each prober's sample when idle before the load, and after it.
    pub idle_before: Vec<Sample>,
    /// After the load stopped and the probes ended.
    pub idle_after: Vec<Sample>,
    /// serve's open-file limit and probe slots.
    pub limits: (u64, f64),
    /// What each fault showed: its name, whether it went as expected, and the details.
    pub faults: Vec<(String, bool, String)>,
    /// How many scrapes' expositions promtool checked, and what it said of the first bad.
    pub promtool: (usize, Option<String>),
}

/// One prober under load.
struct Subject {
    name: &'static str,
    pid: u32,
    client: Client,
    module: fn(Kind) -> &'static str,
}

/// Runs the soak `plan` says and reports it.
pub async fn run(plan: &Plan) -> Report {
    raise_descriptor_limit();
    let scratch = Scratch::new("soak");
    let (postfix, ca_file) = tokio::task::spawn_blocking(|| {
        Postfix::start_with_test_ca(Config {
            sasl_users: vec![("probe".into(), "soak-Pa55".into())],
            mailboxes: vec!["rcpt".into()],
            ..Config::default()
        })
    })
    .await
    .unwrap()
    .expect("start Postfix");
    let postfix = Arc::new(Mutex::new(postfix));
    let (smtp, smtps) = {
        let p = postfix.lock().unwrap();
        (p.port(), p.tls_port().expect("the implicit-TLS port"))
    };
    let silent = ScriptedServer::start(vec![Step::Stall]).await;
    let drip = ScriptedServer::start(vec![Step::Drip(
        b"220 a very slow server ESMTP\r\n".to_vec(),
        Duration::from_secs(1),
    )])
    .await;
    let refused = free_port([127, 0, 0, 1]);
    let address = |kind: Kind| -> String {
        let port = match kind {
            Kind::Starttls | Kind::Mail => smtp,
            Kind::Tls | Kind::Untrusted => smtps,
            Kind::Refused => refused,
            Kind::Silent => silent.port(),
            Kind::Drip => drip.port(),
        };
        format!("127.0.0.1:{port}")
    };
    let password = scratch.write("password", "soak-Pa55");
    let good_config = sensors_toml(&ca_file, &password);
    let config = scratch.write("sensors.toml", &good_config);
    let cache = scratch.path().join("cache");
    let cache_env = format!("SMTP_SENSOR_CACHE_DIR={}", cache.display());
    let serve = Prober::start_wrapped(
        &["env", &cache_env],
        &plan.program,
        &config,
        &["--history", "100"],
    )
    .await;
    let mut subjects = vec![Subject {
        name: "smtp-sensor serve",
        pid: serve.pid(),
        client: serve.client(),
        module: |kind| kind.name(),
    }];
    let _blackbox = match plan.blackbox {
        true => match start_blackbox(&scratch, &ca_file).await {
            Some((child, addr, pid)) => {
                subjects.push(Subject {
                    name: "blackbox_exporter",
                    pid,
                    client: Client::new(addr),
                    module: blackbox_module,
                });
                Some(child)
            }
            None => None,
        },
        false => None,
    };
    let mut report = Report {
        probers: subjects.iter().map(|s| s.name).collect(),
        samples: vec![Vec::new(); subjects.len()],
        ..Report::default()
    };
    // Warm up: one probe of each kind through each prober.
    for subject in &subjects {
        for kind in Kind::ALL {
            let path = probe_path(subject, kind, &address(kind));
            let _ = subject
                .client
                .try_request(
                    "GET",
                    &path,
                    &[("X-Prometheus-Scrape-Timeout-Seconds", "10")],
                )
                .await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let serve_metrics = serve.client();
    for subject in &subjects {
        report
            .idle_before
            .push(idle_sample(subject, Duration::ZERO, &serve_metrics).await);
    }
    report.limits = (
        open_file_limit(subjects[0].pid),
        serve_metrics
            .try_request("GET", "/metrics", &[])
            .await
            .ok()
            .and_then(|r| r.sample("smtp_sensor_probe_slots"))
            .unwrap_or(0.0),
    );

    // The load.
    let begun = Instant::now();
    let end = begun + plan.duration;
    let scrapes = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let mut index = 0usize;
    for kind in Kind::ALL {
        for _ in 0..kind.share() * plan.scale {
            let interval = plan.intervals[index % plan.intervals.len()];
            // Spread over the interval, as Prometheus spreads its targets.
            let offset = interval.mul_f64((index as f64 * 0.618_034) % 1.0);
            index += 1;
            for (p, subject) in subjects.iter().enumerate() {
                let client = subject.client.clone();
                let path = probe_path(subject, kind, &address(kind));
                let scrapes = Arc::clone(&scrapes);
                tasks.push(tokio::spawn(async move {
                    let mut next = begun + offset;
                    while next < end {
                        tokio::time::sleep_until(next.into()).await;
                        let scrape = scrape(&client, &path, p, kind, interval, begun).await;
                        scrapes.lock().unwrap().push(scrape);
                        next += interval;
                    }
                }));
            }
        }
    }
    // The faults, each in a task of its own.
    let faults = Arc::new(Mutex::new(Vec::new()));
    let mut fault_tasks = Vec::new();
    if let Some((at, down_for)) = plan.postfix_outage {
        let postfix = Arc::clone(&postfix);
        let faults = Arc::clone(&faults);
        fault_tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((begun + at).into()).await;
            let stopped = begun.elapsed();
            let p = Arc::clone(&postfix);
            tokio::task::spawn_blocking(move || p.lock().unwrap().stop())
                .await
                .unwrap();
            tokio::time::sleep_until((begun + at + down_for).into()).await;
            let p = Arc::clone(&postfix);
            let again = tokio::task::spawn_blocking(move || p.lock().unwrap().start_again())
                .await
                .unwrap();
            let back = begun.elapsed();
            faults.lock().unwrap().push(Fault::PostfixOutage {
                stopped,
                back,
                restarted: again.err(),
            });
        }));
    }
    if let Some(at) = plan.bad_reload_at {
        let client = serve.client();
        let config = config.clone();
        let good = good_config.clone();
        let faults = Arc::clone(&faults);
        fault_tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((begun + at).into()).await;
            std::fs::write(
                &config,
                format!("{good}\n[sensors.broken\nsecurity = \"tls\"\n"),
            )
            .unwrap();
            let broken = client.try_request("POST", "/-/reload", &[]).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            std::fs::write(&config, &good).unwrap();
            let fixed = client.try_request("POST", "/-/reload", &[]).await;
            faults
                .lock()
                .unwrap()
                .push(Fault::BadReload { broken, fixed });
        }));
    }
    if let Some(at) = plan.cache_gone_at {
        let client = serve.client();
        let cache = cache.clone();
        let faults = Arc::clone(&faults);
        fault_tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((begun + at).into()).await;
            let _ = std::fs::remove_dir_all(&cache);
            std::fs::write(&cache, "not a folder").unwrap();
            make_read_only(&cache);
            let reload = client.try_request("POST", "/-/reload", &[]).await;
            faults.lock().unwrap().push(Fault::CacheGone { reload });
        }));
    }
    if let Some((at, lasting)) = plan.http_attack {
        let addr = serve.client().address();
        let faults = Arc::clone(&faults);
        fault_tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((begun + at).into()).await;
            let outcome = attack(addr, lasting).await;
            faults.lock().unwrap().push(Fault::HttpAttack(outcome));
        }));
    }
    // Samples until the load ends.
    let mut next = begun + SAMPLE_EVERY;
    while next <= end {
        tokio::time::sleep_until(next.into()).await;
        for (p, subject) in subjects.iter().enumerate() {
            let s = sample(subject, begun.elapsed(), &serve_metrics).await;
            report.samples[p].push(s);
        }
        next += SAMPLE_EVERY;
    }
    for task in tasks {
        let _ = task.await;
    }
    for task in fault_tasks {
        let _ = task.await;
    }
    // Idle again: the probes have ended (the last scrapes were answered); give the
    // probers a moment to close what they close lazily.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for subject in &subjects {
        report
            .idle_after
            .push(idle_sample(subject, begun.elapsed(), &serve_metrics).await);
    }
    report.scrapes = std::mem::take(&mut *scrapes.lock().unwrap());
    report.scrapes.sort_by_key(|s| s.started);
    // promtool on every 25th exposition of each prober (a process per check).
    let checked: Vec<&Scrape> = report
        .scrapes
        .iter()
        .filter(|s| s.body.is_some())
        .step_by(25)
        .collect();
    let mut first_bad = None;
    for s in &checked {
        if let Err(e) = crate::promtool::check_metrics(s.body.as_deref().unwrap()) {
            first_bad.get_or_insert(e);
        }
    }
    report.promtool = (checked.len(), first_bad);
    for fault in std::mem::take(&mut *faults.lock().unwrap()) {
        report
            .faults
            .push(fault.judge(&report.scrapes, &serve.log()));
    }
    for s in &mut report.scrapes {
        s.body = None;
    }
    report
}

/// A fault and what it showed, to be judged.
enum Fault {
    PostfixOutage {
        stopped: Duration,
        back: Duration,
        restarted: Option<String>,
    },
    BadReload {
        broken: Result<Response, String>,
        fixed: Result<Response, String>,
    },
    CacheGone {
        reload: Result<Response, String>,
    },
    HttpAttack(Attack),
}

impl Fault {
    fn judge(self, scrapes: &[Scrape], log: &str) -> (String, bool, String) {
        match self {
            Fault::PostfixOutage {
                stopped,
                back,
                restarted,
            } => {
                let serve_postfix = || {
                    scrapes.iter().filter(|s| {
                        s.prober == 0 && s.kind.on_postfix() && s.kind != Kind::Untrusted
                    })
                };
                // While it was away (a second's margin each side): refused.
                let away: Vec<&Scrape> = serve_postfix()
                    .filter(|s| s.started > stopped + Duration::from_secs(1))
                    .filter(|s| s.started + Duration::from_secs(1) < back)
                    .collect();
                let refused = away
                    .iter()
                    .filter(|s| {
                        s.success == Some(0.0) && s.failure.as_deref() == Some("connection-refused")
                    })
                    .count();
                // Back: every scrape that began two seconds after it listened again is up.
                let after: Vec<&Scrape> = serve_postfix()
                    .filter(|s| s.started > back + Duration::from_secs(2))
                    .collect();
                let up = after.iter().filter(|s| s.success == Some(1.0)).count();
                let held = restarted.is_none()
                    && !away.is_empty()
                    && refused == away.len()
                    && !after.is_empty()
                    && up == after.len();
                (
                    format!(
                        "Postfix stopped at {:.0} s for {:.0} s",
                        stopped.as_secs_f64(),
                        (back - stopped).as_secs_f64()
                    ),
                    held,
                    format!(
                        "{refused} of {} scrapes while away were down with connection-refused; \
                         {up} of {} after it was back were up{}",
                        away.len(),
                        after.len(),
                        restarted
                            .map(|e| format!("; restart failed: {e}"))
                            .unwrap_or_default()
                    ),
                )
            }
            Fault::BadReload { broken, fixed } => {
                let broken_refused = broken
                    .as_ref()
                    .is_ok_and(|r| r.status >= 400 && r.body.contains("old one stays"));
                let fixed_ok = fixed.as_ref().is_ok_and(|r| r.status == 200);
                (
                    "a broken configuration reloaded, then a good one".into(),
                    broken_refused && fixed_ok,
                    format!("broken: {}; good: {}", answer(&broken), answer(&fixed)),
                )
            }
            Fault::CacheGone { reload } => {
                let ok = reload.as_ref().is_ok_and(|r| r.status == 200);
                let crashed = log.contains("panicked");
                (
                    "the cache folder deleted, a read-only file in its place, then a reload".into(),
                    ok && !crashed,
                    format!("reload: {}", answer(&reload)),
                )
            }
            Fault::HttpAttack(attack) => {
                let held = attack.all_answered_or_cut();
                ("the HTTP side attacked".into(), held, attack.describe())
            }
        }
    }
}

fn answer(response: &Result<Response, String>) -> String {
    match response {
        Ok(r) => format!(
            "HTTP {} {:?}",
            r.status,
            r.body.lines().next().unwrap_or("")
        ),
        Err(e) => e.clone(),
    }
}

/// The `sensors.toml` of the soak: a module per kind.
fn sensors_toml(ca_file: &str, password: &Path) -> String {
    let any = "targets = [\"127.0.0.1:*\"]\ntimeout = 5\n";
    format!(
        "[sensors.starttls]\nsecurity = \"starttls\"\ntls_ca = [\"{ca_file}\"]\n{any}\n\
         [sensors.tls]\nsecurity = \"tls\"\ntls_ca = [\"{ca_file}\"]\n{any}\n\
         [sensors.mail]\nsecurity = \"starttls\"\ntls_ca = [\"{ca_file}\"]\n\
         auth_user = \"probe\"\nauth_password_file = \"{}\"\nmail_from = \"probe@{MAIL_DOMAIN}\"\n\
         mail_to = [\"rcpt@{MAIL_DOMAIN}\"]\n{any}\n\
         [sensors.untrusted]\nsecurity = \"tls\"\n{any}\n\
         [sensors.refused]\nsecurity = \"none\"\n{any}\n\
         [sensors.silent]\nsecurity = \"none\"\n{any}\n\
         [sensors.drip]\nsecurity = \"none\"\n{any}\n",
        password.display()
    )
}

/// blackbox_exporter's module for a kind: the same dialogue where its TCP prober can do it
/// (it cannot log in: the mail targets get the STARTTLS dialogue).
fn blackbox_module(kind: Kind) -> &'static str {
    match kind {
        Kind::Starttls | Kind::Mail => "smtp_starttls",
        Kind::Tls => "smtp_tls",
        Kind::Untrusted => "smtp_tls_untrusted",
        Kind::Refused | Kind::Silent | Kind::Drip => "smtp_plain",
    }
}

/// Starts blackbox_exporter with modules like serve's; its child, address and pid.
async fn start_blackbox(
    scratch: &Scratch,
    ca_file: &str,
) -> Option<(tokio::process::Child, SocketAddr, u32)> {
    let dialogue = "        - expect: \"^220 \"\n        - send: \"EHLO prober.example\\r\"\n        - expect: \"^250 \"\n        - send: \"QUIT\\r\"\n";
    let config = scratch.write(
        "blackbox.yml",
        &format!(
            r#"modules:
{starttls}  smtp_tls:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      tls_config:
        ca_file: {ca_file}
      query_response:
{dialogue}  smtp_tls_untrusted:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      query_response:
{dialogue}  smtp_plain:
    prober: tcp
    timeout: 5s
    tcp:
      query_response:
{dialogue}"#,
            starttls = blackbox::starttls_module(ca_file)
        ),
    );
    blackbox::start(&config, &[]).await
}

fn probe_path(subject: &Subject, kind: Kind, target: &str) -> String {
    format!("/probe?target={target}&module={}", (subject.module)(kind))
}

/// One scrape with a timeout of the interval's, at most 10 s (as Prometheus' default).
async fn scrape(
    client: &Client,
    path: &str,
    prober: usize,
    kind: Kind,
    interval: Duration,
    begun: Instant,
) -> Scrape {
    let timeout = interval.min(Duration::from_secs(10));
    let header = format!("{}", timeout.as_secs_f64());
    let started = begun.elapsed();
    let clock = Instant::now();
    let answer = tokio::time::timeout(
        timeout + Duration::from_secs(2),
        client.try_request(
            "GET",
            path,
            &[("X-Prometheus-Scrape-Timeout-Seconds", &header)],
        ),
    )
    .await;
    let took = clock.elapsed();
    let response = match answer {
        Ok(Ok(response)) => Some(response),
        _ => None,
    };
    let failure = response.as_ref().and_then(|r| {
        r.body.lines().find_map(|l| {
            let rest = l.strip_prefix("smtp_failure_info{")?;
            let kind = rest.split("kind=\"").nth(1)?.split('"').next()?;
            Some(kind.to_string())
        })
    });
    Scrape {
        prober,
        kind,
        started,
        took,
        timeout,
        status: response.as_ref().map(|r| r.status),
        success: response.as_ref().and_then(|r| r.sample("probe_success")),
        failure,
        body: response.map(|r| r.body),
    }
}

/// A sample of `subject` at `at`; serve's in-flight probes from its metrics.
async fn sample(subject: &Subject, at: Duration, serve: &Client) -> Sample {
    let process = Process::of(subject.pid);
    let in_flight = if subject.name.starts_with("smtp-sensor") {
        serve
            .try_request("GET", "/metrics", &[])
            .await
            .ok()
            .and_then(|r| r.sample("smtp_sensor_probes_in_flight"))
    } else {
        None
    };
    Sample {
        at,
        resident: process.map_or(0, |p| p.resident_bytes),
        descriptors: std::fs::read_dir(format!("/proc/{}/fd", subject.pid))
            .map_or(0, |d| d.count()),
        threads: std::fs::read_dir(format!("/proc/{}/task", subject.pid)).map_or(0, |d| d.count()),
        in_flight,
    }
}

/// A sample of an idle prober: its descriptors counted a few times after the sample's own
/// `/metrics` request, the fewest kept, since the prober closes that request's connection
/// a moment after answering it (one descriptor more or less, by chance, otherwise).
async fn idle_sample(subject: &Subject, at: Duration, serve: &Client) -> Sample {
    let mut taken = sample(subject, at, serve).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = std::fs::read_dir(format!("/proc/{}/fd", subject.pid)).map_or(0, |d| d.count());
        taken.descriptors = taken.descriptors.min(now);
    }
    taken
}

/// The soft open-file limit of a process.
fn open_file_limit(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        })
        .unwrap_or(0)
}

/// This process's descriptor limit up to the hard one: the attack holds a thousand
/// connections.
fn raise_descriptor_limit() {
    let me = std::process::id().to_string();
    let hard = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let _ = std::process::Command::new("prlimit")
        .args(["--pid", &me, &format!("--nofile={hard}:{hard}")])
        .status();
}

fn make_read_only(path: &PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o400));
}

/// What the attack on the HTTP side saw: for each kind of abuse, how many connections
/// were answered with a 4xx, cut by the prober, or neither.
#[derive(Debug, Default)]
pub struct Attack {
    /// By abuse: (answered 4xx, cut by the prober, left hanging or answered otherwise).
    pub outcomes: BTreeMap<&'static str, (usize, usize, usize)>,
    /// What the first of those left hanging or answered otherwise got, by abuse.
    pub odd: BTreeMap<&'static str, String>,
}

impl Attack {
    fn all_answered_or_cut(&self) -> bool {
        !self.outcomes.is_empty() && self.outcomes.values().all(|&(_, _, odd)| odd == 0)
    }

    fn describe(&self) -> String {
        self.outcomes
            .iter()
            .map(|(abuse, (bad_request, cut, odd))| {
                let what = self
                    .odd
                    .get(abuse)
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default();
                format!("{abuse}: {bad_request} 4xx, {cut} cut, {odd} neither{what}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The abuses, all at once, lasting about `lasting` (the idle and slow connections are
/// held until the prober cuts them, or `lasting` passes).
async fn attack(addr: SocketAddr, lasting: Duration) -> Attack {
    let long_query = format!(
        "GET /probe?target={}&module=starttls HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100_000)
    );
    let abuses: Vec<(&'static str, usize, Vec<u8>, bool)> = vec![
        // (name, connections, what each sends, sent a byte a second)
        (
            "slow headers",
            100,
            b"GET /probe?target=127.0.0.1:25&module=starttls HTTP/1.1\r\nHost: x\r\nX-Slow: "
                .to_vec(),
            true,
        ),
        ("idle connections", 1000, Vec::new(), false),
        ("oversized query", 20, long_query.into_bytes(), false),
        (
            "malformed query",
            20,
            b"GET /probe?target=%zz%&module=%%% HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            false,
        ),
        (
            "invalid UTF-8",
            20,
            b"GET /probe?target=%ff%fe%fd&module=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            false,
        ),
        (
            "pipelined garbage",
            20,
            b"\x16\x03\x01\x00\xa5garbage\r\n\r\nGET / HTTP/1.1\r\n\r\n\x00\x01\x02\r\n\r\n"
                .to_vec(),
            false,
        ),
    ];
    let results = Arc::new(Mutex::new(Attack::default()));
    let mut tasks = Vec::new();
    for (name, count, bytes, trickle) in abuses {
        for _ in 0..count {
            let bytes = bytes.clone();
            let results = Arc::clone(&results);
            tasks.push(tokio::spawn(async move {
                let outcome = abuse(addr, &bytes, trickle, lasting).await;
                let mut r = results.lock().unwrap();
                let entry = r.outcomes.entry(name).or_default();
                match &outcome {
                    Abused::Rejected => entry.0 += 1,
                    Abused::Cut => entry.1 += 1,
                    Abused::Odd(what) => {
                        entry.2 += 1;
                        let what = what.clone();
                        r.odd.entry(name).or_insert(what);
                    }
                }
            }));
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    Arc::into_inner(results).unwrap().into_inner().unwrap()
}

enum Abused {
    /// A 4xx answer.
    Rejected,
    /// The prober closed the connection without a 4xx.
    Cut,
    /// Neither, in `lasting` plus the prober's client timeout: what happened.
    Odd(String),
}

/// One abusive connection: sends `bytes` (a byte a second with `trickle`) and waits for
/// the prober's answer or hang-up, for at most `lasting` plus 15 s.
async fn abuse(addr: SocketAddr, bytes: &[u8], trickle: bool, lasting: Duration) -> Abused {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Abused::Odd("could not connect".into());
    };
    let deadline = Instant::now() + lasting + Duration::from_secs(15);
    if trickle {
        let (mut reader, mut writer) = stream.into_split();
        let bytes = bytes.to_vec();
        let writing = tokio::spawn(async move {
            for byte in bytes
                .iter()
                .chain(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter())
            {
                if writer.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let outcome = read_answer(&mut reader, deadline).await;
        writing.abort();
        return outcome;
    }
    if !bytes.is_empty() && stream.write_all(bytes).await.is_err() {
        return Abused::Cut;
    }
    read_answer(&mut stream, deadline).await
}

async fn read_answer<R: tokio::io::AsyncRead + Unpin>(reader: &mut R, deadline: Instant) -> Abused {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline.into(), reader.read(&mut buf)).await {
            Err(_) => {
                return Abused::Odd(format!("still open after {:?}", Duration::from_secs(15)));
            }
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&got);
    match text.split(' ').nth(1).and_then(|c| c.parse::<u16>().ok()) {
        Some(code) if (400..500).contains(&code) => Abused::Rejected,
        Some(code) => Abused::Odd(format!("HTTP {code}")),
        None if got.is_empty() => Abused::Cut,
        None => Abused::Odd(format!("{:?}", text.chars().take(60).collect::<String>())),
    }
}

impl Report {
    /// The scrapes of prober `p`.
    pub fn of(&self, p: usize) -> impl Iterator<Item = &Scrape> {
        self.scrapes.iter().filter(move |s| s.prober == p)
    }

    /// Scrapes of serve not answered with an exposition in time.
    pub fn lost(&self, p: usize) -> Vec<&Scrape> {
        self.of(p).filter(|s| !s.answered()).collect()
    }

    /// serve's scrapes whose `probe_success` is not what the target deserves (outside the
    /// outage, a second's margin around it, for Postfix's targets).
    pub fn undeserved(&self, outage: Option<(Duration, Duration)>) -> Vec<&Scrape> {
        self.of(0)
            .filter(|s| s.answered())
            .filter(|s| {
                !(s.kind.on_postfix()
                    && outage.is_some_and(|(at, lasting)| {
                        s.started + s.timeout + Duration::from_secs(1) > at
                            && s.started < at + lasting + Duration::from_secs(3)
                    }))
            })
            .filter(|s| (s.success == Some(1.0)) != s.kind.deserves_success())
            .collect()
    }

    /// Resident memory of prober `p` at minute 2 (the mean of its first three samples from
    /// then), at the end (the mean of the last three) and at its peak in between (the HTTP
    /// attack's thousand connections, while they are held); none for a run too short.
    pub fn growth(&self, p: usize) -> Option<(u64, u64, u64)> {
        let samples = &self.samples[p];
        let from = samples
            .iter()
            .position(|s| s.at >= Duration::from_secs(120))?;
        let later = &samples[from..];
        if later.len() < 6 {
            return None;
        }
        let mean = |s: &[Sample]| s.iter().map(|x| x.resident).sum::<u64>() / s.len() as u64;
        let peak = later.iter().map(|s| s.resident).max()?;
        Some((mean(&later[..3]), mean(&later[later.len() - 3..]), peak))
    }

    /// The verdicts of item 1 and the faults, as (what, held, details).
    pub fn verdicts(&self, outage: Option<(Duration, Duration)>) -> Vec<(String, bool, String)> {
        let mut verdicts = Vec::new();
        if let Some((base, end, peak)) = self.growth(0) {
            let grew = end as f64 / base as f64 - 1.0;
            verdicts.push((
                "resident memory from minute 2 to the end grows by at most 5%".to_string(),
                grew <= MAX_GROWTH,
                format!(
                    "{:.1} MiB at 2 min, {:.1} MiB at the end: {:+.1}% (peak {:.1} MiB)",
                    mib(base),
                    mib(end),
                    grew * 100.0,
                    mib(peak)
                ),
            ));
        }
        let (before, after) = (self.idle_before[0], self.idle_after[0]);
        verdicts.push((
            "descriptors and probes in flight return to their idle values".to_string(),
            after.descriptors <= before.descriptors && after.in_flight == Some(0.0),
            format!(
                "descriptors {} idle before, {} after; in flight {:?} after",
                before.descriptors, after.descriptors, after.in_flight
            ),
        ));
        let lost = self.lost(0);
        verdicts.push((
            "0 lost scrapes: every one answered with an exposition within its timeout".to_string(),
            lost.is_empty(),
            format!(
                "{} of {} lost{}",
                lost.len(),
                self.of(0).count(),
                lost.first()
                    .map(|s| format!("; the first: {s:?}"))
                    .unwrap_or_default()
            ),
        ));
        verdicts.push((
            "promtool accepts the expositions checked".to_string(),
            self.promtool.1.is_none() && self.promtool.0 > 0,
            format!(
                "{} checked{}",
                self.promtool.0,
                self.promtool
                    .1
                    .as_ref()
                    .map(|e| format!("; {e}"))
                    .unwrap_or_default()
            ),
        ));
        let undeserved = self.undeserved(outage);
        verdicts.push((
            "each target's probe_success is what its server deserves".to_string(),
            undeserved.is_empty(),
            format!(
                "{} undeserved{}",
                undeserved.len(),
                undeserved
                    .first()
                    .map(|s| format!("; the first: {s:?}"))
                    .unwrap_or_default()
            ),
        ));
        let (limit, slots) = self.limits;
        let most_fds = self.samples[0]
            .iter()
            .map(|s| s.descriptors)
            .max()
            .unwrap_or(0);
        let most_flight = self.samples[0]
            .iter()
            .filter_map(|s| s.in_flight)
            .fold(0.0, f64::max);
        verdicts.push((
            "the open-file limit and the slot limit are never exceeded".to_string(),
            (most_fds as u64) < limit && most_flight <= slots,
            format!("at most {most_fds} descriptors of {limit}; at most {most_flight} probes in flight of {slots} slots"),
        ));
        verdicts.extend(self.faults.iter().cloned());
        verdicts
    }

    /// The table: per prober, per sample; then per kind; then the verdicts.
    pub fn table(&self, outage: Option<(Duration, Duration)>) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<20} {:>6} {:>10} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9}\n",
            "prober",
            "at s",
            "RSS MiB",
            "fds",
            "threads",
            "in flight",
            "p50 ms",
            "p99 ms",
            "max ms"
        ));
        for (p, name) in self.probers.iter().enumerate() {
            let mut from = Duration::ZERO;
            for s in &self.samples[p] {
                let mut took: Vec<f64> = self
                    .of(p)
                    .filter(|x| x.started >= from && x.started < s.at)
                    .map(|x| x.took.as_secs_f64() * 1000.0)
                    .collect();
                took.sort_by(f64::total_cmp);
                let pick = |q: f64| {
                    took.get(((took.len() as f64 - 1.0) * q).round() as usize)
                        .copied()
                        .unwrap_or(0.0)
                };
                out.push_str(&format!(
                    "{:<20} {:>6.0} {:>10.1} {:>6} {:>8} {:>9} {:>9.0} {:>9.0} {:>9.0}\n",
                    name,
                    s.at.as_secs_f64(),
                    mib(s.resident),
                    s.descriptors,
                    s.threads,
                    s.in_flight.map_or("-".to_string(), |f| f.to_string()),
                    pick(0.5),
                    pick(0.99),
                    took.last().copied().unwrap_or(0.0)
                ));
                from = s.at;
            }
            let (b, a) = (self.idle_before[p], self.idle_after[p]);
            out.push_str(&format!(
                "{:<20} idle before: {:.1} MiB, {} fds, {} threads; after: {:.1} MiB, {} fds, {} threads\n\n",
                name,
                mib(b.resident),
                b.descriptors,
                b.threads,
                mib(a.resident),
                a.descriptors,
                a.threads
            ));
        }
        out.push_str(&format!(
            "{:<20} {:<10} {:>8} {:>8} {:>10} {:>8} {:>9}\n",
            "prober", "kind", "scrapes", "lost", "success=1", "p50 ms", "max ms"
        ));
        for (p, name) in self.probers.iter().enumerate() {
            for kind in Kind::ALL {
                let mine: Vec<&Scrape> = self.of(p).filter(|s| s.kind == kind).collect();
                let mut took: Vec<f64> =
                    mine.iter().map(|s| s.took.as_secs_f64() * 1000.0).collect();
                took.sort_by(f64::total_cmp);
                out.push_str(&format!(
                    "{:<20} {:<10} {:>8} {:>8} {:>10} {:>8.0} {:>9.0}\n",
                    name,
                    kind.name(),
                    mine.len(),
                    mine.iter().filter(|s| !s.answered()).count(),
                    mine.iter().filter(|s| s.success == Some(1.0)).count(),
                    took.get(took.len() / 2).copied().unwrap_or(0.0),
                    took.last().copied().unwrap_or(0.0)
                ));
            }
        }
        out.push_str("\nverdicts (smtp-sensor serve):\n");
        for (what, held, details) in self.verdicts(outage) {
            out.push_str(&format!(
                "  [{}] {what}: {details}\n",
                if held { "held" } else { "FAILED" }
            ));
        }
        out
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}
