//! Where the host's DNS comes from, as `check` and `serve` take it: `--dns-server` and
//! `--dns-trust-anchor` over a configuration file's top-level keys of the same names
//! (`ConfigFile::dns`), made into the resolver the runner answers the contract's `dns` with.

use crate::engine::dns::DnsConfig;
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
    /// Windows' adapters). An address, never a name. Overrides a --config file's top-level
    /// dns_server key.
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
    /// The resolver these flags make over `file`'s keys (each flag given replaces its key),
    /// none when neither says anything (the system's); the error names the flag and the fix.
    pub fn resolver(
        &self,
        file: Option<&DnsConfig>,
    ) -> Result<Option<std::sync::Arc<crate::engine::dns::Resolver>>, String> {
        let config = self.config(file);
        if config.servers.is_empty() && config.trust_anchors.is_empty() {
            return Ok(None);
        }
        crate::engine::dns::Resolver::new(config).map(Some)
    }

    /// What the resolver is made of: each flag given, else its key in `file`.
    fn config(&self, file: Option<&DnsConfig>) -> DnsConfig {
        let file = file.cloned().unwrap_or_default();
        DnsConfig {
            servers: or_file(&self.dns_server, file.servers),
            trust_anchors: or_file(&self.dns_trust_anchor, file.trust_anchors),
        }
    }
}

/// The flags' values when any are given, else the file's.
fn or_file<T: Clone>(flags: &[T], keys: Vec<T>) -> Vec<T> {
    if flags.is_empty() {
        keys
    } else {
        flags.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_files_keys_each_on_its_own() {
        let file = DnsConfig {
            servers: vec!["127.0.0.53:53".parse().unwrap()],
            trust_anchors: vec!["corp.keys".into()],
        };
        let none = DnsArgs {
            dns_server: Vec::new(),
            dns_trust_anchor: Vec::new(),
        };
        let config = none.config(Some(&file));
        assert_eq!(config.servers, file.servers);
        assert_eq!(config.trust_anchors, file.trust_anchors);
        let flags = DnsArgs {
            dns_server: vec!["127.0.0.54:5353".parse().unwrap()],
            dns_trust_anchor: Vec::new(),
        };
        let config = flags.config(Some(&file));
        assert_eq!(config.servers, flags.dns_server);
        assert_eq!(config.trust_anchors, file.trust_anchors, "the key stands");
        assert!(none.config(None).servers.is_empty());
        assert!(none.resolver(None).unwrap().is_none(), "the system's");
        assert!(
            none.resolver(Some(&DnsConfig::default()))
                .unwrap()
                .is_none()
        );
    }
}
