//! `serve` with a domain module: `/probe?module=maildomain&target=NAME.test` checks the
//! domain the target names (the module's `domain` is replaced by it) and reports each MX
//! host in an `mx`-labelled family; a target outside the module's `targets` glob is
//! refused with 403 before anything is looked up.

use super::{SMTP_SENSOR, world};
use smtp_sensor_tests::mail_domain::{Host, Plan};
use smtp_sensor_tests::prober::Prober;
use smtp_sensor_tests::scratch::Scratch;

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_module_probes_the_target_domain_and_keeps_to_its_targets() {
    let world = world(Plan::new("served").mx(10, Host::Postfix)).await;
    let d = world.domain();
    let scratch = Scratch::new("serve-domain");
    let module = format!(
        "[sensors.maildomain]\ndomain = \"placeholder.invalid\"\ntls_ca = [\"{}\"]\n\
         timeout = 8\ntargets = [\"*.test\"]\n",
        world.ca_file().display()
    );
    let config = scratch.write("sensors.toml", &module);
    let dns = world.dns_args();
    let dns: Vec<&str> = dns.iter().map(String::as_str).collect();
    let prober = Prober::start(SMTP_SENSOR, &config, &dns).await;
    let up = prober.probe(d, "maildomain", &[]).await;
    assert_eq!(up.status, 200, "{up:?}\n{}", prober.log());
    assert_eq!(up.sample("probe_success"), Some(1.0), "{}", up.body);
    let mx_up = format!("smtp_domain_mx_up{{mx=\"mx1.{d}\",preference=\"10\"}} 1");
    assert!(
        up.body.lines().any(|l| l == mx_up),
        "an mx-labelled family: {}",
        up.body
    );
    smtp_sensor_tests::promtool::check_metrics(&up.body).unwrap();
    let outside = prober.probe("other.example", "maildomain", &[]).await;
    assert_eq!(outside.status, 403, "{outside:?}");
}
