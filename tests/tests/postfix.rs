//! Interoperability with a real MTA: Debian's Postfix on loopback, checked by the CLI.
//! These tests need Postfix installed (.ci/run installs it) and root (to start it); without
//! them they fail, with the reason, rather than pass silently.

use smtp_sensor_tests::cli;
use smtp_sensor_tests::postfix::Postfix;

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn plain_check_of_postfix_is_up() {
    let postfix = tokio::task::spawn_blocking(|| Postfix::start(""))
        .await
        .unwrap()
        .expect("start Postfix");
    let run = cli::check_loopback(SMTP_SENSOR, postfix.port(), &["--format", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}\nPostfix log:\n{}", postfix.log());
    let json = run.json();
    assert_eq!(json["status"], "up");
    assert!(json["channels"][0]["value"].as_f64().unwrap() > 0.0);
    let banner = json["banner"]["lines"][0].as_str().unwrap();
    assert!(banner.contains("ESMTP Postfix"), "{banner}");
    let keywords: Vec<&str> = json["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["keyword"].as_str().unwrap())
        .collect();
    assert!(
        keywords.contains(&"PIPELINING") && keywords.contains(&"ENHANCEDSTATUSCODES"),
        "{keywords:?}"
    );
    let seen = postfix.wait_for_log("ehlo=1 quit=1", std::time::Duration::from_secs(5));
    assert!(
        seen,
        "Postfix should log one EHLO and one QUIT:\n{}",
        postfix.log()
    );
}
