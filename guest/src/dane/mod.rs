//! DANE for SMTP (RFC 7672) and the DNSSEC it rests on, sans-IO: what the host's DNS
//! answered ([`health`] of the answers used, [`lookup`] of the TLSA records, whether DANE
//! is in force) and what the handshake showed go in; the contract's `dane-result`, the
//! host's verdict and its channels come out ([`verdict`], in [`words`]). The matching of
//! records against a chain is TLS's (`tls::dane`).

pub mod health;
mod levels;
pub mod lookup;
pub mod verdict;
pub mod words;

#[cfg(test)]
mod tests;
