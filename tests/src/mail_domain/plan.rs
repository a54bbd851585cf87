//! What a test's mail domain publishes and runs: its MX hosts and their kinds, its MTA-STS
//! record and policy host, its TLS-RPT record, and its DNS server (see `super`).

use crate::policy_server::Reply;

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
    pub(super) mx: Vec<(u16, Host)>,
    pub(super) implicit: Option<Host>,
    pub(super) null_mx: bool,
    pub(super) sts: Vec<String>,
    pub(super) policy: Option<(PolicyReply, bool)>,
    pub(super) tls_rpt: Vec<String>,
    pub(super) dns: Dns,
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
        }
    }

    /// An MX record of `preference` naming `mxN.NAME.test` (N counts from 1), an A record
    /// for it, and the host behind it.
    pub fn mx(mut self, preference: u16, host: Host) -> Self {
        self.mx.push((preference, host));
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
}
