//! The prober's OCI image that `scripts/dist` put in `dist/` (scripts/image), run with
//! podman as a platform engineer runs it: loaded from the archive, with `--read-only`, a
//! non-root `--user` and `--cap-drop ALL`, its configuration mounted; probing a Postfix on
//! loopback, reloading a changed file, answering `/-/healthy` and `/-/ready`, draining an
//! in-flight probe on SIGTERM (`podman stop`), and scraped by a real Prometheus through the
//! Kubernetes example's scrape configuration. Ignored in a plain `cargo test` (they need
//! dist/ and podman): `.ci/run` runs them after `scripts/dist` with `--ignored`.

use smtp_sensor_tests::container::{Container, archive, image, podman};
use smtp_sensor_tests::postfix::{Config, Postfix};
use smtp_sensor_tests::prober::Client;
use smtp_sensor_tests::prometheus::{self, Prometheus};
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, Step, free_port, normal};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The user the image runs as (scripts/image), given again as a platform engineer does.
const USER: &str = "65532:65532";

/// How a platform engineer runs it: read-only, non-root, no capabilities, the folder of
/// the sensors file mounted read-only over the image's.
fn hardened(config_dir: &Path) -> Vec<String> {
    vec![
        "--read-only".into(),
        "--user".into(),
        USER.into(),
        "--cap-drop".into(),
        "ALL".into(),
        "--volume".into(),
        format!("{}:/etc/smtp-sensor:ro", config_dir.display()),
    ]
}

