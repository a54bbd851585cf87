//! DANE as Postfix sees it, next to smtp-sensor's verdict (issue 39): starts the test
//! world's mail domains (`mail_domain`: a signed zone with one MX host per DANE case, and
//! zones with tampered, expired and soon expiring signatures), a validating Unbound for
//! them (`unbound`), and runs Postfix's own `posttls-finger -l dane` against each MX host,
//! in a private mount namespace whose `/etc/resolv.conf` names that Unbound (the machine's
//! is never changed), beside `smtp-sensor check --domain` of each domain. Prints, per MX
//! host, the case, posttls-finger's outcome and smtp-sensor's. Everything listens and
//! talks on loopback only, and stops at the end. Run as root (ports 25 and 53, unshare):
//! `scripts/dane-posttls-finger`. The CLI is `$SMTP_SENSOR`, or `smtp-sensor-under-test`
//! beside this program.

use smtp_sensor_tests::mail_domain::{Host, MailDomain, Plan, Signing, Tlsa};
use smtp_sensor_tests::unbound::{StubZone, Unbound};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A domain and what each of its MX hosts stands for, in order.
struct Case {
    world: MailDomain,
    names: Vec<&'static str>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    std::process::exit(runtime.block_on(run()));
}

async fn run() -> i32 {
    let cli = std::env::var("SMTP_SENSOR").unwrap_or_else(|_| {
        let me = std::env::current_exe().expect("this program's path");
        me.with_file_name("smtp-sensor-under-test")
            .display()
            .to_string()
    });
    let two_days = Duration::from_secs(2 * 86_400);
    let plans = [
        (
            Plan::new("finger")
                .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
                .mx_tlsa(20, Host::Postfix, &[Tlsa::Ca])
                .mx_tlsa(30, Host::Postfix, &[Tlsa::OtherKey])
                .mx_tlsa(40, Host::Postfix, &[Tlsa::LeafKey, Tlsa::OtherKey])
                .mx_tlsa(50, Host::Postfix, &[Tlsa::Pkix])
                .mx_tlsa(60, Host::NoTls, &[Tlsa::LeafKey])
                .insecure_mx(70, Host::Postfix, &[Tlsa::LeafKey])
                .mx(80, Host::Postfix),
            vec![
                "3 1 1 matching",
                "2 1 1 of the CA",
                "3 1 1 of a rolled key",
                "3 1 1 + standby",
                "1 1 1 (PKIX) only",
                "no STARTTLS",
                "insecure zone",
                "no TLSA",
            ],
        ),
        (
            Plan::new("finger-tampered")
                .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
                .signing(Signing::Tampered),
            vec!["TLSA tampered"],
        ),
        (
            Plan::new("finger-expired")
                .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
                .signing(Signing::Expired),
            vec!["signatures expired"],
        ),
        (
            Plan::new("finger-expiring")
                .mx_tlsa(10, Host::Postfix, &[Tlsa::LeafKey])
                .signing(Signing::ExpiresIn(two_days)),
            vec!["signatures expire in 2 days"],
        ),
    ];
    let mut cases = Vec::new();
    for (plan, names) in plans {
        match MailDomain::start(plan).await {
            Ok(world) => cases.push(Case { world, names }),
            Err(e) => {
                eprintln!("dane-posttls-finger: cannot start a mail domain: {e}");
                return 2;
            }
        }
    }
    let zones: Vec<StubZone> = (cases.iter())
        .map(|c| StubZone {
            origin: c.world.domain().to_string(),
            server: c.world.knot_address(),
            trust_anchor: c.world.trust_anchor().map(Into::into),
        })
        .collect();
    let unbound = match Unbound::start(&zones) {
        Ok(unbound) => unbound,
        Err(e) => {
            eprintln!("dane-posttls-finger: cannot start Unbound: {e}");
            return 2;
        }
    };
    // Postfix asks whether the resolver validates with a secure question (`dnssec_probe`,
    // the root's NS by default, which this Unbound refuses): the signed domain's NS.
    let probe = format!("dnssec_probe=ns:{}", cases[0].world.domain());
    let resolv = unbound.dir().join("resolv.conf");
    std::fs::write(&resolv, unbound.resolv_conf()).expect("write resolv.conf");
    println!(
        "{:<28} {:<34} {:<44} smtp-sensor (host: status, failure, DANE state)",
        "case", "MX host", "posttls-finger -l dane"
    );
    for case in &cases {
        let world = &case.world;
        let args = world.check_args(15);
        let output = Command::new(&cli)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("run {cli}: {e}"));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let mut details = Vec::new();
        for (mx, name) in world.mx_hosts().iter().zip(&case.names) {
            let finger = finger(&resolv, &probe, world.ca_file(), &mx.exchange);
            let hosts = json["domain"]["mx_hosts"].as_array();
            let host = hosts.and_then(|h| h.iter().find(|h| h["exchange"] == mx.exchange));
            let sensor = match host {
                Some(h) => format!(
                    "{}, {}, {}",
                    h["status"].as_str().unwrap_or("?"),
                    h["failure"]["kind"].as_str().unwrap_or("-"),
                    h["dane"]["state"].as_str().unwrap_or("(no dane)")
                ),
                None => "(not checked)".into(),
            };
            println!(
                "{name:<28} {:<34} {:<44} {sensor}",
                mx.exchange, finger.summary
            );
            details.push((mx.exchange.clone(), finger.lines));
        }
        println!(
            "{:<28} {:<34} {:<44} domain: {}, {}",
            "",
            world.domain(),
            "",
            json["status"].as_str().unwrap_or("?"),
            json["failure"]["kind"].as_str().unwrap_or("-"),
        );
        for (exchange, lines) in details {
            println!("    posttls-finger [{exchange}]:");
            for line in lines {
                println!("        {line}");
            }
        }
        let message = json["message"].as_str().unwrap_or_default();
        println!("    smtp-sensor: {message}");
        if !output.status.success() && json.is_null() {
            println!(
                "    smtp-sensor stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    0
}

/// posttls-finger's outcome: a summary and its telling lines.
struct Finger {
    summary: String,
    lines: Vec<String>,
}

/// Runs `posttls-finger -l dane` against `[exchange]:25` in a mount namespace whose
/// `/etc/resolv.conf` is `resolv`, with the main.cf setting `probe`, trusting `ca` where it
/// falls back to `secure` (no usable TLSA records).
fn finger(resolv: &Path, probe: &str, ca: &Path, exchange: &str) -> Finger {
    let script = "mount --bind \"$1\" /etc/resolv.conf && \
                  exec posttls-finger -t 30 -T 30 -l dane -o \"$2\" -F \"$3\" \"[$4]:25\"";
    let output = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(resolv)
        .arg(probe)
        .arg(ca)
        .arg(exchange)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return Finger {
                summary: format!("cannot run: {e}"),
                lines: Vec::new(),
            };
        }
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    // The SMTP chat (`< ` the server, `> ` the client) but for the EHLO's end, as it tells
    // whether STARTTLS was offered.
    let chat = |l: &str| {
        let l = l.trim_start_matches("posttls-finger: ");
        l.starts_with("< ") || l.starts_with("> ")
    };
    let all: Vec<String> = text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut lines: Vec<String> = all.iter().filter(|l| !chat(l)).cloned().collect();
    let has = |needle: &str| all.iter().any(|l| l.contains(needle));
    let verified = has("Verified TLS connection established");
    let summary = if verified && has("Matched DANE") {
        "Verified (DANE match)"
    } else if verified {
        "Verified (CA: no usable TLSA)"
    } else if has("Trusted TLS connection established") {
        "Trusted (CA)"
    } else if has("no matching DANE TLSA records") {
        "no TLSA match (a DANE sender defers)"
    } else if has("Untrusted TLS connection established") {
        "Untrusted"
    } else if has("TLSA lookup error") {
        "TLSA lookup error (deferred)"
    } else if has("certificate verification failed") {
        "certificate verification failed"
    } else if has("> EHLO") && !has("STARTTLS") {
        "no STARTTLS offered (it gives up)"
    } else if has("Destination address lookup failed") {
        "address lookup failed (deferred)"
    } else {
        "other (see below)"
    };
    if summary.starts_with("other") {
        lines = all;
    }
    Finger {
        summary: summary.to_string(),
        lines,
    }
}
