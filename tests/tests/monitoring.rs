//! The outputs monitoring systems read, end to end through the CLI: PRTG (EXE/Script
//! Advanced and Script v2), Nagios plugin output, Prometheus exposition; Response Time
//! thresholds; sensors from a TOML file; and a hostile server's words in every format.
//! Scripted servers on loopback for most, a real Postfix for what the issue names.

use serde_json::Value;
use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::nagios;
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::promtool;
use smtp_sensor_tests::prtg::{assert_script_v2, script_v2_schema};
use smtp_sensor_tests::server::{ScriptedServer, Step, normal, say};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// This package's fresh build of the CLI.
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// A port on 127.0.0.2 where nothing listens.
fn closed_port() -> u16 {
    smtp_sensor_tests::server::free_port([127, 0, 0, 2])
}

async fn plain(port: u16, extra: &[&str]) -> Run {
    cli::check_loopback(SMTP_SENSOR, port, "none", extra).await
}

async fn closed(extra: &[&str]) -> Run {
    let port = closed_port().to_string();
    let base = [
        "check",
        "--host",
        "127.0.0.2",
        "--port",
        &port,
        "--security",
        "none",
    ];
    cli::run(SMTP_SENSOR, &[&base[..], extra].concat()).await
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schema_refuses_what_prtg_refuses() {
    let schema = script_v2_schema();
    let valid = serde_json::json!({"version": 2, "status": "ok", "channels": [
        {"id": 10, "name": "a", "type": "float", "value": 1.5}]});
    assert!(schema.is_valid(&valid));
    for bad in [
        serde_json::json!({"version": 1, "status": "ok"}),
        serde_json::json!({"version": 2, "status": "up"}),
        serde_json::json!({"version": 2, "status": "ok", "message": "x".repeat(2001)}),
        serde_json::json!({"version": 2, "status": "ok", "channels": [
            {"id": 9, "name": "a", "type": "float", "value": 1.5}]}),
        serde_json::json!({"version": 2, "status": "ok", "channels": [
            {"id": 10, "name": "a", "type": "integer", "value": 1.5}]}),
        serde_json::json!({"version": 2, "status": "ok", "channels": [
            {"id": 10, "name": "a", "type": "lookup", "value": 1}]}),
        serde_json::json!({"version": 2, "status": "ok", "channels": (10..61).map(|id|
            serde_json::json!({"id": id, "name": "a", "type": "integer", "value": 1})).collect::<Vec<_>>()}),
    ] {
        assert!(!schema.is_valid(&bad), "{bad}");
    }
}

#[test]
fn every_script_v2_snapshot_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src/output/snapshots/prtg-v2");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_script_v2(&std::fs::read_to_string(&path).unwrap());
        seen += 1;
    }
    assert!(seen >= 5, "snapshots in {}", dir.display());
}

#[test]
fn every_prometheus_snapshot_passes_promtool() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src/output/snapshots/prometheus");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        promtool::check_metrics(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// A normal server whose banner takes a few milliseconds, so that a 1 ms threshold is
/// surely exceeded.
fn slow_banner() -> Vec<Step> {
    let mut script = normal();
    script[0] = Step::Drip(
        b"220 test.example ESMTP\r\n".to_vec(),
        Duration::from_millis(1),
    );
    script
}

