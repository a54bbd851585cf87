//! The store's view that the sandbox's own socket interfaces work with: wasmtime-wasi's
//! sockets, the run's [`Guard`] (where it may go) and its [`Budget`] (how much it may use).
//! `name_lookup` and `socket_create` implement their interfaces on it.

use crate::engine::budget::Budget;
use crate::engine::sandbox::Guard;
use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::p2::SocketError;
use wasmtime_wasi::p2::bindings::sockets::network::{self, ErrorCode, Network};
use wasmtime_wasi::sockets::WasiSocketsCtxView;

/// What a store lends the sandbox's socket interfaces.
pub struct Guarded<'a> {
    /// wasmtime-wasi's sockets, which do the work once the sandbox allows it.
    pub sockets: WasiSocketsCtxView<'a>,
    /// The run's sandbox.
    pub guard: &'a Guard,
    /// The run's share of the host's lookups and sockets.
    pub budget: &'a mut Budget,
}

/// A store's state that can lend a [`Guarded`] view.
pub trait GuardedView: Send {
    /// The sockets, guard and budget of this store.
    fn guarded(&mut self) -> Guarded<'_>;
}

/// The [`HasData`] marker for linking the interfaces.
pub struct GuardedSockets;

impl HasData for GuardedSockets {
    type Data<'a> = Guarded<'a>;
}

/// The interfaces share `wasi:sockets/network`'s error conversion: wasmtime-wasi's.
impl network::Host for Guarded<'_> {
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

impl network::HostNetwork for Guarded<'_> {
    fn drop(&mut self, network: Resource<Network>) -> wasmtime::Result<()> {
        network::HostNetwork::drop(&mut self.sockets, network)
    }
}
