//! A mail domain of a test's own, for the domain checks (`check --domain`): `NAME.test`,
//! served by a Knot DNS on port 53 of a claimed 127.53.x.y, with the MX records, MX hosts,
//! MTA-STS record and policy host, and TLS-RPT record a [`Plan`] asks for, or a DNS server
//! that fails. Addresses are claimed (see `loopback`), so tests running at once never meet:
//! MX hosts on port 25 of 127.25.x.y, the policy host on 443 of 127.43.x.y. Certificates come
//! from one test CA (its file is handed to `--tls-ca`). Everything stops when it drops.
//!
//! A black-holed MX host is [`Host::Silent`], a listener that accepts and never speaks: a
//! connection the check must give up on at its deadline, whatever the kernel does with SYNs
//! (nothing listening at all would be refused at once, and prove nothing about time);
//! [`Host::BlackHole`], SYNs never answered, is there too.
//!
//! The zone is signed (DNSSEC) by default: Knot signs it, and the checks trust its keys
//! (`--dns-trust-anchor`, [`MailDomain::trust_anchor`]), as hickory-resolver calls every
//! answer of an unsigned private zone bogus (hickory-dns issue 3932). For DANE (issue 39)
//! an MX host may have TLSA records made from the certificates the world issues
//! ([`Tlsa`]), live in an unsigned child zone delegated without DS ([`Plan::insecure_mx`]:
//! provably insecure), or run without STARTTLS ([`Host::NoTls`]); and the zone may be signed
//! offline with expired or soon expiring signatures, or tampered with after signing
//! ([`Signing`], with `ldns`).

use crate::dns_faults::{ServFail, Silent, SilentAaaa};
use crate::knot::{Knot, Zone};
use crate::ldns::{self, Tamper};
use crate::loopback::{Claimed, claim};
use crate::policy_server::PolicyServer;
use crate::postfix::{Config, Postfix};
use crate::scratch::Scratch;
use crate::server::black_hole;
use smtp_sensor_host::demo::pki::{Ca, Leaf, LeafSpec};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod dane;
mod plan;

pub use dane::{hex, sha256, spki_sha256};
pub use plan::{Dns, Host, Plan, PolicyReply, Signing, Tlsa};

/// One MX host as started.
pub struct MxHost {
    /// Its exchange name (`mx1.NAME.test`, `mx1.unsigned.NAME.test` in the unsigned child
    /// zone, or the domain for an implicit MX).
    pub exchange: String,
    /// Its address (port 25).
    pub ip: Ipv4Addr,
    /// The Postfix behind it, when it is one.
    pub postfix: Option<Postfix>,
    /// Its TLSA records as served (`3 1 1 HEX`, upper-case hex, in the plan's order), at
    /// `_25._tcp.EXCHANGE`.
    pub tlsa: Vec<String>,
    /// The SHA-256 (lower-case hex) of the SubjectPublicKeyInfo of the certificate issued
    /// for it: the key it presents (a host without TLS presents none, and a silent one
    /// never gets that far).
    pub key_sha256: String,
    _other: Option<Held>,
}

impl MxHost {
    /// The name of its TLSA records, `_25._tcp.EXCHANGE`.
    pub fn tlsa_name(&self) -> String {
        format!("_25._tcp.{}", self.exchange)
    }
}

/// A listener that is not Postfix, or a DNS server that is not Knot: held until dropped.
type Held = Box<dyn std::any::Any + Send>;

/// A task that ends when this is dropped.
struct Abort(tokio::task::JoinHandle<()>);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running mail domain. Servers are declared before the claims of their addresses, so
/// they stop first.
pub struct MailDomain {
    domain: String,
    dns_address: SocketAddrV4,
    knot_address: SocketAddrV4,
    mx: Vec<MxHost>,
    policy: Option<PolicyServer>,
    knot: Option<Knot>,
    /// The failing DNS server, when one plays DNS.
    _fault: Option<Held>,
    ca_file: PathBuf,
    trust_anchor: Option<PathBuf>,
    scratch: Scratch,
    _claims: Vec<Claimed>,
}

/// An MX host about to start.
struct Wanted {
    exchange: String,
    host: Host,
    /// Its name relative to its zone's origin (`mx1`, `@`).
    label: String,
    insecure: bool,
    tlsa: Vec<Tlsa>,
}

/// The address a signature covers in place of a tampered A record's (never served).
const DECOY_ADDRESS: &str = "127.0.0.2";

