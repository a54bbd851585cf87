//! `wasi:sockets/ip-name-lookup` as the sandbox allows it: only the configured host names,
//! within the check's budget. Another name gets `name-unresolvable`, as a name that does not
//! exist would (a component cannot use lookups to probe or signal through DNS); a lookup
//! past the budget gets `permanent-resolver-failure`; both refusals are kept for the
//! result's message. Every address a lookup returns is noted in the [`Guard`], which then
//! allows connects to it (on the configured port only).
//!
//! The lookup itself is the host's, not wasmtime-wasi's: that one queues a `getaddrinfo` on
//! the shared blocking pool that runs even after the component dropped the lookup, so a
//! loop of dropped lookups floods the pool and every other check's lookups wait behind
//! it. Here a lookup holds one of the check's in-flight permits until its `getaddrinfo`
//! returns, and one that was dropped, or is due only after the check's deadline, never
//! starts.
//!
//! [`Guard`]: crate::engine::sandbox::Guard

use crate::engine::budget;
use crate::engine::guarded::Guarded;
use crate::engine::limits::MAX_LOOKUPS_IN_PROCESS;
use std::net::{IpAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use tokio::sync::Semaphore;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{
    Host, HostResolveAddressStream, ResolveAddressStream,
};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddress, Network};
use wasmtime_wasi::p2::{DynPollable, Pollable, SocketError, subscribe};
use wasmtime_wasi::runtime::{AbortOnDropJoinHandle, spawn};

/// What a lookup gives: the addresses, or the resolver's error.
type Found = Result<Vec<IpAddr>, ErrorCode>;

/// One lookup under way or done: the host's stand-in for wasmtime-wasi's stream, held in
/// the store's table under the handle the component has.
pub struct Lookup {
    state: State,
    /// Cleared when the component drops the lookup: a `getaddrinfo` not yet begun is then
    /// never begun.
    wanted: Arc<AtomicBool>,
}

enum State {
    Waiting(AbortOnDropJoinHandle<Found>),
    Done(Result<std::vec::IntoIter<IpAddr>, ErrorCode>),
}

impl Lookup {
    /// Starts looking up `name` once one of `in_flight`'s permits is free, unless the
    /// lookup is dropped first or `deadline` passes.
    fn start(name: String, in_flight: Arc<Semaphore>, deadline: Instant) -> Self {
        let wanted = Arc::new(AtomicBool::new(true));
        let still_wanted = wanted.clone();
        let task = spawn(async move {
            // Dropping the lookup aborts this task while it waits for its permits: the
            // check's, then the process's.
            let Ok(permit) = in_flight.acquire_owned().await else {
                return Err(ErrorCode::PermanentResolverFailure);
            };
            let Ok(shared) = process_permits().clone().acquire_owned().await else {
                return Err(ErrorCode::PermanentResolverFailure);
            };
            let blocking = tokio::task::spawn_blocking(move || {
                let _permits = (permit, shared);
                if !still_wanted.load(Ordering::Acquire) || Instant::now() >= deadline {
                    return Err(ErrorCode::TemporaryResolverFailure);
                }
                resolve(&name)
            });
            // Aborting a blocking task that has not begun keeps it from beginning.
            let mut blocking = AbortBlockingOnDrop(blocking);
            match (&mut blocking.0).await {
                Ok(found) => found,
                Err(_) => Err(ErrorCode::PermanentResolverFailure),
            }
        });
        Self {
            state: State::Waiting(task),
            wanted,
        }
    }

    /// The addresses, if the lookup is done (without waiting).
    fn poll_now(&mut self) -> Poll<&mut Result<std::vec::IntoIter<IpAddr>, ErrorCode>> {
        if let State::Waiting(task) = &mut self.state {
            let mut cx = Context::from_waker(Waker::noop());
            let Poll::Ready(found) = Pin::new(task).poll(&mut cx) else {
                return Poll::Pending;
            };
            self.state = State::Done(found.map(Vec::into_iter));
        }
        match &mut self.state {
            State::Done(found) => Poll::Ready(found),
            State::Waiting(_) => Poll::Pending,
        }
    }
}

impl Drop for Lookup {
    fn drop(&mut self) {
        self.wanted.store(false, Ordering::Release);
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Lookup {
    async fn ready(&mut self) {
        if let State::Waiting(task) = &mut self.state {
            let found = task.await;
            self.state = State::Done(found.map(Vec::into_iter));
        }
    }
}

/// The process's lookups under way: each holds a permit until its `getaddrinfo` returns,
/// even past its check's end (a call under way cannot be stopped; the resolver's own
/// timeouts end it, about 30 s at most with glibc's defaults), so that lookups never take
/// more than [`MAX_LOOKUPS_IN_PROCESS`] of the shared blocking threads, and the rest (the
/// prober's password checks and reloads) never queue behind a slow DNS server.
fn process_permits() -> &'static Arc<Semaphore> {
    static PERMITS: std::sync::OnceLock<Arc<Semaphore>> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| Arc::new(Semaphore::new(MAX_LOOKUPS_IN_PROCESS)))
}

