//! DNS through the host: the contract's `dns` interface (`wit/smtp-sensor.wit`).
//!
//! - [`policy`] is the sandbox for names: which names and types a check may look up.
//! - [`resolver`] is the host's resolver (hickory-resolver, DNSSEC validated), one per
//!   process and configuration.
//! - [`answer`] turns hickory's answers and errors into the contract's, without I/O.
//! - [`rrsig`] reads their signatures: the earliest expiry, what makes one bogus.
//! - [`bogus`] fetches a bogus answer's signatures to say why it is bogus.
//! - [`session`] is one check's DNS: its policy, budget and deadline over the resolver.
//! - [`interface`] links the interface to a store.

pub mod answer;
mod bogus;
pub mod interface;
pub mod policy;
pub mod resolver;
pub mod rrsig;
pub mod session;

pub use policy::DnsPolicy;
pub use resolver::{DnsConfig, Resolver};
pub use session::{DnsSession, PendingLookup};
