//! `smtp-sensor check --domain` end to end (issue 38): a mail domain of the test's own
//! (`mail_domain`: Knot, Postfix MX hosts, an MTA-STS policy host, on loopback), checked by
//! the CLI through `--dns-server` with the test CA as `--tls-ca`, its `--format json`
//! asserted: the MX hosts and the verdict here, the MTA-STS and TLS-RPT findings in
//! `mta_sts`, DANE and DNSSEC in `dane` (issue 39) and beside Postfix's `posttls-finger` in
//! `posttls_finger`, a broken DNS in `dns_faults`, the
//! prober's domain modules in `serve`. The zone is signed and its keys are the checks'
//! `--dns-trust-anchor`.

mod dane;
mod dns_faults;
mod mta_sts;
mod posttls_finger;
mod serve;

use serde_json::Value;
use smtp_sensor_tests::cli::{self, Run};
use smtp_sensor_tests::mail_domain::{Host, MailDomain, Plan};
use smtp_sensor_tests::policy_server::Reply;
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// The policy id of the tests' `_mta-sts` records.
const ID: &str = "sts20260101";

/// The tests' `_mta-sts` record.
fn sts_record() -> String {
    format!("v=STSv1; id={ID}")
}

/// A run of the CLI, its JSON and how long it took.
struct Checked {
    run: Run,
    json: Value,
    took: Duration,
}

impl Checked {
    /// `json["domain"]`.
    fn domain(&self) -> &Value {
        &self.json["domain"]
    }

    /// The MX host result for `exchange`.
    fn host(&self, exchange: &str) -> &Value {
        let hosts = self.domain()["mx_hosts"].as_array();
        hosts
            .and_then(|h| h.iter().find(|h| h["exchange"] == exchange))
            .unwrap_or_else(|| panic!("no MX host {exchange}: {}", self.json))
    }

    /// Asserts the verdict and its exit code (0 up, 1 warning, 2 down).
    fn assert_status(&self, status: &str) {
        let code = match status {
            "up" => 0,
            "warning" => 1,
            _ => 2,
        };
        assert_eq!(self.json["status"], status, "{:?}", self.run);
        assert_eq!(self.run.code, code, "{:?}", self.run);
    }

    /// The domain's message.
    fn message(&self) -> &str {
        self.json["message"].as_str().unwrap_or_default()
    }
}

/// Runs `check --domain` of `world` with `--timeout timeout` plus `extra`.
async fn check(world: &MailDomain, timeout: u32, extra: &[&str]) -> Checked {
    warm().await;
    let mut args = world.check_args(timeout);
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let run = cli::run(SMTP_SENSOR, &args).await;
    let took = started.elapsed();
    let json = run.json();
    assert!(json["domain"].is_object(), "a domain result: {run:?}");
    Checked { run, json, took }
}

/// Runs one check first, as a monitoring system would: later runs load the compiled
/// component from the cache, so their wall time is the check's.
async fn warm() {
    static WARM: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    WARM.get_or_init(|| async {
        let port = smtp_sensor_tests::server::free_port([127, 0, 0, 1]);
        cli::check_loopback(SMTP_SENSOR, port, "none", &["--timeout", "2"]).await;
    })
    .await;
}

/// Starts the world `plan` describes.
async fn world(plan: Plan) -> MailDomain {
    MailDomain::start(plan)
        .await
        .expect("start the mail domain (as root: ports 25, 53, 443)")
}