impl MailDomain {
    /// Starts what `plan` asks for. Must be called inside a multi-threaded tokio runtime.
    pub async fn start(plan: Plan) -> Result<Self, String> {
        let dns_claim = claim(53, 53)?;
        let [_, _, x, y] = dns_claim.ip().octets();
        let domain = format!("{}-{x}-{y}.test", plan.label);
        let dns_address = SocketAddrV4::new(dns_claim.ip(), 53);
        let mut claims = vec![dns_claim];
        // Knot listens on the domain's DNS address, or behind the failing server that
        // forwards to it.
        let knot_address = match plan.dns {
            Dns::SilentAaaa => {
                let behind = claim(53, 53)?;
                let address = SocketAddrV4::new(behind.ip(), 53);
                claims.push(behind);
                address
            }
            _ => dns_address,
        };
        let knot_ip = knot_address.ip();
        let ca = Ca::new(&format!("smtp-sensor test CA for {domain}"));
        let other_key = ca.issue(&LeafSpec::valid_for(&["rolled.test"]));
        let scratch = Scratch::new("mail-domain");
        let ca_file = scratch.write("ca.pem", &ca.pem());
        let child_origin = format!("unsigned.{domain}");
        let mut zone = Zone::new(&domain)
            .record("@ NS ns")
            .record(&format!("ns A {knot_ip}"));
        let mut child = Zone::new(&child_origin)
            .record("@ NS ns")
            .record(&format!("ns A {knot_ip}"));
        let tampering = plan.signing == Signing::Tampered;
        let tamper_tlsa = plan.mx.iter().any(|m| !m.insecure && !m.tlsa.is_empty());
        let mut tamper = Vec::new();
        let mut wanted = Vec::new();
        for (n, planned) in plan.mx.iter().enumerate() {
            let label = format!("mx{}", n + 1);
            let (target, exchange) = match planned.insecure {
                true => (
                    format!("{label}.unsigned"),
                    format!("{label}.{child_origin}"),
                ),
                false => (label.clone(), format!("{label}.{domain}")),
            };
            zone = zone.record(&format!("@ MX {} {target}", planned.preference));
            wanted.push(Wanted {
                exchange,
                host: planned.host,
                label,
                insecure: planned.insecure,
                tlsa: planned.tlsa.clone(),
            });
        }
        if let Some(host) = plan.implicit {
            wanted.push(Wanted {
                exchange: domain.clone(),
                host,
                label: "@".into(),
                insecure: false,
                tlsa: Vec::new(),
            });
        }
        if plan.null_mx {
            zone = zone.record("@ MX 0 .");
        }
        let mut starting = Vec::new();
        for wanted in wanted {
            let claimed = claim(25, 25)?;
            let ip = claimed.ip();
            claims.push(claimed);
            let name = match wanted.host {
                Host::WrongName => "elsewhere.test",
                _ => &wanted.exchange,
            };
            let leaf = ca.issue(&LeafSpec::valid_for(&[name]));
            let tlsa: Vec<String> = (wanted.tlsa.iter())
                .map(|t| dane::record(*t, &leaf.chain[0], &ca.certificate(), &other_key.chain[0]))
                .collect();
            let owner = match wanted.label.as_str() {
                "@" => "_25._tcp".to_string(),
                label => format!("_25._tcp.{label}"),
            };
            let mut address = ip.to_string();
            if tampering && !wanted.insecure && !tamper_tlsa && tamper.is_empty() {
                tamper.push(Tamper {
                    owner: wanted.exchange.clone(),
                    kind: "A".into(),
                    signed: DECOY_ADDRESS.into(),
                    served: address.clone(),
                });
                address = DECOY_ADDRESS.into();
            }
            let mut lines = vec![format!("{} A {address}", wanted.label)];
            for record in &tlsa {
                let mut data = record.clone();
                if tampering && !wanted.insecure {
                    data = dane::decoy(record);
                    tamper.push(Tamper {
                        owner: format!("_25._tcp.{}", wanted.exchange),
                        kind: "TLSA".into(),
                        signed: data.clone(),
                        served: record.clone(),
                    });
                }
                lines.push(format!("{owner} TLSA {data}"));
            }
            for line in lines {
                match wanted.insecure {
                    true => child = child.record(&line),
                    false => zone = zone.record(&line),
                }
            }
            let key_sha256 = hex(&spki_sha256(&leaf.chain[0])).to_ascii_lowercase();
            let with_ca = wanted.tlsa.contains(&Tlsa::Ca);
            let started = start_host(wanted.host, ip, leaf, with_ca.then(|| ca.pem()));
            starting.push((wanted.exchange, ip, tlsa, key_sha256, started));
        }
        let has_child = plan.mx.iter().any(|m| m.insecure);
        if has_child {
            zone = zone
                .record("unsigned NS ns.unsigned")
                .record(&format!("ns.unsigned A {knot_ip}"));
        }
        let mut mx = Vec::new();
        for (exchange, ip, tlsa, key_sha256, started) in starting {
            let (postfix, other) = started.finish(ip).await?;
            mx.push(MxHost {
                exchange,
                ip,
                postfix,
                tlsa,
                key_sha256,
                _other: other,
            });
        }
        for text in &plan.sts {
            zone = zone.txt("_mta-sts", text);
        }
        for text in &plan.tls_rpt {
            zone = zone.txt("_smtp._tls", text);
        }
        let policy = match plan.policy {
            None => None,
            Some((reply, trusted)) => {
                let claimed = claim(43, 443)?;
                let ip = claimed.ip();
                claims.push(claimed);
                zone = zone.record(&format!("mta-sts A {ip}"));
                let name = format!("mta-sts.{domain}");
                let leaf = match trusted {
                    true => ca.issue(&LeafSpec::valid_for(&[&name])),
                    false => Ca::new("an untrusted CA").issue(&LeafSpec::valid_for(&[&name])),
                };
                let address = SocketAddr::from((ip, 443));
                Some(PolicyServer::start(address, &leaf, reply(&domain)).await?)
            }
        };
        let now = SystemTime::now();
        const HOUR: Duration = Duration::from_secs(3600);
        const DAY: Duration = Duration::from_secs(86_400);
        let zone = match plan.signing {
            Signing::Knot => zone.signed(),
            Signing::Unsigned => zone,
            Signing::Expired => ldns::sign(&zone, now - 10 * DAY, now - DAY, &[])?,
            Signing::ExpiresIn(left) => ldns::sign(&zone, now - HOUR, now + left, &[])?,
            Signing::Tampered => ldns::sign(&zone, now - HOUR, now + 30 * DAY, &tamper)?,
        };
        let zones = match has_child {
            true => vec![zone, child],
            false => vec![zone],
        };
        let signed = plan.signing != Signing::Unsigned;
        let mut trust_anchor = None;
        let mut anchor = |knot: &Knot| -> Result<(), String> {
            if signed {
                let keys = knot.dnskeys(&domain)?;
                trust_anchor = Some(scratch.write("trust-anchor.keys", &keys));
            }
            Ok(())
        };
        let (knot, fault): (_, Option<Held>) = match plan.dns {
            Dns::Knot => {
                let knot = start_knot(knot_address, zones).await?;
                anchor(&knot)?;
                (Some(knot), None)
            }
            Dns::Stopped => {
                let knot = start_knot(knot_address, zones).await?;
                anchor(&knot)?;
                drop(knot);
                (None, None)
            }
            Dns::ServFail => (None, Some(Box::new(ServFail::start(dns_address).await?))),
            Dns::Silent => (None, Some(Box::new(Silent::start(dns_address)?))),
            Dns::SilentAaaa => {
                let knot = start_knot(knot_address, zones).await?;
                anchor(&knot)?;
                let front = SilentAaaa::start(dns_address, knot_address).await?;
                (Some(knot), Some(Box::new(front) as Held))
            }
        };
        Ok(Self {
            domain,
            dns_address,
            knot_address,
            mx,
            policy,
            knot,
            _fault: fault,
            ca_file,
            trust_anchor,
            scratch,
            _claims: claims,
        })
    }

