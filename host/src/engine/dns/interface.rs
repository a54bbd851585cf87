//! The contract's `dns` import, answered by the check's [`DnsSession`]: each lookup is a
//! [`PendingLookup`] in the store's table, whose pollable the component polls with its
//! sockets'. Refusals (not permitted, over budget) are also kept by the run's [`Guard`], so
//! the result's message says what the sandbox refused, as for every other refusal.
//!
//! [`Guard`]: crate::engine::sandbox::Guard

use super::session::{DnsSession, PendingLookup};
use crate::bindings::smtp_sensor::probe::dns::{Host, HostLookup};
use crate::engine::sandbox::Guard;
use crate::wit_dns::{Answer, LookupError, RecordType};
use wasmtime::component::{HasData, Resource, ResourceTable};
use wasmtime_wasi::p2::{DynPollable, subscribe};

/// What a store lends the `dns` interface.
pub struct DnsAccess<'a> {
    /// The store's resources: the lookups and their pollables.
    pub table: &'a mut ResourceTable,
    /// The check's DNS.
    pub session: &'a mut DnsSession,
    /// The run's sandbox, which keeps refusals for the result's message.
    pub guard: &'a Guard,
}

/// A store's state that can lend a [`DnsAccess`].
pub trait DnsView: Send {
    /// The table, DNS session and guard of this store.
    fn dns(&mut self) -> DnsAccess<'_>;
}

/// The [`HasData`] marker for linking the interface.
pub struct Dns;

impl HasData for Dns {
    type Data<'a> = DnsAccess<'a>;
}

impl Host for DnsAccess<'_> {
    fn resolve(
        &mut self,
        name: String,
        record_type: RecordType,
    ) -> wasmtime::Result<Result<Resource<PendingLookup>, LookupError>> {
        match self.session.resolve(&name, record_type) {
            Ok(lookup) => Ok(Ok(self.table.push(lookup)?)),
            Err(refused) => {
                if let LookupError::NotPermitted(words) | LookupError::OverBudget(words) = &refused
                {
                    let what = words.split(':').next().unwrap_or(words);
                    let what = what.split(" is not a lookup").next().unwrap_or(what);
                    self.guard.refused(format!("a DNS lookup of {what}"));
                }
                Ok(Err(refused))
            }
        }
    }
}

impl HostLookup for DnsAccess<'_> {
    fn subscribe(
        &mut self,
        lookup: Resource<PendingLookup>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let borrowed = Resource::<PendingLookup>::new_borrow(lookup.rep());
        subscribe(self.table, borrowed)
    }

    fn get(
        &mut self,
        lookup: Resource<PendingLookup>,
    ) -> wasmtime::Result<Option<Result<Answer, LookupError>>> {
        Ok(self.table.get_mut(&lookup)?.poll_now().cloned())
    }

    fn drop(&mut self, lookup: Resource<PendingLookup>) -> wasmtime::Result<()> {
        self.table.delete(lookup)?;
        Ok(())
    }
}