/// Runs the image hardened, `serve` listening on a free loopback port; waits until
/// `/-/ready` answers 200. The container and a client for it.
async fn start(tag: &str, config_dir: &Path) -> (Container, Client) {
    let port = free_port([127, 0, 0, 1]);
    let listen = format!("127.0.0.1:{port}");
    let flags = hardened(config_dir);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let container = tokio::task::block_in_place(|| {
        Container::run(
            tag,
            &flags,
            &[
                "--config",
                "/etc/smtp-sensor/sensors.toml",
                "--listen",
                &listen,
            ],
        )
    });
    let addr: SocketAddr = listen.parse().unwrap();
    let client = Client::new(addr);
    let started = Instant::now();
    loop {
        if let Ok(ready) = client.try_request("GET", "/-/ready", &[]).await
            && ready.status == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "not ready in 120 s:\n{}",
            container.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (container, client)
}

/// A folder with `sensors.toml` (the module `mx`: STARTTLS to 127.0.0.1, trusting the test
/// CA, which is copied beside it as ca.pem), readable by the container's user.
fn config_dir(ca_file: &str) -> Scratch {
    let scratch = Scratch::new("container");
    std::fs::copy(ca_file, scratch.path().join("ca.pem")).unwrap();
    scratch.write("sensors.toml", &module("mx", "starttls", 5));
    scratch
}

/// A `[sensors.NAME]` for 127.0.0.1; with TLS, its CA the mounted one.
fn module(name: &str, security: &str, timeout: u32) -> String {
    let ca = if security == "none" {
        ""
    } else {
        "tls_ca = [\"/etc/smtp-sensor/ca.pem\"]\n"
    };
    format!(
        "[sensors.{name}]\nsecurity = \"{security}\"\n{ca}timeout = {timeout}\n\
         targets = [\"127.0.0.1:*\"]\n"
    )
}

/// Replaces `name` in `dir` as a ConfigMap update does: written beside it, renamed over it.
fn replace(dir: &Path, name: &str, text: &str) {
    let new = dir.join(format!(".{name}.new"));
    std::fs::write(&new, text).unwrap();
    std::fs::rename(&new, dir.join(name)).unwrap();
}

/// A field of /proc/PID/status, such as `Uid` or `CapEff`.
fn status_field(pid: &str, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn start_postfix() -> (Postfix, String) {
    Postfix::start_with_test_ca(Config::default()).expect("start Postfix")
}

#[test]
#[ignore = "needs dist/*.oci.tar and podman: .ci/run runs it after scripts/dist"]
fn the_image_says_what_it_is_and_holds_only_what_it_needs() {
    let config: serde_json::Value = serde_json::from_str(&podman(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config}}",
        image(),
    ]))
    .unwrap();
    assert_eq!(config["User"], USER, "{config}");
    assert_eq!(
        config["Entrypoint"],
        serde_json::json!(["/usr/bin/smtp-sensor", "serve"])
    );
    assert_eq!(
        config["Cmd"],
        serde_json::json!(["--config", "/etc/smtp-sensor/sensors.toml"])
    );
    assert!(config["ExposedPorts"]["10587/tcp"].is_object(), "{config}");
    assert!(
        config["Volumes"]["/var/cache/smtp-sensor"].is_object(),
        "{config}"
    );
    let labels = &config["Labels"];
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/smtp-sensor");
    let version = Command::new(&binary).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert_eq!(
        labels["org.opencontainers.image.version"].as_str(),
        version.split_whitespace().nth(1),
        "{labels}"
    );
    assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
    assert_eq!(
        labels["org.opencontainers.image.revision"]
            .as_str()
            .map(str::len),
        Some(40),
        "{labels}"
    );

    // The archive's index: amd64, and arm64 when dist/ has the aarch64 binary.
    let index = Command::new("tar")
        .args(["-xOf"])
        .arg(archive())
        .arg("index.json")
        .output()
        .unwrap();
    let index: serde_json::Value = serde_json::from_slice(&index.stdout).unwrap();
    let list = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .replace("sha256:", "blobs/sha256/");
    let list = Command::new("tar")
        .args(["-xOf"])
        .arg(archive())
        .arg(list)
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let platforms: Vec<&str> = list["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap())
        .collect();
    let with_arm = binary.with_file_name("smtp-sensor-aarch64").exists();
    assert_eq!(
        platforms,
        if with_arm {
            vec!["amd64", "arm64"]
        } else {
            vec!["amd64"]
        }
    );

    // Its files: the binary, the CA bundle, the default sensors file, the cache folder.
    let container = Container::create("files");
    let files = Command::new("sh")
        .args([
            "-c",
            &format!("podman export {} | tar -tvf -", container.name),
        ])
        .output()
        .unwrap();
    let files = String::from_utf8_lossy(&files.stdout);
    // Each entry as NAME MODE OWNER, by name: nothing else is there.
    let mut entries: Vec<String> = files
        .lines()
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {}", fields[fields.len() - 1], fields[0], fields[1])
        })
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "etc/ drwxr-xr-x 0/0",
            "etc/smtp-sensor/ drwxr-xr-x 0/0",
            "etc/smtp-sensor/sensors.toml -rw-r--r-- 0/0",
            "etc/ssl/ drwxr-xr-x 0/0",
            "etc/ssl/certs/ drwxr-xr-x 0/0",
            "etc/ssl/certs/ca-certificates.crt -rw-r--r-- 0/0",
            "usr/ drwxr-xr-x 0/0",
            "usr/bin/ drwxr-xr-x 0/0",
            "usr/bin/smtp-sensor -rwxr-xr-x 0/0",
            "var/ drwxr-xr-x 0/0",
            "var/cache/ drwxr-xr-x 0/0",
            "var/cache/smtp-sensor/ drwx------ 65532/65532",
        ],
        "{files}"
    );
    assert!(
        config["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"),
        "{config}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/*.oci.tar and podman: .ci/run runs it after scripts/dist"]
