//! What the component may do. Deny by default: no files, no environment, no arguments, no
//! inherited stdio, no UDP (not even linked: see [`crate::engine::linker`]). The network is the
//! configured targets and nothing else (the SMTP server, and a round trip's mailbox server):
//! for an IP literal, TCP to that address on its port and no name lookups; for a host name,
//! lookups of that name only (see [`crate::engine::name_lookup`]) and TCP only to the addresses
//! a lookup of that name returned, on that target's port. A mail domain's check
//! (`settings.domain`) names no target of its own: it looks up no name here (it resolves
//! through the contract's `dns`), and connects only where the host's DNS answers pointed
//! (see [`DnsReach`]). Memory and wall time are capped (see [`super::limits`]). What the
//! sandbox refuses is kept, and the host adds it to the result's message.

use crate::engine::dns::DnsPolicy;
use crate::wit::{CheckResult, Settings};
use smtp_sensor_guest::settings::{self as validate, Target};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

/// How much of the component's stderr (panic messages) is kept for the error message.
const STDERR_CAPACITY: usize = 4096;

/// How many refusals are described in the result's message; the rest are counted. A hostile
/// component could ask thousands of times: the host's memory must not follow.
const REFUSALS_DESCRIBED: usize = 4;

/// One place the component may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The only TCP port it may connect to there.
    pub port: u16,
    /// The target, when it is an IP literal: the only address it may connect to.
    pub address: Option<IpAddr>,
    /// The target, when it is a host name: a name it may look up. It may then connect only
    /// to the addresses a lookup of it returned, on `port`. `None` with no `address`: no
    /// connects.
    pub name: Option<String>,
}

impl Endpoint {
    /// The endpoint of a configured `host` and `port`.
    pub fn of(host: &str, port: u16) -> Self {
        let (address, name) = match validate::host(host) {
            Ok(Target::Address(address)) => (Some(address), None),
            Ok(Target::Name(_)) => (None, Some(host.to_string())),
            Err(_) => (None, None),
        };
        Self {
            port,
            address,
            name,
        }
    }

    /// Whether this is the endpoint of `name` (in any case, with or without the root's dot).
    fn is_named(&self, name: &str) -> bool {
        let bare = |n: &str| n.strip_suffix('.').unwrap_or(n).to_ascii_lowercase();
        self.name
            .as_deref()
            .is_some_and(|allowed| bare(allowed) == bare(name))
    }
}

/// Where a check that resolves through the host's DNS may connect: a mail domain's check
/// only to the addresses the host's own DNS answers gave for its MX hosts (on the check's
/// port) and its MTA-STS policy host (on 443); a host check with DANE to its host's
/// answered addresses on its port, as [`DnsPolicy::may_connect`] decides. The DNS session that answers the check
/// notes its answers in this very policy, so a connect sees every answer given so far.
#[derive(Debug, Clone)]
pub struct DnsReach {
    /// The check's DNS policy, shared with its DNS session.
    pub dns: Arc<Mutex<DnsPolicy>>,
    /// The MX hosts' port (`settings.port`).
    pub smtp_port: u16,
}

impl DnsReach {
    /// A domain check of `domain` on `smtp_port`, before any answer: nothing reachable.
    pub fn new(domain: &str, smtp_port: u16) -> Self {
        Self {
            dns: Arc::new(Mutex::new(DnsPolicy::for_domain(domain, smtp_port))),
            smtp_port,
        }
    }

    /// A host check with DANE of `host` on `port`, before any answer: nothing reachable.
    pub fn for_host(host: &str, port: u16) -> Self {
        Self {
            dns: Arc::new(Mutex::new(DnsPolicy::for_host(host, port))),
            smtp_port: port,
        }
    }

    /// Whether the answers so far make `addr` one of the check's MX hosts or its policy host
    /// (a host check's: its host).
    fn allows(&self, addr: SocketAddr) -> bool {
        self.dns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .may_connect(addr, self.smtp_port)
    }
}

