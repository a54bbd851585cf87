//! The host's DNS resolver for the contract's `dns`: hickory-resolver, validating DNSSEC
//! from the root's trust anchors (and any the user adds for private zones), asking the
//! system's resolvers (`/etc/resolv.conf`, Windows' adapters) or the servers given with
//! `--dns-server`. One per process and configuration, shared by every check, so its cache
//! (answers and validated keys) serves them all.

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::dnssec::{PublicKeyBuf, TrustAnchors, Verifier};
use hickory_resolver::proto::rr::{Name, RecordType as HickoryType};
use hickory_resolver::proto::serialize::txt::trust_anchor::{Entry, Parser};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The port DNS servers listen on.
pub const DNS_PORT: u16 = 53;

/// Where the host's DNS comes from: what `--dns-server` and `--dns-trust-anchor` say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsConfig {
    /// The resolvers to ask, in order; none: the system's.
    pub servers: Vec<SocketAddr>,
    /// Files of DNSKEY records (zone-file form) trusted besides the root's keys.
    pub trust_anchors: Vec<PathBuf>,
}

/// A `--dns-server` value: `ADDR`, `ADDR:PORT` or `[IPv6]:PORT` (port 53 when none).
pub fn parse_server(value: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = value.parse::<SocketAddr>() {
        return Ok(address);
    }
    if let Ok(ip) = value.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, DNS_PORT));
    }
    Err(format!(
        "--dns-server {value:?} is not an IP address with an optional port: write e.g. \
         `192.0.2.53`, `192.0.2.53:5353` or `[2001:db8::53]:53` (a resolver is named by \
         its address, never by a name that would need DNS itself)"
    ))
}

/// The trust anchors: the root's keys and the DNSKEY records of `files`.
fn trust_anchors(files: &[PathBuf]) -> Result<TrustAnchors, String> {
    let mut anchors = TrustAnchors::default();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--dns-trust-anchor {}: cannot read it: {e}", file.display()))?;
        let is_ds = |line: &str| {
            let line = line.split(';').next().unwrap_or("");
            line.split_whitespace()
                .any(|w| w.eq_ignore_ascii_case("DS"))
        };
        if text.lines().any(is_ds) {
            return Err(format!(
                "--dns-trust-anchor {}: holds a DS record, and hickory-resolver trusts keys, \
                 not digests: give all the zone's DNSKEY records instead (`kdig DNSKEY ZONE`, \
                 both the 257 and the 256 lines)",
                file.display()
            ));
        }
        let entries = Parser::new(text.as_str()).parse().map_err(|e| {
            format!(
                "--dns-trust-anchor {}: not DNSKEY records in zone-file form \
                 (`zone. 3600 IN DNSKEY 257 3 13 BASE64...`): {e}",
                file.display()
            )
        })?;
        if entries.is_empty() {
            return Err(format!(
                "--dns-trust-anchor {}: holds no DNSKEY record",
                file.display()
            ));
        }
        for entry in entries {
            let Entry::DNSKEY(record) = entry else {
                continue;
            };
            let dnskey = record.data();
            let key = dnskey.key().map_err(|e| {
                format!(
                    "--dns-trust-anchor {}: a key hickory cannot use: {e}",
                    file.display()
                )
            })?;
            let key = PublicKeyBuf::new(key.public_bytes().to_vec(), dnskey.algorithm());
            anchors.insert_with_name(&key, record.name().into());
        }
    }
    Ok(anchors)
}

/// The host's resolver, or why there is none (every lookup then fails saying so).
pub struct Resolver {
    config: DnsConfig,
    built: OnceLock<Result<TokioResolver, String>>,
    /// The same servers without validation: what a bogus answer's records were (see
    /// [`Resolver::lookup_unvalidated`]).
    plain: OnceLock<Result<TokioResolver, String>>,
    /// The trust anchors, read once when the resolver is made: a file changed or removed
    /// afterwards changes nothing.
    anchors: Arc<TrustAnchors>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("config", &self.config)
            .finish()
    }
}

impl Resolver {
    /// A resolver of `config`. The trust anchors are read now, once (a bad file is the
    /// user's error, named at once); the system's configuration is read at the first
    /// lookup, in the runtime that makes it.
    pub fn new(config: DnsConfig) -> Result<Arc<Self>, String> {
        let anchors = Arc::new(trust_anchors(&config.trust_anchors)?);
        Ok(Arc::new(Self {
            config,
            built: OnceLock::new(),
            plain: OnceLock::new(),
            anchors,
        }))
    }

