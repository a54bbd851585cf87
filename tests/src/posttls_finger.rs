//! DANE as Postfix sees it, next to smtp-sensor's verdict (issue 39): starts the test
//! world's mail domains (`mail_domain`: a signed zone with one MX host per DANE case, and
//! zones with tampered, expired and soon expiring signatures), a validating Unbound for
//! them (`unbound`), and runs Postfix's own `posttls-finger -l dane` against each MX host,
//! in a private mount namespace whose `/etc/resolv.conf` names that Unbound (the machine's
//! is never changed), beside `smtp-sensor check --domain` of each domain. Everything
//! listens and talks on loopback only, and stops when the comparison is dropped. Needs
//! root (ports 25 and 53, unshare), postfix, knot, ldnsutils and unbound.

use crate::mail_domain::{Host, MailDomain, Plan, Signing, Tlsa};
use crate::unbound::{StubZone, Unbound};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One MX host as both saw it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The case it stands for (`3 1 1 matching`).
    pub case: &'static str,
    /// Its exchange.
    pub exchange: String,
    /// posttls-finger's outcome.
    pub finger: Finger,
    /// smtp-sensor's verdict on it: status, failure kind, DANE state.
    pub sensor: (String, String, String),
}

impl Row {
    /// Whether posttls-finger, a DANE sender, would deliver there.
    pub fn finger_delivers(&self) -> bool {
        self.finger.summary.starts_with("Verified")
    }

    /// Whether smtp-sensor says a DANE sender would deliver there: the host passes, or
    /// fails for nothing DANE made it refuse.
    pub fn sensor_delivers(&self) -> bool {
        let (status, _, state) = &self.sensor;
        status != "down"
            && !matches!(
                state.as_str(),
                "not-matched" | "no-tls" | "bogus" | "lookup-failed"
            )
    }
}

/// A domain's line: its name, smtp-sensor's status, failure kind and message.
#[derive(Debug, Clone)]
pub struct DomainLine {
    pub domain: String,
    pub status: String,
    pub kind: String,
    pub message: String,
}

/// Runs the comparison with the CLI at `cli`: every row, and each domain's line.
pub async fn compare(cli: &str) -> Result<(Vec<Row>, Vec<DomainLine>), String> {
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
        let world = MailDomain::start(plan)
            .await
            .map_err(|e| format!("cannot start a mail domain: {e}"))?;
        cases.push((world, names));
    }
    let zones: Vec<StubZone> = (cases.iter())
        .map(|(world, _)| StubZone {
            origin: world.domain().to_string(),
            server: world.knot_address(),
            trust_anchor: world.trust_anchor().map(Into::into),
        })
        .collect();
    let unbound = Unbound::start(&zones).map_err(|e| format!("cannot start Unbound: {e}"))?;
    // Postfix asks whether the resolver validates with a secure question (`dnssec_probe`,
    // the root's NS by default, which this Unbound refuses): the signed domain's NS.
    let probe = format!("dnssec_probe=ns:{}", cases[0].0.domain());
    let resolv = unbound.dir().join("resolv.conf");
    std::fs::write(&resolv, unbound.resolv_conf()).map_err(|e| format!("resolv.conf: {e}"))?;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (world, names) in &cases {
        let output = Command::new(cli)
            .args(world.check_args(15))
            .output()
            .map_err(|e| format!("run {cli}: {e}"))?;
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        for (mx, case) in world.mx_hosts().iter().zip(names) {
            let finger = finger(&resolv, &probe, world.ca_file(), &mx.exchange);
            let hosts = json["domain"]["mx_hosts"].as_array();
            let host = hosts.and_then(|h| h.iter().find(|h| h["exchange"] == mx.exchange));
            let field = |value: &serde_json::Value, missing: &str| {
                value.as_str().unwrap_or(missing).to_string()
            };
            let sensor = match host {
                Some(h) => (
                    field(&h["status"], "?"),
                    field(&h["failure"]["kind"], "-"),
                    field(&h["dane"]["state"], "(no dane)"),
                ),
                None => ("(not checked)".into(), "-".into(), "-".into()),
            };
            rows.push(Row {
                case,
                exchange: mx.exchange.clone(),
                finger,
                sensor,
            });
        }
        lines.push(DomainLine {
            domain: world.domain().to_string(),
            status: json["status"].as_str().unwrap_or("?").to_string(),
            kind: json["failure"]["kind"].as_str().unwrap_or("-").to_string(),
            message: match json.is_null() {
                true => String::from_utf8_lossy(&output.stderr).into_owned(),
                false => json["message"].as_str().unwrap_or_default().to_string(),
            },
        });
    }
    drop(unbound);
    Ok((rows, lines))
}

/// posttls-finger's outcome: a summary and its telling lines.
#[derive(Debug, Clone)]
pub struct Finger {
    /// In a few words.
    pub summary: String,
    /// Its lines but for the SMTP chat (all of them when the summary is `other`).
    pub lines: Vec<String>,
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