    /// The domain, `NAME.test`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The DNS server's address, for `--dns-server` (`127.53.x.y:53`).
    pub fn dns_server(&self) -> String {
        self.dns_address.to_string()
    }

    /// The DNS server's address.
    pub fn dns_address(&self) -> SocketAddrV4 {
        self.dns_address
    }

    /// The test CA's certificate file, for `--tls-ca`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The MX hosts, in the plan's order (an implicit MX last).
    pub fn mx_hosts(&self) -> &[MxHost] {
        &self.mx
    }

    /// The policy host, when there is one.
    pub fn policy_server(&self) -> Option<&PolicyServer> {
        self.policy.as_ref()
    }

    /// Where Knot listens: the DNS server's address, or behind [`Dns::SilentAaaa`]'s.
    pub fn knot_address(&self) -> SocketAddrV4 {
        self.knot_address
    }

    /// The file of the zone's DNSKEY records given to `--dns-trust-anchor`: none for an
    /// unsigned zone, or when no Knot ever served it.
    pub fn trust_anchor(&self) -> Option<&Path> {
        self.trust_anchor.as_deref()
    }

    /// Knot's log (empty when another server plays DNS).
    pub fn dns_log(&self) -> String {
        self.knot.as_ref().map(Knot::log).unwrap_or_default()
    }

    /// Stops the DNS server; its address stays this domain's (nothing else listens there).
    pub fn stop_dns(&mut self) {
        self.knot = None;
        self._fault = None;
    }

    /// `check --domain NAME.test --dns-server ADDR [--dns-trust-anchor FILE] --tls-ca FILE
    /// --format json --timeout S` (the trust anchor when the zone is signed).
    pub fn check_args(&self, timeout_seconds: u32) -> Vec<String> {
        let mut args = vec!["check".to_string(), "--domain".into(), self.domain.clone()];
        args.extend(self.common_args(timeout_seconds));
        args
    }