#[tokio::test(flavor = "multi_thread")]
async fn nagios_statuses_exit_codes_and_perfdata() {
    let server = ScriptedServer::start(slow_banner()).await;
    let cases: [(&[&str], i32, &str); 3] = [
        (&[], 0, "SMTP OK - "),
        (&["--warning", "1ms"], 1, "SMTP WARNING - "),
        (
            &["--warning", "1ms", "--critical", "2ms"],
            2,
            "SMTP CRITICAL - ",
        ),
    ];
    for (extra, code, start) in cases {
        let run = plain(server.port(), &[&["--format", "nagios"], extra].concat()).await;
        assert_eq!(run.code, code, "{extra:?}: {run:?}");
        let (text, perf) = nagios::parse(&run.stdout).unwrap();
        assert!(text.starts_with(start), "{text}");
        assert_eq!(perf[0].label, "Response Time");
        assert_eq!(perf[0].uom, "s");
        assert!(perf[0].value > 0.001, "{perf:?}");
        if code == 1 {
            assert_eq!(perf[0].warn.as_deref(), Some("0.001"));
            assert!(text.contains("longer than the threshold of 1 ms"), "{text}");
        }
        if code == 2 {
            assert_eq!(perf[0].crit.as_deref(), Some("0.002"));
            assert!(text.contains("longer than the threshold of 2 ms"), "{text}");
        }
        assert!(perf.iter().any(|p| p.label == "Banner" && p.uom == "s"));
        assert!(perf.iter().any(|p| p.label == "Downtime" && p.uom == "%"));
    }
    let down = closed(&["--format", "nagios"]).await;
    assert_eq!(down.code, 2, "{down:?}");
    let (text, perf) = nagios::parse(&down.stdout).unwrap();
    assert!(
        text.starts_with("SMTP CRITICAL - ") && text.contains("refused"),
        "{text}"
    );
    assert!(
        perf.iter()
            .any(|p| p.label == "Downtime" && p.value == 100.0)
    );
    assert!(perf.iter().any(|p| p.label == "Connect"), "{perf:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_settings_in_each_format() {
    let port = closed_port().to_string();
    let bad = [
        "check",
        "--host",
        "127.0.0.2",
        "--port",
        &port,
        "--timeout",
        "0",
    ];
    let run = |format: &'static str| {
        let args: Vec<&str> = bad.iter().copied().chain(["--format", format]).collect();
        async move { cli::run(SMTP_SENSOR, &args).await }
    };
    let nagios = run("nagios").await;
    assert_eq!(nagios.code, 3, "{nagios:?}");
    assert!(
        nagios
            .stdout
            .starts_with("SMTP UNKNOWN - invalid --timeout: "),
        "{nagios:?}"
    );
    let prtg = run("prtg").await;
    assert_eq!(prtg.code, 0, "PRTG reads errors from the JSON: {prtg:?}");
    assert_eq!(json(&prtg)["prtg"]["error"], 1);
    assert!(
        json(&prtg)["prtg"]["text"]
            .as_str()
            .unwrap()
            .contains("--timeout")
    );
    let v2 = run("prtg-v2").await;
    assert_eq!(v2.code, 0, "{v2:?}");
    assert_script_v2(&v2.stdout);
    assert_eq!(json(&v2)["status"], "error");
    for format in ["text", "json", "prometheus"] {
        let other = run(format).await;
        assert_eq!(other.code, 3, "{format}: {other:?}");
        assert!(other.stdout.is_empty(), "{format}: {other:?}");
        assert!(
            other.stderr.contains("invalid --timeout"),
            "{format}: {other:?}"
        );
    }
    // What clap refuses, PRTG still gets as its own error.
    let typo = cli::run(
        SMTP_SENSOR,
        &[
            "check",
            "--host",
            "x.example",
            "--security",
            "ssl",
            "--format",
            "prtg",
        ],
    )
    .await;
    assert_eq!(typo.code, 0, "{typo:?}");
    assert!(
        json(&typo)["prtg"]["text"]
            .as_str()
            .unwrap()
            .contains("ssl")
    );
    // Thresholds are validated like every setting.
    let swapped = closed(&["--warning", "2s", "--critical", "1s"]).await;
    assert_eq!(swapped.code, 3, "{swapped:?}");
    assert!(swapped.stderr.contains("invalid --critical"), "{swapped:?}");
    let nonsense = closed(&["--warning", "soon"]).await;
    assert_eq!(nonsense.code, 3, "{nonsense:?}");
    assert!(nonsense.stderr.contains("--warning"), "{nonsense:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_and_prtg_from_a_scripted_server() {
    let server = ScriptedServer::start(normal()).await;
    let run = plain(server.port(), &["--format", "prometheus"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    promtool::check_metrics(&run.stdout).unwrap();
    assert!(run.stdout.contains("\nprobe_success 1\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("smtp_capability_info{keyword=\"PIPELINING\"} 1")
    );
    let down = closed(&["--format", "prometheus"]).await;
    assert_eq!(down.code, 2, "{down:?}");
    promtool::check_metrics(&down.stdout).unwrap();
    assert!(
        down.stdout.contains("\nprobe_success 0\n"),
        "{}",
        down.stdout
    );

    let slow = ScriptedServer::start(slow_banner()).await;
    let prtg = plain(slow.port(), &["--format", "prtg", "--warning", "1ms"]).await;
    assert_eq!(prtg.code, 0, "a warning exits 0 for PRTG: {prtg:?}");
    assert_eq!(json(&prtg)["prtg"]["result"][0]["warning"], 1);
    assert_eq!(json(&prtg)["prtg"]["result"][0]["limitmaxwarning"], 1.0);
}

/// A server whose banner, EHLO reply and QUIT reply carry terminal escapes, an OSC title
/// change, a bare CR, a NUL, `|`, quotes and backslashes.
fn hostile_script() -> Vec<Step> {
    vec![
        Step::Say(
            b"220-evil \x1b[31mRED\x1b]0;pwned\x07 a|b\r\n220-bare\rCR nul\0 \"q\" \\ x\r\n220 ok\r\n"
                .to_vec(),
        ),
        Step::Read,
        Step::Say(b"250-test.example\r\n250-X\"}\\1 p\r\n250-A|B\x1b[2J\r\n250 8BITMIME\r\n".to_vec()),
        Step::Read,
        say("221 bye|'Response Time'=0s;;;0\r\n"),
        Step::Close,
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_server_cannot_reach_the_terminal_or_forge_output() {
    let server = ScriptedServer::start(hostile_script()).await;
    let format = |f: &'static str| {
        let port = server.port();
        async move { plain(port, &["--format", f, "--transcript"]).await }
    };
    let text = format("text").await;
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        !text.stdout.contains('\u{1b}') && !text.stdout.contains('\r'),
        "{text:?}"
    );
    assert!(!text.stdout.contains('\0') && !text.stdout.contains('\u{7}'));
    assert!(text.stdout.contains("\\x1b[31mRED"), "{}", text.stdout);
    assert!(
        text.stdout.lines().all(|l| !l.starts_with("CR nul")),
        "{}",
        text.stdout
    );

    let nagios_run = format("nagios").await;
    let (line, perf) = nagios::parse(&nagios_run.stdout).unwrap();
    assert!(!line.contains('|') && !line.contains('\u{1b}'), "{line}");
    assert_eq!(
        perf.iter().filter(|p| p.label == "Response Time").count(),
        1
    );

    let prometheus = format("prometheus").await;
    promtool::check_metrics(&prometheus.stdout).unwrap();
    assert!(
        !prometheus.stdout.contains('\u{1b}'),
        "{}",
        prometheus.stdout
    );
    assert_eq!(prometheus.stdout.matches("\nprobe_success ").count(), 1);

    let json_run = format("json").await;
    let value = json(&json_run);
    assert_eq!(
        value["banner"]["lines"][0],
        "evil \u{1b}[31mRED\u{1b}]0;pwned\u{7} a|b"
    );

    for prtg in ["prtg", "prtg-v2"] {
        let run = format(prtg).await;
        let value = json(&run);
        let text = value["prtg"]["text"]
            .as_str()
            .or(value["message"].as_str())
            .unwrap();
        assert!(!text.chars().any(char::is_control), "{prtg}: {text:?}");
    }
}

/// Writes a configuration file for this test and removes it when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("smtp-sensor-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_sensors_from_a_file_with_all() {
    let a = ScriptedServer::start(normal()).await;
    let b = ScriptedServer::start(normal()).await;
    let config = TempFile::new(
        "three.toml",
        &format!(
            "# Three sensors, one of them against a closed port.\n\
             [sensors.first]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\n\
             [sensors.second]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             warning = \"30s\"\ncritical = \"60s\"\n\n\
             [sensors.closed]\nhost = \"127.0.0.2\"\nport = {}\nsecurity = \"none\"\n",
            a.port(),
            b.port(),
            closed_port()
        ),
    );
    let all = |format: &'static str| {
        let path = config.path().to_string();
        async move {
            cli::run(
                SMTP_SENSOR,
                &["check", "--config", &path, "--all", "--format", format],
            )
            .await
        }
    };
    let json_run = all("json").await;
    assert_eq!(json_run.code, 2, "the worst sensor's code: {json_run:?}");
    let value = json(&json_run);
    let statuses: Vec<(&str, &str)> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sensor"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [("first", "up"), ("second", "up"), ("closed", "down")]
    );

    let prometheus = all("prometheus").await;
    promtool::check_metrics(&prometheus.stdout).unwrap();
    for line in [
        "probe_success{sensor=\"first\"} 1",
        "probe_success{sensor=\"second\"} 1",
        "probe_success{sensor=\"closed\"} 0",
    ] {
        assert!(
            prometheus.stdout.lines().any(|l| l == line),
            "{line}: {}",
            prometheus.stdout
        );
    }
    assert_eq!(
        prometheus
            .stdout
            .matches("# TYPE probe_success gauge")
            .count(),
        1
    );

    let text = all("text").await;
    for heading in ["[first]\nUP: ", "[second]\nUP: ", "[closed]\nDOWN: "] {
        assert!(text.stdout.contains(heading), "{heading}: {}", text.stdout);
    }

    let nagios_all = all("nagios").await;
    assert_eq!(nagios_all.code, 3, "{nagios_all:?}");
    assert!(
        nagios_all.stdout.starts_with("SMTP UNKNOWN - "),
        "{nagios_all:?}"
    );
    assert!(
        nagios_all.stderr.contains("--sensor NAME"),
        "{nagios_all:?}"
    );

    // One sensor, and a flag over the file's key.
    let one = cli::run(
        SMTP_SENSOR,
        &[
            "check",
            "--config",
            config.path(),
            "--sensor",
            "closed",
            "--port",
            &a.port().to_string(),
            "--host",
            "127.0.0.1",
        ],
    )
    .await;
    assert_eq!(one.code, 0, "flags override the file: {one:?}");
    let unknown = cli::run(
        SMTP_SENSOR,
        &["check", "--config", config.path(), "--sensor", "third"],
    )
    .await;
    assert_eq!(unknown.code, 3, "{unknown:?}");
    assert!(
        unknown.stderr.contains("first, second, closed"),
        "{unknown:?}"
    );
    let neither = cli::run(SMTP_SENSOR, &["check", "--config", config.path()]).await;
    assert_eq!(neither.code, 3, "{neither:?}");
    assert!(
        neither.stderr.contains("--sensor NAME or --all"),
        "{neither:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_exit_3_naming_file_line_and_key() {
    let cases = [
        (
            "unknown.toml",
            "[sensors.mx1]\nhost = \"127.0.0.1\"\nsecurty = \"none\"\n",
            "line 3, sensors.mx1.securty: unknown field `securty`",
        ),
        (
            "inline.toml",
            "[sensors.mx1]\nhost = \"127.0.0.1\"\nauth_user = \"probe\"\nauth_password = \"hunter2\"\n",
            "line 4, sensors.mx1.auth_password: a password is never read from the configuration file",
        ),
        (
            "type.toml",
            "[sensors.mx1]\nhost = \"127.0.0.1\"\ntimeout = \"ten\"\n",
            "line 3, sensors.mx1.timeout: ",
        ),
        (
            "value.toml",
            "[sensors.mx1]\nhost = \"127.0.0.1\"\n\n\nport = 0\n",
            "line 5, sensors.mx1.port: 0 is not a usable port",
        ),
        (
            "order.toml",
            "[sensors.mx1]\nhost = \"127.0.0.1\"\nwarning = \"2s\"\ncritical = \"1s\"\n",
            "line 4, sensors.mx1.critical: ",
        ),
    ];
    for (name, text, expected) in cases {
        let file = TempFile::new(name, text);
        let run = cli::run(SMTP_SENSOR, &["check", "--config", file.path(), "--all"]).await;
        assert_eq!(run.code, 3, "{name}: {run:?}");
        assert!(
            run.stderr.contains(&format!("{}, {expected}", file.path())),
            "{name}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"));
    }
}

/// Starts Postfix with a test CA off the async runtime.
async fn postfix_with_tls() -> (Postfix, String) {
    tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()))
        .await
        .unwrap()
        .expect("start Postfix")
}

