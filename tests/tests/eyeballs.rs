//! Happy Eyeballs end to end (RFC 8305): a name whose first address is black-holed and
//! whose second works is up, connected to the second, a quarter of a second after the first
//! attempt began; `--ip-version` keeps the check to one family. Loopback only: the name is
//! given to the CLI by a hosts file bind-mounted over `/etc/hosts` in a mount namespace of
//! its own (`unshare --mount`, as root), and the black hole is a listener on `[::1]` whose
//! accept queue is full, so the kernel leaves further SYNs unanswered.

use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::server::{BlackHole, ScriptedServer, Step, black_hole, say};
use std::net::{Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// The name the hosts file gives both addresses, IPv6 (black-holed) first.
const DUAL: &str = "dual.test";

fn plain_server() -> Vec<Step> {
    vec![
        say("220 mail.test ESMTP scripted\r\n"),
        Step::Read,
        say("250-mail.test\r\n250 PIPELINING\r\n"),
        Step::Read,
        say("221 bye\r\n"),
    ]
}

/// A black hole on `[::1]:port`: see [`black_hole`].
fn black_hole_v6(port: u16) -> BlackHole {
    black_hole(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
}

/// `smtp-sensor check --host dual.test` plus `extra`, in a mount namespace whose
/// `/etc/hosts` says `dual.test` is `::1`, then `127.0.0.1`.
async fn check_dual(port: u16, extra: &[&str]) -> (Run, Duration) {
    let unshare = std::process::Command::new("unshare")
        .args(["--mount", "true"])
        .status();
    assert!(
        matches!(unshare, Ok(s) if s.success()),
        "this test needs `unshare --mount` (util-linux, as root) to give the check a hosts file"
    );
    let hosts = std::env::temp_dir().join(format!("smtp-sensor-hosts-{port}"));
    std::fs::write(&hosts, format!("::1 {DUAL}\n127.0.0.1 {DUAL}\n")).unwrap();
    let script = format!(
        "mount --bind '{}' /etc/hosts && exec \"$0\" \"$@\"",
        hosts.display()
    );
    let port = port.to_string();
    let args = [
        "--mount",
        "sh",
        "-c",
        &script,
        SMTP_SENSOR,
        "check",
        "--host",
        DUAL,
        "--port",
        &port,
        "--security",
        "none",
        "--format",
        "json",
        "--transcript",
    ];
    let started = Instant::now();
    let run = cli::run("unshare", &[&args[..], extra].concat()).await;
    let took = started.elapsed();
    let _ = std::fs::remove_file(&hosts);
    (run, took)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_black_holed_first_address_costs_a_quarter_second_not_the_check() {
    let server = ScriptedServer::start(plain_server()).await;
    let _hole = black_hole_v6(server.port());
    let (run, took) = check_dual(server.port(), &["--timeout", "10"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    assert_eq!(json["status"], "up", "{}", run.stdout);
    assert_eq!(
        json["remote_address"],
        format!("127.0.0.1:{}", server.port()),
        "the second address won"
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let transcript = run.stdout.clone();
    assert!(
        transcript.contains("also trying 127.0.0.1"),
        "the IPv4 attempt started while the IPv6 one was pending: {transcript}"
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_version_6_tries_only_the_ipv6_address() {
    let server = ScriptedServer::start(plain_server()).await;
    let _hole = black_hole_v6(server.port());
    let (run, _) = check_dual(server.port(), &["--timeout", "2", "--ip-version", "6"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["failure"]["phase"], "connect", "{}", run.stdout);
    assert_eq!(json["failure"]["kind"], "timeout", "{}", run.stdout);
    assert_eq!(server.connections(), 0, "IPv4 was not tried");
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_version_4_never_tries_ipv6() {
    let server = ScriptedServer::start(plain_server()).await;
    let _hole = black_hole_v6(server.port());
    let (run, took) = check_dual(server.port(), &["--timeout", "10", "--ip-version", "4"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("[::1]"), "{}", run.stdout);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_of_the_other_version_is_refused_before_anything_connects() {
    let run = cli::run(
        SMTP_SENSOR,
        &[
            "check",
            "--host",
            "::1",
            "--port",
            "2525",
            "--ip-version",
            "4",
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("invalid --ip-version") && run.stderr.contains("not an IPv4 address"),
        "{}",
        run.stderr
    );
}
