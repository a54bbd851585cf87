//! How long a domain check takes (`check --domain`, issue 38) against the same MX hosts
//! checked one by one with `check --host`, as a monitoring system without a domain check
//! would run them: a mail domain of the bench's own on loopback (`mail_domain`: Knot, three
//! Postfix MX hosts with STARTTLS, an `enforce` MTA-STS policy host), in turn, many rounds,
//! medians and their ratio. Then the same with one MX host black-holed (accepts, never
//! speaks) twice, where the domain check should take one timeout and the one-by-one checks
//! two.
//!
//! The one-by-one checks do less than the domain check: no DNS (they are given each MX
//! host's address), no MTA-STS record or policy fetch, no TLS-RPT.
//!
//! Run: `cargo bench --bench domain_time` (as root: ports 25, 53, 443; needs Postfix and Knot).

use smtp_sensor_tests::cli;
use smtp_sensor_tests::mail_domain::{Host, MailDomain, Plan};
use smtp_sensor_tests::policy_server::Reply;
use std::time::{Duration, Instant};

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");
const ROUNDS: usize = 21;
const BLACK_HOLED_ROUNDS: usize = 3;
const BLACK_HOLED_TIMEOUT: u32 = 3;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!("three MX hosts, every one up; {ROUNDS} rounds, in turn, after a warm-up round");
    let world = start(Host::Postfix, Host::Postfix).await;
    compare(&world, ROUNDS, 10).await;
    drop(world);
    println!(
        "\nthree MX hosts, two black-holed; --timeout {BLACK_HOLED_TIMEOUT}; \
         {BLACK_HOLED_ROUNDS} rounds"
    );
    let world = start(Host::Silent, Host::Silent).await;
    compare(&world, BLACK_HOLED_ROUNDS, BLACK_HOLED_TIMEOUT).await;
}

/// A domain with a Postfix MX host, then `second` and `third` less preferred.
async fn start(second: Host, third: Host) -> MailDomain {
    let plan = Plan::new("bench")
        .mx(10, Host::Postfix)
        .mx(20, second)
        .mx(30, third)
        .sts_record("v=STSv1; id=bench1")
        .tls_rpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.test")
        .policy(|d| {
            let names: Vec<String> = (1..=3).map(|i| format!("mx{i}.{d}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Reply::enforce(&names, 1_209_600)
        });
    MailDomain::start(plan)
        .await
        .expect("start the mail domain (as root: ports 25, 53, 443)")
}

/// The domain check and the one-by-one checks in turn, `rounds` times each.
async fn compare(world: &MailDomain, rounds: usize, timeout: u32) {
    let timeout_text = timeout.to_string();
    let mut domain_args = world.check_args(timeout);
    domain_args.retain(|a| a != "--format" && a != "json");
    let ca = world.ca_file().display().to_string();
    let hosts: Vec<Vec<String>> = world
        .mx_hosts()
        .iter()
        .map(|mx| {
            [
                "check",
                "--host",
                &mx.ip.to_string(),
                "--port",
                "25",
                "--security",
                "starttls",
                "--tls-server-name",
                &mx.exchange,
                "--tls-ca",
                &ca,
                "--timeout",
                &timeout_text,
            ]
            .map(String::from)
            .to_vec()
        })
        .collect();
    // Where the domain check's time goes, once.
    let json = run(&world.check_args(timeout)).await.json();
    let phases: Vec<String> = json["timings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {:.1} ms",
                t["phase"].as_str().unwrap_or("?"),
                t["ms"].as_f64().unwrap_or(0.0)
            )
        })
        .collect();
    println!("  the domain's phases: {}", phases.join(", "));
    for host in json["domain"]["mx_hosts"].as_array().into_iter().flatten() {
        let phases: Vec<String> = host["timings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                format!(
                    "{} {:.1}",
                    t["phase"].as_str().unwrap_or("?"),
                    t["ms"].as_f64().unwrap_or(0.0)
                )
            })
            .collect();
        println!(
            "  {}: verdict at {:.1} ms ({})",
            host["exchange"].as_str().unwrap_or("?"),
            host["response_ms"].as_f64().unwrap_or(0.0),
            phases.join(", ")
        );
    }
    let (mut domain, mut one_by_one) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        let started = Instant::now();
        let said = run(&domain_args).await;
        let took = started.elapsed();
        if round == 0 {
            println!(
                "  the domain check says: {}",
                said.stdout.lines().next().unwrap_or("")
            );
        }
        let started = Instant::now();
        for host in &hosts {
            run(host).await;
        }
        let took_one_by_one = started.elapsed();
        if round > 0 {
            domain.push(took);
            one_by_one.push(took_one_by_one);
        }
    }
    let (d, o) = (median(&mut domain), median(&mut one_by_one));
    println!(
        "  check --domain (3 MX hosts at once, with DNS, MTA-STS, TLS-RPT): median {:.1} ms",
        ms(d)
    );
    println!(
        "  3 x check --host, one by one:                               median {:.1} ms",
        ms(o)
    );
    println!(
        "  ratio (domain / one by one): {:.2}",
        d.as_secs_f64() / o.as_secs_f64()
    );
}

async fn run(args: &[String]) -> cli::Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cli::run(SMTP_SENSOR, &args).await
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