/// Where the component may look up and connect.
#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    /// The configured targets: the SMTP server, and a round trip's mailbox server.
    pub targets: Vec<Endpoint>,
    /// A check that resolves through the host's DNS (a mail domain's, a host check's with
    /// DANE): where its answers pointed.
    pub dns_reach: Option<DnsReach>,
}

impl NetworkPolicy {
    /// The policy a check's settings call for: the configured hosts and ports, nothing else;
    /// for a mail domain's check, no target of its own, only what its DNS answers give.
    pub fn for_settings(settings: &Settings) -> Self {
        if settings.domain.is_some() {
            return Self {
                targets: Vec::new(),
                dns_reach: Some(DnsReach::new(&settings.host, settings.port)),
            };
        }
        let mut targets = vec![Endpoint::of(&settings.host, settings.port)];
        if let Some(mailbox) = &settings.mailbox {
            targets.push(Endpoint::of(&mailbox.host, mailbox.port));
        }
        // With DANE, the host's addresses come from the host's DNS, validated (RFC 7672
        // 2.2.2), and only those may be reached.
        let dns_reach = settings
            .dane
            .is_some()
            .then(|| DnsReach::for_host(&settings.host, settings.port));
        Self { targets, dns_reach }
    }

    /// The policy of one target.
    pub fn single(endpoint: Endpoint) -> Self {
        Self {
            targets: vec![endpoint],
            dns_reach: None,
        }
    }

    /// The DNS policy of a check of `host` on `port` under this policy: a domain check's
    /// own, shared with the connect check above; else a fresh one of the host's names.
    pub fn dns_policy(&self, host: &str, port: u16) -> Arc<Mutex<DnsPolicy>> {
        match &self.dns_reach {
            Some(reach) => reach.dns.clone(),
            None => Arc::new(Mutex::new(DnsPolicy::for_host(host, port))),
        }
    }

    /// Whether the component may look up `name`: only a configured host name.
    pub fn may_look_up(&self, name: &str) -> bool {
        self.targets.iter().any(|t| t.is_named(name))
    }

    /// Where the component may connect once a lookup of `name` returned `address`: that
    /// address on the port of each target of that name.
    pub fn reachable_after(&self, name: &str, address: IpAddr) -> Vec<SocketAddr> {
        self.targets
            .iter()
            .filter(|t| t.is_named(name))
            .map(|t| SocketAddr::new(address.to_canonical(), t.port))
            .collect()
    }

    /// Whether the component may use `addr` this way, given where its lookups of the
    /// configured names made reachable (each address on its own name's port).
    pub fn allows(
        &self,
        addr: SocketAddr,
        usage: SocketAddrUse,
        resolved: &HashSet<SocketAddr>,
    ) -> bool {
        match usage {
            // A connect on an unbound socket first checks a bind to the wildcard address.
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            // A scope id names an interface, and no target has one (the contract takes no
            // zones): a link-local target's address on another interface is another host.
            SocketAddrUse::TcpConnect if matches!(addr, SocketAddr::V6(v6) if v6.scope_id() != 0) => {
                false
            }
            SocketAddrUse::TcpConnect => {
                let canonical = SocketAddr::new(addr.ip().to_canonical(), addr.port());
                resolved.contains(&canonical)
                    || self
                        .targets
                        .iter()
                        .any(|t| t.port == canonical.port() && t.address == Some(canonical.ip()))
                    || self.dns_reach.as_ref().is_some_and(|d| d.allows(canonical))
            }
            // Listening, accepting and all of UDP: a check needs none of them.
            _ => false,
        }
    }
}

/// One run's sandbox: its policy, what its lookups returned and what it refused. Shared by
/// the WASI context's address check and the name-lookup interface.
#[derive(Debug, Clone)]
pub struct Guard {
    policy: Arc<NetworkPolicy>,
    state: Arc<Mutex<GuardState>>,
}

#[derive(Debug, Default)]
struct GuardState {
    resolved: HashSet<SocketAddr>,
    /// The name each lookup under way is of, by its stream's handle.
    lookups: HashMap<u32, String>,
    refused: Vec<String>,
    refused_more: usize,
}

