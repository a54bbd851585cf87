//! The short form of the soak (`tests/src/soak.rs`, whose long form is
//! `cargo bench -p smtp-sensor-tests --bench soak`): `serve` for a minute under a steady
//! mixed load of 60 targets, with two faults: Postfix stopped for 20 seconds and started
//! again, and the HTTP side attacked (slow headers, a thousand idle connections, oversized
//! and malformed queries, invalid UTF-8, pipelined garbage). Every verdict must hold: no
//! lost scrape, each target's `probe_success` as its server deserves, refused while Postfix
//! is away and up once it is back, every abuse answered with a 4xx or cut, descriptors and
//! probes in flight back at their idle values, the limits never exceeded. (Memory growth
//! needs minutes: the bench judges it.)

use smtp_sensor_tests::soak::{self, Plan};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_minute_of_load_with_an_outage_and_an_attack() {
    let outage = Some((Duration::from_secs(15), Duration::from_secs(20)));
    let plan = Plan {
        program: env!("CARGO_BIN_EXE_smtp-sensor-under-test").into(),
        duration: Duration::from_secs(60),
        intervals: vec![
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(15),
        ],
        scale: 1,
        postfix_outage: outage,
        bad_reload_at: None,
        cache_gone_at: None,
        http_attack: Some((Duration::from_secs(10), Duration::from_secs(20))),
        blackbox: false,
    };
    let report = soak::run(&plan).await;
    let table = report.table(outage);
    eprintln!("{table}");
    let failed: Vec<String> = report
        .verdicts(outage)
        .into_iter()
        .filter(|(_, held, _)| !held)
        .map(|(what, _, details)| format!("{what}: {details}"))
        .collect();
    assert!(failed.is_empty(), "{}\n\n{table}", failed.join("\n"));
    assert_eq!(
        report.faults.len(),
        2,
        "both faults ran: {:?}",
        report.faults
    );
}