async fn read_only_and_non_root_it_probes_postfix_reloads_and_answers_health() {
    let (postfix, ca_file) = tokio::task::spawn_blocking(start_postfix).await.unwrap();
    let dir = config_dir(&ca_file);
    let (container, client) = start("probe", dir.path()).await;

    let healthy = client.get("/-/healthy").await;
    assert_eq!((healthy.status, healthy.body.as_str()), (200, "Healthy\n"));
    let target = format!("127.0.0.1:{}", postfix.port());
    let probed = client.probe(&target, "mx", &[]).await;
    assert_eq!(probed.status, 200, "{probed:?}");
    assert_eq!(
        probed.sample("probe_success"),
        Some(1.0),
        "{}\n{}",
        probed.body,
        container.logs()
    );

    // Not root, no capabilities, as the kernel sees the process.
    let pid = container.inspect("{{.State.Pid}}");
    assert_eq!(status_field(&pid, "Uid"), "65532 65532 65532 65532");
    assert_eq!(status_field(&pid, "CapEff"), "0000000000000000");
    assert_eq!(status_field(&pid, "CapPrm"), "0000000000000000");
    // The root is read-only; the compiled component went to the image's cache volume.
    let logs = container.logs();
    assert!(
        logs.contains("component=\"compiled into the cache by a helper process\""),
        "{logs}"
    );

    // A new module in the mounted file: unknown until the reload, then probed.
    let before = client.probe(&target, "submission", &[]).await;
    assert_eq!(before.status, 400, "{before:?}");
    let text = format!(
        "{}{}",
        module("mx", "starttls", 5),
        module("submission", "starttls", 5)
    );
    replace(dir.path(), "sensors.toml", &text);
    let reloaded = client.request("POST", "/-/reload", &[]).await;
    assert_eq!(reloaded.status, 200, "{reloaded:?}\n{}", container.logs());
    let after = client.probe(&target, "submission", &[]).await;
    assert_eq!(after.sample("probe_success"), Some(1.0), "{after:?}");
    assert!(container.logs().contains("msg=\"configuration reloaded\""));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/*.oci.tar and podman: .ci/run runs it after scripts/dist"]
async fn podman_stop_lets_the_probe_in_flight_finish_and_the_prober_exits_0() {
    // A server that takes about two seconds to say its banner, then is healthy.
    let banner = b"220 slow.example ESMTP scripted\r\n".to_vec();
    let mut script = vec![Step::Drip(banner, Duration::from_millis(60))];
    script.extend(normal().into_iter().skip(1));
    let slow = ScriptedServer::start(script).await;
    let dir = Scratch::new("container-drain");
    dir.write("sensors.toml", &module("plain", "none", 10));
    let (container, client) = start("drain", dir.path()).await;

    let target = format!("127.0.0.1:{}", slow.port());
    let in_flight = {
        let client = client.clone();
        tokio::spawn(async move { client.probe(&target, "plain", &[]).await })
    };
    let started = Instant::now();
    while client
        .get("/metrics")
        .await
        .sample("smtp_sensor_probes_in_flight")
        != Some(1.0)
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never in flight"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let name = container.name.clone();
    let stopping = tokio::task::spawn_blocking(move || {
        podman(&["stop", "--time", "30", &name]);
    });
    let answered = in_flight.await.unwrap();
    stopping.await.unwrap();
    assert_eq!(answered.status, 200, "{answered:?}");
    assert_eq!(
        answered.sample("probe_success"),
        Some(1.0),
        "{}\n{}",
        answered.body,
        container.logs()
    );
    assert_eq!(container.wait(), 0, "{}", container.logs());
    let logs = container.logs();
    assert!(logs.contains("signal=SIGTERM"), "{logs}");
    assert!(logs.contains("msg=stopped"), "{logs}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/*.oci.tar, podman and prometheus: .ci/run runs it after scripts/dist"]
async fn prometheus_scrapes_the_container_through_the_kubernetes_example() {
    let (postfix, ca_file) = tokio::task::spawn_blocking(start_postfix).await.unwrap();
    let dir = config_dir(&ca_file);
    let (container, client) = start("prometheus", dir.path()).await;
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/kubernetes/scrape-config.yml"),
    )
    .unwrap();
    let target = format!("127.0.0.1:{}", postfix.port());
    let scratch = Scratch::new("container-prometheus");
    let config = scratch.write(
        "prometheus.yml",
        &prometheus::adapted(&example, "smtp", client.addr, std::slice::from_ref(&target)),
    );
    let prometheus = Prometheus::start(&config, &scratch);
    let seen = prometheus.probe_success(1, Duration::from_secs(60)).await;
    drop(prometheus);
    assert!(
        seen.iter()
            .any(|(instance, job, value)| instance == &target && job == "smtp" && value == "1"),
        "{seen:?}\n{}",
        container.logs()
    );
}
