//! `wasi:sockets/ip-name-lookup` as the sandbox allows it: wasmtime-wasi's lookup, asked
//! only for the configured host name. Another name gets `name-unresolvable`, as a name that
//! does not exist would (a component cannot use lookups to probe or signal through DNS), and
//! the refusal is kept for the result's message. Every address a lookup returns is noted in
//! the [`Guard`], which then allows connects to it (on the configured port only).

use crate::engine::sandbox::Guard;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::SocketError;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{
    Host, HostResolveAddressStream, ResolveAddressStream,
};
use wasmtime_wasi::p2::bindings::sockets::network::{self, ErrorCode, IpAddress, Network};
use wasmtime_wasi::sockets::WasiSocketsCtxView;

/// What a store offers the lookup interface: WASI's sockets and the run's guard.
pub struct GuardedLookup<'a> {
    /// wasmtime-wasi's sockets, which do the lookup.
    pub sockets: WasiSocketsCtxView<'a>,
    /// The run's sandbox.
    pub guard: &'a Guard,
}

/// A store's state that can lend a [`GuardedLookup`].
pub trait GuardedLookupView: Send {
    /// The sockets and the guard of this store.
    fn guarded_lookup(&mut self) -> GuardedLookup<'_>;
}

/// The [`HasData`] marker for linking the interface.
pub struct GuardedLookups;

impl HasData for GuardedLookups {
    type Data<'a> = GuardedLookup<'a>;
}

/// The lookup interface shares `wasi:sockets/network`'s error conversion: wasmtime-wasi's.
impl network::Host for GuardedLookup<'_> {
    fn convert_error_code(&mut self, error: SocketError) -> wasmtime::Result<ErrorCode> {
        self.sockets.convert_error_code(error)
    }

    fn network_error_code(
        &mut self,
        error: Resource<wasmtime_wasi::p2::bindings::io::error::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        self.sockets.network_error_code(error)
    }
}

impl network::HostNetwork for GuardedLookup<'_> {
    fn drop(&mut self, network: Resource<Network>) -> wasmtime::Result<()> {
        network::HostNetwork::drop(&mut self.sockets, network)
    }
}

impl Host for GuardedLookup<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> Result<Resource<ResolveAddressStream>, SocketError> {
        if !self.guard.may_look_up(&name) {
            return Err(ErrorCode::NameUnresolvable.into());
        }
        let stream = self.sockets.resolve_addresses(network, name.clone())?;
        self.guard.looking_up(stream.rep(), &name);
        Ok(stream)
    }
}

impl HostResolveAddressStream for GuardedLookup<'_> {
    fn resolve_next_address(
        &mut self,
        stream: Resource<ResolveAddressStream>,
    ) -> Result<Option<IpAddress>, SocketError> {
        let rep = stream.rep();
        let next = self.sockets.resolve_next_address(stream)?;
        if let Some(address) = next {
            self.guard.resolved(rep, ip(address));
        }
        Ok(next)
    }

    fn subscribe(
        &mut self,
        stream: Resource<ResolveAddressStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        self.sockets.subscribe(stream)
    }

    fn drop(&mut self, stream: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        self.guard.looked_up(stream.rep());
        HostResolveAddressStream::drop(&mut self.sockets, stream)
    }
}

/// WASI's address as the standard library's.
fn ip(address: IpAddress) -> IpAddr {
    match address {
        IpAddress::Ipv4((a, b, c, d)) => Ipv4Addr::new(a, b, c, d).into(),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => Ipv6Addr::new(a, b, c, d, e, f, g, h).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_convert_both_ways() {
        for text in ["127.0.0.1", "::1", "2001:db8::25", "::ffff:127.0.0.1"] {
            let address: IpAddr = text.parse().unwrap();
            assert_eq!(ip(IpAddress::from(address)), address, "{text}");
        }
    }
}
