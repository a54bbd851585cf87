//! The integration files in `examples/` and those the packages install (`packaging/`), run
//! as the monitoring systems would run them (their macros filled in for a loopback server):
//! the Nagios plugin and command definition, the Icinga 2 CheckCommand, the
//! textfile-collector script and the PRTG Script v2 wrapper.

use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::nagios;
use smtp_sensor_tests::promtool;
use smtp_sensor_tests::server::{ScriptedServer, normal};
use std::path::{Path, PathBuf};

/// This package's fresh build of the CLI.
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");
/// Where the packages install the binary.
const INSTALLED: &str = "/usr/bin/smtp-sensor";
/// Where Debian keeps Nagios plugins (Nagios' `$USER1$`, Icinga 2's `PluginDir`).
const PLUGIN_DIR: &str = "/usr/lib/nagios/plugins";
/// Where the packages install the Nagios plugin (a wrapper of the binary).
const PLUGIN: &str = "/usr/lib/nagios/plugins/check_smtp_sensor";

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(example(path)).unwrap()
}

/// A file the packages install, from `packaging/`.
fn packaged(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../packaging")
        .join(path)
}

/// Runs a command given as words, the installed binary's path replaced by the one under test
/// (and the plugin by a copy of it that runs the one under test).
async fn run_words(words: &[String]) -> Run {
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    if words[0] == PLUGIN {
        let wrapper = std::fs::read_to_string(packaged("nagios/check_smtp_sensor")).unwrap();
        let exec = format!("exec {INSTALLED} check --format nagios \"$@\"");
        assert!(wrapper.contains(&exec), "{wrapper}");
        let copy = std::env::temp_dir().join(format!(
            "check_smtp_sensor-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&copy, wrapper.replace(INSTALLED, SMTP_SENSOR)).unwrap();
        let run = cli::run("sh", &[&[copy.to_str().unwrap()], &args[..]].concat()).await;
        std::fs::remove_file(copy).unwrap();
        return run;
    }
    let program = if words[0] == INSTALLED {
        SMTP_SENSOR
    } else {
        &words[0]
    };
    cli::run(program, &args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn nagios_command_definition() {
    let server = ScriptedServer::start(normal()).await;
    let config = std::fs::read_to_string(packaged("nagios/smtp-sensor.cfg")).unwrap();
    let line = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("command_line"))
        .expect("a command_line")
        .trim();
    let port = server.port().to_string();
    // What Nagios does: fill in the macros, split into words, run.
    let filled = line
        .replace("$USER1$", PLUGIN_DIR)
        .replace("$HOSTADDRESS$", "127.0.0.1")
        .replace("$ARG1$", &port)
        .replace("$ARG2$", "none")
        .replace("$ARG3$", "5s")
        .replace("$ARG4$", "10s");
    assert!(!filled.contains('$'), "every macro filled: {filled}");
    let words: Vec<String> = filled.split_whitespace().map(str::to_string).collect();
    let run = run_words(&words).await;
    assert_eq!(run.code, 0, "{run:?}");
    let (text, perf) = nagios::parse(&run.stdout).unwrap();
    assert!(text.starts_with("SMTP OK - "), "{text}");
    assert_eq!(perf[0].warn.as_deref(), Some("5"));
    assert_eq!(perf[0].crit.as_deref(), Some("10"));
    // The example service's check_command passes four arguments, as the command expects.
    let service = read("nagios/smtp-sensor.cfg");
    let service = service
        .lines()
        .find_map(|l| l.trim().strip_prefix("check_command"))
        .unwrap()
        .trim();
    assert_eq!(service.split('!').count(), 5, "{service}");
}

#[tokio::test(flavor = "multi_thread")]
async fn icinga2_check_command() {
    let server = ScriptedServer::start(normal()).await;
    let config = std::fs::read_to_string(packaged("icinga2/smtp-sensor.conf")).unwrap();
    assert!(read("icinga2/smtp-sensor.conf").contains("check_command = \"smtp-sensor\""));
    let command: Vec<String> = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("command = ["))
        .unwrap()
        .replace("PluginDir + \"", &format!("\"{PLUGIN_DIR}"))
        .trim_end_matches(']')
        .split(',')
        .map(|w| w.trim().trim_matches('"').to_string())
        .collect();
    let arguments: Vec<(String, String)> = config
        .lines()
        .filter_map(|l| {
            let (flag, value) = l.trim().split_once(" = ")?;
            let flag = flag.trim_matches('"');
            flag.starts_with("--")
                .then(|| (flag.to_string(), value.trim_matches('"').to_string()))
        })
        .collect();
    assert!(arguments.len() >= 5, "{arguments:?}");
    // Every flag the CheckCommand passes is one the CLI has.
    let help = cli::run(SMTP_SENSOR, &["check", "--help"]).await.stdout;
    for (flag, _) in &arguments {
        assert!(help.contains(&format!("{flag} ")), "{flag} in\n{help}");
    }
    // What Icinga does: resolve each argument's macro; leave out those that are unset.
    let port = server.port().to_string();
    let vars = [
        ("$smtp_sensor_host$", "127.0.0.1"),
        ("$smtp_sensor_port$", port.as_str()),
        ("$smtp_sensor_security$", "none"),
        ("$smtp_sensor_warning$", "5s"),
        ("$smtp_sensor_critical$", "10s"),
    ];
    let mut words = command;
    for (flag, macro_name) in &arguments {
        if let Some((_, value)) = vars.iter().find(|(m, _)| m == macro_name) {
            words.push(flag.clone());
            words.push(value.to_string());
        }
    }
    let run = run_words(&words).await;
    assert_eq!(run.code, 0, "{words:?}: {run:?}");
    assert!(
        nagios::parse(&run.stdout)
            .unwrap()
            .0
            .starts_with("SMTP OK - ")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn textfile_collector_script() {
    let server = ScriptedServer::start(normal()).await;
    let dir = std::env::temp_dir().join(format!("smtp-sensor-textfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sensors.toml");
    std::fs::write(
        &config,
        format!(
            "[sensors.loopback]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n",
            server.port()
        ),
    )
    .unwrap();
    let out = dir.join("smtp-sensor.prom");
    // What cron does, with the script's paths pointed at this test's.
    let run_script = || {
        tokio::process::Command::new(example("prometheus/smtp-sensor-textfile"))
            .env("SMTP_SENSOR", SMTP_SENSOR)
            .env("CONFIG", &config)
            .env("OUT", &out)
            .status()
    };
    let status = run_script().await.unwrap();
    assert!(status.success(), "{status:?}");
    let metrics = std::fs::read_to_string(&out).unwrap();
    promtool::check_metrics(&metrics).unwrap();
    assert!(
        metrics.contains("probe_success{sensor=\"loopback\"} 1"),
        "{metrics}"
    );
    // A bad file fails and leaves the previous metrics in place.
    std::fs::write(&config, "[sensors.loopback]\nhots = \"x\"\n").unwrap();
    let status = run_script().await.unwrap();
    assert_eq!(status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), metrics);
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(leftovers, 2, "no temporary file left behind");
}

/// `check --all` exits 3 when one sensor's check itself failed (its component trapped or
/// overstayed), with every sensor's metrics on stdout: the good sensors' must still reach
/// the file, or they would all freeze at their last values. The embedded component cannot
/// be made to fail for one sensor, so a stand-in runs the real check and exits 3 as it then
/// does; one that prints nothing (a bad configuration) or crashes still keeps the old file.
#[tokio::test(flavor = "multi_thread")]
async fn textfile_collector_script_writes_the_good_sensors_when_one_check_failed() {
    let (mx1, mx2) = (
        ScriptedServer::start(normal()).await,
        ScriptedServer::start(normal()).await,
    );
    let dir = std::env::temp_dir().join(format!(
        "smtp-sensor-textfile-failed-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sensors.toml");
    let mut sensors = String::new();
    for (name, server) in [("mx1", &mx1), ("mx2", &mx2)] {
        sensors.push_str(&format!(
            "[sensors.{name}]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n",
            server.port()
        ));
    }
    std::fs::write(&config, sensors).unwrap();
    let out = dir.join("smtp-sensor.prom");
    std::fs::write(&out, "probe_success{sensor=\"mx1\"} 0\n").unwrap();
    let stand_in = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let run_script = |smtp_sensor: std::path::PathBuf| {
        tokio::process::Command::new(example("prometheus/smtp-sensor-textfile"))
            .env("SMTP_SENSOR", smtp_sensor)
            .env("CONFIG", &config)
            .env("OUT", &out)
            .status()
    };
    let one_failed = stand_in(
        "one-failed",
        &format!("\"{SMTP_SENSOR}\" \"$@\" || true\nexit 3"),
    );
    let status = run_script(one_failed).await.unwrap();
    assert!(status.success(), "{status:?}");
    let metrics = std::fs::read_to_string(&out).unwrap();
    promtool::check_metrics(&metrics).unwrap();
    for sensor in ["mx1", "mx2"] {
        let line = format!("probe_success{{sensor=\"{sensor}\"}} 1");
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
    // Nothing printed, or a crash half-way: the file stays as it was, and the script fails.
    for (name, body, code) in [
        ("silent", "exit 3", 3),
        (
            "crashed",
            "echo 'probe_success{sensor=\"mx1\"} 0'\nkill -KILL $$",
            137,
        ),
    ] {
        let status = run_script(stand_in(name, body)).await.unwrap();
        assert_eq!(status.code(), Some(code), "{name}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), metrics, "{name}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with("smtp-sensor.prom."))
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn prtg_script_v2_wrapper() {
    let server = ScriptedServer::start(normal()).await;
    let port = server.port().to_string();
    let output = tokio::process::Command::new("python3")
        .arg(example("prtg/smtp_sensor.py"))
        .args(["--host", "127.0.0.1", "--port", &port, "--security", "none"])
        .env("SMTP_SENSOR", SMTP_SENSOR)
        .output()
        .await
        .expect("python3 runs (Debian has it)");
    assert!(output.status.success(), "{output:?}");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["version"], 2);
    assert_eq!(value["status"], "ok", "{value}");
    assert_eq!(value["channels"][0]["id"], 10);
    // A missing binary is still a Script v2 error PRTG can show.
    let missing = tokio::process::Command::new("python3")
        .arg(example("prtg/smtp_sensor.py"))
        .env("SMTP_SENSOR", "/nonexistent/smtp-sensor")
        .output()
        .await
        .unwrap();
    assert!(missing.status.success());
    let value: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(value["status"], "error");
}

/// The parameter lines of `docs/prtg.md`, with PRTG's `%host` and the port filled in.
fn documented_lines(prefix: &str) -> Vec<String> {
    let page = std::fs::read_to_string(example("../docs/prtg.md")).unwrap();
    page.lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

fn fill(line: &str, port: &str) -> Vec<String> {
    line.replace("%host", "127.0.0.1")
        .replace("--port 25", &format!("--port {port}"))
        .replace("starttls", "none")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn documented_prtg_parameters() {
    let server = ScriptedServer::start(normal()).await;
    let port = server.port().to_string();
    // EXE/Script Advanced and SSH Script Advanced: the binary with these parameters.
    let advanced = documented_lines("check --host %host");
    assert_eq!(advanced.len(), 1, "{advanced:?}");
    let words = fill(&advanced[0], &port);
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    let run = cli::run(SMTP_SENSOR, &args).await;
    assert_eq!(run.code, 0, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["prtg"]["result"][0]["channel"], "Response Time");
    assert!(value["prtg"].get("error").is_none(), "{value}");
    // The same with "Set placeholders as environment values": no --host.
    let run = cli::run_with_env(
        SMTP_SENSOR,
        &[
            "check",
            "--port",
            &port,
            "--security",
            "none",
            "--format",
            "prtg",
        ],
        &[("prtg_host", "127.0.0.1")],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(value["prtg"].get("error").is_none(), "{value}");
    assert!(
        value["prtg"]["text"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    // Script v2 through the Python wrapper, with the documented parameters.
    let v2 = documented_lines("--host %host");
    assert_eq!(v2.len(), 1, "{v2:?}");
    let output = tokio::process::Command::new("python3")
        .arg(example("prtg/smtp_sensor.py"))
        .args(fill(&v2[0], &port))
        .env("SMTP_SENSOR", SMTP_SENSOR)
        .output()
        .await
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["status"], "ok", "{value}");
}

/// The README's first steps, as a newcomer types them on a fresh install: `demo`, a `check`
/// of a server (here a loopback one, in plain text, for the STARTTLS server of the example),
/// and `serve` with the shipped configuration file (its port moved to a free one). Each
/// must work as written, or the first screen lies.
#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_first_steps_work() {
    let readme = std::fs::read_to_string(example("../README.md")).unwrap();
    let steps = readme
        .split("## First steps")
        .nth(1)
        .expect("a First steps section");
    let block = steps
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let commands: Vec<Vec<String>> = block
        .lines()
        .map(|line| line.split('#').next().unwrap().split_whitespace())
        .map(|words| words.map(str::to_string).collect())
        .collect();
    assert_eq!(commands.len(), 3, "{block}");
    assert_eq!(commands[0], ["smtp-sensor", "demo"]);
    let demo = cli::run(SMTP_SENSOR, &["demo"]).await;
    assert_eq!(demo.code, 0, "{demo:?}");

    let server = ScriptedServer::start(normal()).await;
    let port = server.port().to_string();
    let check: Vec<String> = commands[1][1..]
        .iter()
        .map(|word| match word.as_str() {
            "mail.example.com" => "127.0.0.1".to_string(),
            "25" => port.clone(),
            "starttls" => "none".to_string(),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(check[0], "check", "{check:?}");
    let args: Vec<&str> = check.iter().map(String::as_str).collect();
    let run = cli::run(SMTP_SENSOR, &args).await;
    assert_eq!(run.code, 0, "{run:?}");

    assert_eq!(
        commands[2],
        [
            "smtp-sensor",
            "serve",
            "--config",
            "/etc/smtp-sensor/sensors.toml"
        ]
    );
    let prober =
        smtp_sensor_tests::prober::Prober::start(SMTP_SENSOR, &packaged("sensors.toml"), &[]).await;
    let healthy = prober.get("/-/healthy").await;
    assert_eq!(healthy.status, 200, "{healthy:?}");
}

/// The round trip's alerting rules are rules Prometheus loads, on metrics the check writes,
/// and the page that shows them shows them as the file has them.
#[test]
fn round_trip_alerting_rules() {
    let rules = example("prometheus/roundtrip-rules.yml");
    promtool::check_rules(&rules).unwrap();
    let snapshot = read("../host/src/output/snapshots/prometheus/warning-delivered-to-spam");
    let text = read("prometheus/roundtrip-rules.yml");
    for line in text.lines().map(str::trim) {
        if let Some(expr) = line.strip_prefix("expr: ") {
            let family = expr.split(['{', ' ']).next().unwrap();
            assert!(
                snapshot.contains(&format!("\n{family}")),
                "{family} is no metric the check writes"
            );
        }
    }
    let page = read("../docs/prometheus.md");
    assert!(
        page.contains("expr: smtp_roundtrip_dkim_pass == 0"),
        "{page}"
    );
}
