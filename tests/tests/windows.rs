//! `smtp-sensor.exe`, the build for PRTG's Windows probes, run under Wine against a Postfix on
//! loopback as a PRTG probe runs it. The `.exe` is what `scripts/dist` put in `dist/`, so these
//! tests are ignored in a plain `cargo test` (they say so in its list); `.ci/run` runs them
//! after `scripts/dist` with `--ignored`.

use serde_json::Value;
use smtp_sensor_tests::cli::{Run, loopback_check};
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::Prober;
use smtp_sensor_tests::prtg::assert_script_v2;
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, Step, normal};
use smtp_sensor_tests::wine::{Wine, windows_path};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `.exe` that `scripts/dist` made.
fn exe() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/smtp-sensor.exe");
    assert!(
        path.exists(),
        "{} is missing: run scripts/dist first",
        path.display()
    );
    path
}

fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "PRTG's formats always exit 0: {run:?}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

async fn start() -> (Wine, Postfix, String) {
    let wine = tokio::task::spawn_blocking(|| Wine::start().expect("a Wine prefix"));
    let postfix =
        tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()).unwrap());
    let (postfix, ca) = postfix.await.unwrap();
    (wine.await.unwrap(), postfix, windows_path(Path::new(&ca)))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/smtp-sensor.exe and Wine: .ci/run runs it after scripts/dist"]
