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

use crate::dns_faults::{ServFail, Silent, SilentAaaa};
use crate::knot::{Knot, Zone};
use crate::loopback::{Claimed, claim};
use crate::policy_server::PolicyServer;
use crate::postfix::{Config, Postfix};
use crate::scratch::Scratch;
use crate::server::black_hole;
use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;

mod plan;

pub use plan::{Dns, Host, Plan, PolicyReply};

/// One MX host as started.
pub struct MxHost {
    /// Its exchange name (`mx1.NAME.test`, or the domain for an implicit MX).
    pub exchange: String,
    /// Its address (port 25).
    pub ip: Ipv4Addr,
    /// The Postfix behind it, when it is one.
    pub postfix: Option<Postfix>,
    _other: Option<Held>,
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
    mx: Vec<MxHost>,
    policy: Option<PolicyServer>,
    knot: Option<Knot>,
    /// The failing DNS server, when one plays DNS.
    _fault: Option<Held>,
    ca_file: std::path::PathBuf,
    _scratch: Scratch,
    _claims: Vec<Claimed>,
}

impl MailDomain {
    /// Starts what `plan` asks for. Must be called inside a multi-threaded tokio runtime.
    pub async fn start(plan: Plan) -> Result<Self, String> {
        let dns_claim = claim(53, 53)?;
        let [_, _, x, y] = dns_claim.ip().octets();
        let domain = format!("{}-{x}-{y}.test", plan.label);
        let dns_address = SocketAddrV4::new(dns_claim.ip(), 53);
        let mut claims = vec![dns_claim];
        let ca = Ca::new(&format!("smtp-sensor test CA for {domain}"));
        let scratch = Scratch::new("mail-domain");
        let ca_file = scratch.write("ca.pem", &ca.pem());
        let mut zone = Zone::new(&domain);
        let mut wanted = Vec::new();
        for (n, (preference, host)) in plan.mx.iter().enumerate() {
            let label = format!("mx{}", n + 1);
            zone = zone.record(&format!("@ MX {preference} {label}"));
            wanted.push((format!("{label}.{domain}"), *host, label));
        }
        if let Some(host) = plan.implicit {
            wanted.push((domain.clone(), host, "@".into()));
        }
        if plan.null_mx {
            zone = zone.record("@ MX 0 .");
        }
        let mut starting = Vec::new();
        for (exchange, host, label) in wanted {
            let claimed = claim(25, 25)?;
            let ip = claimed.ip();
            claims.push(claimed);
            zone = zone.record(&format!("{label} A {ip}"));
            let started = start_host(host, &exchange, ip, &ca);
            starting.push((exchange, ip, started));
        }
        let mut mx = Vec::new();
        for (exchange, ip, started) in starting {
            let (postfix, other) = started.finish(ip).await?;
            mx.push(MxHost {
                exchange,
                ip,
                postfix,
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
        let (knot, fault): (_, Option<Held>) = match plan.dns {
            Dns::Knot => (Some(start_knot(dns_address, zone).await?), None),
            Dns::Stopped => {
                drop(start_knot(dns_address, zone).await?);
                (None, None)
            }
            Dns::ServFail => (None, Some(Box::new(ServFail::start(dns_address).await?))),
            Dns::Silent => (None, Some(Box::new(Silent::start(dns_address)?))),
            Dns::SilentAaaa => {
                let behind = claim(53, 53)?;
                let knot_address = SocketAddrV4::new(behind.ip(), 53);
                claims.push(behind);
                let knot = start_knot(knot_address, zone).await?;
                let front = SilentAaaa::start(dns_address, knot_address).await?;
                (Some(knot), Some(Box::new(front) as Held))
            }
        };
        Ok(Self {
            domain,
            dns_address,
            mx,
            policy,
            knot,
            _fault: fault,
            ca_file,
            _scratch: scratch,
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

    /// Knot's log (empty when another server plays DNS).
    pub fn dns_log(&self) -> String {
        self.knot.as_ref().map(Knot::log).unwrap_or_default()
    }

    /// Stops the DNS server; its address stays this domain's (nothing else listens there).
    pub fn stop_dns(&mut self) {
        self.knot = None;
        self._fault = None;
    }

    /// `check --domain NAME.test --dns-server ADDR --tls-ca FILE --format json --timeout S`.
    pub fn check_args(&self, timeout_seconds: u32) -> Vec<String> {
        [
            "check",
            "--domain",
            &self.domain,
            "--dns-server",
            &self.dns_server(),
            "--tls-ca",
            &self.ca_file.display().to_string(),
            "--format",
            "json",
            "--timeout",
            &timeout_seconds.to_string(),
        ]
        .map(String::from)
        .to_vec()
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

/// Starts `host` on port 25 of `ip`, its certificate from `ca` for `exchange` (or for
/// another name).
fn start_host(host: Host, exchange: &str, ip: Ipv4Addr, ca: &Ca) -> Starting {
    let name = match host {
        Host::Postfix => exchange,
        Host::WrongName => "elsewhere.test",
        Host::Silent => return Starting::Silent,
        Host::BlackHole => return Starting::BlackHole,
    };
    let leaf = ca.issue(&LeafSpec::valid_for(&[name]));
    let config = Config {
        tls: Some((leaf.certificate_pem, leaf.key_pem)),
        address: Some(ip),
        port: Some(25),
        ..Config::default()
    };
    Starting::Postfix(tokio::task::spawn_blocking(move || {
        Postfix::start_with(config)
    }))
}

/// Starts Knot serving `zone` on `address` (already claimed).
async fn start_knot(address: SocketAddrV4, zone: Zone) -> Result<Knot, String> {
    tokio::task::spawn_blocking(move || Knot::start(address, &[zone]))
        .await
        .map_err(|e| e.to_string())?
}