    /// The process's resolver of the system's configuration.
    pub fn system() -> Arc<Self> {
        static SYSTEM: OnceLock<Arc<Resolver>> = OnceLock::new();
        SYSTEM
            .get_or_init(|| {
                Arc::new(Self {
                    config: DnsConfig::default(),
                    built: OnceLock::new(),
                    plain: OnceLock::new(),
                    anchors: Arc::new(TrustAnchors::default()),
                })
            })
            .clone()
    }

    /// The resolvers asked, in words for errors.
    pub fn servers(&self) -> String {
        if self.config.servers.is_empty() {
            "the system's resolvers; name others with --dns-server".into()
        } else {
            let servers: Vec<String> = self.config.servers.iter().map(|s| s.to_string()).collect();
            format!("--dns-server {}", servers.join(", "))
        }
    }

    fn build(&self, validate: bool) -> Result<TokioResolver, String> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = if self.config.servers.is_empty() {
            TokioResolver::builder(provider).map_err(|e| {
                format!(
                    "the system's DNS configuration could not be read ({e}): name a resolver \
                     with --dns-server ADDR[:PORT]"
                )
            })?
        } else {
            let servers = self
                .config
                .servers
                .iter()
                .map(|server| {
                    let mut config = NameServerConfig::udp_and_tcp(server.ip());
                    for connection in &mut config.connections {
                        connection.port = server.port();
                    }
                    config
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        };
        let options = builder.options_mut();
        options.validate = validate;
        // Answers come from DNS only (a hosts file has no DNSSEC), and CNAMEs are kept to
        // report the canonical name.
        options.use_hosts_file = ResolveHosts::Never;
        options.preserve_intermediates = true;
        options.edns0 = true;
        if validate {
            builder = builder.with_trust_anchor(self.anchors.clone());
        }
        builder
            .build()
            .map_err(|e| format!("the DNS resolver could not be made: {e}"))
    }

    /// Looks up `name`'s records of `kind`, exactly that name (never completed with a
    /// search domain). `Err(Err(words))`: there is no resolver.
    pub async fn lookup(
        &self,
        name: &Name,
        kind: HickoryType,
    ) -> Result<Result<Lookup, NetError>, String> {
        let resolver = self.built.get_or_init(|| self.build(true)).as_ref()?;
        Ok(resolver.lookup(name.clone(), kind).await)
    }

    /// The same lookup without DNSSEC validation. hickory-resolver 0.26.3 answers a lookup
    /// it judged bogus with an error and no records (and, as hickory-dns issue 3932
    /// describes, judges bogus what it could not validate for want of DNSSEC records too):
    /// this gets the records, which the answer then gives as `bogus`, so a check that does
    /// not need DNSSEC (MTA-STS, TLS-RPT) can go on, and one that does (DANE) must not; and
    /// the name's RRSIG records, which say why (see `bogus`).
    pub async fn lookup_unvalidated(
        &self,
        name: &Name,
        kind: HickoryType,
    ) -> Result<Result<Lookup, NetError>, String> {
        let resolver = self.plain.get_or_init(|| self.build(false)).as_ref()?;
        Ok(resolver.lookup(name.clone(), kind).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_addresses_with_an_optional_port() {
        assert_eq!(
            parse_server("127.0.0.1").unwrap(),
            "127.0.0.1:53".parse().unwrap()
        );
        assert_eq!(
            parse_server("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(parse_server("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert_eq!(
            parse_server("[::1]:54").unwrap(),
            "[::1]:54".parse().unwrap()
        );
        let error = parse_server("dns.example").unwrap_err();
        assert!(error.contains("--dns-server \"dns.example\""), "{error}");
    }

    #[test]
    fn a_trust_anchor_file_must_hold_dnskey_records() {
        let dir = std::env::temp_dir().join(format!("smtp-sensor-anchor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ds = dir.join("ds");
        std::fs::write(&ds, "example.test. 3600 IN DS 12345 13 2 ABCDEF\n").unwrap();
        let refused = |files: &[PathBuf]| trust_anchors(files).err().unwrap_or_default();
        assert!(refused(&[ds]).contains("DNSKEY records instead"));
        let key = dir.join("key");
        std::fs::write(
            &key,
            "example.test. 3600 IN DNSKEY 257 3 13 \
             mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n",
        )
        .unwrap();
        trust_anchors(&[key]).expect("a DNSKEY is a trust anchor");
        let missing = dir.join("missing");
        assert!(refused(&[missing]).contains("cannot read it"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
