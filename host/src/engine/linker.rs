//! The WASI interfaces a check may import, and nothing else.
//!
//! `wasmtime_wasi::p2::add_to_linker_async` links all of WASI 0.2: files, UDP and the rest.
//! A component that imports an interface not linked here fails to instantiate with an error
//! naming it, so the component cannot even ask for what a check never needs; and each run
//! builds a smaller linker, which is part of a one-shot check's start-up.

use crate::engine::dns::interface::{Dns, DnsView};
use crate::engine::guarded::{GuardedSockets, GuardedView};
use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView as _};
use wasmtime_wasi::p2::bindings::{cli, clocks, io, random, sockets};
use wasmtime_wasi::random::WasiRandom;
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView as _};

/// `wasi:io`'s host side lives in the resource table.
struct HasIo;

impl HasData for HasIo {
    type Data<'a> = &'a mut ResourceTable;
}

/// Adds what a check uses: `wasi:io`, clocks, random, the CLI's stdio, environment and exit
/// (the standard library's start-up asks for them; the sandbox gives none), TCP and name
/// lookups (of the configured names only), both within the check's budget, and the
/// contract's `dns` (see `engine::dns`). Not linked: `wasi:filesystem` and UDP.
pub fn add_check_interfaces<T: WasiView + GuardedView + DnsView>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    let l = linker;
    io::error::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
    io::poll::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
    io::streams::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
    clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
    clocks::monotonic_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
    random::random::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure_seed::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    cli::exit::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::environment::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::terminal_input::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::terminal_output::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
    cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
    // Sockets within the check's budget (see `socket_create`).
    sockets::tcp_create_socket::add_to_linker::<T, GuardedSockets>(l, T::guarded)?;
    sockets::tcp::add_to_linker::<T, WasiSockets>(l, T::sockets)?;
    sockets::instance_network::add_to_linker::<T, WasiSockets>(l, T::sockets)?;
    sockets::network::add_to_linker::<T, WasiSockets>(l, &Default::default(), T::sockets)?;
    // Lookups only of the configured names, within the budget (see `name_lookup`).
    sockets::ip_name_lookup::add_to_linker::<T, GuardedSockets>(l, T::guarded)?;
    // The contract's DNS: the names the check's target needs, within its budget (see `dns`).
    crate::bindings::smtp_sensor::probe::dns::add_to_linker::<T, Dns>(l, T::dns)?;
    Ok(())
}
