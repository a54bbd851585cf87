//! `smtp-sensor serve`, the Prometheus prober, as a process on loopback: probes of Postfix
//! and of scripted servers, the target allowlist, deadlines under load, reloads, draining,
//! and the web configuration (TLS, basic auth). Only loopback is ever probed; 127.0.0.2 is
//! the target outside a module's list, and a server listens there to prove nothing came.

use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::{Client, Prober, starttls_module};
use smtp_sensor_tests::promtool;
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, Step, free_port, normal};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// A module for plain SMTP servers on 127.0.0.1 (any port).
const PLAIN_MODULE: &str = "[sensors.plain]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:*\"]\n";

/// A server that accepts and never says a word.
async fn silent_server() -> ScriptedServer {
    ScriptedServer::start(vec![Step::Stall]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn probes_postfix_over_starttls_and_refuses_targets_outside_the_list() {
    let (postfix, ca_file) =
        tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()))
            .await
            .unwrap()
            .expect("start Postfix");
    let scratch = Scratch::new("serve");
    let config = scratch.write("sensors.toml", &starttls_module("starttls", &ca_file));
    let prober = Prober::start(SMTP_SENSOR, &config, &[]).await;
    let outside = ScriptedServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), normal()).await;

    let target = format!("127.0.0.1:{}", postfix.port());
    let up = prober.probe(&target, "starttls", &[]).await;
    assert_eq!(up.status, 200, "{up:?}\n{}", prober.log());
    assert!(
        up.headers.contains("text/plain; version=0.0.4"),
        "{}",
        up.headers
    );
    assert_eq!(up.sample("probe_success"), Some(1.0), "{}", up.body);
    assert_eq!(
        up.sample("smtp_tls_certificate_verified"),
        Some(1.0),
        "{}",
        up.body
    );
    assert!(
        up.body
            .contains("probe_tls_version_info{version=\"TLS 1.3\"} 1"),
        "{}",
        up.body
    );
    // The address connected to, as blackbox_exporter reports 127.0.0.1.
    assert_eq!(up.sample("probe_ip_protocol"), Some(4.0), "{}", up.body);
    assert_eq!(
        up.sample("probe_ip_addr_hash"),
        Some(3668918509.0),
        "{}",
        up.body
    );
    assert!(!up.body.contains("# |"), "no transcript without debug");
    promtool::check_metrics(&up.body).unwrap();

    let closed = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]));
    let down = prober.probe(&closed, "starttls", &[]).await;
    assert_eq!(down.status, 200, "{down:?}");
    assert_eq!(down.sample("probe_success"), Some(0.0), "{}", down.body);
    assert!(
        down.body.contains("smtp_failure_info{phase=\"connect\""),
        "{}",
        down.body
    );

    let forbidden = format!("127.0.0.2:{}", outside.port());
    let refused = prober.probe(&forbidden, "starttls", &[]).await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(refused.body.contains("may not probe"), "{}", refused.body);
    assert_eq!(
        outside.connections(),
        0,
        "no traffic to a target outside the list"
    );

    let unknown = prober.probe(&target, "nosuch", &[]).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("starttls"),
        "names the modules: {}",
        unknown.body
    );
    let bad = prober
        .get("/probe?target=127.0.0.1:25&module=starttls&extra=1")
        .await;
    assert_eq!(bad.status, 400);

    let debug = prober
        .get(&format!(
            "/probe?target={target}&module=starttls&debug=true"
        ))
        .await;
    assert!(debug.body.contains("# |"), "{}", debug.body);
    assert!(
        debug.body.contains("S: 220"),
        "the transcript: {}",
        debug.body
    );
    promtool::check_metrics(&debug.body).unwrap();

    let metrics = prober.get("/metrics").await;
    for line in [
        "smtp_sensor_probes_total{module=\"starttls\",result=\"success\"} 2",
        "smtp_sensor_probes_total{module=\"starttls\",result=\"failure\"} 1",
        "smtp_sensor_probes_total{module=\"starttls\",result=\"forbidden\"} 1",
        "smtp_sensor_bad_requests_total 2",
        "smtp_sensor_component_instantiations_total 3",
        "smtp_sensor_probe_duration_seconds_count 3",
        "smtp_sensor_probes_in_flight 0",
        "smtp_sensor_probe_slots 256",
        // Which build answers: this crate's version and the component embedded in it.
        &format!(
            "smtp_sensor_build_info{{version=\"{}\",component_sha256=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            smtp_sensor_host::engine::runner::EMBEDDED_COMPONENT_SHA256
        ),
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "{line}:\n{}",
            metrics.body
        );
    }
    promtool::check_metrics(&metrics.body).unwrap();

    let page = prober.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<td>starttls</td>"), "{}", page.body);
    assert!(
        page.body.contains(&closed),
        "the recent probes: {}",
        page.body
    );
    let logs = prober.get("/logs?id=1").await;
    assert!(logs.body.contains("S: 220"), "{}", logs.body);
    assert!(
        prober.log().contains("msg=probe module=starttls"),
        "{}",
        prober.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_256_probes_a_quarter_silent_all_answer_in_time_and_the_healthy_stay_fast() {
    let healthy = ScriptedServer::start(normal()).await;
    let silent = silent_server().await;
    let scratch = Scratch::new("serve-load");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.plain]\nsecurity = \"none\"\ntimeout = 3\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let prober = std::sync::Arc::new(Prober::start(SMTP_SENSOR, &config, &[]).await);
    let started = Instant::now();
    let probes: Vec<_> = (0..256)
        .map(|i| {
            let prober = std::sync::Arc::clone(&prober);
            let quiet = i % 4 == 0;
            let port = if quiet { silent.port() } else { healthy.port() };
            tokio::spawn(async move {
                let sent = Instant::now();
                let response = prober
                    .probe(&format!("127.0.0.1:{port}"), "plain", &[])
                    .await;
                (quiet, response, sent.elapsed())
            })
        })
        .collect();
    let mut fast = Vec::new();
    for probe in probes {
        let (quiet, response, took) = probe.await.unwrap();
        assert_eq!(response.status, 200, "{response:?}");
        let expected = if quiet { 0.0 } else { 1.0 };
        assert_eq!(
            response.sample("probe_success"),
            Some(expected),
            "{}",
            response.body
        );
        // The silent ones end at their 3 s timeout (plus the host's margin at most).
        assert!(
            took < Duration::from_millis(4500),
            "{took:?}: {}",
            response.body
        );
        if quiet {
            assert!(
                response.body.contains("kind=\"timeout\""),
                "{}",
                response.body
            );
        } else {
            fast.push(took);
        }
    }
    fast.sort();
    let slowest = *fast.last().unwrap();
    assert!(
        slowest < Duration::from_secs(2),
        "a healthy probe waited behind the silent ones: slowest {slowest:?}, median {:?}",
        fast[fast.len() / 2]
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(healthy.connections(), 192);
    let metrics = prober.get("/metrics").await;
    assert!(
        metrics
            .body
            .contains("smtp_sensor_probes_total{module=\"plain\",result=\"failure\"} 64"),
        "{}",
        metrics.body
    );
}

/// glibc's malloc keeps what a burst of probes freed in its arenas; an idle prober gives it
/// back within a period. The tests' prober is a glibc build (the static musl build's
/// dlmalloc gives back the top of its heap by itself).
#[cfg(target_env = "gnu")]
#[tokio::test(flavor = "multi_thread")]
async fn after_a_burst_an_idle_prober_gives_the_freed_heap_back() {
    use smtp_sensor_host::serve::HEAP_RELEASE_PERIOD;
    const BURST: usize = 200;
    let silent = silent_server().await;
    let scratch = Scratch::new("serve-heap");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.plain]\nsecurity = \"none\"\ntimeout = 1\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let prober = std::sync::Arc::new(Prober::start(SMTP_SENSOR, &config, &[]).await);
    let target = format!("127.0.0.1:{}", silent.port());
    let before = prober.resident_bytes();
    let probes: Vec<_> = (0..BURST)
        .map(|_| {
            let prober = std::sync::Arc::clone(&prober);
            let target = target.clone();
            tokio::spawn(async move { prober.probe(&target, "plain", &[]).await })
        })
        .collect();
    for probe in probes {
        let response = probe.await.unwrap();
        assert_eq!(
            response.sample("probe_success"),
            Some(0.0),
            "{}",
            response.body
        );
    }
    let after_burst = prober.resident_bytes();
    let grown = after_burst.saturating_sub(before);
    assert!(
        grown > 8 << 20,
        "the burst grew the prober by only {grown} bytes"
    );
    // The pool keeps its slots' pages (64 of the 200 probes), so not all of it can go.
    // Measured: without the release the prober kept all it grew (at 400 probes, 43 MiB of
    // 43); with it, at 200 probes, 38 MiB went down to 31 within a period.
    let deadline = Instant::now() + 3 * HEAP_RELEASE_PERIOD;
    let mut idle = after_burst;
    while idle > after_burst - grown / 8 {
        assert!(
            Instant::now() < deadline,
            "idle for {:?}, the prober still holds {} MiB (before the burst {}, after it {})",
            3 * HEAP_RELEASE_PERIOD,
            idle >> 20,
            before >> 20,
            after_burst >> 20
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        idle = prober.resident_bytes();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scrape_timeout_and_a_full_prober_bound_a_probe() {
    let silent = silent_server().await;
    let healthy = ScriptedServer::start(normal()).await;
    let scratch = Scratch::new("serve-deadline");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.plain]\nsecurity = \"none\"\ntimeout = 30\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let prober = std::sync::Arc::new(
        Prober::start(SMTP_SENSOR, &config, &["--max-concurrent-probes", "1"]).await,
    );
    // The only slot is taken by a probe of the silent server...
    let holder = {
        let prober = std::sync::Arc::clone(&prober);
        let target = format!("127.0.0.1:{}", silent.port());
        tokio::spawn(async move {
            let sent = Instant::now();
            let response = prober
                .probe(
                    &target,
                    "plain",
                    &[("X-Prometheus-Scrape-Timeout-Seconds", "2.5")],
                )
                .await;
            (response, sent.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ... so this one waits, and gives up at its own deadline, saying why.
    let sent = Instant::now();
    let queued = prober
        .probe(
            &format!("127.0.0.1:{}", healthy.port()),
            "plain",
            &[("X-Prometheus-Scrape-Timeout-Seconds", "1")],
        )
        .await;
    let waited = sent.elapsed();
    assert_eq!(queued.sample("probe_success"), Some(0.0), "{}", queued.body);
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    assert_eq!(healthy.connections(), 0, "it never ran");
    let logs = prober.get("/logs?id=1").await;
    assert!(logs.body.contains("slots"), "{}", logs.body);

    // The silent probe ends within the scrape timeout less 0.5 s, not at the module's 30 s,
    // and the component's own deadline (a second before) says what ran out of time.
    let (held, took) = holder.await.unwrap();
    assert_eq!(held.sample("probe_success"), Some(0.0), "{}", held.body);
    assert!(
        held.body.contains("kind=\"timeout\""),
        "the component's own timeout, not the host's stop: {}",
        held.body
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2000),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reloads_take_a_good_file_and_keep_the_old_one_for_a_bad_one() {
    let healthy = ScriptedServer::start(normal()).await;
    let scratch = Scratch::new("serve-reload");
    let one = "[sensors.a]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:*\"]\n";
    let config = scratch.write("sensors.toml", one);
    let prober = Prober::start(SMTP_SENSOR, &config, &["--log.format", "json"]).await;
    let target = format!("127.0.0.1:{}", healthy.port());
    assert_eq!(prober.probe(&target, "b", &[]).await.status, 400);

    scratch.write(
        "sensors.toml",
        &format!("{one}\n[sensors.b]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:*\"]\n"),
    );
    let reloaded = prober.request("POST", "/-/reload", &[]).await;
    assert_eq!(reloaded.status, 200, "{reloaded:?}");
    assert_eq!(
        prober
            .probe(&target, "b", &[])
            .await
            .sample("probe_success"),
        Some(1.0)
    );

    scratch.write("sensors.toml", "[sensors.b]\nport = \"many\"\n");
    let refused = prober.request("POST", "/-/reload", &[]).await;
    assert_eq!(refused.status, 500);
    assert!(refused.body.contains("sensors.b.port"), "{}", refused.body);
    prober.signal("HUP").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        prober
            .probe(&target, "b", &[])
            .await
            .sample("probe_success"),
        Some(1.0)
    );
    let metrics = prober.get("/metrics").await;
    assert!(
        metrics
            .body
            .contains("smtp_sensor_config_last_reload_successful 0"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("smtp_sensor_config_reloads_total{result=\"failure\"} 2"),
        "{}",
        metrics.body
    );
    let log = prober.log();
    let failed = log
        .lines()
        .filter(|l| l.contains("\"msg\":\"configuration reload failed"))
        .count();
    assert_eq!(failed, 2, "{log}");
    assert!(log.contains("\"trigger\":\"SIGHUP\""), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_in_flight_probes_finish_then_exits() {
    let silent = silent_server().await;
    let scratch = Scratch::new("serve-drain");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.plain]\nsecurity = \"none\"\ntimeout = 2\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let mut prober = Prober::start(SMTP_SENSOR, &config, &[]).await;
    let addr = prober.addr;
    let target = format!("127.0.0.1:{}", silent.port());
    let in_flight = {
        let request = format!("/probe?target={target}&module=plain");
        let client = prober.client();
        tokio::spawn(async move { client.get(&request).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    prober.signal("TERM").await;
    let answered = in_flight.await.unwrap();
    assert_eq!(answered.status, 200, "{answered:?}");
    assert_eq!(answered.sample("probe_success"), Some(0.0));
    assert_eq!(
        prober.wait(Duration::from_secs(5)).await,
        Some(0),
        "{}",
        prober.log()
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
    assert!(prober.log().contains("msg=stopped"), "{}", prober.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_configuration_brings_tls_and_basic_auth_and_reloads() {
    let healthy = ScriptedServer::start(normal()).await;
    let scratch = Scratch::new("serve-web");
    let ca = Ca::new("smtp-sensor prober test CA");
    let web = write_web_config(
        &scratch,
        &ca,
        "scrape-s3cret",
        "X-Content-Type-Options: nosniff",
    );
    let config = scratch.write("sensors.toml", PLAIN_MODULE);
    let web = web.display().to_string();
    let prober = Prober::start(SMTP_SENSOR, &config, &["--web.config.file", &web])
        .await
        .with_tls(&ca.pem());
    let target = format!("127.0.0.1:{}", healthy.port());
    let anonymous = prober.probe(&target, "plain", &[]).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert!(
        anonymous.headers.contains("www-authenticate: Basic"),
        "{}",
        anonymous.headers
    );
    let login = |password: &str| {
        use base64::Engine as _;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("prometheus:{password}"));
        format!("Basic {token}")
    };
    let wrong = login("guess");
    assert_eq!(
        prober
            .probe(&target, "plain", &[("Authorization", &wrong)])
            .await
            .status,
        401
    );
    assert_eq!(healthy.connections(), 0, "nothing probed without a login");
    let right = login("scrape-s3cret");
    let probed = prober
        .probe(&target, "plain", &[("Authorization", &right)])
        .await;
    assert_eq!(probed.status, 200, "{probed:?}");
    assert_eq!(probed.sample("probe_success"), Some(1.0));
    assert!(
        probed.headers.contains("x-content-type-options: nosniff"),
        "{}",
        probed.headers
    );
    let metrics = prober
        .request("GET", "/metrics", &[("Authorization", &right)])
        .await;
    assert_eq!(metrics.status, 200);

    // A renewed certificate (from another CA), another password and header: a reload
    // brings them in for new connections.
    let renewed_ca = Ca::new("smtp-sensor prober test CA, renewed");
    write_web_config(
        &scratch,
        &renewed_ca,
        "renewed-s3cret",
        "X-Frame-Options: DENY",
    );
    let reloaded = prober
        .request("POST", "/-/reload", &[("Authorization", &right)])
        .await;
    assert_eq!(reloaded.status, 200, "{reloaded:?}\n{}", prober.log());
    let client = prober.client().with_tls(&renewed_ca.pem());
    let old_password = client
        .probe(&target, "plain", &[("Authorization", &right)])
        .await;
    assert_eq!(old_password.status, 401, "{old_password:?}");
    let renewed_login = login("renewed-s3cret");
    let probed = client
        .probe(&target, "plain", &[("Authorization", &renewed_login)])
        .await;
    assert_eq!(probed.status, 200, "{probed:?}");
    assert!(
        probed.headers.contains("x-frame-options: DENY"),
        "{}",
        probed.headers
    );

    // A broken web configuration is refused on SIGHUP; the one in force stays.
    scratch.write(
        "web.yml",
        "tls_server_config:\n  cert_file: missing.crt\n  key_file: prober.key\n",
    );
    prober.signal("HUP").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !prober.log().contains("reload failed") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(prober.log().contains("missing.crt"), "{}", prober.log());
    let still = client
        .probe(&target, "plain", &[("Authorization", &renewed_login)])
        .await;
    assert_eq!(still.status, 200, "{still:?}");
    let log = prober.log();
    assert!(!log.contains("scrape-s3cret") && !log.contains("renewed-s3cret"));
}

/// Every answer carries `http_server_config.headers`, refusals too: exporter-toolkit sets
/// them before it checks the login, so its 401 has them (the prober's had none).
#[tokio::test(flavor = "multi_thread")]
async fn refusals_carry_the_configured_headers_as_exporter_toolkit_s_do() {
    let scratch = Scratch::new("serve-headers");
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    let web = scratch.write(
        "web.yml",
        &format!(
            "basic_auth_users:\n  prometheus: {hash}\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n    \
             X-Content-Type-Options: nosniff\n"
        ),
    );
    let config = scratch.write("sensors.toml", PLAIN_MODULE);
    let web = web.display().to_string();
    let prober = Prober::start(SMTP_SENSOR, &config, &["--web.config.file", &web]).await;
    let login = |password: &str| {
        use base64::Engine as _;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("prometheus:{password}"));
        format!("Basic {token}")
    };
    let (right, wrong) = (login("s3cret"), login("guess"));
    for (method, path, authorization, status) in [
        ("GET", "/metrics", None, 401),
        ("GET", "/metrics", Some(&wrong), 401),
        ("POST", "/-/reload", None, 401),
        ("GET", "/probe?module=plain", Some(&right), 400),
        ("GET", "/nowhere", Some(&right), 404),
        ("GET", "/metrics", Some(&right), 200),
    ] {
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| ("Authorization", a.as_str()))
            .into_iter()
            .collect();
        let response = prober.request(method, path, &headers).await;
        assert_eq!(response.status, status, "{method} {path}: {response:?}");
        let head = response.headers.to_ascii_lowercase();
        for header in ["x-frame-options: deny", "x-content-type-options: nosniff"] {
            assert!(
                head.contains(header),
                "{method} {path}: {header} in\n{head}"
            );
        }
        assert_eq!(
            head.contains("www-authenticate: basic"),
            status == 401,
            "{method} {path}: {head}"
        );
    }
}

/// Writes `web.yml` for TLS with a certificate for localhost from `ca` (`prober.crt`,
/// `prober.key`), basic auth of user prometheus with `password`, and one `header` line;
/// returns its path.
fn write_web_config(
    scratch: &Scratch,
    ca: &Ca,
    password: &str,
    header: &str,
) -> std::path::PathBuf {
    let leaf = ca.issue(&LeafSpec::valid_for(&["localhost"]));
    scratch.write("prober.crt", &leaf.certificate_pem);
    scratch.write("prober.key", &leaf.key_pem);
    let hash = bcrypt::hash(password, 4).unwrap();
    scratch.write(
        "web.yml",
        &format!(
            "tls_server_config:\n  cert_file: prober.crt\n  key_file: prober.key\n\
             basic_auth_users:\n  prometheus: {hash}\n\
             http_server_config:\n  headers:\n    {header}\n"
        ),
    )
}

/// `serve --config CONFIG` plus `extra`, for settings it must refuse at start (it exits).
async fn serve_refusing(config: &std::path::Path, extra: &[&str]) -> smtp_sensor_tests::cli::Run {
    let config = config.to_str().unwrap();
    let args = [&["serve", "--config", config][..], extra].concat();
    smtp_sensor_tests::cli::run(SMTP_SENSOR, &args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_settings_stop_the_prober_at_start_naming_the_fix() {
    let scratch = Scratch::new("serve-bad");
    let config = scratch.write("sensors.toml", "[sensors.a]\ntargets = [\"10.0.0.0/8\"]\n");
    let run = serve_refusing(&config, &["--listen", "127.0.0.1:0"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("sensors.a.targets") && run.stderr.contains("has no port"),
        "{}",
        run.stderr
    );
    let good = scratch.write("good.toml", "[sensors.a]\ntargets = [\"127.0.0.1:*\"]\n");
    let web = scratch.write("web.yml", "basic_auth_users:\n  prometheus: hunter2\n");
    let web = web.to_str().unwrap();
    let run = serve_refusing(
        &good,
        &["--listen", "127.0.0.1:0", "--web.config.file", web],
    )
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("basic_auth_users.prometheus"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    let run = serve_refusing(&good, &["--listen", "nowhere"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("--listen"), "{}", run.stderr);
    // The host's DNS, as `check` takes it: a trust anchor that cannot be read, a DS
    // record where DNSKEYs go.
    let missing = scratch.path().join("missing.key");
    let missing = missing.to_str().unwrap();
    let run = serve_refusing(
        &good,
        &["--listen", "127.0.0.1:0", "--dns-trust-anchor", missing],
    )
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("--dns-trust-anchor") && run.stderr.contains("cannot read it"),
        "{}",
        run.stderr
    );
    let ds = scratch.write("ds.key", "corp.example. 3600 IN DS 12345 13 2 ABCDEF0123\n");
    let run = serve_refusing(
        &good,
        &[
            "--listen",
            "127.0.0.1:0",
            "--dns-trust-anchor",
            ds.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("DNSKEY records instead"),
        "{}",
        run.stderr
    );
}

/// Started under a soft open-file limit of 512 (too few for 256 probes), the prober raises
/// it to the hard limit, as blackbox_exporter does, and says what it has.
#[tokio::test(flavor = "multi_thread")]
async fn the_prober_raises_its_open_file_limit_to_the_hard_one() {
    let scratch = Scratch::new("serve-nofile");
    let config = scratch.write(
        "sensors.toml",
        "[sensors.plain]\ntargets = [\"127.0.0.1:*\"]\n",
    );
    let ulimit = ["sh", "-c", "ulimit -Sn 512 && exec \"$0\" \"$@\""];
    let prober = Prober::start_wrapped(&ulimit, SMTP_SENSOR, &config, &[]).await;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", prober.pid())).unwrap();
    let open_files: Vec<&str> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("/proc/PID/limits has the open-file limit")
        .split_whitespace()
        .collect();
    let (soft, hard) = (open_files[3], open_files[4]);
    assert_eq!(soft, hard, "{limits}");
    assert_ne!(
        soft, "512",
        "the hard limit here is 512: nothing to show\n{limits}"
    );
    assert!(
        prober.log().contains(&format!("open_files={soft}")),
        "{}",
        prober.log()
    );
    // The same figures in its metrics, as Go exporters' process collector has them.
    let metrics = prober.client().get("/metrics").await;
    assert_eq!(
        metrics.sample("process_max_fds"),
        soft.parse().ok(),
        "{}",
        metrics.body
    );
    let listed = std::fs::read_dir(format!("/proc/{}/fd", prober.pid()))
        .unwrap()
        .count() as f64;
    let open = metrics
        .sample("process_open_fds")
        .expect("process_open_fds");
    // Standard streams, the listener, the scrape's connection; the scrape's is closed by
    // the time of the listing.
    assert!(
        (4.0..=listed + 2.0).contains(&open),
        "process_open_fds {open}, /proc lists {listed}"
    );
}

/// The prober takes its first 64 instances at once from a pool reserved at start (4 GiB of
/// address space a slot); where the process may not reserve that much (`ulimit -v`), it
/// says so and makes each instance on demand, and probes still run.
#[tokio::test(flavor = "multi_thread")]
async fn the_prober_pools_its_instances_or_says_why_not() {
    let scratch = Scratch::new("serve-pool");
    let config = scratch.write("sensors.toml", PLAIN_MODULE);
    let closed = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]));
    let pooled = Prober::start(SMTP_SENSOR, &config, &["--max-concurrent-probes", "300"]).await;
    // 16 GiB: room for a few instances made on demand, not for a pool.
    let limited = ["sh", "-c", "ulimit -v 16777216 && exec \"$0\" \"$@\""];
    let on_demand = Prober::start_wrapped(&limited, SMTP_SENSOR, &config, &[]).await;
    assert!(
        pooled.log().contains(
            "instances=\"pooled for 64 of 300 probes at once (the rest on demand), 64 memories"
        ),
        "{}",
        pooled.log()
    );
    assert!(
        on_demand
            .log()
            .contains("instances=\"on demand: the pool could not be reserved"),
        "{}",
        on_demand.log()
    );
    for prober in [&pooled, &on_demand] {
        for _ in 0..3 {
            let down = prober.client().probe(&closed, "plain", &[]).await;
            assert_eq!(down.sample("probe_success"), Some(0.0), "{}", down.body);
            assert!(down.body.contains("connection-refused"), "{}", down.body);
        }
    }
}

/// The first start after an upgrade compiles the component. A short-lived child does it,
/// into the cache, so the prober does not keep the compiler's heap for its life: started
/// with an empty cache, it holds about what a prober started from the filled cache holds
/// (before the child, 40 MiB more). Without a cache it compiles the component itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_child_compiles_the_component_so_the_prober_keeps_none_of_that_memory() {
    let scratch = Scratch::new("serve-precompile");
    let config = scratch.write("sensors.toml", PLAIN_MODULE);
    let cache = format!(
        "SMTP_SENSOR_CACHE_DIR={}",
        scratch.path().join("cache").display()
    );
    let cold = Prober::start_wrapped(&["env", &cache], SMTP_SENSOR, &config, &[]).await;
    assert!(
        cold.log()
            .contains("component=\"compiled into the cache by a helper process\""),
        "{}",
        cold.log()
    );
    let warm = Prober::start_wrapped(&["env", &cache], SMTP_SENSOR, &config, &[]).await;
    assert!(
        warm.log().contains("component=\"loaded from the cache\""),
        "{}",
        warm.log()
    );
    let (cold_bytes, warm_bytes) = (cold.resident_bytes(), warm.resident_bytes());
    assert!(
        cold_bytes < warm_bytes + (8 << 20),
        "started with an empty cache, the prober holds {} MiB; from the filled cache, {} MiB",
        cold_bytes >> 20,
        warm_bytes >> 20
    );
    let closed = format!("127.0.0.1:{}", free_port([127, 0, 0, 1]));
    let down = cold.client().probe(&closed, "plain", &[]).await;
    assert_eq!(down.sample("probe_success"), Some(0.0), "{}", down.body);

    let uncached = Prober::start_wrapped(
        &["env", "SMTP_SENSOR_CACHE_DIR=off"],
        SMTP_SENSOR,
        &config,
        &[],
    )
    .await;
    assert!(
        uncached
            .log()
            .contains("component=\"no cache: compiled by the prober\""),
        "{}",
        uncached.log()
    );
}

/// A prober whose component comes from a FIFO (`--component`, no cache), so that it stays
/// in its start-up until the test writes the component: its stderr lines and the address
/// its "starting" line gives.
async fn starting_prober(
    scratch: &Scratch,
) -> (
    tokio::process::Child,
    std::path::PathBuf,
    Client,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
) {
    use tokio::io::AsyncBufReadExt as _;
    let config = scratch.write("sensors.toml", PLAIN_MODULE);
    let fifo = scratch.path().join("component.wasm");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
    let mut child = tokio::process::Command::new(SMTP_SENSOR)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--component")
        .arg(&fifo)
        .env("SMTP_SENSOR_CACHE_DIR", "off")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("msg=\"starting:") {
                return line
                    .split(' ')
                    .find_map(|f| f.strip_prefix("address="))
                    .map(str::to_string);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("a starting line with the address");
    (child, fifo, Client::new(address.parse().unwrap()), lines)
}

#[tokio::test(flavor = "multi_thread")]
async fn until_the_component_is_compiled_it_is_healthy_but_not_ready() {
    let scratch = Scratch::new("serve-starting");
    let (mut child, fifo, client, mut lines) = starting_prober(&scratch).await;
    // The component is not read yet: healthy, not ready, nothing else.
    let healthy = client.get("/-/healthy").await;
    assert_eq!((healthy.status, healthy.body.as_str()), (200, "Healthy\n"));
    let ready = client.get("/-/ready").await;
    assert_eq!(ready.status, 503, "{ready:?}");
    let probe = client.probe("127.0.0.1:25", "plain", &[]).await;
    assert_eq!(probe.status, 503, "{probe:?}");
    assert!(probe.body.contains("compiled"), "{probe:?}");

    // The component arrives: ready, and probes run.
    let component = scratch.path().join("built.wasm");
    let wrote = std::process::Command::new(SMTP_SENSOR)
        .arg("component")
        .arg("--output")
        .arg(&component)
        .status()
        .unwrap();
    assert!(wrote.success());
    let bytes = std::fs::read(&component).unwrap();
    tokio::task::spawn_blocking(move || std::fs::write(fifo, bytes))
        .await
        .unwrap()
        .unwrap();
    let started = Instant::now();
    while client.get("/-/ready").await.status != 200 {
        assert!(started.elapsed() < Duration::from_secs(60), "never ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.get("/-/ready").await.body, "Ready\n");
    let silent = silent_server().await;
    let target = format!("127.0.0.1:{}", silent.port());
    let probe = client
        .probe(
            &target,
            "plain",
            &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
        )
        .await;
    assert_eq!(probe.status, 200, "{probe:?}");
    let _ = child.start_kill();
    let mut said = String::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(5), lines.next_line()).await
    {
        said.push_str(&line);
        said.push('\n');
    }
    assert!(said.contains("msg=listening"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_starting_stops_it_at_once_with_0() {
    let scratch = Scratch::new("serve-starting-stop");
    let (mut child, _fifo, client, mut lines) = starting_prober(&scratch).await;
    assert_eq!(client.get("/-/ready").await.status, 503);
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops within 10 s, though the component never came")
        .unwrap();
    let mut said = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        said.push_str(&line);
        said.push('\n');
    }
    assert_eq!(status.code(), Some(0), "{said}");
    assert!(
        said.contains("stopped before the component was ready"),
        "{said}"
    );
}
