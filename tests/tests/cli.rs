//! The `smtp-sensor` command line, as users and monitoring systems run it: exit codes,
//! output formats, and a clear error for every invalid setting before anything connects.

use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::server::{ScriptedServer, Step, normal, say};
use std::time::{Duration, Instant};

/// This package's fresh build of the CLI.
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

async fn check(args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    cli::run(SMTP_SENSOR, &all).await
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_settings_exit_3_naming_the_setting_before_connecting() {
    let server = ScriptedServer::start(normal()).await;
    let port = server.port().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["--host", "127.0.0.1", "--port", "0"], "--port"),
        (&["--host", "127.0.0.1", "--port", "70000"], "--port"),
        (&["--host", "127.0.0.1", "--port", "-1"], "--port"),
        (
            &["--host", "127.0.0.1", "--port", &port, "--timeout", "0"],
            "--timeout",
        ),
        (
            &["--host", "127.0.0.1", "--port", &port, "--timeout", "901"],
            "--timeout",
        ),
        (
            &["--host", "127.0.0.1", "--port", &port, "--timeout", "ten"],
            "--timeout",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--helo",
                "prüfer.example",
            ],
            "--helo",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--helo",
                "a\r\nMAIL FROM:<x@y>",
            ],
            "--helo",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--helo",
                "two words",
            ],
            "--helo",
        ),
        (
            &["--host", "127.0.0.1", "--port", &port, "--helo", ""],
            "--helo",
        ),
        (&["--host", "", "--port", &port], "--host"),
        (&["--host", "mail example", "--port", &port], "--host"),
        (
            &["--host", "127.0.0.1", "--port", &port, "--security", "ssl"],
            "--security",
        ),
        (
            &["--host", "127.0.0.1", "--port", &port, "--format", "xml"],
            "--format",
        ),
        (&["--port", &port], "--host"),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--tls-ca",
                "/nonexistent/ca.pem",
            ],
            "--tls-ca",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--tls-ca",
                "/etc/hostname",
            ],
            "--tls-ca",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--tls-server-name",
                "not a name",
            ],
            "--tls-server-name",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--cert-warning",
                "7",
                "--cert-critical",
                "10",
            ],
            "--cert-critical",
        ),
        (
            &[
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--cert-warning",
                "-1",
            ],
            "--cert-warning",
        ),
    ];
    for (args, flag) in cases {
        let run = check(args).await;
        assert_eq!(run.code, 3, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(flag),
            "{args:?} should name {flag}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(
        server.connections(),
        0,
        "an invalid setting must stop the check before it connects"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn up_is_exit_0_with_json() {
    let server = ScriptedServer::start(normal()).await;
    let run = cli::check_loopback(SMTP_SENSOR, server.port(), "none", &["--format", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    assert_eq!(json["status"], "up");
    assert_eq!(json["channels"][0]["name"], "Response Time");
    assert_eq!(json["channels"][0]["unit"], "ms");
    assert!(json["channels"][0]["value"].as_f64().unwrap() > 0.0);
    assert_eq!(json["banner"]["code"], 220);
    assert_eq!(json["capabilities"][0]["keyword"], "PIPELINING");
    assert_eq!(json["last_reply"]["code"], 221);
    assert_eq!(json["timings"][0]["phase"], "connect");
    assert!(json["failure"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_port_is_exit_2_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let run = cli::check_loopback(SMTP_SENSOR, port, "none", &["--format", "json"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["status"], "down");
    assert!(json["message"].as_str().unwrap().contains("refused"));
    assert_eq!(json["failure"]["kind"], "connection-refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_server_is_down_within_the_timeout() {
    let server = ScriptedServer::start(vec![Step::Stall]).await;
    // Like a monitoring system, run it once first: later runs load the compiled component
    // from the cache instead of compiling it, as they do in production.
    cli::run(
        SMTP_SENSOR,
        &[
            "check",
            "--host",
            "127.0.0.1",
            "--port",
            "1",
            "--security",
            "none",
        ],
    )
    .await;
    let started = Instant::now();
    let run = cli::check_loopback(SMTP_SENSOR, server.port(), "none", &["--timeout", "2"]).await;
    let took = started.elapsed();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.starts_with("DOWN: "), "{}", run.stdout);
    assert!(run.stdout.contains("timed out after 2 s"), "{}", run.stdout);
    assert!(took < Duration::from_secs(3), "the whole run took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn transcript_on_request() {
    let server = ScriptedServer::start(normal()).await;
    let extra = ["--helo", "probe.test", "--transcript"];
    let run = cli::check_loopback(SMTP_SENSOR, server.port(), "none", &extra).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("C: EHLO probe.test"), "{}", run.stdout);
    assert!(
        run.stdout.contains("S: 220 test.example ESMTP scripted"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unresolvable_name_is_down() {
    // Run in a network namespace of its own, with no route anywhere: the lookup fails
    // without a single packet leaving this machine.
    let unshare = std::process::Command::new("unshare")
        .args(["-rn", "true"])
        .status();
    assert!(
        matches!(unshare, Ok(s) if s.success()),
        "this test needs `unshare -rn` (util-linux, user namespaces) to keep DNS traffic in"
    );
    let args = [
        "-rn",
        SMTP_SENSOR,
        "check",
        "--host",
        "no-such-host.invalid",
        "--port",
        "25",
    ];
    let run = cli::run(
        "unshare",
        &[&args[..], &["--security", "none", "--format", "json"]].concat(),
    )
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["failure"]["phase"], "name-lookup");
    assert_eq!(json["failure"]["kind"], "name-lookup-failed");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("no-such-host.invalid"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_an_up_check() {
    let run = cli::run(SMTP_SENSOR, &["demo"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("UP: 127.0.0.1:"), "{}", run.stdout);
    assert!(run.stdout.contains("Response Time"), "{}", run.stdout);
    assert!(run.stdout.contains("C: EHLO "), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_component_file_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("not-a-component-{}.wasm", std::process::id()));
    std::fs::write(&path, b"\0asm garbage").unwrap();
    let run = check(&[
        "--host",
        "127.0.0.1",
        "--security",
        "none",
        "--component",
        path.to_str().unwrap(),
    ])
    .await;
    std::fs::remove_file(&path).ok();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("not a usable smtp-sensor component"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_component_is_written_for_other_hosts() {
    let dir = std::env::temp_dir().join(format!("smtp-sensor-component-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("smtp-sensor.wasm");
    let run = cli::run(
        SMTP_SENSOR,
        &["component", "--output", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read(&path).unwrap();
    assert_eq!(
        written,
        smtp_sensor_host::engine::runner::PORTABLE_COMPONENT
    );
    assert!(
        run.stderr.contains(&format!("{} bytes", written.len())),
        "{}",
        run.stderr
    );
    // What was written is a component our own host runs.
    smtp_sensor_host::engine::runner::Runner::from_bytes(&written).expect("a usable component");
    // ... and any WASI 0.2 host: it imports WASI and nothing else (no `signatures`, which
    // the embedded check leaves to our host), and exports the check.
    let world = |bytes: &[u8]| {
        let wit_parser::decoding::DecodedWasm::Component(resolve, world) =
            wit_parser::decoding::decode(bytes).expect("a component")
        else {
            panic!("not a component");
        };
        let world = &resolve.worlds[world];
        let names = |keys: Vec<&wit_parser::WorldKey>| -> Vec<String> {
            keys.into_iter()
                .map(|key| resolve.name_world_key(key))
                .collect()
        };
        (
            names(world.imports.keys().collect()),
            names(world.exports.keys().collect()),
        )
    };
    let (imports, exports) = world(&written);
    // (The decoded world also lists the contract's types, which it `use`s.)
    let not_types = |name: &&String| {
        !name.starts_with("smtp-sensor:probe/types@")
            && !["settings", "check-result"].contains(&name.as_str())
    };
    assert!(
        imports
            .iter()
            .filter(not_types)
            .all(|name| name.starts_with("wasi:")),
        "{imports:?}"
    );
    assert_eq!(exports, ["check"]);
    let (embedded_imports, _) = world(smtp_sensor_host::engine::runner::EMBEDDED_COMPONENT);
    assert!(
        embedded_imports
            .iter()
            .any(|name| name.starts_with("smtp-sensor:probe/signatures")),
        "{embedded_imports:?}"
    );

    let nowhere = dir.join("missing").join("smtp-sensor.wasm");
    let run = cli::run(
        SMTP_SENSOR,
        &["component", "--output", nowhere.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("cannot write --output"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Thresholds as Nagios users type them: a bare number is seconds (check_smtp's `-w 5`).
/// A banner dripped over about 350 ms is slower than `--warning 0.2` and faster than
/// `--critical 30`.
#[tokio::test(flavor = "multi_thread")]
async fn bare_numbers_are_seconds_as_in_check_smtp() {
    let slow_banner = Step::Drip(b"220 mail.test\r\n".to_vec(), Duration::from_millis(25));
    let server = ScriptedServer::start(vec![
        slow_banner,
        Step::Read,
        say("250 mail.test\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ])
    .await;
    let run = cli::check_loopback(
        SMTP_SENSOR,
        server.port(),
        "none",
        &["--warning", "0.2", "--critical", "30", "--format", "nagios"],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("200 ms"), "{}", run.stdout);
    assert!(
        run.stdout.contains("'Response Time'=") && run.stdout.contains(";0.2;30;"),
        "the thresholds in seconds in the perfdata: {}",
        run.stdout
    );
}

/// `--timeout` takes what the thresholds take (`5s`, `1m`, or a bare number of seconds),
/// in whole seconds: `1500ms` is refused naming the flag and the fix, before connecting.
#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_takes_durations_in_whole_seconds() {
    for timeout in ["5s", "1m", "5"] {
        let server = ScriptedServer::start(normal()).await;
        let run =
            cli::check_loopback(SMTP_SENSOR, server.port(), "none", &["--timeout", timeout]).await;
        assert_eq!(run.code, 0, "--timeout {timeout}: {run:?}");
    }
    let server = ScriptedServer::start(normal()).await;
    for (timeout, fix) in [("1500ms", "2s"), ("0.5", "1s"), ("16m", "1 to 900")] {
        let run =
            cli::check_loopback(SMTP_SENSOR, server.port(), "none", &["--timeout", timeout]).await;
        assert_eq!(run.code, 3, "--timeout {timeout}: {run:?}");
        assert!(
            run.stderr.contains("--timeout"),
            "{timeout}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(fix), "{timeout}: {}", run.stderr);
    }
    assert_eq!(server.connections(), 0);
}

/// A server of implicit TLS presenting `leaf`: banner, EHLO, QUIT.
async fn implicit_tls_server(leaf: &smtp_sensor_host::demo::pki::Leaf) -> ScriptedServer {
    let dialogue = vec![
        say("220 mail.test ESMTP\r\n"),
        Step::Read,
        say("250 mail.test\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ];
    ScriptedServer::start_tls(leaf.server_config(&[]), dialogue).await
}

/// `--tls-roots system` hands the operating system's CAs to the check (here the test CA,
/// as `SSL_CERT_FILE` names it, which is where the system's roots are read from when
/// set); the built-in Mozilla roots alone do not trust it.
#[tokio::test(flavor = "multi_thread")]
async fn tls_roots_system_trusts_what_the_system_trusts() {
    use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
    let ca = Ca::new("smtp-sensor system roots test CA");
    let leaf = ca.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    let server = implicit_tls_server(&leaf).await;
    let bundle = std::env::temp_dir().join(format!("smtp-sensor-roots-{}.pem", server.port()));
    std::fs::write(&bundle, ca.pem()).unwrap();
    let port = server.port().to_string();
    let env = [("SSL_CERT_FILE", bundle.to_str().unwrap())];
    let run = |roots: &'static str| {
        let port = port.clone();
        async move {
            let args = [
                &cli::loopback_check(&port, "tls")[..],
                &["--tls-roots", roots, "--format", "json"],
            ]
            .concat();
            cli::run_with_env(SMTP_SENSOR, &args, &env).await
        }
    };
    let system = run("system").await;
    assert_eq!(system.code, 0, "{system:?}");
    let both = run("both").await;
    assert_eq!(both.code, 0, "{both:?}");
    let mozilla = run("mozilla").await;
    let _ = std::fs::remove_file(&bundle);
    assert_eq!(mozilla.code, 2, "{mozilla:?}");
    assert_eq!(mozilla.json()["failure"]["kind"], "certificate-rejected");
}

/// One certificate the system store holds that webpki cannot parse costs that certificate,
/// not every check: it is skipped and said once with the count. A check that verifies no
/// certificate (`--security none`) reads no store, so a machine without a CA bundle runs
/// it; one that does gets an error naming `--tls-roots` when the store has no usable CA.
#[tokio::test(flavor = "multi_thread")]
async fn an_odd_system_certificate_breaks_nothing() {
    use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
    use smtp_sensor_tests::scratch::Scratch;
    let ca = Ca::new("smtp-sensor odd system store test CA");
    let leaf = ca.issue(&LeafSpec::valid_for(&["127.0.0.1"]));
    let server = implicit_tls_server(&leaf).await;
    let store = Scratch::new("odd-system-store");
    store.write("test-ca.pem", &ca.pem());
    // A well-formed PEM block whose DER is no certificate webpki reads.
    store.write(
        "odd.pem",
        "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n",
    );
    let dir = store.path().to_str().unwrap().to_string();
    let missing = store.path().join("missing").to_str().unwrap().to_string();
    let port = server.port().to_string();
    let args = [
        &cli::loopback_check(&port, "tls")[..],
        &["--tls-roots", "system", "--format", "json"],
    ]
    .concat();
    let env = [
        ("SSL_CERT_DIR", dir.as_str()),
        ("SSL_CERT_FILE", missing.as_str()),
    ];
    let run = cli::run_with_env(SMTP_SENSOR, &args, &env).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr
            .matches("skipped 1 of this system's 2 trusted CA certificates")
            .count(),
        1,
        "said once: {run:?}"
    );

    // No store at all: a plain-text check runs; a verifying one names the setting.
    let plain = ScriptedServer::start(normal()).await;
    let plain_port = plain.port().to_string();
    let args = [
        &cli::loopback_check(&plain_port, "none")[..],
        &["--tls-roots", "system"],
    ]
    .concat();
    let env = [
        ("SSL_CERT_DIR", missing.as_str()),
        ("SSL_CERT_FILE", missing.as_str()),
    ];
    let run = cli::run_with_env(SMTP_SENSOR, &args, &env).await;
    assert_eq!(run.code, 0, "{run:?}");
    let args = [
        &cli::loopback_check(&port, "tls")[..],
        &["--tls-roots", "system"],
    ]
    .concat();
    let run = cli::run_with_env(SMTP_SENSOR, &args, &env).await;
    assert!(
        run.code != 0 && run.stderr.contains("--tls-roots"),
        "{run:?}"
    );
}

/// A `tls-if-available` fallback whose plain-text reconnect fails still says why TLS was
/// given up, beside why the reconnect failed, and names the address that answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_fallback_keeps_why_tls_was_given_up() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // One connection that speaks plain text where TLS belongs; then the port is closed, so
    // the reconnect in plain text is refused.
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        drop(listener);
        stream
            .write_all(b"220 mail.test ESMTP plain only\r\n")
            .unwrap();
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
    });
    let port = port.to_string();
    let args = [
        &cli::loopback_check(&port, "tls-if-available")[..],
        &["--format", "json"],
    ]
    .concat();
    let run = cli::run(SMTP_SENSOR, &args).await;
    server.join().unwrap();
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    let message = json["message"].as_str().unwrap();
    assert_eq!(json["failure"]["kind"], "connection-refused", "{message}");
    assert!(
        message.contains("connection refused")
            && message.contains("after implicit TLS failed: the server answered in plain text"),
        "{message}"
    );
    assert_eq!(
        json["remote_address"],
        format!("127.0.0.1:{port}"),
        "{json}"
    );
}

/// PRTG keeps a Downtime channel for every sensor and fills it from the status the script
/// sets, so neither PRTG format sends one of its own; Nagios perfdata keeps it.
#[tokio::test(flavor = "multi_thread")]
async fn prtg_formats_leave_downtime_to_prtg() {
    let port = smtp_sensor_tests::server::free_port([127, 0, 0, 2]).to_string();
    let check = |format: &'static str| {
        let port = port.clone();
        async move {
            let args = [
                "check",
                "--host",
                "127.0.0.2",
                "--port",
                &port,
                "--security",
                "none",
                "--format",
                format,
            ];
            cli::run(SMTP_SENSOR, &args).await
        }
    };
    let prtg = check("prtg").await;
    assert!(prtg.stdout.contains("\"error\":1"), "{prtg:?}");
    assert!(!prtg.stdout.contains("Downtime"), "{}", prtg.stdout);
    let v2 = check("prtg-v2").await;
    assert!(v2.stdout.contains("\"status\":\"error\""), "{v2:?}");
    assert!(!v2.stdout.contains("Downtime"), "{}", v2.stdout);
    let nagios = check("nagios").await;
    assert!(
        nagios.stdout.contains("'Downtime'=100%"),
        "{}",
        nagios.stdout
    );
}