impl Guard {
    /// A fresh sandbox for one run under `policy`.
    pub fn new(policy: NetworkPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GuardState> {
        // The state stays consistent whatever a panicking holder did: sets and lists only.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the component may look up `name`; a refusal is kept.
    pub fn may_look_up(&self, name: &str) -> bool {
        let allowed = self.policy.may_look_up(name);
        if !allowed {
            // The name comes from the component: keep a short, printable version of it.
            let shown: String = name.chars().take(64).filter(|c| !c.is_control()).collect();
            self.refuse(format!("a lookup of {shown:?}"));
        }
        allowed
    }

    /// Notes that the lookup whose stream is `stream` is of `name` (one it may look up).
    pub fn looking_up(&self, stream: u32, name: &str) {
        self.state().lookups.insert(stream, name.to_string());
    }

    /// The lookup whose stream is `stream` is over.
    pub fn looked_up(&self, stream: u32) {
        self.state().lookups.remove(&stream);
    }

    /// Notes an address the lookup whose stream is `stream` returned: it may be connected to
    /// on the port of the target of that name.
    pub fn resolved(&self, stream: u32, address: IpAddr) {
        let mut state = self.state();
        let Some(name) = state.lookups.get(&stream).cloned() else {
            return;
        };
        let reachable = self.policy.reachable_after(&name, address);
        state.resolved.extend(reachable);
    }

    /// Whether the component may use `addr` this way; a refused connect is kept.
    pub fn may_use(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        let allowed = self.policy.allows(addr, usage, &self.state().resolved);
        if !allowed {
            let what = match usage {
                SocketAddrUse::TcpConnect => "a connection to",
                SocketAddrUse::TcpBind => "a bind to",
                SocketAddrUse::TcpListen => "listening on",
                _ => "UDP with",
            };
            self.refuse(format!("{what} {addr}"));
        }
        allowed
    }

    /// Notes a refusal of what the check's budget (see `budget`) has no room for.
    pub fn over_budget(&self, what: String) {
        self.refuse(what);
    }

    /// Notes a refusal of another of the sandbox's rooms (a DNS lookup of a name the
    /// check does not need: see `engine::dns`).
    pub fn refused(&self, what: String) {
        self.refuse(what);
    }

    fn refuse(&self, what: String) {
        let mut state = self.state();
        // A component that asks again and again is described once, then counted.
        if state.refused.len() < REFUSALS_DESCRIBED && !state.refused.contains(&what) {
            state.refused.push(what);
        } else {
            state.refused_more += 1;
        }
    }

    /// What the sandbox refused, in words, if anything.
    pub fn refusals(&self) -> Option<String> {
        let state = self.state();
        if state.refused.is_empty() {
            return None;
        }
        let mut words = state.refused.join("; ");
        if state.refused_more > 0 {
            words.push_str(&format!("; and {} more", state.refused_more));
        }
        Some(words)
    }

    /// Adds what the sandbox refused to `result`'s message, so whoever reads it learns that
    /// the component asked for more than its target.
    pub fn annotate(&self, result: &mut CheckResult) {
        if let Some(refusals) = self.refusals() {
            result.message = format!("{} (the sandbox refused {refusals})", result.message);
        }
    }
}

/// The WASI context of one run: the guard above, and stderr kept in memory.
pub fn wasi_context(guard: &Guard) -> (WasiCtx, MemoryOutputPipe) {
    let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
    let guard = guard.clone();
    let ctx = WasiCtxBuilder::new()
        .stderr(stderr.clone())
        .allow_tcp(true)
        .allow_udp(false)
        // Lookups go through `name_lookup`, which asks the guard first.
        .allow_ip_name_lookup(true)
        .socket_addr_check(move |addr, usage| {
            let allowed = guard.may_use(addr, usage);
            Box::pin(async move { allowed })
        })
        .build();
    (ctx, stderr)
}

#[cfg(test)]
mod tests;
