//! The soak of `smtp-sensor serve` (see `tests/src/soak.rs`), for minutes or hours: 300
//! targets over 15, 30 and 60 s intervals, and every fault in turn (Postfix stopped for
//! 30 s at a fifth of the run, a broken then a good configuration reloaded at two fifths,
//! the cache folder taken away at half, the HTTP side attacked for a minute at three
//! fifths), with blackbox_exporter under the same load at the same time when installed.
//! Prints the table and the verdicts.
//!
//! `SOAK_MINUTES=10 cargo bench -p smtp-sensor-tests --bench soak` (10 is the default;
//! needs Postfix and Dovecot, `apt-get install prometheus-blackbox-exporter` for the
//! comparison, and promtool). Loopback only.

use smtp_sensor_tests::soak::{self, BLACKBOX, Plan};
use std::time::Duration;

fn main() {
    let minutes: f64 = std::env::var("SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(10.0);
    let duration = Duration::from_secs_f64(minutes * 60.0);
    let at = |fraction: f64| duration.mul_f64(fraction);
    let outage = Some((at(0.2), Duration::from_secs(30)));
    let plan = Plan {
        program: env!("CARGO_BIN_EXE_smtp-sensor-under-test").into(),
        duration,
        intervals: vec![
            Duration::from_secs(15),
            Duration::from_secs(30),
            Duration::from_secs(60),
        ],
        scale: 5,
        postfix_outage: outage,
        bad_reload_at: Some(at(0.4)),
        cache_gone_at: Some(at(0.5)),
        http_attack: Some((at(0.6), Duration::from_secs(60))),
        blackbox: true,
    };
    if !std::path::Path::new(BLACKBOX).exists() {
        println!(
            "!!! {BLACKBOX} is not installed (apt-get install prometheus-blackbox-exporter): \
             serve alone, NO comparison\n"
        );
    }
    println!(
        "soak: {minutes} min, 300 targets, intervals 15/30/60 s; Postfix stopped at {:.0} s \
         for 30 s, a broken reload at {:.0} s, the cache taken away at {:.0} s, the HTTP side \
         attacked at {:.0} s for 60 s\n",
        at(0.2).as_secs_f64(),
        at(0.4).as_secs_f64(),
        at(0.5).as_secs_f64(),
        at(0.6).as_secs_f64()
    );
    let report = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(soak::run(&plan));
    println!("{}", report.table(outage));
}
