//! What the component may do. Deny by default: no files, no environment, no arguments, no
//! inherited stdio, no UDP (not even linked: see [`crate::engine::linker`]). The network is the
//! configured target and nothing else: for an IP literal, TCP to that address and port and no
//! name lookups; for a host name, lookups of that name only (see [`crate::engine::name_lookup`]) and
//! TCP only to the addresses they returned, on the configured port. Memory and wall time are
//! capped (see [`super::limits`]). What the sandbox refuses is kept, and the host adds it to the result's message.

use crate::wit::{CheckResult, Settings};
use smtp_sensor_guest::validate::{self, Target};
use std::collections::HashSet;
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

/// Where the component may look up and connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// The only TCP port it may connect to.
    pub port: u16,
    /// The target, when it is an IP literal: the only address it may connect to.
    pub address: Option<IpAddr>,
    /// The target, when it is a host name: the only name it may look up. It may then connect
    /// only to the addresses that lookup returned. `None` with no `address`: no connects.
    pub name: Option<String>,
}

impl NetworkPolicy {
    /// The policy a check's settings call for: the configured host and port, nothing else.
    pub fn for_settings(settings: &Settings) -> Self {
        let (address, name) = match validate::host(&settings.host) {
            Ok(Target::Address(address)) => (Some(address), None),
            Ok(Target::Name(_)) => (None, Some(settings.host.clone())),
            Err(_) => (None, None),
        };
        Self {
            port: settings.port,
            address,
            name,
        }
    }

    /// Whether the component may look up `name`: only the configured host name (in any
    /// case, with or without the root's dot).
    pub fn may_look_up(&self, name: &str) -> bool {
        let bare = |n: &str| n.strip_suffix('.').unwrap_or(n).to_ascii_lowercase();
        self.name
            .as_deref()
            .is_some_and(|allowed| bare(allowed) == bare(name))
    }

    /// Whether the component may use `addr` this way, given the addresses its lookups of the
    /// configured name returned.
    pub fn allows(
        &self,
        addr: SocketAddr,
        usage: SocketAddrUse,
        resolved: &HashSet<IpAddr>,
    ) -> bool {
        match usage {
            // A connect on an unbound socket first checks a bind to the wildcard address.
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            SocketAddrUse::TcpConnect => {
                let ip = addr.ip().to_canonical();
                addr.port() == self.port
                    && match self.address {
                        Some(allowed) => allowed == ip,
                        None => resolved.contains(&ip),
                    }
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
    resolved: HashSet<IpAddr>,
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

    /// Notes an address a lookup of the configured name returned: it may be connected to.
    pub fn resolved(&self, address: IpAddr) {
        self.state().resolved.insert(address.to_canonical());
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

    fn refuse(&self, what: String) {
        let mut state = self.state();
        if state.refused.len() < REFUSALS_DESCRIBED {
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
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn exact() -> NetworkPolicy {
        NetworkPolicy {
            port: 2525,
            address: Some([127, 0, 0, 1].into()),
            name: None,
        }
    }

    fn named() -> NetworkPolicy {
        NetworkPolicy {
            port: 2525,
            address: None,
            name: Some("mx.example".into()),
        }
    }

    #[test]
    fn grants() {
        let (exact, named) = (exact(), named());
        let resolved: HashSet<IpAddr> = [[127, 0, 0, 3].into()].into();
        let cases = [
            // (policy, address, use, allowed)
            (&exact, "127.0.0.1:2525", SocketAddrUse::TcpConnect, true),
            (&exact, "127.0.0.1:25", SocketAddrUse::TcpConnect, false),
            (&exact, "127.0.0.2:2525", SocketAddrUse::TcpConnect, false),
            (
                &exact,
                "[::ffff:127.0.0.1]:2525",
                SocketAddrUse::TcpConnect,
                true,
            ),
            (&named, "127.0.0.3:2525", SocketAddrUse::TcpConnect, true),
            (
                &named,
                "[::ffff:127.0.0.3]:2525",
                SocketAddrUse::TcpConnect,
                true,
            ),
            (&named, "127.0.0.3:2526", SocketAddrUse::TcpConnect, false),
            (&named, "127.0.0.4:2525", SocketAddrUse::TcpConnect, false),
            (&exact, "0.0.0.0:0", SocketAddrUse::TcpBind, true),
            (&exact, "[::]:0", SocketAddrUse::TcpBind, true),
            (&exact, "0.0.0.0:2525", SocketAddrUse::TcpBind, false),
            (&exact, "127.0.0.1:0", SocketAddrUse::TcpBind, false),
            (&exact, "127.0.0.1:2525", SocketAddrUse::UdpSend, false),
            (&exact, "0.0.0.0:0", SocketAddrUse::UdpBind, false),
            (&named, "127.0.0.3:53", SocketAddrUse::TcpListen, false),
        ];
        for (policy, address, usage, allowed) in cases {
            assert_eq!(
                policy.allows(addr(address), usage, &resolved),
                allowed,
                "{address} {usage:?}"
            );
        }
    }

    #[test]
    fn only_the_configured_name_may_be_looked_up() {
        let named = named();
        assert!(named.may_look_up("mx.example"));
        assert!(named.may_look_up("MX.Example."));
        assert!(!named.may_look_up("other.example"));
        assert!(!named.may_look_up("mx.example.evil"));
        assert!(
            !exact().may_look_up("mx.example"),
            "an IP literal needs no lookup"
        );
    }

    #[test]
    fn a_named_target_connects_only_where_its_lookup_pointed() {
        let guard = Guard::new(named());
        let target = addr("127.0.0.3:2525");
        assert!(
            !guard.may_use(target, SocketAddrUse::TcpConnect),
            "before the lookup"
        );
        assert!(guard.may_look_up("mx.example"));
        guard.resolved([127, 0, 0, 3].into());
        assert!(guard.may_use(target, SocketAddrUse::TcpConnect));
        assert!(!guard.may_use(addr("127.0.0.4:2525"), SocketAddrUse::TcpConnect));
        assert_eq!(
            guard.refusals().as_deref(),
            Some("a connection to 127.0.0.3:2525; a connection to 127.0.0.4:2525")
        );
    }

    #[test]
    fn refusals_are_described_up_to_a_bound_and_counted_beyond() {
        let guard = Guard::new(exact());
        for i in 0..1000 {
            assert!(!guard.may_look_up(&format!("n{i}.example\u{1b}[31m")));
        }
        let words = guard.refusals().unwrap();
        assert!(
            words.starts_with("a lookup of \"n0.example[31m\""),
            "{words}"
        );
        assert!(words.ends_with("; and 996 more"), "{words}");
        assert!(!words.contains('\u{1b}'));
    }
}
