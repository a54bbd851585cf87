//! check_smtp's command lines, run through `smtp-sensor check`: monitoring-plugins' own test
//! command lines (plugins/t/check_smtp.t) and its usage's flags, against loopback servers,
//! each with check_smtp's expected result beside this check's (docs/flags.md, "check_smtp's
//! flags", says where they differ). The Nagios plugin `check_smtp_sensor` is `check --format
//! nagios`, so every line here is given `--format nagios` as that plugin gives it.

use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::nagios::{self, Perf};
use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, Step, normal, say};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// This package's fresh build of the CLI.
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

static CA: LazyLock<Ca> = LazyLock::new(|| Ca::new("check_smtp flags test CA"));

/// What the Nagios plugin runs: `check --format nagios` and check_smtp's words, with
/// `PORT` replaced by `port`.
async fn check_smtp_sensor(line: &str, port: u16) -> Run {
    let line = line.replace("PORT", &port.to_string());
    let mut args = vec!["check", "--format", "nagios"];
    args.extend(line.split_whitespace());
    cli::run(SMTP_SENSOR, &args).await
}

/// The plugin's status word (`OK`, `WARNING`, `CRITICAL`, `UNKNOWN`) and perfdata, the
/// exit code asserted to be the status's.
fn status(run: &Run) -> (String, Vec<Perf>) {
    let (text, perf) =
        nagios::parse(&run.stdout).unwrap_or_else(|e| panic!("not plugin output ({e}): {run:?}"));
    let word = text
        .strip_prefix("SMTP ")
        .and_then(|rest| rest.split(" - ").next())
        .unwrap_or_else(|| panic!("no `SMTP STATUS - `: {run:?}"))
        .to_string();
    let code = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
        .iter()
        .position(|w| *w == word)
        .unwrap_or_else(|| panic!("status {word:?}: {run:?}"));
    assert_eq!(run.code, code as i32, "{run:?}");
    (word, perf)
}

/// A file holding the test CA, for `--tls-ca`.
fn ca_file(scratch: &Scratch) -> String {
    let path = scratch.write("ca.pem", &CA.pem());
    path.to_str().unwrap().to_string()
}

/// A server certificate for 127.0.0.1 from the test CA, valid for `days` more days.
fn tls(days: i64) -> Arc<rustls::ServerConfig> {
    let mut spec = LeafSpec::valid_for(&["127.0.0.1"]);
    spec.valid_until_days = days;
    CA.issue(&spec).server_config(&[])
}