async fn the_exe_checks_postfix_in_plain_starttls_and_implicit_tls_for_prtg() {
    let (wine, postfix, ca) = start().await;
    let (port, tls_port) = (postfix.port().to_string(), postfix.tls_port().unwrap());
    let tls_port = tls_port.to_string();
    let exe = exe();
    for (port, security) in [(&port, "none"), (&port, "starttls"), (&tls_port, "tls")] {
        let args = |format: &'static str| {
            let extra = ["--tls-ca", &ca, "--format", format];
            [&loopback_check(port, security)[..], &extra[..]].concat()
        };
        let prtg = json(&wine.run(&exe, &args("prtg"), &[]).await);
        assert!(prtg["prtg"].get("error").is_none(), "{security}: {prtg}");
        assert_eq!(prtg["prtg"]["result"][0]["channel"], "Response Time");
        let text = prtg["prtg"]["text"].as_str().unwrap();
        assert!(text.contains("220 "), "{security}: the banner in {text}");
        let channels: Vec<&str> = prtg["prtg"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["channel"].as_str().unwrap())
            .collect();
        let encrypted = channels.contains(&"TLS Handshake");
        assert_eq!(encrypted, security != "none", "{security}: {channels:?}");
        let run = wine.run(&exe, &args("prtg-v2"), &[]).await;
        assert_eq!(json(&run)["status"], "ok", "{security}: {run:?}");
        assert_script_v2(&run.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/smtp-sensor.exe and Wine: .ci/run runs it after scripts/dist"]
async fn a_refused_port_is_prtg_s_error_json_with_exit_0() {
    let wine = tokio::task::spawn_blocking(|| Wine::start().unwrap())
        .await
        .unwrap();
    let args = [
        "check",
        "--host",
        "127.0.0.2",
        "--port",
        "2525",
        "--security",
        "none",
        "--format",
    ];
    let prtg = json(
        &wine
            .run(&exe(), &[&args[..], &["prtg"]].concat(), &[])
            .await,
    );
    assert_eq!(prtg["prtg"]["error"], 1, "{prtg}");
    let text = prtg["prtg"]["text"].as_str().unwrap();
    assert!(text.contains("127.0.0.2"), "{text}");
    let run = wine
        .run(&exe(), &[&args[..], &["prtg-v2"]].concat(), &[])
        .await;
    assert_script_v2(&run.stdout);
    assert_eq!(json(&run)["status"], "error");
}

/// The cache's entries (compiled components) under the prefix's `%LOCALAPPDATA%`, with the
/// times they were written.
fn cached(wine: &Wine) -> Vec<(PathBuf, std::time::SystemTime)> {
    let dir = wine
        .drive_c()
        .join("users")
        .read_dir()
        .unwrap()
        .map(|user| user.unwrap().path().join("AppData/Local/smtp-sensor/cache"))
        .find(|dir| dir.is_dir());
    let Some(dir) = dir else { return Vec::new() };
    dir.read_dir()
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let written = path.metadata().unwrap().modified().unwrap();
            (path, written)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/smtp-sensor.exe and Wine: .ci/run runs it after scripts/dist"]
async fn store_result_writes_prtg_s_files_and_the_second_run_loads_the_cache() {
    let (wine, postfix, _ca) = start().await;
    let port = postfix.port().to_string();
    let base = loopback_check(&port, "none");
    // A probe's data directory, where PRTG made it; PRTG's sensor ID as an environment value.
    let data = wine
        .drive_c()
        .join("ProgramData/Paessler/PRTG Network Monitor");
    std::fs::create_dir_all(&data).unwrap();
    assert!(cached(&wine).is_empty());
    let args = [&base[..], &["--store-result", "--format", "prtg"]].concat();
    let first = wine.run(&exe(), &args, &[("prtg_sensorid", "2044")]).await;
    assert!(json(&first)["prtg"].get("error").is_none(), "{first:?}");
    let stored = data.join("Logs/sensors");
    let summary = std::fs::read_to_string(stored.join("Result of Sensor 2044.txt")).unwrap();
    assert!(summary.starts_with("UP: 127.0.0.1:"), "{summary}");
    let transcript =
        std::fs::read_to_string(stored.join("Result of Sensor 2044.Data.txt")).unwrap();
    assert!(transcript.contains("Last response: 221"), "{transcript}");
    // The compiled component is now cached under %LOCALAPPDATA%.
    let after_first = cached(&wine);
    assert_eq!(after_first.len(), 1, "{after_first:?}");
    // A folder given as a Windows path, and the ID as a flag; this run loads the cache: it
    // would otherwise compile and write the entry anew.
    let folder = wine.drive_c().join("sensor results");
    std::fs::create_dir_all(&folder).unwrap();
    let args = [
        &base[..],
        &[
            "--store-result",
            "C:\\sensor results",
            "--sensor-id",
            "7",
            "--format",
            "prtg-v2",
        ],
    ]
    .concat();
    let second = wine.run(&exe(), &args, &[]).await;
    assert_eq!(json(&second)["status"], "ok", "{second:?}");
    assert!(folder.join("Result of Sensor 7.txt").exists());
    assert!(folder.join("Result of Sensor 7.Data.txt").exists());
    assert_eq!(
        cached(&wine),
        after_first,
        "the second run loaded the cached entry"
    );
    // Without PRTG's data directory, the bare flag says what to give.
    std::fs::remove_dir_all(&data).unwrap();
    let args = [&base[..], &["--store-result", "--format", "prtg"]].concat();
    let refused = json(&wine.run(&exe(), &args, &[("prtg_sensorid", "2044")]).await);
    let text = refused["prtg"]["text"].as_str().unwrap();
    assert!(
        text.contains("--store-result") && text.contains("PRTG data directory"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/smtp-sensor.exe and Wine: .ci/run runs it after scripts/dist"]
async fn demo_runs_under_wine() {
    let wine = tokio::task::spawn_blocking(|| Wine::start().unwrap())
        .await
        .unwrap();
    let run = wine.run(&exe(), &["demo"], &[]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("TLSv1.3"), "{}", run.stdout);
    let version = wine.run(&exe(), &["--version"], &[]).await;
    assert!(version.stdout.contains("wasmtime 48."), "{version:?}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/smtp-sensor.exe and Wine: .ci/run runs it after scripts/dist"]
async fn serve_reloads_over_http_and_drains_an_in_flight_probe_on_ctrl_c() {
    let wine = tokio::task::spawn_blocking(|| Wine::start().unwrap())
        .await
        .unwrap();
    // A server that takes two and a half seconds to greet: the probe is in flight when the
    // prober is told to stop.
    let banner = b"220 slow.example ESMTP\r\n".to_vec();
    let mut script = vec![Step::Drip(banner, Duration::from_millis(100))];
    script.extend(normal().into_iter().skip(1));
    let server = ScriptedServer::start(script).await;
    let scratch = Scratch::new("wine-serve");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.smtp]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let wrapper = wine.wrapper();
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    let exe = exe();
    let config = PathBuf::from(windows_path(&config));
    let mut prober = Prober::start_wrapped(&wrapper, exe.to_str().unwrap(), &config, &[]).await;
    let client = prober.client();
    // No SIGHUP on Windows: POST /-/reload is the way.
    let reload = client.request("POST", "/-/reload", &[]).await;
    assert_eq!(reload.status, 200, "{reload:?}");
    let target = format!("127.0.0.1:{}", server.port());
    let probe = tokio::spawn(async move { client.probe(&target, "smtp", &[]).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Wine delivers SIGINT to a console program as Ctrl-C.
    prober.signal("INT").await;
    let response = probe.await.unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    assert!(
        response.body.contains("probe_success 1"),
        "{}",
        response.body
    );
    assert_eq!(
        prober.wait(Duration::from_secs(30)).await,
        Some(0),
        "{}",
        prober.log()
    );
    let log = prober.log();
    assert!(log.contains("signal=Ctrl-C"), "{log}");
    assert!(log.contains("trigger=\"POST /-/reload\""), "{log}");
}
