//! `wasi:sockets/tcp-create-socket` within the check's budget: wasmtime-wasi creates the
//! socket (a descriptor at once), unless the check already holds as many open as it may,
//! when the component gets `new-socket-limit` and the refusal is kept for the message.

use crate::engine::guarded::Guarded;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily};
use wasmtime_wasi::p2::bindings::sockets::tcp_create_socket::Host;
use wasmtime_wasi::p2::{SocketResult, TcpSocket};

impl Host for Guarded<'_> {
    fn create_tcp_socket(
        &mut self,
        address_family: IpAddressFamily,
    ) -> SocketResult<Resource<TcpSocket>> {
        let table = &*self.sockets.table;
        // A handle still holding a TCP socket is one of the check's open sockets: only this
        // function makes them (listening, hence accepting, is refused).
        let is_open = |handle| {
            table
                .get::<TcpSocket>(&Resource::new_borrow(handle))
                .is_ok()
        };
        if !self.budget.may_open_socket(is_open) {
            let why = self.budget.sockets_spent();
            self.guard.over_budget(why);
            return Err(ErrorCode::NewSocketLimit.into());
        }
        let socket = Host::create_tcp_socket(&mut self.sockets, address_family)?;
        self.budget.opened_socket(socket.rep());
        Ok(socket)
    }
}