/// Every format against a real Postfix over STARTTLS, as the "done when" names them.
/// With `SMTP_SENSOR_PRINT_SAMPLES=1` the outputs are printed (run with `--nocapture`).
#[tokio::test(flavor = "multi_thread")]
async fn every_format_against_postfix() {
    let (postfix, ca) = postfix_with_tls().await;
    let (port, ca) = (postfix.port(), ca.as_str());
    let run = |format: &'static str| async move {
        let extra = [
            "--tls-ca",
            ca,
            "--warning",
            "5s",
            "--critical",
            "10s",
            "--format",
            format,
        ];
        let run = cli::check_loopback(SMTP_SENSOR, port, "starttls", &extra).await;
        if std::env::var_os("SMTP_SENSOR_PRINT_SAMPLES").is_some() {
            println!("--- {format} (exit {})\n{}", run.code, run.stdout);
        }
        run
    };
    let prtg = run("prtg").await;
    assert_eq!(prtg.code, 0, "{prtg:?}\n{}", postfix.log());
    let value = json(&prtg);
    let first = &value["prtg"]["result"][0];
    assert_eq!(
        (first["channel"].as_str(), first["unit"].as_str()),
        (Some("Response Time"), Some("TimeResponse"))
    );
    assert!(value["prtg"].get("error").is_none(), "{value}");
    let channels = value["prtg"]["result"].to_string();
    for name in [
        "TLS Handshake",
        "Certificate Expiry",
        "STARTTLS",
        "EHLO after STARTTLS",
    ] {
        assert!(channels.contains(name), "{name}: {channels}");
    }

    let v2 = run("prtg-v2").await;
    assert_eq!(v2.code, 0, "{v2:?}");
    assert_script_v2(&v2.stdout);
    assert_eq!(json(&v2)["status"], "ok");

    let nagios_run = run("nagios").await;
    assert_eq!(nagios_run.code, 0, "{nagios_run:?}");
    let (text, perf) = nagios::parse(&nagios_run.stdout).unwrap();
    assert!(
        text.starts_with("SMTP OK - ") && text.contains("ESMTP Postfix"),
        "{text}"
    );
    let expiry = perf
        .iter()
        .find(|p| p.label == "Certificate Expiry")
        .unwrap();
    assert_eq!(
        (expiry.warn.as_deref(), expiry.crit.as_deref()),
        (Some("14:"), Some("0:"))
    );
    assert_eq!(perf[0].crit.as_deref(), Some("10"));

    let prometheus = run("prometheus").await;
    assert_eq!(prometheus.code, 0, "{prometheus:?}");
    promtool::check_metrics(&prometheus.stdout).unwrap();
    for line in [
        "probe_success 1",
        "probe_tls_version_info{version=\"TLS 1.3\"} 1",
        "smtp_tls_certificate_verified 1",
        "smtp_capability_info{keyword=\"PIPELINING\"} 1",
        "smtp_last_reply_code 221",
    ] {
        assert!(
            prometheus.stdout.lines().any(|l| l == line),
            "{line}: {}",
            prometheus.stdout
        );
    }
    let _ = run("text").await;

    // A closed port: still exit 0 for PRTG, with the error and the reason.
    let down = closed(&["--format", "prtg"]).await;
    assert_eq!(down.code, 0, "{down:?}");
    if std::env::var_os("SMTP_SENSOR_PRINT_SAMPLES").is_some() {
        println!(
            "--- prtg, closed port (exit {})\n{}",
            down.code, down.stdout
        );
    }
    let value = json(&down);
    assert_eq!(value["prtg"]["error"], 1);
    assert!(
        value["prtg"]["text"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
}
