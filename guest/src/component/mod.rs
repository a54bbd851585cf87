//! The component's export: the WIT `check` function, over WASI sockets and clocks.

mod check;
mod connect;
mod dns;
mod domain_check;
mod executor;
mod host_check;
mod net;
mod policy_fetch;
mod round_trip;
mod secure;
mod tls_stream;

use crate::bindings::{Guest, export};
use crate::wit::{CheckResult, Settings};

/// The component's implementation of the `smtp-sensor` world.
struct Component;

impl Guest for Component {
    fn check(settings: Settings) -> CheckResult {
        check::run(settings)
    }
}

export!(Component with_types_in crate::bindings);
