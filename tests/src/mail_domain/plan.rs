//! What a test's mail domain publishes and runs: its MX hosts and their kinds, their TLSA
//! records (DANE), its MTA-STS record and policy host, its TLS-RPT record, its DNS server
//! and how its zone is signed (see `super`).

use crate::policy_server::Reply;
use std::time::Duration;

/// An MX host's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A real Postfix with STARTTLS and a certificate from the test CA for its own name.
    Postfix,
    /// The same with a certificate for another name (`elsewhere.test`).
    WrongName,
    /// A listener that accepts connections and never says a word.
    Silent,
    /// A listener whose accept queue is full: connections never complete.
    BlackHole,
    /// A real Postfix without STARTTLS (no certificate: it does not offer it). Its TLSA
    /// records are made from a certificate issued for it all the same, which it never
    /// presents.
    NoTls,
}

/// A TLSA record of an MX host (`_25._tcp.EXCHANGE`), made from the certificates the world
/// issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlsa {
    /// `3 1 1`: DANE-EE, the SHA-256 of the host's own certificate's SubjectPublicKeyInfo.
    LeafKey,
    /// `3 0 1`: DANE-EE, the SHA-256 of the host's whole certificate.
    LeafCertificate,
    /// `2 1 1`: DANE-TA, the SHA-256 of the test CA's key; the host then presents the CA's
    /// certificate after its own (RFC 7672 3.1.2).
    Ca,
    /// `3 1 1` of a key the host does not have: a key rolled without its record (or, beside
    /// a matching record, the next key's standby record).
    OtherKey,
    /// `1 1 1`: PKIX-EE of the host's key, a usage SMTP cannot use (RFC 7672 3.1).
    Pkix,
}

/// How the domain's zone is signed (DNSSEC). A delegated child zone for insecure MX hosts
/// ([`Plan::insecure_mx`]) is never signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Knot signs it; the check trusts its keys (`--dns-trust-anchor`): every answer secure.
    Knot,
    /// Signed offline (ldns) with signatures that expired a day ago: every answer bogus.
    Expired,
    /// Signed offline with signatures valid since an hour ago, expiring this long from now.
    ExpiresIn(Duration),
    /// Signed offline, valid for a month, then a record changed: the TLSA records when
    /// there are any (each signed with other data, and served with the data planned, which
    /// matches the host), otherwise the first MX host's A record (signed with another
    /// address, served with its own). Those answers are bogus; the rest are secure.
    Tampered,
    /// Not signed at all, and no trust anchor given: hickory-resolver 0.26.3 calls every
    /// answer bogus (it cannot prove the zone unsigned: hickory-dns issue 3932).
    Unsigned,
}

/// The domain's DNS server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dns {
    /// Knot serving the zone.
    Knot,
    /// Knot was started with the zone and stopped: nothing listens on its address.
    Stopped,
    /// A server answering SERVFAIL to everything.
    ServFail,
    /// A server that never answers.
    Silent,
    /// Knot, behind a server that never answers AAAA questions.
    SilentAaaa,
}

/// What the policy host answers, given the domain's name.
pub type PolicyReply = Box<dyn Fn(&str) -> Reply + Send>;

/// What the domain publishes and runs.
pub struct Plan {
    pub(super) label: String,
    pub(super) mx: Vec<PlannedMx>,
    pub(super) implicit: Option<Host>,
    pub(super) null_mx: bool,
    pub(super) sts: Vec<String>,
    pub(super) policy: Option<(PolicyReply, bool)>,
    pub(super) tls_rpt: Vec<String>,
    pub(super) dns: Dns,
    pub(super) signing: Signing,
}

/// One MX host as planned.
#[derive(Debug, Clone)]
pub(super) struct PlannedMx {
    pub(super) preference: u16,
    pub(super) host: Host,
    pub(super) tlsa: Vec<Tlsa>,
    /// Its name is in the unsigned child zone `unsigned.NAME.test`.
    pub(super) insecure: bool,
}

impl Plan {
    /// A domain named after `label` (lower-case letters, digits, hyphens), with nothing yet.
    pub fn new(label: &str) -> Self {
        Self {
            label: label.to_string(),
            mx: Vec::new(),
            implicit: None,
            null_mx: false,
            sts: Vec::new(),
            policy: None,
            tls_rpt: Vec::new(),
            dns: Dns::Knot,
            signing: Signing::Knot,
        }
    }

    /// An MX record of `preference` naming `mxN.NAME.test` (N counts from 1), an A record
    /// for it, and the host behind it.
    pub fn mx(self, preference: u16, host: Host) -> Self {
        self.mx_tlsa(preference, host, &[])
    }

    /// The same, with these TLSA records at `_25._tcp.mxN.NAME.test` (in this order).
    pub fn mx_tlsa(mut self, preference: u16, host: Host, tlsa: &[Tlsa]) -> Self {
        self.mx.push(PlannedMx {
            preference,
            host,
            tlsa: tlsa.to_vec(),
            insecure: false,
        });
        self
    }

    /// An MX host whose name, `mxN.unsigned.NAME.test`, and TLSA records live in a child
    /// zone `unsigned.NAME.test` the same Knot serves unsigned, delegated from the domain's
    /// zone (NS records, no DS): a validating resolver proves its answers insecure.
    pub fn insecure_mx(mut self, preference: u16, host: Host, tlsa: &[Tlsa]) -> Self {
        self.mx.push(PlannedMx {
            preference,
            host,
            tlsa: tlsa.to_vec(),
            insecure: true,
        });
        self
    }

    /// No MX record; the domain's own A record points at this host (its implicit MX, whose
    /// certificate is for the domain's name).
    pub fn implicit_mx(mut self, host: Host) -> Self {
        self.implicit = Some(host);
        self
    }

    /// A null MX (`MX 0 .`).
    pub fn null_mx(mut self) -> Self {
        self.null_mx = true;
        self
    }

    /// A `_mta-sts` TXT record with this text (call twice for two).
    pub fn sts_record(mut self, text: &str) -> Self {
        self.sts.push(text.to_string());
        self
    }

    /// The policy host `mta-sts.NAME.test`, with a certificate from the test CA, answering
    /// what `reply` makes of the domain's name.
    pub fn policy(mut self, reply: impl Fn(&str) -> Reply + Send + 'static) -> Self {
        self.policy = Some((Box::new(reply), true));
        self
    }

    /// The same with a certificate for its name from a CA the check does not trust.
    pub fn untrusted_policy(mut self, reply: impl Fn(&str) -> Reply + Send + 'static) -> Self {
        self.policy = Some((Box::new(reply), false));
        self
    }

    /// A `_smtp._tls` TXT record with this text.
    pub fn tls_rpt(mut self, text: &str) -> Self {
        self.tls_rpt.push(text.to_string());
        self
    }

    /// The DNS server (Knot by default).
    pub fn dns(mut self, dns: Dns) -> Self {
        self.dns = dns;
        self
    }

    /// How the domain's zone is signed ([`Signing::Knot`] by default).
    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }
}