/// A server offering STARTTLS (with a certificate valid for `days`), then, over TLS,
/// answering EHLO with `ehlo_over_tls` and running `rest`.
fn starttls_server(days: i64, ehlo_over_tls: &str, rest: Vec<Step>) -> Vec<Step> {
    let mut script = vec![
        say("220 test.example ESMTP scripted\r\n"),
        Step::Read,
        say("250-test.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
        Step::Read,
        say("220 2.0.0 go ahead\r\n"),
        Step::StartTls(tls(days)),
        Step::Read,
        say(ehlo_over_tls),
    ];
    script.extend(rest);
    script
}

/// QUIT and its reply.
fn quit() -> Vec<Step> {
    vec![Step::Read, say("221 2.0.0 bye\r\n"), Step::Close]
}

#[tokio::test(flavor = "multi_thread")]
async fn check_smtp_t_plain_lines_with_security_none() {
    let server = ScriptedServer::start(normal()).await;
    let port = server.port();
    // check.t: `check_smtp -H $host -p 25 -w 9 -c 9 -t 10 -e 220`: OK. check_smtp speaks
    // plain SMTP without -s or -S, this check TLS: the line needs --security none.
    let line = "-H 127.0.0.1 -p PORT -w 9 -c 9 -t 10 -e 220 -q";
    let run = check_smtp_sensor(&format!("{line} --security none"), port).await;
    let (word, perf) = status(&run);
    assert_eq!(word, "OK");
    assert_eq!(perf[0].label, "Response Time");
    assert_eq!(perf[0].warn.as_deref(), Some("9"), "{run:?}");
    assert_eq!(perf[0].crit.as_deref(), Some("9"), "{run:?}");
    // Unchanged, the line would ask for TLS from the first byte where check_smtp speaks
    // plain text, and check another service: it is refused (UNKNOWN, exit 3), saying to
    // choose -S, -s or --security none.
    let run = check_smtp_sensor(line, port).await;
    assert_eq!(status(&run).0, "UNKNOWN");
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stdout
            .contains("-S (STARTTLS), -s (TLS from the first byte) or --security none"),
        "{run:?}"
    );
    // `-s -p 25` (check.t: --ssl on the plain port) is the same: CRITICAL there too.
    let run = check_smtp_sensor("-H 127.0.0.1 -s -p PORT", port).await;
    assert_eq!(status(&run).0, "CRITICAL");

    // check.t: `check_smtp -H $host -e 221`: WARNING. Here a missed expectation is down,
    // unless --expect-warning makes it a warning as there.
    let run = check_smtp_sensor("-H 127.0.0.1 -p PORT -e 221 --security none", port).await;
    assert_eq!(status(&run).0, "CRITICAL");
    assert!(run.stdout.contains("221"), "{run:?}");
    let line = "-H 127.0.0.1 -p PORT -e 221 --security none --expect-warning";
    assert_eq!(status(&check_smtp_sensor(line, port).await).0, "WARNING");

    // -F: the name EHLO sends; -4: over IPv4.
    let line = "-H 127.0.0.1 -p PORT -4 -F probe.example --security none";
    assert_eq!(status(&check_smtp_sensor(line, port).await).0, "OK");
    assert!(
        server
            .received()
            .contains(&"EHLO probe.example".to_string()),
        "{:?}",
        server.received()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn warning_and_critical_are_seconds() {
    // A banner dripped over about 0.6 s.
    let mut script = normal();
    script[0] = Step::Drip(
        b"220 test.example ESMTP slow\r\n".to_vec(),
        Duration::from_millis(20),
    );
    let server = ScriptedServer::start(script).await;
    let port = server.port();
    let line = "-H 127.0.0.1 -p PORT --security none -w 0.2 -c 30";
    let (word, perf) = status(&check_smtp_sensor(line, port).await);
    assert_eq!(word, "WARNING");
    assert_eq!(perf[0].warn.as_deref(), Some("0.2"));
    let line = "-H 127.0.0.1 -p PORT --security none -w 0.1 -c 0.2";
    assert_eq!(status(&check_smtp_sensor(line, port).await).0, "CRITICAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_is_critical() {
    let server = ScriptedServer::start(vec![Step::Stall]).await;
    let run = check_smtp_sensor("-H 127.0.0.1 -p PORT -t 1 --security none", server.port()).await;
    assert_eq!(status(&run).0, "CRITICAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_and_tls_with_certificate_days() {
    let scratch = Scratch::new("check-smtp-flags");
    let ca = ca_file(&scratch);
    // check.t: `check_smtp -H $host_starttls -p 25 -S`: OK. The certificate is verified
    // here (check_smtp reads only its expiry): the test CA is given.
    let server = ScriptedServer::start(starttls_server(20, "250 test.example\r\n", quit())).await;
    let port = server.port();
    let with_ca = |line: &str| format!("{line} --tls-ca {ca}");
    let run = check_smtp_sensor(&with_ca("-H 127.0.0.1 -p PORT -S"), port).await;
    assert_eq!(status(&run).0, "OK");
    // Unverified, the same line is down, saying why.
    let run = check_smtp_sensor("-H 127.0.0.1 -p PORT -S", port).await;
    assert_eq!(status(&run).0, "CRITICAL");
    // -D WARN[,CRIT], days; the certificate has 20 left.
    for (days, expected) in [
        ("10", "OK"),
        ("30", "WARNING"),
        ("30,7", "WARNING"),
        ("30,25", "CRITICAL"),
    ] {
        let line = with_ca(&format!("-H 127.0.0.1 -p PORT -S -D {days}"));
        let (word, _) = status(&check_smtp_sensor(&line, port).await);
        assert_eq!(word, expected, "-D {days}");
    }

    // check.t: `check_smtp -H $host_nostarttls -p 25 -S`: WARNING there ("TLS not
    // supported by server"), down here; starttls-if-available warns.
    let plain = ScriptedServer::start(normal()).await;
    let run = check_smtp_sensor("-H 127.0.0.1 -p PORT -S", plain.port()).await;
    assert_eq!(status(&run).0, "CRITICAL");
    assert!(run.stdout.contains("STARTTLS"), "{run:?}");
    let line = "-H 127.0.0.1 -p PORT --security starttls-if-available";
    assert_eq!(
        status(&check_smtp_sensor(line, plain.port()).await).0,
        "WARNING"
    );

    // check.t: `check_smtp -H $host_tls --ssl`: OK (on 465 there, -p here).
    let mut inside = vec![
        say("220 test.example ESMTP scripted\r\n"),
        Step::Read,
        say("250 test.example\r\n"),
    ];
    inside.extend(quit());
    let implicit = ScriptedServer::start_tls(tls(20), inside).await;
    let run = check_smtp_sensor(&with_ca("-H 127.0.0.1 -p PORT -s -D 30,7"), implicit.port()).await;
    assert_eq!(status(&run).0, "WARNING");
}

#[tokio::test(flavor = "multi_thread")]
async fn authtype_login_user_and_password() {
    // check_smtp's usage: `-A authtype -U authuser -P authpass`, here over STARTTLS.
    let scratch = Scratch::new("check-smtp-flags");
    let ca = ca_file(&scratch);
    let mut login = vec![
        Step::Read,
        say("334 VXNlcm5hbWU6\r\n"),
        Step::Read,
        say("334 UGFzc3dvcmQ6\r\n"),
        Step::Read,
        say("235 2.7.0 Authentication successful\r\n"),
    ];
    login.extend(quit());
    let ehlo = "250-test.example\r\n250 AUTH PLAIN LOGIN\r\n";
    let server = ScriptedServer::start(starttls_server(365, ehlo, login)).await;
    let line = format!("-H 127.0.0.1 -p PORT -S -A LOGIN -U user -P pass --tls-ca {ca}");
    let run = check_smtp_sensor(&line, server.port()).await;
    assert_eq!(status(&run).0, "OK");
    let received = server.received();
    let auth = received.iter().position(|l| l == "AUTH LOGIN");
    let auth = auth.unwrap_or_else(|| panic!("no AUTH LOGIN: {received:?}"));
    assert_eq!(received[auth + 1..auth + 3], ["dXNlcg==", "cGFzcw=="]);
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_check_smtp_has_and_this_check_has_not_are_refused() {
    let server = ScriptedServer::start(normal()).await;
    for line in [
        "-H 127.0.0.1 -p PORT -C RSET -R 250",
        "-H 127.0.0.1 -p PORT -f probe@example.com",
        "-H 127.0.0.1 -p PORT -L",
        "-H 127.0.0.1 -p PORT -wt 9",
        "127.0.0.1",
    ] {
        let run = check_smtp_sensor(line, server.port()).await;
        assert_eq!(status(&run).0, "UNKNOWN", "{line}");
    }
    assert_eq!(server.connections(), 0);
}