/// An `enforce` policy naming these MX hosts (`mx1`, ...) of the domain, for two weeks.
fn enforce(labels: &'static [&'static str]) -> impl Fn(&str) -> Reply + Send + 'static {
    move |d| {
        let names: Vec<String> = labels.iter().map(|l| format!("{l}.{d}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Reply::enforce(&names, 1_209_600)
    }
}

/// A channel's value.
fn channel(checked: &Checked, name: &str) -> Option<f64> {
    cli::channel(&checked.json, name)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_with_both_mx_hosts_up_under_enforce_is_up() {
    let world = world(
        Plan::new("allgood")
            .mx(20, Host::Postfix)
            .mx(10, Host::Postfix)
            .sts_record(&sts_record())
            .tls_rpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.test")
            .policy(enforce(&["mx1", "mx2"])),
    )
    .await;
    let d = world.domain();
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("up");
    assert!(checked.json["failure"].is_null(), "{}", checked.json);
    let domain = checked.domain();
    assert_eq!(domain["name"], d);
    assert_eq!(domain["mx_source"], "mx-records");
    assert_eq!(domain["mx_not_checked"], 0);
    // By preference: mx2 (10) first.
    let exchanges: Vec<&Value> = domain["mx_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["exchange"])
        .collect();
    assert_eq!(exchanges, [&format!("mx2.{d}"), &format!("mx1.{d}")]);
    for (mx, preference) in world.mx_hosts().iter().zip([20, 10]) {
        let host = checked.host(&mx.exchange);
        assert_eq!(host["preference"], preference);
        assert_eq!(host["addresses"], serde_json::json!([mx.ip.to_string()]));
        assert_eq!(host["status"], "up", "{host}");
        assert!(host["failure"].is_null(), "{host}");
        assert_eq!(host["remote_address"], format!("{}:25", mx.ip));
        assert_eq!(host["banner"]["code"], 220);
        assert_eq!(host["tls"]["verified"], true, "{host}");
        assert_eq!(host["sts_pattern"], mx.exchange);
        assert_eq!(host["sts_valid"], true, "{host}");
        assert!(host["response_ms"].as_f64().unwrap() > 0.0);
    }
    let sts = &domain["mta_sts"];
    assert_eq!(sts["record_id"], ID);
    assert!(sts["record_error"].is_null(), "{sts}");
    assert!(sts["policy_error"].is_null(), "{sts}");
    assert_eq!(sts["policy"]["mode"], "enforce");
    assert_eq!(sts["policy"]["max_age_seconds"], 1_209_600);
    assert_eq!(
        sts["policy"]["mx"],
        serde_json::json!([format!("mx1.{d}"), format!("mx2.{d}")])
    );
    assert!(sts["fetch_ms"].as_f64().is_some(), "{sts}");
    assert_eq!(
        domain["tls_rpt"]["rua"],
        serde_json::json!(["mailto:tlsrpt@example.test"])
    );
    assert!(domain["tls_rpt"]["error"].is_null());
    assert_eq!(channel(&checked, "MX Hosts"), Some(2.0));
    assert_eq!(channel(&checked, "MX Hosts Up"), Some(2.0));
    assert_eq!(channel(&checked, "MTA-STS Mode"), Some(2.0));
    assert_eq!(channel(&checked, "MTA-STS Max Age"), Some(14.0));
    assert_eq!(channel(&checked, "Downtime"), Some(0.0));
    let phases: Vec<&Value> = (checked.json["timings"].as_array().unwrap().iter())
        .map(|t| &t["phase"])
        .collect();
    assert!(phases.contains(&&Value::from("mx-lookup")), "{phases:?}");
    let requests = world.policy_server().unwrap().requests();
    assert_eq!(requests, ["GET /.well-known/mta-sts.txt HTTP/1.1"]);
}

/// A domain whose policy names mx1 only, in `mode`, with mx2 up beside it.
async fn mx2_outside_the_policy(mode: &'static str) -> (MailDomain, Checked) {
    let world = world(
        Plan::new(&format!("outside-{mode}"))
            .mx(10, Host::Postfix)
            .mx(20, Host::Postfix)
            .sts_record(&sts_record())
            .policy(move |d| {
                let text = smtp_sensor_tests::policy_server::policy_text(
                    mode,
                    &[&format!("mx1.{d}")],
                    1_209_600,
                );
                Reply::policy(&text)
            }),
    )
    .await;
    let checked = check(&world, 10, &[]).await;
    let d = world.domain();
    let (mx1, mx2) = (
        checked.host(&format!("mx1.{d}")),
        checked.host(&format!("mx2.{d}")),
    );
    assert_eq!(mx1["sts_valid"], true, "{mx1}");
    assert_eq!(mx2["status"], "up", "the host itself works: {mx2}");
    assert!(mx2["sts_pattern"].is_null(), "{mx2}");
    assert_eq!(mx2["sts_valid"], false, "{mx2}");
    assert_eq!(checked.json["failure"]["kind"], "mta-sts-failed");
    assert_eq!(checked.json["failure"]["phase"], "mta-sts-judge");
    let detail = checked.json["failure"]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("mx2.{d}")), "{detail}");
    (world, checked)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_outside_an_enforce_policy_is_down() {
    let (_world, checked) = mx2_outside_the_policy("enforce").await;
    checked.assert_status("down");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_outside_a_testing_policy_is_a_warning() {
    let (_world, checked) = mx2_outside_the_policy("testing").await;
    checked.assert_status("warning");
    assert_eq!(channel(&checked, "MTA-STS Mode"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mx_host_whose_certificate_lacks_its_name_is_down_under_enforce() {
    let world = world(
        Plan::new("wrongname")
            .mx(10, Host::Postfix)
            .mx(20, Host::WrongName)
            .sts_record(&sts_record())
            .policy(enforce(&["mx1", "mx2"])),
    )
    .await;
    let d = world.domain();
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("down");
    let mx2 = checked.host(&format!("mx2.{d}"));
    assert_eq!(mx2["status"], "down", "{mx2}");
    assert_eq!(mx2["failure"]["kind"], "certificate-rejected", "{mx2}");
    assert_eq!(mx2["sts_valid"], false, "{mx2}");
    assert_eq!(checked.host(&format!("mx1.{d}"))["sts_valid"], true);
    assert_eq!(checked.json["failure"]["kind"], "mta-sts-failed");
    assert!(
        checked.message().contains(&format!("mx2.{d}")),
        "{}",
        checked.message()
    );
    assert_eq!(channel(&checked, "MX Hosts Up"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_null_mx_is_down_accepting_no_mail() {
    let world = world(Plan::new("nullmx").null_mx()).await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("down");
    assert_eq!(checked.domain()["mx_source"], "null-mx");
    assert_eq!(checked.domain()["mx_hosts"], serde_json::json!([]));
    assert_eq!(checked.json["failure"]["kind"], "null-mx");
    assert!(
        checked.message().contains("accepts no mail"),
        "{}",
        checked.message()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_mx_records_the_domain_itself_is_the_implicit_mx() {
    let world = world(Plan::new("implicit").implicit_mx(Host::Postfix)).await;
    let d = world.domain();
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("up");
    assert_eq!(checked.domain()["mx_source"], "implicit");
    let host = checked.host(d);
    assert_eq!(host["preference"], 0);
    assert_eq!(host["status"], "up", "{host}");
    assert_eq!(
        host["tls"]["verified"], true,
        "a certificate for {d}: {host}"
    );
    let ip = world.mx_hosts()[0].ip;
    assert_eq!(host["remote_address"], format!("{ip}:25"));
    assert!(host["sts_valid"].is_null(), "no policy: {host}");
    assert!(checked.domain()["mta_sts"]["record_id"].is_null());
    assert!(checked.domain()["mta_sts"]["policy"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_black_holed_mx_host_of_two_is_a_warning_within_one_timeout() {
    let world = world(
        Plan::new("blackholed")
            .mx(10, Host::Postfix)
            .mx(20, Host::Silent),
    )
    .await;
    let d = world.domain();
    let timeout = 4;
    let checked = check(&world, timeout, &[]).await;
    checked.assert_status("warning");
    let silent = checked.host(&format!("mx2.{d}"));
    assert_eq!(silent["status"], "down", "{silent}");
    assert_eq!(silent["failure"]["kind"], "timeout", "{silent}");
    assert_eq!(checked.host(&format!("mx1.{d}"))["status"], "up");
    assert_eq!(checked.json["failure"]["kind"], "mx-hosts-failed");
    let detail = checked.json["failure"]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("mx2.{d}")), "{detail}");
    assert_eq!(channel(&checked, "MX Hosts"), Some(2.0));
    assert_eq!(channel(&checked, "MX Hosts Up"), Some(1.0));
    // Concurrently within one deadline: about one timeout, not two.
    let limit = Duration::from_secs(u64::from(timeout)).mul_f64(1.6);
    assert!(checked.took < limit, "took {:?}", checked.took);
}