/// Aborts a blocking task when dropped (tokio's handle only detaches it).
struct AbortBlockingOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortBlockingOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The system resolver's addresses of `name` (`getaddrinfo`, as the standard library asks
/// it), each once, IPv4-mapped IPv6 addresses as IPv4.
fn resolve(name: &str) -> Found {
    match (name, 0).to_socket_addrs() {
        Ok(found) => {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for address in found.map(|a| a.ip().to_canonical()) {
                if !addresses.contains(&address) {
                    addresses.push(address);
                }
            }
            Ok(addresses)
        }
        // The standard library gives `getaddrinfo`'s error only in words: EAI_AGAIN is
        // "Temporary failure in name resolution" (glibc), "Try again" (musl, the static
        // build's), WSATRY_AGAIN "... a temporary error ..." (Windows).
        Err(error) if is_temporary(&error.to_string()) => Err(ErrorCode::TemporaryResolverFailure),
        Err(_) => Err(ErrorCode::NameUnresolvable),
    }
}

/// Whether a lookup's error, in the C library's words, is a temporary failure.
fn is_temporary(words: &str) -> bool {
    let words = words.to_ascii_lowercase();
    words.contains("temporary") || words.contains("try again")
}

/// The component's handle of a lookup, as the host's table holds it.
fn held(stream: &Resource<ResolveAddressStream>) -> Resource<Lookup> {
    Resource::new_borrow(stream.rep())
}

impl Host for Guarded<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> Result<Resource<ResolveAddressStream>, SocketError> {
        // The network handle is the capability to look up: it must be a real one.
        self.sockets.table.get(&network)?;
        if !self.guard.may_look_up(&name) {
            return Err(ErrorCode::NameUnresolvable.into());
        }
        if !self.budget.take_lookup() {
            self.guard.over_budget(budget::lookups_spent());
            return Err(ErrorCode::PermanentResolverFailure.into());
        }
        let lookup = Lookup::start(
            name.clone(),
            self.budget.lookups_in_flight(),
            self.budget.deadline(),
        );
        let stream = self.sockets.table.push(lookup)?;
        self.guard.looking_up(stream.rep(), &name);
        Ok(Resource::new_own(stream.rep()))
    }
}

impl HostResolveAddressStream for Guarded<'_> {
    fn resolve_next_address(
        &mut self,
        stream: Resource<ResolveAddressStream>,
    ) -> Result<Option<IpAddress>, SocketError> {
        let lookup = self.sockets.table.get_mut(&held(&stream))?;
        let Poll::Ready(found) = lookup.poll_now() else {
            return Err(ErrorCode::WouldBlock.into());
        };
        let next = match found {
            Ok(addresses) => addresses.next(),
            Err(code) => return Err((*code).into()),
        };
        if let Some(address) = next {
            self.guard.resolved(stream.rep(), address);
        }
        Ok(next.map(IpAddress::from))
    }

    fn subscribe(
        &mut self,
        stream: Resource<ResolveAddressStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        subscribe(self.sockets.table, held(&stream))
    }

    fn drop(&mut self, stream: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        self.guard.looked_up(stream.rep());
        self.sockets
            .table
            .delete(Resource::<Lookup>::new_own(stream.rep()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resolver_answers_for_localhost_and_not_for_a_reserved_name() {
        let found = resolve("localhost").expect("localhost resolves");
        assert!(found.iter().all(IpAddr::is_loopback), "{found:?}");
        // RFC 6761: `.invalid` never resolves, and resolvers answer it without asking.
        assert!(resolve("no-such-host.invalid").is_err());
    }

    #[test]
    fn temporary_failures_are_told_apart_in_every_c_librarys_words() {
        for temporary in [
            "failed to lookup address information: Temporary failure in name resolution",
            "failed to lookup address information: Try again",
            "This is usually a temporary error during hostname resolution",
        ] {
            assert!(is_temporary(temporary), "{temporary}");
        }
        assert!(!is_temporary(
            "failed to lookup address information: Name or service not known"
        ));
    }

    #[tokio::test]
    async fn a_dropped_lookup_never_begins() {
        // No permit is free: the lookup waits; dropped, it is aborted and never resolves.
        let in_flight = Arc::new(Semaphore::new(0));
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let lookup = Lookup::start("localhost".into(), in_flight.clone(), far);
        drop(lookup);
        in_flight.add_permits(1);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(in_flight.available_permits(), 1, "the permit was not taken");
    }

    #[tokio::test]
    async fn a_lookup_due_after_the_deadline_does_not_resolve() {
        let in_flight = Arc::new(Semaphore::new(1));
        let mut lookup = Lookup::start("localhost".into(), in_flight, Instant::now());
        lookup.ready().await;
        assert!(matches!(
            lookup.poll_now(),
            Poll::Ready(Err(ErrorCode::TemporaryResolverFailure))
        ));
    }
}
