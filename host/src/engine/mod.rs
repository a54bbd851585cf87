//! The engine room: loads the component and runs checks in fresh sandboxes.
//!
//! - [`runner`] loads the component (embedded, or another build of it) and runs checks;
//!   [`pool`] sizes a prober's pool of instances.
//! - [`cache`] keeps compiled components on disk for a fast start.
//! - [`linker`] offers the component the WASI interfaces a check uses, and no others;
//!   [`signatures`] and [`key_agreement`] answer the contract's two crypto imports natively.
//! - [`sandbox`] decides what a check may reach: only the configured port (a mail domain's
//!   check: only where its [`dns`] answers pointed), no files, no environment; [`name_lookup`] answers lookups of the configured host names only and
//!   [`socket_create`] makes sockets, both through the [`guarded`] view and within the
//!   check's [`budget`] of lookups and sockets.
//! - [`dns`] answers the contract's `dns` import: the names a check's target needs, looked
//!   up by the host's DNSSEC-validating resolver within the check's budget and deadline.
//! - [`limits`] holds what the host allows a component: memory, wall time, resources.
//! - [`scrub`] takes the passwords the host handed in out of every string of a result.

pub mod budget;
pub mod cache;
pub mod dns;
pub mod guarded;
mod key_agreement;
pub mod limits;
pub mod linker;
pub mod name_lookup;
pub mod pool;
pub mod runner;
pub mod sandbox;
pub mod scrub;
mod signatures;
mod socket_create;
mod trust_anchors;

pub use limits::Limits;
pub use runner::Runner;
