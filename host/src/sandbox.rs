//! What the component may do. Deny by default: no files, no environment, no arguments, no
//! inherited stdio, no UDP (not even linked: see [`crate::linker`]); TCP only to the
//! configured target's port; name lookups allowed
//! (the component resolves the host name itself). Memory and wall time are capped.

use crate::wit::Settings;
use smtp_sensor_guest::limits::{DEFAULT_MEMORY_LIMIT_BYTES, HOST_WALL_TIME_MARGIN_MS};
use smtp_sensor_guest::validate::{self, Target};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

/// How much of the component's stderr (panic messages) is kept for the error message.
const STDERR_CAPACITY: usize = 4096;

/// Where the component may connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// The only TCP port it may connect to.
    pub port: u16,
    /// The only address it may connect to, when the target is an IP literal. For a host
    /// name, any address it resolves to (on `port` only).
    pub address: Option<IpAddr>,
}

impl NetworkPolicy {
    /// The policy a check's settings call for: the configured host and port, nothing else.
    pub fn for_settings(settings: &Settings) -> Self {
        let address = match validate::host(&settings.host) {
            Ok(Target::Address(address)) => Some(address),
            _ => None,
        };
        Self {
            port: settings.port,
            address,
        }
    }

    /// Whether the component may use `addr` this way.
    pub fn allows(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match usage {
            // A connect on an unbound socket first checks a bind to the wildcard address.
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            SocketAddrUse::TcpConnect => {
                addr.port() == self.port
                    && self
                        .address
                        .is_none_or(|allowed| allowed == addr.ip().to_canonical())
            }
            // Listening, accepting and all of UDP: a check needs none of them.
            _ => false,
        }
    }
}

/// The limits of one run of the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The cap on the component's linear memory, in bytes.
    pub memory_bytes: usize,
    /// How long the host waits beyond the check's own timeout before it stops the component.
    pub wall_time_margin: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: DEFAULT_MEMORY_LIMIT_BYTES,
            wall_time_margin: Duration::from_millis(HOST_WALL_TIME_MARGIN_MS),
        }
    }
}

/// The WASI context of one run: the policy above, and stderr kept in memory.
pub fn wasi_context(policy: NetworkPolicy) -> (WasiCtx, MemoryOutputPipe) {
    let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
    let ctx = WasiCtxBuilder::new()
        .stderr(stderr.clone())
        .allow_tcp(true)
        .allow_udp(false)
        .allow_ip_name_lookup(true)
        .socket_addr_check(move |addr, usage| {
            let allowed = policy.allows(addr, usage);
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

    #[test]
    fn grants() {
        let exact = NetworkPolicy {
            port: 2525,
            address: Some([127, 0, 0, 1].into()),
        };
        let named = NetworkPolicy {
            port: 2525,
            address: None,
        };
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
            (&named, "10.0.0.1:2525", SocketAddrUse::TcpConnect, true),
            (&named, "10.0.0.1:2526", SocketAddrUse::TcpConnect, false),
            (&exact, "0.0.0.0:0", SocketAddrUse::TcpBind, true),
            (&exact, "[::]:0", SocketAddrUse::TcpBind, true),
            (&exact, "0.0.0.0:2525", SocketAddrUse::TcpBind, false),
            (&exact, "127.0.0.1:0", SocketAddrUse::TcpBind, false),
            (&exact, "127.0.0.1:2525", SocketAddrUse::UdpSend, false),
            (&exact, "0.0.0.0:0", SocketAddrUse::UdpBind, false),
            (&named, "127.0.0.1:53", SocketAddrUse::TcpListen, false),
        ];
        for (policy, address, usage, allowed) in cases {
            assert_eq!(
                policy.allows(addr(address), usage),
                allowed,
                "{address} {usage:?}"
            );
        }
    }
}
