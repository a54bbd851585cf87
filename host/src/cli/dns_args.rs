//! Where the host's DNS comes from, as `check` and `serve` take it: `--dns-server` and
//! `--dns-trust-anchor`, made into the resolver the runner answers the contract's `dns`
//! with.

use crate::settings::options::heading;
use std::path::PathBuf;

/// Where the host's DNS (the contract's `dns`, for the component's lookups of MX, TXT,
/// TLSA and addresses) comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct DnsArgs {
    /// Ask this DNS resolver (ADDR or ADDR:PORT; repeatable) instead of the system's
    ///
    /// The resolvers the host's own DNS asks, in order, over UDP and TCP, validating DNSSEC:
    /// for split-horizon networks and tests. Default: the system's (`/etc/resolv.conf`,
    /// Windows' adapters). An address, never a name.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "ADDR[:PORT]",
        value_parser = crate::engine::dns::resolver::parse_server,
        help_heading = heading::TARGET
    )]
    dns_server: Vec<std::net::SocketAddr>,
    /// Trust these DNSKEY records (zone-file form) for DNSSEC besides the root's (repeatable)
    ///
    /// For private zones that do not chain to the root: the file holds ALL the zone's DNSKEY
    /// records, the zone-signing keys (256) as well as the key-signing ones (257), e.g.
    /// `corp.example. 3600 IN DNSKEY 257 3 13 BASE64...` (`kdig DNSKEY corp.example`): the
    /// resolver (hickory 0.26) seeks a DS for any key not given, which a private zone's
    /// parent cannot give. Renew the file when the zone rolls a key. A DS record is
    /// refused: the resolver trusts keys, not digests.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "FILE",
        help_heading = heading::TARGET
    )]
    dns_trust_anchor: Vec<PathBuf>,
}

impl DnsArgs {
    /// The resolver these flags make, none when they say nothing (the system's); the error
    /// names the flag and the fix.
    pub fn resolver(&self) -> Result<Option<std::sync::Arc<crate::engine::dns::Resolver>>, String> {
        if self.dns_server.is_empty() && self.dns_trust_anchor.is_empty() {
            return Ok(None);
        }
        crate::engine::dns::Resolver::new(crate::engine::dns::DnsConfig {
            servers: self.dns_server.clone(),
            trust_anchors: self.dns_trust_anchor.clone(),
        })
        .map(Some)
    }
}
