//! A mail domain's published policies, read without I/O (issue 38): what DNS and the
//! policy host send goes in as bytes, typed results and errors in words come out. The
//! domain check that asks DNS (through the host) and fetches the policy (over the
//! component's own sockets and TLS) drives them; none of them does I/O or reads a clock.
//!
//! - [`sts_record`] reads the `_mta-sts.DOMAIN` TXT record (RFC 8461 3.1): is there one
//!   MTA-STS record, and its policy `id`;
//! - [`sts_policy`] reads the policy file (RFC 8461 3.2): `version`, `mode`, `max_age` and
//!   the `mx` patterns, and matches an MX host against them (RFC 8461 4.1);
//! - [`tlsrpt_record`] reads the `_smtp._tls.DOMAIN` TXT record (RFC 8460 3): where TLS
//!   reports go;
//! - [`http`] is the HTTP/1.1 client that fetches the policy from
//!   `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`: the request, and the response read
//!   incrementally (the TLS layer below it is elsewhere), never following a redirect;
//! - [`txt`] holds what both TXT records share: strings joined, one record picked out by
//!   its version, `name=value` fields, and the error;
//! - `name` checks domain names (MX patterns, report addresses, the policy host);
//! - [`findings`] is what the component's domain check gathered, as plain data, and
//!   [`report`] turns it into the contract's result: the domain's verdict, every MX host's
//!   own, the MTA-STS judgement, the TLS-RPT record.
//!
//! Every input is bounded ([`crate::limits`]): a hostile DNS answer or policy host costs
//! at most what the limits allow.

pub mod answers;
pub mod findings;
pub mod http;
mod name;
pub mod report;
pub mod sts_policy;
pub mod sts_record;
pub mod tlsrpt_record;
pub mod txt;