    /// `check --host EXCHANGE --port 25 --security starttls --dns-server ADDR
    /// [--dns-trust-anchor FILE] --tls-ca FILE --format json --timeout S`: one MX host by
    /// name (add `--dane` for its TLSA records). Its address is looked up with the system's
    /// resolver: run it [`MailDomain::confined`], never as it is (the machine's resolver is
    /// off loopback).
    pub fn host_check_args(&self, exchange: &str, timeout_seconds: u32) -> Vec<String> {
        let mut args = ["check", "--host", exchange, "--port", "25"]
            .map(String::from)
            .to_vec();
        args.extend(["--security".into(), "starttls".into()]);
        args.extend(self.common_args(timeout_seconds));
        args
    }

    /// `--dns-server ADDR [--dns-trust-anchor FILE]`: the domain's DNS, for a check or for
    /// `serve` (the trust anchor when the zone is signed).
    pub fn dns_args(&self) -> Vec<String> {
        let mut args = vec!["--dns-server".to_string(), self.dns_server()];
        if let Some(anchor) = &self.trust_anchor {
            args.extend(["--dns-trust-anchor".into(), anchor.display().to_string()]);
        }
        args
    }

    /// `unshare`'s arguments that run `program args` in a private mount namespace whose
    /// `/etc/resolv.conf` names the domain's DNS server alone (port 53 of its 127.53.x.y):
    /// for a check that resolves a name through the system's resolver (`getaddrinfo`, as a
    /// host check's `--host NAME` does), which must not ask the machine's, off loopback.
    /// The machine's own file is never changed.
    pub fn confined(&self, program: &str, args: &[String]) -> Vec<String> {
        let resolv = format!(
            "nameserver {}\noptions timeout:2 attempts:1\n",
            self.dns_address.ip()
        );
        let resolv = self.scratch.write("resolv.conf", &resolv);
        let script = "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"";
        let mut words = ["--mount", "--propagation", "private", "sh", "-c", script]
            .map(String::from)
            .to_vec();
        words.push(resolv.display().to_string());
        words.push(program.to_string());
        words.extend(args.iter().cloned());
        words
    }

    /// The DNS, trust and output arguments every check of the domain takes.
    fn common_args(&self, timeout_seconds: u32) -> Vec<String> {
        let mut args = self.dns_args();
        args.extend([
            "--tls-ca".into(),
            self.ca_file.display().to_string(),
            "--format".into(),
            "json".into(),
            "--timeout".into(),
            timeout_seconds.to_string(),
        ]);
        args
    }
}

/// An MX host being started: Postfix starts on a blocking thread (they start together).
enum Starting {
    Postfix(tokio::task::JoinHandle<Result<Postfix, String>>),
    Silent,
    BlackHole,
}

impl Starting {
    /// Waits for it to listen.
    async fn finish(self, ip: Ipv4Addr) -> Result<(Option<Postfix>, Option<Held>), String> {
        let address = SocketAddr::from((ip, 25));
        match self {
            Starting::Postfix(task) => Ok((Some(task.await.map_err(|e| e.to_string())??), None)),
            Starting::Silent => {
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .map_err(|e| format!("bind {address}: {e}"))?;
                let task = tokio::spawn(async move {
                    let mut held = Vec::new();
                    while let Ok((stream, _)) = listener.accept().await {
                        held.push(stream);
                    }
                });
                Ok((None, Some(Box::new(Abort(task)))))
            }
            Starting::BlackHole => Ok((None, Some(Box::new(black_hole(address))))),
        }
    }
}

/// Starts `host` on port 25 of `ip` with `leaf` as its certificate (`ca`'s certificate
/// after it, when given); a host without TLS gets none.
fn start_host(host: Host, ip: Ipv4Addr, leaf: Leaf, ca: Option<String>) -> Starting {
    let tls = match host {
        Host::Postfix | Host::WrongName => {
            Some((leaf.certificate_pem + &ca.unwrap_or_default(), leaf.key_pem))
        }
        Host::NoTls => None,
        Host::Silent => return Starting::Silent,
        Host::BlackHole => return Starting::BlackHole,
    };
    let config = Config {
        tls,
        address: Some(ip),
        port: Some(25),
        ..Config::default()
    };
    Starting::Postfix(tokio::task::spawn_blocking(move || {
        Postfix::start_with(config)
    }))
}

/// Starts Knot serving `zones` on `address` (already claimed).
async fn start_knot(address: SocketAddrV4, zones: Vec<Zone>) -> Result<Knot, String> {
    tokio::task::spawn_blocking(move || Knot::start(address, &zones))
        .await
        .map_err(|e| e.to_string())?
}
